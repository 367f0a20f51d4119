-- Product photos' thumbnails, as V8__images.sql on SQLite.
CREATE TABLE images (
    hash TEXT COLLATE "C" PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    created_ms BIGINT NOT NULL
);
