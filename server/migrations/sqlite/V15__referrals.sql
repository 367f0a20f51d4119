-- Commissions (分销, issue 12): each shop's invite code (made when first asked for), the
-- shop that brought it in, and what each shipment to a shop brought in earns its inviter
-- once the shipment's return window has passed.
ALTER TABLE shops ADD COLUMN invite_code TEXT;
CREATE UNIQUE INDEX shops_by_invite_code ON shops (invite_code);
ALTER TABLE shops ADD COLUMN invited_by TEXT REFERENCES shops(id);
ALTER TABLE shops ADD COLUMN invited_ms INTEGER;
CREATE INDEX shops_by_inviter ON shops (invited_by);
-- One row per shipment to an invited shop: its goods (net before tax, cents), what it is
-- expected to earn, and once settled what was paid for its order then (cents).
CREATE TABLE commissions (
    shipment TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    order_number TEXT NOT NULL,
    inviter TEXT NOT NULL REFERENCES shops(id),
    invitee TEXT NOT NULL REFERENCES shops(id),
    shipped_ms INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    goods_cents INTEGER NOT NULL,
    expected_cents INTEGER NOT NULL,
    paid_cents INTEGER,
    settled_ms INTEGER
);
CREATE INDEX commissions_due ON commissions (due_ms) WHERE settled_ms IS NULL;
CREATE INDEX commissions_by_inviter ON commissions (inviter, shipped_ms);
CREATE INDEX commissions_by_order ON commissions (request_id);
