//! Categories, products, tiers, shops, price lists (tier and per-shop) and the warehouses
//! that supply each shop. Products are read through a cache keyed by the catalog's
//! version (bumped in the transaction of every product change), so an intake does not
//! parse the whole catalog, and no process uses a stale one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use domain::money::{Currency, Money};
use domain::price_book::{PriceBook, ScheduledPrice};
use domain::price_hold::PricesThen;
use domain::product::{Category, Product};
use domain::sku::{CategoryId, ShopId, Sku, TierId, WarehouseId};

use super::sql::{StoreError, Tx, Value, marks};
use crate::params;

/// Every product, by SKU.
pub type Products = Arc<BTreeMap<Sku, Product>>;

/// The products as of a catalog version.
#[derive(Default)]
pub struct CatalogCache {
    entry: Mutex<Option<(i64, Products)>>,
}

/// The value of the counter `name` (0 before it was first set).
fn counter(tx: &mut Tx<'_>, name: &str) -> Result<i64, StoreError> {
    Ok(tx
        .value("SELECT value FROM counters WHERE name = ?1", params![name])?
        .unwrap_or(0))
}

fn catalog_version(tx: &mut Tx<'_>) -> Result<i64, StoreError> {
    counter(tx, "catalog")
}

/// The number every change to what an order is priced with moves: products, prices (now,
/// scheduled and their history), who may buy what, shops' tiers, terms, promotions and
/// nearest warehouses. Triggers move it (migration V32), so no write can forget to.
pub fn pricing_version(tx: &mut Tx<'_>) -> Result<i64, StoreError> {
    counter(tx, "pricing")
}

/// Marks the catalog changed (every process reloads it on next use). The mark is a new
/// random number, not the next one: a transaction that moved it, read the catalog it
/// changed (so the cache kept it under that mark) and was then rolled back must not leave
/// a number the next change would use again, or the cache would serve what was undone.
fn bump_catalog(tx: &mut Tx<'_>) -> Result<(), StoreError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|error| StoreError::Database(format!("no randomness: {error}")))?;
    let mark = i64::from_le_bytes(bytes) & i64::MAX;
    tx.execute(
        "INSERT INTO counters (name, value) VALUES ('catalog', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![mark],
    )?;
    Ok(())
}

/// Every product, by SKU.
pub fn products(tx: &mut Tx<'_>, cache: &CatalogCache) -> anyhow::Result<Products> {
    let version = catalog_version(tx)?;
    {
        let entry = cache.entry.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached, products)) = entry.as_ref()
            && *cached == version
        {
            return Ok(products.clone());
        }
    }
    let mut products = BTreeMap::new();
    for json in tx.column::<String>("SELECT json FROM products", params![])? {
        let product: Product =
            serde_json::from_str(&json).context("a stored product does not parse")?;
        products.insert(product.sku.clone(), product);
    }
    let products = Arc::new(products);
    *cache.entry.lock().unwrap_or_else(|p| p.into_inner()) = Some((version, products.clone()));
    Ok(products)
}

pub fn product(tx: &mut Tx<'_>, sku: &Sku) -> anyhow::Result<Option<Product>> {
    tx.value::<String>(
        "SELECT json FROM products WHERE sku = ?1",
        params![sku.as_str()],
    )?
    .map(|json| serde_json::from_str(&json).context("a stored product does not parse"))
    .transpose()
}

pub fn product_exists(tx: &mut Tx<'_>, sku: &Sku) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT 1 FROM products WHERE sku = ?1",
            params![sku.as_str()],
        )?
        .is_some())
}

/// Records what `list` held for `sku` before a change now (see
/// `migrations/*/V20__price_history.sql`).
fn remember(
    tx: &mut Tx<'_>,
    list: &str,
    sku: &Sku,
    before: Option<String>,
) -> Result<(), StoreError> {
    let now_ms = tx.now_ms;
    tx.execute(
        "INSERT INTO price_history (list, sku, changed_ms, before) VALUES (?1, ?2, ?3, ?4)",
        params![list, sku.as_str(), now_ms, before],
    )?;
    Ok(())
}

/// Inserts or replaces a product (remembering its prices before, when they change).
pub fn put_product(tx: &mut Tx<'_>, product: &Product) -> anyhow::Result<()> {
    if let Some(before) = self::product(tx, &product.sku)?
        && !before.same_prices(product)
    {
        remember(
            tx,
            "product",
            &product.sku,
            Some(serde_json::to_string(&before)?),
        )?;
    }
    tx.execute(
        "INSERT INTO products (sku, json) VALUES (?1, ?2)
         ON CONFLICT (sku) DO UPDATE SET json = excluded.json",
        params![product.sku.as_str(), serde_json::to_string(product)?],
    )?;
    bump_catalog(tx)?;
    Ok(())
}

