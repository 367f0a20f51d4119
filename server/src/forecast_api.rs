//! Forecasts over HTTP: what a manager's phone needs to suggest a shop's order offline
//! (`GET /api/shops/{shop}/demand`), the holiday calendar (read by the team, replaced by
//! admins), a shop's paused stretches, and the accuracy of proposed orders.

use std::collections::BTreeMap;

use api::{AccuracyReport, AccuracyRow, HolidayCalendar, NewPause, Pause};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::checkout::UTC_OFFSET_MINUTES;
use domain::forecast::{
    CategoryFactors, HISTORY_WEEKS, Holiday, MAX_COVER_WEEKS, ProductDemand, ShelfCount,
    ShopDemand, WEEK_MS, WeekAhead, week_factor,
};
use domain::product::LocalizedText;
use domain::quota::{Period, day_start, local_date, period_start};
use domain::seasonality::{CalendarWeek, estimate_factors};
use domain::sku::CategoryId;
use domain::sku::ShopId;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal, Role};
use crate::finance_api::{PeriodQuery, period, shop_id, unknown_shop};
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::forecasts::{self as stored, ProposalRow};
use crate::store::{Tx, catalog, commerce, money, stock};

/// A product created this recently that a shop never ordered is suggested as new.
const NEW_PRODUCT_MS: i64 = 8 * WEEK_MS;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The shop asked about, for its account manager and for the team (admins, staff who
/// read orders).
fn team_shop(principal: &Principal, shop: &str) -> Result<ShopId, AppError> {
    let shop = shop_id(shop)?;
    let allowed = match principal.role {
        Role::Manager => principal.acts_for(&shop),
        Role::Admin => true,
        Role::Staff => principal.may(Permission::OrdersRead),
        Role::Shop | Role::Key => false,
    };
    if allowed {
        Ok(shop)
    } else {
        Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "not a shop you look after",
        ))
    }
}

/// The seven days from `week_start` count as paused when the shop was closed on four of
/// them or more (`pauses`: first and last local midnight of each pause).
fn week_paused(pauses: &[(i64, i64)], week_start: i64) -> bool {
    (0..7)
        .filter(|day| {
            let at = week_start + day * DAY_MS;
            pauses
                .iter()
                .any(|(from, until)| (*from..=*until).contains(&at))
        })
        .count()
        >= 4
}

fn pause_spans(pauses: &[Pause]) -> Vec<(i64, i64)> {
    pauses
        .iter()
        .filter_map(|p| {
            Some((
                day_start(&p.from, UTC_OFFSET_MINUTES)?,
                day_start(&p.until, UTC_OFFSET_MINUTES)?,
            ))
        })
        .collect()
}

/// Per past week, whether the shop ordered all that its quota on `sku` allows in a week
/// (seven days' worth of a daily quota; the whole of a weekly or monthly one): demand
/// that week was at least what it ordered, so the forecast treats it as censored. Empty
/// for a product without a quota.
fn capped_weeks(
    quotas: &[domain::quota::Quota],
    sku: &domain::sku::Sku,
    weeks: &[u32],
) -> Vec<bool> {
    let allowance = quotas
        .iter()
        .filter(|q| &q.sku == sku)
        .map(|q| match q.period {
            domain::quota::Period::Day => q.max_quantity.saturating_mul(7),
            domain::quota::Period::Week | domain::quota::Period::Month => q.max_quantity,
        })
        .min();
    match allowance {
        Some(allowance) => weeks.iter().map(|q| *q > 0 && *q >= allowance).collect(),
        None => Vec::new(),
    }
}

/// Weeks of every shop's orders the categories' calendar factors are estimated from:
/// three years, so each holiday has earlier years to be judged from.
const SEASON_WEEKS: usize = 156;

type Factors = std::sync::Arc<BTreeMap<CategoryId, Vec<Decimal>>>;

/// The categories' calendar factors (`domain::seasonality`), worked out at most once a
/// day per process and again when the holidays change: they read three years of every
/// shop's orders.
#[derive(Default)]
pub struct SeasonCache {
    entry: std::sync::Mutex<Option<(u64, Factors)>>,
}

