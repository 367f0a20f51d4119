//! Stock per warehouse and product: the levels (on hand, reserved, safety stock,
//! available to promise) with their thresholds and bin locations, goods received, stock
//! counts, and every movement. Stock that arrives is reserved at once for the orders
//! waiting for it (`fulfilment::change_stock`).

use api::{
    FulfilmentOptions, Receipt, StockChanged, StockCount, StockPage, StockRow, StockSettings,
};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::inventory::{MAX_ON_HAND, StockError};
use domain::sku::{Sku, WarehouseId};
use serde::{Deserialize, Serialize};

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::fulfilment::{self, Arrival, Docs};
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::{Tx, carriers, catalog, orders, stock};

fn not_found(code: &'static str, what: impl std::fmt::Display) -> AppError {
    AppError::client(StatusCode::NOT_FOUND, code, what.to_string())
}

fn read_access(principal: &Principal) -> Result<(), AppError> {
    principal.require_any(&[Permission::StockRead, Permission::StockWrite])
}

fn stock_rows(tx: &mut Tx<'_>, sku: &Sku) -> anyhow::Result<Vec<StockRow>> {
    let inventory = stock::levels(tx, [sku])?;
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
#[utoipa::path(get, path = "/admin/stock/{sku}", tag = "stock",
    params(("sku" = String, Path)),
    responses(
        (status = 200, description = "The product's level in each warehouse", body = Vec<api::StockRow>),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn of_product(
    State(state): State<AppState>,
    principal: Principal,
    Path(sku): Path<String>,
) -> Result<Json<Vec<StockRow>>, AppError> {
    read_access(&principal)?;
    let sku = Sku::parse(&sku).map_err(|e| not_found("unknown_product", e))?;
    Ok(Json(
        state.store.read(move |tx| stock_rows(tx, &sku)).await?,
    ))
}

/// `?warehouse=&q=&alerts=true&after=<warehouse>/<sku>&limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this warehouse's levels.
    pub warehouse: Option<String>,
    /// A search by SKU or name.
    pub q: Option<String>,
    /// Only the levels past a threshold (low, or over).
    #[serde(default)]
    pub alerts: bool,
    /// The cursor: levels after this `warehouse/SKU` (the `next_after` of the previous page).
    pub after: Option<String>,
    /// At most this many (1–500, 100 if absent).
    pub limit: Option<usize>,
}

/// `GET /api/admin/stock`: levels by warehouse and SKU, a page at a time, filtered by
/// warehouse, a search by SKU or name, or only those past a threshold.
#[utoipa::path(get, path = "/admin/stock", tag = "stock", params(ListQuery),
    responses(
        (status = 200, description = "A page of levels by warehouse and SKU", body = api::StockPage),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<StockPage>, AppError> {
    read_access(&principal)?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let after = query
        .after
        .as_deref()
        .and_then(|a| a.split_once('/'))
        .map(|(w, s)| (w.to_owned(), s.to_owned()));
    let filter = stock::ItemFilter {
        warehouse: query.warehouse.filter(|w| !w.trim().is_empty()),
        query: query.q,
        alerts_only: query.alerts,
    };
    let items = state
        .store
        .read(move |tx| stock::items(tx, &filter, after, limit))
        .await?;
    let next_after = (items.len() == limit)
        .then(|| items.last().map(|i| format!("{}/{}", i.warehouse, i.sku)))
        .flatten();
    Ok(Json(StockPage { items, next_after }))
}

/// `GET /api/admin/fulfilment-options`.
pub async fn options(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<FulfilmentOptions>, AppError> {
    principal.require_any(&[
        Permission::StockRead,
        Permission::StockWrite,
        Permission::OrdersRead,
        Permission::OrdersFulfil,
    ])?;
    Ok(Json(
        state
            .store
            .read(|tx| {
                let carrier_rules = carriers::list(tx)?;
                let mut names: Vec<String> = carrier_rules.iter().map(|r| r.name.clone()).collect();
                for used in orders::carriers(tx)? {
                    if !names.contains(&used) {
                        names.push(used);
                    }
                }
                Ok::<_, AppError>(FulfilmentOptions {
                    warehouses: stock::warehouses(tx)?,
                    carriers: names,
                    alerts: stock::alert_count(tx)?,
                    carrier_rules,
                })
            })
            .await?,
    ))
}

fn target(warehouse: &str, sku: &str) -> Result<(WarehouseId, Sku), AppError> {
    let warehouse = WarehouseId::parse(warehouse).map_err(|e| not_found("unknown_warehouse", e))?;
    let sku = Sku::parse(sku).map_err(|e| not_found("unknown_product", e))?;
    Ok((warehouse, sku))
}

fn check_target(tx: &mut Tx<'_>, warehouse: &WarehouseId, sku: &Sku) -> Result<(), AppError> {
    if !catalog::product_exists(tx, sku)? {
        return Err(not_found("unknown_product", sku));
    }
    if !stock::warehouse_exists(tx, warehouse)? {
        return Err(not_found(
            "unknown_warehouse",
            format!("no warehouse {warehouse}"),
        ));
    }
    Ok(())
}

/// `PUT /api/admin/stock/{warehouse}/{sku}` with `{"on_hand": 120, "safety": 6}`: a stock
/// count. Reservations are kept, so a count below what is reserved is refused (409 naming
/// the orders that hold it); a count above lets waiting orders have the difference.
#[utoipa::path(put, path = "/admin/stock/{warehouse}/{sku}", tag = "stock",
    params(("warehouse" = String, Path), ("sku" = String, Path)),
    request_body = api::StockCount,
    responses(
        (status = 200, description = "Counted", body = api::StockChanged),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn count(
    State(state): State<AppState>,
    principal: Principal,
    Path((warehouse, sku)): Path<(String, String)>,
    body: Result<Json<StockCount>, JsonRejection>,
) -> Result<Json<StockChanged>, AppError> {
    principal.require(Permission::StockWrite)?;
    let Json(count) =
        body.map_err(|r| AppError::rejected("malformed_change", r.status(), r.body_text()))?;
    if count.on_hand > MAX_ON_HAND {
        return Err(AppError::invalid("on_hand", "out_of_range"));
    }
    if count.safety.is_some_and(|safety| safety > MAX_ON_HAND) {
        return Err(AppError::invalid("safety", "out_of_range"));
    }
    let (warehouse, sku) = target(&warehouse, &sku)?;
    let kind = Kind {
        name: "count",
        reference: String::new(),
        note: count.note.chars().take(200).collect(),
    };
    change(
        &state,
        &principal,
        warehouse,
        sku,
        kind,
        move |inventory, w, s| inventory.count(w, s, count.on_hand, count.safety),
    )
    .await
}

/// `POST /api/admin/stock/{warehouse}/{sku}/receive` with `{"quantity": 50, "reference":
/// "PO-17"}`: goods arrived. Orders waiting for the product get them at once, in priority
/// order.
#[utoipa::path(post, path = "/admin/stock/{warehouse}/{sku}/receive", tag = "stock",
    params(("warehouse" = String, Path), ("sku" = String, Path)),
    request_body = api::Receipt,
    responses(
        (status = 200, description = "Received: the levels now, the orders that got stock", body = api::StockChanged),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn receive(
    State(state): State<AppState>,
    principal: Principal,
    Path((warehouse, sku)): Path<(String, String)>,
    body: Result<Json<Receipt>, JsonRejection>,
) -> Result<Json<StockChanged>, AppError> {
    principal.require(Permission::StockWrite)?;
    let Json(receipt) =
        body.map_err(|r| AppError::rejected("malformed_receipt", r.status(), r.body_text()))?;
    if receipt.quantity == 0 {
        return Err(AppError::invalid("quantity", "at_least_one"));
    }
    if receipt.quantity > MAX_ON_HAND {
        return Err(AppError::invalid("quantity", "out_of_range"));
    }
    let (warehouse, sku) = target(&warehouse, &sku)?;
    let kind = Kind {
        name: "receive",
        reference: receipt.reference.trim().chars().take(80).collect(),
        note: receipt.note.chars().take(200).collect(),
    };
    change(
        &state,
        &principal,
        warehouse,
        sku,
        kind,
        move |inventory, w, s| inventory.receive(w, s, receipt.quantity),
    )
    .await
}

/// What kind of stock change, with its document and note (for the movements).
struct Kind {
    name: &'static str,
    reference: String,
    note: String,
}

async fn change(
    state: &AppState,
    principal: &Principal,
    warehouse: WarehouseId,
    sku: Sku,
    kind: Kind,
    apply: impl Fn(&mut domain::inventory::Inventory, &WarehouseId, &Sku) -> Result<(), StockError>
    + Send
    + 'static,
) -> Result<Json<StockChanged>, AppError> {
    let actor = state.actor.clone();
    let store = state.store.clone();
    let who = principal.username.clone();
    let changed = state
        .store
        .write(move |tx| -> Result<StockChanged, AppError> {
            check_target(tx, &warehouse, &sku)?;
            let before = stock_rows(tx, &sku)?;
            let docs = Docs {
                cache: store.docs(),
                actor: &actor,
            };
            let mut refusal = None;
            let arrival: Arrival = fulfilment::change_stock(
                tx,
                docs,
                &who,
                &sku,
                kind.name,
                &kind.reference,
                &kind.note,
                |inventory| {
                    apply(inventory, &warehouse, &sku).map_err(|error| {
                        refusal = Some(error);
                        AppError::bad_request("stock_refused", error.to_string())
                    })
                },
            )
            .map_err(|error| match refusal {
                Some(refusal) => stock_refused(tx, &warehouse, &sku, refusal),
                None => error,
            })?;
            let after = stock_rows(tx, &sku)?;
            let object = format!("{warehouse}/{sku}");
            let change = Change {
                kind: "stock",
                object: &object,
                action: kind.name,
            };
            audit::record(tx, tx.now_ms, &who, change, Some(&before), Some(&after))?;
            Ok(StockChanged {
                levels: after,
                allocated: arrival.allocated,
            })
        })
        .await?;
    Ok(Json(changed))
}

/// A refused stock change, with what would allow it: the orders holding the reserved units.
fn stock_refused(
    tx: &mut Tx<'_>,
    warehouse: &WarehouseId,
    sku: &Sku,
    refusal: StockError,
) -> AppError {
    #[derive(Serialize)]
    struct Detail {
        #[serde(flatten)]
        refusal: StockError,
        orders: Vec<(String, u32)>,
    }
    let orders = fulfilment::holders(tx, warehouse, sku).unwrap_or_default();
    let message = match refusal {
        StockError::BelowReserved { .. } => format!(
            "{refusal}: ship or cancel those orders first, or count again ({})",
            orders
                .iter()
                .map(|(number, quantity)| format!("{number} × {quantity}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        StockError::TooMuch => refusal.to_string(),
    };
    AppError::detailed(
        StatusCode::CONFLICT,
        "stock_refused",
        message,
        &Detail { refusal, orders },
    )
}

/// `PUT /api/admin/stock/{warehouse}/{sku}/settings` with `{"low": 10, "over": 500,
/// "location": "A-03-2"}`: the alert thresholds and the bin location; answers what was
/// saved.
#[utoipa::path(put, path = "/admin/stock/{warehouse}/{sku}/settings", tag = "stock",
    params(("warehouse" = String, Path), ("sku" = String, Path)),
    request_body = api::StockSettings,
    responses(
        (status = 200, description = "Saved", body = api::StockSettings),
        (status = "4XX", description = "Refused (no level kept there, low not below over …)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn settings(
    State(state): State<AppState>,
    principal: Principal,
    Path((warehouse, sku)): Path<(String, String)>,
    body: Result<Json<StockSettings>, JsonRejection>,
) -> Result<Json<StockSettings>, AppError> {
    principal.require(Permission::StockWrite)?;
    let Json(settings) =
        body.map_err(|r| AppError::rejected("malformed_settings", r.status(), r.body_text()))?;
    let (warehouse, sku) = target(&warehouse, &sku)?;
    for (field, value) in [("low", settings.low), ("over", settings.over)] {
        if value.is_some_and(|v| v > MAX_ON_HAND) {
            return Err(AppError::invalid(field, "out_of_range"));
        }
    }
    if let (Some(low), Some(over)) = (settings.low, settings.over)
        && low >= over
    {
        return Err(AppError::invalid("over", "above_low"));
    }
    let location: String = settings.location.trim().chars().take(40).collect();
    let who = principal.username.clone();
    let saved = StockSettings {
        low: settings.low,
        over: settings.over,
        location: location.clone(),
    };
    state
        .store
        .write(move |tx| -> Result<(), AppError> {
            check_target(tx, &warehouse, &sku)?;
            if !stock::set_settings(tx, &warehouse, &sku, settings.low, settings.over, &location)? {
                return Err(not_found(
                    "no_stock_level",
                    format!("{warehouse} keeps no stock of {sku}: receive or count it first"),
                ));
            }
            let object = format!("{warehouse}/{sku}");
            let change = Change {
                kind: "stock",
                object: &object,
                action: "settings",
            };
            let after = serde_json::json!({"low": settings.low, "over": settings.over, "location": location});
            audit::record(tx, tx.now_ms, &who, change, None::<&()>, Some(&after))?;
            Ok(())
        })
        .await?;
    Ok(Json(saved))
}

/// `?before=<move id>&limit=`: a page of movements, newest first.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovesQuery {
    /// The cursor: movements older than this one (the `id` of the last on the previous page).
    pub before: Option<i64>,
    /// At most this many (1–500, 100 if absent).
    pub limit: Option<usize>,
}

/// `GET /api/admin/stock/{warehouse}/{sku}/moves`: the movements, newest first, a page at
/// a time.
#[utoipa::path(get, path = "/admin/stock/{warehouse}/{sku}/moves", tag = "stock",
    params(("warehouse" = String, Path), ("sku" = String, Path), MovesQuery),
    responses(
        (status = 200, description = "Movements newest first; pass the last one's `id` as `before` for the next page", body = Vec<api::StockMove>),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn moves(
    State(state): State<AppState>,
    principal: Principal,
    Path((warehouse, sku)): Path<(String, String)>,
    query: Result<Query<MovesQuery>, QueryRejection>,
) -> Result<Json<Vec<stock::Move>>, AppError> {
    read_access(&principal)?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let (warehouse, sku) = target(&warehouse, &sku)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let before = query.before.unwrap_or(i64::MAX);
    Ok(Json(
        state
            .store
            .read(move |tx| stock::moves(tx, &warehouse, &sku, before, limit))
            .await?,
    ))
}

/// `PUT /api/admin/carriers/{id}` with a `domain::carrier::CarrierRule` (admins): creates or
/// replaces a carrier and its rules.
pub async fn put_carrier(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Json<domain::carrier::CarrierRule>, JsonRejection>,
) -> Result<Json<domain::carrier::CarrierRule>, AppError> {
    principal.require_admin("change carriers")?;
    let Json(mut rule) =
        body.map_err(|r| AppError::rejected("malformed_carrier", r.status(), r.body_text()))?;
    if rule.id != id {
        return Err(AppError::invalid("id", "mismatch"));
    }
    rule.name = rule.name.trim().to_owned();
    rule.regions = rule.regions.iter().map(|r| r.trim().to_owned()).collect();
    rule.check()
        .map_err(|(field, broken)| AppError::invalid(field, broken))?;
    let who = principal.username.clone();
    let saved = rule.clone();
    state
        .store
        .write(move |tx| -> Result<(), AppError> {
            let before = carriers::get(tx, &rule.id)?;
            carriers::put(tx, &rule)?;
            let change = Change {
                kind: "carrier",
                object: &rule.id,
                action: if before.is_some() { "update" } else { "create" },
            };
            audit::record(tx, tx.now_ms, &who, change, before.as_ref(), Some(&rule))?;
            Ok(())
        })
        .await?;
    Ok(Json(saved))
}

/// `DELETE /api/admin/carriers/{id}` (admins).
pub async fn delete_carrier(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    principal.require_admin("change carriers")?;
    let who = principal.username.clone();
    state
        .store
        .write(move |tx| -> Result<(), AppError> {
            let Some(before) = carriers::get(tx, &id)? else {
                return Err(not_found("unknown_carrier", format!("no carrier {id}")));
            };
            carriers::delete(tx, &id)?;
            let change = Change {
                kind: "carrier",
                object: &id,
                action: "delete",
            };
            audit::record(tx, tx.now_ms, &who, change, Some(&before), None::<&()>)?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
