//! Sales terms, shop profiles, promotions and their use, what a shop owes on open orders
//! and what it ordered of a SKU in a period: everything an order is checked against, read
//! from counters and indexed rows, never from a scan of the shop's history.

use std::collections::BTreeMap;

use anyhow::Context;
use domain::checkout::{SalesTerms, ShopProfile};
use domain::credit::PaymentTerms;
use domain::money::{Currency, Money};
use domain::order::OrderConfirmation;
use domain::order_state::OrderState;
use domain::promotion::{Promotion, PromotionUsage};
use domain::sku::{ShopId, Sku};

use super::sql::{StoreError, Tx, Value};
use crate::params;

/// The `shop` of the promotion counters that counts every shop's uses.
const ALL_SHOPS: &str = "*";

pub fn terms(tx: &mut Tx<'_>) -> anyhow::Result<SalesTerms> {
    Ok(
        match tx.value::<String>("SELECT json FROM sales_terms WHERE id = 1", params![])? {
            Some(json) => serde_json::from_str(&json).context("stored terms")?,
            None => SalesTerms::default(),
        },
    )
}

pub fn set_terms(tx: &mut Tx<'_>, terms: &SalesTerms) -> anyhow::Result<()> {
    tx.execute(
        "INSERT INTO sales_terms (id, json) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json",
        params![serde_json::to_string(terms)?],
    )?;
    Ok(())
}

pub fn promotions(tx: &mut Tx<'_>) -> anyhow::Result<Vec<Promotion>> {
    tx.column::<String>("SELECT json FROM promotions ORDER BY id", params![])?
        .iter()
        .map(|json| serde_json::from_str(json).context("a stored promotion"))
        .collect()
}

pub fn put_promotion(tx: &mut Tx<'_>, promotion: &Promotion) -> anyhow::Result<()> {
    tx.execute(
        "INSERT INTO promotions (id, json) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json",
        params![promotion.id.as_str(), serde_json::to_string(promotion)?],
    )?;
    // The total's row exists from the start, so the intake can lock it before a first use.
    tx.execute(
        "INSERT INTO promotion_counts (promotion, shop, uses) VALUES (?1, ?2, 0) ON CONFLICT DO NOTHING",
        params![promotion.id.as_str(), ALL_SHOPS],
    )?;
    Ok(())
}

/// False if there was no such promotion.
pub fn delete_promotion(tx: &mut Tx<'_>, id: &str) -> Result<bool, StoreError> {
    Ok(tx.execute("DELETE FROM promotions WHERE id = ?1", params![id])? > 0)
}

