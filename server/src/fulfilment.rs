//! Order events and fulfilment as transactions. A step on one order (hold, release,
//! allocate, start picking, pack, ship part of it, deliver, complete, cancel) or an arrival
//! of stock changes, at once: the order and its history, the stock it reserves or takes,
//! the movements of stock, the shop's status document (where its devices see it) and the
//! shop's balances. The rules themselves are `domain::fulfilment`'s.
//!
//! Locks are taken orders first (by request id), then stock (by SKU), so two transactions
//! touching the same orders and stock never wait on each other in a circle.

use std::collections::{BTreeMap, BTreeSet};

use automerge::ActorId;
use axum::http::StatusCode;
use docs::schema::doc_id::DocId;
use docs::schema::order_status_doc::put_confirmations;
use docs::schema::price_doc::{write_account, write_profile};
use domain::checkout::{ShopProfile, refund_balances};
use domain::credit::PaymentTerms;
use domain::fulfilment::{self, FulfilError, ShipRequest, ShipmentRecord};
use domain::inventory::{Inventory, PendingOrder};
use domain::ledger::{AccountSummary, EntryKind};
use domain::money::Money;
use domain::order::{HistoryFact, OrderConfirmation, RequestId, StatusEvent};
use domain::order_state::{OrderEvent, OrderState};
use domain::returns::{self, Decision, Received, Remedy, ReturnError, ReturnRecord, ReturnRequest};
use domain::sku::{ShopId, Sku, WarehouseId};

use crate::app_error::AppError;
use crate::ledger;
use crate::store::documents::{self, DocCache};
use crate::store::returns as store_returns;
use crate::store::{Tx, carriers, catalog, commerce, customers, money, orders, stock};

/// What is done to an order.
#[derive(Debug, Clone)]
pub enum Action {
    /// A lifecycle event with the reason given for it.
    Event(OrderEvent, String),
    /// A shipment of exactly these quantities.
    Ship(ShipRequest),
    /// This order's part of a parcel shared with the shipments `with` of the shop's other
    /// orders: its fee is its share of the parcel's, as given (no carrier rule applies).
    ShipInParcel {
        request: ShipRequest,
        with: Vec<String>,
    },
    /// A line in the order's history that changes nothing else (a shop asking to cancel
    /// once picking started).
    Note(HistoryFact),
    /// The shop cancels it (before picking), saying why.
    ShopCancel(String),
    /// The shop accepts the order held for its OK: released to where it was held.
    ShopAccept,
    /// The shop did not answer in time: the order held for its OK is cancelled.
    NotAnswered,
    /// The order's shipment of this index (1 for the first) arrived.
    Delivered(usize),
    /// A shop's request to return goods of the order (taken in once).
    OpenReturn(ReturnRequest),
    /// Customer service approves (all or part of) or declines the return named.
    DecideReturn(String, Decision),
    /// What of the return named came back to a warehouse.
    ReceiveReturn {
        id: String,
        warehouse: WarehouseId,
        received: BTreeMap<Sku, Received>,
        note: String,
    },
    /// The return named is refunded, credited or replaced (none: as agreed).
    SettleReturn {
        id: String,
        remedy: Option<Remedy>,
        note: String,
    },
}

/// Where the transaction writes: the document cache and the server's Automerge actor.
#[derive(Clone, Copy)]
pub struct Docs<'a> {
    pub cache: &'a DocCache,
    pub actor: &'a ActorId,
}

/// The order's last history line says `fact` (what the system did, worded by each screen).
fn with_fact(order: &mut domain::order::OrderConfirmation, by: &str, fact: HistoryFact) {
    if let Some(last) = order.history.last_mut() {
        *last = StatusEvent::fact(last.state, last.at_ms, by, fact);
    }
}

/// An order's request id from what people call it: its number (`DH-000042`, `42`) or
/// its request id. 404 when there is no such order.
pub fn resolve(tx: &mut Tx<'_>, id: &str) -> Result<String, AppError> {
    let id = id.trim();
    if RequestId::parse(id).is_ok() {
        return Ok(id.to_owned());
    }
    orders::by_number(tx, &orders::normalize_number(id))?.ok_or_else(|| unknown_order(id))
}

fn unknown_order(id: &str) -> AppError {
    AppError::client(
        StatusCode::NOT_FOUND,
        "unknown_order",
        format!("no order {}", id.chars().take(40).collect::<String>()),
    )
}

