//! Who is calling: argon2id passwords, long-lived device tokens (only their SHA-256 is
//! stored), sign-in, and the [`Principal`] every authenticated handler receives.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use app::domain::sku::ShopId;

use crate::app_error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Shop,
    Manager,
    Admin,
}

impl Role {
    fn parse(text: &str) -> Option<Role> {
        match text {
            "shop" => Some(Role::Shop),
            "manager" => Some(Role::Manager),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An authenticated device of a user.
#[derive(Debug, Clone)]
pub struct Principal {
    pub device_id: i64,
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// The shops this principal acts for: its own (shop users) or its assigned ones (managers).
    pub shops: Vec<ShopId>,
}

impl Principal {
    pub fn acts_for(&self, shop: &ShopId) -> bool {
        self.shops.contains(shop)
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored hash. Unknown users are checked against a dummy
/// hash so the answer takes as long as for a known one.
fn verify_password(password: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0r1bd1XH8KAm1y8cVY3O6dxKWrnaFaAVqR3Xz/hCxJM";
    let hash = stored.unwrap_or(DUMMY);
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && stored.is_some()
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Signs a user in on a new device: the new device token, or `None` for wrong credentials.
pub fn sign_in(
    conn: &Connection,
    username: &str,
    password: &str,
    device_name: &str,
    now_ms: i64,
) -> anyhow::Result<Option<(String, i64)>> {
    let user: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, password_hash FROM users WHERE username = ?1",
            [username],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if !verify_password(password, user.as_ref().map(|(_, hash)| hash.as_str())) {
        return Ok(None);
    }
    let Some((user_id, _)) = user else {
        return Ok(None);
    };
    let token = new_token()?;
    conn.execute(
        "INSERT INTO devices (user_id, token_hash, name, created_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![user_id, token_hash(&token), device_name, now_ms],
    )?;
    Ok(Some((token, user_id)))
}

/// The principal a device token stands for, if the token is known and not revoked.
pub fn principal_for_token(conn: &Connection, token: &str) -> anyhow::Result<Option<Principal>> {
    let row: Option<(i64, i64, String, String, Option<String>)> = conn
        .query_row(
            "SELECT d.id, u.id, u.username, u.role, u.shop FROM devices d JOIN users u ON u.id = d.user_id
             WHERE d.token_hash = ?1 AND d.revoked = 0",
            [token_hash(token)],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
        )
        .optional()?;
    let Some((device_id, user_id, username, role, shop)) = row else {
        return Ok(None);
    };
    let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
    let shops = match role {
        Role::Shop => shop.iter().filter_map(|s| ShopId::parse(s).ok()).collect(),
        Role::Manager => {
            let mut statement = conn.prepare_cached(
                "SELECT shop FROM manager_shops WHERE manager = ?1 ORDER BY shop",
            )?;
            let rows = statement.query_map([user_id], |row| row.get::<_, String>(0))?;
            rows.filter_map(|s| s.ok().and_then(|s| ShopId::parse(&s).ok()))
                .collect()
        }
        Role::Admin => Vec::new(),
    };
    Ok(Some(Principal {
        device_id,
        user_id,
        username,
        role,
        shops,
    }))
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Principal, AppError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| AppError::unauthorized("sign in first"))?;
        let token = header
            .strip_prefix("Bearer ")
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| AppError::unauthorized("the device token is malformed"))?
            .to_owned();
        state
            .db
            .run(move |db| principal_for_token(&db.conn, &token))
            .await??
            .ok_or_else(|| AppError::unauthorized("the device token is unknown or revoked"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_unknown_users_fail() {
        let hash = hash_password("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("s3cret", Some(&hash)));
        assert!(!verify_password("wrong", Some(&hash)));
        assert!(!verify_password("s3cret", None));
    }
}
