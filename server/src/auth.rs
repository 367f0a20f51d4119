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
use sha2::{Digest, Sha256};

use domain::sku::ShopId;

use crate::app_error::AppError;
use crate::state::AppState;
use crate::store::Tx;
use crate::store::accounts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Shop,
    Manager,
    Admin,
    /// Warehouse or finance staff: what they may do is the permissions an admin gave them.
    Staff,
    /// Another system calling with an API key: what it may do is the key's scopes.
    Key,
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
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
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
    /// Read stock levels (counting them needs `stock.write`).
    #[serde(rename = "stock.read")]
    StockRead,
    /// Read promotions and their usage (changing them is for admins).
    #[serde(rename = "promotions.read")]
    PromotionsRead,
    /// Invoices, payments, receivables, reminders and statements (finance).
    #[serde(rename = "finance")]
    Finance,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::OrdersRead,
        Permission::OrdersFulfil,
        Permission::OrdersHold,
        Permission::StockWrite,
        Permission::InboxResolve,
        Permission::StockRead,
        Permission::PromotionsRead,
        Permission::Finance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::OrdersRead => "orders.read",
            Permission::OrdersFulfil => "orders.fulfil",
            Permission::OrdersHold => "orders.hold",
            Permission::StockWrite => "stock.write",
            Permission::InboxResolve => "inbox.resolve",
            Permission::StockRead => "stock.read",
            Permission::PromotionsRead => "promotions.read",
            Permission::Finance => "finance",
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
    /// What a staff member may do (empty for everyone else; admins may do everything). An
    /// API key holds the permissions its scopes name ([`Principal::for_key`]).
    pub permissions: Vec<Permission>,
    /// The API key called with (its scopes, whether its orders are reviewed), for a key.
    pub key: Option<api::keys::ApiKeyRow>,
}

impl Principal {
    /// The caller with API key `key` (`username` is `key:<its name>`, so the audit log
    /// names it): the permissions its scopes name, nothing else.
    pub fn for_key(key: api::keys::ApiKeyRow) -> Principal {
        let has = |scope: &str| key.scopes.iter().any(|s| s == scope);
        let mut permissions = Vec::new();
        for (scope, granted) in [
            ("orders:read", &[Permission::OrdersRead][..]),
            ("orders:fulfil", &[Permission::OrdersFulfil]),
            ("stock:read", &[Permission::StockRead]),
            (
                "stock:write",
                &[Permission::StockRead, Permission::StockWrite],
            ),
        ] {
            if has(scope) {
                permissions.extend_from_slice(granted);
            }
        }
        permissions.sort();
        permissions.dedup();
        Principal {
            device_id: 0,
            user_id: 0,
            username: format!("key:{}", key.name),
            role: Role::Key,
            shops: Vec::new(),
            permissions,
            key: Some(key),
        }
    }

    pub fn acts_for(&self, shop: &ShopId) -> bool {
        self.shops.contains(shop)
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role == Role::Admin || self.permissions.contains(&permission)
    }

    /// 403 for an API key: sessions, devices and documents are for people's devices.
    pub fn require_device(&self) -> Result<(), AppError> {
        if self.role == Role::Key {
            return Err(AppError::client(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                "an API key has no session, devices or documents",
            ));
        }
        Ok(())
    }

    /// 403 unless the principal works in the back office, or is an API key with `scope`.
    pub fn require_office_or(&self, scope: &str) -> Result<(), AppError> {
        let Some(key) = &self.key else {
            return self.require_office();
        };
        if key.scopes.iter().any(|s| s == scope) {
            return Ok(());
        }
        Err(AppError::client(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs the {scope} scope"),
        ))
    }

    /// 403 unless the principal holds `permission` or, for an API key, the key names
    /// `scope` (a key holds only what its scopes name).
    pub fn require_or_scope(&self, permission: Permission, scope: &str) -> Result<(), AppError> {
        if self.key.is_some() {
            self.require_office_or(scope)
        } else {
            self.require(permission)
        }
    }

    /// 403 unless the principal is an admin or, for an API key, the key names `scope`.
    pub fn require_admin_or_scope(&self, what: &str, scope: &str) -> Result<(), AppError> {
        if self.key.is_some() {
            self.require_office_or(scope)
        } else {
            self.require_admin(what)
        }
    }

    /// 403 unless the principal is an admin; `what` says what only admins may do.
    pub fn require_admin(&self, what: &str) -> Result<(), AppError> {
        if self.role == Role::Admin {
            return Ok(());
        }
        Err(AppError::client(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            format!("only an admin may {what}"),
        ))
    }

    /// 403 unless the principal works in the back office (an admin or staff).
    pub fn require_office(&self) -> Result<(), AppError> {
        if matches!(self.role, Role::Admin | Role::Staff) {
            return Ok(());
        }
        Err(AppError::client(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            "the back office is for admins and staff",
        ))
    }

