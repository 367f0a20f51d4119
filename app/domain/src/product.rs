//! A product as the catalog publishes it, with its ordering rules.

use serde::{Deserialize, Serialize};

use super::money::Money;
use super::sku::{CategoryId, Sku};

/// Text in the three interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LocalizedText {
    pub en: String,
    pub zh_hans: String,
    pub zh_hant: String,
}

impl LocalizedText {
    pub fn same(text: &str) -> LocalizedText {
        LocalizedText {
            en: text.to_owned(),
            zh_hans: text.to_owned(),
            zh_hant: text.to_owned(),
        }
    }

    /// True when any of the three texts contains `needle` (already lower-cased).
    pub fn contains_lowercase(&self, needle: &str) -> bool {
        [&self.en, &self.zh_hans, &self.zh_hant]
            .iter()
            .any(|t| t.to_lowercase().contains(needle))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    pub name: LocalizedText,
    pub position: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub sku: Sku,
    pub name: LocalizedText,
    pub description: LocalizedText,
    pub category: CategoryId,
    /// The unit a quantity counts, such as "bottle" or "case".
    pub unit: LocalizedText,
    /// Quantities are ordered in multiples of this (a case of 12 bottles: 12).
    pub pack_size: u32,
    /// The smallest quantity one order line may have.
    pub min_quantity: u32,
    /// The largest quantity one order line may have, if limited.
    pub max_quantity: Option<u32>,
    pub list_price: Money,
    pub active: bool,
    /// Shipping weight of one unit, in grams.
    #[serde(default)]
    pub weight_grams: u32,
    /// Volume breaks: a lower unit price from a minimum quantity on.
    #[serde(default)]
    pub volume_prices: Vec<VolumePrice>,
    /// A promotional unit price for a period.
    #[serde(default)]
    pub promo_price: Option<DatedPrice>,
}

/// A unit price that applies from `min_quantity` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumePrice {
    pub min_quantity: u32,
    pub price: Money,
}

/// A unit price valid in `[from_ms, until_ms)` (milliseconds since 1970).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedPrice {
    pub price: Money,
    pub from_ms: i64,
    pub until_ms: i64,
}

/// Why a quantity cannot be ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum QuantityError {
    #[error("quantity must be at least 1")]
    NotPositive,
    #[error("quantity must be at least {minimum}")]
    BelowMinimum { minimum: u32 },
    #[error("quantity must be a multiple of {pack_size}")]
    NotPackMultiple { pack_size: u32 },
    #[error("quantity must be at most {maximum}")]
    AboveMaximum { maximum: u32 },
}

impl Product {
    /// Checks a line quantity against the product's rules.
    pub fn check_quantity(&self, quantity: u32) -> Result<(), QuantityError> {
        if quantity == 0 {
            return Err(QuantityError::NotPositive);
        }
        if quantity < self.min_quantity {
            return Err(QuantityError::BelowMinimum {
                minimum: self.min_quantity,
            });
        }
        let pack_size = self.pack_size.max(1);
        if !quantity.is_multiple_of(pack_size) {
            return Err(QuantityError::NotPackMultiple { pack_size });
        }
        match self.max_quantity {
            Some(maximum) if quantity > maximum => Err(QuantityError::AboveMaximum { maximum }),
            _ => Ok(()),
        }
    }

    /// The quantity a first "add" puts in the cart: the minimum, rounded up to a pack.
    pub fn first_quantity(&self) -> u32 {
        let pack_size = self.pack_size.max(1);
        self.min_quantity.max(1).div_ceil(pack_size) * pack_size
    }

    /// The step the quantity buttons move by.
    pub fn quantity_step(&self) -> u32 {
        self.pack_size.max(1)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    fn product(pack_size: u32, min_quantity: u32, max_quantity: Option<u32>) -> Product {
        Product {
            sku: Sku::parse("T-1").unwrap(),
            name: LocalizedText::same("t"),
            description: LocalizedText::default(),
            category: CategoryId::parse("c").unwrap(),
            unit: LocalizedText::same("bottle"),
            pack_size,
            min_quantity,
            max_quantity,
            list_price: Money::cny(Decimal::ONE),
            active: true,
            weight_grams: 500,
            volume_prices: vec![],
            promo_price: None,
        }
    }

    #[test]
    fn quantity_rules() {
        let p = product(6, 12, Some(60));
        let check = |q: u32, expect: Result<(), QuantityError>| {
            assert_eq!(p.check_quantity(q), expect, "{q}")
        };
        check(0, Err(QuantityError::NotPositive));
        check(6, Err(QuantityError::BelowMinimum { minimum: 12 }));
        check(13, Err(QuantityError::NotPackMultiple { pack_size: 6 }));
        check(66, Err(QuantityError::AboveMaximum { maximum: 60 }));
        check(12, Ok(()));
        check(60, Ok(()));
    }

    #[test]
    fn first_quantity_is_the_minimum_rounded_up_to_a_pack() {
        assert_eq!(product(6, 10, None).first_quantity(), 12);
        assert_eq!(product(1, 1, None).first_quantity(), 1);
        assert_eq!(product(24, 1, None).first_quantity(), 24);
    }
}
