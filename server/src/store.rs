//! All of the server's SQL, behind functions that say what the business needs. Handlers
//! and services call [`Store::read`] or [`Store::write`] with a closure over a [`Tx`] and
//! the functions of the modules below; nothing outside `store/` writes SQL.
//!
//! Two databases run the same statements: SQLite in a file (the default: no set-up, one
//! server process, group commit) and PostgreSQL (`DINGHUO_DATABASE_URL=postgres://…`: any
//! number of stateless server processes). Schemas are numbered migrations per database in
//! `server/migrations/`.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod backups;
pub mod carriers;
pub mod catalog;
pub mod commerce;
pub mod customers;
pub mod documents;
pub mod erp;
pub mod forecasts;
pub mod images;
pub mod jobs;
pub mod large_orders;
pub mod money;
pub mod orders;
pub mod postgres;
pub mod referrals;
pub mod reports;
pub mod returns;
pub mod sql;
pub mod sqlite;
pub mod stock;
pub mod sync_states;
pub mod webhooks;

use std::path::Path;
use std::sync::Arc;

use crate::app_error::AppError;
use documents::DocCache;
pub use sql::{Dialect, StoreError, Tx};

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection string (`postgres://user@host/db`).
    Postgres(String),
}

/// The database and the document cache, shared by every request of this process.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    docs: Arc<DocCache>,
}

enum Backend {
    Sqlite(sqlite::SqliteBackend),
    Postgres(postgres::PgBackend),
}

/// An error a write transaction may be retried after (another process wrote first).
pub trait Retryable {
    fn is_retryable(&self) -> bool;
}

impl Retryable for StoreError {
    fn is_retryable(&self) -> bool {
        StoreError::is_retryable(self)
    }
}

impl Retryable for anyhow::Error {
    fn is_retryable(&self) -> bool {
        self.downcast_ref::<StoreError>()
            .is_some_and(StoreError::is_retryable)
    }
}

impl Retryable for AppError {
    fn is_retryable(&self) -> bool {
        match self {
            AppError::Internal(error) => error.is_retryable(),
            AppError::Client { .. } | AppError::Detailed { .. } | AppError::Invalid { .. } => false,
        }
    }
}

pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Opens the database, creating or migrating its schema (blocking).
    pub fn open(database: &Database) -> anyhow::Result<Store> {
        let docs = Arc::new(DocCache::default());
        let backend = match database {
            Database::Sqlite(path) => {
                Backend::Sqlite(sqlite::SqliteBackend::open(path, docs.clone())?)
            }
            Database::Postgres(url) => Backend::Postgres(postgres::PgBackend::open(url)?),
        };
        Ok(Store {
            inner: Arc::new(Inner { backend, docs }),
        })
    }

    /// Opens a SQLite file.
    pub fn open_sqlite(path: &Path) -> anyhow::Result<Store> {
        Store::open(&Database::Sqlite(path.to_owned()))
    }

    pub fn docs(&self) -> &DocCache {
        &self.inner.docs
    }

    pub fn dialect(&self) -> Dialect {
        match self.inner.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `work` in a read-only transaction, on a blocking thread; it never waits for
    /// the writer.
    pub async fn read<T, E>(
        &self,
        work: impl FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(work))
            .await
            .unwrap_or_else(|join| {
                Err(E::from(StoreError::Database(format!(
                    "a read task failed: {join}"
                ))))
            })
    }

    /// [`Store::read`] for a thread of its own (not an async one): background work runs on
    /// long-lived threads so the memory it uses is reused rather than kept by each of
    /// tokio's short-lived blocking threads.
    pub fn read_blocking<T, E>(
        &self,
        work: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let outcome = match &self.inner.backend {
            Backend::Sqlite(backend) => backend.read(now_ms(), work),
            Backend::Postgres(backend) => backend.read(now_ms(), work),
        };
        outcome.unwrap_or_else(|error| Err(E::from(error)))
    }

    /// Runs `work` in a write transaction and answers once it is durable. On SQLite it
    /// joins the writer's queue (and may share a commit with others); on PostgreSQL it runs
    /// on a pooled connection and is run again if another process wrote the same rows
    /// first, so `work` must not have effects outside the transaction.
    pub async fn write<T, E>(
        &self,
        work: impl FnMut(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Retryable + Send + 'static,
    {
        let inner = self.inner.clone();
        match &self.inner.backend {
            Backend::Sqlite(backend) => {
                let (sender, receiver) = tokio::sync::oneshot::channel::<Result<T, E>>();
                let mut work = work;
                let job: sqlite::Job = Box::new(move |tx: &mut Tx<'_>| {
                    // What it left deferred is written before it counts as done.
                    let result = work(tx)
                        .and_then(|value| tx.flush_writes().map(|()| value).map_err(E::from));
                    sqlite::JobDone {
                        ok: result.is_ok(),
                        finish: Box::new(move |committed: Result<(), StoreError>| {
                            let _ = sender.send(committed.map_err(E::from).and(result));
                        }),
                    }
                });
                backend.submit(job).map_err(E::from)?;
                receiver.await.unwrap_or_else(|_| {
                    Err(E::from(StoreError::Database(
                        "the write transaction was lost".into(),
                    )))
                })
            }
            Backend::Postgres(_) => {
                let joined = tokio::task::spawn_blocking(move || match &inner.backend {
                    Backend::Postgres(backend) => backend.write(&inner.docs, work),
                    Backend::Sqlite(_) => {
                        Err(E::from(StoreError::Database("not PostgreSQL".into())))
                    }
                })
                .await;
                joined.unwrap_or_else(|join| {
                    Err(E::from(StoreError::Database(format!(
                        "a write task failed: {join}"
                    ))))
                })
            }
        }
    }
}
