//! The embedded SQLite database, the zero-set-up default: one writer thread that takes
//! write transactions from a queue and commits several at once (group commit, each in its
//! own savepoint so one failure undoes only itself; every caller is answered after the
//! shared commit is durable), and a pool of read-only connections that never wait for it
//! (WAL). A third thread copies the WAL into the database file (checkpoints), so the
//! writer spends its core on transactions.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;

use anyhow::Context;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};

use super::documents::DocCache;
use super::sql::{Dialect, Row, Sql, StoreError, Tx, Value};

/// At most this many write transactions share one commit.
const GROUP_COMMIT_MAX: usize = 64;

/// The checkpoint thread copies the WAL into the database at most this often, after
/// commits (SQLite's own default copies it from the committing thread, every 1,000 pages).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The writer still checkpoints itself when the WAL reaches this many pages: a WAL that
/// is never entirely copied while commits keep coming never starts over, and what is left
/// to copy by then is the little the checkpoint thread has not done yet.
const WRITER_CHECKPOINT_PAGES: i64 = 8000;

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(int) => ValueRef::Integer(*int),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

fn store_error(error: rusqlite::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

/// A connection seen through [`Sql`], with its statements cached.
pub(crate) struct SqliteSql<'a>(pub(crate) &'a Connection);

impl Sql for SqliteSql<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(store_error)?;
        let changed = statement
            .execute(rusqlite::params_from_iter(params))
            .map_err(store_error)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(store_error)?;
        let columns = statement.column_count();
        let mut rows = statement
            .query(rusqlite::params_from_iter(params))
            .map_err(store_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(store_error)? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                values.push(match row.get_ref(index).map_err(store_error)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(int) => Value::Int(int),
                    ValueRef::Real(real) => Value::Text(real.to_string()),
                    ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
                    ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

/// One write transaction waiting for the writer: it runs inside a savepoint and says
/// whether it succeeded; `finish` gets the outcome of the shared commit.
pub(crate) type Job = Box<dyn FnOnce(&mut Tx<'_>) -> JobDone + Send>;

pub(crate) struct JobDone {
    pub(crate) ok: bool,
    pub(crate) finish: Box<dyn FnOnce(Result<(), StoreError>) + Send>,
}

pub(crate) struct SqliteBackend {
    jobs: std::sync::Mutex<mpsc::Sender<Job>>,
    readers: r2d2::Pool<SqliteConnectionManager>,
}

impl SqliteBackend {
    /// Opens (creating and migrating) the database file and starts its writer thread.
    pub(crate) fn open(path: &Path, docs: Arc<DocCache>) -> anyhow::Result<SqliteBackend> {
        let mut conn =
            Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        // WAL for readers beside the writer; FULL so an acknowledged order survives power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Each job's savepoint keeps the pages it changes first in a sub-journal: in memory,
        // not in a temporary file written page by page.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        configure(&conn)?;
        migrate(&mut conn)?;
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        let checkpoints = Connection::open(path)
            .with_context(|| format!("opening {} to checkpoint it", path.display()))?;
        configure(&checkpoints)?;
        let (committed, commits) = mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run_checkpoints(&checkpoints, &commits))
            .context("starting the SQLite checkpoint thread")?;
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .build(SqliteConnectionManager::file(path).with_init(|conn| {
                configure(conn)?;
                conn.pragma_update(None, "query_only", "ON")
            }))
            .context("opening the SQLite read connections")?;
        let (sender, receiver) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run_writer(conn, receiver, docs, committed))
            .context("starting the SQLite writer")?;
        Ok(SqliteBackend {
            jobs: std::sync::Mutex::new(sender),
            readers,
        })
    }

    pub(crate) fn submit(&self, job: Job) -> Result<(), StoreError> {
        let sender = self
            .jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        sender
            .send(job)
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))
    }

    /// Runs `work` in a read-only transaction on a pooled connection (blocking).
    pub(crate) fn read<T>(
        &self,
        now_ms: i64,
        work: impl FnOnce(&mut Tx<'_>) -> T,
    ) -> Result<T, StoreError> {
        let conn = self
            .readers
            .get()
            .map_err(|error| StoreError::Unavailable(error.to_string()))?;
        conn.execute_batch("BEGIN").map_err(store_error)?;
        let mut sql = SqliteSql(&conn);
        let mut tx = Tx::read_only(&mut sql, now_ms);
        let result = work(&mut tx);
        conn.execute_batch("ROLLBACK").map_err(store_error)?;
        Ok(result)
    }
}