/// Every category, in display order (position, then id).
pub fn categories(tx: &mut Tx<'_>) -> anyhow::Result<Vec<Category>> {
    let mut categories = tx
        .column::<String>("SELECT json FROM categories", params![])?
        .iter()
        .map(|json| serde_json::from_str(json).context("a stored category does not parse"))
        .collect::<anyhow::Result<Vec<Category>>>()?;
    categories.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
    Ok(categories)
}

pub fn category(tx: &mut Tx<'_>, id: &CategoryId) -> anyhow::Result<Option<Category>> {
    tx.value::<String>(
        "SELECT json FROM categories WHERE id = ?1",
        params![id.as_str()],
    )?
    .map(|json| serde_json::from_str(&json).context("a stored category does not parse"))
    .transpose()
}

pub fn put_category(tx: &mut Tx<'_>, category: &Category) -> anyhow::Result<()> {
    tx.execute(
        "INSERT INTO categories (id, json) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json",
        params![category.id.as_str(), serde_json::to_string(category)?],
    )?;
    Ok(())
}

/// A tier with its name and its priority when stock is short (`rank` 0 is served first).
pub fn put_tier(tx: &mut Tx<'_>, tier: &str, name: &str, rank: u32) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tiers (id, name, rank) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, rank = excluded.rank",
        params![tier, name, rank],
    )?;
    Ok(())
}

pub fn tiers(tx: &mut Tx<'_>) -> anyhow::Result<Vec<TierId>> {
    tx.column::<String>("SELECT id FROM tiers ORDER BY id", params![])?
        .iter()
        .map(|id| Ok(TierId::parse(id)?))
        .collect()
}

pub fn tier_exists(tx: &mut Tx<'_>, tier: &TierId) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>("SELECT 1 FROM tiers WHERE id = ?1", params![tier.as_str()])?
        .is_some())
}

pub fn put_shop(tx: &mut Tx<'_>, shop: &str, name: &str, tier: &str) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO shops (id, name, tier) VALUES (?1, ?2, ?3)",
        params![shop, name, tier],
    )?;
    Ok(())
}

pub fn shops(tx: &mut Tx<'_>) -> anyhow::Result<Vec<ShopId>> {
    tx.column::<String>("SELECT id FROM shops ORDER BY id", params![])?
        .iter()
        .map(|id| Ok(ShopId::parse(id)?))
        .collect()
}

pub fn shop_exists(tx: &mut Tx<'_>, shop: &ShopId) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>("SELECT 1 FROM shops WHERE id = ?1", params![shop.as_str()])?
        .is_some())
}

/// A shop's name and tier.
pub fn shop_summary(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<Option<(String, TierId)>> {
    tx.row(
        "SELECT name, tier FROM shops WHERE id = ?1",
        params![shop.as_str()],
    )?
    .map(|row| Ok((row.get(0)?, TierId::parse(&row.get::<String>(1)?)?)))
    .transpose()
}

pub fn tier_of(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<Option<TierId>> {
    let tier: Option<String> = tx.value(
        "SELECT tier FROM shops WHERE id = ?1",
        params![shop.as_str()],
    )?;
    Ok(tier.and_then(|t| TierId::parse(&t).ok()))
}

/// The tier of each of `shops` (`None` for a shop without one or not stored), a few
/// hundred shops per statement: a manager's every sync checks them all.
pub fn tiers_of<'a>(
    tx: &mut Tx<'_>,
    shops: impl IntoIterator<Item = &'a ShopId>,
) -> anyhow::Result<BTreeMap<ShopId, Option<TierId>>> {
    let shops: Vec<&ShopId> = shops.into_iter().collect();
    let mut tiers: BTreeMap<ShopId, Option<TierId>> =
        shops.iter().map(|shop| ((*shop).clone(), None)).collect();
    for part in shops.chunks(500) {
        let values: Vec<Value> = part.iter().map(|shop| Value::from(shop.as_str())).collect();
        for row in tx.rows(
            &format!(
                "SELECT id, tier FROM shops WHERE id IN ({})",
                marks(1, part.len())
            ),
            &values,
        )? {
            let (shop, tier): (String, Option<String>) = (row.get(0)?, row.get(1)?);
            if let Ok(shop) = ShopId::parse(&shop) {
                tiers.insert(shop, tier.and_then(|t| TierId::parse(&t).ok()));
            }
        }
    }
    Ok(tiers)
}

/// The weight of one unit of each of `skus`, in grams (unknown SKUs left out).
pub fn weights<'a>(
    tx: &mut Tx<'_>,
    skus: impl IntoIterator<Item = &'a Sku>,
) -> anyhow::Result<BTreeMap<Sku, u32>> {
    let mut weights = BTreeMap::new();
    for sku in skus {
        if let Some(json) = tx.value::<String>(
            "SELECT json FROM products WHERE sku = ?1",
            params![sku.as_str()],
        )? {
            let product: Product = serde_json::from_str(&json).context("a stored product")?;
            weights.insert(sku.clone(), product.weight_grams);
        }
    }
    Ok(weights)
}

