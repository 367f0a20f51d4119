//! The orders the server applied (one row per request id, which makes intake exactly once),
//! their confirmed lines, their lifecycle events, order numbers, and the inbox of
//! rejected orders.

use std::collections::BTreeSet;

use anyhow::Context;
use domain::order::OrderConfirmation;
use domain::order_state::OrderState;
use domain::sku::{ShopId, Sku};

use super::reports::CostsAt;
use super::sql::{ROWS_PER_STATEMENT, StoreError, Tx, Value, row_marks};
use crate::params;

/// One row of values for [`insert_rows`].
macro_rules! row {
    ($($value:expr),+ $(,)?) => {
        [$(Value::from($value)),+]
    };
}

pub use api::OrderRow;

pub fn state_name(state: OrderState) -> String {
    state.name().to_owned()
}

/// Which of `request_ids` were applied already.
pub fn applied<'a>(
    tx: &mut Tx<'_>,
    request_ids: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeSet<String>, StoreError> {
    let mut applied = BTreeSet::new();
    for id in request_ids {
        if tx
            .value::<i64>("SELECT 1 FROM orders WHERE request_id = ?1", params![id])?
            .is_some()
        {
            applied.insert(id.to_owned());
        }
    }
    Ok(applied)
}

/// Numbers for `count` new orders: consecutive order sequence numbers and as many change
/// numbers ([`next_change`]), the first of each. One statement moves both counters; their
/// rows stay locked until the transaction ends, so numbers are never skipped or repeated,
/// and on PostgreSQL one round trip fewer is spent holding them.
pub fn take_numbers(tx: &mut Tx<'_>, count: usize) -> Result<Numbers, StoreError> {
    let (mut seq, mut change) = (None, None);
    for row in tx.rows(
        "UPDATE counters SET value = value + ?1 WHERE name IN ('order_seq', 'order_change')
         RETURNING name, value",
        params![count],
    )? {
        let (name, last): (String, i64) = (row.get(0)?, row.get(1)?);
        let first = last - i64::try_from(count).unwrap_or(0) + 1;
        match name.as_str() {
            "order_seq" => seq = Some(first),
            _ => change = Some(first),
        }
    }
    match (seq, change) {
        (Some(seq), Some(change)) => Ok(Numbers { seq, change }),
        _ => Err(StoreError::Database(
            "the order_seq or order_change counter is missing".into(),
        )),
    }
}

/// The first of the numbers [`take_numbers`] took.
#[derive(Debug, Clone, Copy)]
pub struct Numbers {
    /// The order sequence number (`DH-000123`).
    pub seq: i64,
    /// The change number ([`next_change`]).
    pub change: i64,
}

impl Numbers {
    /// The numbers of the order `offset` after the first.
    pub fn nth(self, offset: usize) -> Numbers {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        Numbers {
            seq: self.seq.saturating_add(offset),
            change: self.change.saturating_add(offset),
        }
    }
}

/// The number of a change to an order ([`Tx::next_of`] counter `order_change`): a reader of
/// "changes after N" never misses one committed later with a smaller number.
fn next_change(tx: &mut Tx<'_>) -> Result<i64, StoreError> {
    tx.next_of("order_change")
}

/// Who placed an order and through what.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub placed_by: &'a str,
    pub device: i64,
    /// `storefront`, `manager`, `office` or `import`.
    pub channel: &'a str,
    /// The warehouse the order ships from when nothing is reserved (the shop's nearest).
    pub home_warehouse: Option<&'a str>,
}

/// Records an answered request: the order (numbered by [`take_numbers`]), its confirmed
/// lines and its first events, written together ([`Tx::defer_writes`]: one statement on
/// PostgreSQL). `volume` is the order volume it was requested (and is answered) in;
/// `json` is the answer as `encode_confirmations` encoded it (the status document holds
/// the same text); `costs`, the cost prices at `now_ms` the caller already read
/// (`reports::costs_for`; the lines' other SKUs are read here).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    tx: &mut Tx<'_>,
    Numbers {
        seq,
        change: changed,
    }: Numbers,
    shop: &ShopId,
    volume: u32,
    (answer, json): (&OrderConfirmation, &str),
    origin: Origin<'_>,
    costs: &CostsAt,
    now_ms: i64,
) -> anyhow::Result<()> {
    let total = answer
        .quote
        .as_ref()
        .map_or(answer.priced.total, |q| q.total);
    let lines = line_rows(tx, shop, answer, costs, now_ms)?;
    // Written together (one statement on PostgreSQL), with whatever the caller defers.
    let started = tx.defer_writes();
    tx.write(
        "INSERT INTO orders (seq, request_id, number, shop, state, total, placed_by, device, received_ms, confirmation, volume, channel, changed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            seq,
            answer.request_id.as_str(),
            answer.number.as_str(),
            shop.as_str(),
            state_name(answer.state),
            total.amount().to_string(),
            origin.placed_by,
            origin.device,
            now_ms,
            json,
            volume,
            origin.channel,
            changed,
        ],
    )?;
    if answer.state != OrderState::Rejected {
        let mut warehouses: BTreeSet<&str> = answer
            .allocations
            .iter()
            .map(|a| a.warehouse.as_str())
            .collect();
        if warehouses.is_empty()
            && let Some(home) = origin.home_warehouse
        {
            warehouses.insert(home);
        }
        for warehouse in warehouses {
            tx.write(
                "INSERT INTO order_warehouses (warehouse, seq) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![warehouse, seq],
            )?;
        }
        // A new order has no backorders to replace.
        insert_rows(tx, BACKORDERS, backorder_rows(answer))?;
    }
    insert_rows(tx, LINES, lines)?;
    let events = answer
        .history
        .iter()
        .map(|event| {
            row![
                answer.request_id.as_str(),
                state_name(event.state),
                event.at_ms,
                event.actor.as_str(),
                event.reason.as_str()
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO order_events (request_id, state, at_ms, actor, reason) VALUES",
        events,
    )?;
    if started {
        tx.flush_writes()?;
    }
    let mut kinds = vec!["order.placed"];
    kinds.extend(first_answer_event(answer.state));
    order_events(tx, &kinds, (shop.as_str(), origin.channel, changed), answer)
}

/// The event an order's state at intake (or on leaving review) tells a webhook.
fn first_answer_event(state: OrderState) -> Option<&'static str> {
    match state {
        OrderState::Confirmed | OrderState::Allocated | OrderState::Backordered => {
            Some("order.confirmed")
        }
        OrderState::OnHold => Some("order.held"),
        OrderState::Rejected => Some("order.rejected"),
        _ => None,
    }
}

