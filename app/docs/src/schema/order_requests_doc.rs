//! A shop's order requests: written by its devices (offline too), one immutable record per
//! device-minted request id, stored as a JSON string so a request is written atomically.
//! The server reads each id once and answers in the order status document. A request to
//! cancel an order is a record of the same map under its own id (its JSON names the order
//! it `cancels`), written in the order's volume; so is a request to return goods of an
//! order (its JSON names the order it `returns`).

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ScalarValue};

use super::doc_read::{get_map, root};
use super::{SchemaError, container};
use domain::order::{AcceptRequest, CancelRequest, OrderRequest, RequestId};
use domain::returns::ReturnRequest;

pub(crate) const REQUESTS: &str = "requests";

/// One entry of the requests map: its key and the request, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRequest {
    pub key: String,
    pub request: Result<OrderRequest, String>,
}

pub fn add_request(doc: &mut Automerge, request: &OrderRequest) -> Result<(), SchemaError> {
    put_entry(doc, request.id.as_str(), request)
}

/// Adds a request to cancel an order (immutable, like an order request).
pub fn add_cancel(doc: &mut Automerge, cancel: &CancelRequest) -> Result<(), SchemaError> {
    put_entry(doc, cancel.id.as_str(), cancel)
}

/// Adds a shop's OK to an order held for it (immutable, like an order request).
pub fn add_accept(doc: &mut Automerge, accept: &AcceptRequest) -> Result<(), SchemaError> {
    put_entry(doc, accept.id.as_str(), accept)
}

/// Adds a request to return goods of an order (immutable, like an order request).
pub fn add_return(doc: &mut Automerge, request: &ReturnRequest) -> Result<(), SchemaError> {
    put_entry(doc, request.id.as_str(), request)
}

fn put_entry(
    doc: &mut Automerge,
    key: &str,
    entry: &impl serde::Serialize,
) -> Result<(), SchemaError> {
    let parent = container(doc, REQUESTS)?;
    let json = serde_json::to_string(entry).map_err(|e| SchemaError::Encode(e.to_string()))?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(&parent, key, json.as_str()))
        .map_err(|failure| failure.error)?;
    Ok(())
}

/// What an entry of the requests map is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Order,
    /// A request to cancel an order (its JSON names the order it `cancels`).
    Cancel,
    /// A request to return goods (its JSON names the order it `returns`).
    Return,
    /// The shop's OK to an order held for it (its JSON names the order it `accepts`).
    Accept,
}

/// What an entry's JSON is; the rest of the entry is skipped, not built.
pub fn entry_kind(json: &str) -> EntryKind {
    #[derive(serde::Deserialize)]
    struct Probe {
        cancels: Option<serde::de::IgnoredAny>,
        returns: Option<serde::de::IgnoredAny>,
        accepts: Option<serde::de::IgnoredAny>,
    }
    match serde_json::from_str::<Probe>(json) {
        Ok(probe) if probe.cancels.is_some() => EntryKind::Cancel,
        Ok(probe) if probe.returns.is_some() => EntryKind::Return,
        Ok(probe) if probe.accepts.is_some() => EntryKind::Accept,
        _ => EntryKind::Order,
    }
}

fn kind_of(value: Option<&ScalarValue>) -> EntryKind {
    match value {
        Some(ScalarValue::Str(json)) => entry_kind(json),
        _ => EntryKind::Order,
    }
}

/// A cancel request in the map: its key and the request, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCancel {
    pub key: String,
    pub cancel: Result<CancelRequest, String>,
}

/// A shop's OK in the map: its key and the request, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccept {
    pub key: String,
    pub accept: Result<AcceptRequest, String>,
}

/// A return request in the map: its key and the request, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReturn {
    pub key: String,
    pub request: Result<ReturnRequest, String>,
}

