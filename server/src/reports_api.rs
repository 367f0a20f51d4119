//! Reports: sales by product, category, shop, tier, account manager, month or day over a
//! period, added up in SQL from the order lines; best and slow sellers; cost and gross
//! margin for admins and finance; an account manager's own shops. And cost prices, set
//! with their history.

use std::collections::BTreeMap;

use api::{CostEdit, CostEntry, FillRateReport, FillRateRow, SalesReport, SalesRow};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::checkout::UTC_OFFSET_MINUTES;
use domain::money::{Currency, Money};
use domain::product::LocalizedText;
use domain::quota::{day_start, local_date};
use domain::sku::Sku;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal, Role};
use crate::finance_api::{PeriodQuery, period};
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::money::{cents, from_cents};
use crate::store::reports::{self, Key, Sums};
use crate::store::{catalog, money};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What a report groups by.
pub const DIMENSIONS: [&str; 7] = [
    "product", "category", "shop", "tier", "manager", "month", "day",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesQuery {
    pub by: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `revenue` (the default), `units`, `orders`, `margin` or `key`.
    pub sort: Option<String>,
    /// `desc` (the default) or `asc`.
    pub order: Option<String>,
}

fn row(key: String, label: LocalizedText, sums: &Sums, with_cost: bool) -> SalesRow {
    let margin = sums.costed_net - sums.cost;
    let percent = (sums.costed_net != 0).then(|| {
        (Decimal::from(margin) * Decimal::ONE_HUNDRED / Decimal::from(sums.costed_net))
            .round_dp(1)
            .to_string()
    });
    SalesRow {
        key,
        label,
        orders: sums.orders,
        units: sums.units,
        revenue: from_cents(sums.net),
        cost: with_cost.then(|| from_cents(sums.cost)),
        margin: with_cost.then(|| from_cents(margin)),
        margin_percent: if with_cost { percent } else { None },
        uncosted_lines: if with_cost { sums.uncosted } else { 0 },
    }
}

/// Whose orders `principal` may report on: every shop (None) for admins and for staff
/// who read orders or finance; an account manager's own shops; shops get none (403).
pub(crate) fn report_shops(principal: &Principal) -> Result<Option<Vec<String>>, AppError> {
    match principal.role {
        Role::Admin => Ok(None),
        Role::Staff => {
            principal.require_any(&[Permission::Finance, Permission::OrdersRead])?;
            Ok(None)
        }
        Role::Manager => Ok(Some(
            principal.shops.iter().map(ToString::to_string).collect(),
        )),
        Role::Shop | Role::Key => Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "reports are for the distributor's team",
        )),
    }
}

