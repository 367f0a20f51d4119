//! `POST /api/sync`: one batch of per-document sync messages in, one batch of replies out.
//! Each document is authorized on its own (403/404 for that document, nothing of it
//! applied); orders that arrive are taken in; everything commits before the reply.

use app::schema::doc_id::DocId;
use app::schema::price_doc::write_profile;
use app::sync::server_sync::{Received, receive_doc, reply_doc};
use app::sync::wire::{DocReply, SyncRequest, SyncResponse, WireError};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::access::{Access, access};
use crate::app_error::AppError;
use crate::auth::Principal;
use crate::db::{Db, now_ms};
use crate::doc_store::LoadedDoc;
use crate::order_intake::{take_in_orders, tier_of};
use crate::state::AppState;

pub async fn sync(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Response, AppError> {
    let request = SyncRequest::decode(&body).map_err(|error| match error {
        WireError::TooLarge(_) => AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            error.to_string(),
        ),
        _ => AppError::bad_request("malformed_sync_body", error.to_string()),
    })?;
    let actor = state.actor.clone();
    let response = state
        .db
        .run(move |db| process_batch(db, &principal, request, &actor))
        .await??;
    Ok((
        [(header::CONTENT_TYPE, "application/octet-stream")],
        response.encode(),
    )
        .into_response())
}

enum Slot {
    Refused(DocReply),
    Taken {
        id: DocId,
        loaded: Box<LoadedDoc>,
        received: Received,
    },
}

fn refused(doc: String, status: u16, code: &str) -> Slot {
    Slot::Refused(DocReply {
        doc,
        status,
        message: Vec::new(),
        error: Some(code.to_owned()),
    })
}

/// The copy of `id` this batch writes to: the one a device sent a message for, or one
/// loaded beside them (saved with the batch).
fn writable<'a>(
    slots: &'a mut [Slot],
    extra: &'a mut Vec<(DocId, LoadedDoc)>,
    docs: &mut crate::doc_store::DocCache,
    tx: &rusqlite::Connection,
    id: &DocId,
) -> anyhow::Result<&'a mut automerge::Automerge> {
    let in_batch = slots
        .iter()
        .position(|slot| matches!(slot, Slot::Taken { id: taken, .. } if taken == id));
    if let Some(index) = in_batch
        && let Slot::Taken { loaded, .. } = &mut slots[index]
    {
        return Ok(&mut loaded.doc);
    }
    let index = match extra.iter().position(|(extra_id, _)| extra_id == id) {
        Some(index) => index,
        None => {
            let loaded = docs
                .load(tx, id)?
                .ok_or_else(|| anyhow::anyhow!("{id} is missing"))?;
            extra.push((id.clone(), loaded));
            extra.len() - 1
        }
    };
    Ok(&mut extra[index].1.doc)
}

fn process_batch(
    db: &mut Db,
    principal: &Principal,
    request: SyncRequest,
    actor: &automerge::ActorId,
) -> anyhow::Result<SyncResponse> {
    let Db { conn, docs } = db;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = now_ms();
    let mut slots = Vec::with_capacity(request.docs.len());
    let mut seen = std::collections::HashSet::new();
    for message in &request.docs {
        let Ok(id) = DocId::parse(&message.doc) else {
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
        let allowed = access(principal, &id, |shop| tier_of(&tx, shop).ok().flatten());
        if allowed == Access::None {
            slots.push(refused(message.doc.clone(), 403, "forbidden"));
            continue;
        }
        let Some(mut loaded) = docs.load(&tx, &id)? else {
            slots.push(refused(message.doc.clone(), 404, "unknown_document"));
            continue;
        };
        let state: Option<Vec<u8>> = tx
            .query_row(
                "SELECT state FROM sync_states WHERE device = ?1 AND doc = ?2",
                params![principal.device_id, message.doc],
                |row| row.get(0),
            )
            .optional()?;
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
            }),
            Err(refusal) => {
                tracing::warn!(doc = %id, device = principal.device_id, user = %principal.username, reason = %refusal, "refused a document");
                let version = loaded.version;
                docs.keep(id, version, loaded.doc);
                slots.push(refused(
                    message.doc.clone(),
                    refusal.status(),
                    refusal.code(),
                ));
            }
        }
    }

    // Orders that arrived: answer them in the status document of their shop.
    let mut extra: Vec<(DocId, LoadedDoc)> = Vec::new();
    let arrived: Vec<_> = slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Taken {
                id: DocId::OrderRequests(shop),
                received,
                ..
            } if received.changed => Some(shop.clone()),
            _ => None,
        })
        .collect();
    for shop in arrived {
        let orders_doc = slots
            .iter()
            .find_map(|slot| match slot {
                Slot::Taken {
                    id: DocId::OrderRequests(s),
                    loaded,
                    ..
                } if *s == shop => Some(loaded.doc.clone()),
                _ => None,
            })
            .ok_or_else(|| anyhow::anyhow!("orders document vanished"))?;
        let status_doc = writable(
            &mut slots,
            &mut extra,
            docs,
            &tx,
            &DocId::OrderStatus(shop.clone()),
        )?;
        status_doc.set_actor(actor.clone());
        let intake = take_in_orders(
            &tx,
            &shop,
            &orders_doc,
            status_doc,
            principal.device_id,
            now,
        )?;
        tracing::info!(shop = %shop, orders = intake.answered, "took in orders");
        if let Some(profile) = intake.profile {
            // Points and prepaid balance moved: the shop's prices document shows them.
            let prices_doc = writable(
                &mut slots,
                &mut extra,
                docs,
                &tx,
                &DocId::ShopPrices(shop.clone()),
            )?;
            prices_doc.set_actor(actor.clone());
            write_profile(prices_doc, &profile)?;
        }
    }

    // Replies, after everything the batch caused has been written.
    let mut replies = Vec::with_capacity(slots.len());
    let mut to_keep = Vec::new();
    for slot in slots {
        match slot {
            Slot::Refused(reply) => replies.push(reply),
            Slot::Taken {
                id,
                loaded,
                received,
            } => {
                let before_version = loaded.version;
                let (message, state) = reply_doc(&loaded.doc, received);
                tx.execute(
                    "INSERT INTO sync_states (device, doc, state) VALUES (?1, ?2, ?3)
                     ON CONFLICT(device, doc) DO UPDATE SET state = excluded.state",
                    params![principal.device_id, id.to_string(), state],
                )?;
                let version = if loaded.is_changed() {
                    docs.save(&tx, &id, &loaded)?
                } else {
                    before_version
                };
                replies.push(DocReply {
                    doc: id.to_string(),
                    status: 200,
                    message,
                    error: None,
                });
                to_keep.push((id, version, loaded.doc));
            }
        }
    }
    for (id, loaded) in extra {
        let version = docs.save(&tx, &id, &loaded)?;
        to_keep.push((id, version, loaded.doc));
    }
    tx.execute(
        "UPDATE devices SET last_seen_ms = ?1 WHERE id = ?2",
        params![now, principal.device_id],
    )?;
    tx.commit()?;
    for (id, version, doc) in to_keep {
        docs.keep(id, version, doc);
    }
    Ok(SyncResponse {
        seq: request.seq,
        docs: replies,
    })
}
