//! The order intake rule, shared by the server and the simulated network of the tests:
//! every request id in a shop's requests document is answered exactly once. The caller
//! supplies what has already been applied (the server: its orders table), order numbers
//! and the time, and records the answers in the same transaction as the documents.

use automerge::Automerge;

use crate::domain::inventory::Inventory;
use crate::domain::order::{
    OrderConfirmation, RequestId, confirm_order, reject_unreadable, reserve_stock,
};
use crate::domain::price_book::PriceBook;
use crate::domain::pricing::ProductLookup;
use crate::domain::sku::{ShopId, WarehouseId};
use crate::schema::order_requests_doc::read_requests;

/// Where confirmed orders take their stock from.
pub struct StockSource<'a> {
    pub inventory: &'a mut Inventory,
    /// The shop's warehouses, nearest first.
    pub nearest_first: &'a [WarehouseId],
}

/// The requests in `orders` not yet applied, each answered with a confirmation (stock
/// reserved, or backordered) or a rejection, in request-id order. Keys that are not
/// request ids are ignored (they cannot be answered).
#[allow(clippy::too_many_arguments)]
pub fn answer_new_requests(
    orders: &Automerge,
    shop: &ShopId,
    catalog: &impl ProductLookup,
    book: &PriceBook,
    stock: StockSource<'_>,
    is_applied: impl Fn(&RequestId) -> bool,
    mut next_number: impl FnMut() -> String,
    now_ms: i64,
) -> Vec<OrderConfirmation> {
    read_requests(orders)
        .into_iter()
        .filter_map(|stored| {
            let id = RequestId::parse(&stored.key).ok()?;
            if is_applied(&id) {
                return None;
            }
            Some(match stored.request {
                Ok(request) => {
                    let mut answer =
                        confirm_order(&request, shop, catalog, book, next_number(), now_ms);
                    reserve_stock(&mut answer, stock.inventory, stock.nearest_first, now_ms);
                    answer
                }
                Err(detail) => reject_unreadable(&id, detail, next_number(), now_ms),
            })
        })
        .collect()
}
