//! Stock per warehouse and SKU (a SKU with no row anywhere is not stock-tracked). Levels
//! read to be changed are locked until the transaction ends, in SKU order, so two server
//! processes never promise the same units.

use domain::inventory::{Inventory, StockLevel};
use domain::sku::{Sku, WarehouseId};

use super::sql::{StoreError, Tx};
use crate::params;

/// The levels of `skus` in every warehouse (locked for the transaction on PostgreSQL).
pub fn levels<'a>(
    tx: &mut Tx<'_>,
    skus: impl IntoIterator<Item = &'a Sku>,
) -> anyhow::Result<Inventory> {
    let mut skus: Vec<&Sku> = skus.into_iter().collect();
    skus.sort();
    skus.dedup();
    let sql = format!(
        "SELECT warehouse, on_hand, reserved, safety FROM stock WHERE sku = ?1 ORDER BY warehouse{}",
        tx.for_update()
    );
    let mut inventory = Inventory::default();
    for sku in skus {
        for row in tx.rows(&sql, params![sku.as_str()])? {
            inventory.levels.insert(
                (WarehouseId::parse(&row.get::<String>(0)?)?, sku.clone()),
                StockLevel {
                    on_hand: row.get(1)?,
                    reserved: row.get(2)?,
                    safety: row.get(3)?,
                },
            );
        }
    }
    Ok(inventory)
}

/// Writes back the levels that changed between `before` and `after`.
pub fn save(tx: &mut Tx<'_>, before: &Inventory, after: &Inventory) -> Result<(), StoreError> {
    for ((warehouse, sku), level) in &after.levels {
        if before.levels.get(&(warehouse.clone(), sku.clone())) != Some(level) {
            tx.execute(
                "UPDATE stock SET on_hand = ?3, reserved = ?4 WHERE warehouse = ?1 AND sku = ?2",
                params![
                    warehouse.as_str(),
                    sku.as_str(),
                    level.on_hand,
                    level.reserved
                ],
            )?;
        }
    }
    Ok(())
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
