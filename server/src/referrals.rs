//! Commissions (分销) as transactions: a shop takes another's invite code, each shipment to
//! it records what it should earn the inviter, and once its return window has passed the
//! inviter is paid: a credit on its account (paying its open invoices, oldest due first),
//! or, for a shop that pays in advance, into its prepaid balance. The rules are
//! `domain::commission`'s; the share and the window are the distributor's terms.

use axum::http::StatusCode;
use domain::commission::{self, ReferralRules};
use domain::credit::PaymentTerms;
use domain::money::Money;
use domain::order::OrderConfirmation;
use domain::sku::ShopId;

use crate::app_error::AppError;
use crate::fulfilment::Docs;
use crate::ledger::{self, PaymentIn};
use crate::store::money::{cents, from_cents};
use crate::store::{Tx, commerce, orders, referrals};

/// The method a commission is paid by, on the inviter's payments.
pub const METHOD: &str = "commission";
/// How many orders one settlement run takes at most (the next run takes the rest).
const RUN_LIMIT: i64 = 500;
const HOUR_MS: i64 = 60 * 60 * 1000;

fn refused(status: StatusCode, code: &'static str, message: &str) -> AppError {
    AppError::client(status, code, message)
}

/// `shop` takes the invite code `code`: the code's shop becomes its inviter. Refused for
/// an unknown code, the shop's own, a shop it brought in (however far down), a shop that
/// has an inviter already, or one that has been shipped to already (commissions are for
/// shops brought in, not for shops already buying). Returns the inviter.
pub fn take_code(tx: &mut Tx<'_>, shop: &ShopId, code: &str) -> Result<ShopId, AppError> {
    let Some(inviter) = referrals::shop_by_code(tx, code)? else {
        return Err(refused(
            StatusCode::NOT_FOUND,
            "unknown_invite_code",
            "no shop has this invite code",
        ));
    };
    if referrals::inviter_of(tx, shop.as_str())?.is_some() {
        return Err(refused(
            StatusCode::CONFLICT,
            "already_invited",
            "the shop was brought in by another shop already",
        ));
    }
    if referrals::has_shipments(tx, shop)? {
        return Err(refused(
            StatusCode::CONFLICT,
            "not_new",
            "an invite code is for shops that have not been shipped to yet",
        ));
    }
    bind(tx, shop, Some(&inviter))?;
    Ok(inviter)
}

/// Makes `inviter` the shop that brought `shop` in (None: nobody), refusing a loop.
pub fn bind(tx: &mut Tx<'_>, shop: &ShopId, inviter: Option<&ShopId>) -> Result<(), AppError> {
    if let Some(inviter) = inviter {
        let mut chain = std::collections::BTreeMap::new();
        let mut at = Some(inviter.as_str().to_owned());
        while let Some(current) = at {
            if chain.contains_key(&current) || current == shop.as_str() {
                break;
            }
            let next = referrals::inviter_of(tx, &current)?.map(|(s, _)| s.as_str().to_owned());
            chain.insert(current, next.clone());
            at = next;
        }
        let looked_up = |s: &str| chain.get(s).cloned().flatten();
        if !commission::may_invite(inviter.as_str(), shop.as_str(), looked_up) {
            return Err(refused(
                StatusCode::CONFLICT,
                "invite_loop",
                "a shop cannot be brought in by itself or by a shop it brought in",
            ));
        }
    }
    let now = tx.now_ms;
    referrals::set_inviter(tx, shop, inviter, now)?;
    Ok(())
}

/// Records what the newest shipment of `order` (to `shop`) should earn the shop's
/// inviter, if it has one and the distributor pays commissions.
pub fn accrue(tx: &mut Tx<'_>, shop: &ShopId, order: &OrderConfirmation) -> Result<(), AppError> {
    let Some(rules) = commerce::terms(tx)?.referral else {
        return Ok(());
    };
    let Some((inviter, _)) = referrals::inviter_of(tx, shop.as_str())? else {
        return Ok(());
    };
    let index = order.shipments.len();
    let Some(shipment) = order.shipments.last() else {
        return Ok(());
    };
    let goods = commission::goods_shipped(order, index).map_err(anyhow::Error::from)?;
    if goods.is_zero() {
        return Ok(());
    }
    referrals::add(
        tx,
        &referrals::NewCommission {
            shipment: &shipment.number,
            request_id: order.request_id.as_str(),
            order_number: &order.number,
            inviter: &inviter,
            invitee: shop,
            shipped_ms: shipment.shipped_ms,
            due_ms: rules.window_ends(shipment.shipped_ms, shipment.delivered_ms),
            goods_cents: cents(goods),
            expected_cents: cents(rules.share_of(goods)),
        },
    )?;
    Ok(())
}

