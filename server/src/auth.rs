//! Who is calling: argon2id passwords, device tokens, sign-in, and the [`Principal`] every
//! authenticated handler receives.
//!
//! A signed-in device holds a short-lived access token (15 minutes) and a single-use
//! refresh token (90 days); only their SHA-256 is stored. Refreshing spends the refresh
//! token and issues a new pair. Presenting a spent refresh token again is a replay: the
//! device's whole token family is revoked. One exception keeps weak networks from signing
//! shops out: if the reply to a refresh was lost, the same spent token may be presented
//! again within [`REUSE_GRACE_MS`] as long as its successor was never used; the unused
//! successor pair is then superseded (presenting it later counts as a replay).

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
    /// Warehouse or finance staff: what they may do is the permissions an admin gave them.
    Staff,
}

impl Role {
    fn parse(text: &str) -> Option<Role> {
        match text {
            "shop" => Some(Role::Shop),
            "manager" => Some(Role::Manager),
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// What an admin can allow a staff member. Admins hold every permission.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Permission {
    /// See every shop's orders.
    #[serde(rename = "orders.read")]
    OrdersRead,
    /// Move orders through the warehouse: allocate, pick, pack, ship, deliver, complete.
    #[serde(rename = "orders.fulfil")]
    OrdersFulfil,
    /// Put orders on hold and release them (credit), cancel them.
    #[serde(rename = "orders.hold")]
    OrdersHold,
    /// Count stock and read it.
    #[serde(rename = "stock.write")]
    StockWrite,
    /// See the inbox of rejected orders and mark them handled.
    #[serde(rename = "inbox.resolve")]
    InboxResolve,
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Permission::OrdersRead,
        Permission::OrdersFulfil,
        Permission::OrdersHold,
        Permission::StockWrite,
        Permission::InboxResolve,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::OrdersRead => "orders.read",
            Permission::OrdersFulfil => "orders.fulfil",
            Permission::OrdersHold => "orders.hold",
            Permission::StockWrite => "stock.write",
            Permission::InboxResolve => "inbox.resolve",
        }
    }

    pub fn parse(text: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == text)
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
    /// What a staff member may do (empty for everyone else; admins may do everything).
    pub permissions: Vec<Permission>,
}

impl Principal {
    pub fn acts_for(&self, shop: &ShopId) -> bool {
        self.shops.contains(shop)
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role == Role::Admin || self.permissions.contains(&permission)
    }

    /// 403 unless the principal holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.may(permission) {
            return Ok(());
        }
        Err(AppError::client(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs the {} permission", permission.as_str()),
        ))
    }
}

/// A user's permissions as stored.
pub fn permissions_of(conn: &Connection, user_id: i64) -> anyhow::Result<Vec<Permission>> {
    let mut statement =
        conn.prepare_cached("SELECT permission FROM user_permissions WHERE user_id = ?1")?;
    let rows = statement.query_map([user_id], |row| row.get::<_, String>(0))?;
    let mut permissions = Vec::new();
    for row in rows {
        permissions.extend(Permission::parse(&row?));
    }
    permissions.sort();
    Ok(permissions)
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

/// How long an access token lasts. A device that is offline longer keeps working locally
/// and refreshes when it reconnects.
pub const ACCESS_TTL_MS: i64 = 15 * 60 * 1000;
/// How long an unused refresh token lasts: a device idle this long signs in again.
pub const REFRESH_TTL_MS: i64 = 90 * 24 * 60 * 60 * 1000;
/// How long after a refresh the spent token may be presented again (a lost reply).
pub const REUSE_GRACE_MS: i64 = 60 * 1000;

/// A new pair of tokens for one device.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenPair {
    /// The access token, sent as `Authorization: Bearer`.
    pub token: String,
    pub refresh_token: String,
    pub access_expires_ms: i64,
}

/// Why a token was not accepted; each is a 401 with its own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    Unknown,
    Expired,
    Revoked,
    /// A spent refresh token was presented again: the device has been revoked.
    Replayed,
}

impl TokenRefusal {
    pub fn into_error(self) -> AppError {
        let (code, message) = match self {
            TokenRefusal::Unknown => ("unauthorized", "the token is unknown; sign in again"),
            TokenRefusal::Expired => ("token_expired", "the token has expired; refresh it"),
            TokenRefusal::Revoked => (
                "device_revoked",
                "this device was signed out; sign in again",
            ),
            TokenRefusal::Replayed => (
                "refresh_reused",
                "this refresh token was already used; the device was signed out for safety",
            ),
        };
        AppError::client(axum::http::StatusCode::UNAUTHORIZED, code, message)
    }
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// When tokens are issued and how long the access token lasts.
#[derive(Debug, Clone, Copy)]
pub struct Issue {
    pub now_ms: i64,
    pub access_ttl_ms: i64,
}

fn issue_tokens(
    conn: &Connection,
    device_id: i64,
    issued_by: Option<&[u8]>,
    at: Issue,
) -> anyhow::Result<TokenPair> {
    let now_ms = at.now_ms;
    let pair = TokenPair {
        token: new_token()?,
        refresh_token: new_token()?,
        access_expires_ms: now_ms + at.access_ttl_ms,
    };
    let mut insert = conn.prepare_cached(
        "INSERT INTO tokens (hash, device, kind, expires_ms, issued_by) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    insert.execute(params![
        token_hash(&pair.token),
        device_id,
        "access",
        pair.access_expires_ms,
        issued_by
    ])?;
    insert.execute(params![
        token_hash(&pair.refresh_token),
        device_id,
        "refresh",
        now_ms + REFRESH_TTL_MS,
        issued_by
    ])?;
    Ok(pair)
}

