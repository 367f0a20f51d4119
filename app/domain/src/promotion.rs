//! Promotions: what they give, to whom, when, and which ones an order gets.
//!
//! Rules (the same in the browser and on the server):
//! - A promotion applies at most once per order (a stepped 满减 is one application with
//!   several steps) and only while valid at the pricing time, to an eligible customer,
//!   within its usage limits, and, for a coupon, when its code was entered.
//! - Amounts are computed on the *scope subtotal*: the sum of the rounded line totals of
//!   the lines in its scope (all, some SKUs or some categories), before any promotion.
//! - Combinable promotions all apply; exclusive ones apply alone. The order gets whichever
//!   is worth more to the customer: the best single exclusive promotion, or all the
//!   combinable ones together (gifts valued at their list price). Ties go to the
//!   combinable set, then to the lower promotion id.
//! - The discount never exceeds the merchandise total: a total is never negative.
//! - Everything is computed from lines sorted by SKU, so the result does not depend on the
//!   order in which lines were added.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::check::{FieldProblem, problem};
use super::money::{Money, MoneyError};
use super::product::LocalizedText;
use super::sku::{CategoryId, ShopId, Sku, TierId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PromotionKind {
    /// A fixed amount off (a typical coupon).
    AmountOff { amount: Money },
    /// A percentage off, optionally capped.
    PercentOff {
        percent: Decimal,
        max_off: Option<Money>,
    },
    /// 满减: `off` for every full `every` spent (¥50 off every ¥500), at most `max_steps`.
    SpendStep {
        every: Money,
        off: Money,
        max_steps: Option<u32>,
    },
    /// 满折: `percent` off once the scope subtotal reaches `threshold`.
    SpendPercent { threshold: Money, percent: Decimal },
    /// Buy `buy_quantity` of `buy`, get `get_quantity` of `get` free, per full multiple.
    BuyXGetY {
        buy: Sku,
        buy_quantity: u32,
        get: Sku,
        get_quantity: u32,
    },
    /// A free gift once the scope subtotal reaches `threshold`.
    GiftWithSpend {
        threshold: Money,
        gift: Sku,
        quantity: u32,
    },
}

impl PromotionKind {
    /// The SKU this promotion gives away, if it gives one (its stock is reserved with the
    /// order's).
    pub fn gift_sku(&self) -> Option<&Sku> {
        match self {
            PromotionKind::BuyXGetY { get, .. } => Some(get),
            PromotionKind::GiftWithSpend { gift, .. } => Some(gift),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scope {
    #[default]
    All,
    Skus {
        skus: Vec<Sku>,
    },
    Categories {
        categories: Vec<CategoryId>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    #[default]
    Combinable,
    Exclusive,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Promotion {
    pub id: String,
    pub name: LocalizedText,
    pub kind: PromotionKind,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub stacking: Stacking,
    /// The scope subtotal must reach this for the promotion to apply at all.
    #[serde(default)]
    pub min_spend: Option<Money>,
    /// Milliseconds since 1970; the promotion is valid in `[valid_from_ms, valid_until_ms)`.
    #[serde(default)]
    pub valid_from_ms: Option<i64>,
    #[serde(default)]
    pub valid_until_ms: Option<i64>,
    /// Only these tiers (empty: every tier).
    #[serde(default)]
    pub tiers: Vec<TierId>,
    /// Only these shops (empty: every shop).
    #[serde(default)]
    pub shops: Vec<ShopId>,
    /// A coupon: applies only when this code was entered. Kept on the server: devices
    /// receive [`Promotion::coupon_check`] instead, so a code cannot be read off a phone.
    #[serde(default)]
    pub coupon_code: Option<String>,
    /// The coupon code as devices check it offline: a salted hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_check: Option<CouponCheck>,
    #[serde(default)]
    pub limit_per_customer: Option<u32>,
    #[serde(default)]
    pub limit_total: Option<u32>,
}

/// A coupon code as a device holds it: SHA-256 of the salt and the normalised code (trimmed,
/// upper case), in hex. A typed code is checked offline without the code being published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CouponCheck {
    pub salt: String,
    pub hash: String,
}

fn coupon_hash(salt: &str, code: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0]);
    hasher.update(code.trim().to_ascii_uppercase().as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl CouponCheck {
    pub fn new(code: &str, salt: &str) -> CouponCheck {
        CouponCheck {
            salt: salt.to_owned(),
            hash: coupon_hash(salt, code),
        }
    }

    pub fn matches(&self, entered: &str) -> bool {
        coupon_hash(&self.salt, entered) == self.hash
    }
}

impl Promotion {
    /// The promotion as devices receive it: a coupon's code replaced by its salted hash
    /// (salted with the promotion's id, so equal codes of two promotions differ).
    pub fn for_devices(&self) -> Promotion {
        let mut published = self.clone();
        if let Some(code) = published.coupon_code.take() {
            published.coupon_check = Some(CouponCheck::new(&code, &self.id));
        }
        published
    }

    /// Whether this promotion asks for a coupon code.
    pub fn is_coupon(&self) -> bool {
        self.coupon_code.is_some() || self.coupon_check.is_some()
    }

    /// Whether the code a customer typed is this coupon's.
    pub fn code_matches(&self, entered: &str) -> bool {
        match (&self.coupon_code, &self.coupon_check) {
            (Some(code), _) => entered.trim().eq_ignore_ascii_case(code),
            (None, Some(check)) => check.matches(entered),
            (None, None) => true,
        }
    }
}

/// How often each promotion has been used already (by this customer, and by everyone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionUsage {
    #[serde(default)]
    pub by_customer: BTreeMap<String, u32>,
    #[serde(default)]
    pub total: BTreeMap<String, u32>,
}

/// Who is ordering and when, as far as promotions care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer<'a> {
    pub shop: &'a ShopId,
    pub tier: Option<&'a TierId>,
}

/// A line as promotions see it: already priced and rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotableLine {
    pub sku: Sku,
    pub category: CategoryId,
    pub quantity: u32,
    pub line_total: Money,
}

/// A free line a promotion adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gift {
    pub sku: Sku,
    pub quantity: u32,
}

/// One promotion as applied to an order: listed on the order with its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedPromotion {
    pub id: String,
    pub name: LocalizedText,
    pub discount: Money,
    pub gifts: Vec<Gift>,
}