/// The stored profile of `shop` (its row locked for the transaction on PostgreSQL), with
/// its account's unbilled amount from the maintained balance.
pub fn profile(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<ShopProfile> {
    let mut profile = stored_profile(tx, shop)?;
    if profile.account.is_some() {
        let unbilled = unbilled(tx, shop)?;
        let on_account = super::money::on_account(tx, shop)?;
        let open = super::money::open_invoices(tx, shop)?;
        if let Some(account) = &mut profile.account {
            account.unbilled = unbilled;
            account.on_account = (!on_account.is_zero()).then_some(on_account);
            account.open_invoices = open
                .into_iter()
                .map(|invoice| domain::credit::OpenInvoice {
                    number: invoice.number,
                    open: invoice.open,
                    due_ms: invoice.due_ms,
                })
                .collect();
        }
    }
    Ok(profile)
}

/// The profile orders are checked against, on devices and at intake: [`profile`], and
/// suspended while an admin has deactivated the shop (with the admin's reason, if any).
pub fn ordering_profile(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<ShopProfile> {
    let mut profile = profile(tx, shop)?;
    if !super::customers::is_active(tx, shop)? {
        let account = profile
            .account
            .get_or_insert_with(|| domain::credit::CustomerAccount {
                terms: domain::credit::PaymentTerms::CashOnDelivery,
                suspended: None,
                credit_limit: None,
                open_invoices: Vec::new(),
                unbilled: Money::zero(Currency::Cny),
                prepaid_balance: Money::zero(Currency::Cny),
                grace_days: 0,
                on_account: None,
            });
        account.suspended.get_or_insert_with(String::new);
    }
    Ok(profile)
}

/// The profile as an admin set it and balances moved it, without the unbilled amount.
pub fn stored_profile(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<ShopProfile> {
    let sql = format!(
        "SELECT json FROM shop_profiles WHERE shop = ?1{}",
        tx.for_update()
    );
    Ok(match tx.value::<String>(&sql, params![shop.as_str()])? {
        Some(json) => serde_json::from_str(&json).context("a stored shop profile")?,
        None => ShopProfile::default(),
    })
}

pub fn set_profile(tx: &mut Tx<'_>, shop: &ShopId, profile: &ShopProfile) -> anyhow::Result<()> {
    tx.write(
        "INSERT INTO shop_profiles (shop, json) VALUES (?1, ?2)
         ON CONFLICT (shop) DO UPDATE SET json = excluded.json",
        params![shop.as_str(), serde_json::to_string(profile)?],
    )?;
    Ok(())
}

/// The payment terms orders of a shop with `profile` are invoiced under (a shop without
/// account settings pays on delivery).
pub fn terms_of(profile: &ShopProfile) -> PaymentTerms {
    profile
        .account
        .as_ref()
        .map_or(PaymentTerms::CashOnDelivery, |account| account.terms)
}

/// What `shop` owes on open orders beyond their invoices ([`owed_by`]). Kept as a
/// balance; the first time a shop is asked for, it is added up from its orders once.
pub fn unbilled(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<Money> {
    let sql = format!(
        "SELECT unbilled FROM shop_balances WHERE shop = ?1{}",
        tx.for_update()
    );
    if let Some(text) = tx.value::<String>(&sql, params![shop.as_str()])? {
        return Ok(Money::parse_price(&text, Currency::Cny)?);
    }
    let total = count_unbilled(tx, shop)?;
    if tx.is_read_only() {
        return Ok(total);
    }
    tx.execute(
        "INSERT INTO shop_balances (shop, unbilled) VALUES (?1, ?2)",
        params![shop.as_str(), total.amount().to_string()],
    )?;
    Ok(total)
}

/// Counts again what `shop` owes on open orders beyond their invoices (after its payment
/// terms changed: what counts as paid in advance changes with them).
pub fn recount_unbilled(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<()> {
    unbilled(tx, shop)?;
    let total = count_unbilled(tx, shop)?;
    tx.execute(
        "UPDATE shop_balances SET unbilled = ?2 WHERE shop = ?1",
        params![shop.as_str(), total.amount().to_string()],
    )?;
    Ok(())
}

fn count_unbilled(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<Money> {
    let terms = terms_of(&stored_profile(tx, shop)?);
    let mut total = Money::zero(Currency::Cny);
    for json in tx.column::<String>(
        "SELECT confirmation FROM orders WHERE shop = ?1
           AND state NOT IN ('rejected', 'cancelled', 'completed')",
        params![shop.as_str()],
    )? {
        let confirmation: OrderConfirmation =
            serde_json::from_str(&json).context("a stored order")?;
        total = total.checked_add(owed_by(&confirmation, terms)?)?;
    }
    Ok(total)
}

/// Moves what `shop` owes by `delta` (positive when an order is confirmed, negative when
/// an open order is cancelled or completed).
pub fn add_unbilled(tx: &mut Tx<'_>, shop: &ShopId, delta: Money) -> anyhow::Result<()> {
    let now = unbilled(tx, shop)?;
    let next = now.checked_add(delta)?;
    tx.execute(
        "UPDATE shop_balances SET unbilled = ?2 WHERE shop = ?1",
        params![shop.as_str(), next.amount().to_string()],
    )?;
    Ok(())
}

/// What an order adds to what its shop owes beyond its invoices: the domain's one
/// reading of it ([`domain::invoice::unbilled`]).
pub fn owed_by(confirmation: &OrderConfirmation, terms: PaymentTerms) -> anyhow::Result<Money> {
    domain::invoice::unbilled(confirmation, terms).map_err(|e| anyhow::anyhow!("{e}"))
}

/// How often each promotion was used by `shop` and by everyone. The totals of promotions
/// limited in total are locked for the transaction (PostgreSQL), so two processes cannot
/// both give out the last use.
pub fn usage(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    promotions: &[Promotion],
) -> anyhow::Result<PromotionUsage> {
    let mut usage = PromotionUsage::default();
    for row in tx.rows(
        "SELECT promotion, uses FROM promotion_counts WHERE shop = ?1",
        params![shop.as_str()],
    )? {
        usage.by_customer.insert(row.get(0)?, row.get(1)?);
    }
    // The totals in two statements, not one per promotion: those limited in total locked
    // (in the order of their ids), the others not.
    let (limited, unlimited): (Vec<&Promotion>, Vec<&Promotion>) =
        promotions.iter().partition(|p| p.limit_total.is_some());
    for (group, lock) in [(limited, tx.for_update()), (unlimited, "")] {
        let ids: Vec<Value> = group.iter().map(|p| Value::from(p.id.as_str())).collect();
        for row in tx.rows_in(
            &format!(
                "SELECT promotion, uses FROM promotion_counts WHERE shop = ?1 AND promotion IN (?items) \
                 ORDER BY promotion{lock}"
            ),
            &[Value::from(ALL_SHOPS)],
            &ids,
        )? {
            usage.total.insert(row.get(0)?, row.get(1)?);
        }
    }
    Ok(usage)
}

/// Records the promotions each confirmed order used, and counts them.
pub fn record_uses(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    answers: &[OrderConfirmation],
) -> Result<(), StoreError> {
    for answer in answers {
        if answer.state == OrderState::Rejected {
            continue;
        }
        for promotion in answer.quote.iter().flat_map(|q| &q.promotions) {
            let recorded = tx.execute(
                "INSERT INTO promotion_uses (promotion, shop, request_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![
                    promotion.id.as_str(),
                    shop.as_str(),
                    answer.request_id.as_str()
                ],
            )?;
            if recorded == 0 {
                continue;
            }
            for counted in [shop.as_str(), ALL_SHOPS] {
                tx.execute(
                    "INSERT INTO promotion_counts (promotion, shop, uses) VALUES (?1, ?2, 1)
                     ON CONFLICT (promotion, shop) DO UPDATE SET uses = promotion_counts.uses + 1",
                    params![promotion.id.as_str(), counted],
                )?;
            }
        }
    }
    Ok(())
}

/// Forgets the promotions the order `request_id` used (its lines are changing): each use
/// is taken off the counts it was added to.
pub fn forget_uses(tx: &mut Tx<'_>, shop: &ShopId, request_id: &str) -> Result<(), StoreError> {
    let used: Vec<String> = tx.column(
        "SELECT promotion FROM promotion_uses WHERE request_id = ?1",
        params![request_id],
    )?;
    for promotion in used {
        for counted in [shop.as_str(), ALL_SHOPS] {
            tx.execute(
                "UPDATE promotion_counts SET uses = uses - 1
                 WHERE promotion = ?1 AND shop = ?2 AND uses > 0",
                params![promotion.as_str(), counted],
            )?;
        }
    }
    tx.execute(
        "DELETE FROM promotion_uses WHERE request_id = ?1",
        params![request_id],
    )?;
    Ok(())
}

/// How much of `sku` `shop` ordered since `since_ms` in orders not rejected or cancelled.
pub fn ordered_since(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    sku: &Sku,
    since_ms: i64,
) -> Result<u32, StoreError> {
    let total: i64 = tx
        .value(
            "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM order_lines
             WHERE shop = ?1 AND sku = ?2 AND received_ms >= ?3 AND live = 1",
            params![shop.as_str(), sku.as_str(), since_ms],
        )?
        .unwrap_or(0);
    Ok(u32::try_from(total).unwrap_or(u32::MAX))
}

/// The quota counts of `profile` for the current periods, keyed as the checkout expects.
pub fn ordered_for_quotas(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    profile: &ShopProfile,
    now_ms: i64,
) -> anyhow::Result<BTreeMap<(Sku, domain::quota::Period), u32>> {
    let mut ordered = BTreeMap::new();
    for quota in &profile.quotas {
        let start =
            domain::quota::period_start(quota.period, now_ms, domain::checkout::UTC_OFFSET_MINUTES);
        ordered.insert(
            (quota.sku.clone(), quota.period),
            ordered_since(tx, shop, &quota.sku, start)?,
        );
    }
    Ok(ordered)
}

/// How often each promotion was used, every shop together.
pub fn total_uses(tx: &mut Tx<'_>) -> Result<BTreeMap<String, u32>, StoreError> {
    tx.rows(
        "SELECT promotion, uses FROM promotion_counts WHERE shop = '*'",
        params![],
    )?
    .iter()
    .map(|row| {
        let uses: i64 = row.get(1)?;
        Ok((row.get(0)?, u32::try_from(uses).unwrap_or(u32::MAX)))
    })
    .collect()
}
