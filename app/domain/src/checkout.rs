//! What an order is quoted with besides the catalog and the price book: the distributor's
//! sales terms (shipping, tax, points), the shop's profile (delivery region, balances,
//! credit account, quotas) and the promotions it may use; and the one function both the
//! storefront and the server call to quote an order request with them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::credit::{CustomerAccount, OrderBlock, PaymentTerms, check_credit};
use super::money::Currency;
use super::order::OrderRequest;
use super::order::pricing_time;
use super::price_book::PriceBook;
use super::pricing::ProductLookup;
use super::promotion::{Customer, Promotion, PromotionUsage};
use super::quota::{
    OrderingWindow, OutsideWindow, Period, Quota, QuotaExceeded, check_quotas, check_window,
};
use super::quote::{
    Delivery, Payment, PointsRules, Quote, QuoteError, QuoteInput, ShippingRules, TaxRules, quote,
};
use super::sku::{ShopId, Sku, TierId};

/// China Standard Time: quota periods start at local midnight, on the server and in the
/// browser alike.
pub const UTC_OFFSET_MINUTES: i32 = 8 * 60;

/// The distributor's terms, the same for every shop; admins set them and the catalog
/// document carries them to devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalesTerms {
    /// No rules: shipping is free.
    #[serde(default)]
    pub shipping: Option<ShippingRules>,
    #[serde(default)]
    pub tax: TaxRules,
    #[serde(default)]
    pub points: PointsRules,
    /// What a shop earns on the shops it brought in (分销); none: nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<super::commission::ReferralRules>,
    /// When an order placed on a phone waits for the shop's OK (the server's result costs
    /// more than the phone showed, or drops lines); none: every order is confirmed as the
    /// server prices it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalRules>,
}

/// What protects a shop from surprises (point 9 of issue 13). The price hold: an order
/// placed within `price_hold_hours` after its device last received prices is confirmed at
/// the prices it showed where those are lower ([`crate::price_hold`]). The shop's OK: an
/// order the server would still confirm at a higher amount than the phone showed, beyond
/// the tolerance, or without some of its lines, is held (stock reserved) until the shop
/// accepts or cancels it, and cancelled when it has not answered within
/// `answer_within_hours`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalRules {
    /// An increase up to this share of what the phone showed is accepted silently, in
    /// basis points (200 = 2 %)...
    pub tolerance_bp: u32,
    /// ...or up to this amount, whichever is larger.
    pub tolerance: super::money::Money,
    /// How long the shop has to answer, in hours (1..=720).
    pub answer_within_hours: u32,
    /// How long prices a device received stay valid for its orders, in hours (0: not held;
    /// at most [`crate::price_hold::MAX_HOLD_HOURS`]).
    #[serde(default)]
    pub price_hold_hours: u32,
}

impl ApprovalRules {
    /// Whether `now` (the order's total as the server quotes it) exceeds `expected` (the
    /// total the phone showed) by more than the tolerance.
    pub fn costs_too_much(&self, expected: super::money::Money, now: super::money::Money) -> bool {
        let increase = now.amount() - expected.amount();
        if increase <= rust_decimal::Decimal::ZERO {
            return false;
        }
        let share = expected.amount() * rust_decimal::Decimal::from(self.tolerance_bp)
            / rust_decimal::Decimal::from(10_000);
        increase > share.max(self.tolerance.amount())
    }

    /// The rules' own limits, in words, when one is out of range.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.tolerance_bp > 10_000 {
            return Err("tolerance_bp is at most 10000 (100 %)");
        }
        if self.tolerance.amount() < rust_decimal::Decimal::ZERO {
            return Err("tolerance is not negative");
        }
        if !(1..=720).contains(&self.answer_within_hours) {
            return Err("answer_within_hours is 1 to 720");
        }
        if self.price_hold_hours > crate::price_hold::MAX_HOLD_HOURS {
            return Err("price_hold_hours is 0 to 168 (a week)");
        }
        Ok(())
    }
}

