-- Every change an admin makes: who, when, to what, and the object before and after (JSON;
-- NULL before a creation or after a deletion).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    object TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_by_object ON audit_log (kind, object, id);
