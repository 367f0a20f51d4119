//! Webhooks out (tables `webhook_endpoints`, `webhook_events`, `webhook_deliveries`,
//! `webhook_attempts`): the outbox an event is written to in the transaction that made the
//! change, the deliveries a process claims (a lease, so one process of all sends each
//! attempt), and what each attempt got back.

use api::webhooks::{Attempt, Delivery, DeliveryPage, Endpoint, Event};

use super::sql::{Row, StoreError, Tx};
use crate::params;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// An endpoint whose every attempt failed for this long is turned off.
pub const DISABLE_AFTER_MS: i64 = DAY_MS;
/// A delivery is given up (`failed`; the admin can resend it) this long after its event.
pub const GIVE_UP_AFTER_MS: i64 = 3 * DAY_MS;
/// Delivered and failed deliveries, their attempts and events, are kept this long.
pub const KEEP_MS: i64 = 30 * DAY_MS;
/// `disabled_reason` of an endpoint turned off because it failed for a day.
pub const FAILING: &str = "failing_for_a_day";
/// `disabled_reason` of an endpoint an admin turned off.
pub const TURNED_OFF: &str = "turned_off";
/// Delay before the n-th retry, in units of the retry base (10 s in production): 10 s,
/// 30 s, 1 min, 2 min, 5 min, 10 min, 30 min, 1 h, then every 2 h.
const BACKOFF: [i64; 9] = [1, 3, 6, 12, 30, 60, 180, 360, 720];

/// How long to wait after `attempts` failed attempts.
pub fn backoff_ms(attempts: i64, base_ms: i64) -> i64 {
    let step = usize::try_from(attempts.saturating_sub(1)).unwrap_or(0);
    BACKOFF[step.min(BACKOFF.len() - 1)].saturating_mul(base_ms)
}

fn pattern(kind: &str) -> String {
    format!("%,{kind},%")
}

/// True when an enabled endpoint subscribes to an event whose type starts with `prefix`
/// (`"order."`): writers skip building events nobody receives. The endpoints' event lists
/// are read once per transaction, so an intake can read them before it locks stock rows
/// and ask again under the lock for nothing.
pub fn wanted(tx: &mut Tx<'_>, prefix: &str) -> Result<bool, StoreError> {
    let events = match tx.webhook_events.take() {
        Some(events) => events,
        None => tx.column::<String>(
            "SELECT events FROM webhook_endpoints WHERE enabled = 1",
            params![],
        )?,
    };
    // The column is `,kind,kind,` (`events_column`).
    let needle = format!(",{prefix}");
    let wanted = events.iter().any(|listed| listed.contains(&needle));
    tx.webhook_events = Some(events);
    Ok(wanted)
}

/// Forgets the event lists [`wanted`] read in this transaction (before it changes them).
fn endpoints_change(tx: &mut Tx<'_>) {
    tx.webhook_events = None;
}

