//! The sync state the server keeps per device and document (without its in-flight part).

use super::sql::{StoreError, Tx};
use crate::params;

pub fn get(tx: &mut Tx<'_>, device: i64, doc: &str) -> Result<Option<Vec<u8>>, StoreError> {
    tx.value(
        "SELECT state FROM sync_states WHERE device = ?1 AND doc = ?2",
        params![device, doc],
    )
}

pub fn put(tx: &mut Tx<'_>, device: i64, doc: &str, state: Vec<u8>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO sync_states (device, doc, state) VALUES (?1, ?2, ?3)
         ON CONFLICT (device, doc) DO UPDATE SET state = excluded.state",
        params![device, doc, state],
    )?;
    Ok(())
}
