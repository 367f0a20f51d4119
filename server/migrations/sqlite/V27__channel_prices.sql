-- Orders another channel sold at its own prices (issue 14, point 3): a key may send them
-- when the admin allows it (`own_prices`). What the channel charged for each SKU of an
-- order is kept by request id, written before the order is placed (the intake prices the
-- order's lines at it), with what the distributor's own price was (`ours_cents`, set
-- when the order is answered), so the difference is on record.
ALTER TABLE api_keys ADD COLUMN own_prices INTEGER NOT NULL DEFAULT 0;
CREATE TABLE channel_prices (
    request_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL DEFAULT 0,
    theirs_cents INTEGER NOT NULL,
    ours_cents INTEGER,
    PRIMARY KEY (request_id, sku)
);
