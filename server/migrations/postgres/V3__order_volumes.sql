-- A shop's order documents come in volumes, as V3__order_volumes.sql on SQLite.
ALTER TABLE shops ADD COLUMN order_volume BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN volume BIGINT NOT NULL DEFAULT 0;
CREATE INDEX orders_by_shop_volume ON orders (shop, volume, state);
