//! The server side of sync for one document: applies what a device sent (if the device
//! may write this document), and answers with what the device lacks. Pure: the caller
//! loads the document and the (device, document) sync state and stores the results.

use automerge::Automerge;
use automerge::sync::{Message, State, SyncDoc};

use super::wire::DocMessage;
use crate::schema::doc_id::DocId;
use crate::schema::validate::{Violation, validate_changes_since};

/// Why one document of a batch was refused; nothing of it was applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocRefusal {
    #[error("read_only_document")]
    ReadOnly,
    #[error("bad_sync_message: {0}")]
    BadMessage(String),
    /// A change the device may not make, such as a negative quantity or another shop's order.
    #[error(transparent)]
    Invalid(#[from] Violation),
}

impl DocRefusal {
    pub fn status(&self) -> u16 {
        match self {
            DocRefusal::ReadOnly | DocRefusal::Invalid(_) => 403,
            DocRefusal::BadMessage(_) => 400,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            DocRefusal::ReadOnly => "read_only_document",
            DocRefusal::BadMessage(_) => "bad_sync_message",
            DocRefusal::Invalid(violation) => violation.code,
        }
    }
}

/// A document whose incoming message has been taken in; [`reply_doc`] answers it once
/// everything the batch caused (such as order confirmations) has been written.
#[derive(Debug)]
pub struct Received {
    state: State,
    /// True when the document took new changes (store it).
    pub changed: bool,
}

fn load_changes(
    doc: &mut Automerge,
    incoming: &DocMessage,
    message: Option<&Message>,
) -> Result<(), DocRefusal> {
    let bad = |e: automerge::AutomergeError| DocRefusal::BadMessage(e.to_string());
    if !incoming.changes.is_empty() {
        let changes = incoming
            .changes
            .iter()
            .map(|bytes| automerge::Change::from_bytes(bytes.to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DocRefusal::BadMessage(e.to_string()))?;
        doc.apply_changes(changes).map_err(bad)?;
    }
    if let Some(message) = message {
        for chunk in message.changes.iter() {
            doc.load_incremental(chunk).map_err(bad)?;
        }
    }
    Ok(())
}

/// Takes in one document of a batch: a document the device may not write is refused if
/// the incoming changes would change it, and every new operation is checked against what a
/// device may do in document `id` ([`validate_changes_since`]). The changes are applied to
/// `doc` itself (a fork would copy the whole document on every write): after a refusal,
/// `doc` may hold what was refused, and the caller must drop it and load the stored copy.
pub fn receive_doc(
    id: &DocId,
    doc: &mut Automerge,
    persisted_state: Option<&[u8]>,
    incoming: &DocMessage,
    may_write: bool,
) -> Result<Received, DocRefusal> {
    let message = if incoming.message.is_empty() {
        None
    } else {
        Some(
            Message::decode(&incoming.message)
                .map_err(|e| DocRefusal::BadMessage(e.to_string()))?,
        )
    };
    let carries_changes =
        !incoming.changes.is_empty() || message.as_ref().is_some_and(|m| !m.changes.is_empty());
    let before = doc.get_heads();
    if carries_changes {
        load_changes(doc, incoming, message.as_ref())?;
        if doc.get_heads() != before {
            if !may_write {
                return Err(DocRefusal::ReadOnly);
            }
            validate_changes_since(id, doc, &before)?;
        }
    }
    let mut state = persisted_state
        .and_then(|bytes| State::decode(bytes).ok())
        .unwrap_or_default();
    if let Some(message) = message {
        doc.receive_sync_message(&mut state, message)
            .map_err(|e| DocRefusal::BadMessage(e.to_string()))?;
    }
    Ok(Received {
        state,
        changed: doc.get_heads() != before,
    })
}

/// Answers a received document: the reply message (empty when there is nothing to say)
/// and the sync state to keep for this (device, document).
pub fn reply_doc(doc: &Automerge, received: Received) -> (Vec<u8>, Vec<u8>) {
    let mut state = received.state;
    let reply = doc
        .generate_sync_message(&mut state)
        .map(Message::encode)
        .unwrap_or_default();
    (reply, state.encode())
}

/// The answer to a quiet document (`DocMessage::quiet_heads`): the changes after the heads
/// the device holds, one encoded change each (none when it holds what `doc` holds; the
/// whole saved document when it holds nothing), for `load_incremental`; or
/// `None` when `doc` does not hold one of those heads (then it is synced the usual way).
pub fn quiet_changes(
    doc: &Automerge,
    heads: &[automerge::ChangeHash],
) -> Option<Vec<serde_bytes::ByteBuf>> {
    use automerge::ReadDoc;
    // A head the document does not hold. `get_missing_deps` is a lookup and names nothing
    // when every head is held and nothing is queued (changes waiting for a dependency);
    // only otherwise is each head looked for with `get_change_by_hash`, which rebuilds and
    // hashes the change (~5 % of the server's work per order when it ran for every head).
    let held = doc.get_missing_deps(heads).is_empty()
        || heads
            .iter()
            .all(|hash| doc.get_change_by_hash(hash).is_some());
    if !held {
        return None;
    }
    if heads.is_empty() && !doc.get_heads().is_empty() {
        // The device holds nothing of it: the whole document, compressed, is smaller than
        // every change one by one (a first sync).
        return Some(vec![serde_bytes::ByteBuf::from(doc.save())]);
    }
    Some(
        doc.get_changes(heads)
            .into_iter()
            .map(|change| serde_bytes::ByteBuf::from(change.raw_bytes().to_vec()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, Automerge, ChangeHash, ROOT, ReadDoc};

    use super::quiet_changes;

    fn put(doc: &mut Automerge, key: &str) -> ChangeHash {
        let mut tx = doc.transaction();
        tx.put(ROOT, key, 1_i64).expect("put");
        tx.commit().0.expect("a change")
    }

    #[test]
    fn a_quiet_document_gets_what_follows_its_heads_nothing_at_them_and_none_past_them() {
        let mut doc = Automerge::new().with_actor(ActorId::from(b"server".as_slice()));
        let first = put(&mut doc, "a");
        let second = put(&mut doc, "b");
        let after_first = quiet_changes(&doc, &[first]).expect("holds the head");
        assert_eq!(after_first.len(), 1);
        assert_eq!(quiet_changes(&doc, &[second]), Some(Vec::new()));
        // The whole document to a device holding nothing.
        let whole = quiet_changes(&doc, &[]).expect("an answer");
        assert_eq!(whole.len(), 1);
        assert_eq!(
            Automerge::load(&whole[0]).expect("loads").get_heads(),
            vec![second]
        );
        // A head it does not hold: synced the usual way.
        let mut other = Automerge::new();
        let unknown = put(&mut other, "c");
        assert_eq!(quiet_changes(&doc, &[unknown]), None);
        assert_eq!(quiet_changes(&doc, &[second, unknown]), None);
        // A change waiting for one it depends on (queued) changes nothing of that: the
        // heads it holds are answered, those it lacks are not.
        let mut ahead = doc.fork();
        let missing = put(&mut ahead, "d");
        let waiting = put(&mut ahead, "e");
        let change = |hash| ahead.get_change_by_hash(&hash).expect("a change");
        doc.apply_changes([change(waiting)]).expect("queued");
        assert_eq!(doc.get_missing_deps(&[]), vec![missing]);
        assert_eq!(quiet_changes(&doc, &[first]).map(|c| c.len()), Some(1));
        assert_eq!(quiet_changes(&doc, &[second]), Some(Vec::new()));
        assert_eq!(quiet_changes(&doc, &[waiting]), None);
    }
}
