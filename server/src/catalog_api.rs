//! The back office's catalog: `GET /api/admin/products` (search, filter, pages, fast at
//! 10,000 products: it filters the cached catalog in memory), `POST /api/admin/products`,
//! `PUT /api/admin/products/{sku}`, and categories (`GET`, `POST /api/admin/categories`,
//! `PUT /api/admin/categories/{id}`). Admins change; admins and staff read. Every change
//! is checked whole (domain `Product::check`), written to the tables and the catalog
//! document devices sync, in one transaction; a refused change changes nothing.

use api::{
    CategoryEdit, CategoryRow, DatedPriceEdit, ProductDetail, ProductEdit, ProductPage,
    ProductQuery,
};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use docs::schema::catalog_doc::{write_categories, write_products};
use docs::schema::doc_id::DocId;
use domain::money::{Currency, Money};
use domain::product::{Category, DatedPrice, LocalizedText, Product, VolumePrice};
use domain::sku::{CategoryId, ShopId, Sku, TierId};

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::documents::{self, DocCache};
use crate::store::{Tx, catalog};

fn price(field: &'static str, text: &str) -> Result<Money, AppError> {
    Money::parse_price(text, Currency::Cny).map_err(|_| AppError::invalid(field, "not_a_price"))
}

const PAGE_MAX: usize = 200;

