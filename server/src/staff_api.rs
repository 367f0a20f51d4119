//! The distributor's team, managed by admins: staff (back office, with permissions) and
//! account managers (their shops). `GET`/`POST /api/admin/staff`,
//! `PUT /api/admin/staff/{username}` (name, permissions, shops),
//! `PUT /api/admin/staff/{username}/permissions`, and for any user but an admin
//! `POST /api/admin/users/{username}/password` (reset, signs the devices out) and
//! `POST /api/admin/users/{username}/sign-out`. Every change is in the audit log.

use api::{NewStaff, PasswordReset, StaffEdit, StaffMember};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::sku::ShopId;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app_error::AppError;
use crate::auth::{
    Permission, Principal, check_new_credentials, check_new_password, hash_password,
    permissions_of, with_hash_permit,
};
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::{Tx, accounts, catalog};

fn parse_permissions(names: &[String]) -> Result<Vec<Permission>, AppError> {
    let mut permissions = names
        .iter()
        .map(|name| {
            Permission::parse(name).ok_or_else(|| {
                AppError::bad_request(
                    "unknown_permission",
                    format!(
                        "{name:?} is not one of {}",
                        Permission::ALL.map(Permission::as_str).join(", ")
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    permissions.sort();
    permissions.dedup();
    Ok(permissions)
}

fn names(permissions: &[Permission]) -> Vec<&'static str> {
    permissions.iter().map(|p| p.as_str()).collect()
}

fn unknown(username: &str) -> AppError {
    AppError::client(
        StatusCode::NOT_FOUND,
        "unknown_staff",
        format!("no staff member or manager {username}"),
    )
}

fn member(
    tx: &mut Tx<'_>,
    (id, username, display_name): (i64, String, String),
    role: &str,
) -> anyhow::Result<StaffMember> {
    Ok(StaffMember {
        username,
        display_name,
        role: role.to_owned(),
        permissions: names(&permissions_of(tx, id)?)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        shops: accounts::managed_shops(tx, id)?,
        devices: accounts::signed_in_devices(tx, id)?,
    })
}

/// A staff member or manager by name: id, role and the member as shown.
fn find(tx: &mut Tx<'_>, username: &str) -> Result<(i64, StaffMember), AppError> {
    match accounts::user_with_role(tx, username)? {
        Some((id, role, display_name)) if role == "staff" || role == "manager" => {
            let shown = member(tx, (id, username.to_owned(), display_name), &role)?;
            Ok((id, shown))
        }
        _ => Err(unknown(username)),
    }
}

/// Every shop id in `shops` exists; the list without repeats.
fn check_shops(tx: &mut Tx<'_>, shops: &[String]) -> Result<Vec<String>, AppError> {
    let mut checked = Vec::with_capacity(shops.len());
    for shop in shops {
        let known = ShopId::parse(shop.trim())
            .ok()
            .map(|id| catalog::shop_exists(tx, &id))
            .transpose()?
            .unwrap_or(false);
        if !known {
            return Err(AppError::invalid("shops", "unknown"));
        }
        checked.push(shop.trim().to_owned());
    }
    checked.sort();
    checked.dedup();
    Ok(checked)
}

fn record(
    tx: &mut Tx<'_>,
    who: &str,
    (object, action): (&str, &str),
    before: Option<&StaffMember>,
    after: Option<&impl serde::Serialize>,
) -> Result<(), AppError> {
    let change = Change {
        kind: "staff",
        object,
        action,
    };
    audit::record(tx, tx.now_ms, who, change, before, after)?;
    Ok(())
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<StaffMember>>, AppError> {
    principal.require_admin("manage staff")?;
    let staff = state
        .store
        .read(|tx| -> anyhow::Result<Vec<StaffMember>> {
            let mut members = Vec::new();
            for role in ["manager", "staff"] {
                for user in accounts::users_with_role(tx, role)? {
                    members.push(member(tx, user, role)?);
                }
            }
            members.sort_by(|a, b| a.username.cmp(&b.username));
            Ok(members)
        })
        .await?;
    Ok(Json(staff))
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<NewStaff>, JsonRejection>,
) -> Result<(StatusCode, Json<StaffMember>), AppError> {
    principal.require_admin("manage staff")?;
    let Json(new) =
        body.map_err(|r| AppError::rejected("malformed_staff", r.status(), r.body_text()))?;
    check_new_credentials((&new.username, "username"), (&new.password, "password"))?;
    let role = new.role.clone().unwrap_or_else(|| "staff".to_owned());
    if role != "staff" && role != "manager" {
        return Err(AppError::invalid("role", "unknown"));
    }
    let permissions = parse_permissions(&new.permissions)?;
    if role == "manager" && !permissions.is_empty() {
        return Err(AppError::invalid("permissions", "managers_have_none"));
    }
    let display_name: String = new.display_name.trim().chars().take(80).collect();
    if display_name.is_empty() {
        return Err(AppError::invalid("display_name", "required"));
    }
    let password = new.password.clone();
    let hash = with_hash_permit(&state.hashing, move || hash_password(&password)).await??;
    let who = principal.username.clone();
    let created = state
        .store
        .write(move |tx| -> Result<StaffMember, AppError> {
            if accounts::username_taken(tx, &new.username)? {
                return Err(AppError::client(
                    StatusCode::CONFLICT,
                    "username_taken",
                    format!("{} already exists", new.username),
                ));
            }
            let shops = check_shops(tx, &new.shops)?;
            if role == "staff" && !shops.is_empty() {
                return Err(AppError::invalid("shops", "staff_have_none"));
            }
            let id = accounts::create_user(tx, &new.username, &display_name, &hash, &role, None)?;
            accounts::set_permissions(tx, id, &names(&permissions))?;
            accounts::set_managed_shops(tx, id, &shops)?;
            let (_, created) = find(tx, &new.username)?;
            record(tx, &who, (&new.username, "create"), None, Some(&created))?;
            Ok(created)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `PUT /api/admin/staff/{username}`: name, permissions and shops in one change.
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    username: Result<Path<String>, PathRejection>,
    body: Result<Json<StaffEdit>, JsonRejection>,
) -> Result<Json<StaffMember>, AppError> {
    principal.require_admin("manage staff")?;
    let Path(username) =
        username.map_err(|r| AppError::rejected("bad_username", r.status(), r.body_text()))?;
    let Json(edit) =
        body.map_err(|r| AppError::rejected("malformed_staff", r.status(), r.body_text()))?;
    let permissions = parse_permissions(&edit.permissions)?;
    let display_name: String = edit.display_name.trim().chars().take(80).collect();
    if display_name.is_empty() {
        return Err(AppError::invalid("display_name", "required"));
    }
    let who = principal.username.clone();
    state
        .store
        .write(move |tx| -> Result<Json<StaffMember>, AppError> {
            let (id, before) = find(tx, &username)?;
            let shops = check_shops(tx, &edit.shops)?;
            if before.role == "manager" && !permissions.is_empty() {
                return Err(AppError::invalid("permissions", "managers_have_none"));
            }
            if before.role == "staff" && !shops.is_empty() {
                return Err(AppError::invalid("shops", "staff_have_none"));
            }
            accounts::set_display_name(tx, id, &display_name)?;
            accounts::set_permissions(tx, id, &names(&permissions))?;
            accounts::set_managed_shops(tx, id, &shops)?;
            let (_, after) = find(tx, &username)?;
            record(tx, &who, (&username, "update"), Some(&before), Some(&after))?;
            Ok(Json(after))
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionChange {
    pub permissions: Vec<String>,
}

/// Replaces a staff member's permissions; their devices see the change on their next request.
pub async fn change_permissions(
    State(state): State<AppState>,
    principal: Principal,
    username: Result<Path<String>, PathRejection>,
    body: Result<Json<PermissionChange>, JsonRejection>,
) -> Result<Json<StaffMember>, AppError> {
    principal.require_admin("manage staff")?;
    let Path(username) =
        username.map_err(|r| AppError::rejected("bad_username", r.status(), r.body_text()))?;
    let Json(change) =
        body.map_err(|r| AppError::rejected("malformed_change", r.status(), r.body_text()))?;
    let permissions = parse_permissions(&change.permissions)?;
    let who = principal.username.clone();
    state
        .store
        .write(move |tx| -> Result<Json<StaffMember>, AppError> {
            let (id, before) = find(tx, &username)?;
            if before.role != "staff" {
                return Err(unknown(&username));
            }
            accounts::set_permissions(tx, id, &names(&permissions))?;
            let (_, after) = find(tx, &username)?;
            record(tx, &who, (&username, "update"), Some(&before), Some(&after))?;
            Ok(Json(after))
        })
        .await
}

/// Any user an admin may act on: everyone but admins. Id and role.
fn user_to_act_on(tx: &mut Tx<'_>, username: &str) -> Result<(i64, String), AppError> {
    match accounts::user_with_role(tx, username)? {
        Some((_, role, _)) if role == "admin" => Err(AppError::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "an admin's own password and devices are changed by that admin",
        )),
        Some((id, role, _)) => Ok((id, role)),
        None => Err(AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_user",
            format!("no user {username}"),
        )),
    }
}

/// Records what an admin did to a user's sign-in (the password itself never).
fn record_user(tx: &mut Tx<'_>, who: &str, username: &str, after: &Value) -> Result<(), AppError> {
    let change = Change {
        kind: "user",
        object: username,
        action: "update",
    };
    audit::record(tx, tx.now_ms, who, change, None::<&()>, Some(after))?;
    Ok(())
}

/// `POST /api/admin/users/{username}/password`: sets a new password and signs every device
/// of the user out (they sign in again with it).
pub async fn reset_password(
    State(state): State<AppState>,
    principal: Principal,
    username: Result<Path<String>, PathRejection>,
    body: Result<Json<PasswordReset>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    principal.require_admin("reset passwords")?;
    let Path(username) =
        username.map_err(|r| AppError::rejected("bad_username", r.status(), r.body_text()))?;
    let Json(reset) =
        body.map_err(|r| AppError::rejected("malformed_password", r.status(), r.body_text()))?;
    check_new_password(&reset.password, "password")?;
    let password = reset.password.clone();
    let hash = with_hash_permit(&state.hashing, move || hash_password(&password)).await??;
    let who = principal.username.clone();
    let signed_out = state
        .store
        .write(move |tx| -> Result<u64, AppError> {
            let (id, _) = user_to_act_on(tx, &username)?;
            accounts::set_password(tx, id, &hash)?;
            let signed_out = accounts::revoke_all_devices(tx, id)?;
            let after = json!({ "password": "reset", "devices_signed_out": signed_out });
            record_user(tx, &who, &username, &after)?;
            Ok(signed_out)
        })
        .await?;
    Ok(Json(json!({ "devices_signed_out": signed_out })))
}

/// `POST /api/admin/users/{username}/sign-out`: signs every device of the user out (a
/// lost phone, someone who left); unsent orders on them stay there until they sign in.
pub async fn sign_out(
    State(state): State<AppState>,
    principal: Principal,
    username: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, AppError> {
    principal.require_admin("sign users out")?;
    let Path(username) =
        username.map_err(|r| AppError::rejected("bad_username", r.status(), r.body_text()))?;
    let who = principal.username.clone();
    let signed_out = state
        .store
        .write(move |tx| -> Result<u64, AppError> {
            let (id, _) = user_to_act_on(tx, &username)?;
            let signed_out = accounts::revoke_all_devices(tx, id)?;
            record_user(
                tx,
                &who,
                &username,
                &json!({ "devices_signed_out": signed_out }),
            )?;
            Ok(signed_out)
        })
        .await?;
    Ok(Json(json!({ "devices_signed_out": signed_out })))
}
