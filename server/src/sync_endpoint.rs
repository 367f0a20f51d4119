//! `POST /api/sync`: one batch of per-document sync messages in, one batch of replies out.
//! Each document is authorized on its own (403/404 for that document, nothing of it
//! applied); orders that arrive are taken in; everything commits before the reply.

use automerge::ChangeHash;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::{keys_written_since, read_entries_at};
use docs::schema::order_status_doc::put_confirmations;
use docs::schema::price_doc::{write_account, write_profile};
use docs::sync::server_sync::{Received, quiet_changes, receive_doc, reply_doc};
use docs::sync::wire::MAX_BODY_BYTES;
use docs::sync::wire::{DocMessage, DocReply, SyncRequest, SyncResponse, WireError, encode_heads};

use crate::access::{Access, access};
use crate::app_error::AppError;
use crate::auth::{Principal, Role};
use crate::order_intake::{
    draft, open_next_volume, take_in_accepts, take_in_cancels, take_in_orders, take_in_returns,
    volume_full,
};
use crate::state::AppState;
use crate::store::catalog::CatalogCache;
use crate::store::documents::{self, DocCache, LoadedDoc};
use crate::store::{Tx, accounts, catalog, sync_states};

/// How many bytes of sync bodies are read and decoded at once, across all requests: a
/// burst of large bodies waits here instead of growing the server's memory (40 bodies of
/// 8 MiB at once took it from 100 to 214 MiB, which the allocator kept).
pub const SYNC_BODY_BUDGET_MIB: u32 = 32;

/// Batches whose work was thrown away and done again from the start: prepared on a
/// snapshot the writer found stale (a document they read was written meanwhile), or, on
/// PostgreSQL, beaten to a row by another transaction.
static REDONE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many batches this process did again from the start (see [`REDONE`]): tests check
/// that they raced.
pub fn batches_redone() -> u64 {
    REDONE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The share of [`SYNC_BODY_BUDGET_MIB`] a body takes: its announced length in whole MiB
/// (a small body takes none), or the most a body may be when it announces none.
fn body_permits(headers: &HeaderMap) -> u32 {
    let most = u32::try_from(MAX_BODY_BYTES.div_ceil(1 << 20)).unwrap_or(u32::MAX);
    match headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(length) if length < 1 << 20 => 0,
        Some(length) => u32::try_from(length.div_ceil(1 << 20)).map_or(most, |n| n.min(most)),
        None => most,
    }
}

pub async fn sync(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    // Documents are for devices: an API key never reaches a shop's.
    principal.require_device()?;
    let permits = body_permits(&headers);
    let _budget = if permits > 0 {
        Some(
            state
                .sync_bodies
                .clone()
                .acquire_many_owned(permits)
                .await
                .map_err(|_| {
                    AppError::client(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "busy",
                        "the server is stopping",
                    )
                })?,
        )
    } else {
        None
    };
    let body: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|error| {
            let too_large = error.into_inner().is::<http_body_util::LengthLimitError>();
            if too_large {
                AppError::client(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("a sync body is at most {MAX_BODY_BYTES} bytes"),
                )
            } else {
                AppError::bad_request("unreadable_body", "the body could not be read")
            }
        })?;
    let (request, envelope) =
        SyncRequest::decode_enveloped(&body).map_err(|error| match error {
            WireError::TooLarge(_) => AppError::client(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                error.to_string(),
            ),
            WireError::UnknownVersion(_) => {
                AppError::bad_request("unsupported_version", error.to_string())
            }
            WireError::TrailingBytes(_) => {
                AppError::bad_request("trailing_bytes", error.to_string())
            }
            _ => AppError::bad_request("malformed_sync_body", error.to_string()),
        })?;
    // The documents are received, checked and answered on a read snapshot, in parallel
    // with other batches; the writer then only checks that none of them moved since and
    // writes (or, when one did, does it all again itself).
    let request = std::sync::Arc::new(request);
    let context = std::sync::Arc::new(Context {
        store: state.store.clone(),
        catalog: state.catalog.clone(),
        principal,
        actor: state.actor.clone(),
        volume_bytes: state.order_volume_bytes,
    });
    let prepared = {
        let (context, request) = (context.clone(), request.clone());
        state
            .preparing
            .run(move || {
                context
                    .store
                    .read_blocking(|tx| prepare(tx, &context, &request))
            })
            .await
            .and_then(|prepared| prepared)
    };
    let mut prepared = prepared.unwrap_or_else(|error| {
        // The writer does it again and meets the same error, if it is one.
        tracing::debug!(%error, "a batch could not be prepared on a snapshot");
        None
    });
    let mut attempted = false;
    let response = state
        .store
        .write(move |tx| {
            let retried = std::mem::replace(&mut attempted, true);
            match prepared.take() {
                Some(prepared) if still_current(tx, &prepared)? => finish(tx, &context, prepared),
                stale => {
                    if retried || stale.is_some() {
                        REDONE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    process_batch(tx, &context, &request)
                }
            }
        })
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/octet-stream")],
        response.encode_in(envelope),
    )
        .into_response())
}

