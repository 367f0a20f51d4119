-- A shop's order documents come in volumes (see app::schema::doc_id): the volume new
-- requests go to, and the volume each order was requested and is answered in.
ALTER TABLE shops ADD COLUMN order_volume INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN volume INTEGER NOT NULL DEFAULT 0;
CREATE INDEX orders_by_shop_volume ON orders (shop, volume, state);
