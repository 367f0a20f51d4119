//! Staff accounts (warehouse, finance) and the permissions an admin gives them:
//! `GET /api/admin/staff`, `POST /api/admin/staff`, `PUT /api/admin/staff/{username}/permissions`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::app_error::AppError;
use crate::auth::{Permission, Principal, hash_password, permissions_of, with_hash_permit};
use crate::state::AppState;
use crate::store::accounts;

#[derive(Debug, Serialize)]
pub struct StaffMember {
    pub username: String,
    pub display_name: String,
    pub permissions: Vec<Permission>,
}

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

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<StaffMember>>, AppError> {
    principal.require_admin("manage staff")?;
    let staff = state
        .store
        .read(|tx| -> anyhow::Result<Vec<StaffMember>> {
            accounts::users_with_role(tx, "staff")?
                .into_iter()
                .map(|(id, username, display_name)| {
                    Ok(StaffMember {
                        username,
                        display_name,
                        permissions: permissions_of(tx, id)?,
                    })
                })
                .collect()
        })
        .await?;
    Ok(Json(staff))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<NewStaff>, JsonRejection>,
) -> Result<(StatusCode, Json<StaffMember>), AppError> {
    principal.require_admin("manage staff")?;
    let Json(new) =
        body.map_err(|r| AppError::rejected("malformed_staff", r.status(), r.body_text()))?;
    crate::auth::check_new_credentials((&new.username, "username"), (&new.password, "password"))?;
    let permissions = parse_permissions(&new.permissions)?;
    let password = new.password.clone();
    let hash = with_hash_permit(&state.hashing, move || hash_password(&password)).await??;
    let display_name: String = new.display_name.chars().take(80).collect();
    let username = new.username.clone();
    let member = StaffMember {
        username: username.clone(),
        display_name: display_name.clone(),
        permissions: permissions.clone(),
    };
    state
        .store
        .write(move |tx| -> Result<(), AppError> {
            if accounts::username_taken(tx, &username)? {
                return Err(AppError::client(
                    StatusCode::CONFLICT,
                    "username_taken",
                    format!("{username} already exists"),
                ));
            }
            let id = accounts::create_user(tx, &username, &display_name, &hash, "staff", None)?;
            accounts::set_permissions(tx, id, &names(&permissions))?;
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(member)))
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
    state
        .store
        .write(move |tx| -> Result<Json<StaffMember>, AppError> {
            let Some((user_id, display_name)) = accounts::user_by_name(tx, &username, "staff")?
            else {
                return Err(AppError::client(
                    StatusCode::NOT_FOUND,
                    "unknown_staff",
                    format!("no staff member {username}"),
                ));
            };
            accounts::set_permissions(tx, user_id, &names(&permissions))?;
            Ok(Json(StaffMember {
                username: username.clone(),
                display_name,
                permissions: permissions.clone(),
            }))
        })
        .await
}
