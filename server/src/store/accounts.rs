//! Users, their roles and permissions, the shops a manager looks after, devices and their
//! tokens (only SHA-256 hashes are stored).

use super::sql::{StoreError, Tx};
use crate::params;

/// A token row joined with its device and user, as the access check needs it.
#[derive(Debug, Clone)]
pub struct AccessRow {
    pub device_id: i64,
    pub user_id: i64,
    pub username: String,
    pub role: String,
    pub shop: Option<String>,
    pub expires_ms: i64,
    pub revoked: bool,
}

/// A refresh token row with its device's state.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    pub device_id: i64,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
    pub superseded: bool,
    pub revoked: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceRow {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub last_seen_ms: i64,
    pub revoked: bool,
}

pub fn count_users(tx: &mut Tx<'_>) -> Result<i64, StoreError> {
    Ok(tx
        .value("SELECT COUNT(*) FROM users", params![])?
        .unwrap_or(0))
}

/// The id and password hash of `username`.
pub fn password_of(tx: &mut Tx<'_>, username: &str) -> Result<Option<(i64, String)>, StoreError> {
    tx.row(
        "SELECT id, password_hash FROM users WHERE username = ?1",
        params![username],
    )?
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .transpose()
}

/// Every user's display name, by username.
pub fn display_names(
    tx: &mut Tx<'_>,
) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    tx.rows("SELECT username, display_name FROM users", params![])?
        .into_iter()
        .map(|row| Ok((row.get(0)?, row.get(1)?)))
        .collect()
}

pub fn display_name(tx: &mut Tx<'_>, user_id: i64) -> Result<String, StoreError> {
    Ok(tx
        .value(
            "SELECT display_name FROM users WHERE id = ?1",
            params![user_id],
        )?
        .unwrap_or_default())
}

/// Creates a user, returning its id.
pub fn create_user(
    tx: &mut Tx<'_>,
    username: &str,
    display_name: &str,
    password_hash: &str,
    role: &str,
    shop: Option<&str>,
) -> Result<i64, StoreError> {
    tx.value(
        "INSERT INTO users (username, display_name, password_hash, role, shop)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![username, display_name, password_hash, role, shop],
    )?
    .ok_or_else(|| StoreError::Database("no id returned".into()))
}

/// The id and display name of a user of `role`.
pub fn user_by_name(
    tx: &mut Tx<'_>,
    username: &str,
    role: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    tx.row(
        "SELECT id, display_name FROM users WHERE username = ?1 AND role = ?2",
        params![username, role],
    )?
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .transpose()
}

pub fn username_taken(tx: &mut Tx<'_>, username: &str) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT id FROM users WHERE username = ?1",
            params![username],
        )?
        .is_some())
}

/// Users of `role`: id, username, display name, by username.
pub fn users_with_role(
    tx: &mut Tx<'_>,
    role: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    tx.rows(
        "SELECT id, username, display_name FROM users WHERE role = ?1 ORDER BY username",
        params![role],
    )?
    .iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
    .collect()
}

/// A user's permission names as stored, sorted.
pub fn permissions_of(tx: &mut Tx<'_>, user_id: i64) -> Result<Vec<String>, StoreError> {
    tx.column(
        "SELECT permission FROM user_permissions WHERE user_id = ?1 ORDER BY permission",
        params![user_id],
    )
}

pub fn set_permissions(
    tx: &mut Tx<'_>,
    user_id: i64,
    permissions: &[&str],
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM user_permissions WHERE user_id = ?1",
        params![user_id],
    )?;
    for permission in permissions {
        tx.execute(
            "INSERT INTO user_permissions (user_id, permission) VALUES (?1, ?2)",
            params![user_id, *permission],
        )?;
    }
    Ok(())
}

/// The shops a manager looks after, by id.
pub fn managed_shops(tx: &mut Tx<'_>, manager: i64) -> Result<Vec<String>, StoreError> {
    tx.column(
        "SELECT shop FROM manager_shops WHERE manager = ?1 ORDER BY shop",
        params![manager],
    )
}

