//! A product as the catalog publishes it, with its ordering rules.

use serde::{Deserialize, Serialize};

use crate::check::{FieldProblem, problem};

use super::money::Money;
use super::sku::{CategoryId, Sku, TierId};

/// Text in the three interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The most aliases a product may have, and the longest one (in characters).
pub const MAX_ALIASES: usize = 10;
pub const MAX_ALIAS_CHARS: usize = 40;

/// What a search matches a product against, lower-cased and joined with `\n` (which no
/// query holds): its SKU, its three names, its aliases and pinyin. Built once per catalog,
/// so each keystroke is one `contains` per product.
pub fn search_text(product: &Product) -> String {
    let mut text = product.sku.as_str().to_lowercase();
    let names = [
        &product.name.zh_hans,
        &product.name.zh_hant,
        &product.name.en,
    ];
    for part in names
        .into_iter()
        .chain(&product.aliases)
        .chain(&product.pinyin)
    {
        text.push('\n');
        text.push_str(&part.to_lowercase());
    }
    text
}

/// True when `text` (from [`search_text`]) matches what was typed: every word of it
/// (split at spaces), lower-cased, is found.
pub fn search_matches(text: &str, query: &str) -> bool {
    matches_words(text, &search_words(query))
}

/// What was typed as the lower-case words a search looks for (once per keystroke, not
/// once per product).
pub fn search_words(query: &str) -> Vec<String> {
    query.split_whitespace().map(str::to_lowercase).collect()
}

/// True when `text` (from [`search_text`]) holds every one of `words`.
pub fn matches_words(text: &str, words: &[String]) -> bool {
    words.iter().all(|word| text.contains(word.as_str()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub id: CategoryId,
    pub name: LocalizedText,
    pub position: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Who may buy it: `None`, every shop; otherwise shops of these tiers, and shops given
    /// the product one by one (their [`crate::price_book::PriceBook::allowed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limited_to: Option<Vec<TierId>>,
    /// Scheduled changes of the list price (each with a price: a list price is never
    /// removed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_changes: Vec<crate::price_book::ScheduledPrice>,
    /// Its photo, as thumbnails the server made (`/img/<hash>.webp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ProductImage>,
    /// Other names a shop owner may type for it, as an admin gives them: a 助记码
    /// (mnemonic code), a local name, a correction of a polyphone's reading (长春 → "cc").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The pinyin of its Chinese names in full and by initials ("lvcha", "lc" for 绿茶),
    /// lower-case ASCII, made by the server whenever the product is published: a phone
    /// matches what is typed against them with no dictionary of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pinyin: Vec<String>,
}

/// A product photo's thumbnails, named by the SHA-256 of their bytes (so a URL never
/// changes meaning and can be cached for good): `small` for lists (400 px), `large` for
/// the product page (800 px).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductImage {
    pub small: String,
    pub large: String,
    /// The small thumbnail's size, so a page keeps its layout while it loads.
    pub width: u32,
    pub height: u32,
}

impl ProductImage {
    pub fn small_url(&self) -> String {
        format!("/img/{}.webp", self.small)
    }

    pub fn large_url(&self) -> String {
        format!("/img/{}.webp", self.large)
    }
}

impl Product {
    /// Whether what a shop pays for it, besides its price lists, is the same as for `other`:
    /// list price, volume breaks, promotional price, scheduled list prices.
    pub fn same_prices(&self, other: &Product) -> bool {
        self.list_price == other.list_price
            && self.volume_prices == other.volume_prices
            && self.promo_price == other.promo_price
            && self.price_changes == other.price_changes
    }

    /// This product with the prices of `other` (see [`Product::same_prices`]), everything
    /// else (name, availability, …) its own.
    pub fn with_prices_of(&self, other: &Product) -> Product {
        Product {
            list_price: other.list_price,
            volume_prices: other.volume_prices.clone(),
            promo_price: other.promo_price.clone(),
            price_changes: other.price_changes.clone(),
            ..self.clone()
        }
    }

    /// The list price at `at_ms`, with its scheduled changes up to then.
    pub fn list_price_at(&self, at_ms: i64) -> Money {
        crate::price_book::price_at(Some(self.list_price), &self.price_changes, at_ms)
            .unwrap_or(self.list_price)
    }
}

/// A unit price that applies from `min_quantity` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolumePrice {
    pub min_quantity: u32,
    pub price: Money,
}

/// A unit price valid in `[from_ms, until_ms)` (milliseconds since 1970).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatedPrice {
    pub price: Money,
    pub from_ms: i64,
    pub until_ms: i64,
}

/// Why a quantity cannot be ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The largest quantity any rule of a product may name.
pub const MAX_RULE_QUANTITY: u32 = 100_000;