enum Slot {
    /// Refused, or answered already.
    Answered(DocReply),
    /// A quiet document (the device's heads only): answered once the batch is done, with
    /// the changes after those heads, without loading it when they are the stored heads.
    Quiet {
        id: DocId,
        /// `id` as the device named it (hundreds of these a batch: written once).
        name: String,
        heads: Vec<automerge::ChangeHash>,
        /// The stored document has exactly these heads.
        unchanged: bool,
        stored_state: Option<Vec<u8>>,
    },
    Taken {
        id: DocId,
        loaded: Box<LoadedDoc>,
        received: Received,
        /// The heads the document had before this batch.
        before: Vec<automerge::ChangeHash>,
        /// The device's sync state as stored before this batch (not written again when
        /// the batch leaves it as it was: most documents of most syncs).
        stored_state: Option<Vec<u8>>,
    },
}

fn refused(doc: String, status: u16, code: &str) -> Slot {
    Slot::Answered(DocReply {
        doc,
        status,
        message: Vec::new(),
        error: Some(code.to_owned()),
        changes: Vec::new(),
    })
}

/// The copy of `id` this batch writes to: the one a device sent a message for, or one
/// loaded beside them (saved with the batch).
fn writable<'a>(
    slots: &'a mut [Slot],
    extra: &'a mut Vec<(DocId, LoadedDoc)>,
    cache: &DocCache,
    tx: &mut Tx<'_>,
    id: &DocId,
) -> anyhow::Result<&'a mut automerge::Automerge> {
    load_ahead(slots, extra, cache, tx, id)?;
    if let Some(Slot::Taken { loaded, .. }) = slots
        .iter_mut()
        .find(|slot| matches!(slot, Slot::Taken { id: taken, .. } if taken == id))
    {
        return Ok(&mut loaded.doc);
    }
    extra
        .iter_mut()
        .find(|(extra_id, _)| extra_id == id)
        .map(|(_, loaded)| &mut loaded.doc)
        .ok_or_else(|| anyhow::anyhow!("{id} is missing"))
}

/// Loads `id` among the batch's documents ahead of [`writable`], which then finds it
/// there; nothing when the batch holds it already or it is not stored.
fn load_ahead(
    slots: &[Slot],
    extra: &mut Vec<(DocId, LoadedDoc)>,
    cache: &DocCache,
    tx: &mut Tx<'_>,
    id: &DocId,
) -> anyhow::Result<()> {
    let held = slots
        .iter()
        .any(|slot| matches!(slot, Slot::Taken { id: taken, .. } if taken == id))
        || extra.iter().any(|(extra_id, _)| extra_id == id);
    if !held && let Some(loaded) = documents::load(tx, cache, id)? {
        extra.push((id.clone(), loaded));
    }
    Ok(())
}

/// What a batch is processed with besides its request, shared by its part on a snapshot
/// and its part in the writer.
struct Context {
    store: crate::store::Store,
    catalog: std::sync::Arc<CatalogCache>,
    principal: Principal,
    actor: automerge::ActorId,
    volume_bytes: i64,
}

/// Starts `id`, which is not stored: a shop's proposal document, which shops from before
/// proposals existed do not have yet, is made on first use by one of the shop's own
/// devices or its manager's
/// (`tiers` holds the principal's shops).
fn start_missing(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    actor: &automerge::ActorId,
    id: &DocId,
    tiers: &std::collections::BTreeMap<domain::sku::ShopId, Option<domain::sku::TierId>>,
) -> anyhow::Result<Option<LoadedDoc>> {
    match id {
        DocId::Proposal(shop) if matches!(tiers.get(shop), Some(Some(_))) => {
            let doc = docs::schema::create_document(id, actor.clone())?;
            documents::create(tx, id, doc)?;
            documents::load(tx, cache, id)
        }
        _ => Ok(None),
    }
}

