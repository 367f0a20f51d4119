-- A number that moves with every change to what an order is priced with: products,
-- tier and shop prices (now, scheduled and their history), who may buy what, a shop's
-- tier, the sales terms, promotions and each shop's nearest warehouses. The intake prices
-- an order on a read snapshot, outside the writer, and the writer keeps that work only
-- while this number is the one the snapshot read (and the shop's own counters are too).
-- Triggers move it, so no write to these tables, now or added later, can forget to.
INSERT INTO counters (name, value) VALUES ('pricing', 0) ON CONFLICT (name) DO NOTHING;
CREATE TRIGGER pricing_products_insert AFTER INSERT ON products
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_products_update AFTER UPDATE ON products
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_products_delete AFTER DELETE ON products
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_tier_prices_insert AFTER INSERT ON tier_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_tier_prices_update AFTER UPDATE ON tier_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_tier_prices_delete AFTER DELETE ON tier_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_customer_prices_insert AFTER INSERT ON customer_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_customer_prices_update AFTER UPDATE ON customer_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_customer_prices_delete AFTER DELETE ON customer_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_scheduled_prices_insert AFTER INSERT ON scheduled_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_scheduled_prices_update AFTER UPDATE ON scheduled_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_scheduled_prices_delete AFTER DELETE ON scheduled_prices
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_product_shops_insert AFTER INSERT ON product_shops
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_product_shops_update AFTER UPDATE ON product_shops
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_product_shops_delete AFTER DELETE ON product_shops
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_price_history_insert AFTER INSERT ON price_history
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_price_history_update AFTER UPDATE ON price_history
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_price_history_delete AFTER DELETE ON price_history
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_sales_terms_insert AFTER INSERT ON sales_terms
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_sales_terms_update AFTER UPDATE ON sales_terms
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_sales_terms_delete AFTER DELETE ON sales_terms
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_promotions_insert AFTER INSERT ON promotions
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_promotions_update AFTER UPDATE ON promotions
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_promotions_delete AFTER DELETE ON promotions
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_shop_warehouses_insert AFTER INSERT ON shop_warehouses
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_shop_warehouses_update AFTER UPDATE ON shop_warehouses
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_shop_warehouses_delete AFTER DELETE ON shop_warehouses
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_shops_update AFTER UPDATE OF tier ON shops
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
CREATE TRIGGER pricing_shops_delete AFTER DELETE ON shops
BEGIN UPDATE counters SET value = value + 1 WHERE name = 'pricing'; END;
