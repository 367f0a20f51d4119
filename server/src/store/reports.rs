//! Cost prices over time and sales added up from the order lines (what each sold for and
//! cost as it was taken in, in cents) by product, shop or day, for the reports.

use domain::sku::Sku;

use super::sql::{StoreError, Tx, Value, marks};
use crate::params;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The cost price in force at a time of each SKU asked, `None` where none is set
/// ([`costs_for`]).
pub type CostsAt = std::collections::HashMap<Sku, Option<i64>>;

/// [`costs_at`] with an entry for every SKU of `skus`, for `orders::insert` (which then
/// reads nothing for them).
pub fn costs_for<'a>(
    tx: &mut Tx<'_>,
    skus: impl IntoIterator<Item = &'a Sku>,
    at_ms: i64,
) -> Result<CostsAt, StoreError> {
    let skus: std::collections::BTreeSet<&Sku> = skus.into_iter().collect();
    let found = costs_at(tx, skus.iter().copied(), at_ms)?;
    Ok(skus
        .into_iter()
        .map(|sku| (sku.clone(), found.get(sku).copied()))
        .collect())
}

/// The unit cost of each of `skus` in force at `at_ms`, in cents (a SKU without one set is
/// left out), in one statement on PostgreSQL ([`Tx::rows_in`]).
pub fn costs_at<'a>(
    tx: &mut Tx<'_>,
    skus: impl IntoIterator<Item = &'a Sku>,
    at_ms: i64,
) -> Result<std::collections::HashMap<Sku, i64>, StoreError> {
    // Each SKU once (an order may name one on several lines, a gift among them).
    let skus: std::collections::BTreeSet<&Sku> = skus.into_iter().collect();
    let skus: Vec<Value> = skus.iter().map(|sku| Value::from(sku.as_str())).collect();
    let mut costs = std::collections::HashMap::new();
    // The cost in force is each SKU's newest up to `at_ms` (kept here: sorting in the
    // database cost more than the few rows a SKU has).
    for row in tx.rows_in(
        "SELECT sku, from_ms, cost_cents FROM product_costs WHERE from_ms <= ?1 AND sku IN (?items)",
        &[Value::from(at_ms)],
        &skus,
    )? {
        let (sku, from_ms, cost): (String, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let Ok(sku) = Sku::parse(&sku) else { continue };
        let newest = costs.entry(sku).or_insert((from_ms, cost));
        if from_ms > newest.0 {
            *newest = (from_ms, cost);
        }
    }
    Ok(costs
        .into_iter()
        .map(|(sku, (_, cost))| (sku, cost))
        .collect())
}

/// One cost price as it was set: from when, the cost in cents, who, why, when set.
pub type CostRow = (i64, i64, String, String, i64);

/// Sets the cost of `sku` from `from_ms` on (replacing one set for that very moment).
pub fn set_cost(
    tx: &mut Tx<'_>,
    sku: &Sku,
    from_ms: i64,
    cost_cents: i64,
    (actor, note): (&str, &str),
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO product_costs (sku, from_ms, cost_cents, actor, note, set_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (sku, from_ms) DO UPDATE SET cost_cents = excluded.cost_cents,
             actor = excluded.actor, note = excluded.note, set_ms = excluded.set_ms",
        params![sku.as_str(), from_ms, cost_cents, actor, note, tx.now_ms],
    )?;
    Ok(())
}

/// The cost history of `sku`, newest first.
pub fn costs_of(tx: &mut Tx<'_>, sku: &Sku) -> Result<Vec<CostRow>, StoreError> {
    tx.rows(
        "SELECT from_ms, cost_cents, actor, note, set_ms FROM product_costs WHERE sku = ?1
         ORDER BY from_ms DESC",
        params![sku.as_str()],
    )?
    .iter()
    .map(|row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
        ))
    })
    .collect()
}

/// What a group of order lines adds up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub orders: i64,
    pub units: i64,
    /// What they sold for (cents, before tax, after discounts).
    pub net: i64,
    /// What they cost (cents), over the lines whose cost was known.
    pub cost: i64,
    /// Lines sold without a known cost.
    pub uncosted: i64,
    /// What the lines with a known cost sold for (cents): the margin's base.
    pub costed_net: i64,
}

impl Sums {
    pub fn add(&mut self, other: &Sums) {
        self.orders += other.orders;
        self.units += other.units;
        self.net += other.net;
        self.cost += other.cost;
        self.uncosted += other.uncosted;
        self.costed_net += other.costed_net;
    }
}

/// What sales are grouped by in SQL (the rest is rolled up from these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Sku,
    Shop,
    /// The day (days since 1970 in the time zone `offset_minutes` east of UTC).
    Day {
        offset_minutes: i32,
    },
}

/// The parameters `?1`, `?2` (the period) and the condition on the shops named (`?3`…),
/// or `None` when no shop is named at all (nothing to add up).
fn shop_filter(
    (from_ms, to_ms): (i64, i64),
    shops: Option<&[String]>,
) -> Option<(String, Vec<Value>)> {
    let mut values: Vec<Value> = vec![from_ms.into(), to_ms.into()];
    let Some(shops) = shops else {
        return Some((String::new(), values));
    };
    if shops.is_empty() {
        return None;
    }
    values.extend(shops.iter().map(|s| Value::from(s.as_str())));
    Some((
        format!(" AND l.shop IN ({})", marks(3, shops.len())),
        values,
    ))
}

