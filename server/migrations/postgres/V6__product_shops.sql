-- The shops given a limited product by name, as V6__product_shops.sql on SQLite.
CREATE TABLE product_shops (
    sku TEXT COLLATE "C" NOT NULL REFERENCES products(sku),
    shop TEXT COLLATE "C" NOT NULL REFERENCES shops(id),
    PRIMARY KEY (sku, shop)
);
CREATE INDEX product_shops_by_shop ON product_shops (shop, sku);