/// One shop's standing, carried by its own prices document (only it and its manager see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopProfile {
    /// The shipping region its deliveries are charged by.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub points_balance: u32,
    /// Payment terms, credit limit, open invoices, prepaid balance, suspension.
    #[serde(default)]
    pub account: Option<CustomerAccount>,
    /// Allocation limits for short-supply SKUs (限量).
    #[serde(default)]
    pub quotas: Vec<Quota>,
    /// The days (and cut-off) the shop orders on, such as its weekly day.
    #[serde(default)]
    pub window: Option<OrderingWindow>,
}

/// What one order adds to its shop's use of promotions and quotas: the one rule wherever
/// use is counted (the device, the intake, the server's stored counts). Each promotion
/// its quote applied counts once; of each SKU under one of `quotas`, the quantity priced
/// (what was accepted, not what was asked). `quotas` are those whose period the order
/// falls in.
pub fn add_use<'a>(
    promotions: &[super::promotion::AppliedPromotion],
    lines: impl IntoIterator<Item = (&'a Sku, u32)>,
    quotas: &[Quota],
    (usage, ordered): (&mut PromotionUsage, &mut BTreeMap<(Sku, Period), u32>),
) {
    for promotion in promotions {
        *usage.by_customer.entry(promotion.id.clone()).or_default() += 1;
        *usage.total.entry(promotion.id.clone()).or_default() += 1;
    }
    for (sku, quantity) in lines {
        for quota in quotas.iter().filter(|q| &q.sku == sku) {
            let entry = ordered.entry((sku.clone(), quota.period)).or_default();
            *entry = entry.saturating_add(quantity);
        }
    }
}

/// Everything [`quote_request`] needs besides the catalog and the price book.
pub struct Checkout<'a> {
    pub shop: &'a ShopId,
    pub tier: Option<&'a TierId>,
    pub terms: &'a SalesTerms,
    pub profile: &'a ShopProfile,
    pub promotions: &'a [Promotion],
    /// How often each promotion was used, by this shop and in total (the server's count;
    /// a device knows only its own shop's, so a total limit may differ at confirmation).
    pub usage: &'a PromotionUsage,
    /// What the shop already ordered of a SKU in the current period (for quotas).
    pub ordered: &'a BTreeMap<(Sku, Period), u32>,
}

/// Quotes `request` at `at_ms`: prices, promotions, gifts, shipping, tax, points, prepaid.
pub fn quote_request(
    request: &OrderRequest,
    catalog: &impl ProductLookup,
    book: &PriceBook,
    checkout: &Checkout<'_>,
    at_ms: i64,
) -> Result<Quote, QuoteError> {
    let delivery = if request.pickup {
        Delivery::Pickup
    } else {
        Delivery::Ship {
            region: checkout.profile.region.clone(),
        }
    };
    let payment = Payment {
        points_balance: checkout.profile.points_balance,
        redeem_points: request.redeem_points,
        prepaid_balance: checkout.profile.account.as_ref().map(|a| a.prepaid_balance),
        use_prepaid: request.use_prepaid,
    };
    let free = ShippingRules::default();
    quote(&QuoteInput {
        requested: &request.lines,
        catalog,
        book,
        customer: Customer {
            shop: checkout.shop,
            tier: checkout.tier,
        },
        now_ms: at_ms,
        promotions: checkout.promotions,
        usage: checkout.usage,
        coupon_codes: &request.coupon_codes,
        delivery: &delivery,
        shipping: checkout.terms.shipping.as_ref().unwrap_or(&free),
        tax: &checkout.terms.tax,
        points: &checkout.terms.points,
        payment: &payment,
        currency: Currency::Cny,
    })
}

/// Why a quoted order may not be confirmed for this shop now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    #[error(transparent)]
    Credit(#[from] OrderBlock),
    #[error("over the allocation for {}: {} left this period", .0.sku, .0.remaining)]
    Quota(QuotaExceeded),
    #[error("outside the shop's ordering days")]
    Window(OutsideWindow),
}

