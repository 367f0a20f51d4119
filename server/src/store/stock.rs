//! Stock per warehouse and SKU (a SKU with no row anywhere is not stock-tracked). Levels
//! read to be changed are locked until the transaction ends, in SKU order, so two server
//! processes never promise the same units.

use domain::inventory::{Inventory, StockLevel};
use domain::sku::{Sku, WarehouseId};

use super::sql::{StoreError, Tx, Value};
use crate::params;

/// The levels of `skus` in every warehouse (locked for the transaction on PostgreSQL, in
/// the order of the SKUs and warehouses: every transaction that locks stock comes here),
/// in one statement for up to [`super::sql::ITEMS_PER_STATEMENT`] SKUs on PostgreSQL, where each
/// statement is a round trip and these rows stay locked until the transaction ends.
pub fn levels<'a>(
    tx: &mut Tx<'_>,
    skus: impl IntoIterator<Item = &'a Sku>,
) -> anyhow::Result<Inventory> {
    let mut skus: Vec<&Sku> = skus.into_iter().collect();
    skus.sort();
    skus.dedup();
    // The order only matters where rows are locked (SQLite sorts for nothing).
    let locked = match tx.for_update() {
        "" => "",
        _ => " ORDER BY sku, warehouse FOR UPDATE",
    };
    let skus: Vec<Value> = skus.iter().map(|sku| Value::from(sku.as_str())).collect();
    let mut inventory = Inventory::default();
    for row in tx.rows_in(
        &format!(
            "SELECT sku, warehouse, on_hand, reserved, safety FROM stock WHERE sku IN (?items){locked}"
        ),
        &[],
        &skus,
    )? {
        inventory.levels.insert(
            (
                WarehouseId::parse(&row.get::<String>(1)?)?,
                Sku::parse(&row.get::<String>(0)?)?,
            ),
            StockLevel {
                on_hand: row.get(2)?,
                reserved: row.get(3)?,
                safety: row.get(4)?,
            },
        );
    }
    Ok(inventory)
}

/// Writes back the levels that changed between `before` and `after` (a level `after`
/// holds and `before` did not is a warehouse starting to stock the SKU).
pub fn save(tx: &mut Tx<'_>, before: &Inventory, after: &Inventory) -> anyhow::Result<()> {
    let watched = super::webhooks::wanted(tx, "stock.")?;
    for ((warehouse, sku), level) in &after.levels {
        let was = before.levels.get(&(warehouse.clone(), sku.clone()));
        if watched && let Some(was) = was {
            low_stock_event(tx, (warehouse, sku), was, level)?;
        }
        if was != Some(level) {
            tx.write(
                "INSERT INTO stock (warehouse, sku, on_hand, reserved, safety) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (warehouse, sku) DO UPDATE SET on_hand = excluded.on_hand,
                     reserved = excluded.reserved, safety = excluded.safety",
                params![
                    warehouse.as_str(),
                    sku.as_str(),
                    level.on_hand,
                    level.reserved,
                    level.safety
                ],
            )?;
        }
    }
    Ok(())
}

/// Writes a `stock.low` webhook event when what can be promised of a level falls from
/// above its low threshold to or below it.
fn low_stock_event(
    tx: &mut Tx<'_>,
    (warehouse, sku): (&WarehouseId, &Sku),
    before: &StockLevel,
    after: &StockLevel,
) -> anyhow::Result<()> {
    let available =
        |l: &StockLevel| i64::from(l.on_hand) - i64::from(l.reserved) - i64::from(l.safety);
    let (was, is) = (available(before), available(after));
    if is >= was {
        return Ok(());
    }
    let Some(low) = tx
        .value::<Option<i64>>(
            "SELECT low FROM stock WHERE warehouse = ?1 AND sku = ?2",
            params![warehouse.as_str(), sku.as_str()],
        )?
        .flatten()
    else {
        return Ok(());
    };
    if was > low && is <= low {
        let data = serde_json::json!({
            "warehouse": warehouse.as_str(),
            "sku": sku.as_str(),
            "on_hand": after.on_hand,
            "reserved": after.reserved,
            "safety": after.safety,
            "available": is,
            "low": low,
        });
        super::webhooks::emit(tx, "stock.low", data)?;
    }
    Ok(())
}

