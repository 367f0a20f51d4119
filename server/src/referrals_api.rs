//! Commissions (分销) over HTTP: a shop's invite code and the shops it brought in
//! (`/api/shop/referral`, for the shop, its account manager, finance and admins); taking
//! another shop's code; finance's list of inviters; the admins' rules and corrections.

use api::{
    Commissions, Invitee, Inviter, InviterBody, InviterCommissions, Referral, ReferralRulesBody,
    TakeCode,
};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::money::Money;
use domain::sku::ShopId;
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::{Permission, Principal, Role};
use crate::finance_api::{PeriodQuery, period, shop_id, unknown_shop};
use crate::referrals;
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::money::from_cents;
use crate::store::referrals as stored;
use crate::store::{Tx, commerce, customers};

#[derive(Debug, Deserialize)]
pub struct ShopQuery {
    #[serde(default)]
    pub shop: Option<String>,
}

/// The shop asked about: the user's own, one its manager acts for, or any for finance
/// and admins.
fn shop_asked(principal: &Principal, asked: Option<&str>) -> Result<ShopId, AppError> {
    let shop = match (asked, principal.role) {
        (Some(shop), _) => shop_id(shop)?,
        (None, Role::Shop) => principal.shops.first().cloned().ok_or_else(unknown_shop)?,
        (None, _) => return Err(AppError::invalid("shop", "required")),
    };
    if principal.acts_for(&shop) || principal.may(Permission::Finance) {
        Ok(shop)
    } else {
        Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "not a shop you act for",
        ))
    }
}

fn sum(values: impl Iterator<Item = i64>) -> Money {
    from_cents(values.sum())
}

/// The shop's referral page: its code (made now if it had none), its inviter, its
/// invitees and what they earned it.
fn referral(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Referral, AppError> {
    let code = stored::invite_code(tx, shop)?.ok_or_else(unknown_shop)?;
    let rules = commerce::terms(tx)?.referral;
    let inviter = match stored::inviter_of(tx, shop.as_str())? {
        Some((inviter, since_ms)) => Some(Inviter {
            name: customers::shop(tx, &inviter)?
                .map(|row| row.name)
                .unwrap_or_default(),
            shop: inviter.to_string(),
            since_ms,
        }),
        None => None,
    };
    let rows = stored::invitees(tx, shop)?;
    let may_take_code = inviter.is_none() && !stored::has_shipments(tx, shop)?;
    Ok(Referral {
        shop: shop.to_string(),
        code,
        rules,
        inviter,
        pending: sum(rows.iter().map(|r| r.pending_cents)),
        paid: sum(rows.iter().map(|r| r.paid_cents)),
        invitees: rows
            .into_iter()
            .map(|row| Invitee {
                shop: row.shop,
                name: row.name,
                since_ms: row.since_ms,
                goods: from_cents(row.goods_cents),
                pending: from_cents(row.pending_cents),
                paid: from_cents(row.paid_cents),
            })
            .collect(),
        may_take_code,
    })
}

/// `GET /api/shop/referral[?shop=]`.
pub async fn get_referral(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ShopQuery>, QueryRejection>,
) -> Result<Json<Referral>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let shop = shop_asked(&principal, query.shop.as_deref())?;
    // Writes: the code is made the first time it is asked for.
    Ok(Json(
        state.store.write(move |tx| referral(tx, &shop)).await?,
    ))
}

/// `POST /api/shop/referral` with the code of the shop that brought this one in.
pub async fn take_code(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<TakeCode>, JsonRejection>,
) -> Result<Json<Referral>, AppError> {
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_code", r.status(), r.body_text()))?;
    let shop = shop_asked(&principal, body.shop.as_deref())?;
    if !principal.acts_for(&shop) {
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the shop or its account manager enters its inviter's code",
        ));
    }
    let code = body.code.trim().to_owned();
    if code.is_empty() || code.chars().count() > 32 {
        return Err(AppError::invalid("code", "required"));
    }
    let who = principal.username.clone();
    Ok(Json(
        state
            .store
            .write(move |tx| {
                let inviter = referrals::take_code(tx, &shop, &code)?;
                let change = Change {
                    kind: "referral",
                    object: shop.as_str(),
                    action: "invite_code",
                };
                let now = tx.now_ms;
                let after = serde_json::json!({ "inviter": inviter.as_str(), "code": code });
                audit::record(tx, now, &who, change, None::<&()>, Some(&after))?;
                referral(tx, &shop)
            })
            .await?,
    ))
}