/// The shop's ordering window (at the time the order was placed, as far as the device
/// clock is trusted: see [`pricing_time`]), its quotas, then its credit.
pub fn check_blocks(
    request: &OrderRequest,
    quote: &Quote,
    checkout: &Checkout<'_>,
    now_ms: i64,
) -> Result<(), Blocked> {
    if let Some(window) = &checkout.profile.window {
        let placed = pricing_time(request.placed_at_ms, now_ms);
        check_window(window, placed, UTC_OFFSET_MINUTES).map_err(Blocked::Window)?;
    }
    let exceeded = check_quotas(&request.lines, &checkout.profile.quotas, |sku, period| {
        checkout
            .ordered
            .get(&(sku.clone(), period))
            .copied()
            .unwrap_or(0)
    });
    if let Some(first) = exceeded.into_iter().next() {
        return Err(Blocked::Quota(first));
    }
    if let Some(account) = &checkout.profile.account {
        // A prepaid shop pays everything but points from its balance; anyone else owes
        // what is left after points and prepaid balance.
        let owed = match account.terms {
            PaymentTerms::Prepaid => {
                quote
                    .amount_due
                    .checked_add(quote.prepaid_used)
                    .map_err(|_| OrderBlock::Suspended {
                        reason: "the order total is out of range".into(),
                    })?
            }
            _ => quote.amount_due,
        };
        check_credit(account, owed, now_ms)?;
    }
    Ok(())
}

/// What a confirmed order does to the shop's balances: redeemed points are spent and earned
/// points credited (at confirmation), and what the prepaid balance pays is taken from it
/// (for a prepaid shop, everything but points). Balances never go below zero.
pub fn spend_balances(profile: &mut ShopProfile, quote: &Quote) {
    profile.points_balance = profile
        .points_balance
        .saturating_sub(quote.points_redeemed)
        .saturating_add(quote.points_earned);
    if let Some(account) = &mut profile.account {
        let paid = match account.terms {
            PaymentTerms::Prepaid => quote.amount_due.checked_add(quote.prepaid_used),
            _ => Ok(quote.prepaid_used),
        };
        if let Ok(left) = paid.and_then(|paid| account.prepaid_balance.checked_sub(paid)) {
            account.prepaid_balance = if left.amount().is_sign_negative() {
                super::money::Money::zero(left.currency())
            } else {
                left
            };
        }
    }
}