pub fn assign_shop(tx: &mut Tx<'_>, manager: i64, shop: &str) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO manager_shops (manager, shop) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![manager, shop],
    )?;
    Ok(())
}

/// Registers a device of `user_id`, returning its id.
pub fn create_device(
    tx: &mut Tx<'_>,
    user_id: i64,
    name: &str,
    now_ms: i64,
) -> Result<i64, StoreError> {
    tx.value(
        "INSERT INTO devices (user_id, name, created_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?3)
         RETURNING id",
        params![user_id, name, now_ms],
    )?
    .ok_or_else(|| StoreError::Database("no id returned".into()))
}

pub fn device_owner(tx: &mut Tx<'_>, device: i64) -> Result<Option<i64>, StoreError> {
    tx.value("SELECT user_id FROM devices WHERE id = ?1", params![device])
}

pub fn devices_of(tx: &mut Tx<'_>, user_id: i64) -> Result<Vec<DeviceRow>, StoreError> {
    tx.rows(
        "SELECT id, name, created_ms, last_seen_ms, revoked FROM devices
         WHERE user_id = ?1 ORDER BY id DESC",
        params![user_id],
    )?
    .iter()
    .map(|row| {
        Ok(DeviceRow {
            id: row.get(0)?,
            name: row.get(1)?,
            created_ms: row.get(2)?,
            last_seen_ms: row.get(3)?,
            revoked: row.get(4)?,
        })
    })
    .collect()
}

/// Every token the device holds stops working at once (they are kept, so a later attempt
/// is told the device was revoked rather than that the token is unknown).
pub fn revoke_device(tx: &mut Tx<'_>, device: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE devices SET revoked = 1 WHERE id = ?1",
        params![device],
    )?;
    Ok(())
}

/// Signs every device of `user_id` out; returns how many were signed in.
pub fn revoke_all_devices(tx: &mut Tx<'_>, user_id: i64) -> Result<u64, StoreError> {
    tx.execute(
        "UPDATE devices SET revoked = 1 WHERE user_id = ?1 AND revoked = 0",
        params![user_id],
    )
}

/// A user by name: id, role and display name.
pub fn user_with_role(
    tx: &mut Tx<'_>,
    username: &str,
) -> Result<Option<(i64, String, String)>, StoreError> {
    tx.row(
        "SELECT id, role, display_name FROM users WHERE username = ?1",
        params![username],
    )?
    .map(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
    .transpose()
}

pub fn set_password(tx: &mut Tx<'_>, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![user_id, password_hash],
    )?;
    Ok(())
}

pub fn set_display_name(tx: &mut Tx<'_>, user_id: i64, name: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE users SET display_name = ?2 WHERE id = ?1",
        params![user_id, name],
    )?;
    Ok(())
}

/// The manager looks after exactly `shops`.
pub fn set_managed_shops(
    tx: &mut Tx<'_>,
    manager: i64,
    shops: &[String],
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM manager_shops WHERE manager = ?1",
        params![manager],
    )?;
    for shop in shops {
        assign_shop(tx, manager, shop)?;
    }
    Ok(())
}

/// How many devices of `user_id` are signed in (not revoked).
pub fn signed_in_devices(tx: &mut Tx<'_>, user_id: i64) -> Result<i64, StoreError> {
    Ok(tx
        .value(
            "SELECT COUNT(*) FROM devices WHERE user_id = ?1 AND revoked = 0",
            params![user_id],
        )?
        .unwrap_or(0))
}

pub fn touch_device(tx: &mut Tx<'_>, device: i64, now_ms: i64) -> Result<(), StoreError> {
    // At most once a minute: a device that syncs every few seconds would otherwise rewrite
    // its row (and the log) on every sync, for a time shown to the minute.
    tx.execute(
        "UPDATE devices SET last_seen_ms = ?1 WHERE id = ?2 AND last_seen_ms <= ?3",
        params![now_ms, device, now_ms - 60_000],
    )?;
    Ok(())
}

