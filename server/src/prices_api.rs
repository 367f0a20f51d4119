//! Prices in the back office: a product's prices in every list (`GET /api/admin/prices/{sku}`),
//! one tier's or shop's prices over the catalog (`GET /api/admin/price-lists/{list}`), and
//! changes scheduled for a time (`POST`/`DELETE /api/admin/price-changes`). A scheduled
//! change is published ahead in the document that carries the list (the catalog for list
//! prices, the tier's or the shop's prices document), so devices switch at that time even
//! offline; orders are priced at their placement time by the same rule
//! (`domain::price_book::price_at`). A week after its time, when no order can be priced
//! before it any more, [`fold_due_changes`] makes it the list's plain price.

use api::{PriceCell, PriceChangeRequest, PriceListPage, PriceListRow, ProductPrices};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use docs::schema::price_doc::{write_prices, write_schedule};
use domain::money::{Currency, Money};
use domain::order::PLACEMENT_PRICE_GRACE_MS;
use domain::price_book::ScheduledPrice;
use domain::product::Product;
use domain::sku::{ShopId, Sku, TierId};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::catalog::{self, PriceList};
use crate::store::documents::{self, DocCache};
use crate::store::{Tx, customers};

/// A list named in a path, body or CSV cell: `list`, `tier/T` or `shop/S`. `None` is the
/// list price.
pub(crate) fn parse_list(text: &str) -> Result<Option<PriceList>, AppError> {
    let unknown = || AppError::invalid("list", "unknown");
    match text.split_once('/') {
        None if text == "list" => Ok(None),
        Some(("tier", tier)) => Ok(Some(PriceList::Tier(
            TierId::parse(tier).map_err(|_| unknown())?,
        ))),
        Some(("shop", shop)) => Ok(Some(PriceList::Shop(
            ShopId::parse(shop).map_err(|_| unknown())?,
        ))),
        _ => Err(unknown()),
    }
}

fn cell(tx: &mut Tx<'_>, list: &PriceList, sku: &Sku) -> anyhow::Result<PriceCell> {
    Ok(PriceCell {
        list: list.key(),
        price: catalog::price_in(tx, list, sku)?,
        changes: catalog::schedule_of(tx, list, sku)?,
    })
}

fn list_cell(product: &Product) -> PriceCell {
    PriceCell {
        list: "list".into(),
        price: Some(product.list_price.amount().to_string()),
        changes: product.price_changes.clone(),
    }
}

