//! The back office's customers: `GET /api/admin/shops` (search by id, name, owner or
//! manager; pages) and `GET /api/admin/shops/{id}` (everything the shop's account holds),
//! which admins and staff read; admins create shops (`POST`), change them (`PUT`) and move
//! their prepaid and points balances by entries with a reason (`POST …/entries`).

use api::{
    AccountEntry, AccountSettings, CustomerDetail, CustomerEdit, CustomerOptions, CustomerPage,
    CustomerQuery, CustomerRow, EntryKind, NewCustomer, NewEntry,
};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use docs::schema::create_document;
use docs::schema::doc_id::DocId;
use domain::checkout::ShopProfile;
use domain::credit::CustomerAccount;
use domain::money::{Currency, Money};
use domain::sku::{ShopId, TierId};

use crate::app_error::AppError;
use crate::auth::{Principal, check_new_credentials, hash_password, with_hash_permit};
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::customers::{self, ShopRow};
use crate::store::{Tx, accounts, catalog, commerce, documents};

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

#[utoipa::path(get, path = "/admin/shops", tag = "customers", params(api::CustomerQuery),
    responses(
        (status = 200, description = "A page of shops (customers)", body = api::CustomerPage),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<CustomerQuery>, QueryRejection>,
) -> Result<Json<CustomerPage>, AppError> {
    principal.require_office_or("customers:read")?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let needle = query
        .q
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let after = query.after.clone();
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
            let mut rest = matching
                .into_iter()
                .filter(|shop| {
                    after
                        .as_deref()
                        .is_none_or(|after| shop.id.as_str() > after)
                })
                .skip(offset);
            let customers: Vec<CustomerRow> = rest
                .by_ref()
                .take(limit)
                .map(|shop| row(tx, shop))
                .collect::<anyhow::Result<_>>()?;
            let next = rest.next().and(customers.last()).map(|c| c.id.clone());
            Ok(CustomerPage {
                total,
                offset,
                customers,
                next,
            })
        })
        .await?;
    Ok(Json(page))
}

#[utoipa::path(get, path = "/admin/shops/{shop}", tag = "customers",
    params(("shop" = String, Path)),
    responses(
        (status = 200, description = "One shop: its terms, owners, managers, account", body = api::CustomerDetail),
        (status = "4XX", description = "Refused or no such shop", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CustomerDetail>, AppError> {
    principal.require_office_or("customers:read")?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_shop", "no such shop");
    let shop = ShopId::parse(&id).map_err(|_| unknown())?;
    let detail = state
        .store
        .read(move |tx| -> anyhow::Result<Option<CustomerDetail>> {
            let Some(customer) = snapshot(tx, &shop)? else {
                return Ok(None);
            };
            let own_prices = customers::own_prices(tx, &shop)?;
            let (orders, open_orders) = customers::order_counts(tx, &shop)?;
            let entries = entry_rows(tx, &shop)?;
            Ok(Some(CustomerDetail {
                customer,
                own_prices,
                orders,
                open_orders,
                entries,
            }))
        })
        .await?;
    detail.map(Json).ok_or_else(unknown)
}

/// `GET /api/admin/customer-options`: the tiers and account managers a shop can be given.
pub async fn options(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<CustomerOptions>, AppError> {
    principal.require_office()?;
    let options = state
        .store
        .read(|tx| -> anyhow::Result<CustomerOptions> {
            Ok(CustomerOptions {
                tiers: catalog::tiers(tx)?
                    .into_iter()
                    .map(|t| t.as_str().to_owned())
                    .collect(),
                managers: accounts::users_with_role(tx, "manager")?
                    .into_iter()
                    .map(|(_, username, display)| (username, display))
                    .collect(),
            })
        })
        .await?;
    Ok(Json(options))
}

fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "required"));
    }
    if name.chars().count() > 80 {
        return Err(AppError::invalid("name", "too_long"));
    }
    Ok(name.to_owned())
}

fn check_region(region: &str) -> Result<String, AppError> {
    let region = region.trim();
    if region.chars().count() > 40 {
        return Err(AppError::invalid("region", "too_long"));
    }
    Ok(region.to_owned())
}

