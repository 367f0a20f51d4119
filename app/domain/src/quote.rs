//! The whole price of an order, from requested lines to the amount due: line prices,
//! promotions and gifts, shipping, tax, points and prepaid balance. One function,
//! [`quote`], used by the storefront for offline totals and by the server to confirm.
//!
//! Order of computation and rounding (every figure in exact decimals):
//! 1. Lines are priced by [`price_order`](super::pricing::price_order): each line total is
//!    rounded half-even to 0.01.
//! 2. Promotions are chosen by [`apply_promotions`]; gifts become zero-price lines.
//! 3. Each promotion's discount is allocated to the lines in its scope in proportion to
//!    their totals (rounded down to 0.01, the remainder on the largest line), so each line
//!    has a net amount.
//! 4. Shipping: free at or above the free-shipping threshold (on the net merchandise),
//!    otherwise the region's base fee plus its fee per started kilogram above the included
//!    weight; in-store pickup and an order with nothing in it are free.
//! 5. Tax per line at its category's rate on the net amount, and on shipping at the
//!    shipping rate, each rounded to 0.01. Exclusive tax is added; inclusive tax is the part
//!    of the price that is tax (`net × rate / (100 + rate)`), shown but not added.
//! 6. total = merchandise − discount + shipping + exclusive tax (never negative).
//! 7. Points are redeemed (whole points, worth `1 / points_per_yuan` each, at most the
//!    configured share of the total), then prepaid balance pays what it can; the rest is
//!    the amount due. Points are earned on the net merchandise paid, rounded down.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::money::{Currency, Money, MoneyError};
use super::price_book::PriceBook;
use super::pricing::{
    PricedLine, PricingError, ProductLookup, RefusedLine, RequestedLine, price_order,
};
use super::product::LocalizedText;
use super::promotion::{
    AppliedPromotion, Customer, PromotableLine, Promotion, PromotionSkipped, PromotionUsage,
    apply_promotions,
};
use super::sku::{CategoryId, Sku};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionRate {
    pub base: Money,
    pub per_kg: Money,
    /// Kilograms the base fee covers.
    pub included_kg: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShippingRules {
    /// Free shipping at or above this net merchandise amount.
    pub free_above: Option<Money>,
    pub default_rate: RegionRate,
    #[serde(default)]
    pub regions: BTreeMap<String, RegionRate>,
}

/// No fee anywhere.
impl Default for ShippingRules {
    fn default() -> ShippingRules {
        let zero = Money::zero(Currency::Cny);
        ShippingRules {
            free_above: None,
            default_rate: RegionRate {
                base: zero,
                per_kg: zero,
                included_kg: 0,
            },
            regions: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delivery {
    Ship { region: String },
    Pickup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaxMode {
    /// Prices include tax (the usual retail display in China).
    #[default]
    Inclusive,
    Exclusive,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxRules {
    pub mode: TaxMode,
    /// Percent, such as 13 for 13 %.
    pub default_rate: Decimal,
    #[serde(default)]
    pub by_category: BTreeMap<CategoryId, Decimal>,
    #[serde(default)]
    pub shipping_rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointsRules {
    /// Points earned per ¥1 of net merchandise paid.
    pub earn_per_yuan: Decimal,
    /// Points worth ¥1 when redeemed (e.g. 100); 0 disables redemption.
    pub points_per_yuan: u32,
    /// At most this percent of the total may be paid with points.
    pub max_redeem_percent: Decimal,
}

/// What the customer holds and wants to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub points_balance: u32,
    pub redeem_points: u32,
    pub prepaid_balance: Option<Money>,
    pub use_prepaid: bool,
}

/// Everything an order is priced with.
pub struct QuoteInput<'a, C: ProductLookup> {
    pub requested: &'a [RequestedLine],
    pub catalog: &'a C,
    pub book: &'a PriceBook,
    pub customer: Customer<'a>,
    pub now_ms: i64,
    pub promotions: &'a [Promotion],
    pub usage: &'a PromotionUsage,
    pub coupon_codes: &'a [String],
    pub delivery: &'a Delivery,
    pub shipping: &'a ShippingRules,
    pub tax: &'a TaxRules,
    pub points: &'a PointsRules,
    pub payment: &'a Payment,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotedLine {
    pub line: PricedLine,
    /// This line's share of the order discount.
    pub discount: Money,
    /// line total − discount.
    pub net: Money,
    pub tax_rate: Decimal,
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftLine {
    pub sku: Sku,
    pub name: LocalizedText,
    pub quantity: u32,
    pub promotion: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub lines: Vec<QuotedLine>,
    pub gifts: Vec<GiftLine>,
    pub refused: Vec<RefusedLine>,
    pub promotions: Vec<AppliedPromotion>,
    pub skipped_promotions: Vec<(String, PromotionSkipped)>,
    pub merchandise: Money,
    pub discount: Money,
    pub shipping: Money,
    pub tax_mode: TaxMode,
    pub tax: Money,
    pub total: Money,
    pub points_redeemed: u32,
    pub points_value: Money,
    pub prepaid_used: Money,
    pub amount_due: Money,
    pub points_earned: u32,
    pub weight_grams: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error(transparent)]
    Pricing(#[from] PricingError),
    #[error(transparent)]
    Money(#[from] MoneyError),
}

fn cents(amount: Decimal, currency: Currency) -> Money {
    Money::new(
        amount.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven),
        currency,
    )
}

fn min_money(a: Money, b: Money) -> Money {
    if a.amount() <= b.amount() { a } else { b }
}

/// Splits `discount` over `totals` in proportion (see [`Money::split`]).
fn allocate(discount: Money, totals: &[Money]) -> Result<Vec<Money>, MoneyError> {
    let weights: Vec<Decimal> = totals.iter().map(|t| t.amount()).collect();
    discount.split(&weights)
}

fn tax_on(net: Money, rate: Decimal, mode: TaxMode) -> Money {
    let amount = match mode {
        TaxMode::Exclusive => net.amount() * rate / Decimal::ONE_HUNDRED,
        TaxMode::Inclusive => net.amount() * rate / (Decimal::ONE_HUNDRED + rate),
    };
    cents(amount, net.currency())
}

fn shipping_fee(
    rules: &ShippingRules,
    delivery: &Delivery,
    net_merchandise: Money,
    weight_grams: u64,
) -> Result<Money, MoneyError> {
    let currency = net_merchandise.currency();
    let Delivery::Ship { region } = delivery else {
        return Ok(Money::zero(currency));
    };
    if rules
        .free_above
        .is_some_and(|free| net_merchandise.amount() >= free.amount())
    {
        return Ok(Money::zero(currency));
    }
    let rate = rules.regions.get(region).unwrap_or(&rules.default_rate);
    let started_kg = weight_grams.div_ceil(1000);
    let extra_kg = started_kg.saturating_sub(u64::from(rate.included_kg));
    let extra = u32::try_from(extra_kg).map_err(|_| MoneyError::Overflow)?;
    rate.base.checked_add(rate.per_kg.times(extra)?)
}

/// Prices an order completely (see the module documentation for the rules).
pub fn quote<C: ProductLookup>(input: &QuoteInput<'_, C>) -> Result<Quote, QuoteError> {
    let currency = input.currency;
    let priced = price_order(
        input.requested,
        input.catalog,
        input.book,
        currency,
        input.now_ms,
    )?;
    let promotable: Vec<PromotableLine> = priced
        .lines
        .iter()
        .filter_map(|line| {
            let product = input.catalog.product(&line.sku)?;
            Some(PromotableLine {
                sku: line.sku.clone(),
                category: product.category.clone(),
                quantity: line.quantity,
                line_total: line.line_total,
            })
        })
        .collect();
    let gift_value = |gift: &super::promotion::Gift| {
        let product = input.catalog.product(&gift.sku).filter(|p| p.active)?;
        product.list_price.times(gift.quantity).ok()
    };
    let outcome = apply_promotions(
        &promotable,
        input.promotions,
        &input.customer,
        input.now_ms,
        input.coupon_codes,
        input.usage,
        gift_value,
    )?;
    let discount = Money::sum(outcome.applied.iter().map(|p| p.discount), currency)?;
    let totals: Vec<Money> = priced.lines.iter().map(|l| l.line_total).collect();
    // Each promotion's discount goes to the lines in its scope.
    let mut shares = vec![Money::zero(currency); totals.len()];
    for applied in &outcome.applied {
        let scope = input
            .promotions
            .iter()
            .find(|p| p.id == applied.id)
            .map(|p| &p.scope);
        let covered: Vec<bool> = priced
            .lines
            .iter()
            .map(|line| {
                let category = input.catalog.product(&line.sku).map(|p| &p.category);
                match (scope, category) {
                    (Some(scope), Some(category)) => scope.covers(&line.sku, category),
                    _ => false,
                }
            })
            .collect();
        let in_scope: Vec<Money> = totals
            .iter()
            .zip(&covered)
            .map(|(t, c)| if *c { *t } else { Money::zero(currency) })
            .collect();
        for (share, part) in shares
            .iter_mut()
            .zip(allocate(applied.discount, &in_scope)?)
        {
            *share = share.checked_add(part)?;
        }
    }

    let mut lines = Vec::with_capacity(priced.lines.len());
    let mut weight_grams: u64 = 0;
    for (line, share) in priced.lines.into_iter().zip(shares) {
        let product = input.catalog.product(&line.sku);
        weight_grams += product
            .map(|p| u64::from(p.weight_grams) * u64::from(line.quantity))
            .unwrap_or(0);
        let rate = product
            .and_then(|p| input.tax.by_category.get(&p.category).copied())
            .unwrap_or(input.tax.default_rate);
        let net = line.line_total.checked_sub(share)?;
        let tax = tax_on(net, rate, input.tax.mode);
        lines.push(QuotedLine {
            line,
            discount: share,
            net,
            tax_rate: rate,
            tax,
        });
    }
    let mut gifts = Vec::new();
    for applied in &outcome.applied {
        for gift in &applied.gifts {
            // A gift that cannot be supplied (unknown or discontinued) is not added.
            let Some(product) = input.catalog.product(&gift.sku).filter(|p| p.active) else {
                continue;
            };
            weight_grams += u64::from(product.weight_grams) * u64::from(gift.quantity);
            gifts.push(GiftLine {
                sku: gift.sku.clone(),
                name: product.name.clone(),
                quantity: gift.quantity,
                promotion: applied.id.clone(),
            });
        }
    }
    gifts.sort_by(|a, b| (&a.sku, &a.promotion).cmp(&(&b.sku, &b.promotion)));

    let merchandise = Money::sum(totals.iter().copied(), currency)?;
    let net_merchandise = merchandise.checked_sub(discount)?;
    let shipping = if lines.is_empty() && gifts.is_empty() {
        Money::zero(currency)
    } else {
        shipping_fee(
            input.shipping,
            input.delivery,
            net_merchandise,
            weight_grams,
        )?
    };
    let shipping_tax = tax_on(shipping, input.tax.shipping_rate, input.tax.mode);
    let tax = Money::sum(lines.iter().map(|l| l.tax).chain([shipping_tax]), currency)?;
    let mut total = net_merchandise.checked_add(shipping)?;
    if input.tax.mode == TaxMode::Exclusive {
        total = total.checked_add(tax)?;
    }

    // Points, then prepaid balance.
    let payment = input.payment;
    let (points_redeemed, points_value) = if input.points.points_per_yuan == 0 {
        (0, Money::zero(currency))
    } else {
        let per_yuan = Decimal::from(input.points.points_per_yuan);
        let cap = cents(
            total.amount() * input.points.max_redeem_percent / Decimal::ONE_HUNDRED,
            currency,
        );
        let wanted = payment.redeem_points.min(payment.points_balance);
        // Whole points only, worth at most the cap.
        let max_points = (cap.amount() * per_yuan).floor();
        let max_points = u32::try_from(max_points.mantissa())
            .ok()
            .filter(|_| max_points.scale() == 0)
            .unwrap_or(0);
        let points = wanted.min(max_points);
        (points, cents(Decimal::from(points) / per_yuan, currency))
    };
    let after_points = total.checked_sub(points_value)?;
    let prepaid_used = match (payment.use_prepaid, payment.prepaid_balance) {
        (true, Some(balance)) if !balance.amount().is_sign_negative() => {
            min_money(balance, after_points)
        }
        _ => Money::zero(currency),
    };
    let amount_due = after_points.checked_sub(prepaid_used)?;
    let earned = (net_merchandise.amount() * input.points.earn_per_yuan).floor();
    let points_earned = u32::try_from(earned.mantissa())
        .ok()
        .filter(|_| earned.scale() == 0)
        .unwrap_or(0);

    Ok(Quote {
        lines,
        gifts,
        refused: priced.refused,
        promotions: outcome.applied,
        skipped_promotions: outcome.skipped,
        merchandise,
        discount,
        shipping,
        tax_mode: input.tax.mode,
        tax,
        total,
        points_redeemed,
        points_value,
        prepaid_used,
        amount_due,
        points_earned,
        weight_grams,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(text: &str) -> Money {
        Money::parse(text, Currency::Cny).unwrap()
    }

    #[test]
    fn allocation_sums_to_the_discount_with_the_remainder_on_the_largest_line() {
        let parts = allocate(cny("10.00"), &[cny("33.33"), cny("33.33"), cny("33.34")]).unwrap();
        assert_eq!(parts, vec![cny("3.33"), cny("3.33"), cny("3.34")]);
        let parts = allocate(cny("0.01"), &[cny("1.00"), cny("1.00")]).unwrap();
        assert_eq!(parts, vec![cny("0.01"), cny("0.00")]);
        assert_eq!(allocate(cny("5.00"), &[]).unwrap(), vec![]);
    }

    mod properties {
        use std::collections::BTreeMap;

        use proptest::prelude::*;

        use super::super::*;
        use crate::product::Product;
        use crate::promotion::{PromotionKind, Scope, Stacking};
        use crate::sku::{ShopId, TierId};

        fn cny(text: &str) -> Money {
            Money::parse(text, Currency::Cny).unwrap()
        }

        fn catalog() -> BTreeMap<Sku, Product> {
            [
                ("A-1", "tea", "9.99", 1, 300),
                ("B-2", "rice", "49.90", 1, 5000),
                ("C-3", "tea", "0.335", 1, 10),
                ("G-1", "gift", "5.00", 1, 200),
            ]
            .into_iter()
            .map(|(sku, category, price, pack, grams)| {
                let product = Product {
                    sku: Sku::parse(sku).unwrap(),
                    name: LocalizedText::same(sku),
                    description: LocalizedText::default(),
                    category: CategoryId::parse(category).unwrap(),
                    unit: LocalizedText::same("u"),
                    pack_size: pack,
                    min_quantity: 1,
                    max_quantity: None,
                    list_price: cny(price),
                    active: true,
                    weight_grams: grams,
                    volume_prices: vec![],
                    promo_price: None,
                    limited_to: None,
                    price_changes: Vec::new(),
                    image: None,
                    aliases: Vec::new(),
                    pinyin: Vec::new(),
                };
                (product.sku.clone(), product)
            })
            .collect()
        }

        fn promotion(id: &str, kind: PromotionKind, scope: Scope, stacking: Stacking) -> Promotion {
            Promotion {
                id: id.into(),
                name: LocalizedText::same(id),
                kind,
                scope,
                stacking,
                min_spend: None,
                valid_from_ms: None,
                valid_until_ms: None,
                tiers: vec![],
                shops: vec![],
                coupon_code: None,
                coupon_check: None,
                limit_per_customer: None,
                limit_total: None,
            }
        }

        fn promotions() -> Vec<Promotion> {
            let tea = Scope::Categories {
                categories: vec![CategoryId::parse("tea").unwrap()],
            };
            vec![
                promotion(
                    "step",
                    PromotionKind::SpendStep {
                        every: cny("100"),
                        off: cny("10"),
                        max_steps: None,
                    },
                    Scope::All,
                    Stacking::Combinable,
                ),
                promotion(
                    "pct",
                    PromotionKind::SpendPercent {
                        threshold: cny("200"),
                        percent: "5".parse().unwrap(),
                    },
                    Scope::All,
                    Stacking::Combinable,
                ),
                promotion(
                    "tea",
                    PromotionKind::PercentOff {
                        percent: "15".parse().unwrap(),
                        max_off: None,
                    },
                    tea,
                    Stacking::Exclusive,
                ),
                promotion(
                    "big",
                    PromotionKind::AmountOff { amount: cny("500") },
                    Scope::All,
                    Stacking::Exclusive,
                ),
                promotion(
                    "gift",
                    PromotionKind::BuyXGetY {
                        buy: Sku::parse("A-1").unwrap(),
                        buy_quantity: 3,
                        get: Sku::parse("G-1").unwrap(),
                        get_quantity: 1,
                    },
                    Scope::All,
                    Stacking::Combinable,
                ),
            ]
        }

        fn run(
            lines: &[RequestedLine],
            promotions: &[Promotion],
            mode: TaxMode,
            redeem: u32,
        ) -> Quote {
            let catalog = catalog();
            let shop = ShopId::parse("s").unwrap();
            let tier = TierId::parse("t").unwrap();
            let shipping = ShippingRules {
                free_above: Some(cny("299")),
                default_rate: RegionRate {
                    base: cny("12"),
                    per_kg: cny("2"),
                    included_kg: 5,
                },
                regions: BTreeMap::new(),
            };
            let tax = TaxRules {
                mode,
                default_rate: "13".parse().unwrap(),
                by_category: BTreeMap::new(),
                shipping_rate: "6".parse().unwrap(),
            };
            let points = PointsRules {
                earn_per_yuan: Decimal::ONE,
                points_per_yuan: 100,
                max_redeem_percent: "50".parse().unwrap(),
            };
            let payment = Payment {
                points_balance: redeem,
                redeem_points: redeem,
                prepaid_balance: Some(cny("30")),
                use_prepaid: true,
            };
            quote(&QuoteInput {
                requested: lines,
                catalog: &catalog,
                book: &PriceBook::default(),
                customer: Customer {
                    shop: &shop,
                    tier: Some(&tier),
                },
                now_ms: 0,
                promotions,
                usage: &PromotionUsage::default(),
                coupon_codes: &[],
                delivery: &Delivery::Ship { region: "x".into() },
                shipping: &shipping,
                tax: &tax,
                points: &points,
                payment: &payment,
                currency: Currency::Cny,
            })
            .unwrap()
        }

        proptest! {
            #[test]
            fn books_balance_totals_are_never_negative_and_order_does_not_matter(
                picks in proptest::collection::vec((0usize..3, 1u32..40), 0..8),
                chosen in proptest::collection::vec(any::<bool>(), 5),
                exclusive_tax in any::<bool>(),
                redeem in 0u32..100_000,
            ) {
                let codes = ["A-1", "B-2", "C-3"];
                let lines: Vec<RequestedLine> = picks.iter().map(|(i, q)| RequestedLine { sku: Sku::parse(codes[*i]).unwrap(), quantity: *q }).collect();
                let active: Vec<Promotion> = promotions().into_iter().zip(&chosen).filter(|(_, on)| **on).map(|(p, _)| p).collect();
                let mode = if exclusive_tax { TaxMode::Exclusive } else { TaxMode::Inclusive };
                let a = run(&lines, &active, mode, redeem);

                let mut reversed_lines = lines.clone();
                reversed_lines.reverse();
                let mut reversed_promotions = active.clone();
                reversed_promotions.reverse();
                prop_assert_eq!(&a, &run(&reversed_lines, &reversed_promotions, mode, redeem));

                let lines_total: Decimal = a.lines.iter().map(|l| l.line.line_total.amount()).sum();
                let added_tax = if mode == TaxMode::Exclusive { a.tax.amount() } else { Decimal::ZERO };
                prop_assert_eq!(lines_total - a.discount.amount() + a.shipping.amount() + added_tax, a.total.amount());
                let line_discounts: Decimal = a.lines.iter().map(|l| l.discount.amount()).sum();
                prop_assert_eq!(line_discounts, a.discount.amount());
                prop_assert!(a.lines.iter().all(|l| !l.net.amount().is_sign_negative()));
                prop_assert!(!a.total.amount().is_sign_negative());
                prop_assert!(!a.amount_due.amount().is_sign_negative());
                prop_assert!(a.points_value.amount() * Decimal::TWO <= a.total.amount() + "0.01".parse::<Decimal>().unwrap());
                let mut ids: Vec<&str> = a.promotions.iter().map(|p| p.id.as_str()).collect();
                ids.dedup();
                prop_assert_eq!(ids.len(), a.promotions.len(), "a promotion applied twice");
                let exclusive = a.promotions.iter().filter(|p| p.id == "tea" || p.id == "big").count();
                prop_assert!(exclusive == 0 || a.promotions.len() == 1, "an exclusive promotion was combined");
            }
        }
    }
}
