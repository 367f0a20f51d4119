-- The weeks a proposal covers (until the manager's next visit, 1-4): the accuracy report
-- compares it with what the shop ordered over as many weeks.
ALTER TABLE proposals ADD COLUMN weeks INTEGER NOT NULL DEFAULT 1;
