//! Carriers and the rules that choose one for a shipment: the regions each serves, the
//! heaviest shipment it takes, and what it charges (a base fee for the first kilogram and
//! a fee per started kilogram after it). The cheapest carrier that serves the shop's region
//! and takes the weight is the default; staff may choose another.

use serde::{Deserialize, Serialize};

use super::money::{Currency, Money, MoneyError};

fn zero() -> Money {
    Money::zero(Currency::Cny)
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CarrierRule {
    /// `sf`, `zto`: lowercase letters, digits and `-`.
    pub id: String,
    /// What the shipment form and the shop show (`顺丰速运`).
    pub name: String,
    /// The shops' regions it serves; empty: every region.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The heaviest shipment it takes, in grams; none: any.
    #[serde(default)]
    pub max_weight_grams: Option<u64>,
    /// What a shipment of up to one kilogram costs.
    pub base_fee: Money,
    /// What each started kilogram after the first adds.
    #[serde(default = "zero")]
    pub per_kg: Money,
    #[serde(default = "yes")]
    pub active: bool,
}

impl CarrierRule {
    /// True when it serves `region` and takes `weight_grams`.
    pub fn serves(&self, region: &str, weight_grams: u64) -> bool {
        self.active
            && (self.regions.is_empty() || self.regions.iter().any(|r| r == region))
            && self.max_weight_grams.is_none_or(|max| weight_grams <= max)
    }

    /// What it charges for `weight_grams`.
    pub fn fee(&self, weight_grams: u64) -> Result<Money, MoneyError> {
        let kilograms = weight_grams.div_ceil(1000).max(1);
        let extra = u32::try_from(kilograms - 1).unwrap_or(u32::MAX);
        self.base_fee.checked_add(self.per_kg.times(extra)?)
    }

    /// The field and rule a bad rule breaks (`id`, `name`, `base_fee`, …).
    pub fn check(&self) -> Result<(), (&'static str, &'static str)> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 40
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(("id", "invalid"));
        }
        let name = self.name.trim();
        if name.is_empty() {
            return Err(("name", "required"));
        }
        if name.chars().count() > 80 {
            return Err(("name", "too_long"));
        }
        if self.regions.len() > 200 || self.regions.iter().any(|r| r.trim().is_empty()) {
            return Err(("regions", "invalid"));
        }
        for (field, money) in [("base_fee", self.base_fee), ("per_kg", self.per_kg)] {
            if money.amount().is_sign_negative()
                || money.amount() > rust_decimal::Decimal::from(100_000)
            {
                return Err((field, "out_of_range"));
            }
        }
        if self.max_weight_grams == Some(0) {
            return Err(("max_weight_grams", "out_of_range"));
        }
        Ok(())
    }
}

/// The cheapest active carrier serving `region` that takes `weight_grams`, with its fee;
/// ties go to the first by id.
pub fn choose<'a>(
    rules: &'a [CarrierRule],
    region: &str,
    weight_grams: u64,
) -> Option<(&'a CarrierRule, Money)> {
    rules
        .iter()
        .filter(|rule| rule.serves(region, weight_grams))
        .filter_map(|rule| Some((rule, rule.fee(weight_grams).ok()?)))
        .min_by(|(a, fee_a), (b, fee_b)| {
            fee_a
                .amount()
                .cmp(&fee_b.amount())
                .then_with(|| a.id.cmp(&b.id))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn yuan(n: i64) -> Money {
        Money::cny(Decimal::from(n))
    }

    fn rule(id: &str, regions: &[&str], max: Option<u64>, base: i64, per_kg: i64) -> CarrierRule {
        CarrierRule {
            id: id.into(),
            name: id.to_uppercase(),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            max_weight_grams: max,
            base_fee: yuan(base),
            per_kg: yuan(per_kg),
            active: true,
        }
    }

    #[test]
    fn the_cheapest_carrier_serving_the_region_and_weight_is_chosen() {
        let rules = [
            rule("sf", &[], None, 12, 2),
            rule("local", &["华东"], Some(20_000), 6, 1),
            rule("freight", &[], None, 40, 0),
        ];
        let pick =
            |region, grams| choose(&rules, region, grams).map(|(r, fee)| (r.id.clone(), fee));
        assert_eq!(pick("华东", 3_000), Some(("local".into(), yuan(8))));
        assert_eq!(pick("华北", 3_000), Some(("sf".into(), yuan(16))));
        // Too heavy for the local van; express costs more than freight past 15 kg.
        assert_eq!(pick("华东", 25_000), Some(("freight".into(), yuan(40))));
        assert_eq!(rules[0].fee(0).unwrap(), yuan(12));
        assert_eq!(rules[0].fee(1_001).unwrap(), yuan(14));
        let mut off = rules.clone();
        for r in &mut off {
            r.active = false;
        }
        assert_eq!(choose(&off, "华东", 1), None);
    }

    #[test]
    fn a_rule_names_the_field_it_breaks() {
        let mut bad = rule("SF!", &[], None, 12, 2);
        assert_eq!(bad.check(), Err(("id", "invalid")));
        bad.id = "sf".into();
        bad.base_fee = yuan(-1);
        assert_eq!(bad.check(), Err(("base_fee", "out_of_range")));
        bad.base_fee = yuan(1);
        assert_eq!(bad.check(), Ok(()));
    }
}
