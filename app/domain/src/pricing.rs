//! Prices a list of requested lines for one shop: the single engine behind the
//! storefront's offline totals and the server's order confirmation.
//!
//! Unit price rule: the shop's base price is its per-customer price, else its tier's
//! price, else the list price; a volume break the quantity reaches and a promotional price
//! valid at the pricing time are candidates too, and the lowest candidate wins (ties go to
//! the base price). The line says which rule won.
//!
//! Rounding rule: each line total is unit price × quantity rounded half-even to 0.01;
//! the order total is the exact sum of the rounded line totals.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::money::{Currency, Money, MoneyError};
use super::price_book::{PriceBook, PriceSource};
use super::product::{LocalizedText, Product, QuantityError};
use super::sku::Sku;

/// Finds products by SKU; implemented by whatever holds the catalog.
pub trait ProductLookup {
    fn product(&self, sku: &Sku) -> Option<&Product>;
}

impl ProductLookup for BTreeMap<Sku, Product> {
    fn product(&self, sku: &Sku) -> Option<&Product> {
        self.get(sku)
    }
}

impl ProductLookup for std::collections::HashMap<Sku, Product> {
    fn product(&self, sku: &Sku) -> Option<&Product> {
        self.get(sku)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestedLine {
    pub sku: Sku,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedLine {
    pub sku: Sku,
    pub name: LocalizedText,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
    /// The explanation: which rule gave this line its price.
    pub price_source: PriceSource,
}

/// Why a requested line could not be priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum LineRefusal {
    UnknownSku,
    Discontinued,
    Quantity {
        rule: QuantityError,
    },
    /// The product is limited to other tiers or shops.
    NotOffered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedLine {
    pub sku: Sku,
    pub quantity: u32,
    pub reason: LineRefusal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedOrder {
    pub lines: Vec<PricedLine>,
    pub refused: Vec<RefusedLine>,
    pub total: Money,
}

pub type PriceOrderResult = Result<PricedOrder, PricingError>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("quantity of {0} is too large")]
    QuantityOverflow(Sku),
}

/// The unit price of `quantity` of `product` for the shop whose prices are `book`, at
/// `now_ms`, and the rule that gave it.
pub fn unit_price(
    product: &Product,
    book: &PriceBook,
    quantity: u32,
    now_ms: i64,
) -> (Money, PriceSource) {
    let mut best = book.unit_price(&product.sku, product.list_price_at(now_ms), now_ms);
    let volume = product
        .volume_prices
        .iter()
        .filter(|v| quantity >= v.min_quantity)
        .max_by_key(|v| v.min_quantity)
        .map(|v| {
            (
                v.price,
                PriceSource::Volume {
                    min_quantity: v.min_quantity,
                },
            )
        });
    let promotional = product
        .promo_price
        .as_ref()
        .filter(|p| p.from_ms <= now_ms && now_ms < p.until_ms)
        .map(|p| (p.price, PriceSource::Promotional));
    for candidate in [volume, promotional].into_iter().flatten() {
        if candidate.0.amount() < best.0.amount() {
            best = candidate;
        }
    }
    best
}

/// Prices `requested` for the shop whose prices are `book`, at `now_ms`. Lines of one SKU
/// are combined and the result is sorted by SKU, so it does not depend on the order lines
/// were added.
pub fn price_order(
    requested: &[RequestedLine],
    catalog: &impl ProductLookup,
    book: &PriceBook,
    currency: Currency,
    now_ms: i64,
) -> PriceOrderResult {
    let mut combined: BTreeMap<&Sku, u32> = BTreeMap::new();
    for line in requested {
        let quantity = combined.entry(&line.sku).or_default();
        *quantity = quantity
            .checked_add(line.quantity)
            .ok_or_else(|| PricingError::QuantityOverflow(line.sku.clone()))?;
    }

    let mut lines = Vec::new();
    let mut refused = Vec::new();
    for (sku, quantity) in combined {
        let refuse = |reason| RefusedLine {
            sku: sku.clone(),
            quantity,
            reason,
        };
        let Some(product) = catalog.product(sku) else {
            refused.push(refuse(LineRefusal::UnknownSku));
            continue;
        };
        if !product.active {
            refused.push(refuse(LineRefusal::Discontinued));
            continue;
        }
        if !book.may_buy(product) {
            refused.push(refuse(LineRefusal::NotOffered));
            continue;
        }
        if let Err(rule) = product.check_quantity(quantity) {
            refused.push(refuse(LineRefusal::Quantity { rule }));
            continue;
        }
        let (unit_price, price_source) = unit_price(product, book, quantity, now_ms);
        let line_total = unit_price.times(quantity)?.round_to_cents();
        lines.push(PricedLine {
            sku: sku.clone(),
            name: product.name.clone(),
            quantity,
            unit_price,
            line_total,
            price_source,
        });
    }
    let total = Money::sum(lines.iter().map(|line| line.line_total), currency)?;
    Ok(PricedOrder {
        lines,
        refused,
        total,
    })
}

/// What the server changed compared with what the shop saw when it ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum LineChange {
    PriceChanged { sku: Sku, was: Money, now: Money },
    Removed { sku: Sku, reason: LineRefusal },
    Added { sku: Sku, quantity: u32 },
}

/// The line-by-line differences between the order the shop priced offline (`expected`)
/// and the one the server confirmed.
pub fn changes_between(expected: &PricedOrder, confirmed: &PricedOrder) -> Vec<LineChange> {
    let mut changes = Vec::new();
    for line in &expected.lines {
        match confirmed.lines.iter().find(|c| c.sku == line.sku) {
            Some(now) if now.unit_price != line.unit_price => {
                changes.push(LineChange::PriceChanged {
                    sku: line.sku.clone(),
                    was: line.unit_price,
                    now: now.unit_price,
                })
            }
            Some(_) => {}
            None => {
                let reason = confirmed
                    .refused
                    .iter()
                    .find(|r| r.sku == line.sku)
                    .map(|r| r.reason.clone())
                    .unwrap_or(LineRefusal::UnknownSku);
                changes.push(LineChange::Removed {
                    sku: line.sku.clone(),
                    reason,
                });
            }
        }
    }
    for line in &confirmed.lines {
        if !expected.lines.iter().any(|e| e.sku == line.sku) {
            changes.push(LineChange::Added {
                sku: line.sku.clone(),
                quantity: line.quantity,
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::sku::{CategoryId, TierId};

    fn money(text: &str) -> Money {
        Money::parse(text, Currency::Cny).unwrap()
    }

    fn sku(text: &str) -> Sku {
        Sku::parse(text).unwrap()
    }

    fn product(code: &str, list: &str, pack_size: u32) -> Product {
        Product {
            sku: sku(code),
            name: LocalizedText::same(code),
            description: LocalizedText::default(),
            category: CategoryId::parse("c").unwrap(),
            unit: LocalizedText::same("unit"),
            pack_size,
            min_quantity: 1,
            max_quantity: Some(1000),
            list_price: money(list),
            active: true,
            weight_grams: 500,
            volume_prices: vec![],
            promo_price: None,
            limited_to: None,
            price_changes: Vec::new(),
            image: None,
            aliases: Vec::new(),
            pinyin: Vec::new(),
        }
    }

    fn catalog() -> BTreeMap<Sku, Product> {
        let mut discontinued = product("OLD-1", "5.00", 1);
        discontinued.active = false;
        [
            product("A-1", "10.00", 1),
            product("B-1", "3.335", 1),
            product("C-6", "2.50", 6),
            discontinued,
        ]
        .into_iter()
        .map(|p| (p.sku.clone(), p))
        .collect()
    }

    fn book() -> PriceBook {
        PriceBook {
            tier: Some(TierId::parse("gold").unwrap()),
            tier_prices: [(sku("A-1"), money("9.00")), (sku("B-1"), money("3.00"))].into(),
            customer_prices: [(sku("A-1"), money("8.50"))].into(),
            allowed: Default::default(),
            tier_schedule: Default::default(),
            customer_schedule: Default::default(),
        }
    }

    fn line(code: &str, quantity: u32) -> RequestedLine {
        RequestedLine {
            sku: sku(code),
            quantity,
        }
    }

    #[test]
    fn customer_price_overrides_tier_which_overrides_list() {
        let order = price_order(
            &[line("A-1", 2), line("B-1", 1), line("C-6", 6)],
            &catalog(),
            &book(),
            Currency::Cny,
            0,
        )
        .unwrap();
        let got: Vec<_> = order
            .lines
            .iter()
            .map(|l| (l.sku.as_str(), l.unit_price, l.price_source.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A-1", money("8.50"), PriceSource::Customer),
                (
                    "B-1",
                    money("3.00"),
                    PriceSource::Tier {
                        tier: TierId::parse("gold").unwrap()
                    }
                ),
                ("C-6", money("2.50"), PriceSource::List),
            ]
        );
        assert_eq!(order.total, money("35.00"));
    }

    #[test]
    fn line_totals_round_half_even_then_sum() {
        let order = price_order(
            &[line("B-1", 3)],
            &catalog(),
            &PriceBook::default(),
            Currency::Cny,
            0,
        )
        .unwrap();
        // 3.335 × 3 = 10.005 → 10.00 (half-even)
        assert_eq!(order.lines[0].line_total, money("10.00"));
        assert_eq!(order.total, money("10.00"));
    }

    #[test]
    fn unknown_discontinued_and_bad_quantities_are_refused_with_reasons() {
        let order = price_order(
            &[
                line("NOPE-1", 1),
                line("OLD-1", 1),
                line("C-6", 4),
                line("A-1", 1),
            ],
            &catalog(),
            &PriceBook::default(),
            Currency::Cny,
            0,
        )
        .unwrap();
        let reasons: Vec<_> = order
            .refused
            .iter()
            .map(|r| (r.sku.as_str(), r.reason.clone()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (
                    "C-6",
                    LineRefusal::Quantity {
                        rule: QuantityError::NotPackMultiple { pack_size: 6 }
                    }
                ),
                ("NOPE-1", LineRefusal::UnknownSku),
                ("OLD-1", LineRefusal::Discontinued),
            ]
        );
        assert_eq!(order.total, money("10.00"));
    }

    #[test]
    fn a_price_change_since_the_device_synced_is_reported_line_by_line() {
        let before = price_order(
            &[line("A-1", 1), line("OLD-1", 1)],
            &catalog(),
            &PriceBook::default(),
            Currency::Cny,
            0,
        );
        let mut expected = before.unwrap();
        // The device still had OLD-1 active at 5.00.
        expected.lines.push(PricedLine {
            sku: sku("OLD-1"),
            name: LocalizedText::same("OLD-1"),
            quantity: 1,
            unit_price: money("5.00"),
            line_total: money("5.00"),
            price_source: PriceSource::List,
        });
        let confirmed = price_order(
            &[line("A-1", 1), line("OLD-1", 1)],
            &catalog(),
            &book(),
            Currency::Cny,
            0,
        )
        .unwrap();
        assert_eq!(
            changes_between(&expected, &confirmed),
            vec![
                LineChange::PriceChanged {
                    sku: sku("A-1"),
                    was: money("10.00"),
                    now: money("8.50")
                },
                LineChange::Removed {
                    sku: sku("OLD-1"),
                    reason: LineRefusal::Discontinued
                },
            ]
        );
    }

    proptest! {
        #[test]
        fn total_is_the_sum_of_lines_never_negative_and_independent_of_line_order(
            picks in proptest::collection::vec((0usize..5, 1u32..50), 0..12),
            rotate in 0usize..12,
        ) {
            let codes = ["A-1", "B-1", "C-6", "OLD-1", "NOPE-1"];
            let lines: Vec<_> = picks.iter().map(|(i, q)| line(codes[*i], *q)).collect();
            let mut shuffled = lines.clone();
            if !shuffled.is_empty() {
                let by = rotate % shuffled.len();
                shuffled.rotate_left(by);
                shuffled.reverse();
            }
            let a = price_order(&lines, &catalog(), &book(), Currency::Cny, 0).unwrap();
            let b = price_order(&shuffled, &catalog(), &book(), Currency::Cny, 0).unwrap();
            prop_assert_eq!(&a, &b);
            let sum: Decimal = a.lines.iter().map(|l| l.line_total.amount()).sum();
            prop_assert_eq!(sum, a.total.amount());
            prop_assert!(!a.total.amount().is_sign_negative());
            let ordered: u32 = lines.iter().map(|l| l.quantity).sum();
            let accounted: u32 = a.lines.iter().map(|l| l.quantity).chain(a.refused.iter().map(|r| r.quantity)).sum();
            prop_assert_eq!(ordered, accounted);
        }
    }
}
