-- Tier and shop prices scheduled for a time (`list` is `tier/T` or `shop/S`; a NULL price
-- removes the price then). Kept a week past their time, since orders are priced at their
-- placement time; then folded into tier_prices and customer_prices. (Scheduled list prices
-- are part of the product.)
CREATE TABLE scheduled_prices (
    list TEXT NOT NULL,
    sku TEXT NOT NULL REFERENCES products(sku),
    from_ms INTEGER NOT NULL,
    price TEXT,
    PRIMARY KEY (list, sku, from_ms)
);
CREATE INDEX scheduled_prices_by_time ON scheduled_prices (from_ms);
