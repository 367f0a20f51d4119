-- Whether an API key's orders wait for review, as V23__key_review.sql on SQLite.
ALTER TABLE api_keys ADD COLUMN review BIGINT NOT NULL DEFAULT 0;
