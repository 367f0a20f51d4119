-- An ERP pulls invoices and payments changed after a cursor (issue 14, point 5), as it pulls
-- orders (V24): each row carries the number of its latest change, from counters taken in
-- the changing transaction (their rows stay locked until commit, so numbers follow commit
-- order). Rows already stored are numbered in the order they were made.
ALTER TABLE invoices ADD COLUMN changed BIGINT NOT NULL DEFAULT 0;
UPDATE invoices SET changed = (
    SELECT COUNT(*) FROM invoices earlier
    WHERE earlier.issued_ms < invoices.issued_ms
       OR (earlier.issued_ms = invoices.issued_ms AND earlier.number <= invoices.number));
CREATE INDEX invoices_by_change ON invoices (changed);
INSERT INTO counters (name, value) SELECT 'invoice_change', COUNT(*) FROM invoices;
ALTER TABLE payments ADD COLUMN changed BIGINT NOT NULL DEFAULT 0;
UPDATE payments SET changed = id;
CREATE INDEX payments_by_change ON payments (changed);
INSERT INTO counters (name, value) SELECT 'payment_change', COALESCE(MAX(id), 0) FROM payments;
-- Exports for a period read payments by when they were received, invoices by issue.
CREATE INDEX payments_by_received ON payments (received_ms);
CREATE INDEX invoices_by_issued ON invoices (issued_ms);
