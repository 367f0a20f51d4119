//! The bytes on the wire: a batch of per-document sync messages up, a batch of replies
//! down, encoded with postcard (compact, no field names) after a three-byte envelope header
//! (`DH` and the version), size-limited, with nothing after the batch. `PROTOCOL.md` beside
//! this file is the specification.

use serde::{Deserialize, Serialize};

/// The largest sync body the server accepts.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The most documents one request may carry with a sync message or changes (the ones
/// that cost the server a document's work each).
pub const MAX_DOCS_PER_REQUEST: usize = 64;
/// The most documents one request may carry in all, quiet ones included (version 2): a
/// quiet document costs the server a row of one statement when the client is up to date,
/// so an account manager's 200 shops (800 documents) say where they stand in two
/// requests instead of thirteen.
pub const MAX_QUIET_DOCS_PER_REQUEST: usize = 512;
/// The envelope's first bytes: `DH`, then the version of what follows.
pub const MAGIC: [u8; 2] = *b"DH";
/// The envelope version this build writes.
pub const VERSION: u8 = 2;
/// The envelope version before quiet documents (still read, and answered in kind).
pub const VERSION_1: u8 = 1;
/// The most heads a quiet document may name.
pub const MAX_QUIET_HEADS: usize = 64;

/// Which envelope a body came in; a reply goes back in the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// `DH`, 2, then the postcard batch (documents may be quiet, replies may carry changes).
    V2,
    /// `DH`, 1, then the postcard batch without quiet documents.
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
    /// A quiet document (no message, no changes): the device has nothing of its own in it
    /// and holds exactly these heads (32 bytes each, concatenated); the server answers
    /// with the changes after them, nothing when it holds the same. Version 2 only.
    pub heads: Option<serde_bytes::ByteBuf>,
}

impl DocMessage {
    /// Whether this is a quiet document ([`DocMessage::quiet_heads`] is some), without
    /// reading the heads out.
    pub fn is_quiet(&self) -> bool {
        self.heads.as_ref().is_some_and(|heads| {
            self.message.is_empty()
                && self.changes.is_empty()
                && heads.len() % 32 == 0
                && heads.len() / 32 <= MAX_QUIET_HEADS
        })
    }

    /// The heads of a quiet document, if this is one (and they are well formed: whole
    /// hashes, at most [`MAX_QUIET_HEADS`]).
    pub fn quiet_heads(&self) -> Option<Vec<automerge::ChangeHash>> {
        if !self.is_quiet() {
            return None;
        }
        self.heads
            .as_ref()?
            .chunks(32)
            .map(|hash| automerge::ChangeHash::try_from(hash).ok())
            .collect()
    }
}

