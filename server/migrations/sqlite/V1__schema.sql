-- The schema of the releases before numbered migrations (every statement only creates
-- what is missing, so a database of those releases passes through unchanged).
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
