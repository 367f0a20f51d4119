-- The bullwhip guard (issue 11): an order of a product in short supply far above the
-- shop's smoothed weekly demand, flagged when it is taken in for staff and the shop's
-- account manager to look at before the stock it waits for is allocated.
CREATE TABLE large_orders (
    request_id TEXT NOT NULL REFERENCES orders(request_id),
    sku TEXT NOT NULL,
    shop TEXT NOT NULL,
    ordered INTEGER NOT NULL,
    backordered INTEGER NOT NULL,
    weekly TEXT NOT NULL,
    flagged_ms INTEGER NOT NULL,
    handled_ms INTEGER,
    handled_by TEXT,
    PRIMARY KEY (request_id, sku)
);
CREATE INDEX large_orders_open ON large_orders (handled_ms, flagged_ms);
