-- Invoices, payments and reminders (issue 12). Money in these tables is kept in whole
-- cents (integers), so receivables and reports add up in SQL; each invoice's lines and
-- tax are in its json (a domain::invoice::Invoice).
CREATE TABLE invoices (
    number TEXT PRIMARY KEY,
    shop TEXT NOT NULL REFERENCES shops(id),
    request_id TEXT NOT NULL,
    order_number TEXT NOT NULL,
    shipment TEXT NOT NULL UNIQUE,
    issued_ms INTEGER NOT NULL,
    due_ms INTEGER,
    total_cents INTEGER NOT NULL,
    open_cents INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX invoices_by_shop ON invoices (shop, issued_ms);
CREATE INDEX invoices_open ON invoices (shop, due_ms) WHERE open_cents > 0;
CREATE INDEX invoices_by_order ON invoices (request_id);

-- A payment received, once per shop and reference (a bank transfer's number, a receipt's),
-- with how it was allocated to invoices ([[number, cents], ...]).
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    shop TEXT NOT NULL REFERENCES shops(id),
    reference TEXT NOT NULL,
    method TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    allocations TEXT NOT NULL,
    note TEXT NOT NULL,
    UNIQUE (shop, reference)
);

-- Each reminder level an overdue invoice reached, once.
CREATE TABLE reminders (
    invoice TEXT NOT NULL REFERENCES invoices(number),
    level INTEGER NOT NULL,
    shop TEXT NOT NULL,
    sent_ms INTEGER NOT NULL,
    days_overdue INTEGER NOT NULL,
    open_cents INTEGER NOT NULL,
    handled_ms INTEGER,
    PRIMARY KEY (invoice, level)
);
CREATE INDEX reminders_open ON reminders (handled_ms, sent_ms);

-- Paid or credited and not applied to an invoice yet (cents).
ALTER TABLE shop_balances ADD COLUMN on_account_cents INTEGER NOT NULL DEFAULT 0;
-- What a shop owes on orders not invoiced is counted afresh by the new rule (invoiced
-- shipments and what was paid in advance no longer count): the balance is rebuilt from
-- the shop's orders the first time it is asked for.
DELETE FROM shop_balances;
-- The invoice, payment or order an entry is about.
ALTER TABLE account_entries ADD COLUMN document TEXT NOT NULL DEFAULT '';
