//! `GET /api/orders`: the orders the server has applied, as the caller may see them
//! (a shop its own, a manager their shops', an admin and staff with `orders.read` all).

use std::collections::BTreeSet;

use app::domain::order::{OrderConfirmation, StatusEvent};
use app::domain::order_state::OrderEvent;
use app::domain::pricing::RequestedLine;
use app::domain::sku::{ShopId, Sku};
use app::schema::doc_id::DocId;
use app::schema::order_status_doc::put_confirmations;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::admin_api::edit_doc;
use crate::commerce;
use crate::db::{Db, now_ms};
use crate::order_intake::{load_inventory, nearest_warehouses, save_inventory};
use app::domain::checkout::refund_balances;
use app::schema::price_doc::write_profile;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct OrderRow {
    pub number: String,
    pub request_id: String,
    pub shop: String,
    pub state: String,
    pub total: String,
    pub placed_by: String,
    pub received_ms: i64,
}

pub async fn list_orders(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<OrderRow>>, AppError> {
    let rows = state
        .db
        .run(move |db| -> anyhow::Result<Vec<OrderRow>> {
            const COLUMNS: &str =
                "SELECT number, request_id, shop, state, total, placed_by, received_ms FROM orders";
            let scopes: Vec<Option<String>> = match principal.role {
                _ if principal.may(Permission::OrdersRead) => vec![None],
                _ => principal
                    .shops
                    .iter()
                    .map(|shop| Some(shop.to_string()))
                    .collect(),
            };
            let mut orders = Vec::new();
            for scope in scopes {
                let sql = match scope {
                    None => format!("{COLUMNS} WHERE ?1 IS NULL ORDER BY seq DESC LIMIT 1000"),
                    Some(_) => format!("{COLUMNS} WHERE shop = ?1 ORDER BY seq DESC LIMIT 1000"),
                };
                let mut statement = db.conn.prepare_cached(&sql)?;
                let rows = statement.query_map([scope], |row| {
                    Ok(OrderRow {
                        number: row.get(0)?,
                        request_id: row.get(1)?,
                        shop: row.get(2)?,
                        state: row.get(3)?,
                        total: row.get(4)?,
                        placed_by: row.get(5)?,
                        received_ms: row.get(6)?,
                    })
                })?;
                orders.extend(rows.collect::<Result<Vec<_>, _>>()?);
            }
            orders.sort_by(|a, b| b.number.cmp(&a.number));
            Ok(orders)
        })
        .await??;
    Ok(Json(rows))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    pub event: OrderEvent,
    #[serde(default)]
    pub reason: String,
}

/// Who may cause an event: warehouse staff move orders through fulfilment, finance holds,
/// releases and cancels; confirmation, rejection and backordering belong to the intake.
fn permission_for(event: OrderEvent) -> Option<Permission> {
    use OrderEvent as E;
    match event {
        E::Allocate
        | E::StartPicking
        | E::Pack
        | E::ShipPart
        | E::Ship
        | E::Deliver
        | E::Complete => Some(Permission::OrdersFulfil),
        E::Hold | E::Release | E::Cancel => Some(Permission::OrdersHold),
        E::Confirm | E::Reject | E::Backorder => None,
    }
}

/// `POST /api/orders/{request_id}/events` with `{"event": "ship", "reason": "..."}`: moves an
/// order along the lifecycle (an illegal transition is 409), with its stock (cancelling
/// releases the reservation, shipping takes it out, allocating a backordered order reserves
/// what has arrived), records who did it and why, and writes the new status into the shop's
/// status document, all in one transaction.
pub async fn record_event(
    State(state): State<AppState>,
    principal: Principal,
    request_id: Result<Path<String>, PathRejection>,
    body: Result<Json<EventBody>, JsonRejection>,
) -> Result<Json<OrderConfirmation>, AppError> {
    let Path(request_id) =
        request_id.map_err(|r| AppError::bad_request("bad_request_id", r.body_text()))?;
    let Json(body) = body.map_err(|r| AppError::bad_request("malformed_event", r.body_text()))?;
    let permission = permission_for(body.event).ok_or_else(|| {
        AppError::bad_request(
            "server_only_event",
            format!("{:?} is decided by the order intake", body.event),
        )
    })?;
    principal.require(permission)?;
    let actor = state.actor.clone();
    let reason: String = body.reason.chars().take(500).collect();
    state
        .db
        .run(move |db| apply_event(db, &principal, &request_id, body.event, reason, &actor))
        .await?
        .map(Json)
}

fn apply_event(
    db: &mut Db,
    principal: &Principal,
    request_id: &str,
    event: OrderEvent,
    reason: String,
    actor: &automerge::ActorId,
) -> Result<OrderConfirmation, AppError> {
    let Db { conn, docs } = db;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT shop, confirmation FROM orders WHERE request_id = ?1",
            [request_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((shop, json)) = row else {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_order",
            format!("no order {request_id}"),
        ));
    };
    let shop = ShopId::parse(&shop).map_err(anyhow::Error::from)?;
    let mut confirmation: OrderConfirmation =
        serde_json::from_str(&json).map_err(anyhow::Error::from)?;
    let next = confirmation.state.apply(event).map_err(|error| {
        AppError::client(
            StatusCode::CONFLICT,
            "illegal_transition",
            error.to_string(),
        )
    })?;
    let now = now_ms();

    let skus: BTreeSet<Sku> = confirmation
        .allocations
        .iter()
        .map(|a| a.sku.clone())
        .chain(confirmation.backordered.keys().cloned())
        .collect();
    let before = load_inventory(&tx, &skus)?;
    let mut inventory = before.clone();
    match event {
        OrderEvent::Cancel => {
            inventory.release(&confirmation.allocations);
            confirmation.allocations.clear();
        }
        OrderEvent::Ship => inventory.ship(&confirmation.allocations),
        OrderEvent::Allocate if !confirmation.backordered.is_empty() => {
            let waiting: Vec<RequestedLine> = confirmation
                .backordered
                .iter()
                .map(|(sku, quantity)| RequestedLine {
                    sku: sku.clone(),
                    quantity: *quantity,
                })
                .collect();
            let result = inventory.allocate(&waiting, &nearest_warehouses(&tx, &shop)?);
            confirmation.allocations.extend(result.allocations);
            confirmation.backordered = result.backordered;
        }
        _ => {}
    }
    save_inventory(&tx, &before, &inventory)?;

    confirmation.state = next;
    confirmation.history.push(StatusEvent {
        state: next,
        at_ms: now,
        actor: principal.username.clone(),
        reason: reason.clone(),
    });
    let state_name = serde_json::to_value(next)
        .map_err(anyhow::Error::from)?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    tx.execute(
        "UPDATE orders SET state = ?2, confirmation = ?3 WHERE request_id = ?1",
        params![
            request_id,
            state_name,
            serde_json::to_string(&confirmation).map_err(anyhow::Error::from)?
        ],
    )?;
    tx.execute(
        "INSERT INTO order_events (request_id, state, at_ms, actor, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![request_id, state_name, now, principal.username, reason],
    )?;
    let mut kept = vec![edit_doc(
        docs,
        &tx,
        &DocId::OrderStatus(shop.clone()),
        actor,
        |doc| put_confirmations(doc, std::slice::from_ref(&confirmation)),
    )?];
    if let (OrderEvent::Cancel, Some(quote)) = (event, &confirmation.quote) {
        // Points and prepaid balance the order took go back to the shop.
        let mut profile = commerce::load_profile(&tx, &shop)?;
        refund_balances(&mut profile, quote);
        tx.execute(
            "INSERT INTO shop_profiles (shop, json) VALUES (?1, ?2)
             ON CONFLICT(shop) DO UPDATE SET json = excluded.json",
            params![
                shop.as_str(),
                serde_json::to_string(&profile).map_err(anyhow::Error::from)?
            ],
        )?;
        kept.push(edit_doc(
            docs,
            &tx,
            &DocId::ShopPrices(shop),
            actor,
            |doc| write_profile(doc, &profile),
        )?);
    }
    tx.commit()?;
    for (id, version, doc) in kept {
        docs.keep(id, version, doc);
    }
    Ok(confirmation)
}