/// Why an eligible-looking promotion was not applied (shown when a coupon does not work).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum PromotionSkipped {
    NotYetValid,
    Expired,
    NotForThisCustomer,
    CouponNotEntered,
    UsedUp,
    BelowMinimumSpend {
        minimum: Money,
    },
    NothingInScope,
    /// Its only benefit is a gift that cannot be supplied (unknown or discontinued).
    GiftUnavailable,
    /// Another choice was better for the customer.
    NotTheBest,
}

impl Scope {
    /// True when a line of `sku` in `category` is in this scope.
    pub fn covers(&self, sku: &Sku, category: &CategoryId) -> bool {
        match self {
            Scope::All => true,
            Scope::Skus { skus } => skus.contains(sku),
            Scope::Categories { categories } => categories.contains(category),
        }
    }
}

fn percent_of(amount: Money, percent: Decimal) -> Money {
    let value = (amount.amount() * percent / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    Money::new(value, amount.currency())
}

/// Whole multiples of `every` in `amount` (0 when `every` is not positive).
fn steps(amount: Money, every: Money) -> u32 {
    if every.amount() <= Decimal::ZERO {
        return 0;
    }
    let whole = (amount.amount() / every.amount()).floor();
    u32::try_from(whole.mantissa())
        .ok()
        .filter(|_| whole.scale() == 0)
        .unwrap_or(u32::MAX)
}

impl Promotion {
    /// Checks that the promotion means something: an id of 1–64 letters, digits, `-` or
    /// `_`; a Chinese name; amounts above zero; a percentage in (0, 100]; quantities of
    /// at least one; a scope that names something; an end after the start; a coupon code
    /// of 1–32 characters without spaces; limits of at least one. (Whether the SKUs,
    /// categories, tiers and shops it names exist is the server's to check.)
    pub fn check(&self) -> Result<(), FieldProblem> {
        let id_ok = (1..=64).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return problem("id", "malformed");
        }
        if self.name.zh_hans.trim().is_empty() {
            return problem("name.zh_hans", "required");
        }
        let positive = |money: &Money| money.amount() > Decimal::ZERO;
        let not_negative = |money: &Money| !money.amount().is_sign_negative() || money.is_zero();
        let percent_ok =
            |percent: &Decimal| *percent > Decimal::ZERO && *percent <= Decimal::ONE_HUNDRED;
        match &self.kind {
            PromotionKind::AmountOff { amount } if !positive(amount) => {
                return problem("kind.amount", "out_of_range");
            }
            PromotionKind::PercentOff { percent, .. } if !percent_ok(percent) => {
                return problem("kind.percent", "out_of_range");
            }
            PromotionKind::PercentOff {
                max_off: Some(cap), ..
            } if !positive(cap) => return problem("kind.max_off", "out_of_range"),
            PromotionKind::SpendStep {
                every,
                off,
                max_steps,
            } => {
                if !positive(every) {
                    return problem("kind.every", "out_of_range");
                }
                if !positive(off) || off.amount() > every.amount() {
                    return problem("kind.off", "out_of_range");
                }
                if *max_steps == Some(0) {
                    return problem("kind.max_steps", "out_of_range");
                }
            }
            PromotionKind::SpendPercent { threshold, percent } => {
                if !not_negative(threshold) {
                    return problem("kind.threshold", "negative");
                }
                if !percent_ok(percent) {
                    return problem("kind.percent", "out_of_range");
                }
            }
            PromotionKind::BuyXGetY {
                buy_quantity,
                get_quantity,
                ..
            } => {
                if *buy_quantity == 0 {
                    return problem("kind.buy_quantity", "out_of_range");
                }
                if *get_quantity == 0 {
                    return problem("kind.get_quantity", "out_of_range");
                }
            }
            PromotionKind::GiftWithSpend {
                threshold,
                quantity,
                ..
            } => {
                if !not_negative(threshold) {
                    return problem("kind.threshold", "negative");
                }
                if *quantity == 0 {
                    return problem("kind.quantity", "out_of_range");
                }
            }
            _ => {}
        }
        match &self.scope {
            Scope::Skus { skus } if skus.is_empty() => return problem("scope.skus", "required"),
            Scope::Categories { categories } if categories.is_empty() => {
                return problem("scope.categories", "required");
            }
            _ => {}
        }
        if self.min_spend.as_ref().is_some_and(|m| !not_negative(m)) {
            return problem("min_spend", "negative");
        }
        if let (Some(from), Some(until)) = (self.valid_from_ms, self.valid_until_ms)
            && until <= from
        {
            return problem("valid_until_ms", "ends_before_start");
        }
        if let Some(code) = &self.coupon_code
            && (code.is_empty()
                || code.chars().count() > 32
                || code.chars().any(char::is_whitespace))
        {
            return problem("coupon_code", "malformed");
        }
        if self.limit_per_customer == Some(0) {
            return problem("limit_per_customer", "out_of_range");
        }
        if self.limit_total == Some(0) {
            return problem("limit_total", "out_of_range");
        }
        Ok(())
    }

    /// Why this promotion cannot apply to this customer now, if it cannot.
    fn ineligible(
        &self,
        customer: &Customer<'_>,
        now_ms: i64,
        coupon_codes: &[String],
        usage: &PromotionUsage,
    ) -> Option<PromotionSkipped> {
        if self.valid_from_ms.is_some_and(|from| now_ms < from) {
            return Some(PromotionSkipped::NotYetValid);
        }
        if self.valid_until_ms.is_some_and(|until| now_ms >= until) {
            return Some(PromotionSkipped::Expired);
        }
        let tier_ok =
            self.tiers.is_empty() || customer.tier.is_some_and(|t| self.tiers.contains(t));
        let shop_ok = self.shops.is_empty() || self.shops.contains(customer.shop);
        if !tier_ok || !shop_ok {
            return Some(PromotionSkipped::NotForThisCustomer);
        }
        if self.is_coupon() && !coupon_codes.iter().any(|e| self.code_matches(e)) {
            return Some(PromotionSkipped::CouponNotEntered);
        }
        let used_by_customer = usage.by_customer.get(&self.id).copied().unwrap_or(0);
        let used_total = usage.total.get(&self.id).copied().unwrap_or(0);
        if self
            .limit_per_customer
            .is_some_and(|limit| used_by_customer >= limit)
            || self.limit_total.is_some_and(|limit| used_total >= limit)
        {
            return Some(PromotionSkipped::UsedUp);
        }
        None
    }

    /// The discount and gifts this promotion gives on `lines`, or why it gives nothing.
    fn evaluate(&self, lines: &[PromotableLine]) -> Result<(Money, Vec<Gift>), PromotionSkipped> {
        let in_scope: Vec<&PromotableLine> = lines
            .iter()
            .filter(|l| self.scope.covers(&l.sku, &l.category))
            .collect();
        let Some(first) = in_scope.first() else {
            return Err(PromotionSkipped::NothingInScope);
        };
        let currency = first.line_total.currency();
        let subtotal = Money::sum(in_scope.iter().map(|l| l.line_total), currency)
            .map_err(|_| PromotionSkipped::NothingInScope)?;
        if let Some(minimum) = self.min_spend
            && subtotal.amount() < minimum.amount()
        {
            return Err(PromotionSkipped::BelowMinimumSpend { minimum });
        }
        let zero = Money::zero(currency);
        let below = |minimum: Money| PromotionSkipped::BelowMinimumSpend { minimum };
        let (discount, gifts) = match &self.kind {
            PromotionKind::AmountOff { amount } => (*amount, vec![]),
            PromotionKind::PercentOff { percent, max_off } => {
                let off = percent_of(subtotal, *percent);
                (
                    max_off
                        .filter(|cap| cap.amount() < off.amount())
                        .unwrap_or(off),
                    vec![],
                )
            }
            PromotionKind::SpendStep {
                every,
                off,
                max_steps,
            } => {
                let count = steps(subtotal, *every).min(max_steps.unwrap_or(u32::MAX));
                if count == 0 {
                    return Err(below(*every));
                }
                (off.times(count).map_err(|_| below(*every))?, vec![])
            }
            PromotionKind::SpendPercent { threshold, percent } => {
                if subtotal.amount() < threshold.amount() {
                    return Err(below(*threshold));
                }
                (percent_of(subtotal, *percent), vec![])
            }
            PromotionKind::BuyXGetY {
                buy,
                buy_quantity,
                get,
                get_quantity,
            } => {
                let bought: u32 = in_scope
                    .iter()
                    .filter(|l| &l.sku == buy)
                    .map(|l| l.quantity)
                    .sum();
                let multiples = if *buy_quantity == 0 {
                    0
                } else {
                    bought / buy_quantity
                };
                if multiples == 0 {
                    return Err(PromotionSkipped::NothingInScope);
                }
                (
                    zero,
                    vec![Gift {
                        sku: get.clone(),
                        quantity: get_quantity.saturating_mul(multiples),
                    }],
                )
            }
            PromotionKind::GiftWithSpend {
                threshold,
                gift,
                quantity,
            } => {
                if subtotal.amount() < threshold.amount() {
                    return Err(below(*threshold));
                }
                (
                    zero,
                    vec![Gift {
                        sku: gift.clone(),
                        quantity: *quantity,
                    }],
                )
            }
        };
        // Never more than the lines it applies to.
        let discount = if discount.amount() > subtotal.amount() {
            subtotal
        } else {
            discount
        };
        Ok((discount, gifts))
    }
}

