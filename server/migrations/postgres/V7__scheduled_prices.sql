-- Tier and shop prices scheduled for a time, as V7__scheduled_prices.sql on SQLite.
CREATE TABLE scheduled_prices (
    list TEXT COLLATE "C" NOT NULL,
    sku TEXT COLLATE "C" NOT NULL REFERENCES products(sku),
    from_ms BIGINT NOT NULL,
    price TEXT,
    PRIMARY KEY (list, sku, from_ms)
);
CREATE INDEX scheduled_prices_by_time ON scheduled_prices (from_ms);