/// Settles the commissions whose return window ended by `now_ms`: per order, what it has
/// earned by now less what it paid already goes to the inviter. An order with a return
/// still open waits for it; a shipment delivered after it left waits for its own window.
/// Returns how many orders paid something.
pub fn settle_due(tx: &mut Tx<'_>, docs: Docs<'_>, now_ms: i64) -> Result<usize, AppError> {
    let Some(rules) = commerce::terms(tx)?.referral else {
        return Ok(0);
    };
    let mut paid_orders = 0;
    let mut credited = std::collections::BTreeSet::new();
    for (request_id, inviter) in referrals::due_orders(tx, now_ms, RUN_LIMIT)? {
        let Some((invitee, _, order)) = orders::confirmation(tx, &request_id)? else {
            continue;
        };
        let rows = referrals::unsettled_of(tx, &request_id)?;
        if commission::return_pending(&order) {
            for (shipment, _) in &rows {
                referrals::postpone(tx, shipment, now_ms + HOUR_MS)?;
            }
            continue;
        }
        let mut settling = Vec::new();
        for (shipment, due) in rows {
            let record = order.shipments.iter().find(|s| s.number == shipment);
            let ends = record.map_or(due, |s| rules.window_ends(s.shipped_ms, s.delivered_ms));
            if ends > now_ms {
                referrals::postpone(tx, &shipment, ends)?;
            } else {
                settling.push(shipment);
            }
        }
        let Some(first) = settling.first().cloned() else {
            continue;
        };
        let since = earliest_shipment(tx, &request_id, &order)?;
        let paid = from_cents(referrals::paid_for(tx, &request_id)?);
        let due = commission::due_now(&order, &rules, (since, now_ms), paid)
            .map_err(anyhow::Error::from)?;
        for shipment in &settling {
            let part = if *shipment == first { cents(due) } else { 0 };
            referrals::settle(tx, shipment, part, now_ms)?;
        }
        if due.is_zero() {
            continue;
        }
        pay(tx, &inviter, (&invitee, &order.number), (&first, due))?;
        paid_orders += 1;
        credited.insert(inviter);
    }
    for shop in credited {
        ledger::publish_account(tx, docs, &shop)?;
    }
    Ok(paid_orders)
}

/// When the first shipment of `request_id` that earns anything left.
fn earliest_shipment(
    tx: &mut Tx<'_>,
    request_id: &str,
    order: &OrderConfirmation,
) -> Result<i64, AppError> {
    let earning = referrals::shipments_of(tx, request_id)?;
    Ok(order
        .shipments
        .iter()
        .filter(|s| earning.contains(&s.number))
        .map(|s| s.shipped_ms)
        .min()
        .unwrap_or(i64::MAX))
}

/// Pays `inviter` the commission `amount` earned on `invitee`'s order: on its account
/// (its open invoices first), or into its prepaid balance when it pays in advance.
fn pay(
    tx: &mut Tx<'_>,
    inviter: &ShopId,
    (invitee, order): (&ShopId, &str),
    (shipment, amount): (&str, Money),
) -> Result<(), AppError> {
    let profile = commerce::stored_profile(tx, inviter)?;
    let reference = format!("COMM-{shipment}");
    let note = format!("{} {order}", invitee.as_str());
    let payment = PaymentIn {
        shop: inviter,
        amount,
        reference: &reference,
        method: METHOD,
        received_ms: tx.now_ms,
        invoices: &[],
        note: &note,
    };
    let by = "system";
    match profile.account.map(|a| a.terms) {
        Some(PaymentTerms::Prepaid) => ledger::top_up(tx, by, &payment)?,
        _ => ledger::record_payment(tx, by, &payment)?,
    };
    Ok(())
}

/// The rules a settings change asks for, checked.
pub fn checked(rules: Option<ReferralRules>) -> Result<Option<ReferralRules>, AppError> {
    if let Some(rules) = &rules {
        rules.check().map_err(|error| {
            AppError::detailed(
                StatusCode::BAD_REQUEST,
                "invalid_referral_rules",
                error.to_string(),
                &error,
            )
        })?;
    }
    Ok(rules)
}
