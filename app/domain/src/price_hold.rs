//! The price hold (point 9 of issue 13): a price a shop's device showed stays valid for a
//! time the distributor sets. An order placed within that time after the device last
//! received its prices is confirmed, SKU by SKU, at the lower of the price then and the
//! price now, so a price raised while the phone was offline does not surprise the shop, and
//! a price lowered meanwhile is not lost. Only prices are held: availability (a product
//! discontinued, limited to other shops) is always the server's current one.

use std::collections::BTreeMap;

use super::order::OrderRequest;
use super::price_book::PriceBook;
use super::pricing::{ProductLookup, unit_price};
use super::product::Product;
use super::sku::Sku;

/// The prices of some SKUs as they were at `as_of_ms`, rebuilt by the server from its price
/// history: `products` holds the products whose price fields (list price, volume breaks,
/// promotional price, scheduled list prices) changed since, with those fields as they were
/// then and every other field as it is now; `book` is the shop's price book as it was then
/// for the SKUs asked about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PricesThen {
    pub as_of_ms: i64,
    pub products: BTreeMap<Sku, Product>,
    pub book: PriceBook,
}

/// The most hours a distributor may hold prices for: the server keeps a week of price
/// history, as long as an order may still be priced at its placement time.
pub const MAX_HOLD_HOURS: u32 = 168;

/// Since when `request` holds prices, under a hold of `hold_hours`: the time its device last
/// received prices (`prices_as_of_ms`, server time), when the order was placed (its
/// [`super::order::pricing_time`]) no later than `hold_hours` after it. A device cannot
/// claim more than that: a time before the window, or after the order, holds nothing.
pub fn held_since(request: &OrderRequest, hold_hours: u32, received_ms: i64) -> Option<i64> {
    let as_of = request.prices_as_of_ms?;
    let placed = super::order::pricing_time(request.placed_at_ms, received_ms);
    let hold_ms = i64::from(hold_hours.min(MAX_HOLD_HOURS)) * 3_600_000;
    (hold_ms > 0 && as_of <= placed && placed - as_of <= hold_ms).then_some(as_of)
}

/// A catalog with some products replaced.
pub struct WithProducts<'a, C> {
    pub catalog: &'a C,
    pub replaced: &'a BTreeMap<Sku, Product>,
}

impl<C: ProductLookup> ProductLookup for WithProducts<'_, C> {
    fn product(&self, sku: &Sku) -> Option<&Product> {
        self.replaced.get(sku).or_else(|| self.catalog.product(sku))
    }
}

