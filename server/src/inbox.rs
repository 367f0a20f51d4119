//! The admin inbox: orders the intake rejected (an unknown or discontinued SKU, nothing
//! orderable, an unreadable request), each with its reason, until an admin marks it
//! handled. A rejection never holds up other orders: the intake answers each request on
//! its own, and the shop sees the rejection and its reason in its order status.
//!
//! `GET /api/admin/inbox` (unhandled; `?all=true` for handled ones too) and
//! `POST /api/admin/inbox/{request_id}/resolve` with `{"note": "..."}`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::db::now_ms;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct InboxItem {
    pub request_id: String,
    pub number: String,
    pub shop: String,
    pub placed_by: String,
    pub received_ms: i64,
    pub reason: String,
    /// When an admin marked it handled, by whom, and their note.
    pub resolved: Option<Resolution>,
}

#[derive(Debug, Serialize)]
pub struct Resolution {
    pub at_ms: i64,
    pub by: String,
    pub note: String,
}

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    pub all: bool,
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> Result<Json<Vec<InboxItem>>, AppError> {
    principal.require(Permission::InboxResolve)?;
    let Query(InboxQuery { all }) =
        query.map_err(|rejection| AppError::bad_request("bad_query", rejection.body_text()))?;
    let items = state
        .db
        .run(move |db| -> anyhow::Result<Vec<InboxItem>> {
            let mut statement = db.conn.prepare_cached(
                "SELECT o.request_id, o.number, o.shop, o.placed_by, o.received_ms,
                        COALESCE((SELECT reason FROM order_events e
                                  WHERE e.request_id = o.request_id AND e.state = 'rejected'
                                  ORDER BY e.id LIMIT 1), ''),
                        r.at_ms, r.actor, r.note
                 FROM orders o LEFT JOIN inbox_resolutions r ON r.request_id = o.request_id
                 WHERE o.state = 'rejected' AND (?1 OR r.request_id IS NULL)
                 ORDER BY o.seq DESC LIMIT 1000",
            )?;
            let rows = statement.query_map([all], |row| {
                let at_ms: Option<i64> = row.get(6)?;
                Ok(InboxItem {
                    request_id: row.get(0)?,
                    number: row.get(1)?,
                    shop: row.get(2)?,
                    placed_by: row.get(3)?,
                    received_ms: row.get(4)?,
                    reason: row.get(5)?,
                    resolved: match at_ms {
                        Some(at_ms) => Some(Resolution {
                            at_ms,
                            by: row.get(7)?,
                            note: row.get(8)?,
                        }),
                        None => None,
                    },
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await??;
    Ok(Json(items))
}

#[derive(Debug, Deserialize)]
pub struct ResolveBody {
    #[serde(default)]
    pub note: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    principal: Principal,
    request_id: Result<Path<String>, PathRejection>,
    body: Result<Json<ResolveBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    principal.require(Permission::InboxResolve)?;
    let Path(request_id) = request_id
        .map_err(|rejection| AppError::bad_request("bad_request_id", rejection.body_text()))?;
    let Json(body) =
        body.map_err(|rejection| AppError::bad_request("malformed_body", rejection.body_text()))?;
    let note: String = body.note.chars().take(1000).collect();
    let actor = principal.username.clone();
    let id = request_id.clone();
    let found = state
        .db
        .run(move |db| -> anyhow::Result<bool> {
            let rejected: Option<String> = db
                .conn
                .query_row(
                    "SELECT request_id FROM orders WHERE request_id = ?1 AND state = 'rejected'",
                    [&id],
                    |row| row.get(0),
                )
                .optional()?;
            if rejected.is_none() {
                return Ok(false);
            }
            db.conn.execute(
                "INSERT INTO inbox_resolutions (request_id, at_ms, actor, note) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(request_id) DO UPDATE SET at_ms = excluded.at_ms, actor = excluded.actor, note = excluded.note",
                params![id, now_ms(), actor, note],
            )?;
            Ok(true)
        })
        .await??;
    if !found {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "not_in_inbox",
            format!("no rejected order {request_id}"),
        ));
    }
    Ok(Json(serde_json::json!({ "resolved": request_id })))
}
