//! Admin endpoints that change what shops see: a tier's price, a shop's own price,
//! promotions, sales terms, profiles (products and categories: `catalog_api.rs`; stock: `stock_api.rs`). Each updates the server's table and the document
//! devices sync, in one transaction; shops see the change after their next sync.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use docs::schema::price_doc::write_prices;
use domain::money::{Currency, Money};
use domain::sku::{ShopId, Sku, TierId};
use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::commerce::Touched;
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::catalog::PriceList;
use crate::store::documents::{self, DocCache};
use crate::store::{Tx, catalog, commerce};

fn not_found(code: &'static str, what: impl std::fmt::Display) -> AppError {
    AppError::client(StatusCode::NOT_FOUND, code, what.to_string())
}

fn parse_price(text: &str) -> Result<Money, AppError> {
    Money::parse_price(text, Currency::Cny)
        .map_err(|e| AppError::bad_request("invalid_price", e.to_string()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceChange {
    /// The new price, or `null` to remove it (the next rule applies again).
    #[schema(value_type = Option<api::schemas::Price>)]
    pub price: Option<String>,
}

fn update_price(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    (actor, who): (&automerge::ActorId, &str),
    list: &PriceList,
    sku: &Sku,
    price: Option<Money>,
) -> Result<(), AppError> {
    if !catalog::product_exists(tx, sku)? {
        return Err(not_found("unknown_product", sku));
    }
    let doc_id = list.doc();
    if !catalog::list_exists(tx, list)? {
        return Err(not_found("unknown_price_list", &doc_id));
    }
    let before = catalog::price_in(tx, list, sku)?;
    catalog::set_price(tx, list, sku, price)?;
    documents::edit(tx, cache, &doc_id, actor, |doc| {
        write_prices(doc, &[(sku.clone(), price)])
    })?;
    let after = price.map(|p| p.amount().to_string());
    let object = match list {
        PriceList::Tier(tier) => format!("tier/{tier}/{sku}"),
        PriceList::Shop(shop) => format!("shop/{shop}/{sku}"),
    };
    let action = match (&before, &after) {
        (None, _) => "create",
        (_, None) => "delete",
        _ => "update",
    };
    let change = Change {
        kind: "price",
        object: &object,
        action,
    };
    audit::record(tx, tx.now_ms, who, change, before.as_ref(), after.as_ref())?;
    Ok(())
}

async fn change_price(
    state: AppState,
    principal: Principal,
    list: PriceList,
    sku: String,
    body: Result<Json<PriceChange>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    principal.require_admin("change prices, promotions, terms and profiles")?;
    let Json(change) =
        body.map_err(|r| AppError::rejected("malformed_change", r.status(), r.body_text()))?;
    let sku = Sku::parse(&sku).map_err(|e| not_found("unknown_product", e))?;
    let price = change.price.as_deref().map(parse_price).transpose()?;
    let actor = state.actor.clone();
    let sku_text = sku.to_string();
    let store = state.store.clone();
    let who = principal.username.clone();
    state
        .store
        .write(move |tx| update_price(tx, store.docs(), (&actor, &who), &list, &sku, price))
        .await?;
    Ok(Json(
        json!({ "sku": sku_text, "price": price.map(|p| p.amount().to_string()) }),
    ))
}

/// `PUT /api/admin/tiers/{tier}/prices/{sku}` with `{"price": "9.90"}` (or `null`).
#[utoipa::path(put, path = "/admin/tiers/{tier}/prices/{sku}", tag = "prices",
    params(("tier" = String, Path), ("sku" = String, Path)),
    request_body = PriceChange,
    responses(
        (status = 200, description = "The tier's price of the product now (`price` null: none, the list price applies)", body = serde_json::Value),
        (status = "4XX", description = "Refused (admins only; not a price; unknown tier or product)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn change_tier_price(
    State(state): State<AppState>,
    principal: Principal,
    Path((tier, sku)): Path<(String, String)>,
    body: Result<Json<PriceChange>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let tier = TierId::parse(&tier).map_err(|e| not_found("unknown_price_list", e))?;
    change_price(state, principal, PriceList::Tier(tier), sku, body).await
}

/// `PUT /api/admin/shops/{shop}/prices/{sku}` with `{"price": "9.90"}` (or `null`).
#[utoipa::path(put, path = "/admin/shops/{shop}/prices/{sku}", tag = "prices",
    params(("shop" = String, Path), ("sku" = String, Path)),
    request_body = PriceChange,
    responses(
        (status = 200, description = "The shop's own price of the product now", body = serde_json::Value),
        (status = "4XX", description = "Refused", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn change_shop_price(
    State(state): State<AppState>,
    principal: Principal,
    Path((shop, sku)): Path<(String, String)>,
    body: Result<Json<PriceChange>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let shop = ShopId::parse(&shop).map_err(|e| not_found("unknown_price_list", e))?;
    change_price(state, principal, PriceList::Shop(shop), sku, body).await
}

/// Runs `change` and republishes the documents it touched, in one transaction.
async fn change_commerce(
    state: &AppState,
    change: impl FnMut(&mut Tx<'_>) -> Result<Touched, AppError> + Send + 'static,
) -> Result<(), AppError> {
    let actor = state.actor.clone();
    let store = state.store.clone();
    let mut change = change;
    state
        .store
        .write(move |tx| {
            let touched = change(tx)?;
            crate::commerce::publish_touched(tx, store.docs(), &actor, &touched)?;
            Ok(())
        })
        .await
}

/// The shops a promotion names (its own prices documents carry it).
fn named_shops(promotions: &[&domain::promotion::Promotion]) -> BTreeSet<ShopId> {
    promotions
        .iter()
        .flat_map(|p| p.shops.iter().cloned())
        .collect()
}

/// The shops (id, tier) a promotion is offered to: of its tiers (any when none) and among
/// its shops (any when none).
fn reach(promotion: &domain::promotion::Promotion, shops: &[(String, String)]) -> Vec<String> {
    shops
        .iter()
        .filter(|(id, tier)| {
            (promotion.tiers.is_empty() || promotion.tiers.iter().any(|t| t.as_str() == tier))
                && (promotion.shops.is_empty() || promotion.shops.iter().any(|s| s.as_str() == id))
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// `GET /api/admin/promotions`: every promotion with its use and reach, for admins and
/// staff allowed to read promotions.
pub async fn promotions(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<api::PromotionRow>>, AppError> {
    principal.require(crate::auth::Permission::PromotionsRead)?;
    let rows = state
        .store
        .read(|tx| -> anyhow::Result<Vec<api::PromotionRow>> {
            let shops = crate::store::customers::shop_tiers(tx)?;
            let uses = commerce::total_uses(tx)?;
            Ok(commerce::promotions(tx)?
                .into_iter()
                .map(|promotion| api::PromotionRow {
                    uses: uses.get(&promotion.id).copied().unwrap_or(0),
                    reach: reach(&promotion, &shops).len(),
                    promotion,
                })
                .collect())
        })
        .await?;
    Ok(Json(rows))
}

/// `POST /api/admin/promotion-preview` with a promotion as the form holds it: the shops it
/// would be offered to.
pub async fn preview_promotion(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<domain::promotion::Promotion>, JsonRejection>,
) -> Result<Json<api::PromotionReach>, AppError> {
    principal.require(crate::auth::Permission::PromotionsRead)?;
    let Json(promotion) =
        body.map_err(|r| AppError::rejected("malformed_promotion", r.status(), r.body_text()))?;
    let shops = state
        .store
        .read(crate::store::customers::shop_tiers)
        .await?;
    let reached = reach(&promotion, &shops);
    Ok(Json(api::PromotionReach {
        count: reached.len(),
        shops: reached.into_iter().take(50).collect(),
    }))
}

/// `PUT /api/admin/promotions/{id}` with the promotion's JSON: publishes it (or its new
/// version) to the shops it concerns.
pub async fn put_promotion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Json<domain::promotion::Promotion>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    principal.require_admin("change prices, promotions, terms and profiles")?;
    let Json(promotion) =
        body.map_err(|r| AppError::rejected("malformed_promotion", r.status(), r.body_text()))?;
    if promotion.id != id {
        return Err(AppError::bad_request(
            "promotion_id_mismatch",
            "the promotion's id must be the one in the path",
        ));
    }
    promotion
        .check()
        .map_err(|problem| AppError::invalid(problem.field, problem.rule))?;
    let published = promotion.id.clone();
    let who = principal.username.clone();
    change_commerce(&state, move |tx| {
        check_names(tx, &promotion)?;
        let before = commerce::promotions(tx)?
            .into_iter()
            .find(|p| p.id == promotion.id);
        commerce::put_promotion(tx, &promotion)?;
        let change = Change {
            kind: "promotion",
            object: &promotion.id,
            action: if before.is_some() { "update" } else { "create" },
        };
        audit::record(
            tx,
            tx.now_ms,
            &who,
            change,
            before.as_ref(),
            Some(&promotion),
        )?;
        Ok(Touched::Promotions(named_shops(
            &before.iter().chain([&promotion]).collect::<Vec<_>>(),
        )))
    })
    .await?;
    Ok(Json(serde_json::json!({ "published": published })))
}

/// Every SKU, category, tier and shop `promotion` names exists.
fn check_names(tx: &mut Tx<'_>, promotion: &domain::promotion::Promotion) -> Result<(), AppError> {
    use domain::promotion::{PromotionKind, Scope};
    let mut skus: Vec<(&'static str, &Sku)> = Vec::new();
    match &promotion.kind {
        PromotionKind::BuyXGetY { buy, get, .. } => {
            skus.push(("kind.buy", buy));
            skus.push(("kind.get", get));
        }
        PromotionKind::GiftWithSpend { gift, .. } => skus.push(("kind.gift", gift)),
        _ => {}
    }
    match &promotion.scope {
        Scope::Skus { skus: listed } => skus.extend(listed.iter().map(|sku| ("scope.skus", sku))),
        Scope::Categories { categories } => {
            for category in categories {
                if catalog::category(tx, category)?.is_none() {
                    return Err(AppError::invalid("scope.categories", "unknown"));
                }
            }
        }
        Scope::All => {}
    }
    for (field, sku) in skus {
        if !catalog::product_exists(tx, sku)? {
            return Err(AppError::invalid(field, "unknown"));
        }
    }
    for tier in &promotion.tiers {
        if !catalog::tier_exists(tx, tier)? {
            return Err(AppError::invalid("tiers", "unknown"));
        }
    }
    for shop in &promotion.shops {
        if !catalog::shop_exists(tx, shop)? {
            return Err(AppError::invalid("shops", "unknown"));
        }
    }
    Ok(())
}

/// An admin body that must be a JSON object with exactly the fields of `T`: an unknown
/// field or a missing one is refused (naming it) before anything is changed, so a typo
/// cannot reset the rest to defaults.
fn strict<T>(body: Value) -> Result<T, AppError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Default,
{
    let Value::Object(given) = &body else {
        return Err(AppError::bad_request(
            "malformed_body",
            "the body must be a JSON object",
        ));
    };
    let Value::Object(known) = serde_json::to_value(T::default()).map_err(anyhow::Error::from)?
    else {
        return Err(AppError::Internal(anyhow::anyhow!("not an object type")));
    };
    if let Some(unknown) = given.keys().find(|key| !known.contains_key(*key)) {
        return Err(AppError::invalid(unknown.clone(), "unknown_field"));
    }
    if let Some(missing) = known.keys().find(|key| !given.contains_key(*key)) {
        return Err(AppError::invalid(missing.clone(), "required"));
    }
    serde_json::from_value(body).map_err(|e| AppError::bad_request("malformed_body", e.to_string()))
}

/// `DELETE /api/admin/promotions/{id}`: ends a promotion for everyone.
pub async fn delete_promotion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    principal.require_admin("change prices, promotions, terms and profiles")?;
    let key = id.clone();
    let who = principal.username.clone();
    change_commerce(&state, move |tx| {
        let before = commerce::promotions(tx)?.into_iter().find(|p| p.id == key);
        if !commerce::delete_promotion(tx, &key)? {
            return Err(not_found("unknown_promotion", &key));
        }
        let change = Change {
            kind: "promotion",
            object: &key,
            action: "delete",
        };
        audit::record(tx, tx.now_ms, &who, change, before.as_ref(), None::<&Value>)?;
        Ok(Touched::Promotions(named_shops(
            &before.iter().collect::<Vec<_>>(),
        )))
    })
    .await?;
    Ok(Json(serde_json::json!({ "deleted": id })))
}

/// `PUT /api/admin/terms` with the shipping, tax and points terms.
pub async fn put_terms(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    principal.require_admin("change prices, promotions, terms and profiles")?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_terms", r.status(), r.body_text()))?;
    let terms: domain::checkout::SalesTerms = strict(body)?;
    if let Some(approval) = &terms.approval {
        approval
            .check()
            .map_err(|rule| AppError::invalid("approval", rule))?;
    }
    let who = principal.username.clone();
    change_commerce(&state, move |tx| {
        let before = commerce::terms(tx)?;
        commerce::set_terms(tx, &terms)?;
        let change = Change {
            kind: "terms",
            object: "terms",
            action: "update",
        };
        audit::record(tx, tx.now_ms, &who, change, Some(&before), Some(&terms))?;
        Ok(Touched::Terms)
    })
    .await?;
    Ok(Json(serde_json::json!({ "published": "terms" })))
}

/// `GET /api/admin/approval-rules`: when an order waits for its shop's OK (any office user
/// may read them: customer service explains them to shops).
pub async fn get_approval_rules(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<api::finance::ApprovalRulesBody>, AppError> {
    principal.require_office()?;
    let terms = state.store.read(commerce::terms).await?;
    Ok(Json(api::finance::ApprovalRulesBody {
        rules: terms.approval,
    }))
}

/// `PUT /api/admin/approval-rules`: the tolerance and the time to answer, or none.
pub async fn put_approval_rules(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<api::finance::ApprovalRulesBody>, JsonRejection>,
) -> Result<Json<api::finance::ApprovalRulesBody>, AppError> {
    principal.require_admin("change prices, promotions, terms and profiles")?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_rules", r.status(), r.body_text()))?;
    if let Some(rules) = &body.rules {
        rules
            .check()
            .map_err(|rule| AppError::invalid("rules", rule))?;
    }
    let who = principal.username.clone();
    let rules = body.rules.clone();
    change_commerce(&state, move |tx| {
        let mut terms = commerce::terms(tx)?;
        let before = terms.approval.clone();
        terms.approval = rules.clone();
        commerce::set_terms(tx, &terms)?;
        let change = Change {
            kind: "terms",
            object: "approval",
            action: "update",
        };
        audit::record(
            tx,
            tx.now_ms,
            &who,
            change,
            Some(&before),
            Some(&terms.approval),
        )?;
        Ok(Touched::Terms)
    })
    .await?;
    Ok(Json(body))
}

/// `PUT /api/admin/shops/{shop}/profile` with the shop's region, points, account and quotas.
pub async fn put_profile(
    State(state): State<AppState>,
    principal: Principal,
    Path(shop): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    principal.require_admin("change prices, promotions, terms and profiles")?;
    let Json(body) =
        body.map_err(|r| AppError::rejected("malformed_profile", r.status(), r.body_text()))?;
    let profile: domain::checkout::ShopProfile = strict(body)?;
    let shop = ShopId::parse(&shop).map_err(|e| not_found("unknown_shop", e))?;
    let key = shop.clone();
    let who = principal.username.clone();
    change_commerce(&state, move |tx| {
        if !catalog::shop_exists(tx, &key)? {
            return Err(not_found("unknown_shop", &key));
        }
        let before = commerce::stored_profile(tx, &key)?;
        commerce::set_profile(tx, &key, &profile)?;
        let change = Change {
            kind: "profile",
            object: key.as_str(),
            action: "update",
        };
        audit::record(tx, tx.now_ms, &who, change, Some(&before), Some(&profile))?;
        Ok(Touched::Shop(key.clone()))
    })
    .await?;
    Ok(Json(serde_json::json!({ "published": shop })))
}