/// Writes event `kind` with `data` to the outbox, one delivery per enabled endpoint that
/// subscribes to it, in the caller's transaction (so a change rolled back sends nothing
/// and a committed one is never lost). Returns the event id, or `None` when no endpoint
/// subscribes.
pub fn emit(
    tx: &mut Tx<'_>,
    kind: &str,
    data: serde_json::Value,
) -> anyhow::Result<Option<String>> {
    let endpoints: Vec<i64> = tx
        .rows(
            "SELECT id FROM webhook_endpoints WHERE enabled = 1 AND events LIKE '' || ?1",
            params![pattern(kind)],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect::<Result<_, _>>()?;
    send_to(tx, &endpoints, kind, data)
}

/// Writes event `kind` with `data` to the outbox for `endpoints` (none: nothing written).
pub fn send_to(
    tx: &mut Tx<'_>,
    endpoints: &[i64],
    kind: &str,
    data: serde_json::Value,
) -> anyhow::Result<Option<String>> {
    if endpoints.is_empty() {
        return Ok(None);
    }
    let now = tx.now_ms;
    let event = Event {
        id: format!("evt_{}", crate::auth::random_hex::<16>()?),
        kind: kind.to_owned(),
        created_ms: now,
        data,
    };
    let stored: i64 = tx
        .value(
            "INSERT INTO webhook_events (event_id, kind, created_ms, body) VALUES (?1, ?2, ?3, ?4)
             RETURNING id",
            params![event.id.as_str(), kind, now, serde_json::to_string(&event)?],
        )?
        .ok_or_else(|| StoreError::Database("no event id returned".into()))?;
    for &endpoint in endpoints {
        tx.execute(
            "INSERT INTO webhook_deliveries (endpoint, event, next_ms, created_ms)
             VALUES (?1, ?2, ?3, ?3)",
            params![endpoint, stored, now],
        )?;
    }
    Ok(Some(event.id))
}

const ENDPOINT_COLUMNS: &str = "e.id, e.url, e.description, e.events, e.enabled, e.created_ms,
    e.created_by, e.failing_since_ms, e.disabled_reason, e.disabled_ms,
    (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint = e.id AND d.state = 'pending'),
    (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint = e.id AND d.state = 'delivered')";

fn read_endpoint(row: &Row) -> Result<Endpoint, StoreError> {
    Ok(Endpoint {
        id: row.get(0)?,
        url: row.get(1)?,
        description: row.get(2)?,
        events: row
            .get::<String>(3)?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        enabled: row.get(4)?,
        created_ms: row.get(5)?,
        created_by: row.get(6)?,
        failing_since_ms: row.get(7)?,
        disabled_reason: row.get(8)?,
        disabled_ms: row.get(9)?,
        pending: row.get(10)?,
        delivered: row.get(11)?,
    })
}

fn events_column(events: &[String]) -> String {
    format!(",{},", events.join(","))
}

/// Subscribes `url` to `events` (valid types, checked by the caller), signed with `secret`.
pub fn create_endpoint(
    tx: &mut Tx<'_>,
    (url, description, events): (&str, &str, &[String]),
    secret: &str,
    created_by: &str,
) -> Result<Endpoint, StoreError> {
    endpoints_change(tx);
    let now = tx.now_ms;
    let id: i64 = tx
        .value(
            "INSERT INTO webhook_endpoints (url, description, events, secret, created_ms, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![
                url,
                description,
                events_column(events),
                secret,
                now,
                created_by
            ],
        )?
        .ok_or_else(|| StoreError::Database("no endpoint id returned".into()))?;
    endpoint(tx, id)?.ok_or_else(|| StoreError::Database("the new endpoint is missing".into()))
}

/// Every endpoint not deleted, newest first.
pub fn endpoints(tx: &mut Tx<'_>) -> Result<Vec<Endpoint>, StoreError> {
    tx.rows(
        &format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.deleted_ms IS NULL
             ORDER BY e.id DESC"
        ),
        params![],
    )?
    .iter()
    .map(read_endpoint)
    .collect()
}

/// Endpoint `id`, unless deleted.
pub fn endpoint(tx: &mut Tx<'_>, id: i64) -> Result<Option<Endpoint>, StoreError> {
    tx.row(
        &format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e
             WHERE e.id = ?1 AND e.deleted_ms IS NULL"
        ),
        params![id],
    )?
    .as_ref()
    .map(read_endpoint)
    .transpose()
}

/// Turns endpoint `id` on (its waiting deliveries are due at once, its failures forgotten)
/// or off (nothing is sent, and no new event is queued for it, until it is on again).
pub fn set_enabled(tx: &mut Tx<'_>, id: i64, enabled: bool) -> Result<(), StoreError> {
    endpoints_change(tx);
    let now = tx.now_ms;
    if enabled {
        let turned_on = tx.execute(
            "UPDATE webhook_endpoints SET enabled = 1, disabled_ms = NULL, disabled_reason = NULL,
                 failing_since_ms = NULL
             WHERE id = ?1 AND enabled = 0",
            params![id],
        )?;
        if turned_on > 0 {
            tx.execute(
                "UPDATE webhook_deliveries SET next_ms = ?2
                 WHERE endpoint = ?1 AND state = 'pending' AND next_ms > ?2",
                params![id, now],
            )?;
        }
    } else {
        tx.execute(
            "UPDATE webhook_endpoints SET enabled = 0, disabled_ms = ?2, disabled_reason = ?3
             WHERE id = ?1 AND enabled = 1",
            params![id, now, TURNED_OFF],
        )?;
    }
    Ok(())
}

