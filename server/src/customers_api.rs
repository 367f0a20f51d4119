//! The back office's customers: `GET /api/admin/shops` (search by id, name, owner or
//! manager; pages) and `GET /api/admin/shops/{id}` (everything the shop's account holds).
//! Admins and staff read.

use api::{CustomerDetail, CustomerPage, CustomerQuery, CustomerRow};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::sku::ShopId;

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::customers::{self, ShopRow};
use crate::store::{Tx, commerce};

fn row(tx: &mut Tx<'_>, shop: ShopRow) -> anyhow::Result<CustomerRow> {
    let profile = commerce::profile(tx, &ShopId::parse(&shop.id)?)?;
    Ok(CustomerRow {
        id: shop.id,
        name: shop.name,
        tier: shop.tier,
        active: shop.active,
        owners: shop.owners,
        managers: shop.managers,
        profile,
    })
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<CustomerQuery>, QueryRejection>,
) -> Result<Json<CustomerPage>, AppError> {
    principal.require_office()?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let needle = query
        .q
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let page = state
        .store
        .read(move |tx| -> anyhow::Result<CustomerPage> {
            let matching: Vec<ShopRow> = customers::shops(tx)?
                .into_iter()
                .filter(|shop| {
                    needle.as_deref().is_none_or(|needle| {
                        shop.id.to_lowercase().contains(needle)
                            || shop.name.to_lowercase().contains(needle)
                            || shop
                                .owners
                                .iter()
                                .chain(&shop.managers)
                                .any(|u| u.contains(needle))
                    })
                })
                .collect();
            let total = matching.len();
            let customers = matching
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(|shop| row(tx, shop))
                .collect::<anyhow::Result<_>>()?;
            Ok(CustomerPage {
                total,
                offset,
                customers,
            })
        })
        .await?;
    Ok(Json(page))
}

pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CustomerDetail>, AppError> {
    principal.require_office()?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_shop", "no such shop");
    let shop = ShopId::parse(&id).map_err(|_| unknown())?;
    let detail = state
        .store
        .read(move |tx| -> anyhow::Result<Option<CustomerDetail>> {
            let Some(found) = customers::shops(tx)?
                .into_iter()
                .find(|s| s.id == shop.as_str())
            else {
                return Ok(None);
            };
            let customer = row(tx, found)?;
            let own_prices = customers::own_prices(tx, &shop)?;
            let (orders, open_orders) = customers::order_counts(tx, &shop)?;
            Ok(Some(CustomerDetail {
                customer,
                own_prices,
                orders,
                open_orders,
            }))
        })
        .await?;
    detail.map(Json).ok_or_else(unknown)
}