/// `GET /api/reports/sales`.
pub async fn sales(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<SalesQuery>, QueryRejection>,
) -> Result<Json<SalesReport>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let shops = report_shops(&principal)?;
    let with_cost = principal.may(Permission::Finance);
    let by = query.by.clone().unwrap_or_else(|| "product".to_owned());
    if !DIMENSIONS.contains(&by.as_str()) {
        return Err(AppError::invalid("by", "unknown"));
    }
    let by_time = matches!(by.as_str(), "month" | "day");
    let sort = query
        .sort
        .clone()
        .unwrap_or_else(|| if by_time { "key" } else { "revenue" }.to_owned());
    if !["revenue", "units", "orders", "margin", "key"].contains(&sort.as_str())
        || (sort == "margin" && !with_cost)
    {
        return Err(AppError::invalid("sort", "unknown"));
    }
    let ascending = match query.order.as_deref() {
        None => by_time && query.sort.is_none(),
        Some("desc") => false,
        Some("asc") => true,
        Some(_) => return Err(AppError::invalid("order", "unknown")),
    };
    let cache = state.catalog.clone();
    let started = std::time::Instant::now();
    let mut report = state
        .store
        .read(move |tx| -> Result<SalesReport, AppError> {
            let period_query = PeriodQuery {
                from: query.from.clone(),
                to: query.to.clone(),
            };
            let (from_ms, to_ms, from, to) = period(&period_query, tx.now_ms)?;
            let range = (from_ms, to_ms);
            let shops = shops.as_deref();
            let mut groups: BTreeMap<String, (LocalizedText, Sums)> = BTreeMap::new();
            let mut put = |key: String, label: LocalizedText, sums: &Sums| {
                groups
                    .entry(key)
                    .or_insert_with(|| (label, Sums::default()))
                    .1
                    .add(sums);
            };
            match by.as_str() {
                "product" | "category" => {
                    let products = catalog::products(tx, &cache)?;
                    let categories: BTreeMap<String, LocalizedText> = catalog::categories(tx)?
                        .into_iter()
                        .map(|c| (c.id.to_string(), c.name))
                        .collect();
                    let sold = reports::sales_by(tx, Key::Sku, range, shops)?;
                    let sold: BTreeMap<String, Sums> = sold.into_iter().collect();
                    for (sku, product) in products.iter() {
                        let sums = sold.get(sku.as_str()).copied().unwrap_or_default();
                        // Products on sale that sold nothing are listed for the slow
                        // sellers (ascending), not among the best.
                        if sums == Sums::default() && !(product.active && ascending) {
                            continue;
                        }
                        if by == "product" {
                            put(sku.to_string(), product.name.clone(), &sums);
                        } else {
                            let id = product.category.to_string();
                            let label = categories
                                .get(&id)
                                .cloned()
                                .unwrap_or_else(|| LocalizedText::same(&id));
                            put(id, label, &sums);
                        }
                    }
                    // Sold once, since removed from the catalog.
                    for (sku, sums) in &sold {
                        if Sku::parse(sku).is_ok_and(|s| !products.contains_key(&s))
                            && by == "product"
                        {
                            put(sku.clone(), LocalizedText::same(sku), sums);
                        }
                    }
                }
                "shop" | "tier" | "manager" => {
                    let sold: BTreeMap<String, Sums> =
                        reports::sales_by(tx, Key::Shop, range, shops)?
                            .into_iter()
                            .collect();
                    let names = money::shops_and_managers(tx)?;
                    let tiers: BTreeMap<String, String> = reports::shops(tx)?
                        .into_iter()
                        .map(|(id, _, tier)| (id, tier))
                        .collect();
                    for (shop, sums) in &sold {
                        let (name, managers) = names.get(shop).cloned().unwrap_or_default();
                        match by.as_str() {
                            "shop" => put(shop.clone(), LocalizedText::same(&name), sums),
                            "tier" => {
                                let tier = tiers.get(shop).cloned().unwrap_or_default();
                                put(tier.clone(), LocalizedText::same(&tier), sums);
                            }
                            _ => {
                                for (username, manager) in managers {
                                    put(username, LocalizedText::same(&manager), sums);
                                }
                            }
                        }
                    }
                }
                _ => {
                    let key = Key::Day {
                        offset_minutes: UTC_OFFSET_MINUTES,
                    };
                    // Every day (or month) of the period, those without sales at zero.
                    let offset = i64::from(UTC_OFFSET_MINUTES) * 60_000;
                    let mut at = from_ms;
                    while at < to_ms {
                        let date = local_date(at, UTC_OFFSET_MINUTES);
                        let key = if by == "month" {
                            date[..7].to_owned()
                        } else {
                            date
                        };
                        put(key.clone(), LocalizedText::same(&key), &Sums::default());
                        at = (at + offset).div_euclid(DAY_MS) * DAY_MS - offset + DAY_MS;
                    }
                    for (day, sums) in reports::sales_by(tx, key, range, shops)? {
                        let days: i64 = day.parse().unwrap_or(0);
                        let date = local_date(days * DAY_MS, 0);
                        let key = if by == "month" {
                            date[..7].to_owned()
                        } else {
                            date
                        };
                        put(key.clone(), LocalizedText::same(&key), &sums);
                    }
                }
            }
            let mut total = Sums::default();
            let mut rows: Vec<SalesRow> = groups
                .into_iter()
                .map(|(key, (label, sums))| {
                    total.add(&sums);
                    row(key, label, &sums, with_cost)
                })
                .collect();
            // An order whose lines fall in several groups counts once in the total.
            total.orders = reports::orders_in(tx, range, shops)?;
            let measure = |r: &SalesRow| -> Decimal {
                match sort.as_str() {
                    "units" => Decimal::from(r.units),
                    "orders" => Decimal::from(r.orders),
                    "margin" => r.margin.map_or(Decimal::MIN, |m| m.amount()),
                    _ => r.revenue.amount(),
                }
            };
            if sort == "key" {
                rows.sort_by(|a, b| a.key.cmp(&b.key));
            } else {
                rows.sort_by(|a, b| measure(a).cmp(&measure(b)).then_with(|| a.key.cmp(&b.key)));
            }
            if !ascending {
                rows.reverse();
            }
            Ok(SalesReport {
                by,
                from,
                to,
                rows,
                total: row(
                    "total".to_owned(),
                    LocalizedText::same(""),
                    &total,
                    with_cost,
                ),
                with_cost,
                took_ms: 0,
            })
        })
        .await?;
    report.took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Json(report))
}

fn sku_of(text: &str) -> Result<Sku, AppError> {
    Sku::parse(text.trim()).map_err(|_| AppError::invalid("sku", "malformed"))
}