/// Returns whose goods came back (received, then refunded, credited or replaced).
fn returned(order: &OrderConfirmation) -> usize {
    use domain::returns::ReturnState;
    order
        .returns
        .iter()
        .filter(|r| {
            matches!(
                r.state,
                ReturnState::Received
                    | ReturnState::Refunded
                    | ReturnState::Credited
                    | ReturnState::Replaced
            )
        })
        .count()
}

/// The webhook event of a change from `before` to `after`: a shipment, goods back, a
/// new state that has its own event, or else `order.changed`.
fn change_event(before: &OrderConfirmation, after: &OrderConfirmation) -> &'static str {
    if after.shipments.len() > before.shipments.len() {
        return "order.shipped";
    }
    if returned(after) > returned(before) {
        return "order.returned";
    }
    if after.state == before.state {
        return "order.changed";
    }
    let confirmed_before = before.history.iter().any(|e| {
        !matches!(
            e.state,
            OrderState::Submitted | OrderState::OnHold | OrderState::Rejected
        )
    });
    match after.state {
        OrderState::OnHold => "order.held",
        OrderState::Cancelled => "order.cancelled",
        OrderState::Rejected => "order.rejected",
        OrderState::Delivered => "order.delivered",
        state if !confirmed_before => first_answer_event(state).unwrap_or("order.changed"),
        _ => "order.changed",
    }
}

/// Writes `kinds` of webhook events about `order` (of `shop`, from `channel`, at change
/// number `change`) to the outbox, when an endpoint subscribes to order events.
fn order_events(
    tx: &mut Tx<'_>,
    kinds: &[&str],
    (shop, channel, change): (&str, &str, i64),
    order: &OrderConfirmation,
) -> anyhow::Result<()> {
    if !super::webhooks::wanted(tx, "order.")? {
        return Ok(());
    }
    let data = serde_json::json!({
        "change": change,
        "shop": shop,
        "channel": channel,
        "order": order,
    });
    for kind in kinds {
        super::webhooks::emit(tx, kind, data.clone())?;
    }
    Ok(())
}

/// Whether an order in `state` counts in quotas and sales (its lines are `live`).
fn counts(state: OrderState) -> bool {
    !matches!(state, OrderState::Rejected | OrderState::Cancelled)
}

const LINES: &str = "INSERT INTO order_lines (request_id, line, shop, sku, quantity, received_ms,
                                  net_cents, cost_cents, live) VALUES";

/// The order's lines (what quotas count), received at `received_ms`, with their costs
/// then (from `known`, the rest read in one statement), as rows of [`LINES`].
fn line_rows(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    answer: &OrderConfirmation,
    known: &CostsAt,
    received_ms: i64,
) -> Result<Vec<[Value; 9]>, StoreError> {
    let unknown: Vec<&Sku> = answer
        .priced
        .lines
        .iter()
        .map(|l| &l.sku)
        .filter(|sku| !known.contains_key(*sku))
        .collect();
    let read = if unknown.is_empty() {
        std::collections::HashMap::new()
    } else {
        super::reports::costs_at(tx, unknown, received_ms)?
    };
    let cost_of = |sku: &Sku| match known.get(sku) {
        Some(known) => *known,
        None => read.get(sku).copied(),
    };
    let mut rows: Vec<[Value; 9]> = Vec::new();
    for (line, priced) in answer.priced.lines.iter().enumerate() {
        // What the line sold for, after its share of the discounts, and its cost then.
        let net = answer
            .quote
            .as_ref()
            .and_then(|quote| quote.lines.get(line))
            .filter(|quoted| quoted.line.sku == priced.sku)
            .map(|quoted| super::money::cents(quoted.net));
        let cost = cost_of(&priced.sku).map(|unit| unit.saturating_mul(i64::from(priced.quantity)));
        rows.push(row![
            answer.request_id.as_str(),
            line,
            shop.as_str(),
            priced.sku.as_str(),
            priced.quantity,
            received_ms,
            net,
            cost,
            counts(answer.state)
        ]);
    }
    Ok(rows)
}

