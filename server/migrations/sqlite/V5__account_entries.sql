-- Money and points an admin moves on a shop's account (a prepaid top-up, a points
-- adjustment), each with its reason, who and when, and the balance it left. Balances are
-- never overwritten by hand: every move is an entry.
CREATE TABLE account_entries (
    id INTEGER PRIMARY KEY,
    shop TEXT NOT NULL REFERENCES shops(id),
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount TEXT NOT NULL,
    balance TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX account_entries_by_shop ON account_entries (shop, id);
