//! The shared cart of one shop, edited by its devices and its account manager, often
//! offline at the same time.
//!
//! Layout: `lines: { <line id>: { sku, qty: Counter } }`. A line id is minted by the device
//! that first adds a SKU, so two devices adding the same SKU offline create two lines
//! instead of one hiding the other; the cart shows one line per SKU with the quantities
//! summed. Quantity edits are counter increments, so concurrent edits of one line combine:
//! **the merged quantity is the base quantity plus both devices' changes** (3 → 5 on one
//! device and 3 → 4 on the other gives 6), never below zero. Nothing a device did is
//! dropped: an increase made offline on one device survives a removal made on another.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ScalarValue};
use serde::{Deserialize, Serialize};

use super::doc_read::{as_map, get_i64, get_map, get_str, root};
use super::{SchemaError, container};
use domain::sku::Sku;

pub(crate) const LINES: &str = "lines";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: Sku,
    pub quantity: u32,
}

#[derive(Clone)]
pub(crate) struct RawLine {
    pub(crate) id: String,
    pub(crate) sku: Sku,
    pub(crate) quantity: i64,
}

pub(crate) fn raw_lines(doc: &Automerge) -> Vec<RawLine> {
    let root = root(doc);
    let Some(lines) = get_map(&root, LINES) else {
        return Vec::new();
    };
    let mut raw: Vec<RawLine> = lines
        .iter()
        .filter_map(|(id, value)| {
            let line = as_map(&value.value)?;
            Some(RawLine {
                id: id.clone(),
                sku: Sku::parse(get_str(line, "sku")?).ok()?,
                quantity: get_i64(line, "qty")?,
            })
        })
        .collect();
    raw.sort_by(|a, b| a.id.cmp(&b.id));
    raw
}

/// The cart as shown: one line per SKU, quantities summed, sorted by SKU.
pub fn read_cart(doc: &Automerge) -> Vec<CartLine> {
    summed(raw_lines(doc))
}

/// One line per SKU, quantities summed, sorted by SKU.
pub(crate) fn summed(lines: Vec<RawLine>) -> Vec<CartLine> {
    let mut by_sku: BTreeMap<Sku, i64> = BTreeMap::new();
    for line in lines {
        *by_sku.entry(line.sku).or_default() += line.quantity.max(0);
    }
    by_sku
        .into_iter()
        .filter_map(|(sku, quantity)| {
            Some(CartLine {
                sku,
                quantity: u32::try_from(quantity).ok().filter(|q| *q > 0)?,
            })
        })
        .collect()
}

/// Sets the quantity shown for `sku` (0 removes it). `new_line_id` names the line created
/// when the SKU has no live line yet; it must be unique (random) per call.
pub fn set_quantity(
    doc: &mut Automerge,
    sku: &Sku,
    quantity: u32,
    new_line_id: &str,
) -> Result<(), SchemaError> {
    set_quantity_among(doc, "", sku, quantity, new_line_id)
}

