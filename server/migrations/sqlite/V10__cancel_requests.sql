-- Shops' requests to cancel their orders, each applied once: `cancelled` before picking,
-- `asked` (staff decide) after, `unknown_order` when it names no order of the shop.
CREATE TABLE cancel_requests (
    id TEXT PRIMARY KEY,
    shop TEXT NOT NULL,
    target TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cancel_requests_by_outcome ON cancel_requests (outcome, received_ms);
-- Open orders by warehouse read from the orders' side (the home page's counts).
CREATE INDEX order_warehouses_by_seq ON order_warehouses (seq);
