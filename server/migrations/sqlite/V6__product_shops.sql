-- Products limited to some tiers or shops (products.json holds the tiers): the shops given
-- a product by name.
CREATE TABLE product_shops (
    sku TEXT NOT NULL REFERENCES products(sku),
    shop TEXT NOT NULL REFERENCES shops(id),
    PRIMARY KEY (sku, shop)
);
CREATE INDEX product_shops_by_shop ON product_shops (shop, sku);