/// [`set_quantity`] over the lines whose ids start with `prefix` only.
pub(crate) fn set_quantity_among(
    doc: &mut Automerge,
    prefix: &str,
    sku: &Sku,
    quantity: u32,
    new_line_id: &str,
) -> Result<(), SchemaError> {
    let lines = raw_lines(doc);
    let live: Vec<&RawLine> = lines
        .iter()
        .filter(|l| l.id.starts_with(prefix) && &l.sku == sku && l.quantity > 0)
        .collect();
    let current: i64 = live.iter().map(|l| l.quantity).sum();
    let delta = i64::from(quantity) - current;
    if delta == 0 {
        return Ok(());
    }
    let parent = container(doc, LINES)?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        if delta > 0 {
            match live.first() {
                Some(line) => increment(tx, &parent, &line.id, delta)?,
                None => {
                    let line = tx.put_object(&parent, new_line_id, ObjType::Map)?;
                    tx.put(&line, "sku", sku.as_str())?;
                    tx.put(&line, "qty", ScalarValue::counter(delta))?;
                }
            }
        } else {
            decrement(tx, &parent, &live, -delta)?;
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// Takes ordered quantities out of the cart, leaving anything added concurrently.
pub fn take_ordered(doc: &mut Automerge, ordered: &[CartLine]) -> Result<(), SchemaError> {
    let lines = raw_lines(doc);
    let parent = container(doc, LINES)?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        for taken in ordered {
            let live: Vec<&RawLine> = lines
                .iter()
                .filter(|l| l.sku == taken.sku && l.quantity > 0)
                .collect();
            decrement(tx, &parent, &live, i64::from(taken.quantity))?;
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

fn increment(
    tx: &mut impl Transactable,
    parent: &automerge::ObjId,
    line_id: &str,
    by: i64,
) -> Result<(), automerge::AutomergeError> {
    let Some((_, line)) = tx.get(parent, line_id)? else {
        return Ok(());
    };
    tx.increment(&line, "qty", by)
}

/// Removes `amount` from the live lines in id order, never taking a line below zero.
fn decrement(
    tx: &mut impl Transactable,
    parent: &automerge::ObjId,
    live: &[&RawLine],
    amount: i64,
) -> Result<(), automerge::AutomergeError> {
    let mut remaining = amount;
    for line in live {
        if remaining <= 0 {
            break;
        }
        let take = remaining.min(line.quantity);
        increment(tx, parent, &line.id, -take)?;
        remaining -= take;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::create_document;
    use crate::schema::doc_id::DocId;
    use domain::sku::ShopId;

    fn sku(text: &str) -> Sku {
        Sku::parse(text).unwrap()
    }

    fn cart(doc: &Automerge) -> Vec<(String, u32)> {
        read_cart(doc)
            .into_iter()
            .map(|l| (l.sku.to_string(), l.quantity))
            .collect()
    }

    fn server_cart() -> Automerge {
        create_document(
            &DocId::Cart(ShopId::parse("s").unwrap()),
            automerge::ActorId::random(),
        )
        .unwrap()
    }

    #[test]
    fn set_add_and_remove() {
        let mut doc = server_cart();
        set_quantity(&mut doc, &sku("A"), 3, "l1").unwrap();
        set_quantity(&mut doc, &sku("B"), 2, "l2").unwrap();
        set_quantity(&mut doc, &sku("A"), 5, "l3").unwrap();
        assert_eq!(cart(&doc), vec![("A".into(), 5), ("B".into(), 2)]);
        set_quantity(&mut doc, &sku("A"), 0, "l4").unwrap();
        assert_eq!(cart(&doc), vec![("B".into(), 2)]);
        set_quantity(&mut doc, &sku("A"), 1, "l5").unwrap();
        assert_eq!(cart(&doc), vec![("A".into(), 1), ("B".into(), 2)]);
    }

    #[test]
    fn two_offline_devices_merge_without_losing_either_edit() {
        let mut server = server_cart();
        set_quantity(&mut server, &sku("SAME"), 3, "base").unwrap();
        let mut phone = server.fork();
        let mut tablet = server.fork();
        set_quantity(&mut phone, &sku("NEW"), 2, "p1").unwrap();
        set_quantity(&mut phone, &sku("SAME"), 5, "p2").unwrap();
        set_quantity(&mut tablet, &sku("OTHER"), 4, "t1").unwrap();
        set_quantity(&mut tablet, &sku("SAME"), 4, "t2").unwrap();
        set_quantity(&mut tablet, &sku("NEW"), 1, "t3").unwrap();
        phone.merge(&mut tablet).unwrap();
        tablet.merge(&mut phone.clone()).unwrap();
        let expected = vec![("NEW".into(), 3), ("OTHER".into(), 4), ("SAME".into(), 6)];
        assert_eq!(cart(&phone), expected);
        assert_eq!(cart(&tablet), expected);
    }

    #[test]
    fn ordering_takes_only_what_was_ordered() {
        let mut server = server_cart();
        set_quantity(&mut server, &sku("A"), 3, "base").unwrap();
        let mut phone = server.fork();
        let mut tablet = server.fork();
        take_ordered(&mut phone, &read_cart(&server)).unwrap();
        set_quantity(&mut tablet, &sku("A"), 5, "t").unwrap();
        phone.merge(&mut tablet).unwrap();
        assert_eq!(cart(&phone), vec![("A".into(), 2)]);
    }
}
