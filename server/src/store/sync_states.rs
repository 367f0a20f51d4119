//! The sync state the server keeps per device and document (without its in-flight part).

use std::collections::HashMap;

use super::sql::{StoreError, Tx, Value, marks};
use crate::params;

/// The device's stored state for each of `docs` that has one, read in one statement.
pub fn get_many(
    tx: &mut Tx<'_>,
    device: i64,
    docs: &[String],
) -> Result<HashMap<String, Vec<u8>>, StoreError> {
    if docs.is_empty() {
        return Ok(HashMap::new());
    }
    let mut values = vec![Value::from(device)];
    values.extend(docs.iter().map(|doc| Value::from(doc.as_str())));
    tx.rows(
        &format!(
            "SELECT doc, state FROM sync_states WHERE device = ?1 AND doc IN ({})",
            marks(2, docs.len())
        ),
        &values,
    )?
    .into_iter()
    .map(|row| Ok((row.get::<String>(0)?, row.get::<Vec<u8>>(1)?)))
    .collect()
}

pub fn put(tx: &mut Tx<'_>, device: i64, doc: &str, state: Vec<u8>) -> Result<(), StoreError> {
    tx.write(
        "INSERT INTO sync_states (device, doc, state) VALUES (?1, ?2, ?3)
         ON CONFLICT (device, doc) DO UPDATE SET state = excluded.state",
        params![device, doc, state],
    )
}