/// A refused step of a return: 404 when there is no such return, else a 409 whose
/// detail says why and what is possible instead.
pub fn refused_return(error: ReturnError) -> AppError {
    let (status, code) = match error {
        ReturnError::UnknownReturn { .. } => (StatusCode::NOT_FOUND, "unknown_return"),
        ReturnError::NotNow { .. } => (StatusCode::CONFLICT, "illegal_transition"),
        _ => (StatusCode::CONFLICT, "not_returnable"),
    };
    AppError::detailed(status, code, error.to_string(), &error)
}

/// A refused step as a 409 whose detail says why and what is possible instead.
pub fn refused(error: FulfilError) -> AppError {
    let code = match error {
        FulfilError::NotNow { .. } => "illegal_transition",
        _ => "not_fulfillable",
    };
    AppError::detailed(StatusCode::CONFLICT, code, error.to_string(), &error)
}

/// The SKUs an order's stock is counted in: what it asks for, reserves and waits for.
fn skus_of(order: &OrderConfirmation) -> BTreeSet<Sku> {
    fulfilment::ordered_quantities(order)
        .into_keys()
        .chain(order.allocations.iter().map(|a| a.sku.clone()))
        .chain(order.backordered.keys().cloned())
        .collect()
}

/// What applying an action changed, for the caller to publish: the order (to its shop's
/// status document of `volume`), the shipment it made, and the shop's profile when its
/// balances moved (to its prices document).
#[derive(Debug)]
pub struct Applied {
    pub shop: ShopId,
    pub volume: u32,
    pub order: OrderConfirmation,
    pub shipment: Option<ShipmentRecord>,
    pub profile: Option<ShopProfile>,
    /// The index of the return the action touched, among the order's returns.
    pub touched_return: Option<usize>,
    /// The shop's account when money moved (an invoice, a due date, a credit, a refund).
    pub account: Option<AccountSummary>,
}

/// Applies `action` by `by` to the order `id` names and publishes it. Returns the order as
/// it now is and the shipment the action made, if any.
pub fn act(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    by: &str,
    id: &str,
    action: Action,
) -> Result<(OrderConfirmation, Option<ShipmentRecord>), AppError> {
    let applied = act_on(tx, docs, by, id, action)?;
    Ok((applied.order, applied.shipment))
}

/// [`act`], answering everything the action changed.
pub fn act_on(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    by: &str,
    id: &str,
    action: Action,
) -> Result<Applied, AppError> {
    let request_id = resolve(tx, id)?;
    let applied = apply(tx, by, &request_id, action)?;
    publish_applied(tx, docs, &applied)?;
    Ok(applied)
}

/// Writes what an action changed into the shop's documents: the order into its status
/// document, the profile (when its balances moved) into its prices document.
pub fn publish_applied(tx: &mut Tx<'_>, docs: Docs<'_>, applied: &Applied) -> Result<(), AppError> {
    publish_status(tx, docs, &applied.shop, applied.volume, &applied.order)?;
    if let Some(profile) = &applied.profile {
        documents::edit(
            tx,
            docs.cache,
            &DocId::ShopPrices(applied.shop.clone()),
            docs.actor,
            |doc| {
                write_profile(doc, profile)?;
                match &applied.account {
                    Some(account) => write_account(doc, account),
                    None => Ok(()),
                }
            },
        )?;
    }
    Ok(())
}

/// Names the replacement order `number` on the return at `index` of the order
/// `request_id`, and publishes the order.
pub fn set_replacement(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    request_id: &str,
    index: usize,
    number: &str,
) -> Result<OrderConfirmation, AppError> {
    let Some((shop, volume, mut order)) = orders::confirmation(tx, request_id)? else {
        return Err(unknown_order(request_id));
    };
    let Some(record) = order.returns.get_mut(index) else {
        return Err(anyhow::anyhow!("order {request_id} has no return {index}").into());
    };
    record.replacement = Some(number.to_owned());
    orders::update(tx, &order)?;
    publish_status(tx, docs, &shop, volume, &order)?;
    Ok(order)
}