/// A write a batch owes the database: worked out on a snapshot, made by the writer.
enum Owed {
    /// The device's new sync state for a document (only when it moved: most documents of
    /// most syncs leave it as it was).
    State { doc: String, state: Vec<u8> },
    /// A document to save (when it changed) and hand back to the cache.
    Doc { id: DocId, loaded: Box<LoadedDoc> },
}

/// `state` for `doc`, owed when it differs from the one `stored`.
fn owe_state(owed: &mut Vec<Owed>, doc: &str, stored: Option<Vec<u8>>, state: Vec<u8>) {
    if stored.as_ref() != Some(&state) {
        owed.push(Owed::State {
            doc: doc.to_owned(),
            state,
        });
    }
}

fn pay(
    tx: &mut Tx<'_>,
    device: i64,
    owed: Vec<Owed>,
    extra: Vec<(DocId, LoadedDoc)>,
) -> anyhow::Result<()> {
    let mut docs = Vec::new();
    for owed in owed {
        match owed {
            Owed::State { doc, state } => sync_states::put(tx, device, &doc, state)?,
            Owed::Doc { id, loaded } => docs.push((id, *loaded)),
        }
    }
    docs.extend(extra);
    documents::put_back_all(tx, docs)
}

/// The reply to a document of the batch: its sync message, owing its sync state (when it
/// moved) and the document itself; to a quiet one, the changes after its heads (from the
/// copy the batch changed, if it did).
fn answer(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    slot: Slot,
    extra: &mut [(DocId, LoadedDoc)],
    owed: &mut Vec<Owed>,
) -> anyhow::Result<DocReply> {
    let reply = |name: String, message: Vec<u8>, changes| DocReply {
        doc: name,
        status: 200,
        message,
        error: None,
        changes,
    };
    match slot {
        Slot::Answered(reply) => Ok(reply),
        Slot::Taken {
            id,
            loaded,
            received,
            stored_state,
            ..
        } => {
            let (message, state) = reply_doc(&loaded.doc, received);
            let name = id.to_string();
            owe_state(owed, &name, stored_state, state);
            owed.push(Owed::Doc { id, loaded });
            Ok(reply(name, message, Vec::new()))
        }
        Slot::Quiet {
            id,
            name,
            heads,
            unchanged,
            stored_state,
        } => {
            let changed_here = extra.iter_mut().find(|(extra_id, _)| *extra_id == id);
            if changed_here.is_none() && unchanged {
                return Ok(reply(name, Vec::new(), Vec::new()));
            }
            let mut own = None;
            let doc = match changed_here {
                Some((_, loaded)) => &mut loaded.doc,
                None => {
                    let loaded = own.insert(
                        documents::load(tx, cache, &id)?
                            .ok_or_else(|| anyhow::anyhow!("{id} is missing"))?,
                    );
                    &mut loaded.doc
                }
            };
            let answer = match quiet_changes(doc, &heads) {
                Some(changes) => reply(name, Vec::new(), changes),
                None => {
                    // Heads this server does not hold: the usual exchange, from its state.
                    let none = DocMessage {
                        doc: name.clone(),
                        message: Vec::new(),
                        changes: Vec::new(),
                        heads: None,
                    };
                    let received = receive_doc(&id, doc, stored_state.as_deref(), &none, false)
                        .map_err(|refusal| anyhow::anyhow!("{refusal}"))?;
                    let (message, state) = reply_doc(doc, received);
                    owe_state(owed, &name, stored_state, state);
                    reply(name, message, Vec::new())
                }
            };
            if let Some(loaded) = own {
                // Unchanged: back to the cache.
                owed.push(Owed::Doc {
                    id,
                    loaded: Box::new(loaded),
                });
            }
            Ok(answer)
        }
    }
}