/// `INSERT … VALUES` (`head`) of `rows`, [`ROWS_PER_STATEMENT`] at a time, as
/// [`Tx::write`]s (held back with the writes around them while the caller defers).
fn insert_rows<const N: usize>(
    tx: &mut Tx<'_>,
    head: &str,
    rows: Vec<[Value; N]>,
) -> Result<(), StoreError> {
    let per_statement = tx.items_per_statement(ROWS_PER_STATEMENT).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<[Value; N]> = rows.by_ref().take(per_statement).collect();
        let count = part.len();
        let values: Vec<Value> = part.into_iter().flatten().collect();
        tx.write(&format!("{head} {}", row_marks(count, N)), &values)?;
    }
    Ok(())
}

/// Takes an order's lines out of what quotas count (they are about to change); returns
/// when it was received, for [`put_lines`].
pub fn take_lines(tx: &mut Tx<'_>, request_id: &str) -> Result<i64, StoreError> {
    tx.execute(
        "DELETE FROM order_lines WHERE request_id = ?1",
        params![request_id],
    )?;
    Ok(tx
        .value(
            "SELECT received_ms FROM orders WHERE request_id = ?1",
            params![request_id],
        )?
        .unwrap_or(0))
}

/// Writes an order's changed lines back, as received at `received_ms`.
pub fn put_lines(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    order: &OrderConfirmation,
    received_ms: i64,
) -> Result<(), StoreError> {
    let rows = line_rows(tx, shop, order, &CostsAt::new(), received_ms)?;
    insert_rows(tx, LINES, rows)
}

pub fn add_event(
    tx: &mut Tx<'_>,
    request_id: &str,
    state: OrderState,
    at_ms: i64,
    actor: &str,
    reason: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO order_events (request_id, state, at_ms, actor, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![request_id, state_name(state), at_ms, actor, reason],
    )?;
    Ok(())
}

/// An order's shop, order volume and confirmation, its row locked for the transaction
/// (PostgreSQL).
pub fn confirmation(
    tx: &mut Tx<'_>,
    request_id: &str,
) -> anyhow::Result<Option<(ShopId, u32, OrderConfirmation)>> {
    let sql = format!(
        "SELECT shop, confirmation, volume FROM orders WHERE request_id = ?1{}",
        tx.for_update()
    );
    tx.row(&sql, params![request_id])?
        .map(|row| {
            Ok((
                ShopId::parse(&row.get::<String>(0)?)?,
                row.get(2)?,
                serde_json::from_str(&row.get::<String>(1)?).context("a stored order")?,
            ))
        })
        .transpose()
}

/// The order `request_id` as stored, read without locking it (what never changes once
/// written, such as a shipment's parcel, to learn which orders to lock).
pub fn peek(tx: &mut Tx<'_>, request_id: &str) -> anyhow::Result<Option<OrderConfirmation>> {
    tx.row(
        "SELECT confirmation FROM orders WHERE request_id = ?1",
        params![request_id],
    )?
    .map(|row| serde_json::from_str(&row.get::<String>(0)?).context("a stored order"))
    .transpose()
}

/// The volume new order requests of `shop` go to.
pub fn current_volume(tx: &mut Tx<'_>, shop: &ShopId) -> Result<u32, StoreError> {
    Ok(tx
        .value(
            "SELECT order_volume FROM shops WHERE id = ?1",
            params![shop.as_str()],
        )?
        .unwrap_or(0))
}

/// Moves `shop` from order volume `from` to `from + 1`; false when another transaction
/// did it first (the caller then leaves the documents to that one).
pub fn advance_volume(tx: &mut Tx<'_>, shop: &ShopId, from: u32) -> Result<bool, StoreError> {
    let moved = tx.execute(
        "UPDATE shops SET order_volume = ?3 WHERE id = ?1 AND order_volume = ?2",
        params![shop.as_str(), from, from + 1],
    )?;
    Ok(moved == 1)
}