/// Heads as a quiet document names them: sorted, concatenated.
pub fn encode_heads(heads: &[automerge::ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted.iter().flat_map(|hash| hash.0).collect()
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
    /// To a quiet document: the changes after the heads the device named, one encoded
    /// `automerge::Change` each. Version 2 only.
    pub changes: Vec<serde_bytes::ByteBuf>,
}

/// Version 1's layouts, without quiet documents.
mod v1 {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    pub struct SyncRequest {
        pub seq: u64,
        pub docs: Vec<DocMessage>,
    }

    #[derive(Serialize, Deserialize)]
    pub struct DocMessage {
        pub doc: String,
        #[serde(with = "serde_bytes")]
        pub message: Vec<u8>,
        pub changes: Vec<serde_bytes::ByteBuf>,
    }

    #[derive(Serialize, Deserialize)]
    pub struct SyncResponse {
        pub seq: u64,
        pub docs: Vec<DocReply>,
    }

    #[derive(Serialize, Deserialize)]
    pub struct DocReply {
        pub doc: String,
        pub status: u16,
        #[serde(with = "serde_bytes")]
        pub message: Vec<u8>,
        pub error: Option<String>,
    }
}

impl From<v1::SyncRequest> for SyncRequest {
    fn from(old: v1::SyncRequest) -> SyncRequest {
        SyncRequest {
            seq: old.seq,
            docs: old
                .docs
                .into_iter()
                .map(|d| DocMessage {
                    doc: d.doc,
                    message: d.message,
                    changes: d.changes,
                    heads: None,
                })
                .collect(),
        }
    }
}

impl From<&SyncRequest> for v1::SyncRequest {
    fn from(new: &SyncRequest) -> v1::SyncRequest {
        v1::SyncRequest {
            seq: new.seq,
            docs: new
                .docs
                .iter()
                .map(|d| v1::DocMessage {
                    doc: d.doc.clone(),
                    message: d.message.clone(),
                    changes: d.changes.clone(),
                })
                .collect(),
        }
    }
}

impl From<v1::SyncResponse> for SyncResponse {
    fn from(old: v1::SyncResponse) -> SyncResponse {
        SyncResponse {
            seq: old.seq,
            docs: old
                .docs
                .into_iter()
                .map(|d| DocReply {
                    doc: d.doc,
                    status: d.status,
                    message: d.message,
                    error: d.error,
                    changes: Vec::new(),
                })
                .collect(),
        }
    }
}

impl From<&SyncResponse> for v1::SyncResponse {
    fn from(new: &SyncResponse) -> v1::SyncResponse {
        v1::SyncResponse {
            seq: new.seq,
            docs: new
                .docs
                .iter()
                .map(|d| v1::DocReply {
                    doc: d.doc.clone(),
                    status: d.status,
                    message: d.message.clone(),
                    error: d.error.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the body is {0} bytes, more than the {MAX_BODY_BYTES} allowed")]
    TooLarge(usize),
    #[error(
        "the body carries {0} documents, more than allowed ({MAX_DOCS_PER_REQUEST} with a message or changes, {MAX_QUIET_DOCS_PER_REQUEST} in all)"
    )]
    TooManyDocuments(usize),
    #[error("the body is not a sync batch: {0}")]
    Malformed(String),
    #[error("envelope version {0} is not known here (this server speaks {VERSION})")]
    UnknownVersion(u8),
    #[error("{0} bytes follow the sync batch")]
    TrailingBytes(usize),
}

/// The envelope of a body and the batch after it.
fn open(bytes: &[u8]) -> Result<(Envelope, &[u8]), WireError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(WireError::TooLarge(bytes.len()));
    }
    Ok(match bytes {
        [b'D', b'H', VERSION, batch @ ..] => (Envelope::V2, batch),
        [b'D', b'H', VERSION_1, batch @ ..] => (Envelope::V1, batch),
        [b'D', b'H', version, ..] => return Err(WireError::UnknownVersion(*version)),
        batch => (Envelope::Bare, batch),
    })
}

fn take<T: for<'de> Deserialize<'de>>(batch: &[u8]) -> Result<T, WireError> {
    let (value, rest) =
        postcard::take_from_bytes(batch).map_err(|e| WireError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::TrailingBytes(rest.len()));
    }
    Ok(value)
}

fn encode<T: Serialize>(value: &T, envelope: Envelope) -> Vec<u8> {
    let mut bytes = match envelope {
        Envelope::V2 => vec![MAGIC[0], MAGIC[1], VERSION],
        Envelope::V1 => vec![MAGIC[0], MAGIC[1], VERSION_1],
        Envelope::Bare => Vec::new(),
    };
    // Serialising plain structs of strings, integers and byte vectors into a Vec cannot fail.
    bytes.extend(postcard::to_allocvec(value).unwrap_or_default());
    bytes
}

impl SyncRequest {
    pub fn encode(&self) -> Vec<u8> {
        encode(self, Envelope::V2)
    }

