-- Returns of shipped goods, each taken in once (its id is the shop's request id). The
-- return itself (lines, approvals, receipts, history) lives on its order's confirmation;
-- this table is what lists and counts read: returns to decide, to receive, to settle.
CREATE TABLE returns (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL,
    shop TEXT NOT NULL,
    state TEXT NOT NULL,
    remedy TEXT NOT NULL DEFAULT '',
    amount TEXT NOT NULL DEFAULT '',
    units INTEGER NOT NULL DEFAULT 0,
    placed_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX returns_by_state ON returns (state, placed_ms);
CREATE INDEX returns_by_number ON returns (number);
CREATE INDEX returns_by_order ON returns (request_id);
