-- As V14__costs_and_sales.sql on SQLite.
CREATE TABLE product_costs (
    sku TEXT COLLATE "C" NOT NULL REFERENCES products(sku),
    from_ms BIGINT NOT NULL,
    cost_cents BIGINT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL,
    set_ms BIGINT NOT NULL,
    PRIMARY KEY (sku, from_ms)
);

ALTER TABLE order_lines ADD COLUMN net_cents BIGINT;
ALTER TABLE order_lines ADD COLUMN cost_cents BIGINT;
UPDATE order_lines SET net_cents = (
    SELECT ROUND((o.confirmation::jsonb
               #>> ARRAY['quote', 'lines', order_lines.line::text, 'net', 'amount'])::numeric * 100)::bigint
    FROM orders o WHERE o.request_id = order_lines.request_id);
-- Whether the line's order counts (not rejected or cancelled), kept with the order's state,
-- so sales and quota counts read the lines alone; the reports' index covers what they sum.
ALTER TABLE order_lines ADD COLUMN live BIGINT NOT NULL DEFAULT 1;
UPDATE order_lines SET live = 0 WHERE request_id IN
    (SELECT request_id FROM orders WHERE state IN ('rejected', 'cancelled'));
CREATE INDEX order_lines_sales ON order_lines
    (received_ms, live, sku, shop, quantity, net_cents, cost_cents, request_id);