/// The priority rank of `shop`'s tier when stock is short (0 first; shops without a tier
/// last).
pub fn tier_rank(tx: &mut Tx<'_>, shop: &ShopId) -> Result<u32, StoreError> {
    Ok(tx
        .value::<u32>(
            "SELECT t.rank FROM shops s JOIN tiers t ON t.id = s.tier WHERE s.id = ?1",
            params![shop.as_str()],
        )?
        .unwrap_or(u32::MAX))
}

/// The prices `shop` (of `tier`) pays for `skus`: its tier's and its own (the rest of the
/// catalog is not needed to price an order of these SKUs).
pub fn price_book<'a>(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    tier: Option<&TierId>,
    skus: impl IntoIterator<Item = &'a Sku>,
) -> anyhow::Result<PriceBook> {
    let tier = tier.cloned();
    let mut book = PriceBook {
        tier: tier.clone(),
        tier_prices: BTreeMap::new(),
        customer_prices: BTreeMap::new(),
        allowed: allowed_for(tx, shop)?,
        tier_schedule: Default::default(),
        customer_schedule: Default::default(),
    };
    if let Some(tier) = &tier {
        book.tier_schedule = schedule(tx, &PriceList::Tier(tier.clone()))?;
    }
    book.customer_schedule = schedule(tx, &PriceList::Shop(shop.clone()))?;
    // Both lists in one statement (each statement is a round trip on PostgreSQL, inside
    // the intake's transaction).
    let skus: Vec<Value> = skus
        .into_iter()
        .map(|sku| Value::from(sku.as_str()))
        .collect();
    let tier_and_shop = [
        Value::from(tier.as_ref().map_or("", |t| t.as_str())),
        Value::from(shop.as_str()),
    ];
    for row in tx.rows_in(
        "SELECT 't', sku, price FROM tier_prices WHERE tier = ?1 AND sku IN (?items) \
         UNION ALL \
         SELECT 'c', sku, price FROM customer_prices WHERE shop = ?2 AND sku IN (?items)",
        &tier_and_shop,
        &skus,
    )? {
        let (list, sku, price): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let price = Money::parse_price(&price, Currency::Cny)?;
        let prices = match list.as_str() {
            "t" => &mut book.tier_prices,
            _ => &mut book.customer_prices,
        };
        prices.insert(Sku::parse(&sku)?, price);
    }
    Ok(book)
}

