//! Admin endpoints that change what shops see: a product's list price and active flag, a
//! tier's price, a shop's own price. Each updates the server's table and the document
//! devices sync, in one transaction; shops see the change after their next sync.

use app::domain::money::{Currency, Money};
use app::domain::product::Product;
use app::domain::sku::{ShopId, Sku, TierId};
use app::schema::catalog_doc::write_products;
use app::schema::doc_id::DocId;
use app::schema::price_doc::write_prices;
use automerge::Automerge;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app_error::AppError;
use crate::auth::{Principal, Role};
use crate::db::Db;
use crate::doc_store::DocCache;
use crate::state::AppState;

fn require_admin(principal: &Principal) -> Result<(), AppError> {
    if principal.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only an admin may change the catalog and prices",
        ))
    }
}

fn not_found(code: &'static str, what: impl std::fmt::Display) -> AppError {
    AppError::client(StatusCode::NOT_FOUND, code, what.to_string())
}

fn parse_price(text: &str) -> Result<Money, AppError> {
    Money::parse_price(text, Currency::Cny)
        .map_err(|e| AppError::bad_request("invalid_price", e.to_string()))
}

/// Applies `edit` to the stored document `id`, written by the server's actor.
pub(crate) fn edit_doc(
    docs: &mut DocCache,
    tx: &Transaction<'_>,
    id: &DocId,
    actor: &automerge::ActorId,
    edit: impl FnOnce(&mut Automerge) -> Result<(), app::schema::SchemaError>,
) -> anyhow::Result<(DocId, i64, Automerge)> {
    let mut loaded = docs
        .load(tx, id)?
        .ok_or_else(|| anyhow::anyhow!("{id} is missing"))?;
    loaded.doc.set_actor(actor.clone());
    edit(&mut loaded.doc)?;
    let version = docs.save(tx, id, &loaded)?;
    Ok((id.clone(), version, loaded.doc))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductChange {
    pub list_price: Option<String>,
    pub active: Option<bool>,
}

fn update_product(
    db: &mut Db,
    actor: &automerge::ActorId,
    sku: &Sku,
    list_price: Option<Money>,
    active: Option<bool>,
) -> Result<Product, AppError> {
    let Db { conn, docs } = db;
    let tx = conn.transaction()?;
    let json: Option<String> = tx
        .query_row(
            "SELECT json FROM products WHERE sku = ?1",
            [sku.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    let json = json.ok_or_else(|| not_found("unknown_product", sku))?;
    let mut product: Product = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
    if let Some(price) = list_price {
        product.list_price = price;
    }
    if let Some(active) = active {
        product.active = active;
    }
    let json = serde_json::to_string(&product).map_err(anyhow::Error::from)?;
    tx.execute(
        "UPDATE products SET json = ?1 WHERE sku = ?2",
        params![json, sku.as_str()],
    )?;
    let kept = edit_doc(docs, &tx, &DocId::Catalog, actor, |doc| {
        write_products(doc, std::slice::from_ref(&product))
    })?;
    tx.commit()?;
    docs.keep(kept.0, kept.1, kept.2);
    Ok(product)
}

/// `PUT /api/admin/products/{sku}` with `{"list_price": "12.50", "active": false}`.
pub async fn change_product(
    State(state): State<AppState>,
    principal: Principal,
    Path(sku): Path<String>,
    body: Result<Json<ProductChange>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    require_admin(&principal)?;
    let Json(change) =
        body.map_err(|r| AppError::bad_request("malformed_change", r.body_text()))?;
    let sku = Sku::parse(&sku).map_err(|e| not_found("unknown_product", e))?;
    let list_price = change.list_price.as_deref().map(parse_price).transpose()?;
    let actor = state.actor.clone();
    let product = state
        .db
        .run(move |db| update_product(db, &actor, &sku, list_price, change.active))
        .await??;
    Ok(Json(json!({
        "sku": product.sku,
        "list_price": product.list_price.amount().to_string(),
        "active": product.active,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceChange {
    /// The new price, or `null` to remove it (the next rule applies again).
    pub price: Option<String>,
}

/// Which price list an admin edits.
enum PriceList {
    Tier(TierId),
    Shop(ShopId),
}

fn update_price(
    db: &mut Db,
    actor: &automerge::ActorId,
    list: PriceList,
    sku: &Sku,
    price: Option<Money>,
) -> Result<(), AppError> {
    let Db { conn, docs } = db;
    let tx = conn.transaction()?;
    let known: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM products WHERE sku = ?1",
            [sku.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    known.ok_or_else(|| not_found("unknown_product", sku))?;
    let (table, owner_column, owner, doc_id) = match &list {
        PriceList::Tier(tier) => (
            "tier_prices",
            "tier",
            tier.to_string(),
            DocId::TierPrices(tier.clone()),
        ),
        PriceList::Shop(shop) => (
            "customer_prices",
            "shop",
            shop.to_string(),
            DocId::ShopPrices(shop.clone()),
        ),
    };
    let owner_table = if matches!(list, PriceList::Tier(_)) {
        "tiers"
    } else {
        "shops"
    };
    let exists: Option<i64> = tx
        .query_row(
            &format!("SELECT 1 FROM {owner_table} WHERE id = ?1"),
            [&owner],
            |row| row.get(0),
        )
        .optional()?;
    exists.ok_or_else(|| not_found("unknown_price_list", &doc_id))?;
    match price {
        Some(price) => tx.execute(
            &format!(
                "INSERT INTO {table} ({owner_column}, sku, price) VALUES (?1, ?2, ?3)
                 ON CONFLICT({owner_column}, sku) DO UPDATE SET price = excluded.price"
            ),
            params![owner, sku.as_str(), price.amount().to_string()],
        )?,
        None => tx.execute(
            &format!("DELETE FROM {table} WHERE {owner_column} = ?1 AND sku = ?2"),
            params![owner, sku.as_str()],
        )?,
    };
    let kept = edit_doc(docs, &tx, &doc_id, actor, |doc| {
        write_prices(doc, &[(sku.clone(), price)])
    })?;
    tx.commit()?;
    docs.keep(kept.0, kept.1, kept.2);
    Ok(())
}

async fn change_price(
    state: AppState,
    principal: Principal,
    list: PriceList,
    sku: String,
    body: Result<Json<PriceChange>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    require_admin(&principal)?;
    let Json(change) =
        body.map_err(|r| AppError::bad_request("malformed_change", r.body_text()))?;
    let sku = Sku::parse(&sku).map_err(|e| not_found("unknown_product", e))?;
    let price = change.price.as_deref().map(parse_price).transpose()?;
    let actor = state.actor.clone();
    let sku_text = sku.to_string();
    state
        .db
        .run(move |db| update_price(db, &actor, list, &sku, price))
        .await??;
    Ok(Json(
        json!({ "sku": sku_text, "price": price.map(|p| p.amount().to_string()) }),
    ))
}

/// `PUT /api/admin/tiers/{tier}/prices/{sku}` with `{"price": "9.90"}` (or `null`).
pub async fn change_tier_price(
    State(state): State<AppState>,
    principal: Principal,
    Path((tier, sku)): Path<(String, String)>,
    body: Result<Json<PriceChange>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let tier = TierId::parse(&tier).map_err(|e| not_found("unknown_price_list", e))?;
    change_price(state, principal, PriceList::Tier(tier), sku, body).await
}

/// `PUT /api/admin/shops/{shop}/prices/{sku}` with `{"price": "9.90"}` (or `null`).
pub async fn change_shop_price(
    State(state): State<AppState>,
    principal: Principal,
    Path((shop, sku)): Path<(String, String)>,
    body: Result<Json<PriceChange>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let shop = ShopId::parse(&shop).map_err(|e| not_found("unknown_price_list", e))?;
    change_price(state, principal, PriceList::Shop(shop), sku, body).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockChange {
    pub on_hand: u32,
    #[serde(default)]
    pub safety: Option<u32>,
}

#[derive(Debug, serde::Serialize)]
pub struct StockRow {
    pub warehouse: String,
    pub on_hand: u32,
    pub reserved: u32,
    pub safety: u32,
    pub available_to_promise: u32,
}

fn stock_rows(conn: &rusqlite::Connection, sku: &Sku) -> anyhow::Result<Vec<StockRow>> {
    let inventory = crate::order_intake::load_inventory(conn, [sku])?;
    Ok(inventory
        .levels
        .iter()
        .map(|((warehouse, _), level)| StockRow {
            warehouse: warehouse.to_string(),
            on_hand: level.on_hand,
            reserved: level.reserved,
            safety: level.safety,
            available_to_promise: level.available_to_promise(),
        })
        .collect())
}

/// `GET /api/admin/stock/{sku}`: the SKU's stock in every warehouse.
pub async fn stock(
    State(state): State<AppState>,
    principal: Principal,
    Path(sku): Path<String>,
) -> Result<Json<Vec<StockRow>>, AppError> {
    principal.require(crate::auth::Permission::StockWrite)?;
    let sku = Sku::parse(&sku).map_err(|e| not_found("unknown_product", e))?;
    Ok(Json(
        state.db.run(move |db| stock_rows(&db.conn, &sku)).await??,
    ))
}

/// `PUT /api/admin/stock/{warehouse}/{sku}` with `{"on_hand": 120, "safety": 6}`: a stock
/// count. Reservations are kept; available-to-promise follows.
pub async fn change_stock(
    State(state): State<AppState>,
    principal: Principal,
    Path((warehouse, sku)): Path<(String, String)>,
    body: Result<Json<StockChange>, JsonRejection>,
) -> Result<Json<Vec<StockRow>>, AppError> {
    principal.require(crate::auth::Permission::StockWrite)?;
    let Json(change) =
        body.map_err(|r| AppError::bad_request("malformed_change", r.body_text()))?;
    let warehouse = app::domain::sku::WarehouseId::parse(&warehouse)
        .map_err(|e| AppError::bad_request("invalid_warehouse", e.to_string()))?;
    let sku = Sku::parse(&sku).map_err(|e| not_found("unknown_product", e))?;
    let rows = state
        .db
        .run(move |db| -> Result<Vec<StockRow>, AppError> {
            let known: Option<i64> = db
                .conn
                .query_row("SELECT 1 FROM products WHERE sku = ?1", [sku.as_str()], |row| {
                    row.get(0)
                })
                .optional()?;
            if known.is_none() {
                return Err(not_found("unknown_product", &sku));
            }
            db.conn.execute(
                "INSERT INTO stock (warehouse, sku, on_hand, reserved, safety) VALUES (?1, ?2, ?3, 0, COALESCE(?4, 0))
                 ON CONFLICT(warehouse, sku) DO UPDATE SET on_hand = excluded.on_hand,
                     safety = COALESCE(?4, stock.safety)",
                params![warehouse.as_str(), sku.as_str(), change.on_hand, change.safety],
            )?;
            Ok(stock_rows(&db.conn, &sku)?)
        })
        .await??;
    Ok(Json(rows))
}

/// Runs `change` and republishes terms, promotions and profiles, in one transaction.
fn change_commerce(
    db: &mut Db,
    actor: &automerge::ActorId,
    change: impl FnOnce(&rusqlite::Connection) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let Db { conn, docs } = db;
    let tx = conn.transaction()?;
    change(&tx)?;
    let kept = crate::commerce::publish(&tx, docs, actor)?;
    tx.commit()?;
    for (id, version, doc) in kept {
        docs.keep(id, version, doc);
    }
    Ok(())
}

/// `GET /api/admin/promotions`.
pub async fn promotions(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<app::domain::promotion::Promotion>>, AppError> {
    require_admin(&principal)?;
    Ok(Json(
        state
            .db
            .run(|db| crate::commerce::load_promotions(&db.conn))
            .await??,
    ))
}

/// `PUT /api/admin/promotions/{id}` with the promotion's JSON: publishes it (or its new
/// version) to the shops it concerns.
pub async fn put_promotion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Json<app::domain::promotion::Promotion>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    require_admin(&principal)?;
    let Json(promotion) =
        body.map_err(|r| AppError::bad_request("malformed_promotion", r.body_text()))?;
    if promotion.id != id || id.is_empty() || id.len() > 64 {
        return Err(AppError::bad_request(
            "promotion_id_mismatch",
            "the promotion's id must be the one in the path (1–64 characters)",
        ));
    }
    let json = serde_json::to_string(&promotion).map_err(anyhow::Error::from)?;
    let actor = state.actor.clone();
    state
        .db
        .run(move |db| {
            change_commerce(db, &actor, |tx| {
                tx.execute(
                    "INSERT INTO promotions (id, json) VALUES (?1, ?2)
                     ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                    params![id, json],
                )?;
                Ok(())
            })
        })
        .await??;
    Ok(Json(serde_json::json!({ "published": promotion.id })))
}

/// `DELETE /api/admin/promotions/{id}`: ends a promotion for everyone.
pub async fn delete_promotion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    require_admin(&principal)?;
    let actor = state.actor.clone();
    let key = id.clone();
    state
        .db
        .run(move |db| {
            change_commerce(db, &actor, |tx| {
                if tx.execute("DELETE FROM promotions WHERE id = ?1", [&key])? == 0 {
                    return Err(not_found("unknown_promotion", &key));
                }
                Ok(())
            })
        })
        .await??;
    Ok(Json(serde_json::json!({ "deleted": id })))
}

/// `PUT /api/admin/terms` with the shipping, tax and points terms.
pub async fn put_terms(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<app::domain::checkout::SalesTerms>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    require_admin(&principal)?;
    let Json(terms) = body.map_err(|r| AppError::bad_request("malformed_terms", r.body_text()))?;
    let json = serde_json::to_string(&terms).map_err(anyhow::Error::from)?;
    let actor = state.actor.clone();
    state
        .db
        .run(move |db| {
            change_commerce(db, &actor, |tx| {
                tx.execute(
                    "INSERT INTO sales_terms (id, json) VALUES (1, ?1)
                     ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                    [json],
                )?;
                Ok(())
            })
        })
        .await??;
    Ok(Json(serde_json::json!({ "published": "terms" })))
}

/// `PUT /api/admin/shops/{shop}/profile` with the shop's region, points, account and quotas.
pub async fn put_profile(
    State(state): State<AppState>,
    principal: Principal,
    Path(shop): Path<String>,
    body: Result<Json<app::domain::checkout::ShopProfile>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    require_admin(&principal)?;
    let Json(profile) =
        body.map_err(|r| AppError::bad_request("malformed_profile", r.body_text()))?;
    let shop = ShopId::parse(&shop).map_err(|e| not_found("unknown_shop", e))?;
    let json = serde_json::to_string(&profile).map_err(anyhow::Error::from)?;
    let actor = state.actor.clone();
    let key = shop.clone();
    state
        .db
        .run(move |db| {
            change_commerce(db, &actor, |tx| {
                let known: Option<i64> = tx
                    .query_row("SELECT 1 FROM shops WHERE id = ?1", [key.as_str()], |row| {
                        row.get(0)
                    })
                    .optional()?;
                if known.is_none() {
                    return Err(not_found("unknown_shop", &key));
                }
                tx.execute(
                    "INSERT INTO shop_profiles (shop, json) VALUES (?1, ?2)
                     ON CONFLICT(shop) DO UPDATE SET json = excluded.json",
                    params![key.as_str(), json],
                )?;
                Ok(())
            })
        })
        .await??;
    Ok(Json(serde_json::json!({ "published": shop })))
}
