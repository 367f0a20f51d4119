//! Returns in the back office: the list of returns and each step of one. Customer service
//! (`orders.hold`) records a return for a shop that called, approves (all or part) or
//! declines, and settles (refund to the prepaid balance, credit on the account, or a
//! replacement order); the warehouse (`orders.fulfil`) receives what came back. Shops ask
//! from their devices (the sync takes their requests in). Every step is written on the
//! order, where the shop follows it.

use api::{NewReturn, ReturnDone, ReturnReceipt, ReturnRow, Settlement};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::returns::{self, Decision, Remedy, ReturnRequest, ReturnState};
use domain::sku::{ShopId, WarehouseId};
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::fulfilment::{self, Action};
use crate::placing;
use crate::state::AppState;
use crate::store::returns as store_returns;
use crate::store::{Tx, orders, stock};

/// `?state=requested,approved&shop=shop-kiwi&before=R-…&limit=200`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnQuery {
    /// Only returns in these states, comma-separated (`requested`, `approved`, `declined`,
    /// `received`, `refunded`, `credited`, `replaced`).
    #[param(value_type = Option<api::schemas::ReturnStates>)]
    pub state: Option<String>,
    /// Only this shop's.
    #[param(value_type = Option<api::schemas::ShopFilter>)]
    pub shop: Option<String>,
    /// The cursor: returns placed before this one (the `number` of the last on the
    /// previous page).
    pub before: Option<String>,
    /// At most this many (1–1000, 200 if absent).
    pub limit: Option<usize>,
}

/// `GET /api/admin/returns`: returns newest first, filtered by state and shop, a page at a
/// time.
#[utoipa::path(get, path = "/admin/returns", tag = "orders", params(ReturnQuery),
    responses(
        (status = 200, description = "Returns newest first; pass the last one's `number` as `before` for the next page", body = Vec<api::ReturnRow>),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ReturnQuery>, QueryRejection>,
) -> Result<Json<Vec<ReturnRow>>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersRead)?;
    let mut states = Vec::new();
    for name in query
        .state
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let parsed: ReturnState = serde_json::from_value(serde_json::Value::String(name.into()))
            .map_err(|_| AppError::bad_request("bad_state", format!("no return state {name:?}")))?;
        states.push(parsed);
    }
    let shop = match query
        .shop
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => Some(
            ShopId::parse(id).map_err(|_| AppError::bad_request("bad_shop", "not a shop id"))?,
        ),
        None => None,
    };
    let limit = query.limit.unwrap_or(200).clamp(1, 1000);
    let before = query
        .before
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty());
    let rows: Vec<store_returns::ReturnListRow> = state
        .store
        .read(move |tx| -> Result<_, AppError> {
            let before = match before {
                Some(number) => Some(store_returns::place_of(tx, &number)?.ok_or_else(|| {
                    AppError::client(
                        StatusCode::NOT_FOUND,
                        "unknown_return",
                        format!("no return {number:?} to page from"),
                    )
                })?),
                None => None,
            };
            Ok(store_returns::list(
                tx,
                &states,
                shop.as_ref(),
                before,
                limit,
            )?)
        })
        .await?;
    Ok(Json(
        rows.into_iter()
            .filter_map(
                |(
                    number,
                    order,
                    shop,
                    shop_name,
                    state,
                    remedy,
                    amount,
                    placed,
                    updated,
                    units,
                )| {
                    Some(ReturnRow {
                        number,
                        order,
                        shop,
                        shop_name,
                        state: ReturnState::ALL.into_iter().find(|s| s.name() == state)?,
                        remedy: Remedy::ALL
                            .into_iter()
                            .find(|r| r.name() == remedy)
                            .unwrap_or(Remedy::Refund),
                        units: u32::try_from(units).unwrap_or(0),
                        amount,
                        placed_ms: placed,
                        updated_ms: updated,
                    })
                },
            )
            .collect(),
    ))
}