/// The prices of `skus` for `shop` as they were at `as_of_ms`: the products and the book it
/// has now (`products`, `book`, read for those SKUs) with every change since undone from
/// the price history (the earliest change after `as_of_ms` of each list holds its value
/// then). What may be bought is not undone.
pub fn prices_then(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    (products, book): (&BTreeMap<Sku, Product>, &PriceBook),
    skus: &BTreeSet<Sku>,
    as_of_ms: i64,
) -> anyhow::Result<PricesThen> {
    let mut then = PricesThen {
        as_of_ms,
        products: BTreeMap::new(),
        book: book.clone(),
    };
    let tier = book.tier.as_ref().map(|t| PriceList::Tier(t.clone()).key());
    let own = PriceList::Shop(shop.clone()).key();
    fn put<T>(map: &mut BTreeMap<Sku, T>, sku: &Sku, value: Option<T>) {
        match value {
            Some(value) => map.insert(sku.clone(), value),
            None => map.remove(sku),
        };
    }
    for sku in skus {
        let mut undone = BTreeSet::new();
        for row in tx.rows(
            "SELECT list, before FROM price_history WHERE sku = ?1 AND changed_ms > ?2
             ORDER BY changed_ms, id",
            params![sku.as_str(), as_of_ms],
        )? {
            let list: String = row.get(0)?;
            let before: Option<String> = row.get(1)?;
            if !undone.insert(list.clone()) {
                continue;
            }
            let price = |before: &Option<String>| {
                before
                    .as_deref()
                    .map(|p| Money::parse_price(p, Currency::Cny))
                    .transpose()
            };
            let changes = |before: &Option<String>| -> anyhow::Result<Option<Vec<ScheduledPrice>>> {
                let changes: Vec<ScheduledPrice> =
                    serde_json::from_str(before.as_deref().unwrap_or("[]"))?;
                Ok((!changes.is_empty()).then_some(changes))
            };
            let list = list.as_str();
            let schedule = list.strip_prefix("schedule/");
            if list == "product" {
                if let (Some(now), Some(json)) = (products.get(sku), &before) {
                    let old: Product = serde_json::from_str(json)
                        .context("a remembered product does not parse")?;
                    then.products.insert(sku.clone(), now.with_prices_of(&old));
                }
            } else if Some(list) == tier.as_deref() {
                put(&mut then.book.tier_prices, sku, price(&before)?);
            } else if list == own {
                put(&mut then.book.customer_prices, sku, price(&before)?);
            } else if schedule.is_some() && schedule == tier.as_deref() {
                put(&mut then.book.tier_schedule, sku, changes(&before)?);
            } else if schedule == Some(own.as_str()) {
                put(&mut then.book.customer_schedule, sku, changes(&before)?);
            }
        }
    }
    Ok(then)
}

/// Forgets price history from before `cutoff_ms`; how many changes were forgotten.
pub fn forget_prices_before(tx: &mut Tx<'_>, cutoff_ms: i64) -> Result<u64, StoreError> {
    tx.execute(
        "DELETE FROM price_history WHERE changed_ms < ?1",
        params![cutoff_ms],
    )
}

/// Which price list a price belongs to.
#[derive(Debug, Clone)]
pub enum PriceList {
    Tier(TierId),
    Shop(ShopId),
}

impl PriceList {
    /// The document devices read this list from.
    pub fn doc(&self) -> docs::schema::doc_id::DocId {
        use docs::schema::doc_id::DocId;
        match self {
            PriceList::Tier(tier) => DocId::TierPrices(tier.clone()),
            PriceList::Shop(shop) => DocId::ShopPrices(shop.clone()),
        }
    }

    /// `tier/T` or `shop/S`, as `scheduled_prices.list` holds it.
    pub fn key(&self) -> String {
        match self {
            PriceList::Tier(tier) => format!("tier/{tier}"),
            PriceList::Shop(shop) => format!("shop/{shop}"),
        }
    }
}

/// Whether the list's tier or shop exists.
pub fn list_exists(tx: &mut Tx<'_>, list: &PriceList) -> Result<bool, StoreError> {
    match list {
        PriceList::Tier(tier) => tier_exists(tx, tier),
        PriceList::Shop(shop) => shop_exists(tx, shop),
    }
}

fn scheduled_row(row: &super::sql::Row) -> anyhow::Result<(Sku, ScheduledPrice)> {
    let price: Option<String> = row.get(2)?;
    Ok((
        Sku::parse(&row.get::<String>(0)?)?,
        ScheduledPrice {
            from_ms: row.get(1)?,
            price: price
                .map(|p| Money::parse_price(&p, Currency::Cny))
                .transpose()?,
        },
    ))
}

/// Every scheduled change of `list`, by SKU, in time order.
pub fn schedule(
    tx: &mut Tx<'_>,
    list: &PriceList,
) -> anyhow::Result<BTreeMap<Sku, Vec<ScheduledPrice>>> {
    let mut schedule: BTreeMap<Sku, Vec<ScheduledPrice>> = BTreeMap::new();
    for row in tx.rows(
        "SELECT sku, from_ms, price FROM scheduled_prices WHERE list = ?1 ORDER BY sku, from_ms",
        params![list.key()],
    )? {
        let (sku, change) = scheduled_row(&row)?;
        schedule.entry(sku).or_default().push(change);
    }
    Ok(schedule)
}

