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
CREATE INDEX order_lines_by_time ON order_lines (received_ms);
