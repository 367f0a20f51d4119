//! The bytes on the wire: a batch of per-document sync messages up, a batch of replies
//! down, encoded with postcard (compact, no field names) and size-limited.

use serde::{Deserialize, Serialize};

/// The largest sync body the server accepts.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The most documents one request may carry.
pub const MAX_DOCS_PER_REQUEST: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// Chosen by the device; echoed in the reply so a late reply to an old request is ignored.
    pub seq: u64,
    pub docs: Vec<DocMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMessage {
    /// A document id as text; the server answers 404 for ids it does not know.
    pub doc: String,
    /// An encoded `automerge::sync::Message`, or empty.
    #[serde(with = "serde_bytes")]
    pub message: Vec<u8>,
    /// The device's changes since the heads it last shared with the server, one encoded
    /// `automerge::Change` each, sent with the first message of a session so a new order
    /// reaches the server in one round trip. Empty when there are none.
    pub changes: Vec<serde_bytes::ByteBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub seq: u64,
    pub docs: Vec<DocReply>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocReply {
    pub doc: String,
    /// 200, or the HTTP status this document alone was refused with (400, 403, 404).
    pub status: u16,
    /// An encoded `automerge::sync::Message`, or empty when the server has nothing to say.
    #[serde(with = "serde_bytes")]
    pub message: Vec<u8>,
    /// A reason code when `status` is not 200, such as `read_only_document`.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the body is {0} bytes, more than the {MAX_BODY_BYTES} allowed")]
    TooLarge(usize),
    #[error("the body carries {0} documents, more than the {MAX_DOCS_PER_REQUEST} allowed")]
    TooManyDocuments(usize),
    #[error("the body is not a sync batch: {0}")]
    Malformed(String),
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, WireError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(WireError::TooLarge(bytes.len()));
    }
    postcard::from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain structs of strings, integers and byte vectors into a Vec cannot fail.
    postcard::to_allocvec(value).unwrap_or_default()
}

impl SyncRequest {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<SyncRequest, WireError> {
        let request: SyncRequest = decode(bytes)?;
        if request.docs.len() > MAX_DOCS_PER_REQUEST {
            return Err(WireError::TooManyDocuments(request.docs.len()));
        }
        Ok(request)
    }
}

impl SyncResponse {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<SyncResponse, WireError> {
        decode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_garbage_is_an_error_not_a_panic() {
        let request = SyncRequest {
            seq: 7,
            docs: vec![DocMessage {
                doc: "catalog".into(),
                message: vec![0x42, 1, 2],
                changes: vec![],
            }],
        };
        assert_eq!(SyncRequest::decode(&request.encode()).unwrap(), request);
        for garbage in [&b""[..], b"\xff\xff\xff\xff\xff", b"hello world"] {
            assert!(SyncRequest::decode(garbage).is_err());
        }
    }
}