/// The writer: takes the first waiting job, then whatever else is waiting (up to
/// [`GROUP_COMMIT_MAX`]), runs each in a savepoint of one `BEGIN IMMEDIATE` transaction,
/// commits once, then answers them all.
fn run_writer(
    conn: Connection,
    jobs: mpsc::Receiver<Job>,
    docs: Arc<DocCache>,
    committed: mpsc::SyncSender<()>,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP_COMMIT_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
            let error = store_error(error);
            for job in batch {
                let mut failed = FailingSql(error.to_string());
                let mut tx = Tx::new(&mut failed, super::now_ms());
                let done = job(&mut tx);
                (done.finish)(Err(StoreError::Database(error.to_string())));
            }
            continue;
        }
        let mut finishes = Vec::with_capacity(batch.len());
        for job in batch {
            if let Err(error) = conn.execute_batch("SAVEPOINT job") {
                tracing::error!(%error, "could not open a savepoint");
            }
            let mut sql = SqliteSql(&conn);
            let mut tx = Tx::new(&mut sql, super::now_ms());
            tx.owns_cache = true;
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut tx)));
            let ok = matches!(&outcome, Ok(done) if done.ok);
            if ok {
                // The next job of this group sees these documents as this one left them;
                // if the shared commit fails, the whole cache is dropped.
                docs.keep_all(std::mem::take(&mut tx.written));
                let _ = conn.execute_batch("RELEASE job");
            } else {
                // What it took out of the cache may hold its rolled-back changes: dropped.
                let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            }
            match outcome {
                Ok(done) => finishes.push(done.finish),
                Err(_) => tracing::error!("a write transaction panicked; it was rolled back"),
            }
        }
        let commit = conn.execute_batch("COMMIT").map_err(store_error);
        match &commit {
            // Full when a checkpoint is already asked for: it will copy this commit too.
            Ok(()) => _ = committed.try_send(()),
            Err(error) => {
                tracing::error!(%error, "a group commit failed");
                let _ = conn.execute_batch("ROLLBACK");
                docs.clear();
            }
        }
        for finish in finishes {
            let outcome = match &commit {
                Ok(()) => Ok(()),
                Err(error) => Err(StoreError::Database(error.to_string())),
            };
            finish(outcome);
        }
    }
}

/// Copies the WAL into the database after commits, at most every [`CHECKPOINT_EVERY`]
/// (PASSIVE: it never makes the writer or a reader wait); ends with the writer.
fn run_checkpoints(conn: &Connection, commits: &mpsc::Receiver<()>) {
    while commits.recv().is_ok() {
        let started = std::time::Instant::now();
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(%error, "a checkpoint failed");
        }
        std::thread::sleep(CHECKPOINT_EVERY.saturating_sub(started.elapsed()));
    }
}

/// Stands in for the connection when the transaction could not even begin.
struct FailingSql(String);

impl Sql for FailingSql {
    fn execute(&mut self, _: &str, _: &[Value]) -> Result<u64, StoreError> {
        Err(StoreError::Database(self.0.clone()))
    }
    fn query(&mut self, _: &str, _: &[Value]) -> Result<Vec<Row>, StoreError> {
        Err(StoreError::Database(self.0.clone()))
    }
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

/// Brings the file up to the newest schema. A database written before numbered migrations
/// (no `refinery_schema_history`) is first brought to the schema of `V1` by the fixes it
/// needed then; `V1` itself only creates what is missing.
pub(crate) fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    let numbered: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')",
        [],
        |row| row.get(0),
    )?;
    if !numbered {
        migrate_unnumbered(conn)?;
    }
    let report = embedded::migrations::runner()
        .run(conn)
        .context("migrating the SQLite database")?;
    for migration in report.applied_migrations() {
        tracing::info!(migration = %migration, "applied a migration");
    }
    Ok(())
}

