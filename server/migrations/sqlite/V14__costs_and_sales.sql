-- A product's cost price over time, in cents (admins and finance only; never published to
-- devices). The cost of a sale is the one in force when the order was taken in.
CREATE TABLE product_costs (
    sku TEXT NOT NULL REFERENCES products(sku),
    from_ms INTEGER NOT NULL,
    cost_cents INTEGER NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL,
    set_ms INTEGER NOT NULL,
    PRIMARY KEY (sku, from_ms)
);

-- What each order line sold for (its net after its share of the discounts, before tax)
-- and what it cost, in cents, as the order was taken in: sales and margin add up in SQL.
ALTER TABLE order_lines ADD COLUMN net_cents INTEGER;
ALTER TABLE order_lines ADD COLUMN cost_cents INTEGER;
UPDATE order_lines SET net_cents = (
    SELECT CAST(ROUND(CAST(json_extract(o.confirmation,
               '$.quote.lines[' || order_lines.line || '].net.amount') AS REAL) * 100) AS INTEGER)
    FROM orders o WHERE o.request_id = order_lines.request_id);
-- Whether the line's order counts (not rejected or cancelled), kept with the order's state,
-- so sales and quota counts read the lines alone; the reports' index covers what they sum.
ALTER TABLE order_lines ADD COLUMN live INTEGER NOT NULL DEFAULT 1;
UPDATE order_lines SET live = 0 WHERE request_id IN
    (SELECT request_id FROM orders WHERE state IN ('rejected', 'cancelled'));
CREATE INDEX order_lines_sales ON order_lines
    (received_ms, live, sku, shop, quantity, net_cents, cost_cents, request_id);
