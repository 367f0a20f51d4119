-- Orders other systems post (`POST /api/orders` with an `Idempotency-Key` header): who
-- posted (`owner`: `key:<name>` or a username) under which key, the SHA-256 of the body,
-- and the order it placed. The same key with the same body answers that order again; with
-- another body, 409.
CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (owner, idempotency_key)
);
