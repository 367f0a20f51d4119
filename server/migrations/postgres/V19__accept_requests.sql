-- Shops' OKs to orders held for them, as V19__accept_requests.sql on SQLite.
CREATE TABLE accept_requests (
    id TEXT COLLATE "C" PRIMARY KEY,
    shop TEXT COLLATE "C" NOT NULL,
    target TEXT COLLATE "C" NOT NULL,
    received_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL DEFAULT ''
);
