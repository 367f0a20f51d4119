//! Backups of the SQLite database: made by the server on a schedule (`DINGHUO_BACKUP_HOURS`,
//! default every 24 hours; the newest `DINGHUO_BACKUP_KEEP` kept, default 7, in
//! `DINGHUO_BACKUP_DIR`, default `<data>/backups`), by an admin from the back office
//! (`GET`/`POST /api/admin/backups`), or by `dinghuo backup` from a shell. One backup runs
//! at a time; each is a consistent, checked copy made while orders keep coming in
//! (`store::backups`). A manual one is in the audit log. On PostgreSQL the server makes
//! none (its own tools do: `pg_dump`), and says so.

use std::path::PathBuf;
use std::sync::Arc;

use api::backups::{BackupList, BackupRow, DownloadLink};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::backups::{self, BackupFile};

const HOUR_MS: i64 = 60 * 60 * 1000;

/// How backups are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub dir: PathBuf,
    /// A backup is due when the newest is this many hours old; 0 turns the schedule off.
    pub every_hours: u32,
    pub keep: usize,
}

impl Policy {
    /// The default: every 24 hours, 7 kept, in `<data_dir>/backups`.
    pub fn in_data_dir(data_dir: &std::path::Path) -> Policy {
        Policy {
            dir: data_dir.join("backups"),
            every_hours: 24,
            keep: 7,
        }
    }
}

/// After a scheduled backup failed (a full disk, a directory that cannot be written), the
/// schedule tries again this much later, not every minute.
const RETRY_AFTER_FAILURE_MS: i64 = HOUR_MS;

/// The SQLite database's backups (none on PostgreSQL).
pub struct Backups {
    database: PathBuf,
    policy: Policy,
    /// One backup at a time (each reads the whole database).
    running: tokio::sync::Mutex<()>,
    /// When the last scheduled backup failed.
    failed_ms: std::sync::Mutex<Option<i64>>,
    /// Download links handed out: ticket → (backup name, until when it may be used).
    tickets: std::sync::Mutex<std::collections::HashMap<String, (String, i64)>>,
}

/// How long a download link lasts (it is used once, at once, by the browser it was given to).
pub const TICKET_MS: i64 = 60_000;

