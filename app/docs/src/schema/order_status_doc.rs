//! The server's answers to one shop's order requests: order number, state, confirmed
//! prices and what changed. Written by the server alone.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc, ScalarValue};

use super::doc_read::{get_map, root};
use super::{SchemaError, container};
use domain::order::{OrderConfirmation, RequestId};

pub(crate) const ORDERS: &str = "orders";
/// Set when the volume is closed: the volume new requests go to.
const NEXT_VOLUME: &str = "next_volume";

/// Closes this volume of the shop's orders: devices that read it start writing new
/// requests to volume `next` (its documents exist before this is written).
pub fn set_next_volume(doc: &mut Automerge, next: u32) -> Result<(), SchemaError> {
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, NEXT_VOLUME, i64::from(next))
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// The volume that follows this one, once this one is closed.
pub fn next_volume(doc: &Automerge) -> Option<u32> {
    match doc.get(ROOT, NEXT_VOLUME) {
        Ok(Some((automerge::Value::Scalar(scalar), _))) => {
            scalar.as_i64().and_then(|n| u32::try_from(n).ok())
        }
        _ => None,
    }
}

pub fn put_confirmations(
    doc: &mut Automerge,
    confirmations: &[OrderConfirmation],
) -> Result<(), SchemaError> {
    put_encoded_confirmations(doc, &encode_confirmations(confirmations)?)
}

/// Each confirmation as the status document holds it: (its request id, its JSON). The
/// server stores the same JSON in its orders table, so it encodes each order once.
pub fn encode_confirmations(
    confirmations: &[OrderConfirmation],
) -> Result<Vec<(String, String)>, SchemaError> {
    confirmations.iter().map(encode_confirmation).collect()
}

/// One confirmation as [`encode_confirmations`] encodes each.
pub fn encode_confirmation(
    confirmation: &OrderConfirmation,
) -> Result<(String, String), SchemaError> {
    let json =
        serde_json::to_string(confirmation).map_err(|e| SchemaError::Encode(e.to_string()))?;
    Ok((confirmation.request_id.to_string(), json))
}

/// [`put_confirmations`] of confirmations [`encode_confirmations`] encoded.
pub fn put_encoded_confirmations(
    doc: &mut Automerge,
    encoded: &[(String, String)],
) -> Result<(), SchemaError> {
    if encoded.is_empty() {
        return Ok(());
    }
    let parent = container(doc, ORDERS)?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        for (key, json) in encoded {
            tx.put(&parent, key.as_str(), json.as_str())?;
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

pub fn read_confirmations(doc: &Automerge) -> BTreeMap<RequestId, OrderConfirmation> {
    let root = root(doc);
    let Some(map) = get_map(&root, ORDERS) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(_, value)| match &value.value {
            automerge::hydrate::Value::Scalar(ScalarValue::Str(json)) => {
                let confirmation: OrderConfirmation = serde_json::from_str(json).ok()?;
                Some((confirmation.request_id.clone(), confirmation))
            }
            _ => None,
        })
        .collect()
}
