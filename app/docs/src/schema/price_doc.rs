//! Price list documents: one per customer tier and one per shop (一客一价 overrides),
//! each a map from SKU to a decimal string. A shop syncs only its own tier's and its own.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{Automerge, ScalarValue};

use super::doc_read::{get_map, root};
use super::{SchemaError, container};
use domain::checkout::ShopProfile;
use domain::ledger::AccountSummary;
use domain::money::{Currency, Money};
use domain::promotion::Promotion;
use domain::sku::{Sku, TierId};

pub(crate) const PRICES: &str = "prices";
const ACCOUNT: &str = "account";

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

pub(crate) const PROMOTIONS: &str = "promotions";
const PROFILE: &str = "profile";
const TIER: &str = "tier";
const ALLOWED: &str = "allowed";
const SCHEDULE: &str = "schedule";

/// The promotions map, made by the server (the only writer of price documents) when a
/// document from before promotions lacks it.
fn promotions_map(doc: &mut Automerge) -> Result<automerge::ObjId, SchemaError> {
    use automerge::ReadDoc;
    if let Some((automerge::Value::Object(_), id)) = doc.get(automerge::ROOT, PROMOTIONS)? {
        return Ok(id);
    }
    let id = doc
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put_object(automerge::ROOT, PROMOTIONS, automerge::ObjType::Map)
        })
        .map_err(|failure| failure.error)?
        .result;
    Ok(id)
}

