//! The audit log: every change an admin makes, with the object before and after, read
//! back newest first, for everything or one object.

use api::AuditEntry;
use serde::Serialize;

use super::sql::{StoreError, Tx};
use crate::params;

/// What changed: the kind of object (`product`, `category`, `promotion`, `terms`,
/// `profile`, `price`, `stock`), its id, and what was done (`create`, `update`, `delete`).
pub struct Change<'a> {
    pub kind: &'a str,
    pub object: &'a str,
    pub action: &'a str,
}

fn json(value: Option<&impl Serialize>) -> Result<Option<String>, StoreError> {
    value
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Database(format!("an audited value does not serialize: {e}")))
}

/// Records `change` by `actor` at `at_ms`, with the object `before` and `after` it.
pub fn record<B: Serialize, A: Serialize>(
    tx: &mut Tx<'_>,
    at_ms: i64,
    actor: &str,
    change: Change<'_>,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_log (at_ms, actor, kind, object, action, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            at_ms,
            actor,
            change.kind,
            change.object,
            change.action,
            json(before)?,
            json(after)?
        ],
    )?;
    Ok(())
}

/// The newest entries (older than `before_id` when given), of one kind and object when
/// given.
pub fn list(
    tx: &mut Tx<'_>,
    kind: Option<&str>,
    object: Option<&str>,
    before_id: Option<i64>,
    limit: usize,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = tx.rows(
        "SELECT id, at_ms, actor, kind, object, action, before, after FROM audit_log
         WHERE id < ?1 AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2)
           AND (CAST(?3 AS TEXT) IS NULL OR object = ?3)
         ORDER BY id DESC LIMIT ?4",
        params![before_id.unwrap_or(i64::MAX), kind, object, limit],
    )?;
    rows.iter()
        .map(|row| {
            let parse = |text: Option<String>| {
                text.and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            };
            Ok(AuditEntry {
                id: row.get(0)?,
                at_ms: row.get(1)?,
                actor: row.get(2)?,
                kind: row.get(3)?,
                object: row.get(4)?,
                action: row.get(5)?,
                before: parse(row.get(6)?),
                after: parse(row.get(7)?),
            })
        })
        .collect()
}
