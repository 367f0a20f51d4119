//! Webhook endpoints, managed by admins (issue 14, point 4): `GET`/`POST
//! /api/admin/webhooks`, `PATCH`/`DELETE /api/admin/webhooks/{id}`, its deliveries with
//! their attempts (`GET /api/admin/webhooks/{id}/deliveries?before=&limit=`), resending one
//! (`POST …/deliveries/{delivery}/resend`) and a test event (`POST …/{id}/ping`). The
//! signing secret is shown once, when the endpoint is made. Changes are in the audit log.

use api::webhooks::{
    DeliveryPage, EVENTS, Endpoint, EndpointChange, EndpointCreated, EndpointList, NewEndpoint,
};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::Tx;
use crate::store::audit::{self, Change};
use crate::store::webhooks as outbox;

/// At most this many endpoints (deleted ones do not count).
const MAX_ENDPOINTS: usize = 20;
const WHAT: &str = "manage webhooks";

fn unknown() -> AppError {
    AppError::client(
        StatusCode::NOT_FOUND,
        "unknown_webhook",
        "no such webhook endpoint",
    )
}

fn id_of(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| unknown())
}

/// The subscribed types, sorted, each one known; at least one.
fn checked_events(mut events: Vec<String>) -> Result<Vec<String>, AppError> {
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(AppError::invalid("events", "required"));
    }
    if events.iter().any(|e| !EVENTS.contains(&e.as_str())) {
        return Err(AppError::invalid("events", "unknown"));
    }
    Ok(events)
}