/// The order volumes a device of `shop` keeps: the current one, the one before it (a
/// recent window however the volumes fell), and any older one with an order still underway,
/// oldest first.
pub fn volumes_to_keep(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Vec<u32>, StoreError> {
    let current = current_volume(tx, shop)?;
    let mut volumes: BTreeSet<u32> = BTreeSet::from([current, current.saturating_sub(1)]);
    if current > 1 {
        let states: Vec<String> = OrderState::ALL
            .into_iter()
            .filter(|state| state.is_underway())
            .map(|state| format!("'{}'", state_name(state)))
            .collect();
        let sql = format!(
            "SELECT DISTINCT volume FROM orders WHERE shop = ?1 AND volume < ?2 AND state IN ({})",
            states.join(", ")
        );
        for volume in tx.column::<u32>(&sql, params![shop.as_str(), current - 1])? {
            volumes.insert(volume);
        }
    }
    Ok(volumes.into_iter().collect())
}

const BACKORDERS: &str = "INSERT INTO backorders (sku, request_id, quantity) VALUES";

/// What the order waits for, as rows of [`BACKORDERS`] (the table the allocation on
/// arrival reads).
fn backorder_rows(confirmation: &OrderConfirmation) -> Vec<[Value; 3]> {
    let id = confirmation.request_id.as_str();
    confirmation
        .backordered
        .iter()
        .map(|(sku, quantity)| row![sku.as_str(), id, *quantity])
        .collect()
}

/// Replaces what an order waits for in the `backorders` table.
fn save_backorders(tx: &mut Tx<'_>, confirmation: &OrderConfirmation) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM backorders WHERE request_id = ?1",
        params![confirmation.request_id.as_str()],
    )?;
    insert_rows(tx, BACKORDERS, backorder_rows(confirmation))
}

/// Replaces an order's confirmation after a lifecycle event (and what it waits for, and
/// the warehouses its reservations are in).
pub fn update(tx: &mut Tx<'_>, confirmation: &OrderConfirmation) -> anyhow::Result<()> {
    let id = confirmation.request_id.as_str();
    let total = confirmation
        .quote
        .as_ref()
        .map_or(confirmation.priced.total, |q| q.total);
    let changed = next_change(tx)?;
    let before = if super::webhooks::wanted(tx, "order.")? {
        tx.row(
            "SELECT shop, channel, confirmation FROM orders WHERE request_id = ?1",
            params![id],
        )?
    } else {
        None
    };
    tx.execute(
        "UPDATE orders SET state = ?2, confirmation = ?3, total = ?4, changed = ?5
         WHERE request_id = ?1",
        params![
            id,
            state_name(confirmation.state),
            serde_json::to_string(confirmation)?,
            total.amount().to_string(),
            changed
        ],
    )?;
    tx.execute(
        "UPDATE order_lines SET live = ?2 WHERE request_id = ?1 AND live <> ?2",
        params![id, counts(confirmation.state)],
    )?;
    let warehouses: BTreeSet<&str> = confirmation
        .allocations
        .iter()
        .map(|a| a.warehouse.as_str())
        .collect();
    for warehouse in warehouses {
        tx.execute(
            "INSERT INTO order_warehouses (warehouse, seq)
             SELECT ?1, seq FROM orders WHERE request_id = ?2 ON CONFLICT DO NOTHING",
            params![warehouse, id],
        )?;
    }
    save_backorders(tx, confirmation)?;
    if let Some(row) = before {
        let (shop, channel): (String, String) = (row.get(0)?, row.get(1)?);
        let old: OrderConfirmation = serde_json::from_str(&row.get::<String>(2)?)?;
        let kind = change_event(&old, confirmation);
        order_events(tx, &[kind], (&shop, &channel, changed), confirmation)?;
    }
    Ok(())
}

/// Where an order came from, as its page heads it.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub shop: String,
    pub shop_name: String,
    pub channel: String,
    pub placed_by: String,
    pub received_ms: i64,
}

pub fn header(tx: &mut Tx<'_>, request_id: &str) -> Result<Header, StoreError> {
    Ok(tx
        .row(
            "SELECT o.shop, COALESCE(s.name, ''), o.channel, o.placed_by, o.received_ms
             FROM orders o LEFT JOIN shops s ON s.id = o.shop WHERE o.request_id = ?1",
            params![request_id],
        )?
        .map(|row| -> Result<Header, StoreError> {
            Ok(Header {
                shop: row.get(0)?,
                shop_name: row.get(1)?,
                channel: row.get(2)?,
                placed_by: row.get(3)?,
                received_ms: row.get(4)?,
            })
        })
        .transpose()?
        .unwrap_or_default())
}

/// The request id of the order numbered `number`.
pub fn by_number(tx: &mut Tx<'_>, number: &str) -> Result<Option<String>, StoreError> {
    tx.value(
        "SELECT request_id FROM orders WHERE number = ?1",
        params![number],
    )
}

/// The orders waiting for any of `skus` (their request ids).
pub fn waiting_for<'a>(
    tx: &mut Tx<'_>,
    skus: impl IntoIterator<Item = &'a domain::sku::Sku>,
) -> Result<BTreeSet<String>, StoreError> {
    let mut waiting = BTreeSet::new();
    for sku in skus {
        waiting.extend(tx.column::<String>(
            "SELECT request_id FROM backorders WHERE sku = ?1",
            params![sku.as_str()],
        )?);
    }
    Ok(waiting)
}

/// The tables of a shop's follow-up requests to one of its orders, each applied once.
#[derive(Clone, Copy)]
pub enum FollowUp {
    /// `cancel_requests`: `cancelled`, `asked` or `unknown_order`.
    Cancel,
    /// `accept_requests` (a shop's OK to a held order): `accepted`, `not_waiting`,
    /// `refused` or `unknown_order`.
    Accept,
}

impl FollowUp {
    fn table(self) -> &'static str {
        match self {
            FollowUp::Cancel => "cancel_requests",
            FollowUp::Accept => "accept_requests",
        }
    }
}