    /// 403 unless the principal holds one of `permissions` (a read-only one, or the one
    /// that also changes).
    pub fn require_any(&self, permissions: &[Permission]) -> Result<(), AppError> {
        match permissions.iter().find(|p| self.may(**p)) {
            Some(_) => Ok(()),
            None => self.require(permissions[0]),
        }
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

/// A new user's username (1–64 letters, digits, `.`, `_`, `-`) and password (8–256
/// characters), checked before anything is hashed or stored; a refusal names the field
/// as the form calls it.
pub fn check_new_credentials(
    (username, username_field): (&str, &str),
    (password, password_field): (&str, &str),
) -> Result<(), AppError> {
    let valid_name = !username.is_empty()
        && username.len() <= 64
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if !valid_name {
        return Err(AppError::invalid(username_field, "malformed"));
    }
    check_new_password(password, password_field)
}

/// A password someone sets: 8 to 256 characters.
pub fn check_new_password(password: &str, field: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 {
        return Err(AppError::invalid(field, "too_short"));
    }
    if password.len() > 256 {
        return Err(AppError::invalid(field, "too_long"));
    }
    Ok(())
}

/// A user's permissions as stored.
pub fn permissions_of(tx: &mut Tx<'_>, user_id: i64) -> anyhow::Result<Vec<Permission>> {
    let mut permissions: Vec<Permission> = accounts::permissions_of(tx, user_id)?
        .iter()
        .filter_map(|name| Permission::parse(name))
        .collect();
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
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
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

/// How long a sign-in waits for a free hashing slot before it is told to come back.
const HASH_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The threads that hash passwords (all cores but one) and the permits to use them. argon2
/// takes 19 MiB per hash: on long-lived threads that memory is reused, where on tokio's
/// blocking threads every new thread kept its own (50 sign-ins left the server at 900 MB).
pub struct Hashers {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    threads: crate::workers::Workers,
}

impl Hashers {
    pub fn new(threads: usize) -> Hashers {
        Hashers {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(threads.max(1))),
            threads: crate::workers::Workers::new("argon2", threads),
        }
    }
}

/// Runs `hash_work` (argon2) on one of the hashing threads once a permit is free, so at
/// most one hash per hashing thread runs at once and the rest wait their turn; a caller that waits
/// more than 10 s is told 503. The permit moves into the job, so a client that hangs up
/// does not free it while the hash still runs.
pub async fn with_hash_permit<T: Send + 'static>(
    hashers: &Hashers,
    hash_work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let permit = tokio::time::timeout(HASH_QUEUE_WAIT, hashers.permits.clone().acquire_owned())
        .await
        .map_err(|_| {
            AppError::client(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many sign-ins at once; try again shortly",
            )
        })?
        .map_err(anyhow::Error::from)?;
    hashers
        .threads
        .run(move || {
            let result = hash_work();
            drop(permit);
            result
        })
        .await
        .map_err(AppError::Internal)
}

/// How long an access token lasts. A device that is offline longer keeps working locally
/// and refreshes when it reconnects.
pub const ACCESS_TTL_MS: i64 = 15 * 60 * 1000;
/// How long an unused refresh token lasts: a device idle this long signs in again.
pub const REFRESH_TTL_MS: i64 = 90 * 24 * 60 * 60 * 1000;
/// How long after a refresh the spent token may be presented again (a lost reply).
pub const REUSE_GRACE_MS: i64 = 60 * 1000;

/// A new pair of tokens for one device.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
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

/// `bytes` in hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `bytes`, in hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `N` random bytes, in hexadecimal.
pub fn random_hex<const N: usize>() -> anyhow::Result<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex(&bytes))
}

fn new_token() -> anyhow::Result<String> {
    random_hex::<32>()
}

/// When tokens are issued and how long the access token lasts.
#[derive(Debug, Clone, Copy)]
pub struct Issue {
    pub now_ms: i64,
    pub access_ttl_ms: i64,
}

/// Issues a new token pair for a device.
pub fn issue_tokens(
    tx: &mut Tx<'_>,
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
    accounts::insert_token(
        tx,
        &token_hash(&pair.token),
        device_id,
        "access",
        pair.access_expires_ms,
        issued_by,
    )?;
    accounts::insert_token(
        tx,
        &token_hash(&pair.refresh_token),
        device_id,
        "refresh",
        now_ms + REFRESH_TTL_MS,
        issued_by,
    )?;
    Ok(pair)
}

