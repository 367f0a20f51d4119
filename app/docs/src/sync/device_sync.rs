//! The device side of sync: holds the device's replicas and their sync states, makes
//! request batches and takes in replies. It never touches the network or storage; the
//! caller sends the bytes and persists what [`DeviceSync::encoded_state`] returns.
//!
//! Every session starts from the persisted state with nothing in flight (a state kept with
//! its in-flight part never converged after a lost message in our fault probe; a reset one
//! always did). A reply whose `seq` is not the outstanding request's is ignored.

use std::collections::{BTreeMap, BTreeSet};

use automerge::Automerge;
use automerge::sync::{Message, State, SyncDoc};

use super::wire::{
    DocMessage, MAX_DOCS_PER_REQUEST, MAX_QUIET_DOCS_PER_REQUEST, SyncRequest, SyncResponse,
};
use crate::schema::doc_id::DocId;
use crate::schema::order_requests_doc::{read_accepts, read_cancels, read_requests, read_returns};
use crate::schema::order_status_doc::{next_volume, read_confirmations};
use domain::order::{CancelRequest, OrderConfirmation, OrderRequest, RequestId};
use domain::returns::ReturnRequest;
use domain::sku::ShopId;

/// Of each shop's order volumes, the newest this many are always kept and are what a
/// sending session covers (where new requests go and are answered).
const NEWEST_VOLUMES: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum DeviceSyncError {
    #[error("the server's message for {doc} could not be read: {detail}")]
    BadMessage { doc: String, detail: String },
}

struct Replica {
    doc: Automerge,
    state: State,
    /// True until the first message of the current session has been made.
    fresh_session: bool,
    /// Sent quiet this session: the server's answer settles it, unless the server
    /// answers with a sync message instead (then the usual exchange goes on).
    quiet: bool,
}

/// What one reply did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Documents whose content changed (save them, refresh the views that show them).
    pub changed: Vec<DocId>,
    /// Documents the server refused, with its status and reason.
    pub refused: Vec<(DocId, u16, String)>,
    /// Documents whose local changes the server refused as changes this device may not
    /// make: they were rolled back to what the server holds (also listed in `changed`).
    pub rolled_back: Vec<DocId>,
    /// False when the reply was stale (not for the outstanding request) and was ignored.
    pub accepted: bool,
}

#[derive(Default)]
pub struct DeviceSync {
    replicas: BTreeMap<DocId, Replica>,
    next_seq: u64,
    outstanding: Option<u64>,
    /// The documents this session covers besides those with changes of this device
    /// (`None`: all).
    scope: Option<std::collections::BTreeSet<DocId>>,
    /// Order volumes [`DeviceSync::prune_volumes`] kept, with the heads of their requests
    /// and status documents then: looked at again only once one of them moved (reading
    /// every answer of every kept volume after each sync was most of a busy shop's work).
    kept: BTreeMap<DocId, (Vec<automerge::ChangeHash>, Vec<automerge::ChangeHash>)>,
}

/// Whether `doc` holds a change the server is not known to hold: a head of it that is not
/// among the heads shared with the server (every change under a shared head is shared,
/// and a head is under no other change). The same answer as asking Automerge for the
/// changes after `shared`, without building them (that was most of what a device spent
/// making a request).
fn holds_unshared(doc: &Automerge, shared: &[automerge::ChangeHash]) -> bool {
    doc.get_heads().iter().any(|head| !shared.contains(head))
}

impl DeviceSync {
    pub fn new() -> DeviceSync {
        DeviceSync::default()
    }

    /// Adds a replica: the saved document (or an empty one) and its persisted sync state.
    pub fn insert(&mut self, id: DocId, doc: Automerge, persisted_state: Option<&[u8]>) {
        let state = persisted_state
            .and_then(|bytes| State::decode(bytes).ok())
            .unwrap_or_default();
        self.replicas.insert(
            id,
            Replica {
                doc,
                state,
                fresh_session: true,
                quiet: false,
            },
        );
    }

    pub fn doc(&self, id: &DocId) -> Option<&Automerge> {
        self.replicas.get(id).map(|r| &r.doc)
    }

    pub fn doc_mut(&mut self, id: &DocId) -> Option<&mut Automerge> {
        self.replicas.get_mut(id).map(|r| &mut r.doc)
    }

    pub fn doc_ids(&self) -> impl Iterator<Item = &DocId> {
        self.replicas.keys()
    }

    /// The sync state to persist for `id`: shared heads only, never in-flight data.
    pub fn encoded_state(&self, id: &DocId) -> Option<Vec<u8>> {
        self.replicas.get(id).map(|r| r.state.encode())
    }