/// Sales of orders received in `[from_ms, to_ms)` that were not rejected or cancelled,
/// by `key`, for the shops named (all when `None`).
pub fn sales_by(
    tx: &mut Tx<'_>,
    key: Key,
    (from_ms, to_ms): (i64, i64),
    shops: Option<&[String]>,
) -> Result<Vec<(String, Sums)>, StoreError> {
    let column = match key {
        Key::Sku => "l.sku".to_owned(),
        Key::Shop => "l.shop".to_owned(),
        Key::Day { offset_minutes } => format!(
            "CAST((l.received_ms + {}) / {DAY_MS} AS TEXT)",
            i64::from(offset_minutes) * 60_000
        ),
    };
    let Some((filter, values)) = shop_filter((from_ms, to_ms), shops) else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {column},
                CAST(COUNT(DISTINCT l.request_id) AS BIGINT),
                CAST(SUM(l.quantity) AS BIGINT),
                CAST(COALESCE(SUM(l.net_cents), 0) AS BIGINT),
                CAST(COALESCE(SUM(l.cost_cents), 0) AS BIGINT),
                CAST(SUM(CASE WHEN l.cost_cents IS NULL THEN 1 ELSE 0 END) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN l.cost_cents IS NULL THEN 0 ELSE l.net_cents END), 0)
                     AS BIGINT)
         FROM order_lines l
         WHERE l.received_ms >= ?1 AND l.received_ms < ?2 AND l.live = 1{filter}
         GROUP BY {column}"
    );
    tx.rows(&sql, &values)?
        .iter()
        .map(|row| {
            Ok((
                row.get(0)?,
                Sums {
                    orders: row.get(1)?,
                    units: row.get(2)?,
                    net: row.get(3)?,
                    cost: row.get(4)?,
                    uncosted: row.get(5)?,
                    costed_net: row.get(6)?,
                },
            ))
        })
        .collect()
}

/// How many orders were received in `[from_ms, to_ms)` and not rejected or cancelled,
/// for the shops named (all when `None`).
pub fn orders_in(
    tx: &mut Tx<'_>,
    (from_ms, to_ms): (i64, i64),
    shops: Option<&[String]>,
) -> Result<i64, StoreError> {
    let Some((filter, values)) = shop_filter((from_ms, to_ms), shops) else {
        return Ok(0);
    };
    Ok(tx
        .value(
            &format!(
                "SELECT CAST(COUNT(DISTINCT l.request_id) AS BIGINT) FROM order_lines l
                 WHERE l.received_ms >= ?1 AND l.received_ms < ?2 AND l.live = 1{filter}"
            ),
            &values,
        )?
        .unwrap_or(0))
}

/// Every shop with its name and tier.
pub fn shops(tx: &mut Tx<'_>) -> Result<Vec<(String, String, String)>, StoreError> {
    tx.rows("SELECT id, name, tier FROM shops ORDER BY id", params![])?
        .iter()
        .map(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .collect()
}

/// One order's lines as taken in: sku, quantity, net and cost in cents (if known).
pub type LineRow = (String, u32, Option<i64>, Option<i64>);

/// The lines of the order `request_id`, in order.
pub fn lines_of(tx: &mut Tx<'_>, request_id: &str) -> Result<Vec<LineRow>, StoreError> {
    tx.rows(
        "SELECT sku, quantity, net_cents, cost_cents FROM order_lines WHERE request_id = ?1
         ORDER BY line",
        params![request_id],
    )?
    .iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
    .collect()
}

/// An order as a fill-rate report reads it: its shop, when it came in, what it ordered
/// and each shipment (when it left, what it held).
#[derive(Debug, Clone, Default)]
pub struct ServedOrder {
    pub shop: String,
    pub received_ms: i64,
    pub ordered: std::collections::BTreeMap<Sku, u32>,
    pub shipments: Vec<(i64, std::collections::BTreeMap<Sku, u32>)>,
}

/// The orders received in `[from_ms, to_ms)`, not rejected or cancelled, of the shops
/// named (all when `None`), with their shipments; by request id.
pub fn served(
    tx: &mut Tx<'_>,
    (from_ms, to_ms): (i64, i64),
    shops: Option<&[String]>,
) -> anyhow::Result<std::collections::BTreeMap<String, ServedOrder>> {
    let mut orders: std::collections::BTreeMap<String, ServedOrder> =
        std::collections::BTreeMap::new();
    let Some((filter, values)) = shop_filter((from_ms, to_ms), shops) else {
        return Ok(orders);
    };
    for row in tx.rows(
        &format!(
            "SELECT l.request_id, l.shop, l.received_ms, l.sku, l.quantity FROM order_lines l
             WHERE l.received_ms >= ?1 AND l.received_ms < ?2 AND l.live = 1{filter}"
        ),
        &values,
    )? {
        let order = orders.entry(row.get(0)?).or_default();
        order.shop = row.get(1)?;
        order.received_ms = row.get(2)?;
        let sku = Sku::parse(&row.get::<String>(3)?)?;
        *order.ordered.entry(sku).or_default() += row.get::<u32>(4)?;
    }
    for row in tx.rows(
        &format!(
            "SELECT l.request_id, l.shipped_ms, l.lines FROM shipments l
             JOIN orders o ON o.request_id = l.request_id
             WHERE o.received_ms >= ?1 AND o.received_ms < ?2{filter}"
        ),
        &values,
    )? {
        if let Some(order) = orders.get_mut(&row.get::<String>(0)?) {
            let lines = serde_json::from_str(&row.get::<String>(2)?)?;
            order.shipments.push((row.get(1)?, lines));
        }
    }
    Ok(orders)
}