/// Records a shop's request `id` about its order `target`; false when it was recorded
/// before (each is applied once).
pub fn record_follow_up(
    tx: &mut Tx<'_>,
    kind: FollowUp,
    (id, shop, target): (&str, &ShopId, &str),
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = format!(
        "INSERT INTO {} (id, shop, target, received_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO NOTHING",
        kind.table()
    );
    Ok(tx.execute(&sql, params![id, shop.as_str(), target, now_ms])? == 1)
}

/// What became of a shop's request `id` (see [`FollowUp`]).
pub fn set_follow_up_outcome(
    tx: &mut Tx<'_>,
    kind: FollowUp,
    id: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    let sql = format!("UPDATE {} SET outcome = ?2 WHERE id = ?1", kind.table());
    tx.execute(&sql, params![id, outcome])?;
    Ok(())
}

/// Orders on hold (some of them waiting for their shop's OK), oldest first: the request
/// ids the expiry job reads.
pub fn on_hold(tx: &mut Tx<'_>, limit: usize) -> Result<Vec<String>, StoreError> {
    tx.column(
        "SELECT request_id FROM orders WHERE state = 'on_hold' ORDER BY seq LIMIT ?1",
        params![limit],
    )
}

/// Orders whose shop asked to cancel after picking started and that are still open: the
/// numbers staff have to decide on, oldest first.
pub fn cancel_asks(tx: &mut Tx<'_>, limit: usize) -> Result<Vec<String>, StoreError> {
    tx.column(
        "SELECT o.number FROM cancel_requests c JOIN orders o ON o.request_id = c.target
         WHERE c.outcome = 'asked' AND o.state IN ('picking', 'packed')
         ORDER BY c.received_ms LIMIT ?1",
        params![limit],
    )
}

/// Records a shipment (for lists by warehouse; the order's confirmation holds it too).
pub fn add_shipment(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    request_id: &str,
    shipment: &domain::fulfilment::ShipmentRecord,
) -> anyhow::Result<()> {
    tx.execute(
        "INSERT INTO shipments (number, request_id, shop, warehouse, carrier, tracking, shipped_ms, actor, lines, fee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            shipment.number.as_str(),
            request_id,
            shop.as_str(),
            shipment.warehouse.as_str(),
            shipment.carrier.as_str(),
            shipment.tracking.as_str(),
            shipment.shipped_ms,
            shipment.by.as_str(),
            serde_json::to_string(&shipment.lines)?,
            shipment.fee.map(|fee| fee.amount().to_string())
        ],
    )?;
    Ok(())
}

/// The carriers used before, most used first (what a shipment form offers).
pub fn carriers(tx: &mut Tx<'_>) -> Result<Vec<String>, StoreError> {
    tx.column(
        "SELECT carrier FROM shipments GROUP BY carrier ORDER BY COUNT(*) DESC, carrier LIMIT 20",
        params![],
    )
}

/// The confirmations of orders in `states` served by `warehouse`, oldest first, at most
/// `limit`: what a pick list gathers.
pub fn open_in_warehouse(
    tx: &mut Tx<'_>,
    warehouse: &str,
    states: &[OrderState],
    limit: usize,
) -> anyhow::Result<Vec<(ShopId, OrderConfirmation)>> {
    let names: Vec<String> = states
        .iter()
        .map(|state| format!("'{}'", state_name(*state)))
        .collect();
    let sql = format!(
        "SELECT o.shop, o.confirmation FROM orders o
         WHERE o.state IN ({}) AND o.seq IN (SELECT seq FROM order_warehouses WHERE warehouse = ?1)
         ORDER BY o.seq LIMIT ?2",
        names.join(", ")
    );
    tx.rows(&sql, params![warehouse, limit])?
        .iter()
        .map(|row| {
            Ok((
                ShopId::parse(&row.get::<String>(0)?)?,
                serde_json::from_str(&row.get::<String>(1)?).context("a stored order")?,
            ))
        })
        .collect()
}

/// `shop`'s orders in one of `states`, oldest first, at most `limit`.
pub fn open_of_shop(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    states: &[OrderState],
    limit: usize,
) -> anyhow::Result<Vec<OrderConfirmation>> {
    let names: Vec<String> = states
        .iter()
        .map(|state| format!("'{}'", state_name(*state)))
        .collect();
    let sql = format!(
        "SELECT confirmation FROM orders WHERE shop = ?1 AND state IN ({}) ORDER BY seq LIMIT ?2",
        names.join(", ")
    );
    tx.rows(&sql, params![shop.as_str(), limit])?
        .iter()
        .map(|row| serde_json::from_str(&row.get::<String>(0)?).context("a stored order"))
        .collect()
}

/// What the back office's order list filters by; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<OrderState>,
    pub shop: Option<ShopId>,
    /// An account manager's username: the orders of the shops they manage.
    pub manager: Option<String>,
    pub warehouse: Option<String>,
    pub channel: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// An order number, whole (`DH-000042`) or its digits (`42`).
    pub number: Option<String>,
    /// Only orders waiting for stock (something backordered).
    pub waiting: bool,
}

