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
    role TEXT NOT NULL CHECK (role IN ('shop', 'manager', 'admin', 'staff')),
    shop TEXT REFERENCES shops(id)
);
-- What an admin allowed a staff member (see auth::Permission).
CREATE TABLE IF NOT EXISTS user_permissions (
    user_id INTEGER NOT NULL REFERENCES users(id),
    permission TEXT NOT NULL,
    PRIMARY KEY (user_id, permission)
);
CREATE TABLE IF NOT EXISTS manager_shops (
    manager INTEGER NOT NULL REFERENCES users(id),
    shop TEXT NOT NULL REFERENCES shops(id),
    PRIMARY KEY (manager, shop)
);
CREATE TABLE IF NOT EXISTS devices (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
-- Access and refresh tokens by SHA-256; a device's tokens are its token family.
CREATE TABLE IF NOT EXISTS tokens (
    hash BLOB PRIMARY KEY,
    device INTEGER NOT NULL REFERENCES devices(id),
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_ms INTEGER NOT NULL,
    -- The refresh token spent to issue this one (NULL at sign-in).
    issued_by BLOB,
    -- When a refresh token was spent.
    used_ms INTEGER,
    -- A refresh token replaced after a lost reply (see auth.rs); presenting it is a replay.
    superseded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tokens_by_issuer ON tokens (issued_by);
CREATE INDEX IF NOT EXISTS tokens_by_device ON tokens (device);
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
-- Stock per warehouse and SKU. A SKU with no row anywhere is not stock-tracked.
CREATE TABLE IF NOT EXISTS stock (
    warehouse TEXT NOT NULL,
    sku TEXT NOT NULL REFERENCES products(sku),
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL CHECK (reserved >= 0),
    safety INTEGER NOT NULL DEFAULT 0 CHECK (safety >= 0),
    PRIMARY KEY (warehouse, sku)
);
-- The warehouses a shop is supplied from, nearest first.
CREATE TABLE IF NOT EXISTS shop_warehouses (
    shop TEXT NOT NULL REFERENCES shops(id),
    warehouse TEXT NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (shop, warehouse)
);
-- Shipping, tax and points terms (one row).
CREATE TABLE IF NOT EXISTS sales_terms (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL
);
-- A shop's delivery region, points, credit account and quotas (domain::checkout::ShopProfile).
CREATE TABLE IF NOT EXISTS shop_profiles (
    shop TEXT PRIMARY KEY REFERENCES shops(id),
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS promotions (
    id TEXT PRIMARY KEY,
    json TEXT NOT NULL
);
-- Which confirmed order used which promotion (limits per customer and in total).
CREATE TABLE IF NOT EXISTS promotion_uses (
    promotion TEXT NOT NULL,
    shop TEXT NOT NULL,
    request_id TEXT NOT NULL,
    PRIMARY KEY (promotion, request_id)
);
-- Rejected orders an admin has handled (the rest are the admin inbox).
CREATE TABLE IF NOT EXISTS inbox_resolutions (
    request_id TEXT PRIMARY KEY REFERENCES orders(request_id),
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS order_events (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES orders(request_id),
    state TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL
);
"#;

/// Brings a database written by an earlier version up to [`SCHEMA`]. Devices of the
/// first version held one long-lived token in `devices.token_hash`; they are kept (with
/// their sync states) but revoked, so they sign in once more and get a token pair.
fn migrate(conn: &Connection) -> anyhow::Result<()> {
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
        migrate(&conn)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
        Connection::open(&path)
            .unwrap()
            .execute_batch(FIRST_VERSION)
            .unwrap();
        let db = SharedDb::open(&path).unwrap();
        let db = lock(&db.0);
        let conn = &db.conn;
        let users_sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'users'",
                [],
                |r| r.get(0),
            )
            .unwrap();
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
        let states: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sync_states WHERE device = 7",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(states, 1);
        let username: String = conn
            .query_row("SELECT username FROM users WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(username, "a");
        let broken: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
        conn.execute(
            "INSERT INTO users (username, display_name, password_hash, role) VALUES ('s', 'S', 'x', 'staff')",
            [],
        )
        .unwrap();
    }
}
