-- The storage rework: documents as appended chunks, counters instead of scans of history.

-- A document is its chunks in `seq` order: a snapshot (Automerge `save`) followed by the
-- changes of each later write (`save_after`). `docs.version` is the highest `seq`; a
-- compaction replaces every chunk by one snapshot.
CREATE TABLE doc_chunks (
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (doc, seq)
);
INSERT INTO doc_chunks (doc, seq, bytes) SELECT id, version, bytes FROM docs;
ALTER TABLE docs ADD COLUMN snapshot_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE docs ADD COLUMN tail_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE docs SET snapshot_bytes = length(bytes);
ALTER TABLE docs DROP COLUMN bytes;

-- Named counters (order numbers), taken in blocks inside the writing transaction, so a
-- number is never skipped nor given twice.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) SELECT 'order_seq', COALESCE(MAX(seq), 0) FROM orders;

-- How often each promotion was used, per shop and in total (shop '*').
CREATE TABLE promotion_counts (
    promotion TEXT NOT NULL,
    shop TEXT NOT NULL,
    uses INTEGER NOT NULL,
    PRIMARY KEY (promotion, shop)
);
INSERT INTO promotion_counts (promotion, shop, uses)
    SELECT promotion, shop, COUNT(*) FROM promotion_uses GROUP BY promotion, shop;
INSERT INTO promotion_counts (promotion, shop, uses)
    SELECT promotion, '*', COUNT(*) FROM promotion_uses GROUP BY promotion;

-- What a shop owes on its open orders (confirmed and not yet completed, cancelled or
-- rejected), kept up to date as orders are taken in and move; computed once from the
-- orders when a shop has no row.
CREATE TABLE shop_balances (
    shop TEXT PRIMARY KEY REFERENCES shops(id),
    unbilled TEXT NOT NULL
);

-- The confirmed lines of every order, for quotas and sales figures without reading
-- the orders' JSON.
CREATE TABLE order_lines (
    request_id TEXT NOT NULL REFERENCES orders(request_id),
    line INTEGER NOT NULL,
    shop TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (request_id, line)
);
CREATE INDEX order_lines_by_shop_sku ON order_lines (shop, sku, received_ms);
INSERT INTO order_lines (request_id, line, shop, sku, quantity, received_ms)
    SELECT o.request_id, l.key, o.shop, json_extract(l.value, '$.sku'),
           json_extract(l.value, '$.quantity'), o.received_ms
    FROM orders o, json_each(o.confirmation, '$.priced.lines') l;

CREATE INDEX orders_by_state ON orders (state, seq);

-- Background jobs that ran for a period, so each runs once across all server processes.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (job, period)
);
CREATE INDEX IF NOT EXISTS order_events_by_request ON order_events (request_id, id);
