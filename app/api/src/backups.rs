//! Backups of the database (admins): what the server keeps and when it made each.

use serde::{Deserialize, Serialize};

/// One backup: a whole copy of the database, checked when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupRow {
    /// Its file name in the backup directory (`dinghuo-YYYYMMDD-HHMMSS-mmm.sqlite3`, UTC).
    pub name: String,
    pub bytes: u64,
    /// When it was made (ms since 1970).
    pub made_ms: i64,
}

/// `GET /api/admin/backups`: the backups, newest first, and how they are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupList {
    /// False on PostgreSQL, whose own tools (`pg_dump`) back it up: the list is empty.
    pub available: bool,
    /// A backup is made when the newest is this many hours old (0: only when asked).
    pub every_hours: u32,
    /// How many are kept (the oldest beyond it are deleted).
    pub keep: u32,
    /// Where they are, on the server's machine.
    pub directory: String,
    pub backups: Vec<BackupRow>,
}

/// `POST /api/admin/backups/{name}/link`: what an admin's browser downloads a backup with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DownloadLink {
    /// `GET` it once within a minute, without the bearer token (a browser's plain download).
    pub url: String,
}
