//! `GET /api/admin/audit?kind=&object=&before=&limit=`: the changes admins made, newest
//! first, for everything or one object (`kind=product&object=BEV-0001`). Admins only.

use api::AuditPage;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::audit;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub kind: Option<String>,
    pub object: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditPage>, AppError> {
    principal.require_admin("read the audit log")?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let entries = state
        .store
        .read(move |tx| {
            audit::list(
                tx,
                query.kind.as_deref(),
                query.object.as_deref(),
                query.before,
                limit,
            )
        })
        .await?;
    let next_before = (entries.len() == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}