/// Which holiday each week (starting at local midnight) falls in, by the holiday that
/// has most of its days, and the week's place in it; the admin's factor for the week.
fn calendar_weeks(holidays: &[Holiday], weeks: &[i64]) -> Vec<CalendarWeek> {
    let spans: Vec<(i64, i64, &Holiday)> = holidays
        .iter()
        .filter_map(|h| {
            Some((
                day_start(&h.from, UTC_OFFSET_MINUTES)?,
                day_start(&h.until, UTC_OFFSET_MINUTES)?,
                h,
            ))
        })
        .collect();
    weeks
        .iter()
        .map(|week| {
            let days = |from: i64, until: i64| {
                (0..7)
                    .filter(|d| (from..=until).contains(&(week + d * DAY_MS)))
                    .count()
            };
            let holiday = spans
                .iter()
                .map(|(from, until, h)| (days(*from, *until), *from, *h))
                .filter(|(n, ..)| *n > 0)
                .max_by_key(|(n, ..)| *n)
                .map(|(_, from, h)| {
                    let place = (week + WEEK_MS - DAY_MS - from).div_euclid(WEEK_MS);
                    (h.name.clone(), u32::try_from(place).unwrap_or(0))
                });
            CalendarWeek {
                holiday,
                entered: week_factor(holidays, *week).0,
            }
        })
        .collect()
}

/// Each category's factor for the [`SEASON_WEEKS`] weeks before `today`'s week, for
/// that week and for the weeks after it an order may cover (up to [`MAX_COVER_WEEKS`]
/// in all), from every shop's orders.
fn category_factors(
    tx: &mut Tx<'_>,
    cache: &catalog::CatalogCache,
    seasons: &SeasonCache,
    holidays: &[Holiday],
    today: i64,
) -> Result<Factors, AppError> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    today.hash(&mut hasher);
    format!("{holidays:?}").hash(&mut hasher);
    let key = hasher.finish();
    if let Some((cached, factors)) = seasons
        .entry
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        && *cached == key
    {
        return Ok(factors.clone());
    }
    let season = i64::try_from(SEASON_WEEKS).unwrap_or(0);
    let weeks: Vec<i64> = (-season..i64::from(MAX_COVER_WEEKS))
        .map(|n| today + n * WEEK_MS)
        .collect();
    let calendar = calendar_weeks(holidays, &weeks);
    let products = catalog::products(tx, cache)?;
    let mut totals: BTreeMap<CategoryId, Vec<u64>> = BTreeMap::new();
    for (sku, weekly) in stored::weekly_by_sku_all(tx, SEASON_WEEKS, today)? {
        let Some(product) = products.get(&sku) else {
            continue;
        };
        let sum = totals
            .entry(product.category.clone())
            .or_insert_with(|| vec![0; SEASON_WEEKS]);
        for (total, units) in sum.iter_mut().zip(weekly) {
            *total = total.saturating_add(units);
        }
    }
    let factors: Factors = std::sync::Arc::new(
        totals
            .into_iter()
            .map(|(category, weekly)| (category, estimate_factors(&weekly, &calendar)))
            .collect(),
    );
    *seasons.entry.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, factors.clone()));
    Ok(factors)
}

