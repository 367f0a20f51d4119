//! The prices one shop may see: its tier's price list and its own per-customer prices
//! (一客一价), which override the tier. Never another shop's or another tier's.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::money::Money;
use super::product::Product;
use super::sku::{Sku, TierId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceBook {
    pub tier: Option<TierId>,
    pub tier_prices: BTreeMap<Sku, Money>,
    pub customer_prices: BTreeMap<Sku, Money>,
    /// Products limited to some tiers or shops that this shop was given by name.
    #[serde(default)]
    pub allowed: BTreeSet<Sku>,
    /// Changes of tier prices scheduled by time (published ahead, so devices switch on
    /// time offline).
    #[serde(default)]
    pub tier_schedule: BTreeMap<Sku, Vec<ScheduledPrice>>,
    /// Changes of the shop's own prices scheduled by time.
    #[serde(default)]
    pub customer_schedule: BTreeMap<Sku, Vec<ScheduledPrice>>,
}

/// A price that takes effect at `from_ms` (`None`: the price is removed then, and the next
/// rule applies). Orders are priced at their placement time, so a change applies to orders
/// placed from then on, wherever they were placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledPrice {
    pub from_ms: i64,
    pub price: Option<Money>,
}

/// The price at `at_ms`: the latest change at or before it, else `base`.
pub fn price_at(base: Option<Money>, changes: &[ScheduledPrice], at_ms: i64) -> Option<Money> {
    changes
        .iter()
        .filter(|change| change.from_ms <= at_ms)
        .max_by_key(|change| change.from_ms)
        .map_or(base, |change| change.price)
}

/// Which rule gave a line its unit price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum PriceSource {
    List,
    Tier {
        tier: TierId,
    },
    Customer,
    /// A volume break of the product, from this quantity on.
    Volume {
        min_quantity: u32,
    },
    /// The product's dated promotional price.
    Promotional,
    /// Sent again for goods that came back (a return's replacement): no charge.
    Replacement,
    /// What another sales channel (a marketplace) charged: its own price, sent with its
    /// order ([`crate::channel`]).
    Channel,
}

impl PriceBook {
    /// Makes `sku`'s tier and own prices, with their scheduled changes, those of `other`
    /// (what may be bought stays this book's).
    pub fn take_prices_of(&mut self, sku: &Sku, other: &PriceBook) {
        fn copy<T: Clone>(to: &mut BTreeMap<Sku, T>, from: &BTreeMap<Sku, T>, sku: &Sku) {
            match from.get(sku) {
                Some(value) => to.insert(sku.clone(), value.clone()),
                None => to.remove(sku),
            };
        }
        copy(&mut self.tier_prices, &other.tier_prices, sku);
        copy(&mut self.customer_prices, &other.customer_prices, sku);
        copy(&mut self.tier_schedule, &other.tier_schedule, sku);
        copy(&mut self.customer_schedule, &other.customer_schedule, sku);
    }

    /// Whether the shop may buy `product`: it is not limited, or limited to the shop's
    /// tier, or given to the shop by name.
    pub fn may_buy(&self, product: &Product) -> bool {
        match &product.limited_to {
            None => true,
            Some(tiers) => {
                self.tier.as_ref().is_some_and(|tier| tiers.contains(tier))
                    || self.allowed.contains(&product.sku)
            }
        }
    }

    /// The unit price for `sku` at `at_ms`: per-customer price, else tier price, else
    /// `list_price`, each with its scheduled changes up to then.
    pub fn unit_price(&self, sku: &Sku, list_price: Money, at_ms: i64) -> (Money, PriceSource) {
        fn changes<'a>(
            schedule: &'a BTreeMap<Sku, Vec<ScheduledPrice>>,
            sku: &Sku,
        ) -> &'a [ScheduledPrice] {
            schedule.get(sku).map(Vec::as_slice).unwrap_or_default()
        }
        let own = price_at(
            self.customer_prices.get(sku).copied(),
            changes(&self.customer_schedule, sku),
            at_ms,
        );
        if let Some(price) = own {
            return (price, PriceSource::Customer);
        }
        let tiered = price_at(
            self.tier_prices.get(sku).copied(),
            changes(&self.tier_schedule, sku),
            at_ms,
        );
        if let (Some(tier), Some(price)) = (&self.tier, tiered) {
            return (price, PriceSource::Tier { tier: tier.clone() });
        }
        (list_price, PriceSource::List)
    }
}
