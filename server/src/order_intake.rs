//! The authoritative order intake: inside the sync transaction, every new request id in a
//! shop's requests document is priced from the server's own tables, numbered, recorded in
//! the orders table (whose unique request id makes it exactly once) and answered in the
//! shop's status document. The sync reply is sent only after this commits.

use std::collections::BTreeMap;

use anyhow::Context;
use app::domain::checkout::{Checkout, spend_balances};
use app::domain::inventory::{Inventory, StockLevel};
use app::domain::money::{Currency, Money};
use app::domain::order_state::OrderState;
use app::domain::price_book::PriceBook;
use app::domain::product::Product;
use app::domain::sku::WarehouseId;
use app::domain::sku::{ShopId, Sku, TierId};
use app::intake::{StockSource, answer_new_requests};

use crate::commerce;
use app::schema::order_requests_doc::read_requests;
use app::schema::order_status_doc::put_confirmations;
use automerge::Automerge;
use rusqlite::{Connection, OptionalExtension, params};

pub fn load_catalog(conn: &Connection) -> anyhow::Result<BTreeMap<Sku, Product>> {
    let mut statement = conn.prepare_cached("SELECT json FROM products")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    let mut catalog = BTreeMap::new();
    for json in rows {
        let product: Product =
            serde_json::from_str(&json?).context("a stored product does not parse")?;
        catalog.insert(product.sku.clone(), product);
    }
    Ok(catalog)
}

pub fn tier_of(conn: &Connection, shop: &ShopId) -> anyhow::Result<Option<TierId>> {
    let tier: Option<String> = conn
        .query_row(
            "SELECT tier FROM shops WHERE id = ?1",
            [shop.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(tier.and_then(|t| TierId::parse(&t).ok()))
}

fn prices(conn: &Connection, sql: &str, key: &str) -> anyhow::Result<BTreeMap<Sku, Money>> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map([key], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut prices = BTreeMap::new();
    for row in rows {
        let (sku, price) = row?;
        prices.insert(
            Sku::parse(&sku)?,
            Money::parse_price(&price, Currency::Cny)?,
        );
    }
    Ok(prices)
}

pub fn load_price_book(conn: &Connection, shop: &ShopId) -> anyhow::Result<PriceBook> {
    let tier = tier_of(conn, shop)?;
    let tier_prices = match &tier {
        Some(tier) => prices(
            conn,
            "SELECT sku, price FROM tier_prices WHERE tier = ?1",
            tier.as_str(),
        )?,
        None => BTreeMap::new(),
    };
    let customer_prices = prices(
        conn,
        "SELECT sku, price FROM customer_prices WHERE shop = ?1",
        shop.as_str(),
    )?;
    Ok(PriceBook {
        tier,
        tier_prices,
        customer_prices,
    })
}

/// The stock levels of the SKUs `lines` name (others are not needed to allocate them).
pub fn load_inventory<'a>(
    conn: &Connection,
    skus: impl IntoIterator<Item = &'a Sku>,
) -> anyhow::Result<Inventory> {
    let mut inventory = Inventory::default();
    let mut statement = conn
        .prepare_cached("SELECT warehouse, on_hand, reserved, safety FROM stock WHERE sku = ?1")?;
    for sku in skus {
        let rows = statement.query_map([sku.as_str()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, u32>(1)?,
                row.get::<_, u32>(2)?,
                row.get::<_, u32>(3)?,
            ))
        })?;
        for row in rows {
            let (warehouse, on_hand, reserved, safety) = row?;
            inventory.levels.insert(
                (WarehouseId::parse(&warehouse)?, sku.clone()),
                StockLevel {
                    on_hand,
                    reserved,
                    safety,
                },
            );
        }
    }
    Ok(inventory)
}