fn may_see_costs(principal: &Principal) -> Result<(), AppError> {
    principal.require(Permission::Finance)
}

/// `GET /api/admin/products/{sku}/costs`: the cost history, newest first.
pub async fn costs(
    State(state): State<AppState>,
    principal: Principal,
    sku: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<CostEntry>>, AppError> {
    let Path(sku) = sku.map_err(|r| AppError::rejected("bad_sku", r.status(), r.body_text()))?;
    may_see_costs(&principal)?;
    let sku = sku_of(&sku)?;
    let rows = state
        .store
        .read(move |tx| -> Result<_, AppError> {
            if !catalog::product_exists(tx, &sku)? {
                return Err(AppError::client(
                    StatusCode::NOT_FOUND,
                    "unknown_product",
                    "no such product",
                ));
            }
            Ok(reports::costs_of(tx, &sku)?)
        })
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(from_ms, cost, actor, note, set_ms)| CostEntry {
                from_ms,
                cost: from_cents(cost),
                actor,
                note,
                set_ms,
            })
            .collect(),
    ))
}

/// `POST /api/admin/products/{sku}/costs`: 201 with the history.
pub async fn set_cost(
    State(state): State<AppState>,
    principal: Principal,
    sku: Result<Path<String>, PathRejection>,
    body: Result<Json<CostEdit>, JsonRejection>,
) -> Result<(StatusCode, Json<Vec<CostEntry>>), AppError> {
    let Path(sku) = sku.map_err(|r| AppError::rejected("bad_sku", r.status(), r.body_text()))?;
    let Json(edit) =
        body.map_err(|r| AppError::rejected("malformed_cost", r.status(), r.body_text()))?;
    may_see_costs(&principal)?;
    let sku = sku_of(&sku)?;
    let cost = Money::parse(edit.cost.trim(), Currency::Cny)
        .map_err(|_| AppError::invalid("cost", "not_a_price"))?;
    if cost.amount().is_sign_negative() && !cost.is_zero() {
        return Err(AppError::invalid("cost", "negative"));
    }
    if cost.round_to_cents() != cost {
        return Err(AppError::invalid("cost", "cents"));
    }
    let note: String = edit.note.trim().chars().take(200).collect();
    let who = principal.username.clone();
    let key = sku.clone();
    state
        .store
        .write(move |tx| -> Result<(), AppError> {
            if !catalog::product_exists(tx, &sku)? {
                return Err(AppError::client(
                    StatusCode::NOT_FOUND,
                    "unknown_product",
                    "no such product",
                ));
            }
            let from_ms = match edit.from.as_deref().map(str::trim) {
                Some(day) if !day.is_empty() => day_start(day, UTC_OFFSET_MINUTES)
                    .ok_or_else(|| AppError::invalid("from", "not_a_date"))?,
                _ => tx.now_ms,
            };
            reports::set_cost(tx, &sku, from_ms, cents(cost), (&who, &note))?;
            let object = sku.to_string();
            let change = Change {
                kind: "cost",
                object: &object,
                action: "set",
            };
            let after = serde_json::json!({ "from_ms": from_ms, "cost": cost, "note": note });
            audit::record(tx, tx.now_ms, &who, change, None::<&()>, Some(&after))?;
            Ok(())
        })
        .await?;
    let Json(history) = costs(State(state), principal, Ok(Path(key.to_string()))).await?;
    Ok((StatusCode::CREATED, Json(history)))
}

/// What a fill-rate report groups by.
pub const FILL_DIMENSIONS: [&str; 5] = ["shop", "manager", "product", "month", "day"];
/// The promise a fill-rate report judges by unless told: shipped within two days.
pub const DEFAULT_WITHIN_HOURS: u32 = 48;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FillRateQuery {
    pub by: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub within_hours: Option<String>,
}

fn percent(part: u64, whole: u64) -> Option<String> {
    (whole > 0).then(|| {
        (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole))
            .round_dp(1)
            .to_string()
    })
}

fn count(row: &mut FillRateRow, served: &domain::fulfilment::Service) {
    row.orders += 1;
    if !served.judged {
        row.open += 1;
        return;
    }
    row.judged += 1;
    row.on_time += u64::from(served.on_time);
    row.in_full += u64::from(served.in_full);
    row.otif += u64::from(served.otif);
    row.ordered_units += served.ordered_units;
    row.shipped_units += served.shipped_units;
    row.on_time_units += served.on_time_units;
}

