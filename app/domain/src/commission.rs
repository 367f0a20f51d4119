//! Commissions (分销): a shop that brought another one in (with its invite code) earns a
//! share of what that shop buys. The share is of the goods shipped to it, after their
//! part of the order's discounts and before tax, without shipping; it is earned once a
//! shipment's return window has passed, less what came back on returns. Earnings add up
//! per order: each settlement pays what the order has earned by then less what it paid
//! already, so a return received later lowers what is still to come, never what was paid.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::credit::PaymentTerms;
use super::invoice;
use super::money::{Currency, Money, MoneyError};
use super::order::OrderConfirmation;
use super::returns::ReturnState;
use super::sku::Sku;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// The largest share an admin may set.
pub const MAX_PERCENT: u32 = 50;
/// The longest return window an admin may set.
pub const MAX_WINDOW_DAYS: u32 = 365;

/// What the distributor pays for a shop brought in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralRules {
    /// Percent of the invitee's goods (3.5 is 3.5%).
    pub percent: Decimal,
    /// Days after a shipment arrives (or ships, when no delivery is recorded) during which
    /// its goods may still come back.
    pub window_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RulesError {
    #[error("the share must be above 0 and at most {max}%")]
    PercentOutOfRange { max: u32 },
    #[error("the share has more than two decimals")]
    PercentTooPrecise,
    #[error("the return window is at most {max} days")]
    WindowTooLong { max: u32 },
}

impl ReferralRules {
    pub fn check(&self) -> Result<(), RulesError> {
        if self.percent <= Decimal::ZERO || self.percent > Decimal::from(MAX_PERCENT) {
            return Err(RulesError::PercentOutOfRange { max: MAX_PERCENT });
        }
        if self.percent.round_dp(2) != self.percent {
            return Err(RulesError::PercentTooPrecise);
        }
        if self.window_days > MAX_WINDOW_DAYS {
            return Err(RulesError::WindowTooLong {
                max: MAX_WINDOW_DAYS,
            });
        }
        Ok(())
    }

    /// When the return window of a shipment that left at `shipped_ms` (and arrived at
    /// `delivered_ms`, if known) ends.
    pub fn window_ends(&self, shipped_ms: i64, delivered_ms: Option<i64>) -> i64 {
        delivered_ms
            .unwrap_or(shipped_ms)
            .saturating_add(i64::from(self.window_days).saturating_mul(DAY_MS))
    }

    /// The share of `base`, to the cent below (never more than the rule gives).
    pub fn share_of(&self, base: Money) -> Money {
        if !base.amount().is_sign_positive() {
            return Money::zero(base.currency());
        }
        let amount = (base.amount() * self.percent / Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, RoundingStrategy::ToZero);
        Money::new(amount, base.currency())
    }
}

fn currency_of(order: &OrderConfirmation) -> Currency {
    order.priced.total.currency()
}

/// The goods of shipment `index` (1 for the first) of `order`: their net after discounts,
/// before tax, without shipping. Zero for an order without a quote.
pub fn goods_shipped(order: &OrderConfirmation, index: usize) -> Result<Money, MoneyError> {
    let currency = currency_of(order);
    // The terms decide only due dates, which this does not read.
    match invoice::for_shipment(order, index, String::new(), PaymentTerms::CashOnDelivery) {
        Ok(bill) => Money::sum(bill.lines.iter().map(|l| l.net), currency),
        Err(invoice::InvoiceError::Arithmetic) => Err(MoneyError::Overflow),
        Err(_) => Ok(Money::zero(currency)),
    }
}

/// The net (after discounts, before tax) of one unit of `sku` in `order`, unrounded.
fn unit_net(order: &OrderConfirmation, sku: &Sku) -> Decimal {
    let Some(quote) = &order.quote else {
        return Decimal::ZERO;
    };
    let (net, quantity) = quote
        .lines
        .iter()
        .filter(|line| &line.line.sku == sku)
        .fold((Decimal::ZERO, 0u32), |(net, quantity), line| {
            (
                net + line.net.amount(),
                quantity.saturating_add(line.line.quantity),
            )
        });
    if quantity == 0 {
        Decimal::ZERO
    } else {
        net / Decimal::from(quantity)
    }
}

/// The goods of `order` that came back and were refunded or credited (units received,
/// good or damaged), at their net before tax, to the cent. Goods replaced were kept.
pub fn goods_returned(order: &OrderConfirmation) -> Money {
    let mut total = Decimal::ZERO;
    for record in &order.returns {
        if !matches!(record.state, ReturnState::Refunded | ReturnState::Credited) {
            continue;
        }
        for line in &record.lines {
            total += unit_net(order, &line.sku) * Decimal::from(line.received());
        }
    }
    Money::new(total, currency_of(order)).round_to_cents()
}

