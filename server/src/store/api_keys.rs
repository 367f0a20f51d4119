//! API keys (table `api_keys`): made, listed, revoked, found by the SHA-256 of what a
//! caller presents, and marked when used.

use api::keys::ApiKeyRow;

use super::sql::{Row, StoreError, Tx};
use crate::params;

const COLUMNS: &str = "id, name, prefix, scopes, created_ms, created_by, last_used_ms, revoked_ms, review, own_prices, expires_ms";

fn read(row: &Row) -> Result<ApiKeyRow, StoreError> {
    Ok(ApiKeyRow {
        id: row.get(0)?,
        name: row.get(1)?,
        prefix: row.get(2)?,
        scopes: row
            .get::<String>(3)?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_ms: row.get(4)?,
        created_by: row.get(5)?,
        last_used_ms: row.get(6)?,
        revoked_ms: row.get(7)?,
        review: row.get(8)?,
        own_prices: row.get(9)?,
        expires_ms: row.get(10)?,
    })
}

/// Stores a key by its hash; its row.
pub fn create(
    tx: &mut Tx<'_>,
    (name, scopes, review, own_prices): (&str, &[String], bool, bool),
    expires_ms: Option<i64>,
    (prefix, hash): (&str, &str),
    created_by: &str,
) -> Result<ApiKeyRow, StoreError> {
    let now = tx.now_ms;
    let row = tx
        .row(
            &format!(
                "INSERT INTO api_keys (name, prefix, hash, scopes, created_ms, created_by, review,
                                       own_prices, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING {COLUMNS}"
            ),
            params![
                name,
                prefix,
                hash,
                scopes.join(","),
                now,
                created_by,
                i64::from(review),
                i64::from(own_prices),
                expires_ms
            ],
        )?
        .ok_or_else(|| StoreError::Database("no key returned".into()))?;
    read(&row)
}

/// Every key, newest first.
/// Keys older than `before` (an id), newest first, at most `limit`.
pub fn list(tx: &mut Tx<'_>, before: i64, limit: usize) -> Result<Vec<ApiKeyRow>, StoreError> {
    tx.rows(
        &format!("SELECT {COLUMNS} FROM api_keys WHERE id < ?1 ORDER BY id DESC LIMIT ?2"),
        params![before, limit],
    )?
    .iter()
    .map(read)
    .collect()
}

/// The key whose hash is `hash`, revoked or not.
pub fn by_hash(tx: &mut Tx<'_>, hash: &str) -> Result<Option<ApiKeyRow>, StoreError> {
    tx.row(
        &format!("SELECT {COLUMNS} FROM api_keys WHERE hash = ?1"),
        params![hash],
    )?
    .as_ref()
    .map(read)
    .transpose()
}

/// Key `id`, revoked or not.
pub fn by_id(tx: &mut Tx<'_>, id: i64) -> Result<Option<ApiKeyRow>, StoreError> {
    tx.row(
        &format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1"),
        params![id],
    )?
    .as_ref()
    .map(read)
    .transpose()
}

/// Revokes key `id` (once: a revoked key keeps its first revocation time); its row and
/// whether this revoked it, or `None` when there is no such key.
pub fn revoke(tx: &mut Tx<'_>, id: i64) -> Result<Option<(ApiKeyRow, bool)>, StoreError> {
    let now = tx.now_ms;
    let revoked = tx.execute(
        "UPDATE api_keys SET revoked_ms = ?1 WHERE id = ?2 AND revoked_ms IS NULL",
        params![now, id],
    )? > 0;
    Ok(by_id(tx, id)?.map(|row| (row, revoked)))
}

/// Marks key `id` used now.
pub fn touch(tx: &mut Tx<'_>, id: i64) -> Result<(), StoreError> {
    let now = tx.now_ms;
    tx.execute(
        "UPDATE api_keys SET last_used_ms = ?1 WHERE id = ?2",
        params![now, id],
    )?;
    Ok(())
}

/// Changes the rules of key `id` (whether its orders wait for review, whether it may send
/// its own prices); its row after, or `None` when there is no such key.
pub fn set_rules(
    tx: &mut Tx<'_>,
    id: i64,
    (review, own_prices): (Option<bool>, Option<bool>),
) -> Result<Option<ApiKeyRow>, StoreError> {
    if let Some(review) = review {
        tx.execute(
            "UPDATE api_keys SET review = ?2 WHERE id = ?1",
            params![id, review],
        )?;
    }
    if let Some(own_prices) = own_prices {
        tx.execute(
            "UPDATE api_keys SET own_prices = ?2 WHERE id = ?1",
            params![id, own_prices],
        )?;
    }
    by_id(tx, id)
}