/// Replaces what endpoint `id` subscribes to.
pub fn set_events(tx: &mut Tx<'_>, id: i64, events: &[String]) -> Result<(), StoreError> {
    endpoints_change(tx);
    tx.execute(
        "UPDATE webhook_endpoints SET events = ?2 WHERE id = ?1",
        params![id, events_column(events)],
    )?;
    Ok(())
}

/// Deletes endpoint `id`: it is off and no longer listed; deliveries still waiting are
/// dropped (their history stays until it ages out). False when there was none.
pub fn delete_endpoint(tx: &mut Tx<'_>, id: i64) -> Result<bool, StoreError> {
    endpoints_change(tx);
    let now = tx.now_ms;
    let deleted = tx.execute(
        "UPDATE webhook_endpoints SET enabled = 0, deleted_ms = ?2
         WHERE id = ?1 AND deleted_ms IS NULL",
        params![id, now],
    )? > 0;
    if deleted {
        tx.execute(
            "UPDATE webhook_deliveries SET state = 'failed' WHERE endpoint = ?1 AND state = 'pending'",
            params![id],
        )?;
    }
    Ok(deleted)
}

/// A delivery claimed to be sent now.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery: i64,
    pub endpoint: i64,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub kind: String,
    pub body: String,
}

/// True when some delivery is due now (a cheap read before claiming in a write).
pub fn any_due(tx: &mut Tx<'_>, now_ms: i64) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT 1 FROM webhook_deliveries
             WHERE state = 'pending' AND next_ms <= ?1 AND lease_until <= ?1 LIMIT 1",
            params![now_ms],
        )?
        .is_some())
}

/// Claims up to `limit` deliveries due now to enabled endpoints for `lease_ms`: no other
/// process sends them meanwhile; one whose sender died is due again when the lease ends.
pub fn claim(tx: &mut Tx<'_>, lease_ms: i64, limit: usize) -> Result<Vec<Due>, StoreError> {
    let now = tx.now_ms;
    let lock = if tx.for_update().is_empty() {
        ""
    } else {
        " FOR UPDATE OF d SKIP LOCKED"
    };
    let rows = tx.rows(
        &format!(
            "SELECT d.id, e.id, e.url, e.secret, v.event_id, v.kind, v.body
             FROM webhook_deliveries d
             JOIN webhook_endpoints e ON e.id = d.endpoint
             JOIN webhook_events v ON v.id = d.event
             WHERE d.state = 'pending' AND d.next_ms <= ?1 AND d.lease_until <= ?1
                 AND e.enabled = 1
             ORDER BY d.next_ms, d.id LIMIT ?2{lock}"
        ),
        params![now, limit],
    )?;
    let mut due = Vec::with_capacity(rows.len());
    for row in &rows {
        let delivery: i64 = row.get(0)?;
        tx.execute(
            "UPDATE webhook_deliveries SET lease_until = ?2 WHERE id = ?1",
            params![delivery, now.saturating_add(lease_ms)],
        )?;
        due.push(Due {
            delivery,
            endpoint: row.get(1)?,
            url: row.get(2)?,
            secret: row.get(3)?,
            event_id: row.get(4)?,
            kind: row.get(5)?,
            body: row.get(6)?,
        });
    }
    Ok(due)
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivery: i64,
    pub endpoint: i64,
    pub at_ms: i64,
    pub status: Option<u16>,
    pub response: String,
    pub took_ms: i64,
}

