-- As V17__forecasts.sql on SQLite.
-- Issue 11: the calendar the forecast adjusts for (data an admin edits; seeded with
-- Spring Festival, Mid-Autumn and National Day on their real dates), the weeks a shop
-- paused ordering, and the orders account managers proposed (what was proposed, to whom,
-- what became of it) for the accuracy report.
CREATE TABLE holidays (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    from_day TEXT NOT NULL,
    until_day TEXT NOT NULL,
    factor TEXT NOT NULL
);
INSERT INTO holidays (name, from_day, until_day, factor) VALUES
    ('春节前备货', '2026-02-03', '2026-02-16', '1.5'),
    ('春节', '2026-02-17', '2026-02-23', '0.5'),
    ('中秋', '2026-09-18', '2026-09-25', '1.3'),
    ('国庆', '2026-10-01', '2026-10-07', '1.2'),
    ('春节前备货', '2027-01-23', '2027-02-05', '1.5'),
    ('春节', '2027-02-06', '2027-02-12', '0.5'),
    ('中秋', '2027-09-08', '2027-09-15', '1.3'),
    ('国庆', '2027-10-01', '2027-10-07', '1.2'),
    ('春节前备货', '2028-01-12', '2028-01-25', '1.5'),
    ('春节', '2028-01-26', '2028-02-01', '0.5'),
    ('中秋', '2028-09-26', '2028-10-03', '1.3'),
    ('国庆', '2028-10-01', '2028-10-07', '1.2');

CREATE TABLE shop_pauses (
    id BIGSERIAL PRIMARY KEY,
    shop TEXT COLLATE "C" NOT NULL,
    from_day TEXT NOT NULL,
    until_day TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX shop_pauses_by_shop ON shop_pauses (shop, from_day);

CREATE TABLE proposals (
    id TEXT COLLATE "C" PRIMARY KEY,
    shop TEXT COLLATE "C" NOT NULL,
    sender TEXT NOT NULL,
    by_name TEXT NOT NULL,
    sent_ms BIGINT NOT NULL,
    lines TEXT NOT NULL,
    answer TEXT,
    answered_ms BIGINT,
    recorded_ms BIGINT NOT NULL
);
CREATE INDEX proposals_by_time ON proposals (sent_ms);
CREATE INDEX proposals_by_shop ON proposals (shop, sent_ms);