/// The group `key` of `groups`, made with `label` the first time.
fn group<'a>(
    groups: &'a mut BTreeMap<String, FillRateRow>,
    key: &str,
    label: LocalizedText,
) -> &'a mut FillRateRow {
    groups.entry(key.to_owned()).or_insert_with(|| FillRateRow {
        key: key.to_owned(),
        label,
        ..FillRateRow::default()
    })
}

fn with_rates(mut row: FillRateRow) -> FillRateRow {
    row.fill_rate = percent(row.shipped_units, row.ordered_units);
    row.otif_rate = percent(row.otif, row.judged);
    row.on_time_rate = percent(row.on_time, row.judged);
    row.in_full_rate = percent(row.in_full, row.judged);
    row
}

/// `GET /api/reports/fill-rate`: orders shipped on time and in full, by shop, account
/// manager, product, month or day. For the same people as the sales report (an account
/// manager: his own shops).
pub async fn fill_rate(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<FillRateQuery>, QueryRejection>,
) -> Result<Json<FillRateReport>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let shops = report_shops(&principal)?;
    let by = query.by.clone().unwrap_or_else(|| "shop".to_owned());
    if !FILL_DIMENSIONS.contains(&by.as_str()) {
        return Err(AppError::invalid("by", "unknown"));
    }
    let within_hours = match query.within_hours.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_WITHIN_HOURS,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|h| (1..=24 * 90).contains(h))
            .ok_or_else(|| AppError::invalid("within_hours", "out_of_range"))?,
    };
    let cache = state.catalog.clone();
    let started = std::time::Instant::now();
    let mut report = state
        .store
        .read(move |tx| -> Result<FillRateReport, AppError> {
            let period_query = PeriodQuery {
                from: query.from.clone(),
                to: query.to.clone(),
            };
            let (from_ms, to_ms, from, to) = period(&period_query, tx.now_ms)?;
            let now = tx.now_ms;
            let within_ms = i64::from(within_hours) * 60 * 60 * 1000;
            let orders = reports::served(tx, (from_ms, to_ms), shops.as_deref())?;
            let names = money::shops_and_managers(tx)?;
            let products = if by == "product" {
                Some(catalog::products(tx, &cache)?)
            } else {
                None
            };
            let mut groups: BTreeMap<String, FillRateRow> = BTreeMap::new();
            let mut total = FillRateRow::default();
            for order in orders.values() {
                let shipments: Vec<(i64, &BTreeMap<Sku, u32>)> = order
                    .shipments
                    .iter()
                    .map(|(at, lines)| (*at, lines))
                    .collect();
                let deadline = order.received_ms + within_ms;
                let served = domain::fulfilment::service(&order.ordered, &shipments, deadline, now);
                count(&mut total, &served);
                match by.as_str() {
                    "shop" | "manager" => {
                        let (name, managers) = names.get(&order.shop).cloned().unwrap_or_default();
                        if by == "shop" {
                            count(
                                group(&mut groups, &order.shop, LocalizedText::same(&name)),
                                &served,
                            );
                        } else {
                            for (username, manager) in managers {
                                count(
                                    group(&mut groups, &username, LocalizedText::same(&manager)),
                                    &served,
                                );
                            }
                        }
                    }
                    "product" => {
                        for (sku, quantity) in &order.ordered {
                            let one: BTreeMap<Sku, u32> = [(sku.clone(), *quantity)].into();
                            let line = domain::fulfilment::service(&one, &shipments, deadline, now);
                            let label = products.as_ref().and_then(|p| p.get(sku)).map_or_else(
                                || LocalizedText::same(sku.as_str()),
                                |p| p.name.clone(),
                            );
                            count(group(&mut groups, sku.as_str(), label), &line);
                        }
                    }
                    _ => {
                        let date = local_date(order.received_ms, UTC_OFFSET_MINUTES);
                        let key = if by == "month" {
                            &date[..7]
                        } else {
                            date.as_str()
                        };
                        count(group(&mut groups, key, LocalizedText::same(key)), &served);
                    }
                }
            }
            let mut rows: Vec<FillRateRow> = groups.into_values().map(with_rates).collect();
            if !matches!(by.as_str(), "month" | "day") {
                // The worst served first: what to look into.
                rows.sort_by(|a, b| {
                    let rate = |r: &FillRateRow| {
                        (r.judged > 0).then(|| Decimal::from(r.otif) / Decimal::from(r.judged))
                    };
                    rate(a).cmp(&rate(b)).then(b.orders.cmp(&a.orders))
                });
            }
            Ok(FillRateReport {
                by: by.clone(),
                from,
                to,
                within_hours,
                rows,
                total: with_rates(FillRateRow {
                    key: "total".into(),
                    ..total
                }),
                took_ms: 0,
            })
        })
        .await?;
    report.took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Json(report))
}
