-- Carriers and their rules, as V11__carriers.sql on SQLite.
CREATE TABLE carriers (
    id TEXT COLLATE "C" PRIMARY KEY,
    json TEXT NOT NULL
);
ALTER TABLE shipments ADD COLUMN fee TEXT;