/// Makes the document's promotions exactly `promotions` (by id), in one change.
pub fn write_promotions(doc: &mut Automerge, promotions: &[Promotion]) -> Result<(), SchemaError> {
    use automerge::ReadDoc;
    let parent = promotions_map(doc)?;
    let encoded: BTreeMap<&str, String> = promotions
        .iter()
        .map(|p| Ok((p.id.as_str(), serde_json::to_string(p)?)))
        .collect::<Result<_, serde_json::Error>>()
        .map_err(|e| SchemaError::Encode(e.to_string()))?;
    let current: Vec<(String, Option<String>)> = doc
        .map_range(&parent, ..)
        .map(|item| {
            let json = match item.value {
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => {
                    Some(s.to_string())
                }
                _ => None,
            };
            (item.key.to_string(), json)
        })
        .collect();
    let stale: Vec<&str> = current
        .iter()
        .filter(|(key, json)| encoded.get(key.as_str()) != json.as_ref())
        .map(|(key, _)| key.as_str())
        .collect();
    let unchanged = stale.is_empty() && current.len() == encoded.len();
    if unchanged {
        return Ok(());
    }
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        for (key, _) in &current {
            if !encoded.contains_key(key.as_str()) {
                tx.delete(&parent, key.as_str())?;
            }
        }
        for (id, json) in &encoded {
            let same = current
                .iter()
                .any(|(key, old)| key == id && old.as_ref() == Some(json));
            if !same {
                tx.put(&parent, *id, json.as_str())?;
            }
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// The promotions a price document carries; entries that do not parse are skipped.
pub fn read_promotions(doc: &Automerge) -> Vec<Promotion> {
    let root = root(doc);
    let Some(map) = get_map(&root, PROMOTIONS) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(_, value)| match &value.value {
            automerge::hydrate::Value::Scalar(ScalarValue::Str(json)) => {
                serde_json::from_str(json).ok()
            }
            _ => None,
        })
        .collect()
}

/// Sets the shop's profile (a shop's own prices document only).
pub fn write_profile(doc: &mut Automerge, profile: &ShopProfile) -> Result<(), SchemaError> {
    let json = serde_json::to_string(profile).map_err(|e| SchemaError::Encode(e.to_string()))?;
    if read_profile_json(doc).as_deref() == Some(json.as_str()) {
        return Ok(());
    }
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, PROFILE, json.as_str())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

fn read_profile_json(doc: &Automerge) -> Option<String> {
    use automerge::ReadDoc;
    match doc.get(automerge::ROOT, PROFILE).ok().flatten() {
        Some((automerge::Value::Scalar(s), _)) => s.as_str().map(str::to_owned),
        _ => None,
    }
}

/// The shop's profile, or the default when none was published.
pub fn read_profile(doc: &Automerge) -> ShopProfile {
    read_profile_json(doc)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

fn read_json(doc: &Automerge, key: &str) -> Option<String> {
    use automerge::ReadDoc;
    match doc.get(automerge::ROOT, key).ok().flatten() {
        Some((automerge::Value::Scalar(s), _)) => s.as_str().map(str::to_owned),
        _ => None,
    }
}

/// Writes the shop's account (what it owes, open invoices, recent entries, reminders)
/// into its own prices document, as JSON under one key; unchanged, it is left alone.
/// The time it was read (`as_of_ms`) alone does not make a change.
pub fn write_account(doc: &mut Automerge, account: &AccountSummary) -> Result<(), SchemaError> {
    if read_account(doc).is_some_and(|held| {
        AccountSummary {
            as_of_ms: account.as_of_ms,
            ..held
        } == *account
    }) {
        return Ok(());
    }
    let json = serde_json::to_string(account).map_err(|e| SchemaError::Encode(e.to_string()))?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, ACCOUNT, json.as_str())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// The shop's account as last published, if it was.
pub fn read_account(doc: &Automerge) -> Option<AccountSummary> {
    read_json(doc, ACCOUNT).and_then(|json| serde_json::from_str(&json).ok())
}

/// Names the shop's tier in its own prices document, so a device follows a change of tier
/// (it holds that tier's prices document instead) without signing in again.
pub fn write_tier(doc: &mut Automerge, tier: &TierId) -> Result<(), SchemaError> {
    if read_tier(doc).as_ref() == Some(tier) {
        return Ok(());
    }
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, TIER, tier.as_str())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// The tier a shop's own prices document names (none before the server first wrote it).
pub fn read_tier(doc: &Automerge) -> Option<TierId> {
    use automerge::ReadDoc;
    match doc.get(automerge::ROOT, TIER).ok().flatten() {
        Some((automerge::Value::Scalar(s), _)) => s.as_str().and_then(|t| TierId::parse(t).ok()),
        _ => None,
    }
}

/// The limited products a shop was given by name (its own prices document only), written
/// whole by the server.
pub fn write_allowed(doc: &mut Automerge, allowed: &BTreeSet<Sku>) -> Result<(), SchemaError> {
    if read_allowed(doc) == *allowed {
        return Ok(());
    }
    let json = serde_json::to_string(allowed).map_err(|e| SchemaError::Encode(e.to_string()))?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, ALLOWED, json.as_str())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// The limited products given to the shop by name (none if the server wrote none).
pub fn read_allowed(doc: &Automerge) -> BTreeSet<Sku> {
    use automerge::ReadDoc;
    match doc.get(automerge::ROOT, ALLOWED).ok().flatten() {
        Some((automerge::Value::Scalar(s), _)) => s
            .as_str()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
        _ => BTreeSet::new(),
    }
}

/// The scheduled changes of one SKU's price in this list (none removes the entry), written
/// whole by the server.
pub fn write_schedule(
    doc: &mut Automerge,
    sku: &Sku,
    changes: &[domain::price_book::ScheduledPrice],
) -> Result<(), SchemaError> {
    use automerge::ReadDoc;
    let json = serde_json::to_string(changes).map_err(|e| SchemaError::Encode(e.to_string()))?;
    let map = match doc.get(automerge::ROOT, SCHEDULE)? {
        Some((automerge::Value::Object(_), id)) => Some(id),
        _ => None,
    };
    let current = map
        .as_ref()
        .and_then(|map| match doc.get(map, sku.as_str()).ok().flatten() {
            Some((automerge::Value::Scalar(s), _)) => s.as_str().map(str::to_owned),
            _ => None,
        });
    if changes.is_empty() && current.is_none() || current.as_deref() == Some(json.as_str()) {
        return Ok(());
    }
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        let map = match &map {
            Some(id) => id.clone(),
            None => tx.put_object(automerge::ROOT, SCHEDULE, automerge::ObjType::Map)?,
        };
        if changes.is_empty() {
            tx.delete(&map, sku.as_str())
        } else {
            tx.put(&map, sku.as_str(), json.as_str())
        }
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// Every scheduled change in this list, by SKU.
pub fn read_schedule(doc: &Automerge) -> BTreeMap<Sku, Vec<domain::price_book::ScheduledPrice>> {
    let root = root(doc);
    let Some(map) = get_map(&root, SCHEDULE) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(sku, value)| {
            let automerge::hydrate::Value::Scalar(ScalarValue::Str(text)) = &value.value else {
                return None;
            };
            Some((Sku::parse(sku).ok()?, serde_json::from_str(text).ok()?))
        })
        .collect()
}
