-- Issue 11: an account manager's visits to his shops (a note and the next visit's date),
-- recorded on his phone, offline too, under an id the phone mints (sent once or twice,
-- stored once).
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    manager TEXT NOT NULL,
    shop TEXT NOT NULL,
    visited_ms INTEGER NOT NULL,
    note TEXT NOT NULL,
    next_day TEXT,
    recorded_ms INTEGER NOT NULL
);
CREATE INDEX visits_by_shop ON visits (shop, visited_ms);
