//! The shops as the back office lists them: who owns each (its sign-ins), who manages it,
//! its tier and whether it is active; and what a shop's account holds besides its
//! profile (its own prices, its orders).

use domain::sku::ShopId;

use super::sql::{StoreError, Tx};
use crate::params;

#[derive(Debug, Clone)]
pub struct ShopRow {
    pub id: String,
    pub name: String,
    pub tier: String,
    pub active: bool,
    pub owners: Vec<String>,
    pub managers: Vec<String>,
}

/// Every shop, by id, with its owners' and managers' usernames.
pub fn shops(tx: &mut Tx<'_>) -> Result<Vec<ShopRow>, StoreError> {
    let mut shops: Vec<ShopRow> = tx
        .rows(
            "SELECT id, name, tier, active FROM shops ORDER BY id",
            params![],
        )?
        .iter()
        .map(|row| {
            Ok(ShopRow {
                id: row.get(0)?,
                name: row.get(1)?,
                tier: row.get(2)?,
                active: row.get::<i64>(3)? != 0,
                owners: Vec::new(),
                managers: Vec::new(),
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let find = |shops: &mut Vec<ShopRow>, id: &str| -> Option<usize> {
        shops.binary_search_by(|s| s.id.as_str().cmp(id)).ok()
    };
    for row in tx.rows(
        "SELECT shop, username FROM users WHERE role = 'shop' AND shop IS NOT NULL ORDER BY username",
        params![],
    )? {
        let (shop, username): (String, String) = (row.get(0)?, row.get(1)?);
        if let Some(i) = find(&mut shops, &shop) {
            shops[i].owners.push(username);
        }
    }
    for row in tx.rows(
        "SELECT m.shop, u.username FROM manager_shops m JOIN users u ON u.id = m.manager ORDER BY u.username",
        params![],
    )? {
        let (shop, username): (String, String) = (row.get(0)?, row.get(1)?);
        if let Some(i) = find(&mut shops, &shop) {
            shops[i].managers.push(username);
        }
    }
    Ok(shops)
}

/// One shop with its owners' and managers' usernames (`None` if there is no such shop).
pub fn shop(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Option<ShopRow>, StoreError> {
    let Some(row) = tx.row(
        "SELECT id, name, tier, active FROM shops WHERE id = ?1",
        params![shop.as_str()],
    )?
    else {
        return Ok(None);
    };
    let mut found = ShopRow {
        id: row.get(0)?,
        name: row.get(1)?,
        tier: row.get(2)?,
        active: row.get::<i64>(3)? != 0,
        owners: Vec::new(),
        managers: Vec::new(),
    };
    found.owners = tx.column(
        "SELECT username FROM users WHERE role = 'shop' AND shop = ?1 ORDER BY username",
        params![shop.as_str()],
    )?;
    found.managers = tx.column(
        "SELECT u.username FROM manager_shops m JOIN users u ON u.id = m.manager
         WHERE m.shop = ?1 ORDER BY u.username",
        params![shop.as_str()],
    )?;
    Ok(Some(found))
}

/// The shop's own prices (SKU, price), by SKU.
pub fn own_prices(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Vec<(String, String)>, StoreError> {
    tx.rows(
        "SELECT sku, price FROM customer_prices WHERE shop = ?1 ORDER BY sku",
        params![shop.as_str()],
    )?
    .iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .collect()
}

/// How many orders the shop placed, and how many of them are not over yet.
pub fn order_counts(tx: &mut Tx<'_>, shop: &ShopId) -> Result<(i64, i64), StoreError> {
    let row = tx
        .row(
            "SELECT COUNT(*),
                    COALESCE(SUM(CASE WHEN state IN ('completed', 'cancelled', 'rejected') THEN 0 ELSE 1 END), 0)
             FROM orders WHERE shop = ?1",
            params![shop.as_str()],
        )?
        .ok_or_else(|| StoreError::Database("no row".into()))?;
    Ok((row.get(0)?, row.get(1)?))
}

/// Whether the shop may order (false once an admin deactivated it; unknown shops too).
pub fn is_active(tx: &mut Tx<'_>, shop: &ShopId) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT active FROM shops WHERE id = ?1",
            params![shop.as_str()],
        )?
        .is_some_and(|active| active != 0))
}

/// Changes the shop's name, tier and whether it is active.
pub fn update_shop(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    name: &str,
    tier: &str,
    active: bool,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE shops SET name = ?2, tier = ?3, active = ?4 WHERE id = ?1",
        params![shop.as_str(), name, tier, i64::from(active)],
    )?;
    Ok(())
}

/// The shop's account managers become exactly `managers` (user ids).
pub fn set_managers(tx: &mut Tx<'_>, shop: &ShopId, managers: &[i64]) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM manager_shops WHERE shop = ?1",
        params![shop.as_str()],
    )?;
    for manager in managers {
        tx.execute(
            "INSERT INTO manager_shops (manager, shop) VALUES (?1, ?2)",
            params![*manager, shop.as_str()],
        )?;
    }
    Ok(())
}

/// Every warehouse known (from stock and from the shops they supply), by id.
pub fn warehouses(tx: &mut Tx<'_>) -> Result<Vec<String>, StoreError> {
    tx.column(
        "SELECT warehouse FROM stock UNION SELECT warehouse FROM shop_warehouses ORDER BY 1",
        params![],
    )
}

/// Records an entry on the shop's account.
pub fn add_entry(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    (at_ms, actor): (i64, &str),
    kind: &str,
    (amount, balance): (&str, &str),
    reason: &str,
) -> Result<i64, StoreError> {
    tx.value(
        "INSERT INTO account_entries (shop, at_ms, actor, kind, amount, balance, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        params![shop.as_str(), at_ms, actor, kind, amount, balance, reason],
    )?
    .ok_or_else(|| StoreError::Database("no id returned".into()))
}

/// One stored account entry: id, when, who, kind, amount, balance after, reason.
pub type EntryRow = (i64, i64, String, String, String, String, String);

/// The shop's newest entries first.
pub fn entries(tx: &mut Tx<'_>, shop: &ShopId, limit: usize) -> Result<Vec<EntryRow>, StoreError> {
    tx.rows(
        "SELECT id, at_ms, actor, kind, amount, balance, reason FROM account_entries
         WHERE shop = ?1 ORDER BY id DESC LIMIT ?2",
        params![shop.as_str(), limit],
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
        ))
    })
    .collect()
}

/// Every active shop with its tier, by id.
pub fn shop_tiers(tx: &mut Tx<'_>) -> Result<Vec<(String, String)>, StoreError> {
    tx.rows(
        "SELECT id, tier FROM shops WHERE active = 1 ORDER BY id",
        params![],
    )?
    .iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .collect()
}