/// What a device needs to suggest `shop`'s order for the seven days from today, or for
/// up to [`MAX_COVER_WEEKS`] weeks (until the manager's next visit).
pub fn shop_demand(
    tx: &mut Tx<'_>,
    cache: &catalog::CatalogCache,
    seasons: &SeasonCache,
    shop: &ShopId,
) -> Result<ShopDemand, AppError> {
    let now = tx.now_ms;
    let today = period_start(Period::Day, now, UTC_OFFSET_MINUTES);
    let holidays = stored::holidays(tx)?;
    let spans = pause_spans(&stored::pauses(tx, shop)?);
    let weeks: Vec<i64> = (0..HISTORY_WEEKS)
        .map(|i| today - i64::try_from(HISTORY_WEEKS - i).unwrap_or(0) * WEEK_MS)
        .collect();
    let history = stored::weekly_by_sku(tx, shop, HISTORY_WEEKS, today)?;
    let ordered_today = stored::ordered_since(tx, shop, today)?;
    let shelves = stored::shelf_counts(
        tx,
        shop,
        today - domain::forecast::CARRY_COUNT_WEEKS * WEEK_MS,
        today,
    )?;
    let products = catalog::products(tx, cache)?;
    let profile = commerce::profile(tx, shop)?;
    let ordered = commerce::ordered_for_quotas(tx, shop, &profile, now)?;
    let mut skus: Vec<_> = history.keys().cloned().collect();
    let new_products: Vec<_> = stored::new_products(tx, now - NEW_PRODUCT_MS)?
        .into_iter()
        .filter(|sku| !history.contains_key(sku) && !ordered_today.contains_key(sku))
        .filter(|sku| products.get(sku).is_some_and(|p| p.active))
        .collect();
    skus.extend(new_products.iter().cloned());
    let inventory = stock::levels(tx, skus.iter())?;
    let tracked: std::collections::BTreeSet<_> = inventory
        .levels
        .keys()
        .map(|(_, sku)| sku.clone())
        .collect();
    let (next_factor, next_holidays) = week_factor(&holidays, today);
    let demand_products = skus
        .iter()
        .filter_map(|sku| {
            let product = products.get(sku).filter(|p| p.active)?;
            let quota_remaining = profile
                .quotas
                .iter()
                .filter(|q| &q.sku == sku)
                .map(|q| {
                    q.max_quantity
                        .saturating_sub(ordered.get(&(sku.clone(), q.period)).copied().unwrap_or(0))
                })
                .min();
            // Two years of weeks per product add up on a manager's phone, which keeps
            // every shop's demand: the weeks before the first order are left out.
            let weeks: Vec<u32> = history
                .get(sku)
                .map(|weeks| weeks.iter().copied().skip_while(|q| *q == 0).collect())
                .unwrap_or_default();
            Some(ProductDemand {
                sku: sku.clone(),
                category: Some(product.category.clone()),
                capped: capped_weeks(&profile.quotas, sku, &weeks),
                weeks,
                pack_size: product.pack_size,
                quota_remaining,
                available: tracked
                    .contains(sku)
                    .then(|| inventory.available_to_promise(sku)),
                ordered: ordered_today.get(sku).copied().unwrap_or(0),
                shelf: shelves
                    .get(sku)
                    .map(|(units, counted_ms, ordered_since)| ShelfCount {
                        units: *units,
                        counted_ms: *counted_ms,
                        ordered_since: *ordered_since,
                    }),
            })
        })
        .collect::<Vec<ProductDemand>>();
    let estimated = category_factors(tx, cache, seasons, &holidays, today)?;
    let cover = usize::try_from(MAX_COVER_WEEKS).unwrap_or(1);
    let wanted: std::collections::BTreeSet<&CategoryId> = demand_products
        .iter()
        .filter_map(|p| p.category.as_ref())
        .collect();
    let categories: Vec<CategoryFactors> = wanted
        .into_iter()
        .filter_map(|category| {
            let factors = estimated.get(category)?;
            Some(CategoryFactors {
                category: category.clone(),
                factors: factors[factors.len().saturating_sub(HISTORY_WEEKS + cover)..].to_vec(),
            })
        })
        .collect();
    Ok(ShopDemand {
        categories,
        week_ms: today,
        paused: weeks.iter().map(|w| week_paused(&spans, *w)).collect(),
        factors: weeks.iter().map(|w| week_factor(&holidays, *w).0).collect(),
        next_factor,
        next_holidays,
        next_paused: week_paused(&spans, today),
        ahead: (1..i64::from(MAX_COVER_WEEKS))
            .map(|n| {
                let start = today + n * WEEK_MS;
                let (factor, holidays) = week_factor(&holidays, start);
                WeekAhead {
                    factor,
                    holidays,
                    paused: week_paused(&spans, start),
                }
            })
            .collect(),
        products: demand_products,
        new_products,
        as_of_ms: now,
    })
}

