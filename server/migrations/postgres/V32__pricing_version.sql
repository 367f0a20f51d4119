-- A number that moves with every change to what an order is priced with: products,
-- tier and shop prices (now, scheduled and their history), who may buy what, a shop's
-- tier, the sales terms, promotions and each shop's nearest warehouses. The intake prices
-- an order on a read snapshot, outside the writer, and the writer keeps that work only
-- while this number is the one the snapshot read (and the shop's own counters are too).
-- Triggers move it, so no write to these tables, now or added later, can forget to.
INSERT INTO counters (name, value) VALUES ('pricing', 0) ON CONFLICT (name) DO NOTHING;
CREATE FUNCTION bump_pricing_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'pricing';
    RETURN NULL;
END
$$;
-- Row by row (a statement that changes no row moves nothing: the hourly clean-up of old
-- price history mostly deletes none), and on TRUNCATE.
CREATE TRIGGER pricing_products AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_products_truncate AFTER TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_tier_prices AFTER INSERT OR UPDATE OR DELETE ON tier_prices
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_tier_prices_truncate AFTER TRUNCATE ON tier_prices
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_customer_prices AFTER INSERT OR UPDATE OR DELETE ON customer_prices
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_customer_prices_truncate AFTER TRUNCATE ON customer_prices
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_scheduled_prices AFTER INSERT OR UPDATE OR DELETE ON scheduled_prices
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_scheduled_prices_truncate AFTER TRUNCATE ON scheduled_prices
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_product_shops AFTER INSERT OR UPDATE OR DELETE ON product_shops
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_product_shops_truncate AFTER TRUNCATE ON product_shops
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_price_history AFTER INSERT OR UPDATE OR DELETE ON price_history
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_price_history_truncate AFTER TRUNCATE ON price_history
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_sales_terms AFTER INSERT OR UPDATE OR DELETE ON sales_terms
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_sales_terms_truncate AFTER TRUNCATE ON sales_terms
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_promotions AFTER INSERT OR UPDATE OR DELETE ON promotions
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_promotions_truncate AFTER TRUNCATE ON promotions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_shop_warehouses AFTER INSERT OR UPDATE OR DELETE ON shop_warehouses
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_shop_warehouses_truncate AFTER TRUNCATE ON shop_warehouses
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_shops AFTER UPDATE OF tier OR DELETE ON shops
    FOR EACH ROW EXECUTE FUNCTION bump_pricing_version();
CREATE TRIGGER pricing_shops_truncate AFTER TRUNCATE ON shops
    FOR EACH STATEMENT EXECUTE FUNCTION bump_pricing_version();