/// Applies `action` by `by` to the order `request_id`: the order, its history, its stock,
/// its shipments and its shop's balances, in the tables. The documents are the caller's
/// to write ([`act`] does; a sync writes the copies it holds).
pub fn apply(
    tx: &mut Tx<'_>,
    by: &str,
    request_id: &str,
    action: Action,
) -> Result<Applied, AppError> {
    let Some((shop, volume, mut order)) = orders::confirmation(tx, request_id)? else {
        return Err(unknown_order(request_id));
    };
    let before = stock::levels(tx, &skus_of(&order))?;
    let mut inventory = before.clone();
    let nearest = catalog::nearest_warehouses(tx, &shop)?;
    let terms = commerce::terms_of(&commerce::stored_profile(tx, &shop)?);
    let owed_before = commerce::owed_by(&order, terms)?;
    let history_len = order.history.len();
    let now = tx.now_ms;
    let mut shipment = None;
    let cancelled = matches!(
        action,
        Action::Event(OrderEvent::Cancel, _) | Action::ShopCancel(_) | Action::NotAnswered
    );
    let mut touched_return = None;
    let mut settled = None;
    let mut move_kind = "ship";
    match &action {
        Action::Event(OrderEvent::Cancel, why) => {
            fulfilment::cancel(&mut order, &mut inventory, by, now, why).map_err(refused)
        }
        Action::Event(OrderEvent::Allocate, why) => {
            fulfilment::allocate(&mut order, &mut inventory, &nearest, by, now, why)
                .map_err(refused)
        }
        Action::Event(OrderEvent::Ship | OrderEvent::ShipPart, _) => {
            return Err(AppError::bad_request(
                "ship_with_quantities",
                "a shipment is recorded with its warehouse, carrier and quantities: POST /api/orders/{number}/shipments",
            ));
        }
        Action::Event(event, why) => {
            fulfilment::step(&mut order, *event, by, now, why).map_err(refused)
        }
        Action::Ship(request) => {
            let request = with_rule_fee(tx, request)?;
            fulfilment::ship(&mut order, &mut inventory, &request, by, now)
                .map(|made| {
                    shipment = Some(made);
                })
                .map_err(refused)
        }
        Action::ShipInParcel { request, with } => {
            fulfilment::ship(&mut order, &mut inventory, request, by, now)
                .map(|mut made| {
                    made.shipped_with = with.clone();
                    if let Some(last) = order.shipments.last_mut() {
                        last.shipped_with = with.clone();
                    }
                    shipment = Some(made);
                })
                .map_err(refused)
        }
        Action::Delivered(index) => {
            fulfilment::deliver_shipment(&mut order, *index, by, now).map_err(refused)
        }
        Action::Note(fact) => {
            order
                .history
                .push(StatusEvent::fact(order.state, now, by, fact.clone()));
            Ok(())
        }
        Action::ShopCancel(reason) => fulfilment::cancel(&mut order, &mut inventory, by, now, "")
            .map(|()| {
                let fact = HistoryFact::CancelledByShop {
                    reason: reason.clone(),
                };
                with_fact(&mut order, by, fact);
            })
            .map_err(refused),
        Action::ShopAccept | Action::NotAnswered if order.awaiting_shop_until().is_none() => {
            Err(AppError::client(
                axum::http::StatusCode::CONFLICT,
                "not_awaiting_shop",
                "the order is not waiting for the shop's OK",
            ))
        }
        Action::ShopAccept => fulfilment::step(&mut order, OrderEvent::Release, by, now, "")
            .map(|()| with_fact(&mut order, by, HistoryFact::ShopAccepted))
            .map_err(refused),
        Action::NotAnswered => fulfilment::cancel(&mut order, &mut inventory, by, now, "")
            .map(|()| with_fact(&mut order, by, HistoryFact::NotAnswered))
            .map_err(refused),
        Action::OpenReturn(request) => {
            touched_return = Some(returns::open(&mut order, request, now));
            Ok(())
        }
        Action::DecideReturn(id, decision) => returns::decide(&mut order, id, decision, by, now)
            .map(|index| touched_return = Some(index))
            .map_err(refused_return),
        Action::ReceiveReturn {
            id,
            warehouse,
            received,
            note,
        } => {
            move_kind = "return";
            returns::receive(
                &mut order,
                &mut inventory,
                id,
                warehouse,
                received,
                (by, now),
                note,
            )
            .map(|index| touched_return = Some(index))
            .map_err(refused_return)
        }
        Action::SettleReturn { id, remedy, note } => {
            returns::settle(&mut order, id, *remedy, by, now, note)
                .map(|(value, remedy, index)| {
                    touched_return = Some(index);
                    settled = Some((value, remedy, index));
                })
                .map_err(refused_return)
        }
    }?;
    stock::save(tx, &before, &inventory)?;
    let reference = match (&shipment, touched_return) {
        (Some(s), _) => s.number.clone(),
        (None, Some(index)) => order.returns[index].number.clone(),
        (None, None) => order.number.clone(),
    };
    stock::record_moves(tx, &before, &inventory, move_kind, &reference, by, "")?;
    let mut money_moved = false;
    if let Some(shipment) = &shipment {
        orders::add_shipment(tx, &shop, request_id, shipment)?;
        money_moved |= ledger::invoice_shipment(tx, (&shop, terms), &order, by)?.is_some();
        crate::referrals::accrue(tx, &shop, &order)?;
    }
    if let Action::Delivered(index) = action {
        money_moved |= ledger::due_on_delivery(tx, &order, index)?;
    }
    if let Some(index) = touched_return {
        store_returns::save(tx, &order.returns[index])?;
    }
    save_order_rows(tx, &order, history_len)?;
    let mut profile = settle_balances(tx, &shop, (owed_before, terms), &order, (cancelled, by))?;
    if let Some((value, remedy, index)) = settled
        && let Some(moved) = pay_back(
            tx,
            (&shop, request_id),
            by,
            &order.returns[index],
            value,
            remedy,
        )?
    {
        profile = Some(moved);
        money_moved = true;
    }
    money_moved |= cancelled;
    if money_moved && profile.is_none() {
        profile = Some(commerce::ordering_profile(tx, &shop)?);
    }
    let account = if money_moved {
        Some(ledger::account_summary(tx, &shop)?)
    } else {
        None
    };
    Ok(Applied {
        shop,
        volume,
        order,
        shipment,
        profile,
        touched_return,
        account,
    })
}