/// The fixes for databases of the first releases: devices with one long-lived token are
/// kept (with their sync states) but revoked, so they sign in once more and get a token
/// pair; the users table learns the staff role.
fn migrate_unnumbered(conn: &Connection) -> anyhow::Result<()> {
    let legacy_devices = conn
        .prepare("SELECT token_hash FROM devices LIMIT 0")
        .is_ok();
    if legacy_devices {
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             CREATE TABLE devices_v2 (
                 id INTEGER PRIMARY KEY,
                 user_id INTEGER NOT NULL REFERENCES users(id),
                 name TEXT NOT NULL,
                 created_ms INTEGER NOT NULL,
                 last_seen_ms INTEGER NOT NULL,
                 revoked INTEGER NOT NULL DEFAULT 0
             );
             INSERT INTO devices_v2 SELECT id, user_id, name, created_ms, last_seen_ms, 1 FROM devices;
             DROP TABLE devices;
             ALTER TABLE devices_v2 RENAME TO devices;
             COMMIT;",
        )
        .context("migrating devices to token pairs")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        tracing::info!("migrated devices to access and refresh tokens; old devices sign in again");
    }
    let users_sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'",
            [],
            |row| row.get(0),
        )
        .ok();
    if users_sql.is_some_and(|sql| !sql.contains("'staff'")) {
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             CREATE TABLE users_v2 (
                 id INTEGER PRIMARY KEY,
                 username TEXT NOT NULL UNIQUE,
                 display_name TEXT NOT NULL,
                 password_hash TEXT NOT NULL,
                 role TEXT NOT NULL CHECK (role IN ('shop', 'manager', 'admin', 'staff')),
                 shop TEXT REFERENCES shops(id)
             );
             INSERT INTO users_v2 SELECT id, username, display_name, password_hash, role, shop FROM users;
             DROP TABLE users;
             ALTER TABLE users_v2 RENAME TO users;
             COMMIT;",
        )
        .context("migrating users to allow staff")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> T {
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }

    /// A database written by the first version: one token per device, three roles.
    const FIRST_VERSION: &str = "
        CREATE TABLE shops (id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1);
        CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('shop', 'manager', 'admin')),
            shop TEXT REFERENCES shops(id));
        CREATE TABLE devices (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
            token_hash BLOB NOT NULL UNIQUE, name TEXT NOT NULL, created_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE sync_states (device INTEGER NOT NULL REFERENCES devices(id), doc TEXT NOT NULL,
            state BLOB NOT NULL, PRIMARY KEY (device, doc));
        INSERT INTO shops VALUES ('shop-a', 'A', 'gold', 1);
        INSERT INTO users VALUES (1, 'a', 'A', 'x', 'shop', 'shop-a');
        INSERT INTO devices VALUES (7, 1, x'00', 'phone', 1, 2, 0);
        INSERT INTO sync_states VALUES (7, 'catalog', x'01');
    ";

    #[test]
    fn a_first_version_database_is_migrated_without_losing_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch(FIRST_VERSION).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrate(&mut conn).unwrap();
        let users_sql: String = one(&conn, "SELECT sql FROM sqlite_master WHERE name = 'users'");
        assert!(users_sql.contains("'staff'"));
        let device: (String, bool) = conn
            .query_row("SELECT name, revoked FROM devices WHERE id = 7", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(
            device,
            ("phone".to_owned(), true),
            "kept, and signed out once"
        );
        assert_eq!(
            one::<i64>(&conn, "SELECT COUNT(*) FROM sync_states WHERE device = 7"),
            1
        );
        assert_eq!(
            one::<String>(&conn, "SELECT username FROM users WHERE id = 1"),
            "a"
        );
        assert_eq!(
            one::<i64>(&conn, "SELECT COUNT(*) FROM pragma_foreign_key_check"),
            0
        );
        conn.execute(
            "INSERT INTO users (username, display_name, password_hash, role) VALUES ('s', 'S', 'x', 'staff')",
            [],
        )
        .unwrap();
    }

    /// A database of the last release before numbered migrations: whole documents in
    /// `docs.bytes`, orders with their JSON, promotion uses.
    #[test]
    fn the_previous_release_is_migrated_with_its_documents_orders_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite3");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../migrations/sqlite/V1__schema.sql"))
            .unwrap();
        let mut doc = automerge::AutoCommit::new();
        automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "k", "v").unwrap();
        let bytes = doc.save();
        conn.execute(
            "INSERT INTO docs (id, bytes, version) VALUES ('catalog', ?1, 4)",
            [&bytes],
        )
        .unwrap();
        conn.execute_batch(
            r#"INSERT INTO tiers VALUES ('gold', 'Gold');
               INSERT INTO shops (id, name, tier) VALUES ('shop-a', 'A', 'gold');
               INSERT INTO orders VALUES (41, 'r1', 'DH-000041', 'shop-a', 'confirmed', '3.00', 'a', 1, 1000,
                 '{"priced":{"lines":[{"sku":"BEV-0001","quantity":2},{"sku":"BEV-0002","quantity":5}]}}');
               INSERT INTO promotion_uses VALUES ('p1', 'shop-a', 'r1');"#,
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let (seq, stored): (i64, Vec<u8>) = conn
            .query_row(
                "SELECT seq, bytes FROM doc_chunks WHERE doc = 'catalog'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((seq, stored), (4, bytes.clone()));
        assert_eq!(
            one::<i64>(
                &conn,
                "SELECT snapshot_bytes FROM docs WHERE id = 'catalog'"
            ),
            i64::try_from(bytes.len()).unwrap()
        );
        assert_eq!(
            one::<i64>(&conn, "SELECT value FROM counters WHERE name = 'order_seq'"),
            41,
            "the next order is DH-000042"
        );
        assert_eq!(
            one::<i64>(
                &conn,
                "SELECT SUM(quantity) FROM order_lines WHERE shop = 'shop-a' AND sku = 'BEV-0002'"
            ),
            5
        );
        assert_eq!(
            one::<i64>(
                &conn,
                "SELECT uses FROM promotion_counts WHERE promotion = 'p1' AND shop = '*'"
            ),
            1
        );
        // Migrating again changes nothing.
        migrate(&mut conn).unwrap();
        assert_eq!(one::<i64>(&conn, "SELECT COUNT(*) FROM order_lines"), 2);
    }
}