/// Undoes [`spend_balances`] for a cancelled order.
pub fn refund_balances(profile: &mut ShopProfile, quote: &Quote) {
    profile.points_balance = profile
        .points_balance
        .saturating_sub(quote.points_earned)
        .saturating_add(quote.points_redeemed);
    if let Some(account) = &mut profile.account {
        let paid = match account.terms {
            PaymentTerms::Prepaid => quote.amount_due.checked_add(quote.prepaid_used),
            _ => Ok(quote.prepaid_used),
        };
        if let Ok(back) = paid.and_then(|paid| account.prepaid_balance.checked_add(paid)) {
            account.prepaid_balance = back;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_increase_is_too_much_past_both_the_share_and_the_amount() {
        let yuan = |cents: i64| crate::money::Money::cny(rust_decimal::Decimal::new(cents, 2));
        let rules = ApprovalRules {
            tolerance_bp: 200,
            tolerance: yuan(500),
            answer_within_hours: 24,
            price_hold_hours: 24,
        };
        // ¥100 shown: the ¥5 amount is the larger tolerance.
        assert!(!rules.costs_too_much(yuan(10_000), yuan(10_500)));
        assert!(rules.costs_too_much(yuan(10_000), yuan(10_501)));
        // ¥1 000 shown: 2 % (¥20) is.
        assert!(!rules.costs_too_much(yuan(100_000), yuan(102_000)));
        assert!(rules.costs_too_much(yuan(100_000), yuan(102_001)));
        // Cheaper is never too much.
        assert!(!rules.costs_too_much(yuan(10_000), yuan(1)));
        assert!(rules.check().is_ok());
        let wrong = |rules: ApprovalRules| rules.check().is_err();
        assert!(wrong(ApprovalRules {
            tolerance_bp: 10_001,
            ..rules.clone()
        }));
        assert!(wrong(ApprovalRules {
            answer_within_hours: 0,
            ..rules.clone()
        }));
        assert!(wrong(ApprovalRules {
            answer_within_hours: 721,
            ..rules.clone()
        }));
        assert!(wrong(ApprovalRules {
            price_hold_hours: 169,
            ..rules.clone()
        }));
        assert!(wrong(ApprovalRules {
            tolerance: yuan(-1),
            ..rules
        }));
    }

    #[test]
    fn an_order_adds_each_promotion_once_and_what_was_priced_of_a_quota_sku() {
        let tea = Sku::parse("TEA").unwrap();
        let cup = Sku::parse("CUP").unwrap();
        let promotion = crate::promotion::AppliedPromotion {
            id: "spring".into(),
            name: crate::product::LocalizedText::default(),
            discount: crate::money::Money::cny(rust_decimal::Decimal::ONE),
            gifts: vec![],
        };
        let quotas = [Quota {
            sku: tea.clone(),
            max_quantity: 48,
            period: Period::Week,
        }];
        let mut usage = PromotionUsage::default();
        let mut ordered = BTreeMap::new();
        for _ in 0..2 {
            add_use(
                std::slice::from_ref(&promotion),
                [(&tea, 12), (&cup, 5)],
                &quotas,
                (&mut usage, &mut ordered),
            );
        }
        assert_eq!(usage.by_customer.get("spring"), Some(&2));
        assert_eq!(usage.total.get("spring"), Some(&2));
        assert_eq!(ordered.get(&(tea, Period::Week)), Some(&24));
        assert_eq!(ordered.get(&(cup, Period::Week)), None);
    }

    use super::*;
    use crate::order::RequestId;

    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    // 2026-11-18 (a Wednesday) 02:00 UTC, 10:00 in China.
    const WEDNESDAY_10AM: i64 = 20_775 * DAY_MS + 2 * 60 * 60 * 1000;

    fn request(placed_at_ms: i64) -> OrderRequest {
        let shop = ShopId::parse("s").unwrap();
        OrderRequest::new(
            RequestId::from_random_bytes([1; 16]),
            shop,
            placed_at_ms,
            "",
            vec![],
        )
    }

    #[test]
    fn an_order_placed_on_the_ordering_day_is_taken_even_when_it_arrives_later() {
        let shop = ShopId::parse("s").unwrap();
        let profile = ShopProfile {
            window: Some(OrderingWindow {
                weekdays: vec![2],
                cutoff_minute: Some(12 * 60),
            }),
            ..ShopProfile::default()
        };
        let (terms, usage, ordered) = Default::default();
        let checkout = Checkout {
            shop: &shop,
            tier: None,
            terms: &terms,
            profile: &profile,
            promotions: &[],
            usage: &usage,
            ordered: &ordered,
        };
        let book = PriceBook::default();
        let catalog = std::collections::BTreeMap::new();
        let quoted =
            |placed| quote_request(&request(placed), &catalog, &book, &checkout, placed).unwrap();
        // Placed Wednesday 10:00 offline, synced Thursday: inside the window.
        let placed = request(WEDNESDAY_10AM);
        let arrives = WEDNESDAY_10AM + DAY_MS;
        assert_eq!(
            check_blocks(&placed, &quoted(WEDNESDAY_10AM), &checkout, arrives),
            Ok(())
        );
        // Placed Wednesday 13:00, after the noon cut-off: refused, with the next window.
        let late = WEDNESDAY_10AM + 3 * 60 * 60 * 1000;
        let blocked = check_blocks(&request(late), &quoted(late), &checkout, late);
        assert!(
            matches!(blocked, Err(Blocked::Window(OutsideWindow { next_open_ms })) if next_open_ms > late)
        );
    }
}
