//! What an ERP reads (issue 14, point 5): orders, invoices and payments of a period as CSV
//! (`GET /api/export/{orders,invoices,payments}.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`, days in
//! China time, both included; this month when absent), and invoices and payments changed
//! after a cursor (`GET /api/invoices/changes`, `GET /api/payments/changes`), as orders are
//! (`GET /api/orders/changes`). Orders need `orders.read` (a key: `orders:read`); invoices
//! and payments need finance (a key: `finance:read`).
//!
//! The files (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese; times
//! ISO 8601 with the +08:00 offset; amounts yuan with two decimals):
//!
//! - `orders.csv`, one row per order line: `order_number, request_id, received_at, shop,
//!   shop_name, channel, placed_by, state, line, sku, product, quantity, unit_price,
//!   line_total, order_total` (`order_total` is what the shop pays: after promotions,
//!   shipping and points; an order with no line left has one row with the line columns
//!   empty).
//! - `invoices.csv`: `invoice_number, order_number, request_id, shipment, shop, shop_name,
//!   issued_at, due_at, total, paid, open`.
//! - `payments.csv`, one row per invoice a payment paid (a top-up of the prepaid balance: one
//!   row with `invoice` empty): `payment_id, shop, shop_name, reference, method,
//!   received_at, recorded_at, recorded_by, payment_amount, invoice, allocated, note`.

use api::erp::{InvoiceChanges, PaymentChanges};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::checkout::UTC_OFFSET_MINUTES;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::csv_api::{csv_response, finish, write_row, writer};
use crate::finance_api::{PeriodQuery, period};
use crate::orders_api::ChangesQuery;
use crate::state::AppState;
use crate::store::erp;

/// The most rows (orders, invoices or payments) one export holds: a longer period is refused
/// with the advice to split it.
const EXPORT_MAX: usize = 100_000;
/// The most changes one page of a cursor holds.
const PAGE_MAX: usize = 1000;