/// The scheduled changes of `sku` in `list`, in time order.
pub fn schedule_of(
    tx: &mut Tx<'_>,
    list: &PriceList,
    sku: &Sku,
) -> anyhow::Result<Vec<ScheduledPrice>> {
    tx.rows(
        "SELECT sku, from_ms, price FROM scheduled_prices WHERE list = ?1 AND sku = ?2
         ORDER BY from_ms",
        params![list.key(), sku.as_str()],
    )?
    .iter()
    .map(|row| Ok(scheduled_row(row)?.1))
    .collect()
}

/// Records `sku`'s scheduled changes in `list` before a change of them.
fn remember_schedule(tx: &mut Tx<'_>, list: &PriceList, sku: &Sku) -> anyhow::Result<()> {
    let before = serde_json::to_string(&schedule_of(tx, list, sku)?)?;
    remember(tx, &format!("schedule/{}", list.key()), sku, Some(before))?;
    Ok(())
}

/// Schedules `price` (or its removal) for `sku` in `list` from `from_ms` (replacing a
/// change at that same time).
pub fn schedule_price(
    tx: &mut Tx<'_>,
    list: &PriceList,
    sku: &Sku,
    change: ScheduledPrice,
) -> anyhow::Result<()> {
    remember_schedule(tx, list, sku)?;
    tx.execute(
        "INSERT INTO scheduled_prices (list, sku, from_ms, price) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (list, sku, from_ms) DO UPDATE SET price = excluded.price",
        params![
            list.key(),
            sku.as_str(),
            change.from_ms,
            change.price.map(|p| p.amount().to_string())
        ],
    )?;
    Ok(())
}

/// Cancels the change of `sku` in `list` at `from_ms`; false if there was none.
pub fn unschedule_price(
    tx: &mut Tx<'_>,
    list: &PriceList,
    sku: &Sku,
    from_ms: i64,
) -> anyhow::Result<bool> {
    remember_schedule(tx, list, sku)?;
    Ok(tx.execute(
        "DELETE FROM scheduled_prices WHERE list = ?1 AND sku = ?2 AND from_ms = ?3",
        params![list.key(), sku.as_str(), from_ms],
    )? > 0)
}

/// Every price `list` sets, by SKU (decimal strings).
pub fn prices_of(tx: &mut Tx<'_>, list: &PriceList) -> anyhow::Result<BTreeMap<Sku, String>> {
    let rows = match list {
        PriceList::Tier(tier) => tx.rows(
            "SELECT sku, price FROM tier_prices WHERE tier = ?1",
            params![tier.as_str()],
        )?,
        PriceList::Shop(shop) => tx.rows(
            "SELECT sku, price FROM customer_prices WHERE shop = ?1",
            params![shop.as_str()],
        )?,
    };
    rows.iter()
        .map(|row| Ok((Sku::parse(&row.get::<String>(0)?)?, row.get(1)?)))
        .collect()
}

/// Scheduled changes at or before `until_ms` (list key, SKU, change), oldest first.
pub fn changes_due(
    tx: &mut Tx<'_>,
    until_ms: i64,
) -> anyhow::Result<Vec<(String, Sku, ScheduledPrice)>> {
    tx.rows(
        "SELECT sku, from_ms, price, list FROM scheduled_prices WHERE from_ms <= ?1
         ORDER BY from_ms, list, sku",
        params![until_ms],
    )?
    .iter()
    .map(|row| {
        let (sku, change) = scheduled_row(row)?;
        Ok((row.get(3)?, sku, change))
    })
    .collect()
}

/// Sets (or with `None` removes) a price in a list.
pub fn set_price(
    tx: &mut Tx<'_>,
    list: &PriceList,
    sku: &Sku,
    price: Option<Money>,
) -> Result<(), StoreError> {
    let before = price_in(tx, list, sku)?;
    let parsed = before
        .as_deref()
        .and_then(|b| Money::parse_price(b, Currency::Cny).ok());
    if parsed != price {
        remember(tx, &list.key(), sku, before)?;
    }
    let price = price.map(|p| p.amount().to_string());
    match (list, price) {
        (PriceList::Tier(tier), Some(price)) => tx.execute(
            "INSERT INTO tier_prices (tier, sku, price) VALUES (?1, ?2, ?3)
             ON CONFLICT (tier, sku) DO UPDATE SET price = excluded.price",
            params![tier.as_str(), sku.as_str(), price],
        )?,
        (PriceList::Tier(tier), None) => tx.execute(
            "DELETE FROM tier_prices WHERE tier = ?1 AND sku = ?2",
            params![tier.as_str(), sku.as_str()],
        )?,
        (PriceList::Shop(shop), Some(price)) => tx.execute(
            "INSERT INTO customer_prices (shop, sku, price) VALUES (?1, ?2, ?3)
             ON CONFLICT (shop, sku) DO UPDATE SET price = excluded.price",
            params![shop.as_str(), sku.as_str(), price],
        )?,
        (PriceList::Shop(shop), None) => tx.execute(
            "DELETE FROM customer_prices WHERE shop = ?1 AND sku = ?2",
            params![shop.as_str(), sku.as_str()],
        )?,
    };
    Ok(())
}

