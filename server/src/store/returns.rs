//! Returns as lists and counts read them (the return itself lives on its order's
//! confirmation, written with it): one row per return request, taken in once.

use domain::returns::{ReturnRecord, ReturnState};
use domain::sku::ShopId;

use super::sql::{StoreError, Tx};
use crate::params;

/// Records that the return request `id` arrived, once: false if it was taken in before.
pub fn record(
    tx: &mut Tx<'_>,
    id: &str,
    shop: &ShopId,
    order: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "INSERT INTO returns (id, request_id, shop, state, placed_ms, updated_ms)
         VALUES (?1, ?2, ?3, 'unknown_order', ?4, ?4) ON CONFLICT (id) DO NOTHING",
        params![id, order, shop.as_str(), now_ms],
    )? == 1)
}

/// Writes where the return stands now.
pub fn save(tx: &mut Tx<'_>, record: &ReturnRecord) -> Result<(), StoreError> {
    let amount = record
        .amount
        .map(|a| a.amount().to_string())
        .unwrap_or_default();
    tx.execute(
        "UPDATE returns SET number = ?2, state = ?3, remedy = ?4, amount = ?5, updated_ms = ?6,
                units = ?7
         WHERE id = ?1",
        params![
            record.id.as_str(),
            record.number.as_str(),
            record.state.name(),
            record.remedy.name(),
            amount,
            tx.now_ms,
            record
                .lines
                .iter()
                .map(|l| i64::from(l.quantity))
                .sum::<i64>()
        ],
    )?;
    Ok(())
}

/// The order (request id) a return belongs to, found by the return's number or id.
pub fn order_of(tx: &mut Tx<'_>, number_or_id: &str) -> Result<Option<String>, StoreError> {
    tx.value(
        "SELECT request_id FROM returns WHERE (number = ?1 OR id = ?1) AND number <> ''",
        params![number_or_id],
    )
}

/// One listed return: number, order number, shop, shop name, state, remedy, amount,
/// placed, updated, units asked.
pub type ReturnListRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
);

/// Returns in `states` (all when empty), oldest first for open ones, at most `limit`.
pub fn list(
    tx: &mut Tx<'_>,
    states: &[ReturnState],
    shop: Option<&ShopId>,
    before: Option<(i64, String)>,
    limit: usize,
) -> Result<Vec<ReturnListRow>, StoreError> {
    let names: Vec<String> = if states.is_empty() {
        ReturnState::ALL
            .iter()
            .map(|s| format!("'{}'", s.name()))
            .collect()
    } else {
        states.iter().map(|s| format!("'{}'", s.name())).collect()
    };
    let sql = format!(
        "SELECT r.number, o.number, r.shop, COALESCE(s.name, r.shop), r.state, r.remedy, r.amount,
                r.placed_ms, r.updated_ms, r.units
         FROM returns r JOIN orders o ON o.request_id = r.request_id
         LEFT JOIN shops s ON s.id = r.shop
         WHERE r.state IN ({}) AND (?1 = '' OR r.shop = ?1)
           AND (?3 = 0 OR r.placed_ms < ?4 OR (r.placed_ms = ?4 AND r.id < ?5))
         ORDER BY r.placed_ms DESC, r.id DESC LIMIT ?2",
        names.join(", ")
    );
    let cursor = i64::from(before.is_some());
    let (placed, id) = before.unwrap_or_default();
    tx.rows(
        &sql,
        params![shop.map_or("", |s| s.as_str()), limit, cursor, placed, id],
    )?
    .iter()
    .map(|row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
            row.get(9)?,
        ))
    })
    .collect()
}

/// Where the return `number` stands in the list (its time placed and id), for a cursor.
pub fn place_of(tx: &mut Tx<'_>, number: &str) -> Result<Option<(i64, String)>, StoreError> {
    tx.row(
        "SELECT placed_ms, id FROM returns WHERE number = ?1",
        params![number],
    )?
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .transpose()
}

/// How many returns wait in each of the states someone acts on.
pub fn waiting(tx: &mut Tx<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    tx.rows(
        "SELECT state, COUNT(*) FROM returns
         WHERE state IN ('requested', 'approved', 'received') GROUP BY state",
        params![],
    )?
    .iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .collect()
}
