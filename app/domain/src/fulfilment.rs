//! Fulfilment of a confirmed order: what it still needs, reserving what was backordered
//! when stock arrives, shipping part or all of it from one warehouse with a carrier and a
//! tracking number, cancelling, and resuming after a hold. Every change to an order's
//! reservations is the same change to the inventory, so the stock reserved in a warehouse
//! always equals the sum of the orders' allocations there (a property test below drives
//! random sequences of allocate, ship, cancel, receive and count).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::inventory::{Allocation, Inventory};
use super::money::Money;
use super::order::{HistoryFact, OrderConfirmation, StatusEvent};
use super::order_state::{OrderEvent, OrderState};
use super::pricing::RequestedLine;
use super::sku::{Sku, WarehouseId};

/// One shipment of (part of) an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentRecord {
    /// `DH-000042-1`: the order's number and the shipment's place among its shipments.
    pub number: String,
    pub warehouse: WarehouseId,
    pub carrier: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tracking: String,
    pub lines: BTreeMap<Sku, u32>,
    pub shipped_ms: i64,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_ms: Option<i64>,
    /// What the carrier charges the distributor for it, when known (for a parcel shared
    /// with other orders, this shipment's part of the parcel's fee, by weight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<Money>,
    /// The shipments of the shop's other orders that went in the same parcel (one carrier,
    /// one tracking number, one fee), by number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipped_with: Vec<String>,
}

/// The order number and the place among its shipments (1 for the first) that a
/// shipment's number (`DH-000042-1`) names.
pub fn shipment_place(number: &str) -> Option<(&str, usize)> {
    let (order, at) = number.rsplit_once('-')?;
    Some((order, at.parse().ok()?))
}

/// What a shipment takes: from which warehouse, with whom, and how much of each SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipRequest {
    pub warehouse: WarehouseId,
    pub carrier: String,
    #[serde(default)]
    pub tracking: String,
    pub lines: BTreeMap<Sku, u32>,
    /// What the carrier charges; none: the carrier's rule says (if it has one).
    #[serde(default)]
    pub fee: Option<Money>,
}

/// Why a fulfilment step is refused. Each names what would make it possible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum FulfilError {
    #[error("an order that is {state:?} cannot {event:?}; possible now: {possible:?}")]
    NotNow {
        state: OrderState,
        event: OrderEvent,
        possible: Vec<OrderEvent>,
    },
    #[error("a shipment needs at least one unit")]
    NothingToShip,
    #[error("a shipment needs a carrier")]
    NoCarrier,
    #[error("{sku}: {wanted} asked, {left} left to ship")]
    MoreThanOrdered { sku: Sku, wanted: u32, left: u32 },
    #[error("{sku}: {wanted} asked, {reserved} reserved in {warehouse}")]
    NotReserved {
        sku: Sku,
        warehouse: WarehouseId,
        wanted: u32,
        reserved: u32,
    },
    #[error("nothing is reserved or shippable for this order yet")]
    NothingReserved,
    #[error("the order has no shipment {index}")]
    UnknownShipment { index: usize },
    #[error("shipment {number} was delivered already")]
    AlreadyDelivered { number: String },
    #[error(
        "an order that is {state:?} can no longer be changed (picking started or something shipped)"
    )]
    NotEditable { state: OrderState },
}

/// Whether staff may still change the order's lines: before picking starts and before
/// anything ships.
pub fn check_editable(order: &OrderConfirmation) -> Result<(), FulfilError> {
    let before_picking = matches!(
        order.state,
        OrderState::Confirmed
            | OrderState::OnHold
            | OrderState::Backordered
            | OrderState::Allocated
    );
    if before_picking && order.shipments.is_empty() {
        Ok(())
    } else {
        Err(FulfilError::NotEditable { state: order.state })
    }
}

/// What the order asks the warehouses for, per SKU: its lines and its gifts.
pub fn ordered_quantities(order: &OrderConfirmation) -> BTreeMap<Sku, u32> {
    let mut ordered: BTreeMap<Sku, u32> = BTreeMap::new();
    let lines = order
        .priced
        .lines
        .iter()
        .map(|line| (&line.sku, line.quantity));
    let gifts = order
        .quote
        .iter()
        .flat_map(|quote| &quote.gifts)
        .map(|gift| (&gift.sku, gift.quantity));
    for (sku, quantity) in lines.chain(gifts) {
        let total = ordered.entry(sku.clone()).or_default();
        *total = total.saturating_add(quantity);
    }
    ordered
}