/// Gives back the value of a settled return: to the shop's prepaid balance (a refund), or
/// as a credit on its account (it owes that much less); a replacement moves no money
/// (the goods are sent again at no charge). Each move is an account entry. Returns the
/// shop's profile to publish.
fn pay_back(
    tx: &mut Tx<'_>,
    (shop, request_id): (&ShopId, &str),
    by: &str,
    record: &ReturnRecord,
    value: Money,
    remedy: Remedy,
) -> Result<Option<ShopProfile>, AppError> {
    if value.is_zero() || remedy == Remedy::Replace {
        return Ok(None);
    }
    let mut profile = commerce::stored_profile(tx, shop)?;
    let Some(account) = profile.account.as_mut() else {
        return Err(refused_return(ReturnError::NoAccount));
    };
    let to_prepaid = remedy == Remedy::Refund;
    let reason = format!("退货 {} return", record.number);
    let amount = value.amount().to_string();
    if to_prepaid {
        account.prepaid_balance = account
            .prepaid_balance
            .checked_add(value)
            .map_err(anyhow::Error::from)?;
        let balance = account.prepaid_balance.amount().to_string();
        commerce::set_profile(tx, shop, &profile)?;
        customers::add_entry(
            tx,
            shop,
            (tx.now_ms, by),
            "prepaid",
            (&amount, &balance),
            &reason,
        )?;
    } else {
        ledger::credit_return(tx, shop, request_id, (value, &record.number), by)?;
    }
    Ok(Some(commerce::ordering_profile(tx, shop)?))
}

/// `request` with its fee: as given, or what the rule of the carrier it names charges
/// for its weight.
fn with_rule_fee(tx: &mut Tx<'_>, request: &ShipRequest) -> Result<ShipRequest, AppError> {
    let mut request = request.clone();
    if request.fee.is_none() {
        let grams = grams_of(tx, std::slice::from_ref(&request.lines))?;
        request.fee = rule_fee(tx, &request.carrier, grams.iter().sum())?;
    }
    Ok(request)
}

/// What the rule of the carrier named charges for `grams`; none without a rule.
fn rule_fee(tx: &mut Tx<'_>, carrier: &str, grams: u64) -> Result<Option<Money>, AppError> {
    let name = carrier.trim();
    Ok(carriers::list(tx)?
        .into_iter()
        .find(|rule| rule.name == name)
        .and_then(|rule| rule.fee(grams).ok()))
}