/// Revokes a device: every token it holds stops working at once (they are kept, so a
/// later attempt is told the device was revoked rather than that the token is unknown).
pub fn revoke_device(conn: &Connection, device_id: i64) -> anyhow::Result<()> {
    conn.execute("UPDATE devices SET revoked = 1 WHERE id = ?1", [device_id])?;
    Ok(())
}

/// Spends a refresh token for a new pair (see the module notes for replays).
pub fn refresh(
    conn: &Connection,
    refresh_token: &str,
    at: Issue,
) -> anyhow::Result<Result<TokenPair, TokenRefusal>> {
    let now_ms = at.now_ms;
    let hash = token_hash(refresh_token);
    let row: Option<(i64, i64, Option<i64>, bool, bool)> = conn
        .query_row(
            "SELECT t.device, t.expires_ms, t.used_ms, t.superseded, d.revoked
             FROM tokens t JOIN devices d ON d.id = t.device
             WHERE t.hash = ?1 AND t.kind = 'refresh'",
            [&hash],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            },
        )
        .optional()?;
    let Some((device_id, expires_ms, used_ms, superseded, revoked)) = row else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if revoked {
        return Ok(Err(TokenRefusal::Revoked));
    }
    if let Some(used_ms) = used_ms {
        let successor_used: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM tokens WHERE issued_by = ?1 AND kind = 'refresh' AND used_ms IS NOT NULL)",
            [&hash],
            |row| row.get(0),
        )?;
        if superseded || now_ms - used_ms > REUSE_GRACE_MS || successor_used {
            tracing::warn!(
                device = device_id,
                "a spent refresh token was replayed; revoking the device"
            );
            revoke_device(conn, device_id)?;
            return Ok(Err(TokenRefusal::Replayed));
        }
        // The reply to the first refresh was lost: supersede the unused successor pair.
        conn.execute(
            "DELETE FROM tokens WHERE issued_by = ?1 AND kind = 'access'",
            [&hash],
        )?;
        conn.execute(
            "UPDATE tokens SET used_ms = ?2, superseded = 1 WHERE issued_by = ?1 AND kind = 'refresh'",
            params![&hash, now_ms],
        )?;
    } else {
        if expires_ms < now_ms {
            return Ok(Err(TokenRefusal::Expired));
        }
        conn.execute(
            "UPDATE tokens SET used_ms = ?2 WHERE hash = ?1",
            params![&hash, now_ms],
        )?;
    }
    conn.execute(
        "DELETE FROM tokens WHERE device = ?1 AND kind = 'access' AND expires_ms < ?2",
        params![device_id, now_ms],
    )?;
    Ok(Ok(issue_tokens(conn, device_id, Some(&hash), at)?))
}

/// Signs a user in on a new device: its id and first token pair, or `None` for wrong
/// credentials.
pub fn sign_in(
    conn: &Connection,
    username: &str,
    password: &str,
    device_name: &str,
    at: Issue,
) -> anyhow::Result<Option<(TokenPair, i64)>> {
    let now_ms = at.now_ms;
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
    conn.execute(
        "INSERT INTO devices (user_id, name, created_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?3)",
        params![user_id, device_name, now_ms],
    )?;
    let device_id = conn.last_insert_rowid();
    Ok(Some((issue_tokens(conn, device_id, None, at)?, device_id)))
}

/// The principal an access token stands for, or why it is refused.
pub fn principal_for_token(
    conn: &Connection,
    token: &str,
    now_ms: i64,
) -> anyhow::Result<Result<Principal, TokenRefusal>> {
    struct Row {
        device_id: i64,
        user_id: i64,
        username: String,
        role: String,
        shop: Option<String>,
        expires_ms: i64,
        revoked: bool,
    }
    let row = conn
        .query_row(
            "SELECT d.id, u.id, u.username, u.role, u.shop, t.expires_ms, d.revoked
             FROM tokens t JOIN devices d ON d.id = t.device JOIN users u ON u.id = d.user_id
             WHERE t.hash = ?1 AND t.kind = 'access'",
            [token_hash(token)],
            |row| {
                Ok(Row {
                    device_id: row.get(0)?,
                    user_id: row.get(1)?,
                    username: row.get(2)?,
                    role: row.get(3)?,
                    shop: row.get(4)?,
                    expires_ms: row.get(5)?,
                    revoked: row.get(6)?,
                })
            },
        )
        .optional()?;
    let Some(Row {
        device_id,
        user_id,
        username,
        role,
        shop,
        expires_ms,
        revoked,
    }) = row
    else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if revoked {
        return Ok(Err(TokenRefusal::Revoked));
    }
    if expires_ms < now_ms {
        return Ok(Err(TokenRefusal::Expired));
    }
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
        Role::Admin | Role::Staff => Vec::new(),
    };
    let permissions = match role {
        Role::Staff => permissions_of(conn, user_id)?,
        _ => Vec::new(),
    };
    Ok(Ok(Principal {
        device_id,
        user_id,
        username,
        role,
        shops,
        permissions,
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
            .run(move |db| principal_for_token(&db.conn, &token, crate::db::now_ms()))
            .await??
            .map_err(TokenRefusal::into_error)
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
