-- Fulfilment: where an order came from and which warehouses serve it (the order list's
-- filters), what each order waits for (allocated when stock arrives), its shipments, stock
-- thresholds and bin locations, every movement of stock, and the tiers' priority.
ALTER TABLE orders ADD COLUMN channel TEXT NOT NULL DEFAULT 'storefront';
CREATE INDEX orders_by_channel ON orders (channel, seq);
CREATE INDEX orders_by_time ON orders (received_ms, seq);
CREATE TABLE order_warehouses (
    warehouse TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES orders(seq),
    PRIMARY KEY (warehouse, seq)
);
CREATE TABLE backorders (
    sku TEXT NOT NULL,
    request_id TEXT NOT NULL REFERENCES orders(request_id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (sku, request_id)
);
CREATE INDEX backorders_by_order ON backorders (request_id);
CREATE TABLE shipments (
    number TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES orders(request_id),
    shop TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    carrier TEXT NOT NULL,
    tracking TEXT NOT NULL,
    shipped_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    lines TEXT NOT NULL
);
CREATE INDEX shipments_by_order ON shipments (request_id);
CREATE INDEX shipments_by_warehouse ON shipments (warehouse, shipped_ms);
ALTER TABLE stock ADD COLUMN low INTEGER;
ALTER TABLE stock ADD COLUMN over INTEGER;
ALTER TABLE stock ADD COLUMN location TEXT NOT NULL DEFAULT '';
CREATE TABLE stock_moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    warehouse TEXT NOT NULL,
    sku TEXT NOT NULL,
    delta INTEGER NOT NULL,
    on_hand INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX stock_moves_by_item ON stock_moves (warehouse, sku, id);
ALTER TABLE tiers ADD COLUMN rank INTEGER NOT NULL DEFAULT 100;
-- Orders taken in before this migration: served by their shop's warehouses, waiting for
-- what their confirmation lists as backordered.
INSERT INTO order_warehouses (warehouse, seq)
    SELECT DISTINCT w.warehouse, o.seq FROM orders o JOIN shop_warehouses w ON w.shop = o.shop;
INSERT INTO backorders (sku, request_id, quantity)
    SELECT b.key, o.request_id, b.value
    FROM orders o, json_each(json_extract(o.confirmation, '$.backordered')) b
    WHERE o.state NOT IN ('cancelled', 'rejected', 'completed') AND b.value > 0;