/// What an order under a hold is priced with: for each SKU of `request` whose unit price at
/// `at_ms` was lower then (`then`) than it is now (`catalog`, `book`), the product's price
/// fields and the book's entries as they were then; the SKUs so held, in order.
pub fn lower_of(
    request: &OrderRequest,
    catalog: &impl ProductLookup,
    book: &PriceBook,
    then: &PricesThen,
    at_ms: i64,
) -> (BTreeMap<Sku, Product>, PriceBook, Vec<Sku>) {
    let mut quantities: BTreeMap<&Sku, u32> = BTreeMap::new();
    for line in &request.lines {
        let quantity = quantities.entry(&line.sku).or_default();
        *quantity = quantity.saturating_add(line.quantity);
    }
    let mut products = BTreeMap::new();
    let mut merged = book.clone();
    let mut held = Vec::new();
    for (sku, quantity) in quantities {
        let Some(now) = catalog.product(sku) else {
            continue;
        };
        let before = then.products.get(sku).unwrap_or(now);
        let (price_now, _) = unit_price(now, book, quantity, at_ms);
        let (price_then, _) = unit_price(before, &then.book, quantity, at_ms);
        if price_then.amount() < price_now.amount() {
            products.insert(sku.clone(), before.clone());
            merged.take_prices_of(sku, &then.book);
            held.push(sku.clone());
        }
    }
    (products, merged, held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};
    use crate::order::RequestId;
    use crate::pricing::RequestedLine;
    use crate::sku::{ShopId, TierId};

    const HOUR: i64 = 3_600_000;

    fn yuan(amount: &str) -> Money {
        Money::parse_price(amount, Currency::Cny).unwrap()
    }

    fn product(sku: &str, list: &str) -> Product {
        Product::for_test(sku, yuan(list))
    }

    fn request(placed_at_ms: i64, as_of: Option<i64>, skus: &[&str]) -> OrderRequest {
        let lines = skus
            .iter()
            .map(|sku| RequestedLine {
                sku: Sku::parse(sku).unwrap(),
                quantity: 2,
            })
            .collect();
        let shop = ShopId::parse("shop-a").unwrap();
        OrderRequest {
            prices_as_of_ms: as_of,
            ..OrderRequest::new(
                RequestId::from_random_bytes([7; 16]),
                shop,
                placed_at_ms,
                "a",
                lines,
            )
        }
    }

    #[test]
    fn an_order_placed_within_the_hold_holds_the_prices_its_device_received() {
        let synced = 100 * HOUR;
        let placed = synced + 23 * HOUR;
        let arrived = placed + 30 * HOUR;
        assert_eq!(
            held_since(&request(placed, Some(synced), &[]), 24, arrived),
            Some(synced)
        );
        // Placed after the window, or no hold, or a device that does not say: nothing held.
        let late = request(synced + 25 * HOUR, Some(synced), &[]);
        assert_eq!(held_since(&late, 24, arrived), None);
        assert_eq!(
            held_since(&request(placed, Some(synced), &[]), 0, arrived),
            None
        );
        assert_eq!(held_since(&request(placed, None, &[]), 24, arrived), None);
        // A time after the order is no claim at all.
        let future = request(placed, Some(placed + HOUR), &[]);
        assert_eq!(held_since(&future, 24, arrived), None);
        // A device clock far ahead is brought back to the arrival: the window counts from
        // the time the prices came to the time the server received the order.
        let ahead = request(arrived + 100 * HOUR, Some(arrived - 2 * HOUR), &[]);
        assert_eq!(held_since(&ahead, 24, arrived), Some(arrived - 2 * HOUR));
    }

    #[test]
    fn each_sku_is_priced_at_the_lower_of_then_and_now() {
        let now_catalog: BTreeMap<Sku, Product> = [
            product("TEA-1", "12.00"),
            product("TEA-2", "5.00"),
            product("TEA-3", "7.00"),
        ]
        .into_iter()
        .map(|p| (p.sku.clone(), p))
        .collect();
        let tier = TierId::parse("gold").unwrap();
        let mut book = PriceBook {
            tier: Some(tier.clone()),
            ..PriceBook::default()
        };
        // Now: TEA-3 has a gold price of 6.50, newly given.
        book.tier_prices
            .insert(Sku::parse("TEA-3").unwrap(), yuan("6.50"));
        // Then: TEA-1's list price was 10 (raised since), TEA-2's 6 (lowered since), TEA-3
        // had no gold price and listed at 7.
        let then = PricesThen {
            as_of_ms: 0,
            products: [product("TEA-1", "10.00"), product("TEA-2", "6.00")]
                .into_iter()
                .map(|p| (p.sku.clone(), p))
                .collect(),
            book: PriceBook {
                tier: Some(tier),
                ..PriceBook::default()
            },
        };
        let order = request(HOUR, Some(0), &["TEA-1", "TEA-2", "TEA-3"]);
        let (products, merged, held) = lower_of(&order, &now_catalog, &book, &then, HOUR);
        assert_eq!(held, vec![Sku::parse("TEA-1").unwrap()]);
        let catalog = WithProducts {
            catalog: &now_catalog,
            replaced: &products,
        };
        let price = |sku: &str| {
            let sku = Sku::parse(sku).unwrap();
            unit_price(catalog.product(&sku).unwrap(), &merged, 2, HOUR).0
        };
        assert_eq!(price("TEA-1"), yuan("10.00"));
        assert_eq!(price("TEA-2"), yuan("5.00"));
        assert_eq!(price("TEA-3"), yuan("6.50"));
    }
}