/// How much more an order needs for a promotion (or its next step): spend this much more
/// in its scope, or add this many units of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closer {
    Spend { more: Money },
    Units { sku: Sku, more: u32 },
}

impl Promotion {
    /// What `lines` lack for this promotion to give (more): the spend its threshold or its
    /// next 满减 step needs, or the units a "buy X get Y" needs for its next free one.
    /// `None` when nothing of the order is in its scope (it is not close), or when there is
    /// nothing more to gain. Eligibility (dates, tiers, coupon) is the caller's to check.
    pub fn closer(&self, lines: &[PromotableLine]) -> Option<Closer> {
        let in_scope: Vec<&PromotableLine> = lines
            .iter()
            .filter(|l| self.scope.covers(&l.sku, &l.category))
            .collect();
        let currency = in_scope.first()?.line_total.currency();
        let subtotal = Money::sum(in_scope.iter().map(|l| l.line_total), currency).ok()?;
        let more_to = |target: Money| {
            (subtotal.amount() < target.amount())
                .then(|| target.checked_sub(subtotal).ok())
                .flatten()
                .map(|more| Closer::Spend { more })
        };
        if let Some(minimum) = self.min_spend
            && subtotal.amount() < minimum.amount()
        {
            return more_to(minimum);
        }
        match &self.kind {
            PromotionKind::AmountOff { .. } | PromotionKind::PercentOff { .. } => None,
            PromotionKind::SpendStep {
                every, max_steps, ..
            } => {
                let done = steps(subtotal, *every);
                if max_steps.is_some_and(|most| done >= most) {
                    return None;
                }
                more_to(every.times(done.checked_add(1)?).ok()?)
            }
            PromotionKind::SpendPercent { threshold, .. }
            | PromotionKind::GiftWithSpend { threshold, .. } => more_to(*threshold),
            PromotionKind::BuyXGetY {
                buy, buy_quantity, ..
            } => {
                let have: u32 = lines
                    .iter()
                    .filter(|l| &l.sku == buy)
                    .map(|l| l.quantity)
                    .sum();
                let step = (*buy_quantity).max(1);
                let left = step - have % step;
                (have > 0 && left != step).then(|| Closer::Units {
                    sku: buy.clone(),
                    more: left,
                })
            }
        }
    }
}

