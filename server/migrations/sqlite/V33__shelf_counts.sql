-- The last count of each product on each shop's shelf, as its account manager sent it
-- with a proposal (a line whose reason says 货架盘点 N): the next suggestions start from
-- it, plus what the shop ordered since, less what it sold since at its weekly rate.
CREATE TABLE shelf_counts (
    shop TEXT NOT NULL,
    sku TEXT NOT NULL,
    units INTEGER NOT NULL,
    counted_ms INTEGER NOT NULL,
    PRIMARY KEY (shop, sku)
);