/// What left the warehouses so far, per SKU.
pub fn shipped_quantities(order: &OrderConfirmation) -> BTreeMap<Sku, u32> {
    let mut shipped: BTreeMap<Sku, u32> = BTreeMap::new();
    for (sku, quantity) in order.shipments.iter().flat_map(|s| &s.lines) {
        let total = shipped.entry(sku.clone()).or_default();
        *total = total.saturating_add(*quantity);
    }
    shipped
}

/// What is still to ship, per SKU (reserved, backordered or untracked).
pub fn outstanding(order: &OrderConfirmation) -> BTreeMap<Sku, u32> {
    let shipped = shipped_quantities(order);
    ordered_quantities(order)
        .into_iter()
        .map(|(sku, quantity)| {
            let left = quantity.saturating_sub(shipped.get(&sku).copied().unwrap_or(0));
            (sku, left)
        })
        .filter(|(_, left)| *left > 0)
        .collect()
}

/// What is reserved for the order in `warehouse`, per SKU.
pub fn reserved_in(order: &OrderConfirmation, warehouse: &WarehouseId) -> BTreeMap<Sku, u32> {
    let mut reserved: BTreeMap<Sku, u32> = BTreeMap::new();
    for allocation in order
        .allocations
        .iter()
        .filter(|a| &a.warehouse == warehouse)
    {
        *reserved.entry(allocation.sku.clone()).or_default() += allocation.quantity;
    }
    reserved
}

/// What a shipment from `warehouse` may take now, per SKU: what is reserved there, and
/// for a SKU whose stock is not tracked, everything still to ship.
pub fn shippable_from(
    order: &OrderConfirmation,
    inventory: &Inventory,
    warehouse: &WarehouseId,
) -> BTreeMap<Sku, u32> {
    let mut shippable = reserved_in(order, warehouse);
    for (sku, left) in outstanding(order) {
        if !inventory.is_tracked(&sku) {
            shippable.insert(sku, left);
        }
    }
    shippable
}

fn transition(order: &OrderConfirmation, event: OrderEvent) -> Result<OrderState, FulfilError> {
    order
        .state
        .apply(event)
        .map_err(|error| FulfilError::NotNow {
            state: error.from,
            event: error.event,
            possible: error.from.possible_events(),
        })
}

fn record(order: &mut OrderConfirmation, state: OrderState, by: &str, now_ms: i64, why: String) {
    order.state = state;
    order
        .history
        .push(StatusEvent::said(state, now_ms, by, why));
}

/// Records a step the system words in each reader's language.
fn record_fact(
    order: &mut OrderConfirmation,
    state: OrderState,
    by: &str,
    now_ms: i64,
    fact: HistoryFact,
) {
    order.state = state;
    order
        .history
        .push(StatusEvent::fact(state, now_ms, by, fact));
}

/// Adds `allocations` to the order's, one entry per warehouse and SKU.
fn merge_allocations(order: &mut OrderConfirmation, allocations: Vec<Allocation>) {
    for allocation in allocations {
        match order
            .allocations
            .iter_mut()
            .find(|a| a.warehouse == allocation.warehouse && a.sku == allocation.sku)
        {
            Some(existing) => existing.quantity += allocation.quantity,
            None => order.allocations.push(allocation),
        }
    }
}

