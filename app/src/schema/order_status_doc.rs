//! The server's answers to one shop's order requests: order number, state, confirmed
//! prices and what changed. Written by the server alone.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ScalarValue};

use super::doc_read::{get_map, root};
use super::{SchemaError, container};
use crate::domain::order::{OrderConfirmation, RequestId};

pub(crate) const ORDERS: &str = "orders";

pub fn put_confirmations(
    doc: &mut Automerge,
    confirmations: &[OrderConfirmation],
) -> Result<(), SchemaError> {
    if confirmations.is_empty() {
        return Ok(());
    }
    let parent = container(doc, ORDERS)?;
    let encoded: Vec<(String, String)> = confirmations
        .iter()
        .map(|c| Ok((c.request_id.to_string(), serde_json::to_string(c)?)))
        .collect::<Result<_, serde_json::Error>>()
        .map_err(|e| SchemaError::Encode(e.to_string()))?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        for (key, json) in &encoded {
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
