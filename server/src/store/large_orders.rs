//! The bullwhip guard's flags: orders far above their shop's usual demand for a product
//! in short supply, and the weekly history it is judged from.

use api::LargeOrder;
use domain::sku::{ShopId, Sku};

use super::sql::{StoreError, Tx, Value, marks};
use crate::params;

const WEEK_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// What `shop` ordered of `sku` in each of the `weeks` weeks before `now_ms` (oldest
/// first), from the first week it ordered the product at all; orders not rejected or
/// cancelled. Empty when that is fewer than `min_weeks` weeks: one indexed probe answers
/// that for a shop new to the product, however many orders it placed lately, and
/// otherwise the weeks are summed by the database from the `(shop, sku, received_ms)`
/// index (at most `weeks` rows come back).
pub fn weekly_history(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    sku: &Sku,
    (weeks, min_weeks): (usize, usize),
    now_ms: i64,
) -> Result<Vec<u32>, StoreError> {
    let span = i64::try_from(weeks).unwrap_or(0);
    if span == 0 || min_weeks > weeks {
        return Ok(Vec::new());
    }
    let since = now_ms - span * WEEK_MS;
    // Only a line in the first `weeks - min_weeks + 1` weeks makes the history that long.
    let long_enough_before =
        since + (span - i64::try_from(min_weeks).unwrap_or(span) + 1) * WEEK_MS;
    let old_enough: Option<i64> = tx.value(
        "SELECT 1 FROM order_lines
         WHERE shop = ?1 AND sku = ?2 AND received_ms >= ?3 AND received_ms < ?4 AND live = 1
         LIMIT 1",
        params![
            shop.as_str(),
            sku.as_str(),
            since,
            long_enough_before.min(now_ms)
        ],
    )?;
    if old_enough.is_none() {
        return Ok(Vec::new());
    }
    let mut totals = vec![0u32; weeks];
    let mut first: Option<usize> = None;
    for row in tx.rows(
        "SELECT (received_ms - ?3) / ?5, CAST(SUM(quantity) AS BIGINT) FROM order_lines
         WHERE shop = ?1 AND sku = ?2 AND received_ms >= ?3 AND received_ms < ?4 AND live = 1
         GROUP BY 1",
        params![shop.as_str(), sku.as_str(), since, now_ms, WEEK_MS],
    )? {
        let week: i64 = row.get(0)?;
        let quantity: i64 = row.get(1)?;
        let week = usize::try_from(week).unwrap_or(0).min(weeks - 1);
        totals[week] = totals[week].saturating_add(u32::try_from(quantity).unwrap_or(u32::MAX));
        first = Some(first.map_or(week, |f| f.min(week)));
    }
    Ok(first.map_or_else(Vec::new, |first| totals.split_off(first)))
}

/// A flag to record.
pub struct NewFlag<'a> {
    pub request_id: &'a str,
    pub sku: &'a Sku,
    pub shop: &'a ShopId,
    pub ordered: u32,
    pub backordered: u32,
    pub weekly: &'a str,
}

pub fn add(tx: &mut Tx<'_>, flag: &NewFlag<'_>, now_ms: i64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO large_orders (request_id, sku, shop, ordered, backordered, weekly, flagged_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        params![
            flag.request_id,
            flag.sku.as_str(),
            flag.shop.as_str(),
            flag.ordered,
            flag.backordered,
            flag.weekly,
            now_ms
        ],
    )?;
    Ok(())
}

fn read(rows: Vec<super::sql::Row>) -> Result<Vec<LargeOrder>, StoreError> {
    rows.into_iter()
        .map(|row| {
            Ok(LargeOrder {
                request_id: row.get(0)?,
                number: row.get(1)?,
                shop: row.get(2)?,
                shop_name: row.get(3)?,
                sku: row.get(4)?,
                ordered: row.get(5)?,
                backordered: row.get(6)?,
                weekly: row.get(7)?,
                flagged_ms: row.get(8)?,
                handled_ms: row.get(9)?,
            })
        })
        .collect()
}

const COLUMNS: &str = "f.request_id, o.number, f.shop, s.name, f.sku, f.ordered, f.backordered,
     f.weekly, f.flagged_ms, f.handled_ms
     FROM large_orders f JOIN orders o ON o.request_id = f.request_id
     JOIN shops s ON s.id = f.shop";

/// The flags nobody has looked at, newest first, at most `limit`, of the shops named (all
/// when `None`).
pub fn open(
    tx: &mut Tx<'_>,
    shops: Option<&[String]>,
    limit: i64,
) -> Result<Vec<LargeOrder>, StoreError> {
    let mut values: Vec<Value> = vec![limit.into()];
    let filter = match shops {
        None => String::new(),
        Some([]) => return Ok(Vec::new()),
        Some(shops) => {
            values.extend(shops.iter().map(|s| Value::from(s.as_str())));
            format!(" AND f.shop IN ({})", marks(2, shops.len()))
        }
    };
    let rows = tx.rows(
        &format!(
            "SELECT {COLUMNS} WHERE f.handled_ms IS NULL{filter}
             AND o.state NOT IN ('rejected', 'cancelled', 'completed')
             ORDER BY f.flagged_ms DESC LIMIT ?1"
        ),
        &values,
    )?;
    read(rows)
}

/// The flags of order `request_id`.
pub fn of_order(tx: &mut Tx<'_>, request_id: &str) -> Result<Vec<LargeOrder>, StoreError> {
    let rows = tx.rows(
        &format!("SELECT {COLUMNS} WHERE f.request_id = ?1 ORDER BY f.sku"),
        params![request_id],
    )?;
    read(rows)
}

/// Marks the flags of order `request_id` looked at; false if it had none open.
pub fn handle(
    tx: &mut Tx<'_>,
    request_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "UPDATE large_orders SET handled_ms = ?2, handled_by = ?3
         WHERE request_id = ?1 AND handled_ms IS NULL",
        params![request_id, now_ms, by],
    )? > 0)
}