    /// Starts a session (on reconnect, on "sync now", after any failure): every state is
    /// reset to its persisted form and any outstanding request is forgotten.
    pub fn start_session(&mut self) {
        for replica in self.replicas.values_mut() {
            replica.state = State::decode(&replica.state.encode()).unwrap_or_default();
            replica.fresh_session = true;
            replica.quiet = false;
        }
        self.outstanding = None;
        self.scope = None;
    }

    /// Starts a session over the documents `wanted` keeps only (and any document this
    /// device changed, which always goes out): the data saver's background sync of a
    /// manager's phone covers the shop he is working with, not his 200 others.
    pub fn start_session_for(&mut self, wanted: impl Fn(&DocId) -> bool) {
        self.start_session();
        self.scope = Some(
            self.replicas
                .keys()
                .filter(|id| wanted(id))
                .cloned()
                .collect(),
        );
    }

    /// Starts a session over what this device just did (an order placed, a cart line
    /// changed): the documents it changed (they always go out), those that are not order
    /// volumes (catalog, prices, cart, proposal) and each shop's newest two order volumes,
    /// where an order just placed is answered. Older volumes, kept for orders still
    /// underway, wait for the next whole session (the app's every 20 seconds): a shop with
    /// many open orders sends one order without naming all of them. With `only`, a phone
    /// holding several shops' documents (an account manager's, ordering for the shop he
    /// is working with) covers that shop's documents and none of the others'.
    pub fn start_sending_session(&mut self, only: Option<&ShopId>) {
        let volumes = self.volumes_held();
        self.start_session_for(|id| match (id.shop(), id.volume()) {
            (Some(shop), _) if only.is_some_and(|only| only != shop) => false,
            (Some(shop), Some(volume)) => volumes
                .get(shop)
                .is_some_and(|held| held.iter().rev().take(NEWEST_VOLUMES).any(|v| *v == volume)),
            _ => true,
        });
    }

    /// The order volumes held, by shop.
    fn volumes_held(&self) -> BTreeMap<ShopId, BTreeSet<u32>> {
        let mut volumes: BTreeMap<ShopId, BTreeSet<u32>> = BTreeMap::new();
        for id in self.replicas.keys() {
            if let (Some(shop), Some(volume)) = (id.shop(), id.volume()) {
                volumes.entry(shop.clone()).or_default().insert(volume);
            }
        }
        volumes
    }

    /// The next request of the session, or `None` when every document is in sync. A
    /// request carries at most [`MAX_DOCS_PER_REQUEST`] documents, those with changes of
    /// this device's first (a new order goes out in the first request); the rest follow
    /// in the next requests of the session.
    pub fn make_request(&mut self) -> Option<SyncRequest> {
        let unsynced = self.unsynced_docs();
        let mut order: Vec<DocId> = unsynced.clone();
        order.extend(
            self.replicas
                .keys()
                .filter(|id| !unsynced.contains(id))
                .filter(|id| self.scope.as_ref().is_none_or(|scope| scope.contains(id)))
                .cloned(),
        );
        let mut docs = Vec::new();
        // Documents with a sync message or changes (at most MAX_DOCS_PER_REQUEST); quiet
        // ones fill the request up to MAX_QUIET_DOCS_PER_REQUEST.
        let mut loud = 0;
        for id in order {
            if docs.len() == MAX_QUIET_DOCS_PER_REQUEST {
                break;
            }
            let Some(replica) = self.replicas.get_mut(&id) else {
                continue;
            };
            if replica.quiet {
                continue;
            }
            // Nothing of this device's own and nothing it has not shared: the document goes
            // quiet, its heads only, and the server answers with what came after them (or
            // nothing), without a sync message either way.
            let heads = replica.doc.get_heads();
            if replica.fresh_session && !unsynced.contains(&id) && {
                let mut shared = replica.state.shared_heads.clone();
                shared.sort();
                let mut held = heads.clone();
                held.sort();
                shared == held
            } {
                replica.fresh_session = false;
                replica.quiet = true;
                docs.push(DocMessage {
                    doc: id.to_string(),
                    message: Vec::new(),
                    changes: Vec::new(),
                    heads: Some(serde_bytes::ByteBuf::from(super::wire::encode_heads(
                        &heads,
                    ))),
                });
                continue;
            }
            if loud == MAX_DOCS_PER_REQUEST {
                // Full of documents with messages: this one goes in the next request.
                continue;
            }
            let message = replica
                .doc
                .generate_sync_message(&mut replica.state)
                .filter(|message| {
                    // After taking in the server's changes Automerge would send back a bare
                    // acknowledgement of its new heads. The server keeps nothing that needs
                    // it, so skip it: a new order and its confirmation then take one round trip.
                    let bare_ack = message.changes.is_empty()
                        && message.need.is_empty()
                        && replica.state.their_heads.as_ref() == Some(&message.heads);
                    replica.fresh_session || !bare_ack
                });
            let changes = if replica.fresh_session
                && id.is_shop_writable()
                && holds_unshared(&replica.doc, &replica.state.shared_heads)
            {
                // Uncompressed, as the server sends its own: compressing each small change
                // (a deflate set up per change) cost more than the bytes it saved.
                replica
                    .doc
                    .get_changes(&replica.state.shared_heads)
                    .iter()
                    .map(|change| serde_bytes::ByteBuf::from(change.raw_bytes().to_vec()))
                    .collect()
            } else {
                Vec::new()
            };
            replica.fresh_session = false;
            if message.is_none() && changes.is_empty() {
                continue;
            }
            loud += 1;
            docs.push(DocMessage {
                doc: id.to_string(),
                message: message.map(Message::encode).unwrap_or_default(),
                changes,
                heads: None,
            });
        }
        if docs.is_empty() {
            self.outstanding = None;
            return None;
        }
        self.next_seq += 1;
        self.outstanding = Some(self.next_seq);
        Some(SyncRequest {
            seq: self.next_seq,
            docs,
        })
    }