/// `GET /api/admin/prices/{sku}`.
#[utoipa::path(get, path = "/admin/prices/{sku}", tag = "prices",
    params(("sku" = String, Path)),
    responses(
        (status = 200, description = "The product's price in every list (list, tiers, shops) and scheduled changes", body = api::ProductPrices),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn product_prices(
    State(state): State<AppState>,
    principal: Principal,
    Path(sku): Path<String>,
) -> Result<Json<ProductPrices>, AppError> {
    principal.require_office()?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_product", "no such product");
    let sku = Sku::parse(&sku).map_err(|_| unknown())?;
    let prices = state
        .store
        .read(move |tx| -> anyhow::Result<Option<ProductPrices>> {
            let Some(product) = catalog::product(tx, &sku)? else {
                return Ok(None);
            };
            let mut tiers = Vec::new();
            for tier in catalog::tiers(tx)? {
                tiers.push(cell(tx, &PriceList::Tier(tier), &sku)?);
            }
            let mut shops = Vec::new();
            for (shop, _) in customers::shop_tiers(tx)? {
                let shop = PriceList::Shop(ShopId::parse(&shop)?);
                let found = cell(tx, &shop, &sku)?;
                if found.price.is_some() || !found.changes.is_empty() {
                    shops.push(found);
                }
            }
            Ok(Some(ProductPrices {
                sku: sku.to_string(),
                list: list_cell(&product),
                tiers,
                shops,
            }))
        })
        .await?;
    prices.map(Json).ok_or_else(unknown)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceListQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub offset: Option<usize>,
    #[serde(default)]
    pub limit: Option<usize>,
    /// Only products this list prices (or has a change scheduled for).
    #[serde(default)]
    pub priced: Option<bool>,
}

/// `GET /api/admin/price-lists/{kind}/{id}`: a tier's or shop's prices over the catalog.
pub async fn price_list(
    State(state): State<AppState>,
    principal: Principal,
    Path((kind, id)): Path<(String, String)>,
    query: Result<Query<PriceListQuery>, QueryRejection>,
) -> Result<Json<PriceListPage>, AppError> {
    principal.require_office()?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let not_found =
        || AppError::client(StatusCode::NOT_FOUND, "unknown_price_list", "no such list");
    let list = parse_list(&format!("{kind}/{id}"))
        .ok()
        .flatten()
        .ok_or_else(not_found)?;
    let needle = query
        .q
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let cache = state.catalog.clone();
    let page = state
        .store
        .read(move |tx| -> Result<PriceListPage, AppError> {
            if !catalog::list_exists(tx, &list)? {
                return Err(not_found());
            }
            let products = catalog::products(tx, &cache)?;
            let prices = catalog::prices_of(tx, &list)?;
            let schedule = catalog::schedule(tx, &list)?;
            let matching: Vec<&Product> = products
                .values()
                .filter(|p| {
                    needle.as_deref().is_none_or(|needle| {
                        p.sku.as_str().to_lowercase().contains(needle)
                            || p.name.contains_lowercase(needle)
                    })
                })
                .filter(|p| {
                    query.priced != Some(true)
                        || prices.contains_key(&p.sku)
                        || schedule.contains_key(&p.sku)
                })
                .collect();
            let rows = matching
                .iter()
                .skip(offset)
                .take(limit)
                .map(|p| PriceListRow {
                    sku: p.sku.to_string(),
                    name: p.name.clone(),
                    list_price: p.list_price.amount().to_string(),
                    price: PriceCell {
                        list: list.key(),
                        price: prices.get(&p.sku).cloned(),
                        changes: schedule.get(&p.sku).cloned().unwrap_or_default(),
                    },
                })
                .collect();
            Ok(PriceListPage {
                total: matching.len(),
                offset,
                rows,
            })
        })
        .await?;
    Ok(Json(page))
}

fn parse_price(text: &str) -> Result<Money, AppError> {
    Money::parse_price(text.trim(), Currency::Cny)
        .map_err(|_| AppError::invalid("price", "not_a_price"))
}

/// Republishes the schedule of `sku` in `list` into the document that carries it.
fn publish_schedule(
    tx: &mut Tx<'_>,
    (cache, actor): (&DocCache, &automerge::ActorId),
    list: &PriceList,
    sku: &Sku,
) -> anyhow::Result<()> {
    let changes = catalog::schedule_of(tx, list, sku)?;
    documents::edit(tx, cache, &list.doc(), actor, |doc| {
        write_schedule(doc, sku, &changes)
    })
}

fn publish_product(
    tx: &mut Tx<'_>,
    (cache, actor): (&DocCache, &automerge::ActorId),
    product: &Product,
) -> anyhow::Result<()> {
    crate::catalog_api::publish_product(tx, cache, actor, product)
}

fn record(
    tx: &mut Tx<'_>,
    who: &str,
    (list, sku): (&str, &Sku),
    action: &str,
    change: &ScheduledPrice,
) -> Result<(), AppError> {
    let object = format!("{list}/{sku}");
    let entry = Change {
        kind: "price_change",
        object: &object,
        action,
    };
    let (before, after) = if action == "delete" {
        (Some(change), None)
    } else {
        (None, Some(change))
    };
    audit::record(tx, tx.now_ms, who, entry, before, after)?;
    Ok(())
}

/// `POST /api/admin/price-changes`: schedules a price for a future time.
pub async fn schedule_change(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<PriceChangeRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    principal.require_admin("change prices, promotions, terms and profiles")?;
    let Json(request) =
        body.map_err(|r| AppError::rejected("malformed_change", r.status(), r.body_text()))?;
    let list = parse_list(&request.list)?;
    let sku = Sku::parse(&request.sku).map_err(|_| AppError::invalid("sku", "unknown"))?;
    let price = request.price.as_deref().map(parse_price).transpose()?;
    if list.is_none() && price.is_none() {
        return Err(AppError::invalid("price", "required"));
    }
    let change = ScheduledPrice {
        from_ms: request.from_ms,
        price,
    };
    let (actor, store, who) = (
        state.actor.clone(),
        state.store.clone(),
        principal.username.clone(),
    );
    state
        .store
        .write(move |tx| -> Result<(), AppError> {
            if change.from_ms <= tx.now_ms {
                return Err(AppError::invalid("from_ms", "not_in_future"));
            }
            let Some(mut product) = catalog::product(tx, &sku)? else {
                return Err(AppError::invalid("sku", "unknown"));
            };
            let docs = (store.docs(), &actor);
            match &list {
                None => {
                    product
                        .price_changes
                        .retain(|c| c.from_ms != change.from_ms);
                    product.price_changes.push(change);
                    product.price_changes.sort_by_key(|c| c.from_ms);
                    publish_product(tx, docs, &product)?;
                }
                Some(list) => {
                    if !catalog::list_exists(tx, list)? {
                        return Err(AppError::invalid("list", "unknown"));
                    }
                    catalog::schedule_price(tx, list, &sku, change)?;
                    publish_schedule(tx, docs, list, &sku)?;
                }
            }
            record(tx, &who, (&request.list, &sku), "create", &change)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "scheduled": change }))))
}

