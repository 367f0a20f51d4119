-- Product photos' thumbnails, by the SHA-256 of their bytes (hex), in the database so every
-- server process serves them.
CREATE TABLE images (
    hash TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_ms INTEGER NOT NULL
);
