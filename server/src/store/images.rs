//! Product photos' thumbnails, stored by the SHA-256 of their bytes.

use super::sql::{StoreError, Tx};
use crate::params;

/// Stores a thumbnail (nothing happens if the same bytes are there already).
pub fn put(
    tx: &mut Tx<'_>,
    hash: &str,
    content_type: &str,
    bytes: &[u8],
    now_ms: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO images (hash, content_type, bytes, created_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (hash) DO NOTHING",
        params![hash, content_type, bytes.to_vec(), now_ms],
    )?;
    Ok(())
}

/// A thumbnail's content type and bytes.
pub fn get(tx: &mut Tx<'_>, hash: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    tx.row(
        "SELECT content_type, bytes FROM images WHERE hash = ?1",
        params![hash],
    )?
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .transpose()
}