    /// Takes in the server's reply to the outstanding request.
    pub fn receive(&mut self, response: SyncResponse) -> Result<Received, DeviceSyncError> {
        let mut received = Received::default();
        if self.outstanding != Some(response.seq) {
            return Ok(received);
        }
        self.outstanding = None;
        received.accepted = true;
        for reply in response.docs {
            let Ok(id) = DocId::parse(&reply.doc) else {
                continue;
            };
            let Some(replica) = self.replicas.get_mut(&id) else {
                continue;
            };
            if reply.status != 200 {
                let code = reply.error.unwrap_or_default();
                if reply.status == 403 && code != "forbidden" {
                    // The server refused what this device wrote and will keep refusing it:
                    // drop the local changes it does not hold, or the document stays stuck.
                    let shared = replica.state.shared_heads.clone();
                    if let Ok(doc) = replica.doc.fork_at(&shared) {
                        replica.doc = doc;
                        replica.state = State::decode(&replica.state.encode()).unwrap_or_default();
                        replica.fresh_session = true;
                        received.rolled_back.push(id.clone());
                        received.changed.push(id.clone());
                    }
                }
                received.refused.push((id, reply.status, code));
                continue;
            }
            let bad = |detail: String| DeviceSyncError::BadMessage {
                doc: reply.doc.clone(),
                detail,
            };
            if !reply.changes.is_empty() {
                // The answer to a quiet document: the server's changes after its heads.
                // (Each is a change, or the whole document for one that held nothing.)
                let before = replica.doc.get_heads();
                for bytes in &reply.changes {
                    replica
                        .doc
                        .load_incremental(bytes)
                        .map_err(|e| bad(e.to_string()))?;
                }
                // Everything in it came from the server (the document was quiet: nothing of
                // this device's own), so the server holds all of it.
                let heads = replica.doc.get_heads();
                replica.state.shared_heads = heads.clone();
                replica.state.their_heads = Some(heads);
                if replica.doc.get_heads() != before {
                    received.changed.push(id);
                }
                continue;
            }
            if reply.message.is_empty() {
                continue;
            }
            // The server synced a quiet document the usual way: go on with it.
            replica.quiet = false;
            let message = Message::decode(&reply.message).map_err(|e| bad(e.to_string()))?;
            let before = replica.doc.get_heads();
            replica
                .doc
                .receive_sync_message(&mut replica.state, message)
                .map_err(|e| bad(e.to_string()))?;
            if replica.doc.get_heads() != before {
                received.changed.push(id);
            }
        }
        Ok(received)
    }

