//! `GET /api/orders`: the orders the server has applied, as the caller may see them
//! (a shop its own, a manager their shops', an admin and staff with `orders.read` all).

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use docs::schema::doc_id::DocId;
use docs::schema::order_status_doc::put_confirmations;
use domain::order::{OrderConfirmation, StatusEvent};
use domain::order_state::OrderEvent;
use domain::pricing::RequestedLine;
use domain::sku::{ShopId, Sku};
use serde::{Deserialize, Serialize};

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use domain::money::Money;

use crate::store::documents::{self, DocCache};
use crate::store::{Tx, catalog, commerce, orders, stock};
use docs::schema::price_doc::write_profile;
use domain::checkout::refund_balances;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::state::AppState;

/// `?before=<seq>&limit=<n>&shop=<id>`: a page of older orders, of one shop if named.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub before: Option<i64>,
    pub limit: Option<usize>,
    pub shop: Option<String>,
}

/// A page of orders, newest first; `next_before` asks for the page after it.
#[derive(Debug, Serialize)]
pub struct OrderPage {
    pub orders: Vec<orders::OrderRow>,
    pub next_before: Option<i64>,
}

const PAGE_MAX: usize = 1000;

/// `GET /api/orders`: the orders the caller may see, newest first, a page at a time
/// (`?limit=` up to 1000, `?before=` the `next_before` of the previous page, `?shop=` one
/// shop's only; a shop the caller may not see gives an empty page).
pub async fn list_orders(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<OrderPage>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let limit = query.limit.unwrap_or(PAGE_MAX).clamp(1, PAGE_MAX);
    let scope = match query.shop.as_deref().map(ShopId::parse) {
        Some(Err(_)) => {
            return Err(AppError::bad_request("bad_shop", "not a shop id"));
        }
        Some(Ok(shop)) if principal.may(Permission::OrdersRead) || principal.acts_for(&shop) => {
            orders::Scope::Shops(vec![shop])
        }
        Some(Ok(_)) => orders::Scope::Shops(Vec::new()),
        None if principal.may(Permission::OrdersRead) => orders::Scope::All,
        None => orders::Scope::Shops(principal.shops.clone()),
    };
    let rows = state
        .store
        .read(move |tx| orders::list(tx, &scope, query.before, limit))
        .await?;
    let next_before = (rows.len() == limit)
        .then(|| rows.last().map(|(seq, _)| *seq))
        .flatten();
    Ok(Json(OrderPage {
        orders: rows.into_iter().map(|(_, row)| row).collect(),
        next_before,
    }))
}

/// `GET /api/orders/{request_id}`: one order as the server answered it (lines, quote,
/// history), for those who may see its shop's orders; 404 for anyone else, so an order's
/// existence does not leak. Devices read orders older than the volumes they hold here.
pub async fn get_order(
    State(state): State<AppState>,
    principal: Principal,
    request_id: Result<Path<String>, PathRejection>,
) -> Result<Json<OrderConfirmation>, AppError> {
    let Path(request_id) =
        request_id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    let found = state
        .store
        .read(move |tx| orders::confirmation(tx, &request_id))
        .await?;
    match found {
        Some((shop, _, confirmation))
            if principal.may(Permission::OrdersRead) || principal.acts_for(&shop) =>
        {
            Ok(Json(confirmation))
        }
        _ => Err(AppError::client(
            StatusCode::NOT_FOUND,
            "no_such_order",
            "no such order",
        )),
    }
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
        request_id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_event", r.status(), r.body_text()))?;
    let permission = permission_for(body.event).ok_or_else(|| {
        AppError::bad_request(
            "server_only_event",
            format!("{:?} is decided by the order intake", body.event),
        )
    })?;
    principal.require(permission)?;
    let actor = state.actor.clone();
    let reason: String = body.reason.chars().take(500).collect();
    let store = state.store.clone();
    let event = body.event;
    state
        .store
        .write(move |tx| {
            apply_event(
                tx,
                store.docs(),
                &principal,
                &request_id,
                event,
                &reason,
                &actor,
            )
        })
        .await
        .map(Json)
}

fn apply_event(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    principal: &Principal,
    request_id: &str,
    event: OrderEvent,
    reason: &str,
    actor: &automerge::ActorId,
) -> Result<OrderConfirmation, AppError> {
    let Some((shop, volume, mut confirmation)) = orders::confirmation(tx, request_id)? else {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_order",
            format!("no order {request_id}"),
        ));
    };
    let next = confirmation.state.apply(event).map_err(|error| {
        AppError::client(
            StatusCode::CONFLICT,
            "illegal_transition",
            error.to_string(),
        )
    })?;
    let now = tx.now_ms;
    let owed_before = commerce::owed_by(&confirmation);

    let skus: BTreeSet<Sku> = confirmation
        .allocations
        .iter()
        .map(|a| a.sku.clone())
        .chain(confirmation.backordered.keys().cloned())
        .collect();
    let before = stock::levels(tx, &skus)?;
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
            let nearest = catalog::nearest_warehouses(tx, &shop)?;
            let result = inventory.allocate(&waiting, &nearest);
            confirmation.allocations.extend(result.allocations);
            confirmation.backordered = result.backordered;
        }
        _ => {}
    }
    stock::save(tx, &before, &inventory)?;

    confirmation.state = next;
    confirmation.history.push(StatusEvent {
        state: next,
        at_ms: now,
        actor: principal.username.clone(),
        reason: reason.to_owned(),
    });
    orders::update(tx, &confirmation)?;
    orders::add_event(tx, request_id, next, now, &principal.username, reason)?;
    documents::edit(
        tx,
        cache,
        &DocId::OrderStatus(shop.clone(), volume),
        actor,
        |doc| put_confirmations(doc, std::slice::from_ref(&confirmation)),
    )?;
    let mut profile = commerce::profile(tx, &shop)?;
    let mut republish = false;
    if let (Some(owed), None) = (owed_before, commerce::owed_by(&confirmation))
        && profile.account.is_some()
    {
        // The order is no longer open: the shop owes that much less.
        let back = Money::zero(owed.currency())
            .checked_sub(owed)
            .map_err(anyhow::Error::from)?;
        commerce::add_unbilled(tx, &shop, back)?;
        if let Some(account) = &mut profile.account {
            account.unbilled = account
                .unbilled
                .checked_add(back)
                .map_err(anyhow::Error::from)?;
        }
        republish = true;
    }
    if let (OrderEvent::Cancel, Some(quote)) = (event, &confirmation.quote) {
        // Points and prepaid balance the order took go back to the shop.
        refund_balances(&mut profile, quote);
        commerce::set_profile(tx, &shop, &profile)?;
        republish = true;
    }
    if republish {
        let published = commerce::ordering_profile(tx, &shop)?;
        documents::edit(tx, cache, &DocId::ShopPrices(shop), actor, |doc| {
            write_profile(doc, &published)
        })?;
    }
    Ok(confirmation)
}
