//! `GET /api/orders`: the orders the server has applied, as the caller may see them
//! (a shop its own, a manager their shops', an admin and staff with `orders.read` all).

use api::{
    EventBody, LinesEdit, MergeCandidate, OrderDetail, OrderPage, ParcelRequest, ParcelShipped,
    PickList, PickOrder, PickProduct, Shipped,
};
use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::fulfilment::{ShipRequest, ShipmentRecord};
use domain::order::OrderConfirmation;
use domain::order_state::{OrderEvent, OrderState};
use domain::sku::{ShopId, Sku, WarehouseId};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::fulfilment::{self, Action};
use crate::store::{catalog, orders, stock};

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::state::AppState;

/// `?before=<seq>&limit=<n>&shop=<id>` and the back office's filters: `state` (one or
/// several, comma-separated), `manager`, `warehouse`, `channel`, `from`/`to` (milliseconds
/// since 1970, `to` exclusive), `number` (an order number, whole or its digits) and
/// `waiting=true` (only orders waiting for stock).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub before: Option<i64>,
    pub limit: Option<usize>,
    #[param(value_type = Option<api::schemas::ShopFilter>)]
    pub shop: Option<String>,
    #[param(value_type = Option<api::schemas::OrderStates>)]
    pub state: Option<String>,
    pub manager: Option<String>,
    pub warehouse: Option<String>,
    pub channel: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub number: Option<String>,
    #[serde(default)]
    pub waiting: bool,
}

const PAGE_MAX: usize = 1000;

