//! The server's side of checkout: sales terms, shop profiles, promotions and their use, as
//! stored in SQLite, loaded for the intake, and published into the documents devices read
//! (terms in the catalog; a tier's promotions in its price document; a shop's profile and
//! its own promotions in its own prices document, so no shop sees another's).

use std::collections::BTreeMap;

use app::domain::checkout::{SalesTerms, ShopProfile};
use app::domain::money::Money;
use app::domain::order::OrderConfirmation;
use app::domain::order_state::OrderState;
use app::domain::promotion::{Promotion, PromotionUsage};
use app::domain::quota::{Period, period_start};
use app::domain::sku::{ShopId, Sku, TierId};
use app::schema::catalog_doc::write_terms;
use app::schema::doc_id::DocId;
use app::schema::price_doc::{write_profile, write_promotions};
use automerge::Automerge;
use rusqlite::{Connection, OptionalExtension, params};

use crate::doc_store::DocCache;

use app::domain::checkout::UTC_OFFSET_MINUTES;

pub fn load_terms(conn: &Connection) -> anyhow::Result<SalesTerms> {
    let json: Option<String> = conn
        .query_row("SELECT json FROM sales_terms WHERE id = 1", [], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(match json {
        Some(json) => serde_json::from_str(&json)?,
        None => SalesTerms::default(),
    })
}

pub fn load_promotions(conn: &Connection) -> anyhow::Result<Vec<Promotion>> {
    let mut statement = conn.prepare_cached("SELECT json FROM promotions ORDER BY id")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    let mut promotions = Vec::new();
    for json in rows {
        promotions.push(serde_json::from_str(&json?)?);
    }
    Ok(promotions)
}

/// The stored profile of `shop`, its account's unbilled amount brought up to date: every
/// order confirmed and not yet completed, cancelled or rejected (there is no invoicing yet).
pub fn load_profile(conn: &Connection, shop: &ShopId) -> anyhow::Result<ShopProfile> {
    let json: Option<String> = conn
        .query_row(
            "SELECT json FROM shop_profiles WHERE shop = ?1",
            [shop.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    let mut profile: ShopProfile = match json {
        Some(json) => serde_json::from_str(&json)?,
        None => ShopProfile::default(),
    };
    if let Some(account) = &mut profile.account {
        let mut unbilled = Money::zero(account.unbilled.currency());
        for confirmation in shop_orders_since(conn, shop, i64::MIN)? {
            let open = !matches!(
                confirmation.state,
                OrderState::Rejected | OrderState::Cancelled | OrderState::Completed
            );
            if let (true, Some(quote)) = (open, &confirmation.quote) {
                unbilled = unbilled.checked_add(quote.amount_due)?;
            }
        }
        account.unbilled = unbilled;
    }
    Ok(profile)
}

fn shop_orders_since(
    conn: &Connection,
    shop: &ShopId,
    since_ms: i64,
) -> anyhow::Result<Vec<OrderConfirmation>> {
    let mut statement = conn
        .prepare_cached("SELECT confirmation FROM orders WHERE shop = ?1 AND received_ms >= ?2")?;
    let rows = statement.query_map(params![shop.as_str(), since_ms], |row| {
        row.get::<_, String>(0)
    })?;
    let mut orders = Vec::new();
    for json in rows {
        orders.push(serde_json::from_str(&json?)?);
    }
    Ok(orders)
}

/// How often each promotion was used by `shop` and by everyone.
pub fn load_usage(conn: &Connection, shop: &ShopId) -> anyhow::Result<PromotionUsage> {
    let mut usage = PromotionUsage::default();
    let mut statement = conn.prepare_cached(
        "SELECT promotion, COUNT(*), SUM(shop = ?1) FROM promotion_uses GROUP BY promotion",
    )?;
    let rows = statement.query_map([shop.as_str()], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, u32>(1)?,
            row.get::<_, u32>(2)?,
        ))
    })?;
    for row in rows {
        let (promotion, total, by_shop) = row?;
        usage.total.insert(promotion.clone(), total);
        usage.by_customer.insert(promotion, by_shop);
    }
    Ok(usage)
}

