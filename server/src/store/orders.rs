//! The orders the server applied (one row per request id, which makes intake exactly once),
//! their confirmed lines, their lifecycle events, order numbers, and the inbox of
//! rejected orders.

use std::collections::BTreeSet;

use anyhow::Context;
use domain::order::OrderConfirmation;
use domain::order_state::OrderState;
use domain::sku::ShopId;

use super::sql::{StoreError, Tx};
use crate::params;

/// An order as lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrderRow {
    pub number: String,
    pub request_id: String,
    pub shop: String,
    pub state: String,
    pub total: String,
    pub placed_by: String,
    pub received_ms: i64,
}

pub fn state_name(state: OrderState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
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

/// Takes `count` consecutive order sequence numbers, returning the first. The counter row
/// stays locked until the transaction ends, so numbers are never skipped or repeated.
pub fn take_numbers(tx: &mut Tx<'_>, count: usize) -> Result<i64, StoreError> {
    let last: i64 = tx
        .value(
            "UPDATE counters SET value = value + ?1 WHERE name = 'order_seq' RETURNING value",
            params![count],
        )?
        .ok_or_else(|| StoreError::Database("the order_seq counter is missing".into()))?;
    Ok(last - i64::try_from(count).unwrap_or(0) + 1)
}

/// Records an answered request: the order, its confirmed lines and its first events.
/// `volume` is the order volume it was requested (and is answered) in.
#[allow(clippy::too_many_arguments)]
pub fn insert(
    tx: &mut Tx<'_>,
    seq: i64,
    shop: &ShopId,
    volume: u32,
    answer: &OrderConfirmation,
    placed_by: &str,
    device: i64,
    now_ms: i64,
) -> anyhow::Result<()> {
    let total = answer
        .quote
        .as_ref()
        .map_or(answer.priced.total, |q| q.total);
    tx.execute(
        "INSERT INTO orders (seq, request_id, number, shop, state, total, placed_by, device, received_ms, confirmation, volume)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            seq,
            answer.request_id.as_str(),
            answer.number.as_str(),
            shop.as_str(),
            state_name(answer.state),
            total.amount().to_string(),
            placed_by,
            device,
            now_ms,
            serde_json::to_string(answer)?,
            volume,
        ],
    )?;
    for (line, priced) in answer.priced.lines.iter().enumerate() {
        tx.execute(
            "INSERT INTO order_lines (request_id, line, shop, sku, quantity, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                answer.request_id.as_str(),
                line,
                shop.as_str(),
                priced.sku.as_str(),
                priced.quantity,
                now_ms
            ],
        )?;
    }
    for event in &answer.history {
        add_event(
            tx,
            answer.request_id.as_str(),
            event.state,
            event.at_ms,
            &event.actor,
            &event.reason,
        )?;
    }
    Ok(())
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

/// Replaces an order's confirmation after a lifecycle event.
pub fn update(tx: &mut Tx<'_>, confirmation: &OrderConfirmation) -> anyhow::Result<()> {
    tx.execute(
        "UPDATE orders SET state = ?2, confirmation = ?3 WHERE request_id = ?1",
        params![
            confirmation.request_id.as_str(),
            state_name(confirmation.state),
            serde_json::to_string(confirmation)?
        ],
    )?;
    Ok(())
}

/// Whose orders a list shows.
#[derive(Debug, Clone)]
pub enum Scope {
    All,
    Shops(Vec<ShopId>),
}

/// The newest orders in `scope`, at most `limit` (newest first) and older than
/// `before_seq` when given.
pub fn list(
    tx: &mut Tx<'_>,
    scope: &Scope,
    before_seq: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, OrderRow)>, StoreError> {
    const COLUMNS: &str =
        "SELECT seq, number, request_id, shop, state, total, placed_by, received_ms FROM orders";
    let before = before_seq.unwrap_or(i64::MAX);
    let read = |rows: Vec<super::sql::Row>| -> Result<Vec<(i64, OrderRow)>, StoreError> {
        rows.iter()
            .map(|row| {
                Ok((
                    row.get(0)?,
                    OrderRow {
                        number: row.get(1)?,
                        request_id: row.get(2)?,
                        shop: row.get(3)?,
                        state: row.get(4)?,
                        total: row.get(5)?,
                        placed_by: row.get(6)?,
                        received_ms: row.get(7)?,
                    },
                ))
            })
            .collect()
    };
    let mut orders = Vec::new();
    match scope {
        Scope::All => {
            let rows = tx.rows(
                &format!("{COLUMNS} WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2"),
                params![before, limit],
            )?;
            orders.extend(read(rows)?);
        }
        Scope::Shops(shops) => {
            for shop in shops {
                let rows = tx.rows(
                    &format!("{COLUMNS} WHERE shop = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"),
                    params![shop.as_str(), before, limit],
                )?;
                orders.extend(read(rows)?);
            }
            orders.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
            orders.truncate(limit);
        }
    }
    Ok(orders)
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

/// A rejected order in the inbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InboxRow {
    pub request_id: String,
    pub number: String,
    pub shop: String,
    pub placed_by: String,
    pub received_ms: i64,
    pub reason: String,
    /// When an admin marked it handled, by whom, and their note.
    pub resolved: Option<Resolution>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Resolution {
    pub at_ms: i64,
    pub by: String,
    pub note: String,
}

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
