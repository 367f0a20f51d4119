//! A shop's order requests: written by its devices (offline too), one immutable record per
//! device-minted request id, stored as a JSON string so a request is written atomically.
//! The server reads each id once and answers in the order status document.

use automerge::transaction::Transactable;
use automerge::{Automerge, ScalarValue};

use super::doc_read::{get_map, root};
use super::{SchemaError, container};
use crate::domain::order::{OrderRequest, RequestId};

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

/// All requests, sorted by key; a request whose key is not its id is unreadable.
pub fn read_requests(doc: &Automerge) -> Vec<StoredRequest> {
    let root = root(doc);
    let Some(map) = get_map(&root, REQUESTS) else {
        return Vec::new();
    };
    let mut stored: Vec<StoredRequest> = map
        .iter()
        .map(|(key, value)| {
            let request = match &value.value {
                automerge::hydrate::Value::Scalar(ScalarValue::Str(json)) => {
                    serde_json::from_str::<OrderRequest>(json)
                        .map_err(|e| e.to_string())
                        .and_then(|request| {
                            if request.id.as_str() == key {
                                Ok(request)
                            } else {
                                Err(format!("stored under {key} but its id is {}", request.id))
                            }
                        })
                }
                _ => Err("not a JSON string".to_owned()),
            };
            StoredRequest {
                key: key.clone(),
                request,
            }
        })
        .collect();
    stored.sort_by(|a, b| a.key.cmp(&b.key));
    stored
}

/// Request ids that are present, readable or not (keys that are not ids are skipped).
pub fn request_ids(doc: &Automerge) -> Vec<RequestId> {
    read_requests(doc)
        .into_iter()
        .filter_map(|s| RequestId::parse(&s.key).ok())
        .collect()
}
