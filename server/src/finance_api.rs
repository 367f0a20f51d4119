//! Finance in the back office (`finance`): receivables by age per shop and per account
//! manager, a shop's statement for a period, payments recorded and allocated, invoices,
//! and the reminders to follow up. A shop reads its own statement too
//! (`GET /api/shop/statement`).

use std::collections::BTreeMap;

use api::{
    InvoiceDetail, ManagerAging, PAYMENT_METHODS, PaymentRecorded, PaymentRequest, Receivables,
    ReminderTask, ShopAging, Statement,
};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::checkout::UTC_OFFSET_MINUTES;
use domain::ledger::{Aging, EntryKind};
use domain::money::{Currency, Money};
use domain::quota::{day_start, local_date};
use domain::sku::ShopId;
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal, Role};
use crate::fulfilment::Docs;
use crate::ledger::{self, PaymentIn};
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::{Tx, catalog, commerce, money};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn add(aging: &mut Aging, other: &Aging) -> Result<(), AppError> {
    let sum = |a: Money, b: Money| a.checked_add(b).map_err(anyhow::Error::from);
    aging.current = sum(aging.current, other.current)?;
    aging.days_1_30 = sum(aging.days_1_30, other.days_1_30)?;
    aging.days_31_60 = sum(aging.days_31_60, other.days_31_60)?;
    aging.days_61_90 = sum(aging.days_61_90, other.days_61_90)?;
    aging.over_90 = sum(aging.over_90, other.over_90)?;
    Ok(())
}

/// `GET /api/finance/receivables`: every shop for finance (or a key with `finance:read`);
/// an account manager's own shops for him. A report, not a list: every shop that owes,
/// the oldest debts first, in one answer.
#[utoipa::path(get, path = "/finance/receivables", tag = "finance",
    responses(
        (status = 200, description = "A report, in one answer: what each shop that owes anything owes by age (one row per such shop, oldest debts first), the totals per account manager and overall, the reminders to follow up. Invoices and payments one by one page by cursor in /invoices/changes and /payments/changes", body = api::Receivables),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn receivables(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Receivables>, AppError> {
    // Finance sees every shop; an account manager his own.
    let only: Option<Vec<String>> = if principal.role == Role::Manager {
        Some(principal.shops.iter().map(ToString::to_string).collect())
    } else {
        principal.require_or_scope(Permission::Finance, "finance:read")?;
        None
    };
    let started = std::time::Instant::now();
    let mut answer = state
        .store
        .read(move |tx| -> Result<Receivables, AppError> {
            let now = tx.now_ms;
            let mut rows = money::aging_by_shop(tx, now)?;
            if let Some(only) = &only {
                rows.retain(|(shop, _, _)| only.contains(shop));
            }
            let names = money::shops_and_managers(tx)?;
            let zero = Aging::zero(Currency::Cny);
            let mut total = zero;
            let mut shops = Vec::with_capacity(rows.len());
            let mut managers: BTreeMap<String, ManagerAging> = BTreeMap::new();
            for (shop, aging, overdue_invoices) in rows {
                add(&mut total, &aging)?;
                let (name, shop_managers) = names.get(&shop).cloned().unwrap_or_default();
                let shop_total = aging.total().map_err(anyhow::Error::from)?;
                for (username, manager_name) in &shop_managers {
                    let row = managers
                        .entry(username.clone())
                        .or_insert_with(|| ManagerAging {
                            manager: username.clone(),
                            name: manager_name.clone(),
                            aging: zero,
                            total: Money::zero(Currency::Cny),
                            shops: 0,
                        });
                    add(&mut row.aging, &aging)?;
                    row.total = row.aging.total().map_err(anyhow::Error::from)?;
                    row.shops += 1;
                }
                let blocked = overdue_invoices > 0 && {
                    let id = ShopId::parse(&shop).map_err(|e| anyhow::anyhow!("{e}"))?;
                    let profile = commerce::profile(tx, &id)?;
                    profile
                        .account
                        .is_some_and(|account| domain::credit::overdue_blocks(&account, now))
                };
                shops.push(ShopAging {
                    shop,
                    name,
                    managers: shop_managers.into_iter().map(|(u, _)| u).collect(),
                    aging,
                    total: shop_total,
                    overdue_invoices,
                    blocked,
                });
            }
            // The oldest debts first: by the oldest bucket that holds anything, then size.
            let key = |row: &ShopAging| {
                let a = &row.aging;
                let rank = [
                    a.over_90,
                    a.days_61_90,
                    a.days_31_60,
                    a.days_1_30,
                    a.current,
                ]
                .iter()
                .position(|m| !m.is_zero())
                .unwrap_or(5);
                (rank, std::cmp::Reverse(row.total.amount()))
            };
            shops.sort_by_key(key);
            let reminders = money::reminders_to_follow(tx, 200)?
                .into_iter()
                .filter(|(shop, _)| only.as_ref().is_none_or(|only| only.contains(shop)))
                .map(|(shop, reminder)| ReminderTask {
                    name: names.get(&shop).map(|n| n.0.clone()).unwrap_or_default(),
                    shop,
                    reminder,
                })
                .collect();
            Ok(Receivables {
                as_of_ms: now,
                shops,
                managers: managers.into_values().collect(),
                total,
                reminders,
                took_ms: 0,
            })
        })
        .await?;
    answer.took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Json(answer))
}

/// `?from=2026-11-01&to=2026-11-30`: days in China time, both included; the current
/// month when absent.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// The first day (`2026-11-01`, China time; the month's first day if absent or empty).
    #[serde(default)]
    #[param(pattern = r"^$|^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
    pub from: Option<String>,
    /// The last day, included (today if absent or empty).
    #[param(pattern = r"^$|^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
    pub to: Option<String>,
}

