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
