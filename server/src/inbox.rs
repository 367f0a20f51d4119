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
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::state::AppState;
use crate::store::orders::{self, InboxRow};

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    pub all: bool,
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> Result<Json<Vec<InboxRow>>, AppError> {
    principal.require(Permission::InboxResolve)?;
    let Query(InboxQuery { all }) = query.map_err(|rejection| {
        AppError::rejected("bad_query", rejection.status(), rejection.body_text())
    })?;
    let items = state
        .store
        .read(move |tx| orders::inbox(tx, all, 1000))
        .await?;
    Ok(Json(items))
}

#[derive(Debug, Deserialize)]
pub struct ResolveBody {
    #[serde(default)]
    pub note: String,
}

/// `GET /api/admin/dashboard`: what waits for the back office (its home page).
pub async fn dashboard(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<api::Dashboard>, AppError> {
    principal.require_any(&[
        Permission::OrdersRead,
        Permission::OrdersFulfil,
        Permission::OrdersHold,
        Permission::StockRead,
        Permission::StockWrite,
        Permission::InboxResolve,
    ])?;
    Ok(Json(state.store.read(orders::dashboard).await?))
}

pub async fn resolve(
    State(state): State<AppState>,
    principal: Principal,
    request_id: Result<Path<String>, PathRejection>,
    body: Result<Json<ResolveBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    principal.require(Permission::InboxResolve)?;
    let Path(request_id) = request_id.map_err(|rejection| {
        AppError::rejected("bad_request_id", rejection.status(), rejection.body_text())
    })?;
    let Json(body) = body.map_err(|rejection| {
        AppError::rejected("malformed_body", rejection.status(), rejection.body_text())
    })?;
    let note: String = body.note.chars().take(1000).collect();
    let actor = principal.username.clone();
    let id = request_id.clone();
    let found = state
        .store
        .write(move |tx| {
            let now = tx.now_ms;
            orders::resolve(tx, &id, &actor, &note, now)
        })
        .await?;
    if !found {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "not_in_inbox",
            format!("no rejected order {request_id}"),
        ));
    }
    Ok(Json(serde_json::json!({ "resolved": request_id })))
}

/// `GET /api/reports/large-orders`: orders far above their shop's usual demand for a
/// product in short supply, not looked at yet — for staff who read orders, and for an
/// account manager his own shops'.
pub async fn large_orders(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<api::LargeOrder>>, AppError> {
    let shops: Option<Vec<String>> = match principal.role {
        crate::auth::Role::Manager => {
            Some(principal.shops.iter().map(ToString::to_string).collect())
        }
        _ => {
            principal.require_any(&[Permission::OrdersRead, Permission::Finance])?;
            None
        }
    };
    Ok(Json(
        state
            .store
            .read(move |tx| crate::store::large_orders::open(tx, shops.as_deref(), 200))
            .await?,
    ))
}

/// `POST /api/admin/orders/{id}/large/handled`: staff looked at the order's flags (held
/// it, called the shop, or let it stand).
pub async fn large_order_handled(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    principal.require(Permission::OrdersHold)?;
    let Path(id) =
        id.map_err(|r| AppError::rejected("bad_request_id", r.status(), r.body_text()))?;
    let actor = principal.username.clone();
    let handled = state
        .store
        .write(move |tx| -> Result<bool, AppError> {
            let request_id = crate::fulfilment::resolve(tx, &id)?;
            let now = tx.now_ms;
            Ok(crate::store::large_orders::handle(
                tx,
                &request_id,
                &actor,
                now,
            )?)
        })
        .await?;
    if !handled {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "no_open_flag",
            "the order has no large-order flag waiting",
        ));
    }
    Ok(Json(serde_json::json!({ "handled": true })))
}