/// Spends a refresh token for a new pair (see the module notes for replays).
pub fn refresh(
    tx: &mut Tx<'_>,
    refresh_token: &str,
    at: Issue,
) -> anyhow::Result<Result<TokenPair, TokenRefusal>> {
    let now_ms = at.now_ms;
    let hash = token_hash(refresh_token);
    let Some(row) = accounts::refresh_token(tx, &hash)? else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if row.revoked {
        return Ok(Err(TokenRefusal::Revoked));
    }
    if let Some(used_ms) = row.used_ms {
        let successor_used = accounts::successor_used(tx, &hash)?;
        if row.superseded || now_ms - used_ms > REUSE_GRACE_MS || successor_used {
            tracing::warn!(
                device = row.device_id,
                "a spent refresh token was replayed; revoking the device"
            );
            accounts::revoke_device(tx, row.device_id)?;
            return Ok(Err(TokenRefusal::Replayed));
        }
        // The reply to the first refresh was lost: supersede the unused successor pair.
        accounts::supersede_successors(tx, &hash, now_ms)?;
    } else {
        if row.expires_ms < now_ms {
            return Ok(Err(TokenRefusal::Expired));
        }
        accounts::mark_spent(tx, &hash, now_ms)?;
    }
    // Access tokens that ran out a while ago go; the one just replaced stays a little,
    // so a call sent with it before this refresh still hears "expired" (and retries with
    // the new one) rather than "unknown" (which signs the user out).
    accounts::delete_expired_access(tx, row.device_id, now_ms - REUSE_GRACE_MS)?;
    Ok(Ok(issue_tokens(tx, row.device_id, Some(&hash), at)?))
}

/// The principal an access token stands for, or why it is refused.
pub fn principal_for_token(
    tx: &mut Tx<'_>,
    token: &str,
    now_ms: i64,
) -> anyhow::Result<Result<Principal, TokenRefusal>> {
    let Some(row) = accounts::access_token(tx, &token_hash(token))? else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if row.revoked {
        return Ok(Err(TokenRefusal::Revoked));
    }
    if row.expires_ms < now_ms {
        return Ok(Err(TokenRefusal::Expired));
    }
    let role =
        Role::parse(&row.role).ok_or_else(|| anyhow::anyhow!("unknown role {}", row.role))?;
    let shops = match role {
        Role::Shop => row
            .shop
            .iter()
            .filter_map(|s| ShopId::parse(s).ok())
            .collect(),
        Role::Manager => accounts::managed_shops(tx, row.user_id)?
            .iter()
            .filter_map(|s| ShopId::parse(s).ok())
            .collect(),
        Role::Admin | Role::Staff | Role::Key => Vec::new(),
    };
    let permissions = match role {
        Role::Staff => permissions_of(tx, row.user_id)?,
        _ => Vec::new(),
    };
    Ok(Ok(Principal {
        device_id: row.device_id,
        user_id: row.user_id,
        username: row.username,
        role,
        shops,
        permissions,
        key: None,
    }))
}

/// How an API key starts (`dhk_` and 40 hexadecimal digits): told apart from a device's
/// access token by its look.
pub const KEY_PREFIX: &str = "dhk_";

/// A new API key and its SHA-256 (what is stored).
pub fn new_key() -> anyhow::Result<(String, String)> {
    let key = format!("{KEY_PREFIX}{}", random_hex::<20>()?);
    let hash = key_hash(&key);
    Ok((key, hash))
}

/// What is stored of an API key: its SHA-256, in hexadecimal. (A key is 160 random bits,
/// so a fast hash is enough; passwords get argon2.)
fn key_hash(key: &str) -> String {
    sha256_hex(key.as_bytes())
}

/// How often a key's last use is written down (its list shows it to the minute).
const KEY_TOUCH_EVERY_MS: i64 = 60_000;

/// The caller with API key `KEY_PREFIX` + `secret`: refused when unknown or revoked (401),
/// or over its rate (429); its last use written at most once a minute.
async fn principal_for_key(state: &AppState, secret: &str) -> Result<Principal, AppError> {
    if secret.len() != 40 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::unauthorized("the API key is malformed"));
    }
    let hash = key_hash(&format!("{KEY_PREFIX}{secret}"));
    let key = state
        .store
        .read(move |tx| crate::store::api_keys::by_hash(tx, &hash))
        .await?
        .ok_or_else(|| AppError::unauthorized("unknown API key"))?;
    if key.revoked_ms.is_some() {
        return Err(AppError::unauthorized("the API key was revoked"));
    }
    if key
        .expires_ms
        .is_some_and(|expires| expires <= crate::store::now_ms())
    {
        return Err(AppError::client(
            axum::http::StatusCode::UNAUTHORIZED,
            "key_expired",
            "the API key expired",
        ));
    }
    state
        .key_limiter
        .attempt(key.id, std::time::Instant::now())
        .map_err(|wait| {
            AppError::client(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "too many calls with this API key; try again in {} ms",
                    wait.as_millis().max(1)
                ),
            )
        })?;
    let now = crate::store::now_ms();
    if key
        .last_used_ms
        .is_none_or(|used| now - used >= KEY_TOUCH_EVERY_MS)
    {
        let id = key.id;
        state
            .store
            .write(move |tx| crate::store::api_keys::touch(tx, id))
            .await?;
    }
    Ok(Principal::for_key(key))
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
        if let Some(key) = header
            .strip_prefix("Bearer ")
            .and_then(|t| t.strip_prefix(KEY_PREFIX))
        {
            return principal_for_key(state, key).await;
        }
        let token = header
            .strip_prefix("Bearer ")
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| AppError::unauthorized("the device token is malformed"))?
            .to_owned();
        state
            .store
            .read(move |tx| {
                let now = tx.now_ms;
                principal_for_token(tx, &token, now)
            })
            .await?
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
