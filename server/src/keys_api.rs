//! API keys for other systems (issue 14, point 2), made and revoked by admins:
//! `GET`/`POST /api/admin/api-keys`, `PATCH` (its rules) and `DELETE /api/admin/api-keys/{id}`. A key is shown
//! once, when made; only its SHA-256 is kept. Making and revoking one is in the audit log.

use api::keys::{ApiKeyCreated, ApiKeyList, NewApiKey, SCOPES};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::app_error::AppError;
use crate::auth::{self, Principal};
use crate::state::AppState;
use crate::store::api_keys;
use crate::store::audit::{self, Change};

/// `?before=<id>&limit=`: a page of keys, newest first.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The cursor: keys older than this one (the `next` of the previous page).
    pub before: Option<i64>,
    /// At most this many (1–500, 100 if absent).
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/admin/api-keys", tag = "keys", params(ListQuery),
    responses(
        (status = 200, description = "Keys newest first, revoked ones too (never the key itself)", body = ApiKeyList),
        (status = "4XX", description = "Refused (admins only)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ApiKeyList>, AppError> {
    principal.require_admin("manage API keys")?;
    let axum::extract::Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let before = query.before.unwrap_or(i64::MAX);
    let keys = state
        .store
        .read(move |tx| api_keys::list(tx, before, limit))
        .await?;
    let next = (keys.len() == limit)
        .then(|| keys.last().map(|k| k.id))
        .flatten();
    Ok(Json(ApiKeyList { keys, next }))
}

#[utoipa::path(post, path = "/admin/api-keys", tag = "keys",
    request_body = NewApiKey,
    responses(
        (status = 201, description = "Made; the key, shown this once", body = ApiKeyCreated),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<NewApiKey>, JsonRejection>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), AppError> {
    principal.require_admin("manage API keys")?;
    let Json(mut new) =
        body.map_err(|r| AppError::rejected("malformed_key", r.status(), r.body_text()))?;
    new.name = new.name.trim().to_owned();
    if new.name.is_empty() {
        return Err(AppError::invalid("name", "required"));
    }
    if new.name.chars().count() > 64 {
        return Err(AppError::invalid("name", "too_long"));
    }
    new.scopes.sort();
    new.scopes.dedup();
    if new.scopes.is_empty() {
        return Err(AppError::invalid("scopes", "required"));
    }
    if new.scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return Err(AppError::invalid("scopes", "unknown"));
    }
    if new
        .expires_in_days
        .is_some_and(|days| days == 0 || days > api::keys::MAX_EXPIRY_DAYS)
    {
        return Err(AppError::invalid("expires_in_days", "out_of_range"));
    }
    let (key, hash) = auth::new_key()?;
    let prefix: String = key.chars().take(auth::KEY_PREFIX.len() + 6).collect();
    let who = principal.username.clone();
    let row = state
        .store
        .write(move |tx| {
            let row = api_keys::create(
                tx,
                (&new.name, &new.scopes, new.review, new.own_prices),
                new.expires_in_days
                    .map(|days| tx.now_ms + i64::from(days) * 24 * 60 * 60 * 1000),
                (&prefix, &hash),
                &who,
            )?;
            let object = row.id.to_string();
            let change = Change {
                kind: "api_key",
                object: &object,
                action: "create",
            };
            audit::record(tx, tx.now_ms, &who, change, None::<&()>, Some(&row))?;
            Ok::<_, AppError>(row)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(ApiKeyCreated { key, row })))
}

#[utoipa::path(delete, path = "/admin/api-keys/{id}", tag = "keys",
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Revoked (at once)", body = api::keys::ApiKeyRow),
        (status = "4XX", description = "Refused or no such key", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<api::keys::ApiKeyRow>, AppError> {
    principal.require_admin("manage API keys")?;
    let missing = || AppError::client(StatusCode::NOT_FOUND, "unknown_api_key", "no such key");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let who = principal.username.clone();
    state
        .store
        .write(move |tx| {
            let Some((row, revoked)) = api_keys::revoke(tx, id)? else {
                return Ok(None);
            };
            if !revoked {
                return Ok(Some(row));
            }
            let object = row.id.to_string();
            let change = Change {
                kind: "api_key",
                object: &object,
                action: "delete",
            };
            audit::record(tx, tx.now_ms, &who, change, None::<&()>, Some(&row))?;
            Ok::<_, AppError>(Some(row))
        })
        .await?
        .map(Json)
        .ok_or_else(missing)
}

/// `PATCH /api/admin/api-keys/{id}`: the channel's rules (review, own prices), audited.
#[utoipa::path(patch, path = "/admin/api-keys/{id}", tag = "keys",
    params(("id" = i64, Path)),
    request_body = api::keys::ApiKeyChange,
    responses(
        (status = 200, description = "The key's rules after the change", body = api::keys::ApiKeyRow),
        (status = "4XX", description = "Refused or no such key", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn change(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Json<api::keys::ApiKeyChange>, JsonRejection>,
) -> Result<Json<api::keys::ApiKeyRow>, AppError> {
    principal.require_admin("manage API keys")?;
    let missing = || AppError::client(StatusCode::NOT_FOUND, "unknown_api_key", "no such key");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let Json(change) =
        body.map_err(|r| AppError::rejected("malformed_key", r.status(), r.body_text()))?;
    let who = principal.username.clone();
    state
        .store
        .write(move |tx| {
            // A revoked key is gone for good: nothing about it changes any more.
            let Some(before) = api_keys::by_id(tx, id)?.filter(|k| k.revoked_ms.is_none()) else {
                return Ok(None);
            };
            let after = api_keys::set_rules(tx, id, (change.review, change.own_prices))?;
            if let Some(after) = &after
                && *after != before
            {
                let object = id.to_string();
                let change = Change {
                    kind: "api_key",
                    object: &object,
                    action: "update",
                };
                audit::record(tx, tx.now_ms, &who, change, Some(&before), Some(after))?;
            }
            Ok::<_, AppError>(after)
        })
        .await?
        .map(Json)
        .ok_or_else(missing)
}