/// Reserves what the order is waiting for from the stock now available (the shop's
/// warehouses nearest first). Returns what was reserved. A backordered order becomes
/// allocated once nothing is missing, or confirmed with a shortfall; a held, shipped or
/// ended order is left alone.
pub fn allocate_waiting(
    order: &mut OrderConfirmation,
    inventory: &mut Inventory,
    nearest_first: &[WarehouseId],
    by: &str,
    now_ms: i64,
) -> BTreeMap<Sku, u32> {
    let waits = matches!(
        order.state,
        OrderState::Confirmed
            | OrderState::Backordered
            | OrderState::Allocated
            | OrderState::Picking
            | OrderState::Packed
            | OrderState::PartiallyShipped
    );
    if !waits || order.backordered.is_empty() {
        return BTreeMap::new();
    }
    let waiting: Vec<RequestedLine> = order
        .backordered
        .iter()
        .map(|(sku, quantity)| RequestedLine {
            sku: sku.clone(),
            quantity: *quantity,
        })
        .collect();
    let result = inventory.allocate(&waiting, nearest_first);
    let mut reserved: BTreeMap<Sku, u32> = BTreeMap::new();
    for allocation in &result.allocations {
        *reserved.entry(allocation.sku.clone()).or_default() += allocation.quantity;
    }
    if reserved.is_empty() {
        return reserved;
    }
    merge_allocations(order, result.allocations);
    order.backordered = result.backordered;
    let state = match order.state {
        OrderState::Backordered | OrderState::Confirmed if order.backordered.is_empty() => {
            OrderState::Allocated
        }
        OrderState::Backordered => OrderState::Confirmed,
        other => other,
    };
    let fact = HistoryFact::StockArrived {
        reserved: reserved.clone(),
        waiting: order.backordered.clone(),
    };
    record_fact(order, state, by, now_ms, fact);
    reserved
}

/// Staff allocate: reserves what is waiting (as [`allocate_waiting`]); an order with
/// nothing waiting is marked allocated.
pub fn allocate(
    order: &mut OrderConfirmation,
    inventory: &mut Inventory,
    nearest_first: &[WarehouseId],
    by: &str,
    now_ms: i64,
    why: &str,
) -> Result<(), FulfilError> {
    let next = transition(order, OrderEvent::Allocate)?;
    if order.backordered.is_empty() {
        if next != order.state {
            record(order, next, by, now_ms, why.to_owned());
        }
        return Ok(());
    }
    let reserved = allocate_waiting(order, inventory, nearest_first, by, now_ms);
    if reserved.is_empty() {
        return Err(FulfilError::NothingReserved);
    }
    Ok(())
}

/// Ships `request` as the order's next shipment: exactly those units leave the warehouse's
/// stock and the order's reservation; the rest stays reserved or backordered and ships
/// later. The order is shipped once nothing is left, partly shipped otherwise.
pub fn ship(
    order: &mut OrderConfirmation,
    inventory: &mut Inventory,
    request: &ShipRequest,
    by: &str,
    now_ms: i64,
) -> Result<ShipmentRecord, FulfilError> {
    let lines: BTreeMap<Sku, u32> = request
        .lines
        .iter()
        .filter(|(_, quantity)| **quantity > 0)
        .map(|(sku, quantity)| (sku.clone(), *quantity))
        .collect();
    // Checked against the final event first, so the message names the order's state.
    transition(order, OrderEvent::ShipPart)?;
    if lines.is_empty() {
        return Err(FulfilError::NothingToShip);
    }
    let carrier = request.carrier.trim();
    if carrier.is_empty() {
        return Err(FulfilError::NoCarrier);
    }
    let left = outstanding(order);
    let shippable = shippable_from(order, inventory, &request.warehouse);
    for (sku, wanted) in &lines {
        let remaining = left.get(sku).copied().unwrap_or(0);
        if *wanted > remaining {
            return Err(FulfilError::MoreThanOrdered {
                sku: sku.clone(),
                wanted: *wanted,
                left: remaining,
            });
        }
        let reserved = shippable.get(sku).copied().unwrap_or(0);
        if *wanted > reserved {
            return Err(FulfilError::NotReserved {
                sku: sku.clone(),
                warehouse: request.warehouse.clone(),
                wanted: *wanted,
                reserved,
            });
        }
    }
    let taken: Vec<Allocation> = lines
        .iter()
        .filter(|(sku, _)| inventory.is_tracked(sku))
        .map(|(sku, quantity)| Allocation {
            warehouse: request.warehouse.clone(),
            sku: sku.clone(),
            quantity: *quantity,
        })
        .collect();
    inventory.ship(&taken);
    for taken in &taken {
        if let Some(allocation) = order
            .allocations
            .iter_mut()
            .find(|a| a.warehouse == taken.warehouse && a.sku == taken.sku)
        {
            allocation.quantity -= taken.quantity;
        }
    }
    order.allocations.retain(|a| a.quantity > 0);
    let shipment = ShipmentRecord {
        number: format!("{}-{}", order.number, order.shipments.len() + 1),
        warehouse: request.warehouse.clone(),
        carrier: carrier.chars().take(80).collect(),
        tracking: request.tracking.trim().chars().take(80).collect(),
        lines,
        shipped_ms: now_ms,
        by: by.to_owned(),
        delivered_ms: None,
        fee: request.fee,
        shipped_with: Vec::new(),
    };
    order.shipments.push(shipment.clone());
    let event = if outstanding(order).is_empty() {
        OrderEvent::Ship
    } else {
        OrderEvent::ShipPart
    };
    let state = transition(order, event)?;
    let fact = HistoryFact::Shipped {
        shipment: shipment.number.clone(),
        warehouse: shipment.warehouse.clone(),
        carrier: shipment.carrier.clone(),
        tracking: shipment.tracking.clone(),
        lines: shipment.lines.clone(),
    };
    record_fact(order, state, by, now_ms, fact);
    Ok(shipment)
}