/// `DELETE /api/admin/price-changes` with the change's list, SKU and time: cancels it.
pub async fn cancel_change(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<PriceChangeRequest>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    principal.require_admin("change prices, promotions, terms and profiles")?;
    let Json(request) =
        body.map_err(|r| AppError::rejected("malformed_change", r.status(), r.body_text()))?;
    let list = parse_list(&request.list)?;
    let sku = Sku::parse(&request.sku).map_err(|_| AppError::invalid("sku", "unknown"))?;
    let (actor, store, who) = (
        state.actor.clone(),
        state.store.clone(),
        principal.username.clone(),
    );
    let not_found = || {
        AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_price_change",
            "no such scheduled change",
        )
    };
    state
        .store
        .write(move |tx| -> Result<(), AppError> {
            let docs = (store.docs(), &actor);
            let cancelled = match &list {
                None => {
                    let mut product = catalog::product(tx, &sku)?.ok_or_else(not_found)?;
                    let found = product
                        .price_changes
                        .iter()
                        .find(|c| c.from_ms == request.from_ms)
                        .copied()
                        .ok_or_else(not_found)?;
                    product
                        .price_changes
                        .retain(|c| c.from_ms != request.from_ms);
                    publish_product(tx, docs, &product)?;
                    found
                }
                Some(list) => {
                    let found = catalog::schedule_of(tx, list, &sku)?
                        .into_iter()
                        .find(|c| c.from_ms == request.from_ms)
                        .ok_or_else(not_found)?;
                    catalog::unschedule_price(tx, list, &sku, request.from_ms)?;
                    publish_schedule(tx, docs, list, &sku)?;
                    found
                }
            };
            record(tx, &who, (&request.list, &sku), "delete", &cancelled)
        })
        .await?;
    Ok(Json(json!({ "cancelled": request.from_ms })))
}

/// Makes changes more than a week past their time the lists' plain prices (no order can
/// be priced before them any more): tier and shop prices move into their tables, list
/// prices into the product; the documents follow. Returns how many were folded.
pub fn fold_due_changes(
    tx: &mut Tx<'_>,
    (cache, actor): (&DocCache, &automerge::ActorId),
    catalog_cache: &catalog::CatalogCache,
    now_ms: i64,
) -> anyhow::Result<usize> {
    let cutoff = now_ms - PLACEMENT_PRICE_GRACE_MS;
    let mut folded = 0;
    for (key, sku, change) in catalog::changes_due(tx, cutoff)? {
        let Ok(Some(list)) = parse_list(&key) else {
            continue;
        };
        catalog::set_price(tx, &list, &sku, change.price)?;
        catalog::unschedule_price(tx, &list, &sku, change.from_ms)?;
        let changes = catalog::schedule_of(tx, &list, &sku)?;
        documents::edit(tx, cache, &list.doc(), actor, |doc| {
            write_prices(doc, &[(sku.clone(), change.price)])?;
            write_schedule(doc, &sku, &changes)
        })?;
        folded += 1;
    }
    let due: Vec<Product> = catalog::products(tx, catalog_cache)?
        .values()
        .filter(|p| p.price_changes.iter().any(|c| c.from_ms <= cutoff))
        .cloned()
        .collect();
    for mut product in due {
        let (due, later): (Vec<ScheduledPrice>, Vec<ScheduledPrice>) = product
            .price_changes
            .iter()
            .partition(|c| c.from_ms <= cutoff);
        if let Some(price) = due.iter().max_by_key(|c| c.from_ms).and_then(|c| c.price) {
            product.list_price = price;
        }
        product.price_changes = later;
        publish_product(tx, (cache, actor), &product)?;
        folded += due.len();
    }
    Ok(folded)
}