/// The promotions an order gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PromotionOutcome {
    pub applied: Vec<AppliedPromotion>,
    pub skipped: Vec<(String, PromotionSkipped)>,
}

/// Chooses and applies promotions to priced `lines` (see the module rules). `gift_value`
/// values a gift line for the best-for-the-customer comparison (its list price × quantity),
/// or is `None` for a gift that cannot be supplied.
pub fn apply_promotions(
    lines: &[PromotableLine],
    promotions: &[Promotion],
    customer: &Customer<'_>,
    now_ms: i64,
    coupon_codes: &[String],
    usage: &PromotionUsage,
    gift_value: impl Fn(&Gift) -> Option<Money>,
) -> Result<PromotionOutcome, MoneyError> {
    let mut sorted: Vec<PromotableLine> = lines.to_vec();
    sorted.sort_by(|a, b| a.sku.cmp(&b.sku));
    let mut ordered: Vec<&Promotion> = promotions.iter().collect();
    ordered.sort_by(|a, b| a.id.cmp(&b.id));
    ordered.dedup_by(|a, b| a.id == b.id);

    let mut outcome = PromotionOutcome::default();
    let mut candidates: Vec<(&Promotion, Money, Vec<Gift>)> = Vec::new();
    for promotion in ordered {
        let result = match promotion.ineligible(customer, now_ms, coupon_codes, usage) {
            Some(reason) => Err(reason),
            None => promotion.evaluate(&sorted),
        };
        let result = result.and_then(|(discount, gifts)| {
            let supplied: Vec<Gift> = gifts
                .iter()
                .filter(|g| gift_value(g).is_some())
                .cloned()
                .collect();
            if discount.is_zero() && supplied.is_empty() && !gifts.is_empty() {
                Err(PromotionSkipped::GiftUnavailable)
            } else {
                Ok((discount, supplied))
            }
        });
        match result {
            Ok((discount, gifts)) => candidates.push((promotion, discount, gifts)),
            Err(reason) => outcome.skipped.push((promotion.id.clone(), reason)),
        }
    }
    let Some(currency) = sorted.first().map(|l| l.line_total.currency()) else {
        outcome.skipped.extend(
            candidates
                .into_iter()
                .map(|(p, ..)| (p.id.clone(), PromotionSkipped::NothingInScope)),
        );
        return Ok(outcome);
    };
    let merchandise = Money::sum(sorted.iter().map(|l| l.line_total), currency)?;
    let worth = |set: &[&(&Promotion, Money, Vec<Gift>)]| -> Result<Money, MoneyError> {
        let mut total = Money::zero(currency);
        let mut discount = Money::zero(currency);
        for (_, off, gifts) in set {
            discount = discount.checked_add(*off)?;
            for gift in gifts {
                total = total.checked_add(gift_value(gift).unwrap_or(Money::zero(currency)))?;
            }
        }
        let discount = if discount.amount() > merchandise.amount() {
            merchandise
        } else {
            discount
        };
        total.checked_add(discount)
    };
    let combinable: Vec<&(&Promotion, Money, Vec<Gift>)> = candidates
        .iter()
        .filter(|c| c.0.stacking == Stacking::Combinable)
        .collect();
    let mut best: Vec<&(&Promotion, Money, Vec<Gift>)> = combinable.clone();
    let mut best_worth = worth(&combinable)?;
    for exclusive in candidates
        .iter()
        .filter(|c| c.0.stacking == Stacking::Exclusive)
    {
        let value = worth(&[exclusive])?;
        if value.amount() > best_worth.amount() {
            best = vec![exclusive];
            best_worth = value;
        }
    }
    let chosen: Vec<&str> = best.iter().map(|c| c.0.id.as_str()).collect();
    // Cap the discounts at the merchandise total, taking from the last ones first.
    let mut remaining = merchandise;
    for (promotion, discount, gifts) in &candidates {
        if !chosen.contains(&promotion.id.as_str()) {
            outcome
                .skipped
                .push((promotion.id.clone(), PromotionSkipped::NotTheBest));
            continue;
        }
        let granted = if discount.amount() > remaining.amount() {
            remaining
        } else {
            *discount
        };
        remaining = remaining.checked_sub(granted)?;
        outcome.applied.push(AppliedPromotion {
            id: promotion.id.clone(),
            name: promotion.name.clone(),
            discount: granted,
            gifts: gifts.clone(),
        });
    }
    outcome.skipped.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(outcome)
}

