-- Returns of shipped goods, as V12__returns.sql on SQLite.
CREATE TABLE returns (
    id TEXT COLLATE "C" PRIMARY KEY,
    number TEXT COLLATE "C" NOT NULL DEFAULT '',
    request_id TEXT COLLATE "C" NOT NULL,
    shop TEXT COLLATE "C" NOT NULL,
    state TEXT NOT NULL,
    remedy TEXT NOT NULL DEFAULT '',
    amount TEXT NOT NULL DEFAULT '',
    units BIGINT NOT NULL DEFAULT 0,
    placed_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX returns_by_state ON returns (state, placed_ms);
CREATE INDEX returns_by_number ON returns (number);
CREATE INDEX returns_by_order ON returns (request_id);
