//! Background jobs: plain functions of (transaction, now) that a scheduler calls each
//! minute; each claims its period in `job_runs` first, so it runs once per period across
//! every server process sharing the database.

use std::time::Duration;

use crate::auth::REFRESH_TTL_MS;
use crate::store::{Store, StoreError, Tx, accounts, jobs};

const HOUR_MS: i64 = 60 * 60 * 1000;

/// Deletes tokens that expired long enough ago to be of no use, once an hour. Returns how
/// many went, or `None` if another process already ran it this hour.
pub fn clean_up_tokens(tx: &mut Tx<'_>, now_ms: i64) -> Result<Option<u64>, StoreError> {
    let period = (now_ms / HOUR_MS).to_string();
    if !jobs::claim(tx, "token_cleanup", &period, now_ms)? {
        return Ok(None);
    }
    accounts::delete_dead_tokens(tx, now_ms, REFRESH_TTL_MS).map(Some)
}

/// Runs the jobs every minute until the process ends.
pub fn spawn(store: Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match store
                .write(|tx| {
                    let now = tx.now_ms;
                    clean_up_tokens(tx, now)
                })
                .await
            {
                Ok(Some(deleted)) => tracing::info!(deleted, "cleaned up expired tokens"),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "the token clean-up did not run"),
            }
        }
    });
}
