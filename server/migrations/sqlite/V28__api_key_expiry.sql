-- An API key may be made to expire (issue 14): after `expires_ms` it is refused (401
-- `key_expired`) as a revoked one is; none: it lasts until revoked.
ALTER TABLE api_keys ADD COLUMN expires_ms INTEGER;