pub fn insert_token(
    tx: &mut Tx<'_>,
    hash: &[u8],
    device: i64,
    kind: &str,
    expires_ms: i64,
    issued_by: Option<&[u8]>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tokens (hash, device, kind, expires_ms, issued_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![hash, device, kind, expires_ms, issued_by],
    )?;
    Ok(())
}

pub fn access_token(tx: &mut Tx<'_>, hash: &[u8]) -> Result<Option<AccessRow>, StoreError> {
    tx.row(
        "SELECT d.id, u.id, u.username, u.role, u.shop, t.expires_ms, d.revoked
         FROM tokens t JOIN devices d ON d.id = t.device JOIN users u ON u.id = d.user_id
         WHERE t.hash = ?1 AND t.kind = 'access'",
        params![hash],
    )?
    .map(|row| {
        Ok(AccessRow {
            device_id: row.get(0)?,
            user_id: row.get(1)?,
            username: row.get(2)?,
            role: row.get(3)?,
            shop: row.get(4)?,
            expires_ms: row.get(5)?,
            revoked: row.get(6)?,
        })
    })
    .transpose()
}

/// A refresh token, its row locked until the transaction ends (two processes spending the
/// same token take turns, so the second sees it spent).
pub fn refresh_token(tx: &mut Tx<'_>, hash: &[u8]) -> Result<Option<RefreshRow>, StoreError> {
    let sql = format!(
        "SELECT t.device, t.expires_ms, t.used_ms, t.superseded, d.revoked
         FROM tokens t JOIN devices d ON d.id = t.device
         WHERE t.hash = ?1 AND t.kind = 'refresh'{}",
        tx.for_update()
    );
    tx.row(&sql, params![hash])?
        .map(|row| {
            Ok(RefreshRow {
                device_id: row.get(0)?,
                expires_ms: row.get(1)?,
                used_ms: row.get(2)?,
                superseded: row.get(3)?,
                revoked: row.get(4)?,
            })
        })
        .transpose()
}

/// True when the refresh token issued by spending `hash` was itself spent.
pub fn successor_used(tx: &mut Tx<'_>, hash: &[u8]) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT 1 FROM tokens WHERE issued_by = ?1 AND kind = 'refresh' AND used_ms IS NOT NULL",
            params![hash],
        )?
        .is_some())
}

/// The pair issued by spending `hash` is replaced (a lost reply): its access token goes,
/// its refresh token counts as a replay from now on.
pub fn supersede_successors(tx: &mut Tx<'_>, hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM tokens WHERE issued_by = ?1 AND kind = 'access'",
        params![hash],
    )?;
    tx.execute(
        "UPDATE tokens SET used_ms = ?2, superseded = 1 WHERE issued_by = ?1 AND kind = 'refresh'",
        params![hash, now_ms],
    )?;
    Ok(())
}

pub fn mark_spent(tx: &mut Tx<'_>, hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE tokens SET used_ms = ?2 WHERE hash = ?1",
        params![hash, now_ms],
    )?;
    Ok(())
}

/// Deletes `device`'s access tokens that expired before `before_ms`.
pub fn delete_expired_access(
    tx: &mut Tx<'_>,
    device: i64,
    before_ms: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM tokens WHERE device = ?1 AND kind = 'access' AND expires_ms < ?2",
        params![device, before_ms],
    )?;
    Ok(())
}

/// Deletes tokens that expired more than `keep_ms` ago (until then an expired access token
/// is still told apart from an unknown one, and a spent refresh token from a replay).
/// Returns how many went.
pub fn delete_dead_tokens(tx: &mut Tx<'_>, now_ms: i64, keep_ms: i64) -> Result<u64, StoreError> {
    tx.execute(
        "DELETE FROM tokens WHERE expires_ms < ?1",
        params![now_ms.saturating_sub(keep_ms)],
    )
}
