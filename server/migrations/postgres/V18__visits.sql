-- As V18__visits.sql on SQLite.
-- Issue 11: an account manager's visits to his shops (a note and the next visit's date),
-- recorded on his phone, offline too, under an id the phone mints (sent once or twice,
-- stored once).
CREATE TABLE visits (
    id TEXT COLLATE "C" PRIMARY KEY,
    manager TEXT NOT NULL,
    shop TEXT COLLATE "C" NOT NULL,
    visited_ms BIGINT NOT NULL,
    note TEXT NOT NULL,
    next_day TEXT,
    recorded_ms BIGINT NOT NULL
);
CREATE INDEX visits_by_shop ON visits (shop, visited_ms);