/// `42`, `dh-42` and `DH-000042` all name order DH-000042.
pub fn normalize_number(query: &str) -> String {
    let query = query.trim().to_ascii_uppercase();
    let digits = query.strip_prefix("DH-").unwrap_or(&query);
    match digits.parse::<u64>() {
        Ok(n) if digits.chars().all(|c| c.is_ascii_digit()) => format!("DH-{n:06}"),
        _ => query,
    }
}

/// The newest orders in `scope` that pass `filter`, at most `limit` (newest first) and
/// older than `before_seq` when given. Every filter is an indexed condition, and orders of
/// several shops (a manager's, a shop user's) are read shop by shop and merged, so a page
/// costs about the same at 100,000 orders as at 100.
pub fn search(
    tx: &mut Tx<'_>,
    scope: &Scope,
    filter: &Filter,
    before_seq: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, OrderRow)>, StoreError> {
    // The shops the list may show: the filter's, the manager's and the scope's, together.
    let mut shops: Option<BTreeSet<String>> = None;
    let narrow = |shops: &mut Option<BTreeSet<String>>, these: BTreeSet<String>| {
        *shops = Some(match shops.take() {
            Some(before) => before.intersection(&these).cloned().collect(),
            None => these,
        });
    };
    if let Some(shop) = &filter.shop {
        narrow(&mut shops, BTreeSet::from([shop.as_str().to_owned()]));
    }
    if let Some(manager) = &filter.manager {
        let managed: BTreeSet<String> = tx
            .column::<String>(
                "SELECT m.shop FROM manager_shops m JOIN users u ON u.id = m.manager WHERE u.username = ?1",
                params![manager.as_str()],
            )?
            .into_iter()
            .collect();
        narrow(&mut shops, managed);
    }
    if let Scope::Shops(these) = scope {
        narrow(
            &mut shops,
            these.iter().map(|s| s.as_str().to_owned()).collect(),
        );
    }
    let Some(shops) = shops else {
        return search_in(tx, None, filter, before_seq, limit);
    };
    let mut found = Vec::new();
    for shop in &shops {
        found.extend(search_in(tx, Some(shop), filter, before_seq, limit)?);
    }
    found.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
    found.truncate(limit);
    Ok(found)
}

/// [`search`] within one shop (or every shop), ignoring the filter's shop and manager.
fn search_in(
    tx: &mut Tx<'_>,
    shop: Option<&str>,
    filter: &Filter,
    before_seq: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, OrderRow)>, StoreError> {
    use super::sql::Value;
    let mut sql = String::from(
        "SELECT o.seq, o.number, o.request_id, o.shop, COALESCE(s.name, ''), o.state, o.total,
                o.placed_by, o.received_ms, o.channel
         FROM orders o LEFT JOIN shops s ON s.id = o.shop WHERE o.seq < ?1",
    );
    let mut values: Vec<Value> = vec![Value::from(before_seq.unwrap_or(i64::MAX))];
    let mut bind = |sql: &mut String, clause: &str, value: Value| {
        values.push(value);
        sql.push_str(&clause.replace('?', &format!("?{}", values.len())));
    };
    if !filter.states.is_empty() {
        let names: Vec<String> = filter
            .states
            .iter()
            .map(|state| format!("'{}'", state_name(*state)))
            .collect();
        sql.push_str(&format!(" AND o.state IN ({})", names.join(", ")));
    }
    if let Some(shop) = shop {
        bind(&mut sql, " AND o.shop = ?", shop.into());
    }
    if let Some(warehouse) = &filter.warehouse {
        bind(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM order_warehouses w WHERE w.warehouse = ? AND w.seq = o.seq)",
            warehouse.into(),
        );
    }
    if let Some(channel) = &filter.channel {
        bind(&mut sql, " AND o.channel = ?", channel.into());
    }
    if let Some(from) = filter.from_ms {
        bind(&mut sql, " AND o.received_ms >= ?", from.into());
    }
    if let Some(to) = filter.to_ms {
        bind(&mut sql, " AND o.received_ms < ?", to.into());
    }
    if filter.waiting {
        sql.push_str(" AND o.request_id IN (SELECT b.request_id FROM backorders b)");
    }
    if let Some(number) = &filter.number {
        bind(
            &mut sql,
            " AND o.number = ?",
            normalize_number(number).into(),
        );
    }
    values.push(Value::from(limit));
    sql.push_str(&format!(" ORDER BY o.seq DESC LIMIT ?{}", values.len()));
    tx.rows(&sql, &values)?
        .iter()
        .map(|row| {
            Ok((
                row.get(0)?,
                OrderRow {
                    number: row.get(1)?,
                    request_id: row.get(2)?,
                    shop: row.get(3)?,
                    shop_name: row.get(4)?,
                    state: row.get(5)?,
                    total: row.get(6)?,
                    placed_by: row.get(7)?,
                    received_ms: row.get(8)?,
                    channel: row.get(9)?,
                },
            ))
        })
        .collect()
}

/// Whose orders a list shows.
#[derive(Debug, Clone)]
pub enum Scope {
    All,
    Shops(Vec<ShopId>),
}