/// The tier exists and every manager is an account manager: their user ids.
fn check_tier_and_managers(
    tx: &mut Tx<'_>,
    tier: &str,
    managers: &[String],
) -> Result<Vec<i64>, AppError> {
    let known = TierId::parse(tier)
        .ok()
        .map(|tier| catalog::tier_exists(tx, &tier))
        .transpose()?
        .unwrap_or(false);
    if !known {
        return Err(AppError::invalid("tier", "unknown"));
    }
    let mut ids = Vec::with_capacity(managers.len());
    for username in managers {
        match accounts::user_by_name(tx, username, "manager")? {
            Some((id, _)) => ids.push(id),
            None => return Err(AppError::invalid("managers", "unknown")),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The customer as the back office shows it, for the audit log.
fn snapshot(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<Option<CustomerRow>> {
    let found = customers::shop(tx, shop)?;
    found.map(|found| row(tx, found)).transpose()
}

/// Everything about a new shop that can be refused before anything is written: its id,
/// name, region, owner's sign-in, tier and managers, and that neither the id nor the
/// username is taken. Returns the shop's id and its managers' user ids.
pub(crate) fn check_new_shop(
    tx: &mut Tx<'_>,
    new: &NewCustomer,
) -> Result<(ShopId, Vec<i64>), AppError> {
    let shop = ShopId::parse(new.id.trim()).map_err(|_| AppError::invalid("id", "malformed"))?;
    check_name(&new.name)?;
    check_region(&new.region)?;
    check_new_credentials(
        (&new.owner_username, "owner_username"),
        (&new.owner_password, "owner_password"),
    )?;
    let managers = check_tier_and_managers(tx, &new.tier, &new.managers)?;
    if catalog::shop_exists(tx, &shop)? {
        return Err(AppError::invalid("id", "taken"));
    }
    if accounts::username_taken(tx, &new.owner_username)? {
        return Err(AppError::invalid("owner_username", "taken"));
    }
    Ok((shop, managers))
}

/// Stores a new shop (checked again here) with its owner's sign-in (`hash`: the password
/// already hashed), its documents and every warehouse to deliver from.
pub(crate) fn store_new_shop(
    tx: &mut Tx<'_>,
    (cache, actor, who): (&documents::DocCache, &automerge::ActorId, &str),
    new: &NewCustomer,
    hash: &str,
) -> Result<CustomerRow, AppError> {
    let (shop, managers) = check_new_shop(tx, new)?;
    let name = check_name(&new.name)?;
    let region = check_region(&new.region)?;
    let owner_name = new.owner_display_name.trim();
    let owner_name: String = if owner_name.is_empty() {
        name.clone()
    } else {
        owner_name.chars().take(80).collect()
    };
    catalog::put_shop(tx, shop.as_str(), &name, &new.tier)?;
    for (rank, warehouse) in customers::warehouses(tx)?.iter().enumerate() {
        catalog::add_shop_warehouse(tx, shop.as_str(), warehouse, rank)?;
    }
    accounts::create_user(
        tx,
        &new.owner_username,
        &owner_name,
        hash,
        "shop",
        Some(shop.as_str()),
    )?;
    customers::set_managers(tx, &shop, &managers)?;
    let profile = ShopProfile {
        region,
        ..ShopProfile::default()
    };
    commerce::set_profile(tx, &shop, &profile)?;
    for id in [
        DocId::ShopPrices(shop.clone()),
        DocId::Cart(shop.clone()),
        DocId::Proposal(shop.clone()),
        DocId::OrderRequests(shop.clone(), 0),
        DocId::OrderStatus(shop.clone(), 0),
    ] {
        let doc = create_document(&id, actor.clone()).map_err(anyhow::Error::from)?;
        documents::create(tx, &id, doc)?;
    }
    crate::commerce::publish_shop(tx, cache, actor, &shop)?;
    let created = snapshot(tx, &shop)?.ok_or_else(|| anyhow::anyhow!("{shop} was not stored"))?;
    let change = Change {
        kind: "customer",
        object: shop.as_str(),
        action: "create",
    };
    audit::record(tx, tx.now_ms, who, change, None::<&()>, Some(&created))?;
    Ok(created)
}

/// A shop's name, tier, active state, region and managers as one change (what a CSV row
/// holds); its account, quotas and ordering days are kept. `None` if nothing would change.
pub(crate) fn change_basics(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    (name, tier, active, region, managers): (&str, &str, bool, &str, &[String]),
) -> Result<Option<(CustomerRow, Vec<i64>)>, AppError> {
    let name = check_name(name)?;
    let region = check_region(region)?;
    let ids = check_tier_and_managers(tx, tier, managers)?;
    let before = snapshot(tx, shop)?.ok_or_else(|| AppError::invalid("id", "unknown"))?;
    let mut wanted = managers.to_vec();
    wanted.sort();
    wanted.dedup();
    let same = before.name == name
        && before.tier == tier
        && before.active == active
        && before.profile.region == region
        && before.managers == wanted;
    Ok((!same).then_some((before, ids)))
}

/// Writes what [`change_basics`] checked, publishes the shop and records the change.
pub(crate) fn store_basics(
    tx: &mut Tx<'_>,
    (cache, actor, who): (&documents::DocCache, &automerge::ActorId, &str),
    shop: &ShopId,
    (name, tier, active, region): (&str, &str, bool, &str),
    (before, managers): (CustomerRow, Vec<i64>),
) -> Result<(), AppError> {
    let mut profile = commerce::stored_profile(tx, shop)?;
    profile.region = region.trim().to_owned();
    commerce::set_profile(tx, shop, &profile)?;
    customers::update_shop(tx, shop, name.trim(), tier, active)?;
    customers::set_managers(tx, shop, &managers)?;
    crate::commerce::publish_shop(tx, cache, actor, shop)?;
    let after = snapshot(tx, shop)?.ok_or_else(|| AppError::invalid("id", "unknown"))?;
    let change = Change {
        kind: "customer",
        object: shop.as_str(),
        action: "update",
    };
    audit::record(tx, tx.now_ms, who, change, Some(&before), Some(&after))?;
    Ok(())
}

/// `POST /api/admin/shops`: a new shop with its owner's sign-in, its documents and every
/// warehouse to deliver from; its devices can sign in and order at once.
#[utoipa::path(post, path = "/admin/shops", tag = "customers",
    request_body = api::NewCustomer,
    responses(
        (status = 201, description = "Created, with its owner's sign-in", body = api::CustomerRow),
        (status = "4XX", description = "Refused (taken id or username, unknown tier or manager …)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<NewCustomer>, JsonRejection>,
) -> Result<(StatusCode, Json<CustomerRow>), AppError> {
    principal.require_admin("manage customers")?;
    let Json(new) =
        body.map_err(|r| AppError::rejected("malformed_customer", r.status(), r.body_text()))?;
    // What can be refused without the database is, before the password is hashed.
    ShopId::parse(new.id.trim()).map_err(|_| AppError::invalid("id", "malformed"))?;
    check_name(&new.name)?;
    check_region(&new.region)?;
    check_new_credentials(
        (&new.owner_username, "owner_username"),
        (&new.owner_password, "owner_password"),
    )?;
    let password = new.owner_password.clone();
    let hash = with_hash_permit(&state.hashing, move || hash_password(&password)).await??;
    let (actor, store, who) = (
        state.actor.clone(),
        state.store.clone(),
        principal.username.clone(),
    );
    let created = state
        .store
        .write(move |tx| store_new_shop(tx, (store.docs(), &actor, &who), &new, &hash))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

fn parse_money(text: &str, field: &str) -> Result<Money, AppError> {
    Money::parse(text.trim(), Currency::Cny).map_err(|_| AppError::invalid(field, "not_a_price"))
}

/// The account an admin set, on top of the balances the shop holds.
fn account_from(
    settings: &AccountSettings,
    held: Option<&CustomerAccount>,
) -> Result<CustomerAccount, AppError> {
    let credit_limit = settings
        .credit_limit
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(|text| parse_money(text, "account.credit_limit"))
        .transpose()?;
    if credit_limit.is_some_and(|limit| limit.amount().is_sign_negative()) {
        return Err(AppError::invalid("account.credit_limit", "negative"));
    }
    if settings.grace_days > 365 {
        return Err(AppError::invalid("account.grace_days", "out_of_range"));
    }
    let suspended = settings
        .suspended
        .as_deref()
        .map(|reason| reason.trim().chars().take(200).collect::<String>());
    let zero = Money::zero(Currency::Cny);
    Ok(CustomerAccount {
        terms: settings.terms,
        suspended,
        credit_limit,
        open_invoices: held.map(|a| a.open_invoices.clone()).unwrap_or_default(),
        unbilled: held.map_or(zero, |a| a.unbilled),
        prepaid_balance: held.map_or(zero, |a| a.prepaid_balance),
        grace_days: settings.grace_days,
        on_account: None,
    })
}

fn check_quotas_and_window(tx: &mut Tx<'_>, edit: &CustomerEdit) -> Result<(), AppError> {
    for quota in &edit.quotas {
        if !catalog::product_exists(tx, &quota.sku)? {
            return Err(AppError::invalid("quotas.sku", "unknown"));
        }
        if quota.max_quantity == 0 {
            return Err(AppError::invalid("quotas.max_quantity", "out_of_range"));
        }
    }
    if let Some(window) = &edit.window {
        if window.weekdays.is_empty() || window.weekdays.iter().any(|day| *day > 6) {
            return Err(AppError::invalid("window.weekdays", "out_of_range"));
        }
        if window.cutoff_minute.is_some_and(|minute| minute >= 24 * 60) {
            return Err(AppError::invalid("window.cutoff_minute", "out_of_range"));
        }
    }
    Ok(())
}

/// `PUT /api/admin/shops/{shop}`: name, tier, active, region, managers, account settings,
/// quotas and ordering days, in one change; balances are kept. The shop's devices see it
/// at their next sync (a new tier's prices too).
#[utoipa::path(put, path = "/admin/shops/{shop}", tag = "customers",
    params(("shop" = String, Path)),
    request_body = api::CustomerEdit,
    responses(
        (status = 200, description = "Changed", body = api::CustomerRow),
        (status = "4XX", description = "Refused or no such shop", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Json<CustomerEdit>, JsonRejection>,
) -> Result<Json<CustomerRow>, AppError> {
    principal.require_admin("manage customers")?;
    let Json(edit) =
        body.map_err(|r| AppError::rejected("malformed_customer", r.status(), r.body_text()))?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_shop", "no such shop");
    let shop = ShopId::parse(&id).map_err(|_| unknown())?;
    let name = check_name(&edit.name)?;
    let region = check_region(&edit.region)?;
    let (actor, store, who) = (
        state.actor.clone(),
        state.store.clone(),
        principal.username.clone(),
    );
    let updated = state
        .store
        .write(move |tx| -> Result<CustomerRow, AppError> {
            let Some(before) = snapshot(tx, &shop)? else {
                return Err(unknown());
            };
            let managers = check_tier_and_managers(tx, &edit.tier, &edit.managers)?;
            check_quotas_and_window(tx, &edit)?;
            let mut profile = commerce::stored_profile(tx, &shop)?;
            let account = edit
                .account
                .as_ref()
                .map(|settings| account_from(settings, profile.account.as_ref()))
                .transpose()?;
            if account.is_none()
                && profile
                    .account
                    .as_ref()
                    .is_some_and(|held| !held.prepaid_balance.is_zero())
            {
                return Err(AppError::invalid("account", "holds_balance"));
            }
            let terms_changed =
                profile.account.as_ref().map(|a| a.terms) != account.as_ref().map(|a| a.terms);
            profile.region = region.clone();
            profile.account = account;
            profile.quotas = edit.quotas.clone();
            profile.window = edit.window.clone();
            commerce::set_profile(tx, &shop, &profile)?;
            if terms_changed {
                // What counts as paid in advance follows the terms.
                commerce::recount_unbilled(tx, &shop)?;
            }
            customers::update_shop(tx, &shop, &name, &edit.tier, edit.active)?;
            customers::set_managers(tx, &shop, &managers)?;
            crate::commerce::publish_shop(tx, store.docs(), &actor, &shop)?;
            let after = snapshot(tx, &shop)?.ok_or_else(unknown)?;
            let change = Change {
                kind: "customer",
                object: shop.as_str(),
                action: "update",
            };
            audit::record(tx, tx.now_ms, &who, change, Some(&before), Some(&after))?;
            Ok(after)
        })
        .await?;
    Ok(Json(updated))
}

fn entry_kind(kind: &str) -> EntryKind {
    match kind {
        "points" => EntryKind::Points,
        "credit" => EntryKind::Credit,
        "invoice" => EntryKind::Invoice,
        "payment" => EntryKind::Payment,
        _ => EntryKind::Prepaid,
    }
}

fn entry_rows(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<Vec<AccountEntry>> {
    Ok(customers::entries(tx, shop, 100)?
        .into_iter()
        .map(
            |(id, at_ms, actor, kind, amount, balance, reason)| AccountEntry {
                id,
                at_ms,
                actor,
                kind: entry_kind(&kind),
                amount,
                balance,
                reason,
            },
        )
        .collect())
}

/// `POST /api/admin/shops/{shop}/entries`: a prepaid top-up or correction, or a points
/// adjustment, with its reason. The balance moves by the amount (never below zero) and the
/// entry records what it left; the shop's devices see the new balance at their next sync.
pub async fn add_entry(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Json<NewEntry>, JsonRejection>,
) -> Result<(StatusCode, Json<AccountEntry>), AppError> {
    principal.require_admin("manage customers")?;
    let Json(entry) =
        body.map_err(|r| AppError::rejected("malformed_entry", r.status(), r.body_text()))?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_shop", "no such shop");
    let shop = ShopId::parse(&id).map_err(|_| unknown())?;
    let reason = entry.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "required"));
    }
    if reason.chars().count() > 200 {
        return Err(AppError::invalid("reason", "too_long"));
    }
    let amount_text = entry.amount.trim().trim_start_matches('+').to_owned();
    let (actor, store, who) = (
        state.actor.clone(),
        state.store.clone(),
        principal.username.clone(),
    );
    let added = state
        .store
        .write(move |tx| -> Result<AccountEntry, AppError> {
            if !catalog::shop_exists(tx, &shop)? {
                return Err(unknown());
            }
            // The row lock (PostgreSQL) keeps an order taken in meanwhile from spending
            // the balance this entry read.
            let mut profile = commerce::stored_profile(tx, &shop)?;
            let (kind, amount, balance) = match entry.kind {
                EntryKind::Prepaid => {
                    let amount = parse_money(&amount_text, "amount")?;
                    if amount.is_zero() {
                        return Err(AppError::invalid("amount", "out_of_range"));
                    }
                    let Some(account) = profile.account.as_mut() else {
                        return Err(AppError::invalid("kind", "no_account"));
                    };
                    let balance = account
                        .prepaid_balance
                        .checked_add(amount)
                        .map_err(|_| AppError::invalid("amount", "out_of_range"))?;
                    if balance.amount().is_sign_negative() && !balance.is_zero() {
                        return Err(AppError::invalid("amount", "below_zero"));
                    }
                    account.prepaid_balance = balance;
                    (
                        "prepaid",
                        amount.amount().to_string(),
                        balance.amount().to_string(),
                    )
                }
                EntryKind::Credit | EntryKind::Invoice | EntryKind::Payment => {
                    // Credits come from settled returns, invoices from shipments, payments
                    // are recorded by finance (POST /api/finance/payments).
                    return Err(AppError::invalid("kind", "not_allowed"));
                }
                EntryKind::Points => {
                    let amount: i64 = amount_text
                        .parse()
                        .map_err(|_| AppError::invalid("amount", "not_a_number"))?;
                    if amount == 0 || amount.abs() > 100_000_000 {
                        return Err(AppError::invalid("amount", "out_of_range"));
                    }
                    let balance = i64::from(profile.points_balance) + amount;
                    if balance < 0 {
                        return Err(AppError::invalid("amount", "below_zero"));
                    }
                    profile.points_balance = u32::try_from(balance)
                        .map_err(|_| AppError::invalid("amount", "out_of_range"))?;
                    ("points", amount.to_string(), balance.to_string())
                }
            };
            commerce::set_profile(tx, &shop, &profile)?;
            let at_ms = tx.now_ms;
            let id =
                customers::add_entry(tx, &shop, (at_ms, &who), kind, (&amount, &balance), &reason)?;
            crate::commerce::publish_shop(tx, store.docs(), &actor, &shop)?;
            let added = AccountEntry {
                id,
                at_ms,
                actor: who.clone(),
                kind: entry.kind,
                amount,
                balance,
                reason: reason.clone(),
            };
            let object = format!("{shop}/{kind}");
            let change = Change {
                kind: "entry",
                object: &object,
                action: "create",
            };
            audit::record(tx, at_ms, &who, change, None::<&()>, Some(&added))?;
            Ok(added)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(added)))
}
