//! The order intake rule, shared by the server and the simulated network of the tests:
//! every request id in a shop's requests document is answered exactly once. The caller
//! supplies what has already been applied (the server: its orders table), order numbers
//! and the time, and records the answers in the same transaction as the documents.

use automerge::Automerge;

use crate::domain::order::{OrderConfirmation, RequestId, confirm_order, reject_unreadable};
use crate::domain::price_book::PriceBook;
use crate::domain::pricing::ProductLookup;
use crate::domain::sku::ShopId;
use crate::schema::order_requests_doc::read_requests;

/// The requests in `orders` not yet applied, each answered with a confirmation or a
/// rejection. Keys that are not request ids are ignored (they cannot be answered).
pub fn answer_new_requests(
    orders: &Automerge,
    shop: &ShopId,
    catalog: &impl ProductLookup,
    book: &PriceBook,
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
                Ok(request) => confirm_order(&request, shop, catalog, book, next_number(), now_ms),
                Err(detail) => reject_unreadable(&id, detail, next_number(), now_ms),
            })
        })
        .collect()
}
