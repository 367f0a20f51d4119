-- Fulfilment, as V9__fulfilment.sql on SQLite.
ALTER TABLE orders ADD COLUMN channel TEXT COLLATE "C" NOT NULL DEFAULT 'storefront';
CREATE INDEX orders_by_channel ON orders (channel, seq);
CREATE INDEX orders_by_time ON orders (received_ms, seq);
CREATE TABLE order_warehouses (
    warehouse TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL REFERENCES orders(seq),
    PRIMARY KEY (warehouse, seq)
);
CREATE TABLE backorders (
    sku TEXT COLLATE "C" NOT NULL,
    request_id TEXT COLLATE "C" NOT NULL REFERENCES orders(request_id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (sku, request_id)
);
CREATE INDEX backorders_by_order ON backorders (request_id);
CREATE TABLE shipments (
    number TEXT COLLATE "C" PRIMARY KEY,
    request_id TEXT COLLATE "C" NOT NULL REFERENCES orders(request_id),
    shop TEXT COLLATE "C" NOT NULL,
    warehouse TEXT COLLATE "C" NOT NULL,
    carrier TEXT NOT NULL,
    tracking TEXT NOT NULL,
    shipped_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    lines TEXT NOT NULL
);
CREATE INDEX shipments_by_order ON shipments (request_id);
CREATE INDEX shipments_by_warehouse ON shipments (warehouse, shipped_ms);
ALTER TABLE stock ADD COLUMN low BIGINT;
ALTER TABLE stock ADD COLUMN over BIGINT;
ALTER TABLE stock ADD COLUMN location TEXT NOT NULL DEFAULT '';
CREATE TABLE stock_moves (
    id BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    warehouse TEXT COLLATE "C" NOT NULL,
    sku TEXT COLLATE "C" NOT NULL,
    delta BIGINT NOT NULL,
    on_hand BIGINT NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX stock_moves_by_item ON stock_moves (warehouse, sku, id);
ALTER TABLE tiers ADD COLUMN rank BIGINT NOT NULL DEFAULT 100;
-- Orders taken in before this migration, as on SQLite.
INSERT INTO order_warehouses (warehouse, seq)
    SELECT DISTINCT w.warehouse, o.seq FROM orders o JOIN shop_warehouses w ON w.shop = o.shop;
INSERT INTO backorders (sku, request_id, quantity)
    SELECT b.key, o.request_id, b.value::BIGINT
    FROM orders o, jsonb_each_text(COALESCE(o.confirmation::jsonb -> 'backordered', '{}'::jsonb)) b
    WHERE o.state NOT IN ('cancelled', 'rejected', 'completed') AND b.value::BIGINT > 0;