    /// Documents holding local changes the server has not acknowledged yet.
    pub fn unsynced_docs(&self) -> Vec<DocId> {
        self.replicas
            .iter()
            .filter(|(id, replica)| {
                id.is_shop_writable() && holds_unshared(&replica.doc, &replica.state.shared_heads)
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// True while a request is waiting for its reply.
    pub fn is_waiting(&self) -> bool {
        self.outstanding.is_some()
    }

    /// Follows closed order volumes: when a shop's newest volume held names the volume
    /// after it, adds that volume's two documents (empty until the server's copy arrives,
    /// which the next request of the session asks for). Returns the documents added.
    pub fn follow_volumes(&mut self) -> Vec<DocId> {
        let mut newest: BTreeMap<&ShopId, (u32, &Automerge)> = BTreeMap::new();
        for (id, replica) in &self.replicas {
            if let DocId::OrderStatus(shop, volume) = id {
                newest.insert(shop, (*volume, &replica.doc));
            }
        }
        let next: Vec<(ShopId, u32)> = newest
            .into_iter()
            .filter_map(|(shop, (volume, doc))| {
                next_volume(doc)
                    .filter(|next| *next > volume)
                    .map(|next| (shop.clone(), next))
            })
            .collect();
        let mut added = Vec::new();
        for (shop, volume) in next {
            for id in [
                DocId::OrderRequests(shop.clone(), volume),
                DocId::OrderStatus(shop.clone(), volume),
            ] {
                if !self.replicas.contains_key(&id) {
                    self.insert(id.clone(), Automerge::new(), None);
                    // A session over some documents fetches a volume it learns of.
                    if let Some(scope) = &mut self.scope {
                        scope.insert(id.clone());
                    }
                    added.push(id);
                }
            }
        }
        added
    }

    /// Follows changes of tier: the tier prices documents held become those the shops'
    /// own prices documents name (an admin moved a shop to another tier). Adds the new
    /// ones (empty until the server's copy arrives) and, once every shop's document names
    /// its tier, drops the ones no shop names any more (the server refuses them now).
    /// Returns the documents added and dropped.
    pub fn follow_tiers(&mut self) -> (Vec<DocId>, Vec<DocId>) {
        let mut named = BTreeSet::new();
        let mut every_shop_named = true;
        for (id, replica) in &self.replicas {
            if let DocId::ShopPrices(_) = id {
                match crate::schema::price_doc::read_tier(&replica.doc) {
                    Some(tier) => {
                        named.insert(tier);
                    }
                    None => every_shop_named = false,
                }
            }
        }
        let mut added = Vec::new();
        for tier in &named {
            let id = DocId::TierPrices(tier.clone());
            if !self.replicas.contains_key(&id) {
                self.insert(id.clone(), Automerge::new(), None);
                added.push(id);
            }
        }
        let mut dropped = Vec::new();
        if every_shop_named && !named.is_empty() {
            let unnamed: Vec<DocId> = self
                .replicas
                .keys()
                .filter(|id| matches!(id, DocId::TierPrices(tier) if !named.contains(tier)))
                .cloned()
                .collect();
            for id in unnamed {
                self.replicas.remove(&id);
                dropped.push(id);
            }
        }
        (added, dropped)
    }

    /// Every order request of `shop` this device holds, across its order volumes.
    pub fn requests_of(&self, shop: &ShopId) -> Vec<OrderRequest> {
        self.replicas
            .iter()
            .filter(|(id, _)| matches!(id, DocId::OrderRequests(s, _) if s == shop))
            .flat_map(|(_, replica)| read_requests(&replica.doc))
            .filter_map(|stored| stored.request.ok())
            .collect()
    }

    /// The order volume holding `shop`'s request `id` (where a request to cancel it goes).
    pub fn volume_of(&self, shop: &ShopId, id: &RequestId) -> Option<DocId> {
        self.replicas
            .iter()
            .find(|(doc_id, replica)| {
                matches!(doc_id, DocId::OrderRequests(s, _) if s == shop)
                    && read_requests(&replica.doc)
                        .iter()
                        .any(|stored| stored.key == id.as_str())
            })
            .map(|(doc_id, _)| doc_id.clone())
    }

    /// The requests to cancel `shop`'s orders this device holds, by the order they cancel.
    pub fn cancels_of(&self, shop: &ShopId) -> BTreeMap<RequestId, CancelRequest> {
        self.replicas
            .iter()
            .filter(|(id, _)| matches!(id, DocId::OrderRequests(s, _) if s == shop))
            .flat_map(|(_, replica)| read_cancels(&replica.doc))
            .filter_map(|stored| stored.cancel.ok())
            .map(|cancel| (cancel.cancels.clone(), cancel))
            .collect()
    }

    /// The shop's OKs to held orders this device holds, by the order they accept.
    pub fn accepts_of(&self, shop: &ShopId) -> BTreeMap<RequestId, domain::order::AcceptRequest> {
        self.replicas
            .iter()
            .filter(|(id, _)| matches!(id, DocId::OrderRequests(s, _) if s == shop))
            .flat_map(|(_, replica)| read_accepts(&replica.doc))
            .filter_map(|stored| stored.accept.ok())
            .map(|accept| (accept.accepts.clone(), accept))
            .collect()
    }

    /// The requests to return goods of `shop`'s orders this device holds.
    pub fn returns_of(&self, shop: &ShopId) -> Vec<ReturnRequest> {
        self.replicas
            .iter()
            .filter(|(id, _)| matches!(id, DocId::OrderRequests(s, _) if s == shop))
            .flat_map(|(_, replica)| read_returns(&replica.doc))
            .filter_map(|stored| stored.request.ok())
            .collect()
    }

    /// Every answer to `shop`'s requests this device holds, across its order volumes.
    pub fn confirmations_of(&self, shop: &ShopId) -> BTreeMap<RequestId, OrderConfirmation> {
        self.replicas
            .iter()
            .filter(|(id, _)| matches!(id, DocId::OrderStatus(s, _) if s == shop))
            .flat_map(|(_, replica)| read_confirmations(&replica.doc))
            .collect()
    }

    /// The order volume new requests of `shop` go to: the newest one whose requests
    /// container has arrived from the server.
    pub fn writable_volume(&self, shop: &ShopId) -> Option<DocId> {
        self.replicas
            .iter()
            .rev()
            .find(|(id, replica)| {
                matches!(id, DocId::OrderRequests(s, _) if s == shop)
                    && crate::schema::order_requests_doc::accepts_requests(&replica.doc)
            })
            .map(|(id, _)| id.clone())
    }

    /// Forgets order volumes this device no longer needs: of each shop's volumes, all but
    /// the newest two, except one holding a request the server has not answered, an
    /// order still underway or a change not yet synced (the server's history has the
    /// rest), and one the session did not cover. Returns the documents dropped, to
    /// delete from storage.
    pub fn prune_volumes(&mut self) -> Vec<DocId> {
        let unsynced = self.unsynced_docs();
        let mut dropped = Vec::new();
        for (shop, volumes) in self.volumes_held() {
            for volume in volumes.iter().rev().skip(NEWEST_VOLUMES) {
                let requests = DocId::OrderRequests(shop.clone(), *volume);
                let status = DocId::OrderStatus(shop.clone(), *volume);
                // A volume this session did not cover is judged by the next one that does:
                // its copy may be behind the server's (an order moved on since).
                if self
                    .scope
                    .as_ref()
                    .is_some_and(|scope| !scope.contains(&status))
                {
                    continue;
                }
                let heads = |id: &DocId| self.doc(id).map(Automerge::get_heads).unwrap_or_default();
                let now = (heads(&requests), heads(&status));
                if self.kept.get(&status) == Some(&now) {
                    continue;
                }
                let answers = self
                    .doc(&status)
                    .map(read_confirmations)
                    .unwrap_or_default();
                let answered: BTreeSet<&str> = answers.keys().map(|id| id.as_str()).collect();
                let returns_answered: BTreeSet<&str> = answers
                    .values()
                    .flat_map(|answer| &answer.returns)
                    .map(|r| r.id.as_str())
                    .collect();
                let waiting = self
                    .doc(&requests)
                    .map(read_requests)
                    .unwrap_or_default()
                    .iter()
                    // Cancel requests are answered in their order's status, not their own.
                    .any(|stored| !answered.contains(stored.key.as_str()))
                    || self
                        .doc(&requests)
                        .map(read_returns)
                        .unwrap_or_default()
                        .iter()
                        .any(|stored| !returns_answered.contains(stored.key.as_str()));
                // An order still moving, or with a return still moving, keeps its volume.
                let underway = answers.values().any(|answer| {
                    answer.state.is_underway() || answer.returns.iter().any(|r| !r.state.is_final())
                });
                if unsynced.contains(&requests) {
                    // Not remembered: the server's acknowledgement moves no heads.
                    continue;
                }
                if waiting || underway {
                    // An answer, or an order moving on, changes the status document.
                    self.kept.insert(status, now);
                    continue;
                }
                self.kept.remove(&status);
                for id in [requests, status] {
                    if self.replicas.remove(&id).is_some() {
                        dropped.push(id);
                    }
                }
            }
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::cart_doc::{read_cart, set_quantity};
    use crate::schema::create_document;
    use crate::sync::server_sync::{quiet_changes, receive_doc, reply_doc};
    use crate::sync::wire::DocReply;
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    use domain::sku::{ShopId, Sku};

    /// `holds_unshared` answers what asking Automerge for the changes after the shared
    /// heads answers: nothing shared, all shared, a change of this device's own on top,
    /// and two concurrent branches of which one is shared.
    #[test]
    fn unshared_changes_are_found_from_the_heads_alone() {
        let edit = |doc: &mut Automerge, key: &str| {
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, key, 1_i64).unwrap();
            tx.commit();
        };
        let agrees = |doc: &Automerge, shared: &[automerge::ChangeHash]| {
            let unshared = holds_unshared(doc, shared);
            assert_eq!(unshared, !doc.get_changes(shared).is_empty(), "{shared:?}");
            unshared
        };
        let mut server = Automerge::new();
        edit(&mut server, "a");
        let mut device = server.fork();
        assert!(!agrees(&device, &server.get_heads()));
        edit(&mut device, "b");
        assert!(agrees(&device, &[]));
        assert!(agrees(&device, &server.get_heads()));
        assert!(!agrees(&device, &device.get_heads()));
        // The server moved on meanwhile; the device took the server's change in.
        edit(&mut server, "c");
        device.merge(&mut server.clone()).unwrap();
        assert_eq!(device.get_heads().len(), 2);
        assert!(agrees(&device, &server.get_heads()));
        let mut both = device.get_heads();
        both.sort();
        assert!(!agrees(&device, &both));
    }

    /// Runs one request of `device` against `server` the way the sync endpoint does (a
    /// refused document is dropped and the stored copy used again).
    fn round_trip(device: &mut DeviceSync, server: &mut Automerge, id: &DocId) -> Received {
        let request = device.make_request().expect("something to send");
        let mut replies = Vec::new();
        for message in &request.docs {
            let stored = server.save();
            if let Some(heads) = message.quiet_heads()
                && let Some(changes) = quiet_changes(server, &heads)
            {
                replies.push(DocReply {
                    doc: message.doc.clone(),
                    status: 200,
                    message: Vec::new(),
                    error: None,
                    changes,
                });
                continue;
            }
            let reply = match receive_doc(id, server, None, message, true) {
                Ok(received) => DocReply {
                    doc: message.doc.clone(),
                    status: 200,
                    message: reply_doc(server, received).0,
                    error: None,
                    changes: Vec::new(),
                },
                Err(refusal) => {
                    *server = Automerge::load(&stored).unwrap();
                    DocReply {
                        doc: message.doc.clone(),
                        status: refusal.status(),
                        message: Vec::new(),
                        error: Some(refusal.code().to_owned()),
                        changes: Vec::new(),
                    }
                }
            };
            replies.push(reply);
        }
        device
            .receive(SyncResponse {
                seq: request.seq,
                docs: replies,
            })
            .unwrap()
    }

    #[test]
    fn a_session_with_more_documents_than_a_request_carries_sends_them_in_turns() {
        let edit = |device: &mut DeviceSync, id: &DocId| {
            let mut tx = device.doc_mut(id).unwrap().transaction();
            tx.put(automerge::ROOT, "kind", "cart").unwrap();
            tx.commit();
        };
        let cart = |n: usize| DocId::Cart(ShopId::parse(&format!("s{n}")).unwrap());
        // Quiet documents (held as the server last sent them, here nothing) fill a
        // request up to MAX_QUIET_DOCS_PER_REQUEST; a local change in a document that
        // sorts last goes out first.
        let mut device = DeviceSync::new();
        for n in 0..600 {
            device.insert(cart(n), Automerge::new(), None);
        }
        edit(&mut device, &cart(9));
        device.start_session();
        let first = device.make_request().unwrap();
        assert_eq!(first.docs.len(), MAX_QUIET_DOCS_PER_REQUEST);
        assert_eq!(first.docs[0].doc, cart(9).to_string());
        assert!(first.docs[0].quiet_heads().is_none());
        assert!(first.docs[1..].iter().all(|d| d.quiet_heads().is_some()));
        let second = device.make_request().unwrap();
        assert_eq!(second.docs.len(), 600 - MAX_QUIET_DOCS_PER_REQUEST);
        let sent: BTreeSet<&str> = first
            .docs
            .iter()
            .chain(&second.docs)
            .map(|d| d.doc.as_str())
            .collect();
        assert_eq!(sent.len(), 600, "every document is sent once");
        // Documents with messages: at most MAX_DOCS_PER_REQUEST a request, quiet ones
        // beside them.
        let mut device = DeviceSync::new();
        for n in 0..100 {
            device.insert(cart(n), Automerge::new(), None);
            if n < 70 {
                edit(&mut device, &cart(n));
            }
        }
        device.start_session();
        let first = device.make_request().unwrap();
        let loud = |request: &SyncRequest| {
            request
                .docs
                .iter()
                .filter(|d| d.quiet_heads().is_none())
                .count()
        };
        assert_eq!(loud(&first), MAX_DOCS_PER_REQUEST);
        assert_eq!(first.docs.len(), MAX_DOCS_PER_REQUEST + 30);
        let second = device.make_request().unwrap();
        assert_eq!((loud(&second), second.docs.len()), (6, 6));
        // What the server reads back is what the device sent.
        let bytes = first.encode();
        assert_eq!(SyncRequest::decode(&bytes).unwrap(), first);
    }

    #[test]
    fn a_scoped_session_covers_its_documents_and_whatever_this_device_changed() {
        let mut device = DeviceSync::new();
        for n in 0..10 {
            let shop = ShopId::parse(&format!("s{n}")).unwrap();
            device.insert(DocId::Cart(shop.clone()), Automerge::new(), None);
            device.insert(DocId::ShopPrices(shop), Automerge::new(), None);
        }
        device.insert(DocId::Catalog, Automerge::new(), None);
        // A change in another shop's cart (a manager's edit) still goes out.
        let other = DocId::Cart(ShopId::parse("s7").unwrap());
        let mut tx = device.doc_mut(&other).unwrap().transaction();
        tx.put(automerge::ROOT, "kind", "cart").unwrap();
        tx.commit();
        let active = ShopId::parse("s2").unwrap();
        device.start_session_for(|id| id.shop().is_none_or(|shop| shop == &active));
        let request = device.make_request().unwrap();
        let sent: BTreeSet<&str> = request.docs.iter().map(|d| d.doc.as_str()).collect();
        let expected: BTreeSet<String> = [
            other.to_string(),
            DocId::Catalog.to_string(),
            DocId::Cart(active.clone()).to_string(),
            DocId::ShopPrices(active).to_string(),
        ]
        .into();
        assert_eq!(sent, expected.iter().map(String::as_str).collect());
        // A whole session again covers everything.
        device.start_session();
        assert_eq!(device.make_request().unwrap().docs.len(), 21);
    }

    /// Empty copies of `shop`'s order volumes 0 to `newest`.
    fn hold_volumes(device: &mut DeviceSync, shop: &ShopId, newest: u32) {
        for volume in 0..=newest {
            for id in [
                DocId::OrderRequests(shop.clone(), volume),
                DocId::OrderStatus(shop.clone(), volume),
            ] {
                device.insert(id, Automerge::new(), None);
            }
        }
    }

    #[test]
    fn a_sending_session_names_the_newest_two_volumes_and_what_this_device_changed() {
        let shop = ShopId::parse("s").unwrap();
        let mut device = DeviceSync::new();
        device.insert(DocId::Catalog, Automerge::new(), None);
        device.insert(DocId::Cart(shop.clone()), Automerge::new(), None);
        hold_volumes(&mut device, &shop, 4);
        // An old volume this device wrote to (a cancel of an order still underway).
        let old = DocId::OrderRequests(shop.clone(), 1);
        let mut tx = device.doc_mut(&old).unwrap().transaction();
        tx.put(automerge::ROOT, "kind", "order_requests").unwrap();
        tx.commit();
        let names = |request: &SyncRequest| -> BTreeSet<String> {
            request.docs.iter().map(|d| d.doc.clone()).collect()
        };
        device.start_sending_session(None);
        let request = device.make_request().unwrap();
        let expected: BTreeSet<String> = [
            DocId::Catalog,
            DocId::Cart(shop.clone()),
            old.clone(),
            DocId::OrderRequests(shop.clone(), 3),
            DocId::OrderStatus(shop.clone(), 3),
            DocId::OrderRequests(shop.clone(), 4),
            DocId::OrderStatus(shop.clone(), 4),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(names(&request), expected);
        // A volume the server opens meanwhile is fetched in the same session.
        let newest = DocId::OrderStatus(shop.clone(), 4);
        let mut tx = device.doc_mut(&newest).unwrap().transaction();
        tx.put(automerge::ROOT, "next_volume", 5_i64).unwrap();
        tx.commit();
        assert_eq!(device.follow_volumes().len(), 2);
        device.outstanding = None;
        let request = device.make_request().unwrap();
        assert!(names(&request).contains(&DocId::OrderStatus(shop.clone(), 5).to_string()));
        assert!(!names(&request).contains(&DocId::OrderStatus(shop.clone(), 2).to_string()));
        // A whole session names every volume.
        device.start_session();
        assert_eq!(device.make_request().unwrap().docs.len(), 2 + 2 * 6);
        // A manager's phone ordering for one shop leaves the other shops' documents out
        // (but not what it changed in them).
        let other = ShopId::parse("t").unwrap();
        device.insert(DocId::Cart(other.clone()), Automerge::new(), None);
        device.insert(DocId::OrderStatus(other.clone(), 0), Automerge::new(), None);
        device.start_sending_session(Some(&other));
        let sent = names(&device.make_request().unwrap());
        assert!(sent.contains(&DocId::Cart(other.clone()).to_string()));
        assert!(sent.contains(&DocId::OrderStatus(other, 0).to_string()));
        assert!(sent.contains(&old.to_string()));
        assert!(sent.contains(&DocId::Catalog.to_string()));
        assert!(!sent.contains(&DocId::Cart(shop.clone()).to_string()));
        assert!(!sent.contains(&DocId::OrderStatus(shop, 5).to_string()));
    }

    #[test]
    fn only_a_session_that_covered_a_volume_lets_it_go() {
        let shop = ShopId::parse("s").unwrap();
        let mut device = DeviceSync::new();
        hold_volumes(&mut device, &shop, 3);
        // Volumes 0 and 1 hold nothing underway, as far as this device's copies tell.
        device.start_sending_session(None);
        assert!(device.prune_volumes().is_empty());
        device.start_session();
        let dropped: BTreeSet<DocId> = device.prune_volumes().into_iter().collect();
        let expected: BTreeSet<DocId> = (0..=1)
            .flat_map(|v| {
                [
                    DocId::OrderRequests(shop.clone(), v),
                    DocId::OrderStatus(shop.clone(), v),
                ]
            })
            .collect();
        assert_eq!(dropped, expected);
    }

    #[test]
    fn a_refused_change_is_rolled_back_and_the_document_syncs_again() {
        let id = DocId::Cart(ShopId::parse("s").unwrap());
        let mut server = create_document(&id, automerge::ActorId::random()).unwrap();
        set_quantity(&mut server, &Sku::parse("A").unwrap(), 2, "a").unwrap();
        let mut device = DeviceSync::new();
        device.insert(id.clone(), Automerge::new(), None);
        device.start_session();
        while device.make_request().is_some() {
            device.start_session();
            round_trip(&mut device, &mut server, &id);
            if device.unsynced_docs().is_empty()
                && device.doc(&id).unwrap().get_heads() == server.get_heads()
            {
                break;
            }
        }
        assert_eq!(read_cart(device.doc(&id).unwrap()).len(), 1);

        // A bad edit (a line with a fractional quantity) beside a good one.
        let doc = device.doc_mut(&id).unwrap();
        set_quantity(doc, &Sku::parse("B").unwrap(), 1, "b").unwrap();
        let (_, lines) = doc.get(automerge::ROOT, "lines").unwrap().unwrap();
        let mut tx = doc.transaction();
        let line = tx
            .put_object(&lines, "bad", automerge::ObjType::Map)
            .unwrap();
        tx.put(&line, "sku", "C").unwrap();
        tx.put(&line, "qty", 1.5).unwrap();
        tx.commit();
        device.start_session();
        let received = round_trip(&mut device, &mut server, &id);
        assert_eq!(
            received.refused,
            vec![(id.clone(), 403, "fractional_quantity".to_owned())]
        );
        assert_eq!(received.rolled_back, vec![id.clone()]);
        assert_eq!(device.doc(&id).unwrap().get_heads(), server.get_heads());
        assert!(device.unsynced_docs().is_empty());
        assert_eq!(read_cart(device.doc(&id).unwrap()), read_cart(&server));

        // The document is not stuck: the next edit goes through.
        set_quantity(
            device.doc_mut(&id).unwrap(),
            &Sku::parse("D").unwrap(),
            4,
            "d",
        )
        .unwrap();
        device.start_session();
        let received = round_trip(&mut device, &mut server, &id);
        assert!(received.refused.is_empty());
        assert_eq!(read_cart(&server).len(), 2);
    }

    #[test]
    fn a_change_of_tier_swaps_the_tier_prices_document_held() {
        let shop = ShopId::parse("shop-a").unwrap();
        let silver = domain::sku::TierId::parse("silver").unwrap();
        let gold = domain::sku::TierId::parse("gold").unwrap();
        let actor = automerge::ActorId::random();
        let mut device = DeviceSync::default();
        let own = DocId::ShopPrices(shop.clone());
        let mut own_doc = create_document(&own, actor.clone()).unwrap();
        device.insert(own.clone(), own_doc.clone(), None);
        device.insert(
            DocId::TierPrices(silver.clone()),
            create_document(&DocId::TierPrices(silver.clone()), actor.clone()).unwrap(),
            None,
        );
        // Before the server names the tier, nothing moves.
        assert_eq!(device.follow_tiers(), (Vec::new(), Vec::new()));
        crate::schema::price_doc::write_tier(&mut own_doc, &gold).unwrap();
        device.insert(own.clone(), own_doc, None);
        let (added, dropped) = device.follow_tiers();
        assert_eq!(added, vec![DocId::TierPrices(gold.clone())]);
        assert_eq!(dropped, vec![DocId::TierPrices(silver)]);
        assert!(device.doc(&DocId::TierPrices(gold)).is_some());
        assert_eq!(device.follow_tiers(), (Vec::new(), Vec::new()));
    }
}
