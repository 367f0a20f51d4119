-- What a price was before each change, for the price hold (issue 13, point 9: an order is
-- confirmed at the prices its phone had when they were lower). `list` is `tier/T` or
-- `shop/S` (`before`: the decimal price, NULL when there was none), `schedule/tier/T` or
-- `schedule/shop/S` (`before`: the SKU's scheduled changes in that list, JSON) or `product`
-- (`before`: the product, JSON). Kept a week, as long as an order may be priced at its
-- placement time.
CREATE TABLE price_history (
    id INTEGER PRIMARY KEY,
    list TEXT NOT NULL,
    sku TEXT NOT NULL,
    changed_ms INTEGER NOT NULL,
    before TEXT
);
CREATE INDEX price_history_by_sku ON price_history (sku, changed_ms);
CREATE INDEX price_history_by_time ON price_history (changed_ms);
