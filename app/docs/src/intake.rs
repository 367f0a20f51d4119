//! The order intake rule, shared by the server and the simulated network of the tests:
//! every request id in a shop's requests document is answered exactly once. The caller
//! supplies what has already been applied (the server: its orders table), order numbers
//! and the time, and records the answers in the same transaction as the documents.

use std::collections::BTreeMap;

use automerge::Automerge;

use crate::schema::order_requests_doc::{StoredRequest, read_requests};
use domain::channel::{ChannelPrices, at_channel_prices};
use domain::checkout::{Checkout, spend_balances};
use domain::inventory::Inventory;
use domain::order::{
    OrderConfirmation, OrderRequest, RequestId, confirm_order, reject_unreadable, reserve_stock,
};
use domain::order_state::OrderState;
use domain::price_book::PriceBook;
use domain::price_hold::{PricesThen, WithProducts, held_since};
use domain::pricing::ProductLookup;
use domain::promotion::PromotionUsage;
use domain::quota::Period;
use domain::sku::{Sku, WarehouseId};

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
    catalog: &impl ProductLookup,
    book: &PriceBook,
    checkout: &Checkout<'_>,
    stock: StockSource<'_>,
    is_applied: impl Fn(&RequestId) -> bool,
    next_number: impl FnMut() -> String,
    now_ms: i64,
) -> Vec<OrderConfirmation> {
    answer_requests(
        read_requests(orders),
        catalog,
        book,
        checkout,
        &[],
        &BTreeMap::new(),
        stock,
        is_applied,
        next_number,
        now_ms,
    )
}

/// [`answer_new_requests`] for requests already read (the server reads only the ones a
/// sync brought), with the prices the shop's devices had at the times their requests hold
/// prices from (`held`, for the distributor's price hold; see [`held_since`]), and the
/// prices another channel charged for its orders (`channel`, by request key; see
/// [`domain::channel`]): those lines cost what it charged, with none of the distributor's
/// promotions on top.
#[allow(clippy::too_many_arguments)]
pub fn answer_requests(
    stored_requests: Vec<StoredRequest>,
    catalog: &impl ProductLookup,
    book: &PriceBook,
    checkout: &Checkout<'_>,
    held: &[PricesThen],
    channel: &BTreeMap<String, ChannelPrices>,
    mut stock: StockSource<'_>,
    is_applied: impl Fn(&RequestId) -> bool,
    mut next_number: impl FnMut() -> String,
    now_ms: i64,
) -> Vec<OrderConfirmation> {
    // Orders answered earlier in this batch count toward promotion limits and quotas.
    let mut usage = checkout.usage.clone();
    let mut ordered = checkout.ordered.clone();
    let mut profile = checkout.profile.clone();
    let mut answers = Vec::new();
    for stored in stored_requests {
        let Ok(id) = RequestId::parse(&stored.key) else {
            continue;
        };
        if is_applied(&id) {
            continue;
        }
        let answer = match stored.request {
            Ok(request) => {
                let current = Checkout {
                    usage: &usage,
                    ordered: &ordered,
                    profile: &profile,
                    ..*checkout
                };
                let mut answer = confirm_request(
                    &request,
                    channel.get(&stored.key),
                    catalog,
                    book,
                    &current,
                    held,
                    next_number(),
                    now_ms,
                );
                settle(&mut answer, &request, checkout, &mut stock, now_ms);
                if answer.state != OrderState::Rejected {
                    count_use(&answer, checkout, &mut usage, &mut ordered);
                    if let Some(quote) = &answer.quote {
                        spend_balances(&mut profile, quote);
                    }
                }
                answer
            }
            Err(detail) => reject_unreadable(&id, detail, next_number(), now_ms),
        };
        answers.push(answer);
    }
    answers
}

/// The first half of answering one request (`checkout` as the orders answered before it
/// in the batch left it): priced (at `channel`'s prices when another channel placed it,
/// under the price hold at the prices its device had), promotions applied, the shop's
/// credit and quotas checked. Nothing here depends on stock, so the server does it outside
/// its writer and keeps it while nothing it read has moved.
#[allow(clippy::too_many_arguments)]
pub fn confirm_request(
    request: &OrderRequest,
    channel: Option<&ChannelPrices>,
    catalog: &impl ProductLookup,
    book: &PriceBook,
    checkout: &Checkout<'_>,
    held: &[PricesThen],
    number: String,
    now_ms: i64,
) -> OrderConfirmation {
    match channel {
        Some(prices) => {
            let (replaced, merged) = at_channel_prices(catalog, book, prices);
            let theirs = WithProducts {
                catalog,
                replaced: &replaced,
            };
            let without_promotions = Checkout {
                promotions: &[],
                ..*checkout
            };
            let mut answer = confirm_order(
                request,
                &theirs,
                &merged,
                &without_promotions,
                None,
                number,
                now_ms,
            );
            mark_channel_lines(&mut answer, prices);
            answer
        }
        None => {
            // Under the distributor's price hold, the prices this request's device had.
            let then = checkout
                .terms
                .approval
                .as_ref()
                .and_then(|rules| held_since(request, rules.price_hold_hours, now_ms))
                .and_then(|since| held.iter().find(|then| then.as_of_ms == since));
            confirm_order(request, catalog, book, checkout, then, number, now_ms)
        }
    }
}

/// The second half: stock reserved for a confirmed order (or backordered), and the order
/// held for the shop's OK when the distributor's rules ask for it.
pub fn settle(
    answer: &mut OrderConfirmation,
    request: &OrderRequest,
    checkout: &Checkout<'_>,
    stock: &mut StockSource<'_>,
    now_ms: i64,
) {
    reserve_stock(answer, stock.inventory, stock.nearest_first, now_ms);
    if let Some(rules) = &checkout.terms.approval {
        domain::order::hold_for_shop_ok(answer, request, rules, now_ms);
    }
}

/// Names the channel as the source of the price of each line it priced.
fn mark_channel_lines(answer: &mut OrderConfirmation, prices: &ChannelPrices) {
    let quoted = answer
        .quote
        .iter_mut()
        .flat_map(|q| q.lines.iter_mut().map(|l| &mut l.line));
    for line in answer.priced.lines.iter_mut().chain(quoted) {
        if prices.contains_key(&line.sku) {
            line.price_source = domain::price_book::PriceSource::Channel;
        }
    }
}

/// Adds a confirmed order to the promotion counts and to what the shop ordered this period.
fn count_use(
    answer: &OrderConfirmation,
    checkout: &Checkout<'_>,
    usage: &mut PromotionUsage,
    ordered: &mut BTreeMap<(Sku, Period), u32>,
) {
    let promotions = answer.quote.as_ref().map_or(&[][..], |q| &q.promotions[..]);
    domain::checkout::add_use(
        promotions,
        answer.priced.lines.iter().map(|l| (&l.sku, l.quantity)),
        &checkout.profile.quotas,
        (usage, ordered),
    );
}