pub(crate) fn period(
    query: &PeriodQuery,
    now_ms: i64,
) -> Result<(i64, i64, String, String), AppError> {
    let today = local_date(now_ms, UTC_OFFSET_MINUTES);
    let first = format!("{}-01", &today[..7]);
    let from = query
        .from
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(first);
    let to = query
        .to
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(today);
    let from_ms = day_start(&from, UTC_OFFSET_MINUTES)
        .ok_or_else(|| AppError::invalid("from", "not_a_date"))?;
    let to_ms = day_start(&to, UTC_OFFSET_MINUTES)
        .ok_or_else(|| AppError::invalid("to", "not_a_date"))?
        + DAY_MS;
    if to_ms <= from_ms {
        return Err(AppError::invalid("to", "before_from"));
    }
    if to_ms - from_ms > 3 * 366 * DAY_MS {
        return Err(AppError::invalid("to", "out_of_range"));
    }
    Ok((from_ms, to_ms, from.trim().to_owned(), to.trim().to_owned()))
}

/// The statement of `shop` for `[from_ms, to_ms)`.
pub fn statement(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    (from_ms, to_ms, from, to): (i64, i64, String, String),
) -> Result<Statement, AppError> {
    let profile = commerce::profile(tx, shop)?;
    let summary = ledger::account_summary(tx, shop)?;
    let zero = Money::zero(Currency::Cny);
    let prepaid = profile.account.as_ref().map_or(zero, |a| a.prepaid_balance);
    let since = money::entries_since(tx, shop, from_ms)?;
    let (within, after): (Vec<_>, Vec<_>) = since.into_iter().partition(|e| e.at_ms < to_ms);
    let moved = |entries: &[domain::ledger::StatementEntry], receivable: bool| {
        Money::sum(
            entries
                .iter()
                .filter(|e| e.kind != EntryKind::Points && e.kind.is_receivable() == receivable)
                .map(|e| e.amount),
            Currency::Cny,
        )
    };
    let closing = summary
        .receivable
        .checked_sub(moved(&after, true).map_err(anyhow::Error::from)?)
        .map_err(anyhow::Error::from)?;
    let opening = closing
        .checked_sub(moved(&within, true).map_err(anyhow::Error::from)?)
        .map_err(anyhow::Error::from)?;
    let prepaid_closing = prepaid
        .checked_sub(moved(&after, false).map_err(anyhow::Error::from)?)
        .map_err(anyhow::Error::from)?;
    let prepaid_opening = prepaid_closing
        .checked_sub(moved(&within, false).map_err(anyhow::Error::from)?)
        .map_err(anyhow::Error::from)?;
    let ledger_now = ledger::open_ledger(&summary.open_invoices, summary.on_account);
    let aging = ledger_now
        .aging(tx.now_ms)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = catalog::shop_summary(tx, shop)?
        .map(|s| s.0)
        .unwrap_or_default();
    Ok(Statement {
        shop: shop.to_string(),
        name,
        terms: profile.account.as_ref().map(|a| a.terms),
        credit_limit: profile.account.as_ref().and_then(|a| a.credit_limit),
        from,
        to,
        as_of_ms: tx.now_ms,
        opening,
        closing,
        prepaid_opening,
        prepaid_closing,
        entries: within,
        open_invoices: summary.open_invoices,
        aging,
        on_account: summary.on_account,
        receivable: summary.receivable,
        prepaid,
        points: profile.points_balance,
        unbilled: profile.account.as_ref().map_or(zero, |a| a.unbilled),
        reminders: summary.reminders,
    })
}

