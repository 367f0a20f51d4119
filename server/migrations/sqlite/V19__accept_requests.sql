-- Shops' OKs to orders held for them (the server's result cost more than the phone showed,
-- or dropped lines), each applied once: `accepted`, `not_waiting` when the order was no
-- longer waiting (cancelled, answered, released by staff), `unknown_order`.
CREATE TABLE accept_requests (
    id TEXT PRIMARY KEY,
    shop TEXT NOT NULL,
    target TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL DEFAULT ''
);