/// Cancels the order: what was reserved goes back to available stock, nothing waits.
pub fn cancel(
    order: &mut OrderConfirmation,
    inventory: &mut Inventory,
    by: &str,
    now_ms: i64,
    why: &str,
) -> Result<(), FulfilError> {
    let next = transition(order, OrderEvent::Cancel)?;
    inventory.release(&order.allocations);
    order.allocations.clear();
    order.backordered.clear();
    record(order, next, by, now_ms, why.to_owned());
    Ok(())
}

/// Records that the order's shipment `index` (1 for the first) arrived. Once every
/// shipment of a shipped order has arrived, the order is delivered; before, the arrival is
/// a line in its history.
pub fn deliver_shipment(
    order: &mut OrderConfirmation,
    index: usize,
    by: &str,
    now_ms: i64,
) -> Result<(), FulfilError> {
    let Some(shipment) = index
        .checked_sub(1)
        .and_then(|at| order.shipments.get_mut(at))
    else {
        return Err(FulfilError::UnknownShipment { index });
    };
    if shipment.delivered_ms.is_some() {
        return Err(FulfilError::AlreadyDelivered {
            number: shipment.number.clone(),
        });
    }
    shipment.delivered_ms = Some(now_ms);
    let fact = HistoryFact::ShipmentDelivered {
        shipment: shipment.number.clone(),
    };
    let every = order.shipments.iter().all(|s| s.delivered_ms.is_some());
    let state = if every && order.state == OrderState::Shipped {
        transition(order, OrderEvent::Deliver)?
    } else {
        order.state
    };
    record_fact(order, state, by, now_ms, fact);
    Ok(())
}

/// The state an order was in when it was put on hold (confirmed if the history does not
/// say).
pub fn state_before_hold(order: &OrderConfirmation) -> OrderState {
    let held = order
        .history
        .iter()
        .rposition(|event| event.state == OrderState::OnHold);
    held.and_then(|at| order.history[..at].last())
        .map(|event| event.state)
        .filter(|state| *state != OrderState::OnHold)
        .unwrap_or(OrderState::Confirmed)
}

/// A step with no stock effect (hold, release, start picking, pack, deliver, complete):
/// release returns the order to where it was held; delivery dates the shipments.
pub fn step(
    order: &mut OrderConfirmation,
    event: OrderEvent,
    by: &str,
    now_ms: i64,
    why: &str,
) -> Result<(), FulfilError> {
    let mut next = transition(order, event)?;
    match event {
        OrderEvent::Release => next = state_before_hold(order),
        OrderEvent::StartPicking if order.allocations.is_empty() => {
            // Nothing reserved: only untracked SKUs could be picked.
            let untracked_left = !outstanding(order).is_empty() && order.backordered.is_empty();
            if !untracked_left {
                return Err(FulfilError::NothingReserved);
            }
        }
        OrderEvent::Deliver => {
            for shipment in order
                .shipments
                .iter_mut()
                .filter(|s| s.delivered_ms.is_none())
            {
                shipment.delivered_ms = Some(now_ms);
            }
        }
        _ => {}
    }
    record(order, next, by, now_ms, why.to_owned());
    Ok(())
}

