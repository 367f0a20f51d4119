//! The SQLite database: opening it, its schema, and the one connection every request
//! shares (SQLite has one writer; requests take turns on a blocking thread).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use rusqlite::Connection;

use crate::doc_store::DocCache;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS tiers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS categories (
    id TEXT PRIMARY KEY,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    sku TEXT PRIMARY KEY,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tier_prices (
    tier TEXT NOT NULL REFERENCES tiers(id),
    sku TEXT NOT NULL REFERENCES products(sku),
    price TEXT NOT NULL,
    PRIMARY KEY (tier, sku)
);
CREATE TABLE IF NOT EXISTS shops (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tier TEXT NOT NULL REFERENCES tiers(id),
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS customer_prices (
    shop TEXT NOT NULL REFERENCES shops(id),
    sku TEXT NOT NULL REFERENCES products(sku),
    price TEXT NOT NULL,
    PRIMARY KEY (shop, sku)
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('shop', 'manager', 'admin')),
    shop TEXT REFERENCES shops(id)
);
CREATE TABLE IF NOT EXISTS manager_shops (
    manager INTEGER NOT NULL REFERENCES users(id),
    shop TEXT NOT NULL REFERENCES shops(id),
    PRIMARY KEY (manager, shop)
);
CREATE TABLE IF NOT EXISTS devices (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS docs (
    id TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_states (
    device INTEGER NOT NULL REFERENCES devices(id),
    doc TEXT NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (device, doc)
);
CREATE TABLE IF NOT EXISTS orders (
    seq INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL UNIQUE,
    shop TEXT NOT NULL REFERENCES shops(id),
    state TEXT NOT NULL,
    total TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    device INTEGER,
    received_ms INTEGER NOT NULL,
    confirmation TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_shop ON orders (shop, seq);
CREATE TABLE IF NOT EXISTS order_events (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES orders(request_id),
    state TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL
);
"#;

/// The connection and the document cache, used by one request at a time.
pub struct Db {
    pub conn: Connection,
    pub docs: DocCache,
}

#[derive(Clone)]
pub struct SharedDb(Arc<Mutex<Db>>);

impl SharedDb {
    pub fn open(path: &Path) -> anyhow::Result<SharedDb> {
        let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        // WAL for readers beside the writer; FULL so an acknowledged order survives power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA).context("creating the schema")?;
        Ok(SharedDb(Arc::new(Mutex::new(Db {
            conn,
            docs: DocCache::default(),
        }))))
    }

    /// Runs `work` with the database on a blocking thread.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Db) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let shared = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut db = lock(&shared);
            work(&mut db)
        })
        .await
        .context("database task failed")
    }
}

fn lock(shared: &Mutex<Db>) -> MutexGuard<'_, Db> {
    // A panic while holding the lock leaves nothing half-written in SQLite (the
    // transaction rolls back), so the connection stays usable.
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}
