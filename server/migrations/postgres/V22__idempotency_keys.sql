-- Orders other systems post, as V22__idempotency_keys.sql on SQLite.
CREATE TABLE idempotency_keys (
    owner TEXT COLLATE "C" NOT NULL,
    idempotency_key TEXT COLLATE "C" NOT NULL,
    body_hash TEXT COLLATE "C" NOT NULL,
    request_id TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (owner, idempotency_key)
);
