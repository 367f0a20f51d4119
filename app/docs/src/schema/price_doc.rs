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
const ACCOUNT_ENTRIES: &str = "account_entries";

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

/// Writes the shop's account into its own prices document: the summary (what it owes,
/// open invoices, reminders) as JSON under one key, and each recent entry under its own
/// key in a map, written once and deleted once it is no longer among the recent ones, so
/// a new entry adds one small value to the document's history, not the whole list. Left
/// alone when nothing but the time read (`as_of_ms`) changed.
pub fn write_account(doc: &mut Automerge, account: &AccountSummary) -> Result<(), SchemaError> {
    use automerge::ReadDoc;
    let summary = AccountSummary {
        recent: Vec::new(),
        ..account.clone()
    };
    let summary_changed = read_json(doc, ACCOUNT)
        .and_then(|json| serde_json::from_str::<AccountSummary>(&json).ok())
        .is_none_or(|held| {
            AccountSummary {
                as_of_ms: summary.as_of_ms,
                ..held
            } != summary
        });
    let wanted: BTreeMap<String, &domain::ledger::StatementEntry> = account
        .recent
        .iter()
        .map(|entry| (format!("{:012}", entry.id), entry))
        .collect();
    let held_map = match doc.get(automerge::ROOT, ACCOUNT_ENTRIES)? {
        Some((automerge::Value::Object(automerge::ObjType::Map), id)) => Some(id),
        _ => None,
    };
    let held: BTreeSet<String> = held_map
        .as_ref()
        .map(|id| doc.keys(id).collect())
        .unwrap_or_default();
    let added: Vec<(&String, String)> = wanted
        .iter()
        .filter(|(key, _)| !held.contains(*key))
        .map(|(key, entry)| {
            serde_json::to_string(entry)
                .map(|json| (key, json))
                .map_err(|e| SchemaError::Encode(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let removed: Vec<&String> = held
        .iter()
        .filter(|key| !wanted.contains_key(*key))
        .collect();
    if !summary_changed && added.is_empty() && removed.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(&summary).map_err(|e| SchemaError::Encode(e.to_string()))?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        if summary_changed {
            tx.put(automerge::ROOT, ACCOUNT, json.as_str())?;
        }
        let map = match &held_map {
            Some(id) => id.clone(),
            None => tx.put_object(automerge::ROOT, ACCOUNT_ENTRIES, automerge::ObjType::Map)?,
        };
        for (key, entry) in &added {
            tx.put(&map, key.as_str(), entry.as_str())?;
        }
        for key in &removed {
            tx.delete(&map, key.as_str())?;
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// The shop's account as last published (entries newest first), if it was.
pub fn read_account(doc: &Automerge) -> Option<AccountSummary> {
    use automerge::ReadDoc;
    let mut account: AccountSummary = serde_json::from_str(&read_json(doc, ACCOUNT)?).ok()?;
    if let Ok(Some((automerge::Value::Object(_), map))) = doc.get(automerge::ROOT, ACCOUNT_ENTRIES)
    {
        let mut entries: Vec<domain::ledger::StatementEntry> = doc
            .keys(&map)
            .filter_map(|key| match doc.get(&map, key.as_str()).ok().flatten() {
                Some((automerge::Value::Scalar(scalar), _)) => scalar
                    .as_str()
                    .and_then(|json| serde_json::from_str(json).ok()),
                _ => None,
            })
            .collect();
        entries.sort_by_key(|entry| std::cmp::Reverse(entry.id));
        account.recent = entries;
    }
    Some(account)
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

#[cfg(test)]
mod tests {
    use domain::ledger::{EntryKind, StatementEntry};
    use domain::sku::ShopId;

    use super::*;
    use crate::schema::create_document;
    use crate::schema::doc_id::DocId;

    fn entry(id: i64) -> StatementEntry {
        StatementEntry {
            id,
            at_ms: id * 1000,
            kind: EntryKind::Invoice,
            document: format!("INV-{id:06}-1"),
            amount: Money::cny(rust_decimal::Decimal::new(id * 100, 2)),
            balance: Money::cny(rust_decimal::Decimal::new(id * 100, 2)),
            reason: String::new(),
        }
    }

    fn account(recent: &[i64], as_of_ms: i64) -> AccountSummary {
        AccountSummary {
            as_of_ms,
            receivable: Money::cny(rust_decimal::Decimal::new(12_300, 2)),
            on_account: Money::zero(Currency::Cny),
            open_invoices: Vec::new(),
            recent: recent.iter().rev().map(|id| entry(*id)).collect(),
            reminders: Vec::new(),
        }
    }

    #[test]
    fn the_account_round_trips_and_a_new_entry_adds_one_value_not_the_list() {
        let id = DocId::ShopPrices(ShopId::parse("shop-a").unwrap());
        let mut doc = create_document(&id, automerge::ActorId::random()).unwrap();
        assert_eq!(read_account(&doc), None);
        let first = account(&[1, 2, 3], 10);
        write_account(&mut doc, &first).unwrap();
        assert_eq!(read_account(&doc), Some(first.clone()));
        // Read again later with nothing new: no change at all.
        let heads = doc.get_heads();
        write_account(&mut doc, &account(&[1, 2, 3], 99)).unwrap();
        assert_eq!(doc.get_heads(), heads);
        // One more entry, the oldest dropped: the change holds one new value.
        let before = doc.save().len();
        let next = account(&[2, 3, 4], 20);
        write_account(&mut doc, &next).unwrap();
        let read = read_account(&doc).unwrap();
        assert_eq!(read.recent, next.recent);
        assert_eq!(read.recent[0].id, 4);
        let grew = doc.save().len() - before;
        assert!(grew < 400, "the document grew by {grew} bytes");
    }
}
