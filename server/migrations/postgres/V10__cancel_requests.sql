-- Shops' requests to cancel their orders, as V10__cancel_requests.sql on SQLite.
CREATE TABLE cancel_requests (
    id TEXT COLLATE "C" PRIMARY KEY,
    shop TEXT COLLATE "C" NOT NULL,
    target TEXT COLLATE "C" NOT NULL,
    received_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cancel_requests_by_outcome ON cancel_requests (outcome, received_ms);
-- Open orders by warehouse read from the orders' side (the home page's counts).
CREATE INDEX order_warehouses_by_seq ON order_warehouses (seq);
