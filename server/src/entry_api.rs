//! Orders the back office enters (代客下单) and imports from other channels. Customer
//! service (`orders.hold`) previews an order for a shop — priced, checked and reserved by
//! the same engine as the shop's own, nothing stored — and places it: written into the
//! shop's order volume and taken in once, so the shop's devices show it like any other. An
//! order the engine would reject is refused with the reason instead of stored. A CSV
//! import (`ref,shop,sku,quantity[,note]`, one order per `ref`) is checked whole, and
//! either every order is placed or none is; importing the same file again places nothing
//! new (an order's id is derived from its shop and `ref`). Other systems post orders with
//! an API key (`POST /api/orders`, channel `api`) under an `Idempotency-Key`.

use std::collections::BTreeMap;

use api::{ImportProblem, ImportedOrder, OfficeOrder, OrderImportReport};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::order::{OrderConfirmation, OrderRequest, RequestId};
use domain::order_state::OrderState;
use domain::pricing::RequestedLine;
use domain::sku::{ShopId, Sku};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::app_error::AppError;
use crate::auth::{Permission, Principal};
use crate::fulfilment::{self, Action};
use crate::order_intake;
use crate::placing::{self, Placement};
use crate::state::{AppState, OrderWork};
use crate::store::{Tx, catalog, orders};
use domain::order_state::OrderEvent;

const ORDER_COLUMNS: [&str; 5] = ["ref", "shop", "sku", "quantity", "note"];

/// Checks an entered order's shape: a shop that exists, 1..=500 lines of 1..=100 000.
fn checked(tx: &mut Tx<'_>, order: &OfficeOrder) -> Result<ShopId, AppError> {
    let shop =
        ShopId::parse(order.shop.trim()).map_err(|_| AppError::invalid("shop", "unknown"))?;
    if !catalog::shop_exists(tx, &shop)? {
        return Err(AppError::invalid("shop", "unknown"));
    }
    if order.lines.is_empty() || order.lines.len() > 500 {
        return Err(AppError::invalid("lines", "out_of_range"));
    }
    if order
        .lines
        .iter()
        .any(|l| l.quantity == 0 || l.quantity > 100_000)
    {
        return Err(AppError::invalid("quantity", "out_of_range"));
    }
    if order.note.chars().count() > 500 {
        return Err(AppError::invalid("note", "too_long"));
    }
    Ok(shop)
}

/// The channel's own prices of `order`, checked: only for a key the admin lets send them
/// (403 otherwise), each for a SKU the order has, each a price in yuan.
fn channel_prices(
    principal: &Principal,
    order: &OfficeOrder,
) -> Result<domain::channel::ChannelPrices, AppError> {
    if order.unit_prices.is_empty() {
        return Ok(domain::channel::ChannelPrices::new());
    }
    if !principal.key.as_ref().is_some_and(|key| key.own_prices) {
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "prices_not_allowed",
            "this key may not send its own prices",
        ));
    }
    let mut prices = domain::channel::ChannelPrices::new();
    for (sku, price) in &order.unit_prices {
        let sku = domain::sku::Sku::parse(sku.trim())
            .ok()
            .filter(|sku| order.lines.iter().any(|l| &l.sku == sku))
            .ok_or_else(|| AppError::invalid("unit_prices", "unknown"))?;
        let price = domain::money::Money::parse_price(price, domain::money::Currency::Cny)
            .map_err(|_| AppError::invalid("unit_prices", "not_a_price"))?;
        prices.insert(sku, price);
    }
    Ok(prices)
}

fn request_for(
    id: RequestId,
    shop: &ShopId,
    order: &OfficeOrder,
    by: &str,
    now_ms: i64,
) -> OrderRequest {
    OrderRequest {
        note: order.note.clone(),
        coupon_codes: order.coupon_codes.clone(),
        use_prepaid: order.use_prepaid,
        pickup: order.pickup,
        ..OrderRequest::new(id, shop.clone(), now_ms, by, order.lines.clone())
    }
}

/// A rejected preview as the refusal staff see: 409 with the reason and the whole
/// answer (refused lines and why) as the detail.
fn rejected(answer: &OrderConfirmation) -> AppError {
    let reason = answer
        .history
        .last()
        .map(|e| e.reason.clone())
        .unwrap_or_default();
    AppError::detailed(StatusCode::CONFLICT, "order_rejected", reason, answer)
}