/// `GET /api/finance/commissions?from=&to=` (finance).
pub async fn commissions(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<Commissions>, AppError> {
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    principal.require(Permission::Finance)?;
    Ok(Json(
        state
            .store
            .read(move |tx| -> Result<Commissions, AppError> {
                let (from_ms, to_ms, from, to) = period(&query, tx.now_ms)?;
                let rows = stored::inviters(tx, (from_ms, to_ms))?;
                Ok(Commissions {
                    rules: commerce::terms(tx)?.referral,
                    from,
                    to,
                    pending: sum(rows.iter().map(|r| r.pending_cents)),
                    paid_in_period: sum(rows.iter().map(|r| r.paid_in_period_cents)),
                    inviters: rows
                        .into_iter()
                        .map(|row| InviterCommissions {
                            shop: row.shop,
                            name: row.name,
                            invitees: u32::try_from(row.invitees).unwrap_or(u32::MAX),
                            goods: from_cents(row.goods_cents),
                            pending: from_cents(row.pending_cents),
                            paid: from_cents(row.paid_cents),
                            paid_in_period: from_cents(row.paid_in_period_cents),
                        })
                        .collect(),
                })
            })
            .await?,
    ))
}

/// `PUT /api/admin/referral-rules`: the share and the return window, or none.
pub async fn put_rules(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<ReferralRulesBody>, JsonRejection>,
) -> Result<Json<ReferralRulesBody>, AppError> {
    principal.require_admin("set what shops earn on the shops they bring in")?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_rules", r.status(), r.body_text()))?;
    let rules = referrals::checked(body.rules)?;
    let who = principal.username.clone();
    let (actor, store) = (state.actor.clone(), state.store.clone());
    state
        .store
        .write(move |tx| -> Result<(), AppError> {
            let mut terms = commerce::terms(tx)?;
            let before = terms.clone();
            terms.referral = rules;
            commerce::set_terms(tx, &terms)?;
            let change = Change {
                kind: "terms",
                object: "referral",
                action: "update",
            };
            let now = tx.now_ms;
            audit::record(
                tx,
                now,
                &who,
                change,
                Some(&before.referral),
                Some(&terms.referral),
            )?;
            crate::commerce::publish_touched(
                tx,
                store.docs(),
                &actor,
                &crate::commerce::Touched::Terms,
            )?;
            Ok(())
        })
        .await?;
    Ok(Json(ReferralRulesBody { rules }))
}

/// `PUT /api/admin/shops/{shop}/inviter`: an admin records (or clears) who brought a
/// shop in; from then on its shipments earn that shop a commission.
pub async fn put_inviter(
    State(state): State<AppState>,
    principal: Principal,
    shop: Result<Path<String>, PathRejection>,
    body: Result<Json<InviterBody>, JsonRejection>,
) -> Result<Json<Referral>, AppError> {
    principal.require_admin("change who brought a shop in")?;
    let Path(shop) = shop.map_err(|r| AppError::rejected("bad_path", r.status(), r.body_text()))?;
    let shop = shop_id(&shop)?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_inviter", r.status(), r.body_text()))?;
    let inviter = body
        .inviter
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(shop_id)
        .transpose()?;
    let who = principal.username.clone();
    Ok(Json(
        state
            .store
            .write(move |tx| {
                if customers::shop(tx, &shop)?.is_none() {
                    return Err(unknown_shop());
                }
                if let Some(inviter) = &inviter
                    && customers::shop(tx, inviter)?.is_none()
                {
                    return Err(AppError::invalid("inviter", "unknown"));
                }
                let before = stored::inviter_of(tx, shop.as_str())?.map(|(s, _)| s.to_string());
                referrals::bind(tx, &shop, inviter.as_ref())?;
                let change = Change {
                    kind: "referral",
                    object: shop.as_str(),
                    action: "inviter",
                };
                let now = tx.now_ms;
                let after = inviter.as_ref().map(ToString::to_string);
                audit::record(tx, now, &who, change, Some(&before), Some(&after))?;
                referral(tx, &shop)
            })
            .await?,
    ))
}