pub use api::{StockItem as Item, StockMove as Move};

/// Records every change of on-hand stock between `before` and `after` as a move of `kind`.
pub fn record_moves(
    tx: &mut Tx<'_>,
    before: &Inventory,
    after: &Inventory,
    kind: &str,
    reference: &str,
    actor: &str,
    note: &str,
) -> Result<(), StoreError> {
    for ((warehouse, sku), level) in &after.levels {
        let was = before.level(warehouse, sku).on_hand;
        if was != level.on_hand {
            tx.execute(
                "INSERT INTO stock_moves (at_ms, warehouse, sku, delta, on_hand, kind, reference, actor, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    tx.now_ms,
                    warehouse.as_str(),
                    sku.as_str(),
                    i64::from(level.on_hand) - i64::from(was),
                    level.on_hand,
                    kind,
                    reference,
                    actor,
                    note
                ],
            )?;
        }
    }
    Ok(())
}

/// The latest moves of one SKU in one warehouse, newest first.
pub fn moves(
    tx: &mut Tx<'_>,
    warehouse: &WarehouseId,
    sku: &Sku,
    before: i64,
    limit: usize,
) -> Result<Vec<Move>, StoreError> {
    tx.rows(
        "SELECT at_ms, warehouse, sku, delta, on_hand, kind, reference, actor, note, id
         FROM stock_moves
         WHERE warehouse = ?1 AND sku = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4",
        params![warehouse.as_str(), sku.as_str(), before, limit],
    )?
    .iter()
    .map(|row| {
        Ok(Move {
            at_ms: row.get(0)?,
            warehouse: row.get(1)?,
            sku: row.get(2)?,
            delta: row.get(3)?,
            on_hand: row.get(4)?,
            kind: row.get(5)?,
            reference: row.get(6)?,
            actor: row.get(7)?,
            note: row.get(8)?,
            id: row.get(9)?,
        })
    })
    .collect()
}

/// What the stock list shows: one warehouse's, a search by SKU or name, only the alerts.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub warehouse: Option<String>,
    pub query: Option<String>,
    pub alerts_only: bool,
}

const ALERT: &str =
    "CASE WHEN st.low IS NOT NULL AND st.on_hand - st.reserved - st.safety <= st.low THEN 'low'
                          WHEN st.over IS NOT NULL AND st.on_hand > st.over THEN 'over' END";

