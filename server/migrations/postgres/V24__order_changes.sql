-- The number of each order's latest change, as V24__order_changes.sql on SQLite.
ALTER TABLE orders ADD COLUMN changed BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET changed = seq;
CREATE INDEX orders_by_change ON orders (changed);
INSERT INTO counters (name, value) SELECT 'order_change', COALESCE(MAX(seq), 0) FROM orders;
