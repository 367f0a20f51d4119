-- The storage rework, as V2__storage.sql on SQLite: documents as appended chunks,
-- counters instead of scans of history, background job runs.
CREATE TABLE doc_chunks (
    doc TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (doc, seq)
);
ALTER TABLE docs ADD COLUMN snapshot_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE docs ADD COLUMN tail_bytes BIGINT NOT NULL DEFAULT 0;
CREATE TABLE counters (
    name TEXT COLLATE "C" PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('order_seq', 0);
CREATE TABLE promotion_counts (
    promotion TEXT COLLATE "C" NOT NULL,
    shop TEXT COLLATE "C" NOT NULL,
    uses BIGINT NOT NULL,
    PRIMARY KEY (promotion, shop)
);
CREATE TABLE shop_balances (
    shop TEXT COLLATE "C" PRIMARY KEY REFERENCES shops(id),
    unbilled TEXT NOT NULL
);
CREATE TABLE order_lines (
    request_id TEXT COLLATE "C" NOT NULL REFERENCES orders(request_id),
    line BIGINT NOT NULL,
    shop TEXT COLLATE "C" NOT NULL,
    sku TEXT COLLATE "C" NOT NULL,
    quantity BIGINT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (request_id, line)
);
CREATE INDEX order_lines_by_shop_sku ON order_lines (shop, sku, received_ms);
CREATE INDEX orders_by_state ON orders (state, seq);
CREATE TABLE job_runs (
    job TEXT COLLATE "C" NOT NULL,
    period TEXT COLLATE "C" NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (job, period)
);