fn audited(
    tx: &mut Tx<'_>,
    who: &str,
    (action, before): (&'static str, Option<&Endpoint>),
    after: &Endpoint,
) -> Result<(), AppError> {
    let object = after.id.to_string();
    let change = Change {
        kind: "webhook",
        object: &object,
        action,
    };
    audit::record(tx, tx.now_ms, who, change, before, Some(after))?;
    Ok(())
}

#[utoipa::path(get, path = "/admin/webhooks", tag = "webhooks",
    responses(
        (status = 200, description = "Every endpoint, in one answer: there are at most 20 (never their secrets)", body = EndpointList),
        (status = "4XX", description = "Refused (admins only)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<EndpointList>, AppError> {
    principal.require_admin(WHAT)?;
    let endpoints = state.store.read(outbox::endpoints).await?;
    Ok(Json(EndpointList { endpoints }))
}

#[utoipa::path(post, path = "/admin/webhooks", tag = "webhooks",
    request_body = NewEndpoint,
    responses(
        (status = 201, description = "Subscribed; the signing secret, shown this once", body = EndpointCreated),
        (status = "4XX", description = "Refused (not HTTPS, unknown event, too many endpoints …)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<NewEndpoint>, JsonRejection>,
) -> Result<(StatusCode, Json<EndpointCreated>), AppError> {
    principal.require_admin(WHAT)?;
    let Json(new) =
        body.map_err(|r| AppError::rejected("malformed_webhook", r.status(), r.body_text()))?;
    let url = new.url.trim().to_owned();
    if url.len() > 2000 {
        return Err(AppError::invalid("url", "too_long"));
    }
    crate::webhooks::check_url(&url).map_err(|why| AppError::invalid("url", why))?;
    let description = new.description.trim().to_owned();
    if description.chars().count() > 200 {
        return Err(AppError::invalid("description", "too_long"));
    }
    let events = checked_events(new.events)?;
    let secret = crate::webhooks::new_secret()?;
    let who = principal.username.clone();
    let signing = secret.clone();
    let endpoint = state
        .store
        .write(move |tx| {
            if outbox::endpoints(tx)?.len() >= MAX_ENDPOINTS {
                return Err(AppError::client(
                    StatusCode::CONFLICT,
                    "too_many_webhooks",
                    format!("at most {MAX_ENDPOINTS} webhook endpoints"),
                ));
            }
            let endpoint =
                outbox::create_endpoint(tx, (&url, &description, &events), &signing, &who)?;
            audited(tx, &who, ("create", None), &endpoint)?;
            Ok(endpoint)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EndpointCreated { secret, endpoint }),
    ))
}

#[utoipa::path(patch, path = "/admin/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path)),
    request_body = EndpointChange,
    responses(
        (status = 200, description = "The endpoint after the change", body = Endpoint),
        (status = "4XX", description = "Refused or no such endpoint", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn change(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Json<EndpointChange>, JsonRejection>,
) -> Result<Json<Endpoint>, AppError> {
    principal.require_admin(WHAT)?;
    let id = id_of(&id)?;
    let Json(change) =
        body.map_err(|r| AppError::rejected("malformed_webhook", r.status(), r.body_text()))?;
    let events = change.events.map(checked_events).transpose()?;
    let who = principal.username.clone();
    let endpoint = state
        .store
        .write(move |tx| {
            let before = outbox::endpoint(tx, id)?.ok_or_else(unknown)?;
            if let Some(events) = &events {
                outbox::set_events(tx, id, events)?;
            }
            if let Some(enabled) = change.enabled {
                outbox::set_enabled(tx, id, enabled)?;
            }
            let after = outbox::endpoint(tx, id)?.ok_or_else(unknown)?;
            if after != before {
                audited(tx, &who, ("update", Some(&before)), &after)?;
            }
            Ok::<_, AppError>(after)
        })
        .await?;
    Ok(Json(endpoint))
}

#[utoipa::path(delete, path = "/admin/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Deleted; its waiting deliveries dropped"),
        (status = "4XX", description = "Refused or no such endpoint", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    principal.require_admin(WHAT)?;
    let id = id_of(&id)?;
    let who = principal.username.clone();
    state
        .store
        .write(move |tx| {
            let before = outbox::endpoint(tx, id)?.ok_or_else(unknown)?;
            outbox::delete_endpoint(tx, id)?;
            let object = id.to_string();
            let change = Change {
                kind: "webhook",
                object: &object,
                action: "delete",
            };
            audit::record(tx, tx.now_ms, &who, change, Some(&before), None::<&()>)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub before: Option<i64>,
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/admin/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path), PageQuery),
    responses(
        (status = 200, description = "Its deliveries, newest first, each with every attempt", body = DeliveryPage),
        (status = "4XX", description = "Refused or no such endpoint", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<DeliveryPage>, AppError> {
    principal.require_admin(WHAT)?;
    let id = id_of(&id)?;
    let Query(page) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let limit = page.limit.unwrap_or(50).clamp(1, 200);
    let page = state
        .store
        .read(move |tx| {
            outbox::endpoint(tx, id)?.ok_or_else(unknown)?;
            Ok::<_, AppError>(outbox::deliveries(tx, id, page.before, limit)?)
        })
        .await?;
    Ok(Json(page))
}

#[utoipa::path(post, path = "/admin/webhooks/{id}/deliveries/{delivery}/resend", tag = "webhooks",
    params(("id" = i64, Path), ("delivery" = i64, Path)),
    responses(
        (status = 200, description = "Due again at once", body = serde_json::Value),
        (status = "4XX", description = "Refused or no such delivery", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn resend(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, AppError> {
    principal.require_admin(WHAT)?;
    let (id, delivery) = (id_of(&id)?, id_of(&delivery)?);
    let found = state
        .store
        .write(move |tx| outbox::resend(tx, id, delivery))
        .await?;
    if !found {
        return Err(unknown());
    }
    Ok(Json(serde_json::json!({ "resent": delivery })))
}

/// Queues a `ping` event for this endpoint alone (to try a receiver and its signature
/// check); its delivery shows on the endpoint's list like any other.
#[utoipa::path(post, path = "/admin/webhooks/{id}/ping", tag = "webhooks",
    params(("id" = i64, Path)),
    responses(
        (status = 202, description = "A `ping` event queued for this endpoint alone", body = serde_json::Value),
        (status = "4XX", description = "Refused or no such endpoint", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn ping(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    principal.require_admin(WHAT)?;
    let id = id_of(&id)?;
    let who = principal.username.clone();
    let event = state
        .store
        .write(move |tx| {
            outbox::endpoint(tx, id)?.ok_or_else(unknown)?;
            let data = serde_json::json!({ "endpoint": id, "sent_by": who });
            Ok::<_, AppError>(outbox::send_to(tx, &[id], "ping", data)?)
        })
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "event_id": event })),
    ))
}