/// `POST /api/admin/orders/preview`: what the order would be now (lines priced or
/// refused, promotions, shipping, tax, amount due, stock reserved or backordered, or the
/// reason it would be rejected). Nothing is stored.
pub async fn preview(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<OfficeOrder>, JsonRejection>,
) -> Result<Json<OrderConfirmation>, AppError> {
    let Json(order) =
        body.map_err(|r| AppError::rejected("malformed_order", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersHold)?;
    // Staff price by the engine: no channel prices here.
    channel_prices(&principal, &order)?;
    let by = principal.username.clone();
    let cache = state.catalog.clone();
    let answer = state
        .store
        .read(move |tx| -> Result<OrderConfirmation, AppError> {
            let shop = checked(tx, &order)?;
            let request = request_for(placing::new_request_id()?, &shop, &order, &by, tx.now_ms);
            Ok(order_intake::preview(tx, &cache, &request, tx.now_ms)?)
        })
        .await?;
    Ok(Json(answer))
}

/// `POST /api/admin/orders`: places the order for the shop (channel `office`). 201 with
/// the order; 409 `order_rejected` with the reason when the engine would reject it.
pub async fn place(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<OfficeOrder>, JsonRejection>,
) -> Result<(StatusCode, Json<OrderConfirmation>), AppError> {
    let Json(order) =
        body.map_err(|r| AppError::rejected("malformed_order", r.status(), r.body_text()))?;
    principal.require(Permission::OrdersHold)?;
    channel_prices(&principal, &order)?;
    let by = principal.username.clone();
    let id = placing::new_request_id()?;
    let placed = state
        .write_orders(move |tx, work| {
            let shop = checked(tx, &order)?;
            let request = request_for(id.clone(), &shop, &order, &by, tx.now_ms);
            place_checked(tx, work, request, "office")
        })
        .await?;
    Ok((StatusCode::CREATED, Json(placed)))
}

/// Why an order of a channel whose orders are reviewed is held.
pub const REVIEW_REASON: &str = "接口订单待审核 (awaiting review)";

/// `POST /api/orders` with an `Idempotency-Key` header (1 to 128 visible characters): an
/// order another system places for a shop (an API key with `orders:write`, or customer
/// service), priced and checked by the same engine as every order, placed on channel
/// `api` (201), or refused with the reason (409 `order_rejected`, nothing stored). The
/// same key with the same body answers the order it placed (201 again, with
/// `Idempotent-Replayed: true`); with another body, 409 `idempotency_conflict`. A key
/// whose orders the admin wants reviewed places them held ([`REVIEW_REASON`]), its stock
/// reserved, until staff release or cancel them.
#[utoipa::path(post, path = "/orders", tag = "orders",
    params(("Idempotency-Key" = String, Header, pattern = r"^[!-~]{1,128}$", description = "Once per order (1 to 128 visible ASCII characters): the same key and body answer the first order again")),
    request_body = api::OfficeOrder,
    responses(
        (status = 201, description = "Placed (or, with `Idempotent-Replayed: true`, placed before)", body = domain::order::OrderConfirmation),
        (status = "4XX", description = "Refused: malformed, rejected by the engine (409 `order_rejected`), the key used with another body (409 `idempotency_conflict`)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn post_order(
    State(state): State<AppState>,
    principal: Principal,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    if principal.role == crate::auth::Role::Key {
        principal.require_office_or("orders:write")?;
    } else {
        principal.require(Permission::OrdersHold)?;
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| AppError::invalid("Idempotency-Key", "required"))?
        .to_owned();
    let order: OfficeOrder = serde_json::from_slice(&body)
        .map_err(|e| AppError::bad_request("malformed_order", e.to_string()))?;
    let prices = channel_prices(&principal, &order)?;
    let body_hash = crate::auth::sha256_hex(&body);
    let owner = principal.username.clone();
    // The admin's rule for this channel: its orders wait for a person's review.
    let reviewed = principal.key.as_ref().is_some_and(|key| key.review);
    let (replayed, placed) = state
        .write_orders(move |tx, work| {
            if let Some((hash, request_id)) = orders::idempotent(tx, &owner, &key)? {
                if hash != body_hash {
                    return Err(AppError::client(
                        StatusCode::CONFLICT,
                        "idempotency_conflict",
                        "this Idempotency-Key was used with another body",
                    ));
                }
                let (_, _, done) = orders::confirmation(tx, &request_id)?.ok_or_else(|| {
                    anyhow::anyhow!("order {request_id} of an idempotency key is gone")
                })?;
                return Ok((true, done));
            }
            let shop = checked(tx, &order)?;
            let id = derived_id(&format!("api\n{owner}\n{key}"));
            let request = request_for(id.clone(), &shop, &order, &owner, tx.now_ms);
            orders::set_channel_prices(tx, id.as_str(), &prices)?;
            let mut placed = place_checked(tx, work, request, "api")?;
            orders::remember_idempotent(tx, (&owner, &key), &body_hash, id.as_str())?;
            if reviewed {
                let hold = Action::Event(OrderEvent::Hold, REVIEW_REASON.to_owned());
                (placed, _) = fulfilment::act(tx, work.docs, &owner, id.as_str(), hold)?;
            }
            Ok((false, placed))
        })
        .await?;
    let mut response = (StatusCode::CREATED, Json(placed)).into_response();
    if replayed {
        response.headers_mut().insert(
            "idempotent-replayed",
            axum::http::HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// Previews `request`, refuses it when it would be rejected, else places it.
fn place_checked(
    tx: &mut Tx<'_>,
    work: OrderWork<'_>,
    request: OrderRequest,
    channel: &'static str,
) -> Result<OrderConfirmation, AppError> {
    let answer = order_intake::preview(tx, work.catalog, &request, tx.now_ms)?;
    if answer.state == OrderState::Rejected {
        return Err(rejected(&answer));
    }
    placing::place(
        tx,
        work,
        Placement {
            id: Some(request.id),
            shop: request.shop,
            lines: request.lines,
            placed_by: request.placed_by,
            note: request.note,
            pickup: request.pickup,
            use_prepaid: request.use_prepaid,
            coupon_codes: request.coupon_codes,
            expected: answer.priced,
            channel,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    pub apply: bool,
}

/// One order of an import file: its `ref`, shop, lines with their file lines, note.
struct FileOrder {
    reference: String,
    shop: ShopId,
    lines: Vec<(usize, RequestedLine)>,
    note: String,
}

/// The request id of an order that comes with its own name (`text`): the same name, the
/// same id, so the order is placed once.
fn derived_id(text: &str) -> RequestId {
    let digest = Sha256::digest(text.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    RequestId::from_random_bytes(bytes)
}

/// The id an imported order gets: the same for the same shop and `ref`, so importing a
/// file again places nothing twice.
fn import_id(shop: &ShopId, reference: &str) -> RequestId {
    derived_id(&format!("import\n{shop}\n{reference}"))
}

/// `POST /api/admin/import/orders?apply=` with the CSV as body: checks every row (shop,
/// SKU, quantity) and every order (priced and checked as if placed now); with
/// `apply=true` and no problem, places them all in one transaction (channel `import`).
pub async fn import(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ImportQuery>, QueryRejection>,
    body: String,
) -> Result<(StatusCode, Json<OrderImportReport>), AppError> {
    principal.require(Permission::OrdersHold)?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let rows = match crate::csv_api::read_rows(&body, &ORDER_COLUMNS[..4], &ORDER_COLUMNS) {
        Ok(rows) => rows,
        Err(problem) => {
            let report = OrderImportReport {
                problems: vec![problem],
                ..OrderImportReport::default()
            };
            return Ok((StatusCode::BAD_REQUEST, Json(report)));
        }
    };
    let by = principal.username.clone();
    let apply = query.apply;
    let report = state
        .write_orders(move |tx, work| {
            let mut report = OrderImportReport {
                rows: rows.len(),
                ..OrderImportReport::default()
            };
            let file_orders = read_orders(tx, &rows, &mut report.problems)?;
            let mut requests = Vec::new();
            for order in &file_orders {
                let id = import_id(&order.shop, &order.reference);
                let summary =
                    |number: String, confirmation: &OrderConfirmation, already| ImportedOrder {
                        reference: order.reference.clone(),
                        shop: order.shop.to_string(),
                        number,
                        lines: confirmation.priced.lines.len(),
                        total: confirmation
                            .quote
                            .as_ref()
                            .map_or(confirmation.priced.total, |q| q.total)
                            .amount()
                            .to_string(),
                        already,
                    };
                if let Some((_, _, done)) = orders::confirmation(tx, id.as_str())? {
                    report
                        .orders
                        .push(summary(done.number.clone(), &done, true));
                    continue;
                }
                let request = request_for(
                    id,
                    &order.shop,
                    &OfficeOrder {
                        shop: order.shop.to_string(),
                        lines: order.lines.iter().map(|(_, l)| l.clone()).collect(),
                        note: order.note.clone(),
                        pickup: false,
                        use_prepaid: false,
                        coupon_codes: Vec::new(),
                        unit_prices: std::collections::BTreeMap::new(),
                    },
                    &by,
                    tx.now_ms,
                );
                let answer = order_intake::preview(tx, work.catalog, &request, tx.now_ms)?;
                let first_line = order.lines.first().map_or(0, |(line, _)| *line);
                for refused in &answer.priced.refused {
                    let line = order
                        .lines
                        .iter()
                        .find(|(_, l)| l.sku == refused.sku)
                        .map_or(first_line, |(line, _)| *line);
                    report.problems.push(ImportProblem {
                        line,
                        field: "sku".into(),
                        rule: serde_json::to_value(&refused.reason)
                            .ok()
                            .and_then(|v| {
                                v.get("reason").and_then(|r| r.as_str()).map(str::to_owned)
                            })
                            .unwrap_or_else(|| "refused".into()),
                    });
                }
                if answer.state == OrderState::Rejected && answer.priced.refused.is_empty() {
                    report.problems.push(ImportProblem {
                        line: first_line,
                        field: "ref".into(),
                        rule: answer
                            .history
                            .last()
                            .map_or_else(|| "rejected".into(), |e| e.reason.clone()),
                    });
                }
                report.orders.push(summary(String::new(), &answer, false));
                requests.push((report.orders.len() - 1, request));
            }
            if !apply || !report.problems.is_empty() {
                return Ok(report);
            }
            for (index, request) in requests {
                let placed = place_checked(tx, work, request, "import")?;
                report.orders[index].number = placed.number;
            }
            report.applied = true;
            Ok(report)
        })
        .await?;
    let status = if report.problems.is_empty() {
        if report.applied {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        }
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, Json(report)))
}

/// The file's rows as orders (by `ref`, in the file's order), with a problem for each
/// row that names an unknown shop or product, a bad quantity, or a `ref` used for two
/// shops.
fn read_orders(
    tx: &mut Tx<'_>,
    rows: &crate::csv_api::Rows,
    problems: &mut Vec<ImportProblem>,
) -> Result<Vec<FileOrder>, AppError> {
    let mut by_ref: BTreeMap<String, usize> = BTreeMap::new();
    let mut file_orders: Vec<FileOrder> = Vec::new();
    let problem = |line: usize, field: &str, rule: &str| ImportProblem {
        line,
        field: field.into(),
        rule: rule.into(),
    };
    for (line, row) in rows {
        let get = |key: &str| row.get(key).map(String::as_str).unwrap_or("");
        let reference = get("ref");
        if reference.is_empty() || reference.chars().count() > 64 {
            problems.push(problem(*line, "ref", "required"));
            continue;
        }
        let shop = match ShopId::parse(get("shop")) {
            Ok(shop) if catalog::shop_exists(tx, &shop)? => shop,
            _ => {
                problems.push(problem(*line, "shop", "unknown"));
                continue;
            }
        };
        let sku = match Sku::parse(get("sku")) {
            Ok(sku) if catalog::product_exists(tx, &sku)? => sku,
            _ => {
                problems.push(problem(*line, "sku", "unknown"));
                continue;
            }
        };
        let quantity = match get("quantity").parse::<u32>() {
            Ok(q) if (1..=100_000).contains(&q) => q,
            _ => {
                problems.push(problem(*line, "quantity", "out_of_range"));
                continue;
            }
        };
        let index = *by_ref.entry(reference.to_owned()).or_insert_with(|| {
            file_orders.push(FileOrder {
                reference: reference.to_owned(),
                shop: shop.clone(),
                lines: Vec::new(),
                note: String::new(),
            });
            file_orders.len() - 1
        });
        let order = &mut file_orders[index];
        if order.shop != shop {
            problems.push(problem(*line, "shop", "one_shop_per_ref"));
            continue;
        }
        if order.lines.len() == 500 {
            problems.push(problem(*line, "ref", "too_many_lines"));
            continue;
        }
        let note = get("note");
        if !note.is_empty() && order.note.is_empty() {
            order.note = note.chars().take(500).collect();
        }
        order.lines.push((*line, RequestedLine { sku, quantity }));
    }
    Ok(file_orders)
}