impl Backups {
    pub fn new(database: PathBuf, policy: Policy) -> Backups {
        Backups {
            database,
            policy,
            running: tokio::sync::Mutex::new(()),
            failed_ms: std::sync::Mutex::new(None),
            tickets: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Makes a backup now (after any running one), then deletes the oldest beyond `keep`.
    pub async fn make_now(&self, now_ms: i64) -> anyhow::Result<BackupFile> {
        let _one = self.running.lock().await;
        let (database, policy) = (self.database.clone(), self.policy.clone());
        tokio::task::spawn_blocking(move || {
            let made = backups::make(&database, &policy.dir, now_ms)?;
            let deleted = backups::prune(&policy.dir, policy.keep)?;
            if !deleted.is_empty() {
                tracing::info!(?deleted, "deleted the oldest backups");
            }
            Ok(made)
        })
        .await?
    }

    /// Whether the schedule wants a backup at `now_ms`: on, and the newest is
    /// `every_hours` old (or there is none).
    pub async fn due(&self, now_ms: i64) -> anyhow::Result<bool> {
        if self.policy.every_hours == 0 {
            return Ok(false);
        }
        let dir = self.policy.dir.clone();
        let newest = tokio::task::spawn_blocking(move || backups::list(&dir)).await??;
        let every = i64::from(self.policy.every_hours) * HOUR_MS;
        Ok(newest.first().is_none_or(|b| now_ms - b.made_ms >= every))
    }

    /// The scheduled backup, if it is due (run every minute by `jobs::spawn`); after a
    /// failure, not again for [`RETRY_AFTER_FAILURE_MS`]. Returns whether it made one.
    pub async fn on_schedule(&self, now_ms: i64) -> bool {
        let failed = *self.failed_ms.lock().unwrap_or_else(|p| p.into_inner());
        if failed.is_some_and(|at| now_ms - at < RETRY_AFTER_FAILURE_MS) {
            return false;
        }
        let outcome = match self.due(now_ms).await {
            Ok(false) => return false,
            Ok(true) => self.make_now(now_ms).await,
            Err(error) => Err(error),
        };
        let failed_at = match outcome {
            Ok(made) => {
                tracing::info!(name = %made.name, bytes = made.bytes, "made a backup");
                None
            }
            Err(error) => {
                tracing::error!(%error, "the scheduled backup failed; trying again in an hour");
                Some(now_ms)
            }
        };
        *self.failed_ms.lock().unwrap_or_else(|p| p.into_inner()) = failed_at;
        failed_at.is_none()
    }
}

impl Backups {
    /// A single-use ticket for downloading the backup `name` until `now_ms` + [`TICKET_MS`]
    /// (expired ones are forgotten on the way).
    fn ticket(&self, name: String, now_ms: i64) -> anyhow::Result<String> {
        let ticket = crate::auth::random_hex::<32>()?;
        let mut tickets = self.tickets.lock().unwrap_or_else(|p| p.into_inner());
        tickets.retain(|_, (_, until)| *until > now_ms);
        tickets.insert(ticket.clone(), (name, now_ms + TICKET_MS));
        Ok(ticket)
    }

    /// The backup `ticket` was for, if it is still valid; the ticket is spent either way.
    fn redeem(&self, ticket: &str, now_ms: i64) -> Option<String> {
        let mut tickets = self.tickets.lock().unwrap_or_else(|p| p.into_inner());
        let (name, until) = tickets.remove(ticket)?;
        (until > now_ms).then_some(name)
    }
}

fn row(file: BackupFile) -> BackupRow {
    BackupRow {
        name: file.name,
        bytes: file.bytes,
        made_ms: file.made_ms,
    }
}

fn failed(error: &anyhow::Error) -> AppError {
    tracing::error!(%error, "a backup failed");
    AppError::client(
        StatusCode::INTERNAL_SERVER_ERROR,
        "backup_failed",
        format!("the backup failed: {error:#}"),
    )
}

#[utoipa::path(get, path = "/admin/backups", tag = "backups",
    responses(
        (status = 200, description = "The backups, newest first, and the schedule", body = BackupList),
        (status = "4XX", description = "Refused (admins only)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<BackupList>, AppError> {
    principal.require_admin("see backups")?;
    let Some(backups) = state.backups.clone() else {
        return Ok(Json(BackupList {
            available: false,
            every_hours: 0,
            keep: 0,
            directory: String::new(),
            backups: Vec::new(),
        }));
    };
    let dir = backups.policy.dir.clone();
    let (files, directory) = tokio::task::spawn_blocking(move || {
        // Where it is in full, as someone copying backups off the machine needs it.
        let shown = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        backups::list(&dir).map(|files| (files, shown.display().to_string()))
    })
    .await
    .map_err(|error| failed(&error.into()))?
    .map_err(|error| failed(&error))?;
    Ok(Json(BackupList {
        available: true,
        every_hours: backups.policy.every_hours,
        keep: u32::try_from(backups.policy.keep).unwrap_or(u32::MAX),
        directory,
        backups: files.into_iter().map(row).collect(),
    }))
}

#[utoipa::path(post, path = "/admin/backups", tag = "backups",
    responses(
        (status = 201, description = "Made and checked", body = BackupRow),
        (status = 409, description = "No backups here (PostgreSQL: use pg_dump)", body = crate::openapi::ErrorBody),
        (status = "4XX", description = "Refused (admins only)", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<BackupRow>), AppError> {
    principal.require_admin("make backups")?;
    // The call takes nothing: no body, or an empty JSON one; anything else (a form, a
    // file) is a request for something else, and makes no backup.
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .map(|value| value.as_bytes().starts_with(b"application/json"));
    let empty = matches!(body.trim_ascii(), b"" | b"{}" | b"null");
    if json == Some(false) || !empty {
        return Err(AppError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unexpected_body",
            "POST /admin/backups takes no body",
        ));
    }
    let backups: Arc<Backups> = state.backups.clone().ok_or_else(|| {
        AppError::client(
            StatusCode::CONFLICT,
            "not_available",
            "the database is PostgreSQL: back it up with its own tools (pg_dump)",
        )
    })?;
    let made = backups
        .make_now(crate::store::now_ms())
        .await
        .map_err(|error| failed(&error))?;
    let made = row(made);
    let (who, recorded) = (principal.username.clone(), made.clone());
    state
        .store
        .write(move |tx| {
            let change = Change {
                kind: "backup",
                object: &recorded.name,
                action: "create",
            };
            audit::record(tx, tx.now_ms, &who, change, None::<&()>, Some(&recorded))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheduled(dir: &std::path::Path, every_hours: u32) -> (tempfile::TempDir, Backups) {
        let temp = tempfile::tempdir().unwrap();
        let database = temp.path().join("dinghuo.sqlite3");
        rusqlite::Connection::open(&database)
            .unwrap()
            .execute_batch("CREATE TABLE orders (seq INTEGER PRIMARY KEY)")
            .unwrap();
        let policy = Policy {
            dir: dir.to_owned(),
            every_hours,
            keep: 3,
        };
        (temp, Backups::new(database, policy))
    }

    #[tokio::test]
    async fn the_schedule_makes_one_when_the_newest_is_old_enough_and_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let (_db, job) = scheduled(dir.path(), 24);
        let day = 24 * HOUR_MS;
        assert!(job.on_schedule(10 * day).await, "none yet: one is made");
        assert!(!job.on_schedule(10 * day + 23 * HOUR_MS).await);
        for n in 1..=4 {
            assert!(job.on_schedule((10 + n) * day).await);
        }
        assert_eq!(backups::list(dir.path()).unwrap().len(), 3);
        // Off: never on schedule, still when asked.
        let (_db, manual) = scheduled(dir.path(), 0);
        assert!(!manual.on_schedule(100 * day).await);
        manual.make_now(100 * day).await.unwrap();
    }

    #[tokio::test]
    async fn a_failed_scheduled_backup_is_tried_again_an_hour_later_not_every_minute() {
        let temp = tempfile::tempdir().unwrap();
        // A file where the directory should be: nothing can be written there.
        let blocked = temp.path().join("backups");
        std::fs::write(&blocked, "a file").unwrap();
        let (_db, job) = scheduled(&blocked, 24);
        assert!(!job.on_schedule(0).await);
        assert!(!job.on_schedule(60_000).await);
        assert_eq!(*job.failed_ms.lock().unwrap(), Some(0));
        std::fs::remove_file(&blocked).unwrap();
        assert!(!job.on_schedule(HOUR_MS - 1).await, "still waiting");
        assert!(job.on_schedule(HOUR_MS).await);
        assert_eq!(*job.failed_ms.lock().unwrap(), None);
    }
}

fn no_such_backup() -> AppError {
    AppError::client(StatusCode::NOT_FOUND, "not_found", "no such backup")
}

#[utoipa::path(post, path = "/admin/backups/{name}/link", tag = "backups",
    params(("name" = String, Path, description = "The backup's file name")),
    responses(
        (status = 201, description = "A link that downloads the backup once, within a minute", body = DownloadLink),
        (status = "4XX", description = "Refused (admins only), or no such backup", body = crate::openapi::ErrorBody),
    ), security(("bearer" = [])))]
pub async fn link(
    State(state): State<AppState>,
    principal: Principal,
    name: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<(StatusCode, Json<DownloadLink>), AppError> {
    principal.require_admin("download backups")?;
    let axum::extract::Path(name) =
        name.map_err(|r| AppError::rejected("bad_backup_name", r.status(), r.body_text()))?;
    let backups = state.backups.clone().ok_or_else(no_such_backup)?;
    let dir = backups.policy.dir.clone();
    let looked_up = name.clone();
    let found = tokio::task::spawn_blocking(move || backups::path_of(&dir, &looked_up))
        .await
        .map_err(|error| failed(&error.into()))?;
    if found.is_none() {
        return Err(no_such_backup());
    }
    let now = crate::store::now_ms();
    let ticket = backups
        .ticket(name.clone(), now)
        .map_err(|error| failed(&error))?;
    let who = principal.username.clone();
    state
        .store
        .write(move |tx| {
            let change = Change {
                kind: "backup",
                object: &name,
                action: "download",
            };
            audit::record(tx, tx.now_ms, &who, change, None::<&()>, None::<&()>)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DownloadLink {
            url: format!("/api/backups/download?ticket={ticket}"),
        }),
    ))
}

/// `?ticket=`: the ticket a download link carries.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    pub ticket: String,
}

#[utoipa::path(get, path = "/backups/download", tag = "backups", params(TicketQuery),
    responses(
        (status = 200, description = "The backup file (a SQLite database)", content_type = "application/vnd.sqlite3", body = Vec<u8>),
        (status = "4XX", description = "No such link, or it was used or is over a minute old", body = crate::openapi::ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    query: Result<axum::extract::Query<TicketQuery>, axum::extract::rejection::QueryRejection>,
    request: axum::extract::Request,
) -> Result<axum::response::Response, AppError> {
    use tower::ServiceExt;
    let axum::extract::Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let backups = state.backups.clone().ok_or_else(no_such_backup)?;
    let name = backups
        .redeem(&query.ticket, crate::store::now_ms())
        .ok_or_else(|| {
            AppError::client(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such download link, or it was used or is over a minute old",
            )
        })?;
    let path = backups::path_of(&backups.policy.dir, &name).ok_or_else(no_such_backup)?;
    // A plain GET of the file, whatever else the request asked for.
    let (mut parts, _) = request.into_parts();
    parts.method = axum::http::Method::GET;
    let file_request = axum::extract::Request::from_parts(parts, axum::body::Body::empty());
    let served = tower_http::services::ServeFile::new(&path)
        .oneshot(file_request)
        .await
        .map_err(|error| failed(&anyhow::anyhow!("{error}")))?;
    let mut response = served.map(axum::body::Body::new);
    if response.status().is_success() {
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/vnd.sqlite3"),
        );
    }
    if let Ok(value) =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_DISPOSITION, value);
    }
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
