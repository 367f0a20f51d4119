//! Background job runs: a job runs for a period (say, an hour) in whichever server process
//! first records the run; the row and the job's work commit together, so a process that
//! dies half-way leaves the period to the next one.

use super::sql::{StoreError, Tx};
use crate::params;

/// Records that `job` runs for `period`; false if some process already did.
pub fn claim(tx: &mut Tx<'_>, job: &str, period: &str, now_ms: i64) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "INSERT INTO job_runs (job, period, at_ms) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![job, period, now_ms],
    )? == 1)
}

/// Forgets the runs of `job` recorded before `before_ms`.
pub fn forget(tx: &mut Tx<'_>, job: &str, before_ms: i64) -> Result<u64, StoreError> {
    tx.execute(
        "DELETE FROM job_runs WHERE job = ?1 AND at_ms < ?2",
        params![job, before_ms],
    )
}

/// How many times `job` ran.
pub fn runs(tx: &mut Tx<'_>, job: &str) -> Result<i64, StoreError> {
    Ok(tx
        .value("SELECT COUNT(*) FROM job_runs WHERE job = ?1", params![job])?
        .unwrap_or(0))
}