/// `GET /api/admin/products`: a page of the products that match, in SKU order.
#[utoipa::path(get, path = "/admin/products", tag = "catalog", params(api::ProductQuery),
    responses(
        (status = 200, description = "A page of products in SKU order", body = api::ProductPage),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list_products(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ProductQuery>, QueryRejection>,
) -> Result<Json<ProductPage>, AppError> {
    principal.require_office_or("catalog:read")?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let cache = state.catalog.clone();
    let products = state
        .store
        .read(move |tx| catalog::products(tx, &cache))
        .await?;
    let needle = query
        .q
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let matching: Vec<&Product> = products
        .values()
        .filter(|p| {
            query
                .category
                .as_deref()
                .is_none_or(|c| p.category.as_str() == c)
        })
        .filter(|p| query.active.is_none_or(|active| p.active == active))
        .filter(|p| {
            needle.as_deref().is_none_or(|needle| {
                p.sku.as_str().to_lowercase().contains(needle) || p.name.contains_lowercase(needle)
            })
        })
        .collect();
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(50).clamp(1, PAGE_MAX);
    let total = matching.len();
    let mut rest = matching
        .into_iter()
        .filter(|p| {
            query
                .after
                .as_deref()
                .is_none_or(|after| p.sku.as_str() > after)
        })
        .skip(offset);
    let products: Vec<Product> = rest.by_ref().take(limit).cloned().collect();
    let next = rest.next().and(products.last()).map(|p| p.sku.to_string());
    Ok(Json(ProductPage {
        total,
        offset,
        products,
        next,
    }))
}

/// `GET /api/admin/products/{sku}`: one product.
#[utoipa::path(get, path = "/admin/products/{sku}", tag = "catalog",
    params(("sku" = String, Path)),
    responses(
        (status = 200, description = "One product with its prices", body = api::ProductDetail),
        (status = "4XX", description = "No such product", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn get_product(
    State(state): State<AppState>,
    principal: Principal,
    Path(sku): Path<String>,
) -> Result<Json<ProductDetail>, AppError> {
    principal.require_office_or("catalog:read")?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_product", "no such product");
    let sku = Sku::parse(&sku).map_err(|_| unknown())?;
    let product = state
        .store
        .read(move |tx| {
            catalog::product(tx, &sku)?
                .map(|product| detail(tx, product))
                .transpose()
        })
        .await?;
    product.map(Json).ok_or_else(unknown)
}

/// Applies `edit` to `product` field by field; the caller checks the result whole.
pub(crate) fn apply_edit(
    tx: &mut Tx<'_>,
    product: &mut Product,
    edit: ProductEdit,
) -> Result<(), AppError> {
    if let Some(name) = edit.name {
        product.name = name;
    }
    if let Some(description) = edit.description {
        product.description = description;
    }
    if let Some(category) = edit.category {
        let id =
            CategoryId::parse(&category).map_err(|_| AppError::invalid("category", "unknown"))?;
        if catalog::category(tx, &id)?.is_none() {
            return Err(AppError::invalid("category", "unknown"));
        }
        product.category = id;
    }
    if let Some(unit) = edit.unit {
        product.unit = unit;
    }
    if let Some(pack_size) = edit.pack_size {
        product.pack_size = pack_size;
    }
    if let Some(min_quantity) = edit.min_quantity {
        product.min_quantity = min_quantity;
    }
    if let Some(max_quantity) = edit.max_quantity {
        product.max_quantity = max_quantity;
    }
    if let Some(list_price) = edit.list_price {
        product.list_price = price("list_price", &list_price)?;
    }
    if let Some(active) = edit.active {
        product.active = active;
    }
    if let Some(weight_grams) = edit.weight_grams {
        product.weight_grams = weight_grams;
    }
    if let Some(volume_prices) = edit.volume_prices {
        product.volume_prices = volume_prices
            .into_iter()
            .map(|v| {
                Ok(VolumePrice {
                    min_quantity: v.min_quantity,
                    price: price("volume_prices", &v.price)?,
                })
            })
            .collect::<Result<_, AppError>>()?;
    }
    if let Some(promo) = edit.promo_price {
        product.promo_price = promo
            .map(
                |DatedPriceEdit {
                     price: text,
                     from_ms,
                     until_ms,
                 }| {
                    Ok::<_, AppError>(DatedPrice {
                        price: price("promo_price", &text)?,
                        from_ms,
                        until_ms,
                    })
                },
            )
            .transpose()?;
    }
    if let Some(limited_to) = edit.limited_to {
        product.limited_to = limited_to
            .map(|tiers| {
                let mut parsed = Vec::with_capacity(tiers.len());
                for tier in tiers {
                    let known = TierId::parse(&tier)
                        .ok()
                        .map(|id| catalog::tier_exists(tx, &id).map(|known| known.then_some(id)))
                        .transpose()?
                        .flatten();
                    parsed.push(known.ok_or_else(|| AppError::invalid("limited_to", "unknown"))?);
                }
                parsed.sort();
                parsed.dedup();
                Ok::<_, AppError>(parsed)
            })
            .transpose()?;
    }
    if let Some(aliases) = edit.aliases {
        // Trimmed, blanks dropped, each once, in the order given.
        let mut kept: Vec<String> = Vec::new();
        for alias in aliases.iter().map(|alias| alias.trim()) {
            if !alias.is_empty() && !kept.iter().any(|k| k == alias) {
                kept.push(alias.to_owned());
            }
        }
        product.aliases = kept;
    }
    crate::search_keys::fill(product);
    product
        .check()
        .map_err(|problem| AppError::invalid(problem.field, problem.rule))
}

/// The shops `edit` gives the product by name, checked (none unless it is limited).
fn allowed_shops_of(
    tx: &mut Tx<'_>,
    product: &Product,
    given: Option<Vec<String>>,
) -> Result<Option<Vec<String>>, AppError> {
    let Some(mut shops) = given else {
        return Ok(None);
    };
    shops.sort();
    shops.dedup();
    for shop in &shops {
        let known = ShopId::parse(shop)
            .ok()
            .map(|id| catalog::shop_exists(tx, &id))
            .transpose()?
            .unwrap_or(false);
        if !known {
            return Err(AppError::invalid("allowed_shops", "unknown"));
        }
    }
    if product.limited_to.is_none() && !shops.is_empty() {
        return Err(AppError::invalid("allowed_shops", "not_limited"));
    }
    Ok(Some(shops))
}

/// Gives the product to exactly `shops` by name and republishes every shop whose list
/// changed (their own prices documents carry it).
fn give_to_shops(
    tx: &mut Tx<'_>,
    (cache, actor): (&DocCache, &automerge::ActorId),
    sku: &Sku,
    shops: &[String],
) -> anyhow::Result<()> {
    let before = catalog::allowed_shops(tx, sku)?;
    if before == shops {
        return Ok(());
    }
    catalog::set_allowed_shops(tx, sku, shops)?;
    let mut touched: Vec<&String> = before.iter().chain(shops).collect();
    touched.sort();
    touched.dedup();
    for shop in touched {
        crate::commerce::publish_shop(tx, cache, actor, &ShopId::parse(shop)?)?;
    }
    Ok(())
}

/// A new product before its fields are filled in.
pub(crate) fn blank_product(sku: &Sku) -> anyhow::Result<Product> {
    Ok(Product {
        sku: sku.clone(),
        name: LocalizedText::default(),
        description: LocalizedText::default(),
        category: CategoryId::parse("none")?,
        unit: LocalizedText::default(),
        pack_size: 1,
        min_quantity: 1,
        max_quantity: None,
        list_price: Money::zero(Currency::Cny),
        active: true,
        weight_grams: 0,
        volume_prices: Vec::new(),
        promo_price: None,
        limited_to: None,
        price_changes: Vec::new(),
        image: None,
        aliases: Vec::new(),
        pinyin: Vec::new(),
    })
}

/// The product with the shops given it by name.
fn detail(tx: &mut Tx<'_>, product: Product) -> anyhow::Result<ProductDetail> {
    let allowed_shops = catalog::allowed_shops(tx, &product.sku)?;
    Ok(ProductDetail {
        product,
        allowed_shops,
    })
}

/// Stores `product` and writes it into the catalog document.
pub(crate) fn publish_product(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    actor: &automerge::ActorId,
    product: &Product,
) -> anyhow::Result<()> {
    catalog::put_product(tx, product)?;
    documents::edit(tx, cache, &DocId::Catalog, actor, |doc| {
        write_products(doc, std::slice::from_ref(product))
    })
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    body.map(|Json(value)| value)
        .map_err(|r| AppError::rejected("malformed_body", r.status(), r.body_text()))
}

/// `POST /api/admin/products`: a new product; 409 if the SKU exists.
#[utoipa::path(post, path = "/admin/products", tag = "catalog",
    request_body = api::ProductEdit,
    responses(
        (status = 201, description = "Created (`sku`, `name`, `category`, `unit`, `list_price` are required)", body = api::ProductDetail),
        (status = "4XX", description = "Refused (SKU taken, a field out of range …)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn create_product(
    State(state): State<AppState>,
    principal: Principal,
    edit: Result<Json<ProductEdit>, JsonRejection>,
) -> Result<(StatusCode, Json<ProductDetail>), AppError> {
    principal.require_admin_or_scope("change the catalog", "catalog:write")?;
    let edit = body(edit)?;
    let sku = edit
        .sku
        .as_deref()
        .ok_or_else(|| AppError::invalid("sku", "required"))?;
    let sku = Sku::parse(sku).map_err(|_| AppError::invalid("sku", "malformed"))?;
    for (field, given) in [
        ("name", edit.name.is_some()),
        ("category", edit.category.is_some()),
        ("unit", edit.unit.is_some()),
        ("list_price", edit.list_price.is_some()),
    ] {
        if !given {
            return Err(AppError::invalid(field, "required"));
        }
    }
    let (actor, store) = (state.actor.clone(), state.store.clone());
    let product = state
        .store
        .write(move |tx| {
            if catalog::product_exists(tx, &sku)? {
                return Err(AppError::client(
                    StatusCode::CONFLICT,
                    "sku_taken",
                    format!("{sku} exists already"),
                ));
            }
            let mut product = blank_product(&sku)?;
            apply_edit(
                tx,
                &mut product,
                ProductEdit {
                    sku: None,
                    ..edit.clone()
                },
            )?;
            let shops = allowed_shops_of(tx, &product, edit.allowed_shops.clone())?;
            publish_product(tx, store.docs(), &actor, &product)?;
            give_to_shops(tx, (store.docs(), &actor), &sku, &shops.unwrap_or_default())?;
            let created = detail(tx, product)?;
            let change = Change {
                kind: "product",
                object: sku.as_str(),
                action: "create",
            };
            let who = &principal.username;
            audit::record(tx, tx.now_ms, who, change, None::<&()>, Some(&created))?;
            Ok(created)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(product)))
}

/// `PUT /api/admin/products/{sku}`: changes what the body gives (the SKU is fixed).
#[utoipa::path(put, path = "/admin/products/{sku}", tag = "catalog",
    params(("sku" = String, Path)),
    request_body = api::ProductEdit,
    responses(
        (status = 200, description = "Changed", body = api::ProductDetail),
        (status = "4XX", description = "Refused or no such product", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn change_product(
    State(state): State<AppState>,
    principal: Principal,
    Path(sku): Path<String>,
    edit: Result<Json<ProductEdit>, JsonRejection>,
) -> Result<Json<ProductDetail>, AppError> {
    principal.require_admin_or_scope("change the catalog", "catalog:write")?;
    let edit = body(edit)?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_product", "no such product");
    let sku = Sku::parse(&sku).map_err(|_| unknown())?;
    if edit
        .sku
        .as_deref()
        .is_some_and(|given| given != sku.as_str())
    {
        return Err(AppError::invalid("sku", "fixed"));
    }
    let (actor, store) = (state.actor.clone(), state.store.clone());
    let product = state
        .store
        .write(move |tx| {
            let mut product = catalog::product(tx, &sku)?.ok_or_else(unknown)?;
            let before = detail(tx, product.clone())?;
            apply_edit(tx, &mut product, edit.clone())?;
            let shops = match allowed_shops_of(tx, &product, edit.allowed_shops.clone())? {
                // No longer limited: nobody needs to be given it by name.
                _ if product.limited_to.is_none() => Vec::new(),
                Some(shops) => shops,
                None => before.allowed_shops.clone(),
            };
            if product != before.product {
                publish_product(tx, store.docs(), &actor, &product)?;
            }
            give_to_shops(tx, (store.docs(), &actor), &sku, &shops)?;
            let after = detail(tx, product)?;
            if after != before {
                let change = Change {
                    kind: "product",
                    object: sku.as_str(),
                    action: "update",
                };
                let who = &principal.username;
                audit::record(tx, tx.now_ms, who, change, Some(&before), Some(&after))?;
            }
            Ok::<_, AppError>(after)
        })
        .await?;
    Ok(Json(product))
}

/// How many categories a catalog may have: their list is one answer, and every phone
/// carries them in the catalog document.
const MAX_CATEGORIES: usize = 500;

/// `GET /api/admin/categories`.
#[utoipa::path(get, path = "/admin/categories", tag = "catalog",
    responses(
        (status = 200, description = "Every category, in one answer: there are at most 500", body = Vec<api::CategoryRow>),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list_categories(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<CategoryRow>>, AppError> {
    principal.require_office_or("catalog:read")?;
    let cache = state.catalog.clone();
    let (categories, products) = state
        .store
        .read(move |tx| {
            Ok::<_, anyhow::Error>((catalog::categories(tx)?, catalog::products(tx, &cache)?))
        })
        .await?;
    Ok(Json(
        categories
            .into_iter()
            .map(|category| CategoryRow {
                products: products
                    .values()
                    .filter(|p| p.category == category.id)
                    .count(),
                category,
            })
            .collect(),
    ))
}

fn check_name(name: &LocalizedText) -> Result<(), AppError> {
    if name.zh_hans.trim().is_empty() {
        return Err(AppError::invalid("name.zh_hans", "required"));
    }
    for (field, text) in [
        ("name.en", &name.en),
        ("name.zh_hans", &name.zh_hans),
        ("name.zh_hant", &name.zh_hant),
    ] {
        if text.chars().count() > 60 {
            return Err(AppError::invalid(field, "too_long"));
        }
    }
    Ok(())
}

fn publish_category(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    actor: &automerge::ActorId,
    category: &Category,
) -> anyhow::Result<()> {
    catalog::put_category(tx, category)?;
    documents::edit(tx, cache, &DocId::Catalog, actor, |doc| {
        write_categories(doc, std::slice::from_ref(category))
    })
}

/// `POST /api/admin/categories`: a new category (409 if the id exists, or if there are
/// [`MAX_CATEGORIES`] already).
#[utoipa::path(post, path = "/admin/categories", tag = "catalog",
    request_body = api::CategoryEdit,
    responses(
        (status = 201, description = "Created (`id` and `name` are required)", body = domain::product::Category),
        (status = "4XX", description = "Refused (id taken, 500 categories already …)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn create_category(
    State(state): State<AppState>,
    principal: Principal,
    edit: Result<Json<CategoryEdit>, JsonRejection>,
) -> Result<(StatusCode, Json<Category>), AppError> {
    principal.require_admin_or_scope("change the catalog", "catalog:write")?;
    let edit = body(edit)?;
    let id = edit
        .id
        .as_deref()
        .ok_or_else(|| AppError::invalid("id", "required"))?;
    let id = CategoryId::parse(id).map_err(|_| AppError::invalid("id", "malformed"))?;
    let name = edit
        .name
        .ok_or_else(|| AppError::invalid("name.zh_hans", "required"))?;
    check_name(&name)?;
    let (actor, store) = (state.actor.clone(), state.store.clone());
    let category = state
        .store
        .write(move |tx| {
            if catalog::category(tx, &id)?.is_some() {
                return Err(AppError::client(
                    StatusCode::CONFLICT,
                    "category_taken",
                    format!("{id} exists already"),
                ));
            }
            let existing = catalog::categories(tx)?;
            if existing.len() >= MAX_CATEGORIES {
                return Err(AppError::client(
                    StatusCode::CONFLICT,
                    "too_many_categories",
                    format!("at most {MAX_CATEGORIES} categories"),
                ));
            }
            let position = match edit.position {
                Some(position) => position,
                None => existing.iter().map(|c| c.position + 1).max().unwrap_or(0),
            };
            let category = Category {
                id: id.clone(),
                name: name.clone(),
                position,
            };
            publish_category(tx, store.docs(), &actor, &category)?;
            let change = Change {
                kind: "category",
                object: category.id.as_str(),
                action: "create",
            };
            let who = &principal.username;
            audit::record(
                tx,
                tx.now_ms,
                who,
                change,
                None::<&Category>,
                Some(&category),
            )?;
            Ok(category)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(category)))
}

/// `PUT /api/admin/categories/{id}`: rename or move a category.
#[utoipa::path(put, path = "/admin/categories/{id}", tag = "catalog",
    params(("id" = String, Path)),
    request_body = api::CategoryEdit,
    responses(
        (status = 200, description = "Changed", body = domain::product::Category),
        (status = "4XX", description = "Refused or no such category", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn change_category(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    edit: Result<Json<CategoryEdit>, JsonRejection>,
) -> Result<Json<Category>, AppError> {
    principal.require_admin_or_scope("change the catalog", "catalog:write")?;
    let edit = body(edit)?;
    let unknown = || {
        AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_category",
            "no such category",
        )
    };
    let id = CategoryId::parse(&id).map_err(|_| unknown())?;
    if edit.id.as_deref().is_some_and(|given| given != id.as_str()) {
        return Err(AppError::invalid("id", "fixed"));
    }
    if let Some(name) = &edit.name {
        check_name(name)?;
    }
    let (actor, store) = (state.actor.clone(), state.store.clone());
    let category = state
        .store
        .write(move |tx| {
            let mut category = catalog::category(tx, &id)?.ok_or_else(unknown)?;
            let before = category.clone();
            if let Some(name) = &edit.name {
                category.name = name.clone();
            }
            if let Some(position) = edit.position {
                category.position = position;
            }
            if category != before {
                publish_category(tx, store.docs(), &actor, &category)?;
                let change = Change {
                    kind: "category",
                    object: id.as_str(),
                    action: "update",
                };
                let who = &principal.username;
                audit::record(tx, tx.now_ms, who, change, Some(&before), Some(&category))?;
            }
            Ok::<_, AppError>(category)
        })
        .await?;
    Ok(Json(category))
}