/// A batch with its documents received and checked, and those the intake cannot change
/// answered: what is left is writing.
struct Prepared {
    /// The request's sequence number (echoed in the response).
    seq: u64,
    slots: Vec<Slot>,
    /// Writes owed for the documents answered already.
    owed: Vec<Owed>,
    /// Proposals sent or answered (recorded for the accuracy report).
    proposals: Vec<docs::schema::proposal_doc::HeldProposal>,
    /// Order requests, cancels, returns and OKs that arrived, per shop and order volume.
    arrived: Vec<(
        domain::sku::ShopId,
        u32,
        docs::schema::order_requests_doc::Entries,
        // Its one new order priced on the snapshot, if it has one.
        Option<crate::order_intake::Draft>,
    )>,
}

impl Prepared {
    /// Every stored document the batch read, with the version it read.
    fn versions(&self) -> impl Iterator<Item = (&DocId, i64)> {
        let slots = self.slots.iter().filter_map(|slot| match slot {
            Slot::Taken { id, loaded, .. } => Some((id, loaded.version)),
            _ => None,
        });
        let owed = self.owed.iter().filter_map(|owed| match owed {
            Owed::Doc { id, loaded } => Some((id, loaded.version)),
            Owed::State { .. } => None,
        });
        slots.chain(owed)
    }
}

/// True when no document `prepared` read has been written since (its work stands).
fn still_current(tx: &mut Tx<'_>, prepared: &Prepared) -> anyhow::Result<bool> {
    let (names, versions): (Vec<String>, Vec<i64>) = prepared
        .versions()
        .map(|(id, version)| (id.to_string(), version))
        .unzip();
    let stored = documents::stored(tx, &names)?;
    Ok(names.iter().zip(versions).all(|(name, version)| {
        stored
            .get(name)
            .is_some_and(|stored| stored.version() == version)
    }))
}

