-- Stock is looked up by SKU across warehouses on every order line; the primary key
-- (warehouse, sku) cannot serve that, so each line scanned the whole table.
CREATE INDEX stock_by_sku ON stock (sku);