pub(crate) fn shop_id(text: &str) -> Result<ShopId, AppError> {
    ShopId::parse(text.trim()).map_err(|_| AppError::invalid("shop", "unknown"))
}

pub(crate) fn unknown_shop() -> AppError {
    AppError::client(StatusCode::NOT_FOUND, "unknown_shop", "no such shop")
}

/// `GET /api/finance/shops/{shop}/statement?from=&to=`.
#[utoipa::path(get, path = "/finance/shops/{shop}/statement", tag = "finance",
    params(("shop" = domain::sku::ShopId, Path), PeriodQuery),
    responses(
        (status = 200, description = "The shop's account over the period: opening and closing balances, every entry, open invoices", body = api::Statement),
        (status = "4XX", description = "Refused, no such shop, or not a period", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn shop_statement(
    State(state): State<AppState>,
    principal: Principal,
    shop: Result<Path<String>, PathRejection>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<Statement>, AppError> {
    let Path(shop) = shop.map_err(|r| AppError::rejected("bad_shop", r.status(), r.body_text()))?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    principal.require_or_scope(Permission::Finance, "finance:read")?;
    let shop = shop_id(&shop)?;
    Ok(Json(
        state
            .store
            .read(move |tx| {
                if !catalog::shop_exists(tx, &shop)? {
                    return Err(unknown_shop());
                }
                let period = period(&query, tx.now_ms)?;
                statement(tx, &shop, period)
            })
            .await?,
    ))
}

/// `?shop=&from=&to=`: a shop user's own shop; a manager names one of his.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnStatementQuery {
    pub shop: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `GET /api/shop/statement`: the statement of the shop the user acts for (any period;
/// the phone holds only the recent entries).
pub async fn own_statement(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<OwnStatementQuery>, QueryRejection>,
) -> Result<Json<Statement>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let shop = match (&query.shop, principal.role) {
        (Some(shop), _) => shop_id(shop)?,
        (None, Role::Shop) => principal.shops.first().cloned().ok_or_else(unknown_shop)?,
        (None, _) => return Err(AppError::invalid("shop", "required")),
    };
    if !principal.acts_for(&shop) {
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "not a shop you act for",
        ));
    }
    let period_query = PeriodQuery {
        from: query.from,
        to: query.to,
    };
    Ok(Json(
        state
            .store
            .read(move |tx| {
                let period = period(&period_query, tx.now_ms)?;
                statement(tx, &shop, period)
            })
            .await?,
    ))
}

fn parse_amount(text: &str) -> Result<Money, AppError> {
    let amount = Money::parse(text.trim(), Currency::Cny)
        .map_err(|_| AppError::invalid("amount", "not_a_number"))?;
    if !amount.amount().is_sign_positive() || amount.is_zero() {
        return Err(AppError::invalid("amount", "not_positive"));
    }
    if amount.round_to_cents() != amount {
        return Err(AppError::invalid("amount", "cents"));
    }
    if amount.amount() > rust_decimal::Decimal::from(100_000_000) {
        return Err(AppError::invalid("amount", "out_of_range"));
    }
    Ok(amount)
}

/// `POST /api/finance/payments`: 201 with what it paid (or, `to_prepaid`, a top-up of
/// the shop's prepaid balance). Finance, or a key with `finance:write`. A reference the
/// shop used already is refused (409 `duplicate_payment`), so a payment sent twice is
/// recorded once.
#[utoipa::path(post, path = "/finance/payments", tag = "finance",
    request_body = api::PaymentRequest,
    responses(
        (status = 201, description = "Recorded: the invoices it paid, what is left on account, what the shop owes", body = api::PaymentRecorded),
        (status = "4XX", description = "Refused (duplicate reference, unknown invoice …)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn record_payment(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<PaymentRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<PaymentRecorded>), AppError> {
    let Json(request) =
        body.map_err(|r| AppError::rejected("malformed_payment", r.status(), r.body_text()))?;
    principal.require_or_scope(Permission::Finance, "finance:write")?;
    let shop = shop_id(&request.shop)?;
    let amount = parse_amount(&request.amount)?;
    let reference = request.reference.trim().to_owned();
    if reference.is_empty() || reference.chars().count() > 64 {
        return Err(AppError::invalid("reference", "required"));
    }
    if !PAYMENT_METHODS.contains(&request.method.as_str()) {
        return Err(AppError::invalid("method", "unknown"));
    }
    if request.invoices.len() > 200 {
        return Err(AppError::invalid("invoices", "too_many"));
    }
    if request.to_prepaid && !request.invoices.is_empty() {
        return Err(AppError::invalid("invoices", "not_with_prepaid"));
    }
    let note: String = request.note.trim().chars().take(200).collect();
    let (store, actor, who) = (
        state.store.clone(),
        state.actor.clone(),
        principal.username.clone(),
    );
    let done = state
        .store
        .write(move |tx| -> Result<PaymentRecorded, AppError> {
            if !catalog::shop_exists(tx, &shop)? {
                return Err(unknown_shop());
            }
            let received_ms = match request.received_on.as_deref().map(str::trim) {
                Some(day) if !day.is_empty() => {
                    let start = day_start(day, UTC_OFFSET_MINUTES)
                        .ok_or_else(|| AppError::invalid("received_on", "not_a_date"))?;
                    if start > tx.now_ms {
                        return Err(AppError::invalid("received_on", "in_the_future"));
                    }
                    start
                }
                _ => tx.now_ms,
            };
            let payment = PaymentIn {
                shop: &shop,
                amount,
                reference: &reference,
                method: &request.method,
                received_ms,
                invoices: &request.invoices,
                note: &note,
            };
            let done = if request.to_prepaid {
                ledger::top_up(tx, &who, &payment)?
            } else {
                ledger::record_payment(tx, &who, &payment)?
            };
            let docs = Docs {
                cache: store.docs(),
                actor: &actor,
            };
            ledger::publish_account(tx, docs, &shop)?;
            let recorded = PaymentRecorded {
                allocations: done.allocations,
                on_account: done.on_account,
                receivable: done.receivable,
            };
            let object = format!("{shop}/{reference}");
            let change = Change {
                kind: "payment",
                object: &object,
                action: "create",
            };
            audit::record(tx, tx.now_ms, &who, change, None::<&()>, Some(&recorded))?;
            Ok(recorded)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// `GET /api/finance/invoices/{number}`: finance (or a key with `finance:read`), or the
/// shop the invoice is for.
#[utoipa::path(get, path = "/finance/invoices/{number}", tag = "finance",
    params(("number" = String, Path, description = "The invoice's number")),
    responses(
        (status = 200, description = "The invoice in full, with what is still open of it", body = api::InvoiceDetail),
        (status = "4XX", description = "No such invoice (or not yours)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn invoice(
    State(state): State<AppState>,
    principal: Principal,
    number: Result<Path<String>, PathRejection>,
) -> Result<Json<InvoiceDetail>, AppError> {
    let Path(number) =
        number.map_err(|r| AppError::rejected("bad_invoice", r.status(), r.body_text()))?;
    let found = state
        .store
        .read(move |tx| -> Result<Option<InvoiceDetail>, AppError> {
            let Some((shop, invoice, open)) = money::invoice(tx, number.trim())? else {
                return Ok(None);
            };
            let name = catalog::shop_summary(tx, &shop)?
                .map(|s| s.0)
                .unwrap_or_default();
            Ok(Some(InvoiceDetail {
                shop: shop.to_string(),
                name,
                invoice,
                open,
            }))
        })
        .await?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_invoice", "no such invoice");
    let detail = found.ok_or_else(unknown)?;
    let shop = ShopId::parse(&detail.shop).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Someone else's invoice is as unknown as one that does not exist.
    if !principal.acts_for(&shop)
        && principal
            .require_or_scope(Permission::Finance, "finance:read")
            .is_err()
    {
        return Err(unknown());
    }
    Ok(Json(detail))
}

/// `POST /api/finance/reminders/{invoice}/handled`: finance followed the reminders of
/// the invoice up (204); 404 if it had none open.
pub async fn reminder_handled(
    State(state): State<AppState>,
    principal: Principal,
    number: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, AppError> {
    let Path(number) =
        number.map_err(|r| AppError::rejected("bad_invoice", r.status(), r.body_text()))?;
    principal.require(Permission::Finance)?;
    let handled = state
        .store
        .write(move |tx| money::handle_reminders(tx, number.trim()))
        .await?;
    if handled {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::client(
            StatusCode::NOT_FOUND,
            "no_reminder",
            "no reminder of this invoice is waiting",
        ))
    }
}