/// Receives the batch's documents (each authorized on its own), reads what arrived in
/// order documents, and answers every document the intake cannot change. On a read-only
/// snapshot nothing is written (`None` when the batch must create a document: the writer
/// does it all then).
fn prepare(
    tx: &mut Tx<'_>,
    context: &Context,
    request: &SyncRequest,
) -> anyhow::Result<Option<Prepared>> {
    let (cache, principal, actor) = (context.store.docs(), &context.principal, &context.actor);
    let mut slots = Vec::with_capacity(request.docs.len());
    let mut seen = std::collections::HashSet::new();
    let tiers = catalog::tiers_of(tx, &principal.shops)?;
    // Each name read once: the document, its name as stored, and for a quiet one whether
    // the server holds it at the device's heads (nothing to send back).
    let parsed: Vec<Option<(DocId, String)>> = request
        .docs
        .iter()
        .map(|message| {
            DocId::parse(&message.doc).ok().map(|id| {
                let name = id.to_string();
                (id, name)
            })
        })
        .collect();
    let names: Vec<String> = parsed
        .iter()
        .flatten()
        .map(|(_, name)| name.clone())
        .collect();
    // What is stored of the documents named, and this device's sync states, in two
    // statements rather than two per document; only the states the batch may use: a
    // quiet document the server holds at the device's heads needs none (a device's
    // open orders are mostly that).
    let stored = documents::stored(tx, &names)?;
    let quiet: Vec<Option<(Vec<ChangeHash>, bool)>> = request
        .docs
        .iter()
        .zip(&parsed)
        .map(|(message, parsed)| {
            let stored = stored.get(&parsed.as_ref()?.1)?;
            let heads = message.quiet_heads()?;
            let unchanged = stored.has_heads(&encode_heads(&heads));
            Some((heads, unchanged))
        })
        .collect();
    let wanted: Vec<String> = parsed
        .iter()
        .zip(&quiet)
        .filter(|(_, quiet)| !matches!(quiet, Some((_, true))))
        .filter_map(|(parsed, _)| parsed.as_ref().map(|(_, name)| name.clone()))
        .collect();
    let mut states = sync_states::get_many(tx, principal.device_id, &wanted)?;
    for ((message, parsed), quiet) in request.docs.iter().zip(parsed).zip(quiet) {
        let Some((id, name)) = parsed else {
            slots.push(refused(
                message.doc.chars().take(80).collect(),
                404,
                "unknown_document",
            ));
            continue;
        };
        if !seen.insert(id.clone()) {
            slots.push(refused(message.doc.clone(), 400, "duplicate_document"));
            continue;
        }
        let allowed = access(principal, &id, |shop| tiers.get(shop).cloned().flatten());
        if allowed == Access::None {
            slots.push(refused(message.doc.clone(), 403, "forbidden"));
            continue;
        }
        if let Some((heads, unchanged)) = quiet {
            slots.push(Slot::Quiet {
                unchanged,
                id,
                stored_state: states.remove(&name),
                name,
                heads,
            });
            continue;
        }
        let loaded = match stored.get(&name) {
            Some(stored) => Some(documents::load_stored(tx, cache, &id, stored.clone())?),
            None if tx.is_read_only() => return Ok(None),
            None => start_missing(tx, cache, actor, &id, &tiers)?,
        };
        let Some(mut loaded) = loaded else {
            slots.push(refused(message.doc.clone(), 404, "unknown_document"));
            continue;
        };
        let state = states.remove(&name);
        let before = loaded.doc.get_heads();
        match receive_doc(
            &id,
            &mut loaded.doc,
            state.as_deref(),
            message,
            allowed == Access::ReadWrite,
        ) {
            Ok(received) => slots.push(Slot::Taken {
                id,
                loaded: Box::new(loaded),
                received,
                before,
                stored_state: state,
            }),
            Err(refusal) => {
                tracing::warn!(doc = %id, device = principal.device_id, user = %principal.username, reason = %refusal, "refused a document");
                // `loaded` may hold the refused changes: it is dropped, never saved or cached.
                drop(loaded);
                slots.push(refused(
                    message.doc.clone(),
                    refusal.status(),
                    refusal.code(),
                ));
            }
        }
    }

    let proposals = slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Taken {
                id: DocId::Proposal(_),
                received,
                loaded,
                ..
            } if received.changed => Some(docs::schema::proposal_doc::read_proposals(&loaded.doc)),
            _ => None,
        })
        .flatten()
        .collect();
    let arrived = slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Taken {
                id: DocId::OrderRequests(shop, volume),
                received,
                loaded,
                before,
                ..
            } if received.changed => {
                let keys = keys_written_since(&loaded.doc, before);
                let entries = read_entries_at(&loaded.doc, &keys);
                Some((shop.clone(), *volume, entries))
            }
            _ => None,
        })
        .map(|(shop, volume, entries)| {
            // Priced here on a snapshot, outside SQLite's one writer (which checks it still
            // stands). Nothing to gain in the writer itself, nor on PostgreSQL, where
            // pricing reads run side by side in each batch's own transaction before it
            // locks stock and the order counter (measured: drafting there only added
            // statements, 160-174 against 172-180 orders/s, p99 520-565 against 415-447 ms).
            let draft = if tx.is_read_only() && tx.writes_one_at_a_time() {
                draft(tx, &context.catalog, &shop, &entries.requests, tx.now_ms)?
            } else {
                None
            };
            Ok((shop, volume, entries, draft))
        })
        .collect::<anyhow::Result<_>>()?;
    // Every document the rest of the batch cannot change (all but order statuses and
    // prices) is answered now: in the writer that is before the intake locks stock rows
    // and the order counter (PostgreSQL holds those locks until the commit, so what is
    // left after them is what other batches wait for), and on a snapshot it is outside
    // the writer altogether.
    let mut owed = Vec::new();
    for slot in &mut slots {
        if matches!(slot, Slot::Taken { id, .. } | Slot::Quiet { id, .. } if !matches!(id, DocId::OrderStatus(..) | DocId::ShopPrices(_)))
        {
            let taken = std::mem::replace(slot, refused(String::new(), 0, ""));
            *slot = Slot::Answered(answer(tx, cache, taken, &mut [], &mut owed)?);
        }
    }
    Ok(Some(Prepared {
        seq: request.seq,
        slots,
        owed,
        proposals,
        arrived,
    }))
}

/// The batch in the writer from the start: received, then written.
fn process_batch(
    tx: &mut Tx<'_>,
    context: &Context,
    request: &SyncRequest,
) -> anyhow::Result<SyncResponse> {
    let prepared = prepare(tx, context, request)?
        .ok_or_else(|| anyhow::anyhow!("a writable batch was not prepared"))?;
    finish(tx, context, prepared)
}

