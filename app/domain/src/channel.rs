//! Orders another sales channel (a marketplace) sold at its own prices: when the channel
//! may send them, each such line costs what the channel charged, priced by the usual engine
//! from a catalog where that price is the product's only one; the distributor's promotions
//! do not apply on top (the channel ran its own).

use std::collections::BTreeMap;

use crate::money::Money;
use crate::price_book::PriceBook;
use crate::pricing::ProductLookup;
use crate::product::Product;
use crate::sku::Sku;

/// SKU → the unit price the channel charged.
pub type ChannelPrices = BTreeMap<Sku, Money>;

/// The products of `prices` with the channel's price as their only price (no volume
/// breaks, promotional or scheduled prices), and `book` without those SKUs' tier and shop
/// prices: what the engine prices a channel's order with.
pub fn at_channel_prices(
    catalog: &impl ProductLookup,
    book: &PriceBook,
    prices: &ChannelPrices,
) -> (BTreeMap<Sku, Product>, PriceBook) {
    let mut products = BTreeMap::new();
    let mut merged = book.clone();
    let none = PriceBook::default();
    for (sku, price) in prices {
        let Some(product) = catalog.product(sku) else {
            continue;
        };
        products.insert(
            sku.clone(),
            Product {
                list_price: *price,
                volume_prices: Vec::new(),
                promo_price: None,
                price_changes: Vec::new(),
                ..product.clone()
            },
        );
        merged.take_prices_of(sku, &none);
    }
    (products, merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::price_book::PriceSource;
    use crate::price_hold::WithProducts;
    use crate::pricing::{RequestedLine, price_order};
    use crate::product::VolumePrice;

    fn yuan(amount: &str) -> Money {
        Money::parse_price(amount, Currency::Cny).unwrap()
    }

    #[test]
    fn a_channel_line_costs_what_the_channel_charged_whatever_our_prices() {
        let sku = Sku::parse("BEV-0001").unwrap();
        let product = Product {
            volume_prices: vec![VolumePrice {
                min_quantity: 10,
                price: yuan("2.00"),
            }],
            ..Product::for_test("BEV-0001", yuan("3.00"))
        };
        let catalog = BTreeMap::from([(sku.clone(), product)]);
        let mut book = PriceBook::default();
        book.customer_prices.insert(sku.clone(), yuan("2.50"));
        let lines = [RequestedLine {
            sku: sku.clone(),
            quantity: 12,
        }];
        let ours = price_order(&lines, &catalog, &book, Currency::Cny, 0).unwrap();
        assert_eq!(ours.lines[0].unit_price, yuan("2.00"));
        let prices = ChannelPrices::from([(sku.clone(), yuan("2.80"))]);
        let (replaced, merged) = at_channel_prices(&catalog, &book, &prices);
        let theirs = WithProducts {
            catalog: &catalog,
            replaced: &replaced,
        };
        let priced = price_order(&lines, &theirs, &merged, Currency::Cny, 0).unwrap();
        assert_eq!(priced.lines[0].unit_price, yuan("2.80"));
        assert_eq!(priced.lines[0].price_source, PriceSource::List);
        assert_eq!(priced.total, yuan("33.60"));
    }
}