/// `POST /api/orders/{number}/returns`: customer service records a return for the shop
/// (it called or wrote). Taken in as the shop's own would be: 201 with the return,
/// declined at once (with the reason) when it asks for what was not shipped.
#[utoipa::path(post, path = "/orders/{id}/returns", tag = "orders",
    params(("id" = String, Path, description = "The order's number or request id")),
    request_body = api::NewReturn,
    responses(
        (status = 201, description = "Recorded (or declined at once, with the reason)", body = api::ReturnDone),
        (status = "4XX", description = "Refused or no such order", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<NewReturn>, JsonRejection>,
) -> Result<(StatusCode, Json<ReturnDone>), AppError> {
    let Path(id) =
        id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    let Json(new) =
        body.map_err(|r| AppError::rejected("malformed_return", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersHold)?;
    if new.lines.is_empty() || new.lines.len() > 500 {
        return Err(AppError::invalid("lines", "out_of_range"));
    }
    if new
        .lines
        .iter()
        .any(|l| l.quantity == 0 || l.quantity > 100_000)
    {
        return Err(AppError::invalid("quantity", "out_of_range"));
    }
    if new.note.chars().count() > 500 {
        return Err(AppError::invalid("note", "too_long"));
    }
    let by = principal.username.clone();
    let done = state
        .write_orders(move |tx, work| {
            let docs = work.docs;
            let request_id = fulfilment::resolve(tx, &id)?;
            let Some((shop, _, order)) = orders::confirmation(tx, &request_id)? else {
                return Err(AppError::client(
                    StatusCode::NOT_FOUND,
                    "unknown_order",
                    "no such order",
                ));
            };
            // Staff are told at once what cannot come back (a shop's device is answered
            // with a declined return instead).
            returns::check_lines(&order, &new.lines).map_err(fulfilment::refused_return)?;
            let request = ReturnRequest {
                id: placing::new_request_id()?,
                shop: shop.clone(),
                returns: domain::order::RequestId::parse(&request_id)
                    .map_err(|e| anyhow::anyhow!("a stored request id: {e}"))?,
                lines: new.lines.clone(),
                remedy: new.remedy,
                note: new.note.clone(),
                placed_at_ms: tx.now_ms,
                placed_by: by.clone(),
            };
            store_returns::record(tx, request.id.as_str(), &shop, &request_id, tx.now_ms)?;
            let applied =
                fulfilment::act_on(tx, docs, &by, &request_id, Action::OpenReturn(request))?;
            done(applied, None)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// `POST /api/returns/{number}/decision` with `{"approve": true}` (all that was asked),
/// `{"approve": true, "quantities": {"TEA-001": 2}}` (part), or `{"approve": false,
/// "note": "…"}`; `remedy` changes what the shop gets.
#[utoipa::path(post, path = "/returns/{id}/decision", tag = "orders",
    params(("id" = String, Path, description = "The return's number")),
    request_body = domain::returns::Decision,
    responses(
        (status = 200, description = "Decided", body = api::ReturnDone),
        (status = "4XX", description = "Refused (not waiting for a decision …) or no such return", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Decision>, JsonRejection>,
) -> Result<Json<ReturnDone>, AppError> {
    let Path(id) = id.map_err(|r| AppError::rejected("bad_return", r.status(), r.body_text()))?;
    let Json(decision) =
        body.map_err(|r| AppError::rejected("malformed_decision", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersHold)?;
    check_note(&decision.note)?;
    let by = principal.username.clone();
    let done = state
        .write_orders(move |tx, work| {
            let docs = work.docs;
            let order = order_of(tx, &id)?;
            let action = Action::DecideReturn(id.clone(), decision.clone());
            let applied = fulfilment::act_on(tx, docs, &by, &order, action)?;
            done(applied, None)
        })
        .await?;
    Ok(Json(done))
}

/// `POST /api/returns/{number}/receipt` with `{"warehouse": "north", "lines": {"TEA-001":
/// {"good": 3, "damaged": 1}}}`: good units go back on hand (and fill waiting orders),
/// damaged ones are written off.
#[utoipa::path(post, path = "/returns/{id}/receipt", tag = "orders",
    params(("id" = String, Path, description = "The return's number")),
    request_body = api::ReturnReceipt,
    responses(
        (status = 200, description = "Received", body = api::ReturnDone),
        (status = "4XX", description = "Refused (not approved, more than approved …) or no such return", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn receive(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ReturnReceipt>, JsonRejection>,
) -> Result<Json<ReturnDone>, AppError> {
    let Path(id) = id.map_err(|r| AppError::rejected("bad_return", r.status(), r.body_text()))?;
    let Json(receipt) =
        body.map_err(|r| AppError::rejected("malformed_receipt", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersFulfil)?;
    check_note(&receipt.note)?;
    let warehouse = WarehouseId::parse(receipt.warehouse.trim()).map_err(|_| {
        AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_warehouse",
            "no such warehouse",
        )
    })?;
    let by = principal.username.clone();
    let done = state
        .write_orders(move |tx, work| {
            let docs = work.docs;
            if !stock::warehouses(tx)?
                .iter()
                .any(|w| w == warehouse.as_str())
            {
                return Err(AppError::client(
                    StatusCode::NOT_FOUND,
                    "unknown_warehouse",
                    format!("no warehouse {warehouse}"),
                ));
            }
            let order = order_of(tx, &id)?;
            let action = Action::ReceiveReturn {
                id: id.clone(),
                warehouse: warehouse.clone(),
                received: receipt.lines.clone(),
                note: receipt.note.clone(),
            };
            let applied = fulfilment::act_on(tx, docs, &by, &order, action)?;
            let restocked: Vec<_> = applied
                .touched_return
                .and_then(|i| applied.order.returns.get(i))
                .map(|r| {
                    r.lines
                        .iter()
                        .filter(|l| l.restocked > 0)
                        .map(|l| l.sku.clone())
                        .collect()
                })
                .unwrap_or_default();
            // What came back may fill orders waiting for it, in priority order.
            for sku in &restocked {
                fulfilment::change_stock(tx, docs, &by, sku, "return", "", "", |_| Ok(()))?;
            }
            let (_, _, order) = orders::confirmation(tx, applied.order.request_id.as_str())?
                .ok_or_else(|| anyhow::anyhow!("the returned order vanished"))?;
            done(fulfilment::Applied { order, ..applied }, None)
        })
        .await?;
    Ok(Json(done))
}

/// `POST /api/returns/{number}/settlement` with `{}` (as agreed) or `{"remedy": "credit"}`:
/// the value of what was received goes back to the prepaid balance, or is credited to the
/// shop's account, or the goods are sent again at no charge as a new order (channel
/// `replacement`) that reserves and ships like any other.
#[utoipa::path(post, path = "/returns/{id}/settlement", tag = "orders",
    params(("id" = String, Path, description = "The return's number")),
    request_body = api::Settlement,
    responses(
        (status = 200, description = "Settled", body = api::ReturnDone),
        (status = "4XX", description = "Refused (not received …) or no such return", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn settle(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Settlement>, JsonRejection>,
) -> Result<Json<ReturnDone>, AppError> {
    let Path(id) = id.map_err(|r| AppError::rejected("bad_return", r.status(), r.body_text()))?;
    let Json(settlement) =
        body.map_err(|r| AppError::rejected("malformed_settlement", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersHold)?;
    check_note(&settlement.note)?;
    let by = principal.username.clone();
    let done = state
        .write_orders(move |tx, work| {
            let docs = work.docs;
            let order = order_of(tx, &id)?;
            let action = Action::SettleReturn {
                id: id.clone(),
                remedy: settlement.remedy,
                note: settlement.note.clone(),
            };
            let applied = fulfilment::act_on(tx, docs, &by, &order, action)?;
            let Some(index) = applied.touched_return else {
                return done(applied, None);
            };
            if applied.order.returns[index].remedy != Remedy::Replace {
                return done(applied, None);
            }
            let placed =
                placing::place_replacement(tx, docs, &applied.shop, &applied.order, index, &by)?;
            let order = fulfilment::set_replacement(
                tx,
                docs,
                applied.order.request_id.as_str(),
                index,
                &placed.number,
            )?;
            done(
                fulfilment::Applied { order, ..applied },
                Some(placed.number),
            )
        })
        .await?;
    Ok(Json(done))
}

fn check_note(note: &str) -> Result<(), AppError> {
    if note.chars().count() > 500 {
        return Err(AppError::invalid("note", "too_long"));
    }
    Ok(())
}

/// The order (request id) of the return `id` (its number or request id); 404 if none.
fn order_of(tx: &mut Tx<'_>, id: &str) -> Result<String, AppError> {
    let id = id.trim();
    let found = match store_returns::order_of(tx, id)? {
        Some(order) => Some(order),
        // `dh-000042-r1` as typed.
        None => store_returns::order_of(tx, &id.to_ascii_uppercase())?,
    };
    found.ok_or_else(|| {
        AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_return",
            format!("no return {}", id.chars().take(40).collect::<String>()),
        )
    })
}

/// The answer for the return an action touched.
fn done(applied: fulfilment::Applied, replacement: Option<String>) -> Result<ReturnDone, AppError> {
    let record = applied
        .touched_return
        .and_then(|i| applied.order.returns.get(i))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("a return step touched no return"))?;
    Ok(ReturnDone {
        replacement: replacement.or_else(|| record.replacement.clone()),
        record,
        order: applied.order.number.clone(),
    })
}