/// How one order was served against a promise to ship within a time: what a fill-rate
/// (OTIF) report adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    pub ordered_units: u64,
    /// Shipped, at most what was ordered of each product.
    pub shipped_units: u64,
    /// Shipped by the deadline.
    pub on_time_units: u64,
    /// Whether it can be judged yet: all of it shipped, or the deadline passed.
    pub judged: bool,
    /// Its first shipment left by the deadline.
    pub on_time: bool,
    /// All of it was shipped (whenever).
    pub in_full: bool,
    /// All of it was shipped by the deadline (on time, in full).
    pub otif: bool,
}

/// How an order of `ordered` (units per product) was served by `shipments` (when each
/// left, and what it held) against `deadline_ms`, as of `now_ms`.
pub fn service(
    ordered: &BTreeMap<Sku, u32>,
    shipments: &[(i64, &BTreeMap<Sku, u32>)],
    deadline_ms: i64,
    now_ms: i64,
) -> Service {
    let mut shipped: BTreeMap<&Sku, u32> = BTreeMap::new();
    let mut by_deadline: BTreeMap<&Sku, u32> = BTreeMap::new();
    for (at_ms, lines) in shipments {
        for (sku, quantity) in lines.iter() {
            *shipped.entry(sku).or_default() += quantity;
            if *at_ms <= deadline_ms {
                *by_deadline.entry(sku).or_default() += quantity;
            }
        }
    }
    let capped = |counts: &BTreeMap<&Sku, u32>| -> u64 {
        ordered
            .iter()
            .map(|(sku, want)| u64::from(counts.get(sku).copied().unwrap_or(0).min(*want)))
            .sum()
    };
    let ordered_units: u64 = ordered.values().map(|q| u64::from(*q)).sum();
    let shipped_units = capped(&shipped);
    let on_time_units = capped(&by_deadline);
    let in_full = ordered_units > 0 && shipped_units == ordered_units;
    Service {
        ordered_units,
        shipped_units,
        on_time_units,
        judged: in_full || now_ms > deadline_ms,
        on_time: shipments
            .iter()
            .map(|(at, _)| *at)
            .min()
            .is_some_and(|first| first <= deadline_ms),
        in_full,
        otif: ordered_units > 0 && on_time_units == ordered_units,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::inventory::StockLevel;
    use crate::money::{Currency, Money};
    use crate::order::RequestId;
    use crate::price_book::PriceSource;
    use crate::pricing::{PricedLine, PricedOrder};
    use crate::product::LocalizedText;

    fn wh(id: &str) -> WarehouseId {
        WarehouseId::parse(id).unwrap()
    }

    fn sku(id: &str) -> Sku {
        Sku::parse(id).unwrap()
    }

    fn order(number: u32, lines: &[(&str, u32)]) -> OrderConfirmation {
        let money = Money::zero(Currency::Cny);
        OrderConfirmation {
            request_id: RequestId::from_random_bytes([number as u8; 16]),
            number: format!("DH-{number:06}"),
            state: OrderState::Confirmed,
            priced: PricedOrder {
                lines: lines
                    .iter()
                    .map(|(code, quantity)| PricedLine {
                        sku: sku(code),
                        name: LocalizedText::default(),
                        quantity: *quantity,
                        unit_price: money,
                        line_total: money,
                        price_source: PriceSource::List,
                    })
                    .collect(),
                refused: vec![],
                total: money,
            },
            changes: vec![],
            placed_at_ms: 0,
            history: vec![],
            quote: None,
            allocations: vec![],
            backordered: BTreeMap::new(),
            shipments: vec![],
            returns: vec![],
            edits: vec![],
            pickup: false,
        }
    }

    fn stock(levels: &[(&str, &str, u32)]) -> Inventory {
        let mut inventory = Inventory::default();
        for (warehouse, code, on_hand) in levels {
            inventory.levels.insert(
                (wh(warehouse), sku(code)),
                StockLevel {
                    on_hand: *on_hand,
                    reserved: 0,
                    safety: 0,
                },
            );
        }
        inventory
    }

    fn confirm(order: &mut OrderConfirmation, inventory: &mut Inventory) {
        crate::order::reserve_stock(order, inventory, &[wh("north")], 0);
    }

    fn ship_request(lines: &[(&str, u32)]) -> ShipRequest {
        ShipRequest {
            warehouse: wh("north"),
            carrier: "SF".into(),
            tracking: "SF123".into(),
            lines: lines.iter().map(|(c, q)| (sku(c), *q)).collect(),
            fee: None,
        }
    }

    #[test]
    fn thirty_ordered_ten_in_stock_ships_ten_then_the_rest_when_stock_arrives() {
        let mut inventory = stock(&[("north", "TEA", 10)]);
        let mut order = order(1, &[("TEA", 30)]);
        confirm(&mut order, &mut inventory);
        assert_eq!(order.backordered, [(sku("TEA"), 20)].into());
        assert_eq!(inventory.level(&wh("north"), &sku("TEA")).reserved, 10);

        let first = ship(
            &mut order,
            &mut inventory,
            &ship_request(&[("TEA", 10)]),
            "cang",
            5,
        )
        .unwrap();
        assert_eq!(first.number, "DH-000001-1");
        assert_eq!(order.state, OrderState::PartiallyShipped);
        assert_eq!(
            inventory.level(&wh("north"), &sku("TEA")),
            StockLevel::default()
        );
        // Nothing more is reserved: a second shipment now is refused.
        assert_eq!(
            ship(
                &mut order,
                &mut inventory,
                &ship_request(&[("TEA", 1)]),
                "cang",
                6
            ),
            Err(FulfilError::NotReserved {
                sku: sku("TEA"),
                warehouse: wh("north"),
                wanted: 1,
                reserved: 0
            })
        );

        inventory.receive(&wh("north"), &sku("TEA"), 50).unwrap();
        let reserved = allocate_waiting(&mut order, &mut inventory, &[wh("north")], "server", 7);
        assert_eq!(reserved, [(sku("TEA"), 20)].into());
        assert!(order.backordered.is_empty());
        assert_eq!(order.state, OrderState::PartiallyShipped);
        ship(
            &mut order,
            &mut inventory,
            &ship_request(&[("TEA", 20)]),
            "cang",
            8,
        )
        .unwrap();
        assert_eq!(order.state, OrderState::Shipped);
        assert_eq!(order.shipments.len(), 2);
        assert_eq!(
            inventory.level(&wh("north"), &sku("TEA")),
            StockLevel {
                on_hand: 30,
                reserved: 0,
                safety: 0
            }
        );
        assert!(outstanding(&order).is_empty());
    }

    #[test]
    fn an_order_is_delivered_when_its_last_shipment_arrives() {
        let mut inventory = stock(&[("north", "TEA", 10)]);
        let mut order = order(5, &[("TEA", 10)]);
        confirm(&mut order, &mut inventory);
        ship(
            &mut order,
            &mut inventory,
            &ship_request(&[("TEA", 4)]),
            "c",
            1,
        )
        .unwrap();
        deliver_shipment(&mut order, 1, "c", 2).unwrap();
        assert_eq!(order.state, OrderState::PartiallyShipped);
        assert_eq!(order.shipments[0].delivered_ms, Some(2));
        assert_eq!(
            deliver_shipment(&mut order, 1, "c", 3),
            Err(FulfilError::AlreadyDelivered {
                number: "DH-000005-1".into()
            })
        );
        assert_eq!(
            deliver_shipment(&mut order, 2, "c", 3),
            Err(FulfilError::UnknownShipment { index: 2 })
        );
        ship(
            &mut order,
            &mut inventory,
            &ship_request(&[("TEA", 6)]),
            "c",
            4,
        )
        .unwrap();
        assert_eq!(order.state, OrderState::Shipped);
        deliver_shipment(&mut order, 2, "c", 5).unwrap();
        assert_eq!(order.state, OrderState::Delivered);
    }

    #[test]
    fn a_shipment_cannot_take_more_than_ordered_or_leave_without_a_carrier() {
        let mut inventory = stock(&[("north", "TEA", 10)]);
        let mut order = order(2, &[("TEA", 4)]);
        confirm(&mut order, &mut inventory);
        let mut too_many = ship_request(&[("TEA", 5)]);
        assert!(matches!(
            ship(&mut order, &mut inventory, &too_many, "c", 1),
            Err(FulfilError::MoreThanOrdered { left: 4, .. })
        ));
        too_many.lines = [(sku("TEA"), 4)].into();
        too_many.carrier = "  ".into();
        assert_eq!(
            ship(&mut order, &mut inventory, &too_many, "c", 1),
            Err(FulfilError::NoCarrier)
        );
        assert_eq!(
            ship(&mut order, &mut inventory, &ship_request(&[]), "c", 1),
            Err(FulfilError::NothingToShip)
        );
        assert_eq!(order.state, OrderState::Confirmed);
        assert_eq!(inventory.level(&wh("north"), &sku("TEA")).reserved, 4);
    }

    #[test]
    fn release_returns_a_held_order_to_where_it_was() {
        let mut inventory = stock(&[("north", "TEA", 10)]);
        let mut order = order(3, &[("TEA", 4)]);
        confirm(&mut order, &mut inventory);
        allocate(&mut order, &mut inventory, &[wh("north")], "c", 1, "").unwrap();
        assert_eq!(order.state, OrderState::Allocated);
        step(&mut order, OrderEvent::Hold, "kf", 2, "call the shop").unwrap();
        step(&mut order, OrderEvent::Release, "kf", 3, "called").unwrap();
        assert_eq!(order.state, OrderState::Allocated);
        let error = step(&mut order, OrderEvent::Deliver, "kf", 4, "").unwrap_err();
        let FulfilError::NotNow { possible, .. } = error else {
            panic!("{error:?}")
        };
        assert!(possible.contains(&OrderEvent::StartPicking));
        assert!(possible.contains(&OrderEvent::Cancel));
        assert!(!possible.contains(&OrderEvent::Deliver));
    }

    #[test]
    fn a_stock_count_below_what_is_reserved_is_refused() {
        let mut inventory = stock(&[("north", "TEA", 10)]);
        let mut order = order(4, &[("TEA", 6)]);
        confirm(&mut order, &mut inventory);
        assert_eq!(
            inventory.count(&wh("north"), &sku("TEA"), 5, None),
            Err(crate::inventory::StockError::BelowReserved {
                counted: 5,
                reserved: 6
            })
        );
        inventory
            .count(&wh("north"), &sku("TEA"), 6, Some(0))
            .unwrap();
        assert_eq!(inventory.level(&wh("north"), &sku("TEA")).on_hand, 6);
    }

    #[derive(Debug, Clone)]
    enum Step {
        Allocate(usize),
        Ship(usize, u32),
        Cancel(usize),
        Receive(u32),
        Count(u32),
        /// A return of the order's shipped goods: so many good, so many damaged.
        Return(usize, u32, u32),
    }

    fn steps() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..4).prop_map(Step::Allocate),
            (0usize..4, 0u32..15).prop_map(|(o, q)| Step::Ship(o, q)),
            (0usize..4).prop_map(Step::Cancel),
            (0u32..20).prop_map(Step::Receive),
            (0u32..40).prop_map(Step::Count),
            (0usize..4, 0u32..6, 0u32..3).prop_map(|(o, g, d)| Step::Return(o, g, d)),
        ]
    }

    proptest! {
        /// Reservations and on-hand stock are conserved across any sequence: reserved stock
        /// equals the orders' allocations, on hand is what was there plus what arrived and
        /// was counted minus what shipped, and no order ships more than it asked for.
        #[test]
        fn reservations_and_stock_are_conserved(
            start in 0u32..30,
            quantities in proptest::collection::vec(1u32..20, 4),
            sequence in proptest::collection::vec(steps(), 0..40),
        ) {
            let near = [wh("north")];
            let mut inventory = stock(&[("north", "TEA", start)]);
            let mut orders: Vec<OrderConfirmation> = quantities
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let mut o = order(i as u32 + 1, &[("TEA", *q)]);
                    confirm(&mut o, &mut inventory);
                    o
                })
                .collect();
            let mut expected_on_hand = start;
            for step in sequence {
                match step {
                    Step::Allocate(i) => {
                        allocate_waiting(&mut orders[i], &mut inventory, &near, "t", 1);
                    }
                    Step::Ship(i, quantity) => {
                        if ship(&mut orders[i], &mut inventory, &ship_request(&[("TEA", quantity)]), "t", 1).is_ok() {
                            expected_on_hand -= quantity;
                        }
                    }
                    Step::Cancel(i) => {
                        let _ = cancel(&mut orders[i], &mut inventory, "t", 1, "");
                    }
                    Step::Receive(quantity) => {
                        inventory.receive(&near[0], &sku("TEA"), quantity).unwrap();
                        expected_on_hand += quantity;
                    }
                    Step::Count(on_hand) => {
                        if inventory.count(&near[0], &sku("TEA"), on_hand, None).is_ok() {
                            expected_on_hand = on_hand;
                        }
                    }
                    Step::Return(i, good, damaged) => {
                        let order = &mut orders[i];
                        let asked = good + damaged;
                        let request = crate::returns::ReturnRequest {
                            id: RequestId::from_random_bytes([order.returns.len() as u8 + 100; 16]),
                            shop: crate::sku::ShopId::parse("kiwi").unwrap(),
                            returns: order.request_id.clone(),
                            lines: vec![crate::returns::ReturnLine {
                                sku: sku("TEA"),
                                quantity: asked,
                                reason: crate::returns::ReturnReason::Damaged,
                            }],
                            remedy: crate::returns::Remedy::Refund,
                            note: String::new(),
                            placed_at_ms: 1,
                            placed_by: "t".into(),
                        };
                        let index = crate::returns::open(order, &request, 1);
                        let id = order.returns[index].id.to_string();
                        let approve = crate::returns::Decision { approve: true, quantities: None, remedy: None, note: String::new() };
                        if crate::returns::decide(order, &id, &approve, "t", 1).is_ok() {
                            let received = [(sku("TEA"), crate::returns::Received { good, damaged })].into_iter().collect();
                            crate::returns::receive(order, &mut inventory, &id, &near[0], &received, ("t", 1), "").unwrap();
                            expected_on_hand += good;
                        }
                    }
                }
                let level = inventory.level(&near[0], &sku("TEA"));
                let allocated: u32 = orders.iter().flat_map(|o| &o.allocations).map(|a| a.quantity).sum();
                prop_assert_eq!(level.reserved, allocated);
                prop_assert_eq!(level.on_hand, expected_on_hand);
                prop_assert!(level.reserved <= level.on_hand);
                for (o, asked) in orders.iter().zip(&quantities) {
                    let shipped = shipped_quantities(o).get(&sku("TEA")).copied().unwrap_or(0);
                    let reserved: u32 = o.allocations.iter().map(|a| a.quantity).sum();
                    let waiting = o.backordered.get(&sku("TEA")).copied().unwrap_or(0);
                    prop_assert!(shipped <= *asked);
                    let returned: u32 = o.returns.iter().flat_map(|r| &r.lines).map(|l| l.received()).sum();
                    prop_assert!(returned <= shipped);
                    if o.state != OrderState::Cancelled {
                        prop_assert_eq!(shipped + reserved + waiting, *asked);
                    }
                }
            }
        }
    }

    #[test]
    fn an_order_is_on_time_and_in_full_only_when_all_of_it_left_by_the_deadline() {
        let tea = Sku::parse("TEA").unwrap();
        let cup = Sku::parse("CUP").unwrap();
        let ordered: BTreeMap<Sku, u32> = [(tea.clone(), 10), (cup.clone(), 2)].into();
        let first: BTreeMap<Sku, u32> = [(tea.clone(), 6)].into();
        let rest: BTreeMap<Sku, u32> = [(tea.clone(), 4), (cup.clone(), 3)].into();
        // Part by the deadline, the rest after it.
        let late = service(&ordered, &[(100, &first), (300, &rest)], 200, 400);
        assert_eq!(
            (late.ordered_units, late.shipped_units, late.on_time_units),
            (12, 12, 6)
        );
        assert!(late.judged && late.on_time && late.in_full && !late.otif);
        // All of it by the deadline (a third cup shipped counts as the two ordered).
        let fine = service(&ordered, &[(100, &first), (150, &rest)], 200, 400);
        assert!(fine.otif && fine.on_time && fine.in_full);
        // Nothing yet: not judged before the deadline, late after it.
        let waiting = service(&ordered, &[], 200, 150);
        assert!(!waiting.judged);
        let missed = service(&ordered, &[], 200, 250);
        assert!(missed.judged && !missed.on_time && !missed.in_full && !missed.otif);
    }
}