/// `GET /api/shops/{shop}/demand`.
pub async fn demand(
    State(state): State<AppState>,
    principal: Principal,
    shop: Result<Path<String>, PathRejection>,
) -> Result<Json<ShopDemand>, AppError> {
    let Path(shop) = shop.map_err(|r| AppError::rejected("bad_shop", r.status(), r.body_text()))?;
    let shop = team_shop(&principal, &shop)?;
    let cache = state.catalog.clone();
    let seasons = state.seasons.clone();
    Ok(Json(
        state
            .store
            .read(move |tx| -> Result<ShopDemand, AppError> {
                if !catalog::shop_exists(tx, &shop)? {
                    return Err(unknown_shop());
                }
                shop_demand(tx, &cache, &seasons, &shop)
            })
            .await?,
    ))
}

/// `GET /api/holidays` (the team).
pub async fn holidays(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<HolidayCalendar>, AppError> {
    if principal.role == Role::Shop {
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the calendar is for the distributor's team",
        ));
    }
    Ok(Json(
        state
            .store
            .read(|tx| -> Result<HolidayCalendar, AppError> {
                Ok(HolidayCalendar {
                    holidays: stored::holidays(tx)?,
                })
            })
            .await?,
    ))
}

/// `PUT /api/admin/holidays`: the whole calendar, each entry checked; audited.
pub async fn put_holidays(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<HolidayCalendar>, JsonRejection>,
) -> Result<Json<HolidayCalendar>, AppError> {
    principal.require_admin("edit the holiday calendar")?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_calendar", r.status(), r.body_text()))?;
    if body.holidays.len() > 200 {
        return Err(AppError::invalid("holidays", "too_many"));
    }
    for holiday in &body.holidays {
        holiday
            .check()
            .map_err(|(field, rule)| AppError::invalid(field, rule))?;
    }
    let who = principal.username.clone();
    Ok(Json(
        state
            .store
            .write(move |tx| -> Result<HolidayCalendar, AppError> {
                let before = stored::holidays(tx)?;
                stored::replace_holidays(tx, &body.holidays)?;
                let after = stored::holidays(tx)?;
                let change = Change {
                    kind: "terms",
                    object: "holidays",
                    action: "update",
                };
                let now = tx.now_ms;
                audit::record(tx, now, &who, change, Some(&before), Some(&after))?;
                Ok(HolidayCalendar { holidays: after })
            })
            .await?,
    ))
}

/// `GET /api/shops/{shop}/pauses`.
pub async fn pauses(
    State(state): State<AppState>,
    principal: Principal,
    shop: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<Pause>>, AppError> {
    let Path(shop) = shop.map_err(|r| AppError::rejected("bad_shop", r.status(), r.body_text()))?;
    let shop = team_shop(&principal, &shop)?;
    Ok(Json(
        state
            .store
            .read(move |tx| -> Result<Vec<Pause>, AppError> { Ok(stored::pauses(tx, &shop)?) })
            .await?,
    ))
}

/// Only the shop's manager and admins record or remove its pauses.
fn may_pause(principal: &Principal, shop: &ShopId) -> Result<(), AppError> {
    if principal.role == Role::Admin
        || (principal.role == Role::Manager && principal.acts_for(shop))
    {
        Ok(())
    } else {
        Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a shop's pauses are recorded by its account manager or an admin",
        ))
    }
}