/// The confirmations of `shop`'s orders, newest first, older than `before_seq` if given.
pub fn confirmations_of(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    before_seq: Option<i64>,
    limit: usize,
) -> anyhow::Result<Vec<(i64, OrderConfirmation)>> {
    tx.rows(
        "SELECT seq, confirmation FROM orders WHERE shop = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
        params![shop.as_str(), before_seq.unwrap_or(i64::MAX), limit],
    )?
    .iter()
    .map(|row| {
        Ok((
            row.get(0)?,
            serde_json::from_str(&row.get::<String>(1)?).context("a stored order")?,
        ))
    })
    .collect()
}

pub use api::{InboxRow, Resolution};

/// Rejected orders, newest first: the unhandled ones, or with `all` the handled too.
pub fn inbox(tx: &mut Tx<'_>, all: bool, limit: usize) -> Result<Vec<InboxRow>, StoreError> {
    tx.rows(
        "SELECT o.request_id, o.number, o.shop, o.placed_by, o.received_ms,
                COALESCE((SELECT reason FROM order_events e
                          WHERE e.request_id = o.request_id AND e.state = 'rejected'
                          ORDER BY e.id LIMIT 1), ''),
                r.at_ms, r.actor, r.note
         FROM orders o LEFT JOIN inbox_resolutions r ON r.request_id = o.request_id
         WHERE o.state = 'rejected' AND (?1 = 1 OR r.request_id IS NULL)
         ORDER BY o.seq DESC LIMIT ?2",
        params![all, limit],
    )?
    .iter()
    .map(|row| {
        let at_ms: Option<i64> = row.get(6)?;
        Ok(InboxRow {
            request_id: row.get(0)?,
            number: row.get(1)?,
            shop: row.get(2)?,
            placed_by: row.get(3)?,
            received_ms: row.get(4)?,
            reason: row.get(5)?,
            resolved: match at_ms {
                Some(at_ms) => Some(Resolution {
                    at_ms,
                    by: row.get(7)?,
                    note: row.get(8)?,
                }),
                None => None,
            },
        })
    })
    .collect()
}

/// Marks a rejected order handled; false if there is no such rejected order.
pub fn resolve(
    tx: &mut Tx<'_>,
    request_id: &str,
    actor: &str,
    note: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let rejected = tx
        .value::<String>(
            "SELECT request_id FROM orders WHERE request_id = ?1 AND state = 'rejected'",
            params![request_id],
        )?
        .is_some();
    if rejected {
        tx.execute(
            "INSERT INTO inbox_resolutions (request_id, at_ms, actor, note) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (request_id) DO UPDATE SET at_ms = excluded.at_ms, actor = excluded.actor, note = excluded.note",
            params![request_id, now_ms, actor, note],
        )?;
    }
    Ok(rejected)
}

/// What waits for the back office: open orders per state, orders waiting for stock,
/// open orders per warehouse, cancel requests to decide, unhandled rejections.
pub fn dashboard(tx: &mut Tx<'_>) -> Result<api::Dashboard, StoreError> {
    let open: Vec<String> = OrderState::ALL
        .into_iter()
        .filter(|state| !state.is_final() && *state != OrderState::Delivered)
        .map(|state| format!("'{}'", state_name(state)))
        .collect();
    let open = open.join(", ");
    let mut board = api::Dashboard::default();
    for row in tx.rows(
        &format!("SELECT state, COUNT(*) FROM orders WHERE state IN ({open}) GROUP BY state"),
        params![],
    )? {
        board.by_state.insert(row.get(0)?, row.get(1)?);
    }
    board.waiting_for_stock = tx
        .value(
            "SELECT COUNT(DISTINCT request_id) FROM backorders",
            params![],
        )?
        .unwrap_or(0);
    let fulfilling = [
        "confirmed",
        "allocated",
        "picking",
        "packed",
        "partially_shipped",
    ]
    .map(|s| format!("'{s}'"))
    .join(", ");
    for row in tx.rows(
        &format!(
            "SELECT w.warehouse, COUNT(*) FROM orders o JOIN order_warehouses w ON w.seq = o.seq
             WHERE o.state IN ({fulfilling}) GROUP BY w.warehouse"
        ),
        params![],
    )? {
        board.to_pick.insert(row.get(0)?, row.get(1)?);
    }
    board.cancel_asks = cancel_asks(tx, 50)?;
    board.rejected = tx
        .value(
            "SELECT COUNT(*) FROM orders o LEFT JOIN inbox_resolutions r ON r.request_id = o.request_id
             WHERE o.state = 'rejected' AND r.request_id IS NULL",
            params![],
        )?
        .unwrap_or(0);
    board.stock_alerts = super::stock::alert_count(tx)?;
    board.returns = super::returns::waiting(tx)?.into_iter().collect();
    board.large_orders = super::large_orders::open(tx, None, 20)?;
    board.webhooks_failing = super::webhooks::failing_endpoints(tx)?;
    Ok(board)
}

/// How many orders there are, and how many distinct request ids (equal unless the
/// exactly-once rule was broken).
pub fn count(tx: &mut Tx<'_>) -> Result<(i64, i64), StoreError> {
    let row = tx
        .row(
            "SELECT COUNT(*), COUNT(DISTINCT request_id) FROM orders",
            params![],
        )?
        .ok_or_else(|| StoreError::Database("no row".into()))?;
    Ok((row.get(0)?, row.get(1)?))
}