impl Product {
    /// Checks that the product can be sold as defined: a Chinese name, texts of sane
    /// length, quantity rules that some quantity satisfies, prices that are not negative,
    /// volume breaks in ascending order below the list price, a promotion that ends after
    /// it starts.
    pub fn check(&self) -> Result<(), FieldProblem> {
        if self.name.zh_hans.trim().is_empty() {
            return problem("name.zh_hans", "required");
        }
        let texts = [
            ("name.en", &self.name.en, 200),
            ("name.zh_hans", &self.name.zh_hans, 200),
            ("name.zh_hant", &self.name.zh_hant, 200),
            ("description.en", &self.description.en, 4000),
            ("description.zh_hans", &self.description.zh_hans, 4000),
            ("description.zh_hant", &self.description.zh_hant, 4000),
            ("unit.en", &self.unit.en, 40),
            ("unit.zh_hans", &self.unit.zh_hans, 40),
            ("unit.zh_hant", &self.unit.zh_hant, 40),
        ];
        for (field, text, most) in texts {
            if text.chars().count() > most {
                return problem(field, "too_long");
            }
        }
        if self.aliases.len() > MAX_ALIASES {
            return problem("aliases", "too_many");
        }
        for alias in &self.aliases {
            if alias.trim().is_empty() || alias.contains('\n') {
                return problem("aliases", "blank");
            }
            if alias.chars().count() > MAX_ALIAS_CHARS {
                return problem("aliases", "too_long");
            }
        }
        if self.pack_size == 0 || self.pack_size > MAX_RULE_QUANTITY {
            return problem("pack_size", "out_of_range");
        }
        if self.min_quantity == 0 || self.min_quantity > MAX_RULE_QUANTITY {
            return problem("min_quantity", "out_of_range");
        }
        if let Some(most) = self.max_quantity {
            if most > MAX_RULE_QUANTITY {
                return problem("max_quantity", "out_of_range");
            }
            if most < self.first_quantity() {
                return problem("max_quantity", "below_minimum");
            }
        }
        if self.weight_grams > 1_000_000 {
            return problem("weight_grams", "out_of_range");
        }
        let currency = self.list_price.currency();
        if self.list_price.amount().is_sign_negative() && !self.list_price.is_zero() {
            return problem("list_price", "negative");
        }
        let mut previous = 0;
        for volume in &self.volume_prices {
            if volume.price.currency() != currency {
                return problem("volume_prices", "wrong_currency");
            }
            if volume.min_quantity <= previous || volume.min_quantity > MAX_RULE_QUANTITY {
                return problem("volume_prices", "not_ascending");
            }
            if volume.price.amount().is_sign_negative() && !volume.price.is_zero() {
                return problem("volume_prices", "negative");
            }
            if volume.price.amount() > self.list_price.amount() {
                return problem("volume_prices", "above_list_price");
            }
            previous = volume.min_quantity;
        }
        if let Some(promo) = &self.promo_price {
            if promo.price.currency() != currency {
                return problem("promo_price", "wrong_currency");
            }
            if promo.price.amount().is_sign_negative() && !promo.price.is_zero() {
                return problem("promo_price", "negative");
            }
            if promo.until_ms <= promo.from_ms {
                return problem("promo_price", "ends_before_start");
            }
        }
        Ok(())
    }

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
impl Product {
    /// A plain product for tests: `sku`, named after itself, a drink sold by the bottle at
    /// `list_price`, no other prices or limits.
    pub(crate) fn for_test(sku: &str, list_price: Money) -> Product {
        Product {
            sku: Sku::parse(sku).unwrap(),
            name: LocalizedText::same(sku),
            description: LocalizedText::same(""),
            category: CategoryId::parse("drinks").unwrap(),
            unit: LocalizedText::same("瓶"),
            pack_size: 1,
            min_quantity: 1,
            max_quantity: None,
            list_price,
            active: true,
            weight_grams: 0,
            volume_prices: vec![],
            promo_price: None,
            limited_to: None,
            price_changes: vec![],
            image: None,
            aliases: vec![],
            pinyin: vec![],
        }
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
            limited_to: None,
            price_changes: Vec::new(),
            image: None,
            aliases: Vec::new(),
            pinyin: Vec::new(),
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
    fn a_product_that_cannot_be_sold_as_defined_is_refused_naming_the_field() {
        assert_eq!(product(6, 12, Some(60)).check(), Ok(()));
        let refused = |edit: &dyn Fn(&mut Product), field: &str, rule: &str| {
            let mut p = product(6, 12, Some(60));
            edit(&mut p);
            let problem = p.check().unwrap_err();
            assert_eq!((problem.field, problem.rule), (field, rule));
        };
        refused(&|p| p.name.zh_hans = " ".into(), "name.zh_hans", "required");
        refused(&|p| p.name.en = "x".repeat(201), "name.en", "too_long");
        refused(&|p| p.pack_size = 0, "pack_size", "out_of_range");
        refused(&|p| p.min_quantity = 0, "min_quantity", "out_of_range");
        refused(
            &|p| p.max_quantity = Some(6),
            "max_quantity",
            "below_minimum",
        );
        refused(
            &|p| p.list_price = Money::cny(-Decimal::ONE),
            "list_price",
            "negative",
        );
        let break_at = |min_quantity, cents| VolumePrice {
            min_quantity,
            price: Money::cny(Decimal::new(cents, 2)),
        };
        refused(
            &|p| p.volume_prices = vec![break_at(24, 90), break_at(24, 80)],
            "volume_prices",
            "not_ascending",
        );
        refused(
            &|p| p.volume_prices = vec![break_at(24, 150)],
            "volume_prices",
            "above_list_price",
        );
        refused(
            &|p| {
                p.promo_price = Some(DatedPrice {
                    price: Money::cny(Decimal::new(50, 2)),
                    from_ms: 10,
                    until_ms: 10,
                })
            },
            "promo_price",
            "ends_before_start",
        );
    }

    #[test]
    fn first_quantity_is_the_minimum_rounded_up_to_a_pack() {
        assert_eq!(product(6, 10, None).first_quantity(), 12);
        assert_eq!(product(1, 1, None).first_quantity(), 1);
        assert_eq!(product(24, 1, None).first_quantity(), 24);
    }
}