    /// In an older envelope (quiet documents' heads are left out).
    pub fn encode_in(&self, envelope: Envelope) -> Vec<u8> {
        match envelope {
            Envelope::V2 => encode(self, envelope),
            Envelope::V1 | Envelope::Bare => encode(&v1::SyncRequest::from(self), envelope),
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<SyncRequest, WireError> {
        SyncRequest::decode_enveloped(bytes).map(|(request, _)| request)
    }

    /// The request and the envelope it came in (the reply uses the same one).
    pub fn decode_enveloped(bytes: &[u8]) -> Result<(SyncRequest, Envelope), WireError> {
        let (envelope, batch) = open(bytes)?;
        let request: SyncRequest = match envelope {
            Envelope::V2 => take(batch)?,
            Envelope::V1 | Envelope::Bare => take::<v1::SyncRequest>(batch)?.into(),
        };
        let loud = request.docs.iter().filter(|doc| !doc.is_quiet()).count();
        if loud > MAX_DOCS_PER_REQUEST || request.docs.len() > MAX_QUIET_DOCS_PER_REQUEST {
            return Err(WireError::TooManyDocuments(request.docs.len()));
        }
        Ok((request, envelope))
    }
}

impl SyncResponse {
    pub fn encode(&self) -> Vec<u8> {
        encode(self, Envelope::V2)
    }

    /// The reply in the envelope its request came in.
    pub fn encode_in(&self, envelope: Envelope) -> Vec<u8> {
        match envelope {
            Envelope::V2 => encode(self, envelope),
            Envelope::V1 | Envelope::Bare => encode(&v1::SyncResponse::from(self), envelope),
        }
    }

    /// A reply in version 2, the only one this build asks for (a device never needs the
    /// older layouts: leaving them out keeps them out of the phone's download).
    pub fn decode(bytes: &[u8]) -> Result<SyncResponse, WireError> {
        match open(bytes)? {
            (Envelope::V2, batch) => take(batch),
            _ => Err(WireError::UnknownVersion(
                bytes.get(2).copied().unwrap_or(0),
            )),
        }
    }

    /// A reply in any envelope (tests of older clients).
    pub fn decode_any(bytes: &[u8]) -> Result<SyncResponse, WireError> {
        let (envelope, batch) = open(bytes)?;
        match envelope {
            Envelope::V2 => take(batch),
            Envelope::V1 | Envelope::Bare => take::<v1::SyncResponse>(batch).map(Into::into),
        }
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
                heads: None,
            }],
        };
        let encoded = request.encode();
        assert_eq!(&encoded[..3], b"DH\x02");
        assert_eq!(SyncRequest::decode(&encoded).unwrap(), request);
        for garbage in [&b""[..], b"\xff\xff\xff\xff\xff", b"hello world", b"DH"] {
            assert!(SyncRequest::decode(garbage).is_err());
        }
    }

    /// At most 64 documents with a message or changes, and at most 512 in all with quiet
    /// ones (version 2); version 1 has no quiet documents: 64 in all.
    #[test]
    fn a_request_carries_64_documents_with_messages_and_512_in_all() {
        let doc = |n: usize, quiet: bool| DocMessage {
            doc: format!("shop/s{n}/cart"),
            message: if quiet { vec![] } else { vec![0x42] },
            changes: vec![],
            heads: quiet.then(|| serde_bytes::ByteBuf::from(Vec::new())),
        };
        let request = |loud: usize, quiet: usize| SyncRequest {
            seq: 1,
            docs: (0..loud)
                .map(|n| doc(n, false))
                .chain((loud..loud + quiet).map(|n| doc(n, true)))
                .collect(),
        };
        for (loud, quiet, fits) in [
            (64, 448, true),
            (65, 0, false),
            (65, 100, false),
            (0, 512, true),
            (0, 513, false),
            (64, 449, false),
        ] {
            let decoded = SyncRequest::decode(&request(loud, quiet).encode());
            assert_eq!(decoded.is_ok(), fits, "{loud} + {quiet}: {decoded:?}");
            if !fits {
                assert_eq!(decoded, Err(WireError::TooManyDocuments(loud + quiet)));
            }
        }
        // In version 1 the quiet ones are plain documents.
        let old = request(1, 64).encode_in(Envelope::V1);
        assert_eq!(
            SyncRequest::decode(&old),
            Err(WireError::TooManyDocuments(65))
        );
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
        let bare = request.encode_in(Envelope::Bare);
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
            postcard::to_allocvec(&v1::SyncResponse::from(&reply)).unwrap()
        );
    }

    #[test]
    fn version_1_is_still_read_and_answered_in_kind_and_quiet_heads_are_checked() {
        let hash = automerge::ChangeHash([7; 32]);
        let quiet = SyncRequest {
            seq: 4,
            docs: vec![DocMessage {
                doc: "catalog".into(),
                message: vec![],
                changes: vec![],
                heads: Some(serde_bytes::ByteBuf::from(encode_heads(&[hash]))),
            }],
        };
        let (decoded, envelope) = SyncRequest::decode_enveloped(&quiet.encode()).unwrap();
        assert_eq!(
            (envelope, decoded.docs[0].quiet_heads()),
            (Envelope::V2, Some(vec![hash]))
        );
        // The same in version 1 carries no heads.
        let old = quiet.encode_in(Envelope::V1);
        assert_eq!(&old[..3], b"DH\x01");
        let (decoded, envelope) = SyncRequest::decode_enveloped(&old).unwrap();
        assert_eq!(
            (envelope, decoded.docs[0].heads.as_ref()),
            (Envelope::V1, None)
        );
        let reply = SyncResponse {
            seq: 4,
            docs: vec![DocReply {
                doc: "catalog".into(),
                status: 200,
                message: vec![],
                error: None,
                changes: vec![serde_bytes::ByteBuf::from(vec![1, 2, 3])],
            }],
        };
        assert_eq!(SyncResponse::decode(&reply.encode()).unwrap(), reply);
        assert!(
            SyncResponse::decode_any(&reply.encode_in(Envelope::V1))
                .unwrap()
                .docs[0]
                .changes
                .is_empty()
        );
        assert!(SyncResponse::decode(&reply.encode_in(Envelope::V1)).is_err());
        // Heads that are not whole hashes, or a quiet document with a message, are not quiet.
        let mut odd = quiet.docs[0].clone();
        odd.heads = Some(serde_bytes::ByteBuf::from(vec![1; 31]));
        assert_eq!(odd.quiet_heads(), None);
        let mut loud = quiet.docs[0].clone();
        loud.message = vec![1];
        assert_eq!(loud.quiet_heads(), None);
    }
}
