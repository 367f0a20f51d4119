//! `GET /api/orders`: the orders the server has applied, as the caller may see them
//! (a shop its own, a manager their shops', an admin all).

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::app_error::AppError;
use crate::auth::{Principal, Role};
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct OrderRow {
    pub number: String,
    pub request_id: String,
    pub shop: String,
    pub state: String,
    pub total: String,
    pub placed_by: String,
    pub received_ms: i64,
}

pub async fn list_orders(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<OrderRow>>, AppError> {
    let rows = state
        .db
        .run(move |db| -> anyhow::Result<Vec<OrderRow>> {
            const COLUMNS: &str =
                "SELECT number, request_id, shop, state, total, placed_by, received_ms FROM orders";
            let scopes: Vec<Option<String>> = match principal.role {
                Role::Admin => vec![None],
                _ => principal
                    .shops
                    .iter()
                    .map(|shop| Some(shop.to_string()))
                    .collect(),
            };
            let mut orders = Vec::new();
            for scope in scopes {
                let sql = match scope {
                    None => format!("{COLUMNS} WHERE ?1 IS NULL ORDER BY seq DESC LIMIT 1000"),
                    Some(_) => format!("{COLUMNS} WHERE shop = ?1 ORDER BY seq DESC LIMIT 1000"),
                };
                let mut statement = db.conn.prepare_cached(&sql)?;
                let rows = statement.query_map([scope], |row| {
                    Ok(OrderRow {
                        number: row.get(0)?,
                        request_id: row.get(1)?,
                        shop: row.get(2)?,
                        state: row.get(3)?,
                        total: row.get(4)?,
                        placed_by: row.get(5)?,
                        received_ms: row.get(6)?,
                    })
                })?;
                orders.extend(rows.collect::<Result<Vec<_>, _>>()?);
            }
            orders.sort_by(|a, b| b.number.cmp(&a.number));
            Ok(orders)
        })
        .await??;
    Ok(Json(rows))
}