/// The weight in grams of each of `shipments` (SKU → units).
fn grams_of(tx: &mut Tx<'_>, shipments: &[BTreeMap<Sku, u32>]) -> Result<Vec<u64>, AppError> {
    let weights = catalog::weights(tx, shipments.iter().flat_map(|lines| lines.keys()))?;
    Ok(shipments
        .iter()
        .map(|lines| {
            lines
                .iter()
                .map(|(sku, quantity)| {
                    u64::from(weights.get(sku).copied().unwrap_or(0)) * u64::from(*quantity)
                })
                .sum()
        })
        .collect())
}

/// The most orders one parcel holds.
const PARCEL_ORDERS_MAX: usize = 50;

/// Ships one parcel from one warehouse holding (part of) several orders of one shop: one
/// carrier, one tracking number, one fee (as given, or the carrier's rule for the whole
/// parcel's weight) shared by the orders in proportion to their weight. Each order gets a
/// shipment naming the others; all of it or nothing (a refusal names the order).
pub fn ship_parcel(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    by: &str,
    parcel: &api::ParcelRequest,
) -> Result<api::ParcelShipped, AppError> {
    if parcel.orders.is_empty() || parcel.orders.len() > PARCEL_ORDERS_MAX {
        return Err(AppError::invalid("orders", "out_of_range"));
    }
    let mut ids = Vec::with_capacity(parcel.orders.len());
    for part in &parcel.orders {
        ids.push(resolve(tx, &part.order)?);
    }
    let found = lock_orders(tx, &ids)?;
    if found.len() != ids.len() {
        return Err(AppError::invalid("orders", "duplicate"));
    }
    let (first_shop, _) = &found[&ids[0]];
    if let Some((_, other)) = found.values().find(|(shop, _)| shop != first_shop) {
        return Err(AppError::client(
            StatusCode::CONFLICT,
            "different_shops",
            format!(
                "one parcel goes to one shop: {} is not {first_shop}'s",
                other.number
            ),
        ));
    }
    let numbers: Vec<String> = ids
        .iter()
        .map(|id| {
            let order = &found[id].1;
            format!("{}-{}", order.number, order.shipments.len() + 1)
        })
        .collect();
    let lines: Vec<BTreeMap<Sku, u32>> = parcel
        .orders
        .iter()
        .map(|part| {
            part.lines
                .iter()
                .filter(|(_, quantity)| **quantity > 0)
                .map(|(sku, quantity)| (sku.clone(), *quantity))
                .collect()
        })
        .collect();
    let grams = grams_of(tx, &lines)?;
    let fee = match parcel.fee {
        Some(fee) => Some(fee),
        None => rule_fee(tx, &parcel.carrier, grams.iter().sum())?,
    };
    let shares: Vec<Option<Money>> = match fee {
        Some(fee) => {
            let mut weights: Vec<rust_decimal::Decimal> =
                grams.iter().map(|g| (*g).into()).collect();
            if weights.iter().all(|w| w.is_zero()) {
                weights.fill(rust_decimal::Decimal::ONE);
            }
            fee.split(&weights)
                .map_err(|e| anyhow::anyhow!("a parcel's fee: {e}"))?
                .into_iter()
                .map(Some)
                .collect()
        }
        None => vec![None; ids.len()],
    };
    let mut shipped = Vec::with_capacity(ids.len());
    for (at, id) in ids.iter().enumerate() {
        let with: Vec<String> = numbers
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != at)
            .map(|(_, number)| number.clone())
            .collect();
        let request = ShipRequest {
            warehouse: parcel.warehouse.clone(),
            carrier: parcel.carrier.clone(),
            tracking: parcel.tracking.clone(),
            lines: lines[at].clone(),
            fee: shares[at],
        };
        let number = found[id].1.number.clone();
        let applied = apply(tx, by, id, Action::ShipInParcel { request, with })
            .map_err(|e| e.of_order(&number))?;
        publish_applied(tx, docs, &applied)?;
        shipped.push(api::Shipped {
            order: applied.order,
            shipment: applied
                .shipment
                .ok_or_else(|| anyhow::anyhow!("a parcel's order made no shipment"))?,
        });
    }
    Ok(api::ParcelShipped { shipped, fee })
}