/// `ms` as local (China) time, ISO 8601: `2026-12-03T16:10:29+08:00`.
pub fn local_time(ms: i64) -> String {
    let offset_ms = i64::from(UTC_OFFSET_MINUTES) * 60_000;
    let date = domain::quota::local_date(ms, UTC_OFFSET_MINUTES);
    let seconds = (ms + offset_ms).rem_euclid(86_400_000) / 1000;
    let (hours, minutes) = (UTC_OFFSET_MINUTES / 60, UTC_OFFSET_MINUTES % 60);
    format!(
        "{date}T{:02}:{:02}:{:02}+{hours:02}:{minutes:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Invoices and payments: finance staff, or a key with `finance:read`.
fn require_finance_read(principal: &Principal) -> Result<(), AppError> {
    principal.require_or_scope(Permission::Finance, "finance:read")
}

fn cursor(query: Result<Query<ChangesQuery>, QueryRejection>) -> Result<(i64, usize), AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    Ok((
        query.after.max(0),
        query.limit.unwrap_or(200).clamp(1, PAGE_MAX),
    ))
}

/// `GET /api/invoices/changes?after=N&limit=`: invoices raised, made due or paid after
/// change `N`, each once as it is now, oldest change first.
#[utoipa::path(get, path = "/invoices/changes", tag = "finance", params(ChangesQuery),
    responses(
        (status = 200, description = "Invoices changed after the cursor", body = InvoiceChanges),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn invoice_changes(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<InvoiceChanges>, AppError> {
    require_finance_read(&principal)?;
    let (after, limit) = cursor(query)?;
    let invoices = state
        .store
        .read(move |tx| erp::invoice_changes(tx, after, limit))
        .await?;
    let next = invoices.last().map_or(after, |i| i.change);
    Ok(Json(InvoiceChanges { invoices, next }))
}

/// `GET /api/payments/changes?after=N&limit=`: payments recorded after change `N`.
#[utoipa::path(get, path = "/payments/changes", tag = "finance", params(ChangesQuery),
    responses(
        (status = 200, description = "Payments recorded after the cursor", body = PaymentChanges),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn payment_changes(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<PaymentChanges>, AppError> {
    require_finance_read(&principal)?;
    let (after, limit) = cursor(query)?;
    let payments = state
        .store
        .read(move |tx| erp::payment_changes(tx, after, limit))
        .await?;
    let next = payments.last().map_or(after, |p| p.change);
    Ok(Json(PaymentChanges { payments, next }))
}

fn too_many() -> AppError {
    AppError::client(
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_many_rows",
        format!("more than {EXPORT_MAX} rows: export a shorter period"),
    )
}

fn money(value: domain::money::Money) -> String {
    value.amount().round_dp(2).to_string()
}

/// `GET /api/export/{name}?from=&to=`: `orders.csv`, `invoices.csv` or `payments.csv`.
#[utoipa::path(get, path = "/export/{name}", tag = "finance",
    params(("name" = String, Path, description = "`orders.csv`, `invoices.csv` or `payments.csv`"), PeriodQuery),
    responses(
        (status = 200, description = "The period's rows as CSV (layout in the README)", content_type = "text/csv", body = String),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    principal: Principal,
    Path(name): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    match name.as_str() {
        "orders.csv" => principal.require(Permission::OrdersRead)?,
        "invoices.csv" | "payments.csv" => require_finance_read(&principal)?,
        _ => {
            return Err(AppError::client(
                StatusCode::NOT_FOUND,
                "unknown_export",
                "exports are orders.csv, invoices.csv and payments.csv",
            ));
        }
    }
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let file = name.clone();
    let (body, from, to) = state
        .store
        .read(move |tx| -> Result<_, AppError> {
            let (from_ms, to_ms, from, to) = period(&query, tx.now_ms)?;
            let range = (from_ms, to_ms);
            let mut out = writer();
            match file.as_str() {
                "orders.csv" => {
                    let orders = erp::orders_in(tx, range, EXPORT_MAX + 1)?;
                    if orders.len() > EXPORT_MAX {
                        return Err(too_many());
                    }
                    write_orders(&mut out, &orders)?;
                }
                "invoices.csv" => {
                    let invoices = erp::invoices_in(tx, range, EXPORT_MAX + 1)?;
                    if invoices.len() > EXPORT_MAX {
                        return Err(too_many());
                    }
                    write_invoices(&mut out, &invoices)?;
                }
                _ => {
                    let payments = erp::payments_in(tx, range, EXPORT_MAX + 1)?;
                    if payments.len() > EXPORT_MAX {
                        return Err(too_many());
                    }
                    write_payments(&mut out, &payments)?;
                }
            }
            Ok((finish(out)?, from, to))
        })
        .await?;
    let stem = name.trim_end_matches(".csv");
    Ok(csv_response(&format!("{stem}-{from}-{to}.csv"), body))
}

type Out = csv::Writer<Vec<u8>>;

fn write_orders(out: &mut Out, orders: &[erp::PeriodOrder]) -> Result<(), AppError> {
    write_row(
        out,
        [
            "order_number",
            "request_id",
            "received_at",
            "shop",
            "shop_name",
            "channel",
            "placed_by",
            "state",
            "line",
            "sku",
            "product",
            "quantity",
            "unit_price",
            "line_total",
            "order_total",
        ],
    )?;
    for o in orders {
        let order = &o.order;
        let total = order.quote.as_ref().map_or(order.priced.total, |q| q.total);
        let head = [
            order.number.clone(),
            order.request_id.to_string(),
            local_time(o.received_ms),
            o.shop.clone(),
            o.shop_name.clone(),
            o.channel.clone(),
            o.placed_by.clone(),
            order.state.name().to_owned(),
        ];
        let lines: Vec<[String; 6]> = order
            .priced
            .lines
            .iter()
            .enumerate()
            .map(|(n, line)| {
                [
                    (n + 1).to_string(),
                    line.sku.to_string(),
                    line.name.zh_hans.clone(),
                    line.quantity.to_string(),
                    money(line.unit_price),
                    money(line.line_total),
                ]
            })
            .collect();
        let empty = [const { String::new() }; 6];
        for line in lines.iter().chain(lines.is_empty().then_some(&empty)) {
            let row = head
                .iter()
                .chain(line.iter())
                .cloned()
                .chain([money(total)]);
            write_row(out, row)?;
        }
    }
    Ok(())
}

fn write_invoices(out: &mut Out, invoices: &[erp::PeriodInvoice]) -> Result<(), AppError> {
    write_row(
        out,
        [
            "invoice_number",
            "order_number",
            "request_id",
            "shipment",
            "shop",
            "shop_name",
            "issued_at",
            "due_at",
            "total",
            "paid",
            "open",
        ],
    )?;
    for (i, shop_name, paid) in invoices {
        write_row(
            out,
            [
                i.number.clone(),
                i.order_number.clone(),
                i.request_id.clone(),
                i.shipment.clone(),
                i.shop.clone(),
                shop_name.clone(),
                local_time(i.issued_ms),
                i.due_ms.map(local_time).unwrap_or_default(),
                i.total.clone(),
                paid.clone(),
                i.open.clone(),
            ],
        )?;
    }
    Ok(())
}

fn write_payments(
    out: &mut Out,
    payments: &[(api::erp::PaymentChange, String)],
) -> Result<(), AppError> {
    write_row(
        out,
        [
            "payment_id",
            "shop",
            "shop_name",
            "reference",
            "method",
            "received_at",
            "recorded_at",
            "recorded_by",
            "payment_amount",
            "invoice",
            "allocated",
            "note",
        ],
    )?;
    for (p, shop_name) in payments {
        let parts: Vec<(String, String)> = if p.allocations.is_empty() {
            vec![(String::new(), String::new())]
        } else {
            p.allocations
                .iter()
                .map(|a| (a.invoice.clone(), a.amount.clone()))
                .collect()
        };
        for (invoice, allocated) in parts {
            write_row(
                out,
                [
                    p.id.to_string(),
                    p.shop.clone(),
                    shop_name.clone(),
                    p.reference.clone(),
                    p.method.clone(),
                    local_time(p.received_ms),
                    local_time(p.recorded_ms),
                    p.recorded_by.clone(),
                    p.amount.clone(),
                    invoice,
                    allocated,
                    p.note.clone(),
                ],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_china_time_with_their_offset() {
        // 2026-12-03 08:10:29 UTC.
        assert_eq!(local_time(1_796_285_429_000), "2026-12-03T16:10:29+08:00");
        // Just before midnight UTC is the next morning in China.
        assert_eq!(local_time(1_796_255_999_000), "2026-12-03T07:59:59+08:00");
    }
}