/// What `shop` ordered this period of each SKU its quotas limit (orders not rejected or
/// cancelled count).
pub fn load_ordered(
    conn: &Connection,
    shop: &ShopId,
    profile: &ShopProfile,
    now_ms: i64,
) -> anyhow::Result<BTreeMap<(Sku, Period), u32>> {
    let mut ordered = BTreeMap::new();
    if profile.quotas.is_empty() {
        return Ok(ordered);
    }
    let earliest = profile
        .quotas
        .iter()
        .map(|q| period_start(q.period, now_ms, UTC_OFFSET_MINUTES))
        .min()
        .unwrap_or(now_ms);
    let orders: Vec<(i64, OrderConfirmation)> = {
        let mut statement = conn.prepare_cached(
            "SELECT received_ms, confirmation FROM orders WHERE shop = ?1 AND received_ms >= ?2",
        )?;
        let rows = statement.query_map(params![shop.as_str(), earliest], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut orders = Vec::new();
        for row in rows {
            let (at, json) = row?;
            orders.push((at, serde_json::from_str(&json)?));
        }
        orders
    };
    for quota in &profile.quotas {
        let start = period_start(quota.period, now_ms, UTC_OFFSET_MINUTES);
        let total: u32 = orders
            .iter()
            .filter(|(at, c)| {
                *at >= start && !matches!(c.state, OrderState::Rejected | OrderState::Cancelled)
            })
            .flat_map(|(_, c)| &c.priced.lines)
            .filter(|line| line.sku == quota.sku)
            .map(|line| line.quantity)
            .fold(0u32, u32::saturating_add);
        ordered.insert((quota.sku.clone(), quota.period), total);
    }
    Ok(ordered)
}

/// Records the promotions each confirmed order used.
pub fn record_uses(
    conn: &Connection,
    shop: &ShopId,
    answers: &[OrderConfirmation],
) -> anyhow::Result<()> {
    for answer in answers {
        if answer.state == OrderState::Rejected {
            continue;
        }
        for promotion in answer.quote.iter().flat_map(|q| &q.promotions) {
            conn.execute(
                "INSERT OR IGNORE INTO promotion_uses (promotion, shop, request_id) VALUES (?1, ?2, ?3)",
                params![promotion.id, shop.as_str(), answer.request_id.as_str()],
            )?;
        }
    }
    Ok(())
}

/// Which promotions a document carries: a tier's document those for every shop of that
/// tier (no shop list); a shop's document those naming it.
fn promotions_for(doc: &DocId, promotions: &[Promotion]) -> Vec<Promotion> {
    promotions
        .iter()
        .filter(|p| match doc {
            DocId::TierPrices(tier) => {
                p.shops.is_empty() && (p.tiers.is_empty() || p.tiers.contains(tier))
            }
            DocId::ShopPrices(shop) => p.shops.contains(shop),
            _ => false,
        })
        .cloned()
        .collect()
}

/// Writes terms, promotions and profiles from the tables into every document that carries
/// them; unchanged ones are left alone. Returns the documents to keep after the commit.
pub fn publish(
    conn: &Connection,
    docs: &mut DocCache,
    actor: &automerge::ActorId,
) -> anyhow::Result<Vec<(DocId, i64, Automerge)>> {
    let terms = load_terms(conn)?;
    let promotions = load_promotions(conn)?;
    let mut targets: Vec<DocId> = vec![DocId::Catalog];
    let tiers: Vec<String> = conn
        .prepare_cached("SELECT id FROM tiers ORDER BY id")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for tier in tiers {
        targets.push(DocId::TierPrices(TierId::parse(&tier)?));
    }
    let shops: Vec<String> = conn
        .prepare_cached("SELECT id FROM shops ORDER BY id")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for shop in shops {
        targets.push(DocId::ShopPrices(ShopId::parse(&shop)?));
    }
    let mut kept = Vec::new();
    for id in targets {
        let Some(mut loaded) = docs.load(conn, &id)? else {
            continue;
        };
        loaded.doc.set_actor(actor.clone());
        match &id {
            DocId::Catalog => write_terms(&mut loaded.doc, &terms)?,
            DocId::ShopPrices(shop) => {
                let json: Option<String> = conn
                    .query_row(
                        "SELECT json FROM shop_profiles WHERE shop = ?1",
                        [shop.as_str()],
                        |row| row.get(0),
                    )
                    .optional()?;
                let profile: ShopProfile = match json {
                    Some(json) => serde_json::from_str(&json)?,
                    None => ShopProfile::default(),
                };
                write_profile(&mut loaded.doc, &profile)?;
                write_promotions(&mut loaded.doc, &promotions_for(&id, &promotions))?;
            }
            _ => write_promotions(&mut loaded.doc, &promotions_for(&id, &promotions))?,
        }
        if loaded.is_changed() {
            let version = docs.save(conn, &id, &loaded)?;
            kept.push((id, version, loaded.doc));
        }
    }
    Ok(kept)
}