/// Whether a return of `order` is still being decided, received or settled: what the
/// order earns waits for it.
pub fn return_pending(order: &OrderConfirmation) -> bool {
    order.returns.iter().any(|record| {
        matches!(
            record.state,
            ReturnState::Requested | ReturnState::Approved | ReturnState::Received
        )
    })
}

/// What of `order` the commission is on at `now_ms`: the goods of the shipments that left
/// from `since_ms` on (the shop was brought in by then) whose return window has ended,
/// less the goods that came back; never below zero.
pub fn base(
    order: &OrderConfirmation,
    rules: &ReferralRules,
    (since_ms, now_ms): (i64, i64),
) -> Result<Money, MoneyError> {
    let currency = currency_of(order);
    let mut shipped = Money::zero(currency);
    for (at, shipment) in order.shipments.iter().enumerate() {
        if shipment.shipped_ms >= since_ms
            && rules.window_ends(shipment.shipped_ms, shipment.delivered_ms) <= now_ms
        {
            shipped = shipped.checked_add(goods_shipped(order, at + 1)?)?;
        }
    }
    let left = shipped.checked_sub(goods_returned(order))?;
    Ok(if left.amount().is_sign_positive() {
        left
    } else {
        Money::zero(currency)
    })
}

/// What `order` has earned its inviter by `now_ms` (from its shipments since `since_ms`),
/// of which `paid` was paid already:
/// what is to pay now (zero when returns took back more than is still to come).
pub fn due_now(
    order: &OrderConfirmation,
    rules: &ReferralRules,
    (since_ms, now_ms): (i64, i64),
    paid: Money,
) -> Result<Money, MoneyError> {
    let earned = rules.share_of(base(order, rules, (since_ms, now_ms))?);
    let due = earned.checked_sub(paid)?;
    Ok(if due.amount().is_sign_positive() {
        due
    } else {
        Money::zero(earned.currency())
    })
}

/// What a shipment is expected to earn once its window ends (if nothing comes back).
pub fn expected(
    order: &OrderConfirmation,
    index: usize,
    rules: &ReferralRules,
) -> Result<Money, MoneyError> {
    Ok(rules.share_of(goods_shipped(order, index)?))
}