/// Writes a prepared batch: what it owes, the orders, cancels, returns and OKs that
/// arrived (answered in their shops' status documents), and the replies.
fn finish(tx: &mut Tx<'_>, context: &Context, prepared: Prepared) -> anyhow::Result<SyncResponse> {
    let Context {
        store,
        catalog: catalog_cache,
        principal,
        actor,
        volume_bytes,
    } = context;
    let (cache, volume_bytes) = (store.docs(), *volume_bytes);
    let Prepared {
        seq,
        mut slots,
        owed,
        proposals,
        arrived,
    } = prepared;
    let now = tx.now_ms;
    // Here rather than last: after the intake below has locked stock rows and the order
    // counter, every statement is one other orders wait for on PostgreSQL.
    accounts::touch_device(tx, principal.device_id, now)?;
    if !proposals.is_empty() {
        crate::store::forecasts::record_proposals(tx, &proposals, &principal.username)?;
    }
    pay(tx, principal.device_id, owed, Vec::new())?;
    let mut extra: Vec<(DocId, LoadedDoc)> = Vec::new();
    let mut follow_ups = Vec::new();
    for (shop, volume, entries, draft) in arrived {
        let requests = entries.requests;
        if !entries.cancels.is_empty() || !entries.returns.is_empty() || !entries.accepts.is_empty()
        {
            follow_ups.push((
                shop.clone(),
                entries.cancels,
                entries.returns,
                entries.accepts,
            ));
        }
        if requests.is_empty() {
            continue;
        }
        // Read before the intake locks stock and the order counter (see `volume_full`):
        // whether this volume is full, and the shop's prices document, whose balances
        // the intake moves (points with most orders).
        let full = volume_full(tx, &shop, volume, volume_bytes)?;
        load_ahead(
            &slots,
            &mut extra,
            cache,
            tx,
            &DocId::ShopPrices(shop.clone()),
        )?;
        let status_doc = writable(
            &mut slots,
            &mut extra,
            cache,
            tx,
            &DocId::OrderStatus(shop.clone(), volume),
        )?;
        status_doc.set_actor(actor.clone());
        let intake = take_in_orders(
            tx,
            catalog_cache,
            &shop,
            volume,
            requests,
            status_doc,
            principal.device_id,
            match principal.role {
                Role::Manager => "manager",
                _ => "storefront",
            },
            draft,
            now,
        )?;
        if intake.answered > 0 && full {
            open_next_volume(tx, &shop, volume, status_doc, actor)?;
        }
        tracing::debug!(shop = %shop, orders = intake.answered, "took in orders");
        if let Some(profile) = intake.profile {
            // Points and prepaid balance moved: the shop's prices document shows them.
            let prices_doc = writable(
                &mut slots,
                &mut extra,
                cache,
                tx,
                &DocId::ShopPrices(shop.clone()),
            )?;
            prices_doc.set_actor(actor.clone());
            write_profile(prices_doc, &profile)?;
            if let Some(account) = &intake.account {
                write_account(prices_doc, account)?;
            }
        }
    }

    // Cancel and return requests and OKs, after the orders of the same batch were taken in
    // (an OK first: a device that accepted an order and then cancelled it meant the cancel).
    for (shop, cancels, returns, accepts) in follow_ups {
        let mut applied_all = take_in_accepts(tx, &shop, accepts, now)?;
        applied_all.extend(take_in_cancels(tx, &shop, cancels, now)?);
        applied_all.extend(take_in_returns(tx, &shop, returns, now)?);
        for applied in applied_all {
            let status_doc = writable(
                &mut slots,
                &mut extra,
                cache,
                tx,
                &DocId::OrderStatus(applied.shop.clone(), applied.volume),
            )?;
            status_doc.set_actor(actor.clone());
            put_confirmations(status_doc, std::slice::from_ref(&applied.order))?;
            if let Some(profile) = &applied.profile {
                let prices_doc = writable(
                    &mut slots,
                    &mut extra,
                    cache,
                    tx,
                    &DocId::ShopPrices(applied.shop.clone()),
                )?;
                prices_doc.set_actor(actor.clone());
                write_profile(prices_doc, profile)?;
                if let Some(account) = &applied.account {
                    write_account(prices_doc, account)?;
                }
            }
        }
    }

    // Replies, after everything the batch caused has been written.
    let mut replies = Vec::with_capacity(slots.len());
    let mut owed = Vec::new();
    for slot in slots {
        replies.push(answer(tx, cache, slot, &mut extra, &mut owed)?);
    }
    pay(tx, principal.device_id, owed, extra)?;
    Ok(SyncResponse { seq, docs: replies })
}