fn nonempty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `GET /api/orders`: the orders the caller may see, newest first, a page at a time
/// (`?limit=` up to 1000, `?before=` the `next_before` of the previous page), filtered as
/// [`ListQuery`] says; a shop the caller may not see gives an empty page.
#[utoipa::path(get, path = "/orders", tag = "orders", params(ListQuery),
    responses(
        (status = 200, description = "A page of orders, newest first", body = api::OrderPage),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list_orders(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<OrderPage>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let limit = query.limit.unwrap_or(PAGE_MAX).clamp(1, PAGE_MAX);
    let shop = match nonempty(query.shop).as_deref().map(ShopId::parse) {
        Some(Err(_)) => return Err(AppError::bad_request("bad_shop", "not a shop id")),
        Some(Ok(shop)) => Some(shop),
        None => None,
    };
    let scope = match &shop {
        Some(shop) if principal.may(Permission::OrdersRead) || principal.acts_for(shop) => {
            orders::Scope::All
        }
        Some(_) => orders::Scope::Shops(Vec::new()),
        None if principal.may(Permission::OrdersRead) => orders::Scope::All,
        None => orders::Scope::Shops(principal.shops.clone()),
    };
    let mut states = Vec::new();
    for name in nonempty(query.state).iter().flat_map(|s| s.split(',')) {
        let state: OrderState = serde_json::from_value(serde_json::Value::String(
            name.trim().into(),
        ))
        .map_err(|_| AppError::bad_request("bad_state", format!("no order state {name:?}")))?;
        states.push(state);
    }
    let filter = orders::Filter {
        states,
        shop,
        manager: nonempty(query.manager),
        warehouse: nonempty(query.warehouse),
        channel: nonempty(query.channel),
        from_ms: query.from,
        to_ms: query.to,
        number: nonempty(query.number),
        waiting: query.waiting,
    };
    let rows = state
        .store
        .read(move |tx| orders::search(tx, &scope, &filter, query.before, limit))
        .await?;
    let next_before = (rows.len() == limit)
        .then(|| rows.last().map(|(seq, _)| *seq))
        .flatten();
    Ok(Json(OrderPage {
        orders: rows.into_iter().map(|(_, row)| row).collect(),
        next_before,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// The cursor: changes after this one (0: from the start).
    #[serde(default)]
    pub after: i64,
    pub limit: Option<usize>,
}

/// `GET /api/orders/changes?after=N&limit=`: for an ERP that pulls instead of listening,
/// every order changed after change `N` (placed, confirmed, held, shipped, edited,
/// cancelled, …), oldest change first, each as it is now; an order changed twice since
/// comes once, at its latest change. Ask again with `next` until the page is empty. For
/// those who read every shop's orders (an API key with `orders:read`).
#[utoipa::path(get, path = "/orders/changes", tag = "orders", params(ChangesQuery),
    responses(
        (status = 200, description = "Orders changed after the cursor, oldest change first", body = api::ChangesPage),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn changes(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<api::ChangesPage>, AppError> {
    principal.require(Permission::OrdersRead)?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let limit = query.limit.unwrap_or(200).clamp(1, PAGE_MAX);
    let after = query.after.max(0);
    let orders = state
        .store
        .read(move |tx| orders::changed_after(tx, after, limit))
        .await?;
    let next = orders.last().map_or(after, |o| o.change);
    Ok(Json(api::ChangesPage { orders, next }))
}

/// `GET /api/orders/{request_id}`: one order as the server answered it (lines, quote,
/// history), for those who may see its shop's orders; 404 for anyone else, so an order's
/// existence does not leak. Devices read orders older than the volumes they hold here.
#[utoipa::path(get, path = "/orders/{request_id}", tag = "orders",
    params(("request_id" = String, Path, description = "The order's request id or number")),
    responses(
        (status = 200, description = "The order as the server answered it", body = domain::order::OrderConfirmation),
        (status = "4XX", description = "No such order (or not yours)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn get_order(
    State(state): State<AppState>,
    principal: Principal,
    request_id: Result<Path<String>, PathRejection>,
) -> Result<Json<OrderConfirmation>, AppError> {
    let Path(request_id) =
        request_id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    let found = state
        .store
        .read(move |tx| -> anyhow::Result<_> {
            match fulfilment::resolve(tx, &request_id) {
                Ok(id) => orders::confirmation(tx, &id),
                Err(_) => Ok(None),
            }
        })
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

/// Who may cause an event: warehouse staff move orders through fulfilment, finance holds,
/// releases and cancels; confirmation, rejection and backordering belong to the intake.
fn permission_for(event: OrderEvent) -> Option<Permission> {
    use OrderEvent as E;
    if !api::staff_may_record(event) {
        return None;
    }
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

/// `POST /api/orders/{number}/events` with `{"event": "hold", "reason": "..."}`: moves an
/// order along the lifecycle (an illegal transition is 409 naming the moves possible now),
/// with its stock (cancelling releases the reservation, allocating reserves what arrived),
/// records who did it and why, and writes the new status into the shop's status document,
/// all in one transaction. The order is named by its number or its request id.
#[utoipa::path(post, path = "/orders/{request_id}/events", tag = "orders",
    params(("request_id" = String, Path, description = "The order's number or request id")),
    request_body = api::EventBody,
    responses(
        (status = 200, description = "The order after the move", body = domain::order::OrderConfirmation),
        (status = "4XX", description = "Refused (409 names the moves possible now) or no such order", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn record_event(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<EventBody>, JsonRejection>,
) -> Result<Json<OrderConfirmation>, AppError> {
    let Path(id) =
        id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_event", r.status(), r.body_text()))?;
    let permission = permission_for(body.event).ok_or_else(|| {
        AppError::bad_request(
            "server_only_event",
            format!("{:?} is decided by the order intake", body.event),
        )
    })?;
    principal.require(permission)?;
    let reason: String = body.reason.chars().take(500).collect();
    let action = Action::Event(body.event, reason);
    act(&state, &principal, id, action)
        .await
        .map(|(order, _)| Json(order))
}

/// `POST /api/orders/{number}/shipments` with `{"warehouse": "north", "carrier": "SF",
/// "tracking": "SF1234", "lines": {"TEA-001": 10}}`: ships exactly those units (at most
/// what is reserved for the order there); the rest stays reserved or backordered and ships
/// later. Answers the order and the shipment.
#[utoipa::path(post, path = "/orders/{id}/shipments", tag = "orders",
    params(("id" = String, Path, description = "The order's number or request id")),
    request_body = domain::fulfilment::ShipRequest,
    responses(
        (status = 200, description = "Shipped (the order, the shipment, its invoice)", body = api::Shipped),
        (status = "4XX", description = "Refused (more than reserved, no carrier …)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn ship(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ShipRequest>, JsonRejection>,
) -> Result<Json<Shipped>, AppError> {
    let Path(id) =
        id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    let Json(request) =
        body.map_err(|r| AppError::rejected("malformed_shipment", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersFulfil)?;
    let (order, shipment) = act(&state, &principal, id, Action::Ship(request)).await?;
    Ok(Json(Shipped {
        order,
        shipment: shipment.ok_or_else(|| anyhow::anyhow!("a shipment action made no shipment"))?,
    }))
}

/// `POST /api/orders/{number}/shipments/{n}/deliver`: shipment `n` (1 for the first)
/// arrived; the order is delivered once all of them have.
#[utoipa::path(post, path = "/orders/{id}/shipments/{n}/deliver", tag = "orders",
    params(("id" = String, Path, description = "The order's number or request id"),
           ("n" = usize, Path, description = "The shipment's number on the order, from 1")),
    responses(
        (status = 200, description = "Delivered", body = domain::order::OrderConfirmation),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn deliver(
    State(state): State<AppState>,
    principal: Principal,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<OrderConfirmation>, AppError> {
    let Path((id, n)) =
        path.map_err(|r| AppError::rejected("bad_shipment", r.status(), r.body_text()))?;
    // A number too large for any order is a shipment it does not have, like any other
    // beyond its last; what is not a number at all is a malformed path.
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::bad_request(
            "bad_shipment",
            format!("the shipment number {n:?} is not a number"),
        ));
    }
    let index = n.parse::<usize>().unwrap_or(usize::MAX);
    principal.require(Permission::OrdersFulfil)?;
    let by = principal.username.clone();
    let order = state
        .write_orders(move |tx, work| fulfilment::deliver(tx, work.docs, &by, &id, index))
        .await?;
    Ok(Json(order))
}

/// `POST /api/orders/{number}/lines` with `{"lines": [{"sku": "TEA-001", "quantity": 24}],
/// "reason": "…"}`: customer service changes the order's lines before picking; it is
/// priced and reserved again. 409 when picking started or the engine refuses the result.
#[utoipa::path(post, path = "/orders/{id}/lines", tag = "orders",
    params(("id" = String, Path, description = "The order's number or request id")),
    request_body = api::LinesEdit,
    responses(
        (status = 200, description = "The order priced and reserved again", body = domain::order::OrderConfirmation),
        (status = "4XX", description = "Refused (picking started, the engine refuses the lines …) or no such order", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn edit_lines(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<LinesEdit>, JsonRejection>,
) -> Result<Json<OrderConfirmation>, AppError> {
    let Path(id) =
        id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    let Json(edit) =
        body.map_err(|r| AppError::rejected("malformed_edit", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersHold)?;
    let reason = edit.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "required"));
    }
    if reason.chars().count() > 200 {
        return Err(AppError::invalid("reason", "too_long"));
    }
    if edit.lines.is_empty() || edit.lines.len() > 500 {
        return Err(AppError::invalid("lines", "out_of_range"));
    }
    if edit
        .lines
        .iter()
        .any(|l| l.quantity == 0 || l.quantity > 100_000)
    {
        return Err(AppError::invalid("quantity", "out_of_range"));
    }
    let by = principal.username.clone();
    let order = state
        .write_orders(move |tx, work| {
            crate::order_edits::edit_lines(tx, work, &by, &id, edit.lines.clone(), &reason)
        })
        .await?;
    Ok(Json(order))
}

async fn act(
    state: &AppState,
    principal: &Principal,
    id: String,
    action: Action,
) -> Result<(OrderConfirmation, Option<ShipmentRecord>), AppError> {
    let by = principal.username.clone();
    state
        .write_orders(move |tx, work| fulfilment::act(tx, work.docs, &by, &id, action.clone()))
        .await
}

/// `GET /api/admin/orders/{number}`: the order with where it came from, what is still to
/// ship and what can ship from where.
pub async fn detail(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<OrderDetail>, AppError> {
    let Path(id) =
        id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    principal.require_any(&[Permission::OrdersRead, Permission::Finance])?;
    let with_cost = principal.may(Permission::Finance);
    let detail = state
        .store
        .read(move |tx| -> Result<OrderDetail, AppError> {
            let request_id = fulfilment::resolve(tx, &id)?;
            let invoices = crate::store::money::invoices_of_order(tx, &request_id)?;
            let margins = if with_cost {
                let lines = crate::store::reports::lines_of(tx, &request_id)?;
                Some(
                    lines
                        .into_iter()
                        .filter_map(|(sku, quantity, net, cost)| {
                            Some(api::LineMargin {
                                sku: domain::sku::Sku::parse(&sku).ok()?,
                                quantity,
                                net: net.map(crate::store::money::from_cents),
                                cost: cost.map(crate::store::money::from_cents),
                            })
                        })
                        .collect(),
                )
            } else {
                None
            };
            let header = orders::header(tx, &request_id)?;
            let Some((shop, _, order)) = orders::confirmation(tx, &request_id)? else {
                return Err(AppError::client(
                    StatusCode::NOT_FOUND,
                    "unknown_order",
                    "no such order",
                ));
            };
            let skus: Vec<Sku> = domain::fulfilment::ordered_quantities(&order)
                .into_keys()
                .collect();
            let inventory = stock::levels(tx, &skus)?;
            let warehouses: BTreeSet<WarehouseId> = order
                .allocations
                .iter()
                .map(|a| a.warehouse.clone())
                .chain(catalog::nearest_warehouses(tx, &shop)?)
                .collect();
            let shippable = shippable_by_warehouse(&order, &inventory, &warehouses);
            let weights = catalog::weights(tx, &skus)?;
            let region = crate::store::commerce::profile(tx, &shop)?.region;
            // The shop's other orders that could go in the same parcel: what each may
            // ship now from this order's warehouses (stock and weights read once).
            let mut mergeable = Vec::new();
            if !shippable.is_empty() {
                let others: Vec<OrderConfirmation> =
                    orders::open_of_shop(tx, &shop, &SHIPPABLE_STATES, 50)?
                        .into_iter()
                        .filter(|other| other.request_id != order.request_id)
                        .collect();
                let their_skus: BTreeSet<Sku> = others
                    .iter()
                    .flat_map(|other| domain::fulfilment::ordered_quantities(other).into_keys())
                    .collect();
                let stock_now = stock::levels(tx, &their_skus)?;
                let their_weights = catalog::weights(tx, &their_skus)?;
                for other in others {
                    let shippable = shippable_by_warehouse(&other, &stock_now, &warehouses);
                    if shippable.is_empty() {
                        continue;
                    }
                    let weights = domain::fulfilment::ordered_quantities(&other)
                        .into_keys()
                        .filter_map(|sku| their_weights.get(&sku).map(|g| (sku, *g)))
                        .collect();
                    mergeable.push(MergeCandidate {
                        number: other.number,
                        state: other.state,
                        shippable,
                        weights,
                    });
                }
            }
            let large = crate::store::large_orders::of_order(tx, &request_id)?;
            let channel_prices = orders::channel_lines(tx, &request_id)?;
            Ok(OrderDetail {
                channel_prices,
                invoices,
                margins,
                large,
                mergeable,
                region,
                weights,
                possible: order.state.possible_events(),
                outstanding: domain::fulfilment::outstanding(&order),
                shippable,
                shop: header.shop,
                shop_name: header.shop_name,
                channel: header.channel,
                placed_by: header.placed_by,
                received_ms: header.received_ms,
                order,
            })
        })
        .await?;
    Ok(Json(detail))
}

/// The states in which an order may ship (part of) what it reserved.
const SHIPPABLE_STATES: [OrderState; 5] = [
    OrderState::Confirmed,
    OrderState::Allocated,
    OrderState::Picking,
    OrderState::Packed,
    OrderState::PartiallyShipped,
];

/// What a shipment of `order` from each of `warehouses` may take now (none for an order
/// that cannot ship), leaving out warehouses with nothing for it.
fn shippable_by_warehouse(
    order: &OrderConfirmation,
    inventory: &domain::inventory::Inventory,
    warehouses: &BTreeSet<WarehouseId>,
) -> BTreeMap<String, BTreeMap<Sku, u32>> {
    if order.state.apply(OrderEvent::ShipPart).is_err() {
        return BTreeMap::new();
    }
    warehouses
        .iter()
        .map(|w| {
            (
                w.to_string(),
                domain::fulfilment::shippable_from(order, inventory, w),
            )
        })
        .filter(|(_, lines)| lines.values().any(|q| *q > 0))
        .collect()
}

/// `POST /api/admin/parcels`: one parcel from one warehouse over several orders of one
/// shop (see [`api::ParcelRequest`]); all of it or nothing, a refusal naming the order.
pub async fn ship_parcel(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<ParcelRequest>, JsonRejection>,
) -> Result<Json<ParcelShipped>, AppError> {
    let Json(parcel) =
        body.map_err(|r| AppError::rejected("malformed_parcel", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersFulfil)?;
    let by = principal.username.clone();
    let shipped = state
        .write_orders(move |tx, work| fulfilment::ship_parcel(tx, work.docs, &by, &parcel))
        .await?;
    Ok(Json(shipped))
}

/// `?warehouse=<id>`.
#[derive(Debug, Deserialize)]
pub struct PickQuery {
    pub warehouse: String,
}

/// `GET /api/admin/pick-list?warehouse=north`.
pub async fn pick_list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<PickQuery>, QueryRejection>,
) -> Result<Json<PickList>, AppError> {
    principal.require_any(&[Permission::OrdersFulfil, Permission::OrdersRead])?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let warehouse = WarehouseId::parse(&query.warehouse)
        .map_err(|e| AppError::client(StatusCode::NOT_FOUND, "unknown_warehouse", e.to_string()))?;
    let list = state
        .store
        .read(move |tx| -> Result<PickList, AppError> {
            if !stock::warehouse_exists(tx, &warehouse)? {
                return Err(AppError::client(
                    StatusCode::NOT_FOUND,
                    "unknown_warehouse",
                    format!("no warehouse {warehouse}"),
                ));
            }
            let states = [
                OrderState::Confirmed,
                OrderState::Allocated,
                OrderState::Picking,
                OrderState::PartiallyShipped,
            ];
            let open = orders::open_in_warehouse(tx, warehouse.as_str(), &states, 500)?;
            let skus: BTreeSet<Sku> = open
                .iter()
                .flat_map(|(_, o)| domain::fulfilment::ordered_quantities(o).into_keys())
                .collect();
            let inventory = stock::levels(tx, &skus)?;
            let locations = stock::locations(tx, &warehouse, &skus)?;
            let mut products: BTreeMap<Sku, PickProduct> = BTreeMap::new();
            let mut picks = Vec::new();
            for (shop, order) in open {
                let lines: BTreeMap<Sku, u32> =
                    domain::fulfilment::shippable_from(&order, &inventory, &warehouse)
                        .into_iter()
                        .filter(|(_, q)| *q > 0)
                        .collect();
                if lines.is_empty() {
                    continue;
                }
                let names = names_in(&order);
                for (sku, quantity) in &lines {
                    let product = products.entry(sku.clone()).or_insert_with(|| PickProduct {
                        sku: sku.clone(),
                        name: names.get(sku).cloned().unwrap_or_default(),
                        location: locations.get(sku).cloned().unwrap_or_default(),
                        total: 0,
                        orders: Vec::new(),
                    });
                    product.total += quantity;
                    product.orders.push((order.number.clone(), *quantity));
                }
                picks.push(PickOrder {
                    number: order.number.clone(),
                    shop: shop.to_string(),
                    state: order.state,
                    lines,
                    pickup: order.pickup,
                });
            }
            let mut products: Vec<PickProduct> = products.into_values().collect();
            products.sort_by(|a, b| {
                (a.location.is_empty(), &a.location, &a.sku).cmp(&(
                    b.location.is_empty(),
                    &b.location,
                    &b.sku,
                ))
            });
            Ok(PickList {
                warehouse: warehouse.to_string(),
                generated_ms: tx.now_ms,
                orders: picks,
                products,
            })
        })
        .await?;
    Ok(Json(list))
}

/// The names of an order's products and gifts, as they were when it was confirmed.
fn names_in(order: &OrderConfirmation) -> BTreeMap<Sku, domain::product::LocalizedText> {
    order
        .priced
        .lines
        .iter()
        .map(|line| (line.sku.clone(), line.name.clone()))
        .chain(
            order
                .quote
                .iter()
                .flat_map(|q| &q.gifts)
                .map(|gift| (gift.sku.clone(), gift.name.clone())),
        )
        .collect()
}
