//! A shop's order requests: written by its devices (offline too), one immutable record per
//! device-minted request id, stored as a JSON string so a request is written atomically.
//! The server reads each id once and answers in the order status document. A request to
//! cancel an order is a record of the same map under its own id (its JSON names the order
//! it `cancels`), written in the order's volume.

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ScalarValue};

use super::doc_read::{get_map, root};
use super::{SchemaError, container};
use domain::order::{CancelRequest, OrderRequest, RequestId};

pub(crate) const REQUESTS: &str = "requests";

/// One entry of the requests map: its key and the request, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRequest {
    pub key: String,
    pub request: Result<OrderRequest, String>,
}

pub fn add_request(doc: &mut Automerge, request: &OrderRequest) -> Result<(), SchemaError> {
    let parent = container(doc, REQUESTS)?;
    let json = serde_json::to_string(request).map_err(|e| SchemaError::Encode(e.to_string()))?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(&parent, request.id.as_str(), json.as_str())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// Adds a request to cancel an order (immutable, like an order request).
pub fn add_cancel(doc: &mut Automerge, cancel: &CancelRequest) -> Result<(), SchemaError> {
    let parent = container(doc, REQUESTS)?;
    let json = serde_json::to_string(cancel).map_err(|e| SchemaError::Encode(e.to_string()))?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(&parent, cancel.id.as_str(), json.as_str())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// True when an entry's JSON is a cancel request rather than an order (it names the order
/// it `cancels`); the rest of the entry is skipped, not built.
pub fn is_cancel_json(json: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        cancels: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_str::<Probe>(json).is_ok_and(|probe| probe.cancels.is_some())
}

fn is_cancel(value: Option<&ScalarValue>) -> bool {
    matches!(value, Some(ScalarValue::Str(json)) if is_cancel_json(json))
}

/// A cancel request in the map: its key and the request, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCancel {
    pub key: String,
    pub cancel: Result<CancelRequest, String>,
}

fn parse_cancel(key: &str, value: Option<&ScalarValue>) -> StoredCancel {
    let cancel = match value {
        Some(ScalarValue::Str(json)) => serde_json::from_str::<CancelRequest>(json)
            .map_err(|e| e.to_string())
            .and_then(|cancel| {
                if cancel.id.as_str() == key {
                    Ok(cancel)
                } else {
                    Err(format!("stored under {key} but its id is {}", cancel.id))
                }
            }),
        _ => Err("not a JSON string".to_owned()),
    };
    StoredCancel {
        key: key.to_owned(),
        cancel,
    }
}

/// Every cancel request the document holds, sorted by key.
pub fn read_cancels(doc: &Automerge) -> Vec<StoredCancel> {
    let Some(parent) = requests_obj(doc) else {
        return Vec::new();
    };
    let keys: Vec<String> = doc.keys(&parent).collect();
    read_entries_at(doc, &keys).1
}

/// The order requests and the cancel requests under `keys` (present ones only), each
/// sorted by key, in one pass: what a sync brought.
pub fn read_entries_at(
    doc: &Automerge,
    keys: &[String],
) -> (Vec<StoredRequest>, Vec<StoredCancel>) {
    let Some(parent) = requests_obj(doc) else {
        return (Vec::new(), Vec::new());
    };
    let mut requests = Vec::new();
    let mut cancels = Vec::new();
    for key in keys {
        match doc.get(&parent, key.as_str()) {
            Ok(Some((automerge::Value::Scalar(scalar), _))) => {
                let scalar = scalar.as_ref();
                if is_cancel(Some(scalar)) {
                    cancels.push(parse_cancel(key, Some(scalar)));
                } else {
                    requests.push(parse_stored(key, Some(scalar)));
                }
            }
            Ok(Some(_)) => requests.push(parse_stored(key, None)),
            _ => {}
        }
    }
    requests.sort_by(|a, b| a.key.cmp(&b.key));
    cancels.sort_by(|a, b| a.key.cmp(&b.key));
    (requests, cancels)
}

/// True once the document holds the requests container (devices never create it: a
/// volume the device has not received from the server yet cannot take requests).
pub fn accepts_requests(doc: &Automerge) -> bool {
    container(doc, REQUESTS).is_ok()
}

/// The keys of every stored request (without reading the requests).
pub fn request_keys(doc: &Automerge) -> Vec<String> {
    match container(doc, REQUESTS) {
        Ok(parent) => doc.keys(&parent).collect(),
        Err(_) => Vec::new(),
    }
}

/// The request stored under `key`, or why it cannot be read (a request whose key is not
/// its id is unreadable).
fn parse_stored(key: &str, value: Option<&ScalarValue>) -> StoredRequest {
    let request = match value {
        Some(ScalarValue::Str(json)) => serde_json::from_str::<OrderRequest>(json)
            .map_err(|e| e.to_string())
            .and_then(|request| {
                if request.id.as_str() == key {
                    Ok(request)
                } else {
                    Err(format!("stored under {key} but its id is {}", request.id))
                }
            }),
        _ => Err("not a JSON string".to_owned()),
    };
    StoredRequest {
        key: key.to_owned(),
        request,
    }
}

/// All requests, sorted by key; a request whose key is not its id is unreadable.
pub fn read_requests(doc: &Automerge) -> Vec<StoredRequest> {
    let root = root(doc);
    let Some(map) = get_map(&root, REQUESTS) else {
        return Vec::new();
    };
    let mut stored: Vec<StoredRequest> = map
        .iter()
        .filter_map(|(key, value)| {
            let scalar = match &value.value {
                automerge::hydrate::Value::Scalar(scalar) => Some(scalar),
                _ => None,
            };
            (!is_cancel(scalar)).then(|| parse_stored(key, scalar))
        })
        .collect();
    stored.sort_by(|a, b| a.key.cmp(&b.key));
    stored
}

fn requests_obj(doc: &Automerge) -> Option<automerge::ObjId> {
    match doc.get(automerge::ROOT, REQUESTS) {
        Ok(Some((automerge::Value::Object(automerge::ObjType::Map), id))) => Some(id),
        _ => None,
    }
}

/// The keys of the requests map written since `before` (the heads the document had then),
/// sorted: what a sync brought, without reading the requests that were there already.
pub fn keys_written_since(doc: &Automerge, before: &[automerge::ChangeHash]) -> Vec<String> {
    let Some(parent) = requests_obj(doc) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = doc
        .diff(before, &doc.get_heads())
        .into_iter()
        .filter(|patch| patch.obj == parent)
        .filter_map(|patch| match patch.action {
            automerge::PatchAction::PutMap { key, .. } => Some(key),
            _ => None,
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Request ids that are present, readable or not (keys that are not ids are skipped).
pub fn request_ids(doc: &Automerge) -> Vec<RequestId> {
    read_requests(doc)
        .into_iter()
        .filter_map(|s| RequestId::parse(&s.key).ok())
        .collect()
}