#[cfg(test)]
mod check_tests {
    use super::*;

    fn promotion(kind: PromotionKind) -> Promotion {
        Promotion {
            id: "p-1".into(),
            name: LocalizedText::same("满减"),
            kind,
            scope: Scope::All,
            stacking: Stacking::Combinable,
            min_spend: None,
            valid_from_ms: Some(10),
            valid_until_ms: Some(20),
            tiers: Vec::new(),
            shops: Vec::new(),
            coupon_code: None,
            coupon_check: None,
            limit_per_customer: None,
            limit_total: None,
        }
    }

    fn yuan(amount: i64) -> Money {
        Money::cny(Decimal::from(amount))
    }

    fn line(sku: &str, quantity: u32, total: i64) -> PromotableLine {
        PromotableLine {
            sku: Sku::parse(sku).unwrap(),
            category: CategoryId::parse("tea").unwrap(),
            quantity,
            line_total: yuan(total),
        }
    }

    #[test]
    fn how_close_an_order_is_to_a_threshold_a_next_step_or_a_free_unit() {
        let step = promotion(PromotionKind::SpendStep {
            every: yuan(300),
            off: yuan(20),
            max_steps: Some(2),
        });
        let more = |more: i64| Some(Closer::Spend { more: yuan(more) });
        assert_eq!(step.closer(&[line("T-1", 12, 265)]), more(35));
        // One step reached: the next one.
        assert_eq!(
            step.closer(&[line("T-1", 12, 310), line("T-2", 1, 40)]),
            more(250)
        );
        // At its most steps: nothing more to gain.
        assert_eq!(step.closer(&[line("T-1", 12, 650)]), None);
        // Nothing in scope: not close.
        let mut scoped = step.clone();
        scoped.scope = Scope::Skus {
            skus: vec![Sku::parse("T-9").unwrap()],
        };
        assert_eq!(scoped.closer(&[line("T-1", 12, 265)]), None);
        let gift = promotion(PromotionKind::GiftWithSpend {
            threshold: yuan(500),
            gift: Sku::parse("G-1").unwrap(),
            quantity: 1,
        });
        assert_eq!(gift.closer(&[line("T-1", 1, 420)]), more(80));
        assert_eq!(gift.closer(&[line("T-1", 1, 520)]), None);
        let mut minimum = promotion(PromotionKind::AmountOff { amount: yuan(5) });
        minimum.min_spend = Some(yuan(100));
        assert_eq!(minimum.closer(&[line("T-1", 1, 99)]), more(1));
        assert_eq!(minimum.closer(&[line("T-1", 1, 100)]), None);
        let buy = promotion(PromotionKind::BuyXGetY {
            buy: Sku::parse("T-1").unwrap(),
            buy_quantity: 10,
            get: Sku::parse("T-1").unwrap(),
            get_quantity: 1,
        });
        let units = |more| {
            Some(Closer::Units {
                sku: Sku::parse("T-1").unwrap(),
                more,
            })
        };
        assert_eq!(buy.closer(&[line("T-1", 8, 80)]), units(2));
        assert_eq!(buy.closer(&[line("T-1", 13, 130)]), units(7));
        assert_eq!(buy.closer(&[line("T-1", 20, 200)]), None);
        assert_eq!(buy.closer(&[line("T-2", 20, 200)]), None);
    }