/// What an `Idempotency-Key` of `owner` placed before: the SHA-256 of that body and the
/// order's request id.
pub fn idempotent(
    tx: &mut Tx<'_>,
    owner: &str,
    key: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let Some(row) = tx.row(
        "SELECT body_hash, request_id FROM idempotency_keys
         WHERE owner = ?1 AND idempotency_key = ?2",
        params![owner, key],
    )?
    else {
        return Ok(None);
    };
    Ok(Some((row.get(0)?, row.get(1)?)))
}

/// Records that `owner`'s `key` with a body of SHA-256 `body_hash` placed `request_id`.
pub fn remember_idempotent(
    tx: &mut Tx<'_>,
    (owner, key): (&str, &str),
    body_hash: &str,
    request_id: &str,
) -> Result<(), StoreError> {
    let now = tx.now_ms;
    tx.execute(
        "INSERT INTO idempotency_keys (owner, idempotency_key, body_hash, request_id, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![owner, key, body_hash, request_id, now],
    )?;
    Ok(())
}

/// Orders changed after change `after` (placed, confirmed, held, shipped, edited, …), the
/// oldest change first, each as it is now with its shop, channel and change number.
pub fn changed_after(
    tx: &mut Tx<'_>,
    after: i64,
    limit: usize,
) -> anyhow::Result<Vec<api::ChangedOrder>> {
    tx.rows(
        "SELECT changed, shop, channel, confirmation FROM orders WHERE changed > ?1
         ORDER BY changed LIMIT ?2",
        params![after, limit],
    )?
    .iter()
    .map(|row| {
        Ok(api::ChangedOrder {
            change: row.get(0)?,
            shop: row.get(1)?,
            channel: row.get(2)?,
            order: serde_json::from_str(&row.get::<String>(3)?)?,
        })
    })
    .collect()
}

/// Keeps what another channel charged for each SKU of order `request_id` (before it is
/// placed: the intake prices the order at it).
pub fn set_channel_prices(
    tx: &mut Tx<'_>,
    request_id: &str,
    prices: &domain::channel::ChannelPrices,
) -> Result<(), StoreError> {
    for (sku, price) in prices {
        tx.execute(
            "INSERT INTO channel_prices (request_id, sku, theirs_cents) VALUES (?1, ?2, ?3)
             ON CONFLICT (request_id, sku) DO UPDATE SET theirs_cents = excluded.theirs_cents",
            params![request_id, sku.as_str(), super::money::cents(*price)],
        )?;
    }
    Ok(())
}

/// The channel prices of those of `request_ids` that have them, by request id.
pub fn channel_prices<'a>(
    tx: &mut Tx<'_>,
    request_ids: impl IntoIterator<Item = &'a str>,
) -> anyhow::Result<std::collections::BTreeMap<String, domain::channel::ChannelPrices>> {
    let mut found = std::collections::BTreeMap::new();
    for id in request_ids {
        let rows = tx.rows(
            "SELECT sku, theirs_cents FROM channel_prices WHERE request_id = ?1",
            params![id],
        )?;
        if rows.is_empty() {
            continue;
        }
        let mut prices = domain::channel::ChannelPrices::new();
        for row in rows {
            let sku = domain::sku::Sku::parse(&row.get::<String>(0)?)?;
            prices.insert(sku, super::money::from_cents(row.get(1)?));
        }
        found.insert(id.to_owned(), prices);
    }
    Ok(found)
}

/// Records the quantity of `sku` in order `request_id` and the distributor's own unit price
/// for it, beside what the channel charged.
pub fn record_our_price(
    tx: &mut Tx<'_>,
    request_id: &str,
    sku: &domain::sku::Sku,
    quantity: u32,
    ours: domain::money::Money,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE channel_prices SET quantity = ?3, ours_cents = ?4 WHERE request_id = ?1 AND sku = ?2",
        params![request_id, sku.as_str(), quantity, super::money::cents(ours)],
    )?;
    Ok(())
}

/// What the channel charged and what the distributor's price was, per SKU of an order.
pub fn channel_lines(
    tx: &mut Tx<'_>,
    request_id: &str,
) -> Result<Vec<api::ChannelLine>, StoreError> {
    tx.rows(
        "SELECT sku, quantity, theirs_cents, ours_cents FROM channel_prices
         WHERE request_id = ?1 ORDER BY sku",
        params![request_id],
    )?
    .iter()
    .map(|row| {
        let quantity: i64 = row.get(1)?;
        let theirs: i64 = row.get(2)?;
        let ours: Option<i64> = row.get(3)?;
        let yuan = |cents: i64| super::money::from_cents(cents).amount().to_string();
        Ok(api::ChannelLine {
            sku: row.get(0)?,
            quantity,
            theirs: yuan(theirs),
            ours: ours.map(yuan),
            difference: ours.map(|ours| yuan((theirs - ours).saturating_mul(quantity))),
        })
    })
    .collect()
}