/// The price `list` sets for `sku`, if any (a decimal string).
pub fn price_in(
    tx: &mut Tx<'_>,
    list: &PriceList,
    sku: &Sku,
) -> Result<Option<String>, StoreError> {
    match list {
        PriceList::Tier(tier) => tx.value(
            "SELECT price FROM tier_prices WHERE tier = ?1 AND sku = ?2",
            params![tier.as_str(), sku.as_str()],
        ),
        PriceList::Shop(shop) => tx.value(
            "SELECT price FROM customer_prices WHERE shop = ?1 AND sku = ?2",
            params![shop.as_str(), sku.as_str()],
        ),
    }
}

/// The warehouses that supply `shop`, nearest first.
pub fn nearest_warehouses(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<Vec<WarehouseId>> {
    tx.column::<String>(
        "SELECT warehouse FROM shop_warehouses WHERE shop = ?1 ORDER BY rank",
        params![shop.as_str()],
    )?
    .iter()
    .map(|w| Ok(WarehouseId::parse(w)?))
    .collect()
}

pub fn add_shop_warehouse(
    tx: &mut Tx<'_>,
    shop: &str,
    warehouse: &str,
    rank: usize,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO shop_warehouses (shop, warehouse, rank) VALUES (?1, ?2, ?3)",
        params![shop, warehouse, rank],
    )?;
    Ok(())
}

/// The limited products `shop` was given by name.
pub fn allowed_for(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<BTreeSet<Sku>> {
    tx.column::<String>(
        "SELECT sku FROM product_shops WHERE shop = ?1",
        params![shop.as_str()],
    )?
    .iter()
    .map(|sku| Ok(Sku::parse(sku)?))
    .collect()
}

/// The shops given `sku` by name, by id.
pub fn allowed_shops(tx: &mut Tx<'_>, sku: &Sku) -> Result<Vec<String>, StoreError> {
    tx.column(
        "SELECT shop FROM product_shops WHERE sku = ?1 ORDER BY shop",
        params![sku.as_str()],
    )
}

/// `sku` is given by name to exactly `shops`.
pub fn set_allowed_shops(tx: &mut Tx<'_>, sku: &Sku, shops: &[String]) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM product_shops WHERE sku = ?1",
        params![sku.as_str()],
    )?;
    for shop in shops {
        tx.execute(
            "INSERT INTO product_shops (sku, shop) VALUES (?1, ?2)",
            params![sku.as_str(), shop],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_catalog_change_rolled_back_after_it_was_read_is_never_served_from_the_cache() {
        let (_dir, store) = crate::demo_data::seeded_sqlite(10).await;
        let cache = Arc::new(CatalogCache::default());
        let read = || {
            let cache = cache.clone();
            move |tx: &mut Tx<'_>| -> anyhow::Result<String> {
                let products = products(tx, &cache)?;
                Ok(products.values().next().unwrap().name.zh_hans.clone())
            }
        };
        let renamed = |name: &'static str| {
            move |tx: &mut Tx<'_>| -> anyhow::Result<()> {
                let mut product = products(tx, &CatalogCache::default())?
                    .values()
                    .next()
                    .unwrap()
                    .clone();
                product.name.zh_hans = name.to_owned();
                put_product(tx, &product)
            }
        };
        // A change read back (and so cached) in its own transaction, which then fails.
        let (rename, read_back) = (renamed("撤销的名字"), read());
        let failed: anyhow::Result<()> = store
            .write(move |tx| {
                rename(tx)?;
                assert_eq!(read_back(tx)?, "撤销的名字");
                anyhow::bail!("the rest of the change failed")
            })
            .await;
        assert!(failed.is_err());
        // The next change commits: readers see it, not the undone one.
        let rename = renamed("新名字");
        store.write(move |tx| rename(tx)).await.unwrap();
        assert_eq!(store.read(read()).await.unwrap(), "新名字");
    }
}
