//! Signing in and out, refreshing tokens, asking who one is, and a user's devices:
//! `POST /api/login`, `POST /api/refresh`, `POST /api/logout`, `GET /api/session`,
//! `GET /api/devices`, `POST /api/devices/{id}/revoke`.

use docs::schema::doc_id::DocId;
use domain::sku::{ShopId, TierId};
use std::net::SocketAddr;
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::app_error::AppError;
use crate::auth::{
    Issue, Permission, Principal, Role, TokenPair, issue_tokens, principal_for_token,
    refresh as refresh_tokens, verify_password, with_hash_permit,
};
use crate::state::AppState;
use crate::store::{Tx, accounts, catalog, orders};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub device_name: String,
}

#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct ShopSummary {
    pub id: ShopId,
    pub name: String,
    pub tier: TierId,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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
    #[schema(value_type = Vec<String>)]
    pub docs: Vec<DocId>,
}

fn session_info(tx: &mut Tx<'_>, principal: &Principal) -> anyhow::Result<SessionInfo> {
    let display_name = accounts::display_name(tx, principal.user_id)?;
    let mut shops = Vec::new();
    for shop in &principal.shops {
        let (name, tier) =
            catalog::shop_summary(tx, shop)?.ok_or_else(|| anyhow::anyhow!("{shop} is missing"))?;
        shops.push(ShopSummary {
            id: shop.clone(),
            name,
            tier,
        });
    }
    let mut docs = vec![DocId::Catalog];
    for shop in &shops {
        let volumes = orders::volumes_to_keep(tx, &shop.id)?;
        for doc in DocId::for_shop(&shop.id, &shop.tier, &volumes) {
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

/// Signs a person in on a device: the device's tokens and what the user may see. Limited to
/// a few attempts a minute per name and address (429 with `Retry-After`).
#[utoipa::path(post, path = "/login", tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = SessionInfo),
        (status = "4XX", description = "Wrong username or password, too many attempts", body = crate::openapi::ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(login) = body.map_err(|rejection| {
        AppError::rejected("malformed_login", rejection.status(), rejection.body_text())
    })?;
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
    // The stored hash is read, then checked with no database connection or lock held.
    let username = login.username.clone();
    let user = state
        .store
        .read(move |tx| accounts::password_of(tx, &username))
        .await?;
    let password = login.password;
    let stored = user.as_ref().map(|(_, hash)| hash.clone());
    let verified = with_hash_permit(&state.hashing, move || {
        verify_password(&password, stored.as_deref())
    })
    .await?;
    let Some((user_id, _)) = user.filter(|_| verified) else {
        return Err(AppError::unauthorized("wrong username or password"));
    };
    let device_name: String = login.device_name.chars().take(80).collect();
    let access_ttl_ms = state.access_ttl_ms;
    let info = state
        .store
        .write(move |tx| -> anyhow::Result<SessionInfo> {
            let at = Issue {
                now_ms: tx.now_ms,
                access_ttl_ms,
            };
            let device = accounts::create_device(tx, user_id, &device_name, at.now_ms)?;
            let tokens = issue_tokens(tx, device, None, at)?;
            let principal = principal_for_token(tx, &tokens.token, at.now_ms)?
                .map_err(|refusal| anyhow::anyhow!("a new token was refused: {refusal:?}"))?;
            let mut info = session_info(tx, &principal)?;
            info.tokens = Some(tokens);
            Ok(info)
        })
        .await?;
    Ok(Json(info).into_response())
}

pub async fn session(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<SessionInfo>, AppError> {
    principal.require_device()?;
    Ok(Json(
        state
            .store
            .read(move |tx| session_info(tx, &principal))
            .await?,
    ))
}

/// `POST /api/logout`: revokes this device.
pub async fn logout(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<serde_json::Value>, AppError> {
    principal.require_device()?;
    let device = principal.device_id;
    state
        .store
        .write(move |tx| accounts::revoke_device(tx, device))
        .await?;
    Ok(Json(serde_json::json!({ "signed_out": true })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    /// The refresh token of the last pair (each is spent once).
    pub refresh_token: String,
}

/// `POST /api/refresh`: spends a refresh token for a new pair.
#[utoipa::path(post, path = "/refresh", tag = "session",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access token and refresh token", body = crate::auth::TokenPair),
        (status = "4XX", description = "Unknown, spent or expired refresh token", body = crate::openapi::ErrorBody),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    body: Result<Json<RefreshRequest>, JsonRejection>,
) -> Result<Json<TokenPair>, AppError> {
    let Json(request) = body.map_err(|rejection| {
        AppError::rejected(
            "malformed_refresh",
            rejection.status(),
            rejection.body_text(),
        )
    })?;
    if request.refresh_token.len() != 64 {
        return Err(AppError::unauthorized("the refresh token is malformed"));
    }
    let access_ttl_ms = state.access_ttl_ms;
    let outcome = state
        .store
        .write(move |tx| {
            let at = Issue {
                now_ms: tx.now_ms,
                access_ttl_ms,
            };
            refresh_tokens(tx, &request.refresh_token, at)
        })
        .await?;
    outcome.map(Json).map_err(|refusal| refusal.into_error())
}

#[derive(Debug, Serialize)]
pub struct DeviceInfo {
    #[serde(flatten)]
    pub device: accounts::DeviceRow,
    /// True for the device asking.
    pub current: bool,
}

/// `GET /api/devices`: the devices the user has signed in on, newest first.
pub async fn devices(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<DeviceInfo>>, AppError> {
    principal.require_device()?;
    let user = principal.user_id;
    let devices = state
        .store
        .read(move |tx| accounts::devices_of(tx, user))
        .await?;
    Ok(Json(
        devices
            .into_iter()
            .map(|device| DeviceInfo {
                current: device.id == principal.device_id,
                device,
            })
            .collect(),
    ))
}

/// `POST /api/devices/{id}/revoke`: signs one of the user's devices out for good.
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    device: Result<axum::extract::Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    principal.require_device()?;
    let axum::extract::Path(device) = device.map_err(|rejection| {
        AppError::rejected("bad_device_id", rejection.status(), rejection.body_text())
    })?;
    let user = principal.user_id;
    let revoked = state
        .store
        .write(move |tx| -> Result<bool, crate::store::StoreError> {
            if accounts::device_owner(tx, device)? != Some(user) {
                return Ok(false);
            }
            accounts::revoke_device(tx, device)?;
            Ok(true)
        })
        .await?;
    if !revoked {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_device",
            "no such device of yours",
        ));
    }
    Ok(Json(serde_json::json!({ "revoked": device })))
}