    #[test]
    fn a_coupon_reaches_devices_as_a_salted_hash_that_checks_a_typed_code() {
        let mut coupon = promotion(PromotionKind::AmountOff { amount: yuan(20) });
        coupon.coupon_code = Some("NEW20".into());
        let published = coupon.for_devices();
        assert_eq!(published.coupon_code, None);
        let json = serde_json::to_string(&published).unwrap();
        assert!(!json.to_uppercase().contains("NEW20"), "{json}");
        let check = published.coupon_check.clone().unwrap();
        assert!(check.matches("new20") && check.matches(" NEW20 "));
        assert!(!check.matches("NEW21") && !check.matches(""));
        // Salted by the promotion: the same code elsewhere hashes differently.
        let mut other = coupon.clone();
        other.id = "other".into();
        assert_ne!(other.for_devices().coupon_check.unwrap().hash, check.hash);
        for (promotion, entered, applies) in [
            (&coupon, "new20", true),
            (&published, "new20", true),
            (&published, "NEW2", false),
        ] {
            assert_eq!(promotion.code_matches(entered), applies);
            assert!(promotion.is_coupon());
        }
    }

    #[test]
    fn nonsense_promotions_are_refused_naming_the_field() {
        let percent = |p: i64| PromotionKind::PercentOff {
            percent: Decimal::from(p),
            max_off: None,
        };
        assert_eq!(promotion(percent(10)).check(), Ok(()));
        let refused = |p: Promotion, field: &str| {
            assert_eq!(p.check().map_err(|e| e.field), Err(field), "{p:?}");
        };
        refused(promotion(percent(150)), "kind.percent");
        refused(promotion(percent(0)), "kind.percent");
        refused(
            promotion(PromotionKind::AmountOff { amount: yuan(-5) }),
            "kind.amount",
        );
        refused(
            promotion(PromotionKind::SpendStep {
                every: yuan(100),
                off: yuan(120),
                max_steps: None,
            }),
            "kind.off",
        );
        let mut late = promotion(percent(10));
        late.valid_until_ms = Some(5);
        refused(late, "valid_until_ms");
        let mut bad_id = promotion(percent(10));
        bad_id.id = "a b".into();
        refused(bad_id, "id");
        let mut empty_scope = promotion(percent(10));
        empty_scope.scope = Scope::Skus { skus: Vec::new() };
        refused(empty_scope, "scope.skus");
        let mut coupon = promotion(percent(10));
        coupon.coupon_code = Some("NEW 20".into());
        refused(coupon, "coupon_code");
    }
}