/// Records that the order's shipment `index` arrived, and with it the shipments of the
/// other orders in the same parcel that had not arrived yet.
pub fn deliver(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    by: &str,
    id: &str,
    index: usize,
) -> Result<OrderConfirmation, AppError> {
    let request_id = resolve(tx, id)?;
    let partners = orders::peek(tx, &request_id)?
        .and_then(|order| {
            let at = index.checked_sub(1)?;
            order.shipments.get(at).map(|s| s.shipped_with.clone())
        })
        .unwrap_or_default();
    let mut others = Vec::new();
    for partner in partners {
        if let Some((number, at)) = fulfilment::shipment_place(&partner) {
            others.push((resolve(tx, number)?, at));
        }
    }
    lock_orders(
        tx,
        std::iter::once(&request_id).chain(others.iter().map(|(id, _)| id)),
    )?;
    let applied = act_on(tx, docs, by, &request_id, Action::Delivered(index))?;
    for (other, at) in others {
        let arrived = orders::confirmation(tx, &other)?
            .and_then(|(_, _, order)| order.shipments.get(at.saturating_sub(1)).cloned())
            .is_none_or(|s| s.delivered_ms.is_some());
        if !arrived {
            act_on(tx, docs, by, &other, Action::Delivered(at))?;
        }
    }
    Ok(applied.order)
}

/// Locks the orders `ids` in request-id order, then the stock they count in, in SKU order
/// (as every transaction here takes them), before a step over several orders. Answers
/// them by request id.
fn lock_orders<'a>(
    tx: &mut Tx<'_>,
    ids: impl IntoIterator<Item = &'a String>,
) -> Result<BTreeMap<String, (ShopId, OrderConfirmation)>, AppError> {
    let ids: BTreeSet<&String> = ids.into_iter().collect();
    let mut found = BTreeMap::new();
    for id in ids {
        let Some((shop, _, order)) = orders::confirmation(tx, id)? else {
            return Err(unknown_order(id));
        };
        found.insert(id.clone(), (shop, order));
    }
    let skus: BTreeSet<Sku> = found.values().flat_map(|(_, o)| skus_of(o)).collect();
    stock::levels(tx, &skus)?;
    Ok(found)
}

/// Writes a changed order's row and its new history entries.
fn save_order_rows(
    tx: &mut Tx<'_>,
    order: &OrderConfirmation,
    history_len: usize,
) -> Result<(), AppError> {
    orders::update(tx, order)?;
    for event in order.history.iter().skip(history_len) {
        orders::add_event(
            tx,
            order.request_id.as_str(),
            event.state,
            event.at_ms,
            &event.actor,
            &event.reason,
        )?;
    }
    Ok(())
}

/// Writes a changed order: its row, its new history entries and its shop's status document.
fn save_order(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    shop: &ShopId,
    volume: u32,
    order: &OrderConfirmation,
    history_len: usize,
) -> Result<(), AppError> {
    save_order_rows(tx, order, history_len)?;
    publish_status(tx, docs, shop, volume, order)
}

/// Writes `order` into its shop's status document of `volume`, where its devices see it.
fn publish_status(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    shop: &ShopId,
    volume: u32,
    order: &OrderConfirmation,
) -> Result<(), AppError> {
    documents::edit(
        tx,
        docs.cache,
        &DocId::OrderStatus(shop.clone(), volume),
        docs.actor,
        |doc| put_confirmations(doc, std::slice::from_ref(order)),
    )?;
    Ok(())
}

/// An order that is no longer open stops counting in what its shop owes; a cancelled one
/// gives back the points and prepaid balance it took. Returns the shop's profile to publish
/// when it changed.
fn settle_balances(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    (owed_before, terms): (Money, PaymentTerms),
    order: &OrderConfirmation,
    (cancelled, by): (bool, &str),
) -> Result<Option<ShopProfile>, AppError> {
    let mut profile = commerce::profile(tx, shop)?;
    let mut republish = false;
    let owed_after = commerce::owed_by(order, terms)?;
    if owed_after != owed_before && profile.account.is_some() {
        let delta = owed_after
            .checked_sub(owed_before)
            .map_err(anyhow::Error::from)?;
        commerce::add_unbilled(tx, shop, delta)?;
        republish = true;
    }
    if let (true, Some(quote)) = (cancelled, &order.quote) {
        let held = crate::order_intake::prepaid_of(&profile);
        let points = profile.points_balance;
        refund_balances(&mut profile, quote);
        commerce::set_profile(tx, shop, &profile)?;
        money::add_points_entry(
            tx,
            shop,
            by,
            (&order.number, "订单取消退回积分 order cancelled"),
            (points, profile.points_balance),
        )?;
        if let (Some(before), Some(after)) = (held, crate::order_intake::prepaid_of(&profile))
            && before != after
        {
            money::add_entry(
                tx,
                shop,
                by,
                EntryKind::Prepaid,
                (&order.number, "订单取消退回 order cancelled"),
                (
                    after.checked_sub(before).map_err(anyhow::Error::from)?,
                    after,
                ),
            )?;
        }
        republish = true;
    }
    Ok(if republish {
        Some(commerce::ordering_profile(tx, shop)?)
    } else {
        None
    })
}