/// Whether `inviter` may become the inviter of `invitee`, given who invited whom
/// (`inviter_of`): not itself, and not a shop it brought in, however far down.
pub fn may_invite(
    inviter: &str,
    invitee: &str,
    inviter_of: impl Fn(&str) -> Option<String>,
) -> bool {
    let mut at = Some(inviter.to_owned());
    // A chain longer than every shop there is would be a loop already refused.
    for _ in 0..10_000 {
        match at {
            None => return true,
            Some(shop) if shop == invitee => return false,
            Some(shop) => at = inviter_of(&shop),
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::invoice::tests::shipped;
    use crate::quote::TaxMode;
    use crate::returns::{Remedy, ReturnReason, ReturnRecord, ReturnedLine};

    fn cents(c: i64) -> Money {
        Money::cny(Decimal::new(c, 2))
    }

    fn rules(percent: i64) -> ReferralRules {
        ReferralRules {
            percent: Decimal::new(percent, 1),
            window_days: 7,
        }
    }

    fn returned(order: &mut OrderConfirmation, line: usize, units: u32) {
        let sku = Sku::parse(&format!("SKU-{line:04}")).unwrap();
        order.returns.push(ReturnRecord {
            id: crate::order::RequestId::from_random_bytes([9; 16]),
            number: "DH-000001-R1".into(),
            state: ReturnState::Credited,
            remedy: Remedy::Credit,
            lines: vec![ReturnedLine {
                sku,
                reason: ReturnReason::Unwanted,
                quantity: units,
                approved: units,
                restocked: units,
                written_off: 0,
                unit_value: cents(0),
            }],
            note: String::new(),
            placed_by: "lotus".into(),
            warehouse: None,
            amount: None,
            replacement: None,
            history: vec![],
        });
    }

    #[test]
    fn the_share_is_of_goods_before_tax_without_shipping_once_the_window_ends() {
        // 10 units at ¥100.00 net (¥13.00 tax), ¥20 shipping; shipped 4 then 6.
        let order = shipped(
            &[(10, 10_000, 1_300)],
            2_000,
            0,
            TaxMode::Exclusive,
            &[vec![4], vec![6]],
        );
        let five = rules(50);
        assert_eq!(goods_shipped(&order, 1).unwrap(), cents(4_000));
        assert_eq!(expected(&order, 1, &five).unwrap(), cents(200));
        // Shipment 1 left at 1 s, shipment 2 at 2 s: a week later only the first counts.
        let week = 7 * DAY_MS;
        assert_eq!(base(&order, &five, (0, week)).unwrap(), cents(0));
        assert_eq!(
            base(&order, &five, (0, 1_000 + week)).unwrap(),
            cents(4_000)
        );
        assert_eq!(
            base(&order, &five, (0, 2_000 + week)).unwrap(),
            cents(10_000)
        );
        assert_eq!(
            due_now(&order, &five, (0, 2_000 + week), cents(0)).unwrap(),
            cents(500)
        );
        assert_eq!(
            due_now(&order, &five, (0, 2_000 + week), cents(200)).unwrap(),
            cents(300)
        );
    }

    #[test]
    fn returns_take_their_goods_off_and_a_late_return_never_claws_back() {
        let mut order = shipped(
            &[(10, 10_000, 1_300)],
            0,
            0,
            TaxMode::Exclusive,
            &[vec![10]],
        );
        let five = rules(50);
        let later = 1_000 + 8 * DAY_MS;
        assert_eq!(
            due_now(&order, &five, (0, later), cents(0)).unwrap(),
            cents(500)
        );
        returned(&mut order, 0, 3);
        assert_eq!(goods_returned(&order), cents(3_000));
        assert_eq!(
            due_now(&order, &five, (0, later), cents(0)).unwrap(),
            cents(350)
        );
        // Paid 5.00 before the return: nothing more, and nothing negative.
        assert_eq!(
            due_now(&order, &five, (0, later), cents(500)).unwrap(),
            cents(0)
        );
    }

    #[test]
    fn shipments_before_the_shop_was_brought_in_earn_nothing() {
        let order = shipped(
            &[(2, 2_000, 0)],
            0,
            0,
            TaxMode::Inclusive,
            &[vec![1], vec![1]],
        );
        let five = rules(50);
        let later = 10 * DAY_MS;
        assert_eq!(base(&order, &five, (1_500, later)).unwrap(), cents(1_000));
        assert_eq!(base(&order, &five, (0, later)).unwrap(), cents(2_000));
    }

    #[test]
    fn the_window_counts_from_delivery_when_known() {
        let mut order = shipped(&[(1, 1_000, 0)], 0, 0, TaxMode::Inclusive, &[vec![1]]);
        order.shipments[0].delivered_ms = Some(3 * DAY_MS);
        let five = rules(50);
        assert_eq!(
            base(&order, &five, (0, 1_000 + 7 * DAY_MS)).unwrap(),
            cents(0)
        );
        assert_eq!(base(&order, &five, (0, 10 * DAY_MS)).unwrap(), cents(1_000));
    }

    #[test]
    fn rules_are_checked() {
        assert!(rules(30).check().is_ok());
        assert_eq!(
            rules(0).check(),
            Err(RulesError::PercentOutOfRange { max: MAX_PERCENT })
        );
        assert_eq!(
            rules(501).check(),
            Err(RulesError::PercentOutOfRange { max: MAX_PERCENT })
        );
        let fine = ReferralRules {
            percent: Decimal::new(1234, 3),
            window_days: 7,
        };
        assert_eq!(fine.check(), Err(RulesError::PercentTooPrecise));
        let long = ReferralRules {
            percent: Decimal::ONE,
            window_days: 400,
        };
        assert!(matches!(
            long.check(),
            Err(RulesError::WindowTooLong { .. })
        ));
    }

    #[test]
    fn no_shop_invites_itself_or_the_shop_that_brought_it() {
        let chain = |shop: &str| match shop {
            "b" => Some("a".to_owned()),
            "c" => Some("b".to_owned()),
            _ => None,
        };
        assert!(may_invite("c", "d", chain));
        assert!(!may_invite("a", "a", chain));
        // c was brought in (through b) by a: c may not become a's inviter.
        assert!(!may_invite("c", "a", chain));
        assert!(may_invite("a", "d", chain));
    }

    proptest! {
        /// Whatever ships and comes back, in whatever order settlements run, the sum paid
        /// is the share of what was kept, to the cent below, and never more.
        #[test]
        fn settlements_add_up_to_the_share_of_what_was_kept(
            units in 1u32..40,
            net in 1i64..100_000,
            first in 0u32..40,
            back in 0u32..40,
            percent in 1i64..500,
        ) {
            let first = first.min(units);
            let mut order = shipped(
                &[(units, net, 0)],
                0,
                0,
                TaxMode::Inclusive,
                &[vec![first], vec![units - first]],
            );
            let rules = rules(percent);
            let end = 2_000 + 7 * DAY_MS;
            let mut paid = cents(0);
            for now in [1_000 + 7 * DAY_MS, end] {
                paid = paid.checked_add(due_now(&order, &rules, (0, now), paid).unwrap()).unwrap();
            }
            let kept_before = paid;
            returned(&mut order, 0, back.min(units));
            paid = paid.checked_add(due_now(&order, &rules, (0, end), paid).unwrap()).unwrap();
            // A return after the payments takes nothing back and adds nothing.
            prop_assert_eq!(paid, kept_before);
            prop_assert_eq!(paid, rules.share_of(cents(net)));
        }
    }
}