/// `POST /api/shops/{shop}/pauses`: the shop does not order from one day to another.
pub async fn add_pause(
    State(state): State<AppState>,
    principal: Principal,
    shop: Result<Path<String>, PathRejection>,
    body: Result<Json<NewPause>, JsonRejection>,
) -> Result<(StatusCode, Json<Vec<Pause>>), AppError> {
    let Path(shop) = shop.map_err(|r| AppError::rejected("bad_shop", r.status(), r.body_text()))?;
    let shop = team_shop(&principal, &shop)?;
    may_pause(&principal, &shop)?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_pause", r.status(), r.body_text()))?;
    let from = day_start(&body.from, UTC_OFFSET_MINUTES)
        .ok_or_else(|| AppError::invalid("from", "not_a_date"))?;
    let until = day_start(&body.until, UTC_OFFSET_MINUTES)
        .ok_or_else(|| AppError::invalid("until", "not_a_date"))?;
    if until < from || until - from > 366 * DAY_MS {
        return Err(AppError::invalid("until", "out_of_range"));
    }
    if body.note.chars().count() > 200 {
        return Err(AppError::invalid("note", "too_long"));
    }
    let who = principal.username.clone();
    let pauses = state
        .store
        .write(move |tx| -> Result<Vec<Pause>, AppError> {
            if !catalog::shop_exists(tx, &shop)? {
                return Err(unknown_shop());
            }
            let (from, until) = (
                local_date(from, UTC_OFFSET_MINUTES),
                local_date(until, UTC_OFFSET_MINUTES),
            );
            stored::add_pause(tx, &shop, (&from, &until, body.note.trim()), &who)?;
            let change = Change {
                kind: "customer",
                object: shop.as_str(),
                action: "pause",
            };
            let now = tx.now_ms;
            audit::record(
                tx,
                now,
                &who,
                change,
                None::<&()>,
                Some(&(&from, &until, &body.note)),
            )?;
            Ok(stored::pauses(tx, &shop)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(pauses)))
}

/// `DELETE /api/shops/{shop}/pauses/{id}`.
pub async fn remove_pause(
    State(state): State<AppState>,
    principal: Principal,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> Result<Json<Vec<Pause>>, AppError> {
    let Path((shop, id)) =
        path.map_err(|r| AppError::rejected("bad_path", r.status(), r.body_text()))?;
    let shop = team_shop(&principal, &shop)?;
    may_pause(&principal, &shop)?;
    let who = principal.username.clone();
    Ok(Json(
        state
            .store
            .write(move |tx| -> Result<Vec<Pause>, AppError> {
                if !stored::remove_pause(tx, &shop, id)? {
                    return Err(AppError::client(
                        StatusCode::NOT_FOUND,
                        "unknown_pause",
                        "no such pause",
                    ));
                }
                let change = Change {
                    kind: "customer",
                    object: shop.as_str(),
                    action: "unpause",
                };
                let now = tx.now_ms;
                audit::record(tx, now, &who, change, Some(&id), None::<&()>)?;
                Ok(stored::pauses(tx, &shop)?)
            })
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccuracyQuery {
    pub by: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

const ACCURACY_DIMENSIONS: [&str; 3] = ["shop", "manager", "month"];

/// One proposal judged against what its shop ordered in the seven days from it.
struct Judged {
    pairs: Vec<(u32, u32)>,
}

fn percent(ratio: Option<Decimal>) -> Option<String> {
    ratio.map(|r| format!("{:.1}", (r * Decimal::from(100)).round_dp(1)))
}

fn add(row: &mut AccuracyRow, proposal: &ProposalRow, judged: Option<&Judged>, paused: bool) {
    row.proposals += 1;
    match proposal.answer.as_deref() {
        Some("ordered") => row.ordered += 1,
        Some("declined") => row.declined += 1,
        _ => row.open += 1,
    }
    if paused {
        row.paused += 1;
        return;
    }
    if let Some(judged) = judged {
        row.judged += 1;
        row.proposed_units += judged.pairs.iter().map(|(f, _)| u64::from(*f)).sum::<u64>();
        row.ordered_units += judged.pairs.iter().map(|(_, a)| u64::from(*a)).sum::<u64>();
    }
}

/// WAPE and bias of a group from its judged pairs.
fn finish(row: &mut AccuracyRow, pairs: &[(u32, u32)]) {
    row.wape = percent(domain::forecast::wape(pairs));
    row.bias = percent(domain::forecast::bias(pairs));
}

/// `GET /api/reports/forecast-accuracy?by=shop|manager|month&from=&to=`: proposals sent in
/// the period, compared SKU by SKU with what the shop ordered in the weeks each covers
/// (seven days, or up to four weeks until the manager's next visit; a proposal whose
/// weeks have not passed is counted but not judged; one for a week the shop had paused
/// is shown as paused, not as zero demand). Managers see their shops.
pub async fn accuracy(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<AccuracyQuery>, QueryRejection>,
) -> Result<Json<AccuracyReport>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let shops = crate::reports_api::report_shops(&principal)?;
    let by = query.by.clone().unwrap_or_else(|| "shop".to_owned());
    if !ACCURACY_DIMENSIONS.contains(&by.as_str()) {
        return Err(AppError::invalid("by", "unknown"));
    }
    let report = state
        .store
        .read(move |tx| -> Result<AccuracyReport, AppError> {
            let period_query = PeriodQuery {
                from: query.from.clone(),
                to: query.to.clone(),
            };
            let (from_ms, to_ms, from, to) = period(&period_query, tx.now_ms)?;
            let now = tx.now_ms;
            let proposals = stored::proposals_between(tx, (from_ms, to_ms), shops.as_deref())?;
            let names = money::shops_and_managers(tx)?;
            let staff = crate::store::accounts::display_names(tx)?;
            let mut groups: BTreeMap<String, (AccuracyRow, Vec<(u32, u32)>)> = BTreeMap::new();
            let mut total = (AccuracyRow::default(), Vec::new());
            let mut spans: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
            // Each shop's order lines over the period and the week after, read once.
            let mut lines: BTreeMap<String, Vec<(String, i64, u32)>> = BTreeMap::new();
            for proposal in &proposals {
                let shop = ShopId::parse(&proposal.shop).map_err(|_| unknown_shop())?;
                if !spans.contains_key(&proposal.shop) {
                    let found = pause_spans(&stored::pauses(tx, &shop)?);
                    spans.insert(proposal.shop.clone(), found);
                    let longest = i64::from(domain::forecast::MAX_COVER_WEEKS) * WEEK_MS;
                    let read =
                        stored::lines_between(tx, &proposal.shop, (from_ms, to_ms + longest))?;
                    lines.insert(proposal.shop.clone(), read);
                }
                let day = period_start(Period::Day, proposal.sent_ms, UTC_OFFSET_MINUTES);
                let paused = week_paused(&spans[&proposal.shop], day);
                let covered = proposal.sent_ms + i64::from(proposal.weeks.max(1)) * WEEK_MS;
                let judged = if covered <= now {
                    let held = &lines[&proposal.shop];
                    let first = held.partition_point(|(_, at, _)| *at < proposal.sent_ms);
                    let mut ordered: BTreeMap<String, u32> = BTreeMap::new();
                    for (sku, _, quantity) in
                        held[first..].iter().take_while(|(_, at, _)| *at < covered)
                    {
                        *ordered.entry(sku.clone()).or_default() += quantity;
                    }
                    let mut skus: std::collections::BTreeSet<&String> =
                        proposal.lines.keys().collect();
                    skus.extend(ordered.keys());
                    Some(Judged {
                        pairs: skus
                            .into_iter()
                            .map(|sku| {
                                (
                                    proposal.lines.get(sku).copied().unwrap_or(0),
                                    ordered.get(sku).copied().unwrap_or(0),
                                )
                            })
                            .collect(),
                    })
                } else {
                    None
                };
                let (key, label) = match by.as_str() {
                    "shop" => (
                        proposal.shop.clone(),
                        LocalizedText::same(
                            &names
                                .get(&proposal.shop)
                                .map(|n| n.0.clone())
                                .unwrap_or_default(),
                        ),
                    ),
                    "manager" => (
                        proposal.sender.clone(),
                        LocalizedText::same(
                            staff.get(&proposal.sender).map_or(&proposal.sender, |n| n),
                        ),
                    ),
                    _ => {
                        let month =
                            local_date(proposal.sent_ms, UTC_OFFSET_MINUTES)[..7].to_owned();
                        (month.clone(), LocalizedText::same(&month))
                    }
                };
                let group = groups.entry(key.clone()).or_insert_with(|| {
                    (
                        AccuracyRow {
                            key,
                            label,
                            ..AccuracyRow::default()
                        },
                        Vec::new(),
                    )
                });
                add(&mut group.0, proposal, judged.as_ref(), paused);
                add(&mut total.0, proposal, judged.as_ref(), paused);
                if let Some(judged) = judged.filter(|_| !paused) {
                    group.1.extend(judged.pairs.iter().copied());
                    total.1.extend(judged.pairs);
                }
            }
            let rows = groups
                .into_values()
                .map(|(mut row, pairs)| {
                    finish(&mut row, &pairs);
                    row
                })
                .collect();
            finish(&mut total.0, &total.1);
            Ok(AccuracyReport {
                by,
                from,
                to,
                rows,
                total: total.0,
            })
        })
        .await?;
    Ok(Json(report))
}

/// `POST /api/visits`: an account manager records a visit to one of his shops (sent
/// again after a lost answer, it is stored once). Answers his shops' latest visits.
pub async fn add_visit(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<api::Visit>, JsonRejection>,
) -> Result<Json<Vec<api::Visit>>, AppError> {
    let Json(mut visit) =
        body.map_err(|r| AppError::rejected("malformed_visit", r.status(), r.body_text()))?;
    let shop = shop_id(&visit.shop)?;
    if principal.role != Role::Manager || !principal.acts_for(&shop) {
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "visits are recorded by the shop's account manager",
        ));
    }
    let id_ok = !visit.id.is_empty()
        && visit.id.len() <= 64
        && visit
            .id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(AppError::invalid("id", "malformed"));
    }
    if visit.note.chars().count() > 1000 {
        return Err(AppError::invalid("note", "too_long"));
    }
    if let Some(next) = visit.next_visit.as_deref().map(str::trim) {
        if next.is_empty() {
            visit.next_visit = None;
        } else if day_start(next, UTC_OFFSET_MINUTES).is_none() {
            return Err(AppError::invalid("next_visit", "not_a_date"));
        } else {
            visit.next_visit = Some(next.to_owned());
        }
    }
    visit.manager = principal.username.clone();
    visit.note = visit.note.trim().to_owned();
    let shops: Vec<String> = principal.shops.iter().map(ToString::to_string).collect();
    Ok(Json(
        state
            .store
            .write(move |tx| -> Result<Vec<api::Visit>, AppError> {
                // A phone's clock may be off: a visit is never later than its arrival.
                visit.visited_ms = visit.visited_ms.clamp(0, tx.now_ms);
                stored::add_visit(tx, &visit)?;
                Ok(stored::latest_visits(tx, Some(&shops))?)
            })
            .await?,
    ))
}

/// `GET /api/visits`: the latest visit of each shop (a manager's own shops); with
/// `?shop=`, that shop's visits, newest first.
pub async fn visits(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<VisitsQuery>, QueryRejection>,
) -> Result<Json<Vec<api::Visit>>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let shops = crate::reports_api::report_shops(&principal)?;
    let one = match query.shop {
        Some(shop) => {
            let shop = shop_id(&shop)?.to_string();
            if shops.as_ref().is_some_and(|shops| !shops.contains(&shop)) {
                return Err(AppError::client(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "not a shop you look after",
                ));
            }
            Some(shop)
        }
        None => None,
    };
    Ok(Json(
        state
            .store
            .read(move |tx| -> Result<Vec<api::Visit>, AppError> {
                Ok(match &one {
                    Some(shop) => stored::visits_of(tx, shop, VISITS_SHOWN)?,
                    None => stored::latest_visits(tx, shops.as_deref())?,
                })
            })
            .await?,
    ))
}

/// The most visits of one shop `GET /api/visits?shop=` answers (newest first).
const VISITS_SHOWN: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct VisitsQuery {
    /// One shop's visits, newest first (else the latest visit of each shop).
    shop: Option<String>,
}
