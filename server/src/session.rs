//! Signing in and out, refreshing tokens, asking who one is, and a user's devices:
//! `POST /api/login`, `POST /api/refresh`, `POST /api/logout`, `GET /api/session`,
//! `GET /api/devices`, `POST /api/devices/{id}/revoke`.

use app::domain::sku::{ShopId, TierId};
use app::schema::doc_id::DocId;
use std::net::SocketAddr;
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::app_error::AppError;
use crate::auth::{
    Issue, Permission, Principal, Role, TokenPair, principal_for_token, refresh as refresh_tokens,
    revoke_device, sign_in,
};
use crate::db::now_ms;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub device_name: String,
}

#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq)]
pub struct ShopSummary {
    pub id: ShopId,
    pub name: String,
    pub tier: TierId,
}

#[derive(Debug, Serialize)]
pub struct SessionInfo {
    /// The new device's tokens, at sign-in only.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenPair>,
    pub device_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub shops: Vec<ShopSummary>,
    /// A staff member's permissions.
    pub permissions: Vec<Permission>,
    /// The documents this device keeps and syncs.
    pub docs: Vec<DocId>,
}

fn session_info(conn: &Connection, principal: &Principal) -> anyhow::Result<SessionInfo> {
    let display_name: String = conn.query_row(
        "SELECT display_name FROM users WHERE id = ?1",
        [principal.user_id],
        |row| row.get(0),
    )?;
    let mut shops = Vec::new();
    for shop in &principal.shops {
        let (name, tier): (String, String) = conn.query_row(
            "SELECT name, tier FROM shops WHERE id = ?1",
            [shop.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        shops.push(ShopSummary {
            id: shop.clone(),
            name,
            tier: TierId::parse(&tier)?,
        });
    }
    let mut docs = vec![DocId::Catalog];
    for shop in &shops {
        for doc in DocId::for_shop(&shop.id, &shop.tier) {
            if !docs.contains(&doc) {
                docs.push(doc);
            }
        }
    }
    Ok(SessionInfo {
        tokens: None,
        device_id: principal.device_id,
        username: principal.username.clone(),
        display_name,
        role: principal.role,
        shops,
        permissions: principal.permissions.clone(),
        docs,
    })
}

/// What is checked before any password is hashed: sizes within bounds (a wrong answer
/// looks the same as a wrong password).
pub fn check_login(login: &LoginRequest) -> Result<(), AppError> {
    if login.username.is_empty() || login.username.len() > 64 || login.password.len() > 256 {
        return Err(AppError::unauthorized("wrong username or password"));
    }
    Ok(())
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(login) =
        body.map_err(|rejection| AppError::bad_request("malformed_login", rejection.body_text()))?;
    if let Err(wait) = state
        .login_limiter
        .attempt(&login.username, peer.ip(), Instant::now())
    {
        let seconds = wait.as_secs().max(1);
        let error = AppError::client(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many sign-in attempts; try again in {seconds} s"),
        );
        return Ok(([(header::RETRY_AFTER, seconds.to_string())], error).into_response());
    }
    check_login(&login)?;
    let device_name: String = login.device_name.chars().take(80).collect();
    let access_ttl_ms = state.access_ttl_ms;
    let info = state
        .db
        .run(move |db| -> anyhow::Result<Option<SessionInfo>> {
            let now = now_ms();
            let at = Issue {
                now_ms: now,
                access_ttl_ms,
            };
            let Some((tokens, _)) =
                sign_in(&db.conn, &login.username, &login.password, &device_name, at)?
            else {
                return Ok(None);
            };
            let principal = principal_for_token(&db.conn, &tokens.token, now)?
                .map_err(|refusal| anyhow::anyhow!("a new token was refused: {refusal:?}"))?;
            let mut info = session_info(&db.conn, &principal)?;
            info.tokens = Some(tokens);
            Ok(Some(info))
        })
        .await??;
    info.map(|info| Json(info).into_response())
        .ok_or_else(|| AppError::unauthorized("wrong username or password"))
}

pub async fn session(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<SessionInfo>, AppError> {
    Ok(Json(
        state
            .db
            .run(move |db| session_info(&db.conn, &principal))
            .await??,
    ))
}

/// `POST /api/logout`: revokes this device.
pub async fn logout(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<serde_json::Value>, AppError> {
    state
        .db
        .run(move |db| revoke_device(&db.conn, principal.device_id))
        .await??;
    Ok(Json(serde_json::json!({ "signed_out": true })))
}

#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// `POST /api/refresh`: spends a refresh token for a new pair.
pub async fn refresh(
    State(state): State<AppState>,
    body: Result<Json<RefreshRequest>, JsonRejection>,
) -> Result<Json<TokenPair>, AppError> {
    let Json(request) = body
        .map_err(|rejection| AppError::bad_request("malformed_refresh", rejection.body_text()))?;
    if request.refresh_token.len() != 64 {
        return Err(AppError::unauthorized("the refresh token is malformed"));
    }
    let at = Issue {
        now_ms: now_ms(),
        access_ttl_ms: state.access_ttl_ms,
    };
    let outcome = state
        .db
        .run(move |db| -> anyhow::Result<_> {
            let tx = db.conn.transaction()?;
            let outcome = refresh_tokens(&tx, &request.refresh_token, at)?;
            tx.commit()?;
            Ok(outcome)
        })
        .await??;
    outcome.map(Json).map_err(|refusal| refusal.into_error())
}

#[derive(Debug, Serialize)]
pub struct DeviceInfo {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub last_seen_ms: i64,
    pub revoked: bool,
    /// True for the device asking.
    pub current: bool,
}

/// `GET /api/devices`: the devices the user has signed in on, newest first.
pub async fn devices(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<DeviceInfo>>, AppError> {
    let devices = state
        .db
        .run(move |db| -> anyhow::Result<Vec<DeviceInfo>> {
            let mut statement = db.conn.prepare_cached(
                "SELECT id, name, created_ms, last_seen_ms, revoked FROM devices
                 WHERE user_id = ?1 ORDER BY id DESC",
            )?;
            let rows = statement.query_map([principal.user_id], |row| {
                let id: i64 = row.get(0)?;
                Ok(DeviceInfo {
                    id,
                    name: row.get(1)?,
                    created_ms: row.get(2)?,
                    last_seen_ms: row.get(3)?,
                    revoked: row.get(4)?,
                    current: id == principal.device_id,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await??;
    Ok(Json(devices))
}

/// `POST /api/devices/{id}/revoke`: signs one of the user's devices out for good.
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    device: Result<axum::extract::Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let axum::extract::Path(device) = device
        .map_err(|rejection| AppError::bad_request("bad_device_id", rejection.body_text()))?;
    let revoked = state
        .db
        .run(move |db| -> anyhow::Result<bool> {
            let owner: Option<i64> = db
                .conn
                .query_row(
                    "SELECT user_id FROM devices WHERE id = ?1",
                    [device],
                    |row| row.get(0),
                )
                .optional()?;
            if owner != Some(principal.user_id) {
                return Ok(false);
            }
            revoke_device(&db.conn, device)?;
            Ok(true)
        })
        .await??;
    if !revoked {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_device",
            "no such device of yours",
        ));
    }
    Ok(Json(serde_json::json!({ "revoked": device })))
}
