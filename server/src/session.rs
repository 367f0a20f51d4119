//! Signing in and asking who one is: `POST /api/login`, `GET /api/session`.

use app::domain::sku::{ShopId, TierId};
use app::schema::doc_id::DocId;
use std::net::SocketAddr;
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::app_error::AppError;
use crate::auth::{Principal, Role, principal_for_token, sign_in};
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub shops: Vec<ShopSummary>,
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
        token: None,
        username: principal.username.clone(),
        display_name,
        role: principal.role,
        shops,
        docs,
    })
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
    if login.username.is_empty() || login.username.len() > 64 || login.password.len() > 256 {
        return Err(AppError::unauthorized("wrong username or password"));
    }
    let device_name: String = login.device_name.chars().take(80).collect();
    let info = state
        .db
        .run(move |db| -> anyhow::Result<Option<SessionInfo>> {
            let Some((token, _)) = sign_in(
                &db.conn,
                &login.username,
                &login.password,
                &device_name,
                now_ms(),
            )?
            else {
                return Ok(None);
            };
            let principal = principal_for_token(&db.conn, &token)?
                .ok_or_else(|| anyhow::anyhow!("new device vanished"))?;
            let mut info = session_info(&db.conn, &principal)?;
            info.token = Some(token);
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

/// `POST /api/logout`: revokes this device's token.
pub async fn logout(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<serde_json::Value>, AppError> {
    state
        .db
        .run(move |db| {
            db.conn.execute(
                "UPDATE devices SET revoked = 1 WHERE id = ?1",
                params![principal.device_id],
            )
        })
        .await??;
    Ok(Json(serde_json::json!({ "signed_out": true })))
}
