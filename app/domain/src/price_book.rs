//! The prices one shop may see: its tier's price list and its own per-customer prices
//! (一客一价), which override the tier. Never another shop's or another tier's.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::money::Money;
use super::product::Product;
use super::sku::{Sku, TierId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PriceBook {
    pub tier: Option<TierId>,
    pub tier_prices: BTreeMap<Sku, Money>,
    pub customer_prices: BTreeMap<Sku, Money>,
    /// Products limited to some tiers or shops that this shop was given by name.
    #[serde(default)]
    pub allowed: BTreeSet<Sku>,
}

/// Which rule gave a line its unit price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl PriceBook {
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

    /// The unit price for `sku`: per-customer price, else tier price, else `list_price`.
    pub fn unit_price(&self, sku: &Sku, list_price: Money) -> (Money, PriceSource) {
        if let Some(price) = self.customer_prices.get(sku) {
            return (*price, PriceSource::Customer);
        }
        if let (Some(tier), Some(price)) = (&self.tier, self.tier_prices.get(sku)) {
            return (*price, PriceSource::Tier { tier: tier.clone() });
        }
        (list_price, PriceSource::List)
    }
}
