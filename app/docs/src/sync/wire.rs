//! The bytes on the wire: a batch of per-document sync messages up, a batch of replies
//! down, encoded with postcard (compact, no field names) after a three-byte envelope header
//! (`DH` and the version), size-limited, with nothing after the batch. `PROTOCOL.md` beside
//! this file is the specification.

use serde::{Deserialize, Serialize};

/// The largest sync body the server accepts.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The most documents one request may carry.
pub const MAX_DOCS_PER_REQUEST: usize = 64;
/// The envelope's first bytes: `DH`, then the version of what follows.
pub const MAGIC: [u8; 2] = *b"DH";
/// The envelope version this build writes.
pub const VERSION: u8 = 1;

/// Which envelope a body came in; a reply goes back in the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// `DH`, 1, then the postcard batch.
    V1,
    /// The bare postcard batch of the first releases (still accepted from devices that
    /// have not updated yet: its first two bytes can never be `DH`, which would announce
    /// 72 documents, more than allowed).
    Bare,
}

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
    #[error("envelope version {0} is not known here (this server speaks {VERSION})")]
    UnknownVersion(u8),
    #[error("{0} bytes follow the sync batch")]
    TrailingBytes(usize),
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<(T, Envelope), WireError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(WireError::TooLarge(bytes.len()));
    }
    let (envelope, batch) = match bytes {
        [b'D', b'H', VERSION, batch @ ..] => (Envelope::V1, batch),
        [b'D', b'H', version, ..] => return Err(WireError::UnknownVersion(*version)),
        batch => (Envelope::Bare, batch),
    };
    let (value, rest) =
        postcard::take_from_bytes(batch).map_err(|e| WireError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::TrailingBytes(rest.len()));
    }
    Ok((value, envelope))
}

fn encode<T: Serialize>(value: &T, envelope: Envelope) -> Vec<u8> {
    let mut bytes = match envelope {
        Envelope::V1 => vec![MAGIC[0], MAGIC[1], VERSION],
        Envelope::Bare => Vec::new(),
    };
    // Serialising plain structs of strings, integers and byte vectors into a Vec cannot fail.
    bytes.extend(postcard::to_allocvec(value).unwrap_or_default());
    bytes
}

impl SyncRequest {
    pub fn encode(&self) -> Vec<u8> {
        encode(self, Envelope::V1)
    }

    pub fn decode(bytes: &[u8]) -> Result<SyncRequest, WireError> {
        SyncRequest::decode_enveloped(bytes).map(|(request, _)| request)
    }

    /// The request and the envelope it came in (the reply uses the same one).
    pub fn decode_enveloped(bytes: &[u8]) -> Result<(SyncRequest, Envelope), WireError> {
        let (request, envelope): (SyncRequest, Envelope) = decode(bytes)?;
        if request.docs.len() > MAX_DOCS_PER_REQUEST {
            return Err(WireError::TooManyDocuments(request.docs.len()));
        }
        Ok((request, envelope))
    }
}

impl SyncResponse {
    pub fn encode(&self) -> Vec<u8> {
        encode(self, Envelope::V1)
    }

    /// The reply in the envelope its request came in.
    pub fn encode_in(&self, envelope: Envelope) -> Vec<u8> {
        encode(self, envelope)
    }

    pub fn decode(bytes: &[u8]) -> Result<SyncResponse, WireError> {
        decode(bytes).map(|(response, _)| response)
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
        let encoded = request.encode();
        assert_eq!(&encoded[..3], b"DH\x01");
        assert_eq!(SyncRequest::decode(&encoded).unwrap(), request);
        for garbage in [&b""[..], b"\xff\xff\xff\xff\xff", b"hello world", b"DH"] {
            assert!(SyncRequest::decode(garbage).is_err());
        }
    }

    #[test]
    fn bytes_after_the_batch_and_unknown_versions_are_refused() {
        let request = SyncRequest {
            seq: 1,
            docs: vec![],
        };
        let mut trailing = request.encode();
        trailing.push(0);
        assert_eq!(
            SyncRequest::decode(&trailing),
            Err(WireError::TrailingBytes(1))
        );
        let mut future = request.encode();
        future[2] = 9;
        assert_eq!(
            SyncRequest::decode(&future),
            Err(WireError::UnknownVersion(9))
        );
    }

    #[test]
    fn a_bare_batch_of_the_first_releases_is_still_read_and_answered_bare() {
        let request = SyncRequest {
            seq: 3,
            docs: vec![],
        };
        let bare = postcard::to_allocvec(&request).unwrap();
        assert_eq!(
            SyncRequest::decode_enveloped(&bare).unwrap(),
            (request, Envelope::Bare)
        );
        let reply = SyncResponse {
            seq: 3,
            docs: vec![],
        };
        assert_eq!(
            reply.encode_in(Envelope::Bare),
            postcard::to_allocvec(&reply).unwrap()
        );
    }
}