/// Stock levels that pass `filter`, by warehouse then SKU, after `after` (the last row of
/// the previous page), at most `limit`.
pub fn items(
    tx: &mut Tx<'_>,
    filter: &ItemFilter,
    after: Option<(String, String)>,
    limit: usize,
) -> anyhow::Result<Vec<Item>> {
    use super::sql::Value;
    let (after_warehouse, after_sku) = after.unwrap_or_default();
    let mut sql = format!(
        "SELECT st.warehouse, st.sku, p.json, st.on_hand, st.reserved, st.safety, st.low, st.over, st.location,
                CAST(COALESCE((SELECT SUM(b.quantity) FROM backorders b WHERE b.sku = st.sku), 0) AS BIGINT), {ALERT}
         FROM stock st JOIN products p ON p.sku = st.sku
         WHERE (st.warehouse > ?1 OR (st.warehouse = ?1 AND st.sku > ?2))"
    );
    let mut values: Vec<Value> = vec![after_warehouse.into(), after_sku.into()];
    if let Some(warehouse) = &filter.warehouse {
        values.push(warehouse.into());
        sql.push_str(&format!(" AND st.warehouse = ?{}", values.len()));
    }
    if let Some(query) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let escaped = query
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        values.push(format!("%{escaped}%").into());
        let n = values.len();
        sql.push_str(&format!(
            " AND (UPPER(st.sku) LIKE UPPER(?{n}) ESCAPE '\\' OR p.json LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if filter.alerts_only {
        sql.push_str(&format!(" AND ({ALERT}) IS NOT NULL"));
    }
    values.push(limit.into());
    sql.push_str(&format!(
        " ORDER BY st.warehouse, st.sku LIMIT ?{}",
        values.len()
    ));
    tx.rows(&sql, &values)?
        .iter()
        .map(|row| {
            let product: domain::product::Product = serde_json::from_str(&row.get::<String>(2)?)?;
            let level = StockLevel {
                on_hand: row.get(3)?,
                reserved: row.get(4)?,
                safety: row.get(5)?,
            };
            Ok(Item {
                warehouse: row.get(0)?,
                sku: row.get(1)?,
                name: product.name.zh_hans.clone(),
                on_hand: level.on_hand,
                reserved: level.reserved,
                safety: level.safety,
                available_to_promise: level.available_to_promise(),
                low: row.get(6)?,
                over: row.get(7)?,
                location: row.get(8)?,
                waiting: row.get(9)?,
                alert: row.get(10)?,
            })
        })
        .collect()
}

/// How many levels cross a threshold (the home page's count).
pub fn alert_count(tx: &mut Tx<'_>) -> Result<i64, StoreError> {
    Ok(tx
        .value(
            &format!("SELECT COUNT(*) FROM stock st WHERE ({ALERT}) IS NOT NULL"),
            params![],
        )?
        .unwrap_or(0))
}

/// Sets a level's thresholds and bin location (the level must exist).
pub fn set_settings(
    tx: &mut Tx<'_>,
    warehouse: &WarehouseId,
    sku: &Sku,
    low: Option<u32>,
    over: Option<u32>,
    location: &str,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "UPDATE stock SET low = ?3, over = ?4, location = ?5 WHERE warehouse = ?1 AND sku = ?2",
        params![warehouse.as_str(), sku.as_str(), low, over, location],
    )? == 1)
}

/// The bin locations of `skus` in `warehouse`.
pub fn locations<'a>(
    tx: &mut Tx<'_>,
    warehouse: &WarehouseId,
    skus: impl IntoIterator<Item = &'a Sku>,
) -> Result<std::collections::BTreeMap<Sku, String>, StoreError> {
    let mut found = std::collections::BTreeMap::new();
    for sku in skus {
        if let Some(location) = tx.value::<String>(
            "SELECT location FROM stock WHERE warehouse = ?1 AND sku = ?2",
            params![warehouse.as_str(), sku.as_str()],
        )? {
            found.insert(sku.clone(), location);
        }
    }
    Ok(found)
}

/// Every warehouse: the ones holding stock and the ones supplying shops.
pub fn warehouses(tx: &mut Tx<'_>) -> Result<Vec<String>, StoreError> {
    tx.column(
        "SELECT warehouse FROM stock UNION SELECT warehouse FROM shop_warehouses ORDER BY 1",
        params![],
    )
}

/// True if `warehouse` holds stock rows or supplies a shop (a count for any other name is
/// a typo, not a new warehouse).
pub fn warehouse_exists(tx: &mut Tx<'_>, warehouse: &WarehouseId) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT 1 FROM stock WHERE warehouse = ?1
             UNION ALL SELECT 1 FROM shop_warehouses WHERE warehouse = ?1 LIMIT 1",
            params![warehouse.as_str()],
        )?
        .is_some())
}

/// A stock count: what is on hand (and the safety stock, if given); reservations are kept.
pub fn count(
    tx: &mut Tx<'_>,
    warehouse: &WarehouseId,
    sku: &Sku,
    on_hand: u32,
    safety: Option<u32>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO stock (warehouse, sku, on_hand, reserved, safety) VALUES (?1, ?2, ?3, 0, COALESCE(?4, 0))
         ON CONFLICT (warehouse, sku) DO UPDATE SET on_hand = excluded.on_hand,
             safety = COALESCE(?4, stock.safety)",
        params![warehouse.as_str(), sku.as_str(), on_hand, safety],
    )?;
    Ok(())
}