/// Writes back the levels that changed.
pub fn save_inventory(
    conn: &Connection,
    before: &Inventory,
    after: &Inventory,
) -> anyhow::Result<()> {
    for ((warehouse, sku), level) in &after.levels {
        if before.levels.get(&(warehouse.clone(), sku.clone())) != Some(level) {
            conn.execute(
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

pub fn nearest_warehouses(conn: &Connection, shop: &ShopId) -> anyhow::Result<Vec<WarehouseId>> {
    let mut statement =
        conn.prepare_cached("SELECT warehouse FROM shop_warehouses WHERE shop = ?1 ORDER BY rank")?;
    let rows = statement.query_map([shop.as_str()], |row| row.get::<_, String>(0))?;
    let mut warehouses = Vec::new();
    for row in rows {
        warehouses.push(WarehouseId::parse(&row?)?);
    }
    Ok(warehouses)
}

/// What one intake did.
#[derive(Debug, Default)]
pub struct Intake {
    /// How many requests were answered.
    pub answered: usize,
    /// The shop's profile when its balances changed (publish it to its prices document).
    pub profile: Option<app::domain::checkout::ShopProfile>,
}

/// Answers the new requests of `shop`.
pub fn take_in_orders(
    conn: &Connection,
    shop: &ShopId,
    orders_doc: &Automerge,
    status_doc: &mut Automerge,
    device_id: i64,
    now_ms: i64,
) -> anyhow::Result<Intake> {
    let already = |id: &app::domain::order::RequestId| {
        conn.query_row(
            "SELECT 1 FROM orders WHERE request_id = ?1",
            [id.as_str()],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
        // An error here surfaces on the insert below, which rolls everything back.
        .unwrap_or(false)
    };
    let has_new = read_requests(orders_doc)
        .iter()
        .filter_map(|stored| app::domain::order::RequestId::parse(&stored.key).ok())
        .any(|id| !already(&id));
    if !has_new {
        return Ok(Intake::default());
    }
    let catalog = load_catalog(conn)?;
    let book = load_price_book(conn, shop)?;
    let requested: std::collections::BTreeSet<Sku> = read_requests(orders_doc)
        .into_iter()
        .filter_map(|stored| stored.request.ok())
        .filter(|request| !already(&request.id))
        .flat_map(|request| request.lines.into_iter().map(|line| line.sku))
        .collect();
    let before = load_inventory(conn, &requested)?;
    let mut inventory = before.clone();
    let nearest_first = nearest_warehouses(conn, shop)?;
    let mut seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM orders", [], |row| {
        row.get(0)
    })?;
    let first_seq = seq;
    let terms = commerce::load_terms(conn)?;
    let profile = commerce::load_profile(conn, shop)?;
    let promotions = commerce::load_promotions(conn)?;
    let usage = commerce::load_usage(conn, shop)?;
    let ordered = commerce::load_ordered(conn, shop, &profile, now_ms)?;
    let tier = tier_of(conn, shop)?;
    let checkout = Checkout {
        shop,
        tier: tier.as_ref(),
        terms: &terms,
        profile: &profile,
        promotions: &promotions,
        usage: &usage,
        ordered: &ordered,
    };
    let answers = answer_new_requests(
        orders_doc,
        &catalog,
        &book,
        &checkout,
        StockSource {
            inventory: &mut inventory,
            nearest_first: &nearest_first,
        },
        already,
        || {
            seq += 1;
            format!("DH-{seq:06}")
        },
        now_ms,
    );
    let requests: BTreeMap<String, String> = read_requests(orders_doc)
        .into_iter()
        .filter_map(|s| Some((s.key, s.request.ok()?.placed_by)))
        .collect();
    for (offset, answer) in answers.iter().enumerate() {
        let placed_by = requests
            .get(answer.request_id.as_str())
            .cloned()
            .unwrap_or_default();
        conn.execute(
            "INSERT INTO orders (seq, request_id, number, shop, state, total, placed_by, device, received_ms, confirmation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                first_seq + 1 + i64::try_from(offset)?,
                answer.request_id.as_str(),
                answer.number,
                shop.as_str(),
                serde_json::to_value(answer.state)?.as_str().unwrap_or_default(),
                answer
                    .quote
                    .as_ref()
                    .map_or(answer.priced.total, |q| q.total)
                    .amount()
                    .to_string(),
                placed_by,
                device_id,
                now_ms,
                serde_json::to_string(answer)?,
            ],
        )?;
        for event in &answer.history {
            conn.execute(
                "INSERT INTO order_events (request_id, state, at_ms, actor, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    answer.request_id.as_str(),
                    serde_json::to_value(event.state)?.as_str().unwrap_or_default(),
                    event.at_ms,
                    event.actor,
                    event.reason
                ],
            )?;
        }
    }
    save_inventory(conn, &before, &inventory)?;
    commerce::record_uses(conn, shop, &answers)?;
    let mut spent = profile.clone();
    for answer in answers.iter().filter(|a| a.state != OrderState::Rejected) {
        if let Some(quote) = &answer.quote {
            spend_balances(&mut spent, quote);
        }
    }
    let profile = if spent != profile {
        conn.execute(
            "INSERT INTO shop_profiles (shop, json) VALUES (?1, ?2)
             ON CONFLICT(shop) DO UPDATE SET json = excluded.json",
            params![shop.as_str(), serde_json::to_string(&spent)?],
        )?;
        Some(spent)
    } else {
        None
    };
    put_confirmations(status_doc, &answers)?;
    Ok(Intake {
        answered: answers.len(),
        profile,
    })
}