/// What a stock change did: the orders it reserved stock for, by number.
#[derive(Debug, Default, serde::Serialize)]
pub struct Arrival {
    pub allocated: Vec<String>,
}

/// Changes the stock of `sku` with `change` (goods received, a count), then
/// reserves what arrived for the orders waiting for it, in priority order (tier, requested
/// date, order value, order time). Records the movement as `kind`.
#[allow(clippy::too_many_arguments)]
pub fn change_stock(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    by: &str,
    sku: &Sku,
    kind: &str,
    reference: &str,
    note: &str,
    change: impl FnOnce(&mut Inventory) -> Result<(), AppError>,
) -> Result<Arrival, AppError> {
    // The waiting orders first (locked in request-id order), then their stock.
    let mut waiting = Vec::new();
    for request_id in orders::waiting_for(tx, [sku])? {
        if let Some((shop, volume, order)) = orders::confirmation(tx, &request_id)? {
            waiting.push((shop, volume, order));
        }
    }
    let skus: BTreeSet<Sku> = std::iter::once(sku.clone())
        .chain(
            waiting
                .iter()
                .flat_map(|(_, _, order)| order.backordered.keys().cloned()),
        )
        .collect();
    let before = stock::levels(tx, &skus)?;
    let mut inventory = before.clone();
    change(&mut inventory)?;
    let changed = inventory.clone();

    let mut queue = Vec::new();
    let mut nearest_of: BTreeMap<ShopId, Vec<WarehouseId>> = BTreeMap::new();
    for (index, (shop, _, order)) in waiting.iter().enumerate() {
        if !nearest_of.contains_key(shop) {
            nearest_of.insert(shop.clone(), catalog::nearest_warehouses(tx, shop)?);
        }
        let pending = PendingOrder {
            id: order.request_id.to_string(),
            tier_rank: catalog::tier_rank(tx, shop)?,
            requested_delivery_ms: None,
            value: order
                .quote
                .as_ref()
                .map_or(order.priced.total, |q| q.total)
                .amount(),
            placed_ms: order.placed_at_ms,
            lines: Vec::new(),
            nearest_first: Vec::new(),
        };
        queue.push((pending, index));
    }
    queue.sort_by(|(a, _), (b, _)| a.priority().cmp(&b.priority()));
    let now = tx.now_ms;
    let mut arrival = Arrival::default();
    for (_, index) in queue {
        let (shop, volume, order) = &mut waiting[index];
        let history_len = order.history.len();
        let nearest = &nearest_of[&*shop];
        let reserved = fulfilment::allocate_waiting(order, &mut inventory, nearest, by, now);
        if !reserved.is_empty() {
            save_order(tx, docs, shop, *volume, order, history_len)?;
            arrival.allocated.push(order.number.clone());
        }
    }
    stock::save(tx, &before, &inventory)?;
    stock::record_moves(tx, &before, &changed, kind, reference, by, note)?;
    Ok(arrival)
}

/// The numbers of the open orders holding a reservation of `sku` in `warehouse` (what a
/// refused count names as the way forward).
pub fn holders(
    tx: &mut Tx<'_>,
    warehouse: &WarehouseId,
    sku: &Sku,
) -> Result<Vec<(String, u32)>, AppError> {
    let holding_states = [
        OrderState::Confirmed,
        OrderState::OnHold,
        OrderState::Allocated,
        OrderState::Picking,
        OrderState::Packed,
        OrderState::PartiallyShipped,
    ];
    Ok(
        orders::open_in_warehouse(tx, warehouse.as_str(), &holding_states, 10_000)?
            .into_iter()
            .filter_map(|(_, order)| {
                let quantity = fulfilment::reserved_in(&order, warehouse)
                    .get(sku)
                    .copied()?;
                Some((order.number, quantity))
            })
            .collect(),
    )
}
