-- Keys other systems (an ERP, a marketplace connector) call the API with, each for a named
-- system with scopes (comma-separated, `orders:read` …). Only the key's SHA-256 is kept
-- (the key is shown once, when made); `prefix` is its first characters, to tell keys apart.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    last_used_ms INTEGER,
    revoked_ms INTEGER
);