impl Outcome {
    /// A 2xx answer.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Records attempts: a delivered one is done and its endpoint healthy again; a failed one
/// is due again after its backoff (or given up three days after its event), and its
/// endpoint, failing since its first failure with no success after, is turned off once
/// that was a day ago. Returns the endpoints this turned off.
pub fn record(
    tx: &mut Tx<'_>,
    outcomes: &[Outcome],
    retry_base_ms: i64,
) -> Result<Vec<i64>, StoreError> {
    let now = tx.now_ms;
    let mut turned_off = Vec::new();
    for outcome in outcomes {
        tx.execute(
            "INSERT INTO webhook_attempts (delivery, at_ms, status, response, took_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                outcome.delivery,
                outcome.at_ms,
                outcome.status.map(u32::from),
                outcome.response.as_str(),
                outcome.took_ms
            ],
        )?;
        if outcome.delivered() {
            tx.execute(
                "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1,
                     delivered_ms = ?2, lease_until = 0
                 WHERE id = ?1",
                params![outcome.delivery, now],
            )?;
            tx.execute(
                "UPDATE webhook_endpoints SET failing_since_ms = NULL WHERE id = ?1",
                params![outcome.endpoint],
            )?;
            continue;
        }
        let attempts: i64 = tx
            .value(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, lease_until = 0
                 WHERE id = ?1 RETURNING attempts",
                params![outcome.delivery],
            )?
            .unwrap_or(1);
        tx.execute(
            "UPDATE webhook_deliveries
             SET state = CASE WHEN created_ms <= ?3 THEN 'failed' ELSE state END, next_ms = ?2
             WHERE id = ?1 AND state = 'pending'",
            params![
                outcome.delivery,
                now.saturating_add(backoff_ms(attempts, retry_base_ms)),
                now - GIVE_UP_AFTER_MS
            ],
        )?;
        tx.execute(
            "UPDATE webhook_endpoints SET failing_since_ms = ?2
             WHERE id = ?1 AND failing_since_ms IS NULL",
            params![outcome.endpoint, outcome.at_ms],
        )?;
        endpoints_change(tx);
        let off = tx.execute(
            "UPDATE webhook_endpoints SET enabled = 0, disabled_ms = ?2, disabled_reason = ?3
             WHERE id = ?1 AND enabled = 1 AND failing_since_ms <= ?4",
            params![outcome.endpoint, now, FAILING, now - DISABLE_AFTER_MS],
        )?;
        if off > 0 {
            turned_off.push(outcome.endpoint);
        }
    }
    Ok(turned_off)
}

/// Sends delivery `id` of an endpoint again as soon as possible (whatever its state).
/// False when there is no such delivery of that endpoint.
pub fn resend(tx: &mut Tx<'_>, endpoint: i64, id: i64) -> Result<bool, StoreError> {
    let now = tx.now_ms;
    Ok(tx.execute(
        "UPDATE webhook_deliveries SET state = 'pending', next_ms = ?3, lease_until = 0
         WHERE id = ?2 AND endpoint = ?1",
        params![endpoint, id, now],
    )? > 0)
}