/// The entry under `key` as a `T` whose id is `key`, or why it cannot be read.
fn parse_entry<T: serde::de::DeserializeOwned>(
    key: &str,
    value: Option<&ScalarValue>,
    id: impl Fn(&T) -> &str,
) -> Result<T, String> {
    match value {
        Some(ScalarValue::Str(json)) => serde_json::from_str::<T>(json)
            .map_err(|e| e.to_string())
            .and_then(|entry| {
                if id(&entry) == key {
                    Ok(entry)
                } else {
                    Err(format!("stored under {key} but its id is {}", id(&entry)))
                }
            }),
        _ => Err("not a JSON string".to_owned()),
    }
}

fn parse_cancel(key: &str, value: Option<&ScalarValue>) -> StoredCancel {
    StoredCancel {
        key: key.to_owned(),
        cancel: parse_entry(key, value, |c: &CancelRequest| c.id.as_str()),
    }
}

fn parse_accept(key: &str, value: Option<&ScalarValue>) -> StoredAccept {
    StoredAccept {
        key: key.to_owned(),
        accept: parse_entry(key, value, |a: &AcceptRequest| a.id.as_str()),
    }
}

fn parse_return(key: &str, value: Option<&ScalarValue>) -> StoredReturn {
    StoredReturn {
        key: key.to_owned(),
        request: parse_entry(key, value, |r: &ReturnRequest| r.id.as_str()),
    }
}

/// Every cancel request the document holds, sorted by key.
pub fn read_cancels(doc: &Automerge) -> Vec<StoredCancel> {
    read_all(doc).cancels
}

/// Every shop's OK the document holds, sorted by key.
pub fn read_accepts(doc: &Automerge) -> Vec<StoredAccept> {
    read_all(doc).accepts
}

/// Every return request the document holds, sorted by key.
pub fn read_returns(doc: &Automerge) -> Vec<StoredReturn> {
    read_all(doc).returns
}

fn read_all(doc: &Automerge) -> Entries {
    let Some(parent) = requests_obj(doc) else {
        return Entries::default();
    };
    let keys: Vec<String> = doc.keys(&parent).collect();
    read_entries_at(doc, &keys)
}

/// The entries of a requests document, by kind, each sorted by key.
#[derive(Debug, Default)]
pub struct Entries {
    pub requests: Vec<StoredRequest>,
    pub cancels: Vec<StoredCancel>,
    pub returns: Vec<StoredReturn>,
    pub accepts: Vec<StoredAccept>,
}

/// The order, cancel and return requests under `keys` (present ones only), in one pass:
/// what a sync brought.
pub fn read_entries_at(doc: &Automerge, keys: &[String]) -> Entries {
    let Some(parent) = requests_obj(doc) else {
        return Entries::default();
    };
    let mut entries = Entries::default();
    for key in keys {
        match doc.get(&parent, key.as_str()) {
            Ok(Some((automerge::Value::Scalar(scalar), _))) => {
                let scalar = scalar.as_ref();
                match kind_of(Some(scalar)) {
                    EntryKind::Cancel => entries.cancels.push(parse_cancel(key, Some(scalar))),
                    EntryKind::Return => entries.returns.push(parse_return(key, Some(scalar))),
                    EntryKind::Accept => entries.accepts.push(parse_accept(key, Some(scalar))),
                    EntryKind::Order => entries.requests.push(parse_stored(key, Some(scalar))),
                }
            }
            Ok(Some(_)) => entries.requests.push(parse_stored(key, None)),
            _ => {}
        }
    }
    entries.requests.sort_by(|a, b| a.key.cmp(&b.key));
    entries.cancels.sort_by(|a, b| a.key.cmp(&b.key));
    entries.returns.sort_by(|a, b| a.key.cmp(&b.key));
    entries.accepts.sort_by(|a, b| a.key.cmp(&b.key));
    entries
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
    StoredRequest {
        key: key.to_owned(),
        request: parse_entry(key, value, |r: &OrderRequest| r.id.as_str()),
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
            (kind_of(scalar) == EntryKind::Order).then(|| parse_stored(key, scalar))
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
