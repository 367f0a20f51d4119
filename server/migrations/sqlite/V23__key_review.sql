-- Whether the orders an API key places wait for a person's review (held) before the
-- warehouse sees them: the admin's rule for that channel.
ALTER TABLE api_keys ADD COLUMN review INTEGER NOT NULL DEFAULT 0;