/// The deliveries of endpoint `endpoint` older than `before` (newest first, `limit` of
/// them), each with its attempts.
pub fn deliveries(
    tx: &mut Tx<'_>,
    endpoint: i64,
    before: Option<i64>,
    limit: usize,
) -> Result<DeliveryPage, StoreError> {
    let rows = tx.rows(
        "SELECT d.id, v.event_id, v.kind, v.created_ms, d.state, d.next_ms, d.delivered_ms
         FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event
         WHERE d.endpoint = ?1 AND d.id < ?2 ORDER BY d.id DESC LIMIT ?3",
        params![endpoint, before.unwrap_or(i64::MAX), limit + 1],
    )?;
    let more = rows.len() > limit;
    let mut deliveries = Vec::with_capacity(limit);
    for row in rows.iter().take(limit) {
        let id: i64 = row.get(0)?;
        let state: String = row.get(4)?;
        let attempts = tx
            .rows(
                "SELECT at_ms, status, response, took_ms FROM webhook_attempts
                 WHERE delivery = ?1 ORDER BY at_ms",
                params![id],
            )?
            .iter()
            .map(|a| {
                Ok(Attempt {
                    at_ms: a.get(0)?,
                    status: a.get::<Option<i64>>(1)?.and_then(|s| u16::try_from(s).ok()),
                    response: a.get(2)?,
                    took_ms: a.get(3)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        deliveries.push(Delivery {
            id,
            event_id: row.get(1)?,
            event_type: row.get(2)?,
            created_ms: row.get(3)?,
            next_ms: (state == "pending").then(|| row.get(5)).transpose()?,
            state,
            delivered_ms: row.get(6)?,
            attempts,
        });
    }
    let next = if more {
        deliveries.last().map(|d| d.id)
    } else {
        None
    };
    Ok(DeliveryPage { deliveries, next })
}

/// The endpoints turned off because they failed for a day (for the back office's home).
pub fn failing_endpoints(tx: &mut Tx<'_>) -> Result<Vec<String>, StoreError> {
    tx.rows(
        "SELECT url FROM webhook_endpoints
         WHERE enabled = 0 AND disabled_reason = ?1 AND deleted_ms IS NULL ORDER BY id",
        params![FAILING],
    )?
    .iter()
    .map(|row| row.get(0))
    .collect()
}

/// Forgets deliveries done (delivered or failed) before `before_ms`, their attempts, and
/// events no delivery needs any more. Returns how many deliveries went.
pub fn forget_before(tx: &mut Tx<'_>, before_ms: i64) -> Result<u64, StoreError> {
    tx.execute(
        "DELETE FROM webhook_attempts WHERE delivery IN (
             SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND created_ms < ?1)",
        params![before_ms],
    )?;
    let gone = tx.execute(
        "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_ms < ?1",
        params![before_ms],
    )?;
    tx.execute(
        "DELETE FROM webhook_events WHERE created_ms < ?1
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event = webhook_events.id)",
        params![before_ms],
    )?;
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    const HOUR_MS: i64 = 60 * 60 * 1000;

    fn failed(delivery: &Due, at_ms: i64) -> Outcome {
        Outcome {
            delivery: delivery.delivery,
            endpoint: delivery.endpoint,
            at_ms,
            status: Some(500),
            response: "down".into(),
            took_ms: 3,
        }
    }

    #[tokio::test]
    async fn an_endpoint_failing_for_a_day_is_turned_off_and_the_office_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("db.sqlite3")).unwrap();
        let start = 1_000_000_000_000;
        store
            .write(move |tx| {
                tx.now_ms = start;
                let events = ["order.placed".to_owned()];
                let made = create_endpoint(
                    tx,
                    ("https://erp.example.com/h", "", &events),
                    "whsec_x",
                    "admin",
                )?;
                // Nobody subscribes to invoices: nothing is written for them.
                assert_eq!(emit(tx, "invoice.raised", serde_json::json!({}))?, None);
                assert!(emit(tx, "order.placed", serde_json::json!({ "n": 1 }))?.is_some());
                let mut hours = 0;
                loop {
                    tx.now_ms = start + hours * HOUR_MS;
                    let due = claim(tx, 60_000, 10)?;
                    let Some(delivery) = due.first() else {
                        // Not due yet (backing off) or the endpoint is off.
                        if !endpoint_enabled(tx, made.id)? {
                            break;
                        }
                        hours += 1;
                        continue;
                    };
                    let now = tx.now_ms;
                    let turned_off = record(tx, &[failed(delivery, now)], 10_000)?;
                    assert_eq!(turned_off.is_empty(), hours < 24, "after {hours} h");
                }
                assert_eq!(hours, 24, "turned off after a day of failures, not before");
                assert_eq!(
                    failing_endpoints(tx)?,
                    ["https://erp.example.com/h".to_owned()]
                );
                assert_eq!(
                    crate::store::orders::dashboard(tx)?.webhooks_failing,
                    ["https://erp.example.com/h".to_owned()]
                );
                let row = endpoint(tx, made.id)?.unwrap();
                assert_eq!(row.disabled_reason.as_deref(), Some(FAILING));
                assert_eq!(row.pending, 1, "the delivery waits for the endpoint");
                // Turned on again by the admin: due at once, healthy again, off the home page.
                set_enabled(tx, made.id, true)?;
                assert_eq!(claim(tx, 60_000, 10)?.len(), 1);
                assert!(failing_endpoints(tx)?.is_empty());
                anyhow::Ok(())
            })
            .await
            .unwrap();
    }

    fn endpoint_enabled(tx: &mut Tx<'_>, id: i64) -> Result<bool, StoreError> {
        Ok(endpoint(tx, id)?.is_some_and(|e| e.enabled))
    }

    #[tokio::test]
    async fn an_event_of_a_change_rolled_back_is_never_sent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("db.sqlite3")).unwrap();
        store
            .write(|tx| {
                let events = ["order.placed".to_owned()];
                create_endpoint(tx, ("http://127.0.0.1:1/h", "", &events), "s", "admin")
            })
            .await
            .unwrap();
        let failed = store
            .write(|tx| -> anyhow::Result<()> {
                emit(tx, "order.placed", serde_json::json!({}))?;
                anyhow::bail!("the change failed after its event was written")
            })
            .await;
        assert!(failed.is_err());
        let due = store
            .write(|tx| {
                tx.now_ms += 1;
                claim(tx, 60_000, 10)
            })
            .await
            .unwrap();
        assert!(due.is_empty());
    }
}
