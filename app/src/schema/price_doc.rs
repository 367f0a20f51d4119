//! Price list documents: one per customer tier and one per shop (一客一价 overrides),
//! each a map from SKU to a decimal string. A shop syncs only its own tier's and its own.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ScalarValue};

use super::doc_read::{get_map, root};
use super::{SchemaError, container};
use crate::domain::money::{Currency, Money};
use crate::domain::sku::Sku;

pub(crate) const PRICES: &str = "prices";

/// Sets prices (or removes them, for `None`) in one change.
pub fn write_prices(
    doc: &mut Automerge,
    prices: &[(Sku, Option<Money>)],
) -> Result<(), SchemaError> {
    let parent = container(doc, PRICES)?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        for (sku, price) in prices {
            match price {
                Some(price) => tx.put(&parent, sku.as_str(), price.amount().to_string())?,
                None => tx.delete(&parent, sku.as_str())?,
            }
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// Reads all prices; entries that do not parse are skipped.
pub fn read_prices(doc: &Automerge) -> BTreeMap<Sku, Money> {
    let root = root(doc);
    let Some(map) = get_map(&root, PRICES) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(sku, value)| {
            let automerge::hydrate::Value::Scalar(ScalarValue::Str(text)) = &value.value else {
                return None;
            };
            Some((
                Sku::parse(sku).ok()?,
                Money::parse_price(text, Currency::Cny).ok()?,
            ))
        })
        .collect()
}
