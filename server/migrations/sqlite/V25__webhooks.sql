-- Webhooks out (issue 14, point 4). An admin subscribes an endpoint to event types
-- (`events` is ",type,type," so one LIKE finds the subscribers of a type); its signing
-- secret is kept as is (an HMAC needs it). An endpoint failing for a day is turned off.
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    failing_since_ms INTEGER,
    disabled_ms INTEGER,
    disabled_reason TEXT,
    deleted_ms INTEGER
);
-- The outbox: each event written in the transaction that made the change (only when an
-- endpoint subscribes to its type), with the body every delivery of it sends.
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    body TEXT NOT NULL
);
-- One per event and subscribed endpoint. A process claims due ones by setting
-- `lease_until` (so one process of all sends each attempt), sends, and records the outcome.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    endpoint INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    event INTEGER NOT NULL REFERENCES webhook_events (id),
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_ms INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    delivered_ms INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_ms) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_of_endpoint ON webhook_deliveries (endpoint, id);
CREATE TABLE webhook_attempts (
    delivery INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    at_ms INTEGER NOT NULL,
    status INTEGER,
    response TEXT NOT NULL,
    took_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_of_delivery ON webhook_attempts (delivery);
