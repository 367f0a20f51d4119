//! Orders placed by the server for a shop: the back office's order entry (代客下单) and
//! a return's replacement. The request is written into the shop's current order volume
//! the way a device writes it, then taken in by the same intake in the same transaction:
//! priced by the same engine from the server's tables, numbered, reserved, exactly once,
//! and answered in the shop's status document, so it appears on the shop's devices like
//! any other order.

use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::{StoredRequest, add_request};
use docs::schema::order_status_doc::{encode_confirmation, put_encoded_confirmations};
use docs::schema::price_doc::{write_account, write_profile};
use domain::order::{OrderConfirmation, OrderRequest, RequestId};
use domain::pricing::{PricedOrder, RequestedLine};
use domain::returns::{self, ReturnError};
use domain::sku::ShopId;

use crate::app_error::AppError;
use crate::fulfilment::Docs;
use crate::order_intake::{open_next_volume, take_in_orders, volume_full};
use crate::state::OrderWork;
use crate::store::{Tx, catalog, documents, orders, stock};

/// What the server places: for whom, what, by whom, from which channel.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The request's id: a new one when none (an import derives it from its file, so the
    /// same file places nothing twice).
    pub id: Option<RequestId>,
    pub shop: ShopId,
    pub lines: Vec<RequestedLine>,
    pub placed_by: String,
    pub note: String,
    pub pickup: bool,
    pub use_prepaid: bool,
    pub coupon_codes: Vec<String>,
    /// The order as staff were shown it (the preview), so the shop sees only what the
    /// server changed since.
    pub expected: PricedOrder,
    /// `office` or `import`.
    pub channel: &'static str,
}

/// A new request id from the server's randomness.
pub fn new_request_id() -> Result<RequestId, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(RequestId::from_random_bytes(bytes))
}

/// Places `placement` as an order of its shop and answers it, once: an id placed before
/// answers the order it made. Returns the confirmation (a rejected one too: the caller
/// decides whether that is an error).
pub fn place(
    tx: &mut Tx<'_>,
    work: OrderWork<'_>,
    placement: Placement,
) -> Result<OrderConfirmation, AppError> {
    let (docs, catalog_cache, volume_bytes) = (work.docs, work.catalog, work.volume_bytes);
    let id = match placement.id {
        Some(id) => id,
        None => new_request_id()?,
    };
    if let Some((_, _, order)) = orders::confirmation(tx, id.as_str())? {
        return Ok(order);
    }
    let shop = placement.shop.clone();
    let request = OrderRequest {
        expected: placement.expected,
        note: placement.note,
        coupon_codes: placement.coupon_codes,
        use_prepaid: placement.use_prepaid,
        pickup: placement.pickup,
        ..OrderRequest::new(
            id,
            shop.clone(),
            tx.now_ms,
            placement.placed_by,
            placement.lines,
        )
    };
    let volume = orders::current_volume(tx, &shop)?;
    documents::edit(
        tx,
        docs.cache,
        &DocId::OrderRequests(shop.clone(), volume),
        docs.actor,
        |doc| add_request(doc, &request),
    )?;
    let status_id = DocId::OrderStatus(shop.clone(), volume);
    let mut status = documents::load(tx, docs.cache, &status_id)?
        .ok_or_else(|| anyhow::anyhow!("{status_id} is missing"))?;
    status.doc.set_actor(docs.actor.clone());
    let now = tx.now_ms;
    let full = volume_full(tx, &shop, volume, volume_bytes)?;
    let intake = take_in_orders(
        tx,
        catalog_cache,
        &shop,
        volume,
        vec![StoredRequest {
            key: request.id.to_string(),
            request: Ok(request.clone()),
        }],
        &mut status.doc,
        0,
        placement.channel,
        None,
        now,
    )?;
    if intake.answered > 0 && full {
        open_next_volume(tx, &shop, volume, &mut status.doc, docs.actor)?;
    }
    documents::put_back(tx, status_id, status)?;
    if let Some(profile) = &intake.profile {
        documents::edit(
            tx,
            docs.cache,
            &DocId::ShopPrices(shop.clone()),
            docs.actor,
            |doc| {
                write_profile(doc, profile)?;
                match &intake.account {
                    Some(account) => write_account(doc, account),
                    None => Ok(()),
                }
            },
        )?;
    }
    let (_, _, order) = orders::confirmation(tx, request.id.as_str())?
        .ok_or_else(|| anyhow::anyhow!("the order placed for {shop} was not recorded"))?;
    Ok(order)
}

/// Sends again, at no charge, what came back with the return at `index` of `original`:
/// a new order of the shop (channel `replacement`) reserving stock like any other,
/// written with its request into the shop's current order volume so its devices show it.
pub fn place_replacement(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    shop: &ShopId,
    original: &OrderConfirmation,
    index: usize,
    by: &str,
) -> Result<OrderConfirmation, AppError> {
    let now = tx.now_ms;
    let lines: Vec<RequestedLine> = returns::replacement_lines(original, index)
        .into_iter()
        .map(|(sku, quantity)| RequestedLine { sku, quantity })
        .collect();
    // Stock first, then the order counter: the order intake's lock order.
    let before = stock::levels(tx, lines.iter().map(|l| &l.sku))?;
    let mut inventory = before.clone();
    let numbers = orders::take_numbers(tx, 1)?;
    let seq = numbers.seq;
    let request_id = new_request_id()?;
    let mut order = returns::replacement_order(
        original,
        index,
        request_id.clone(),
        format!("DH-{seq:06}"),
        by,
        now,
    )
    .ok_or_else(|| crate::fulfilment::refused_return(ReturnError::NothingToReturn))?;
    let nearest = catalog::nearest_warehouses(tx, shop)?;
    domain::order::reserve_stock(&mut order, &mut inventory, &nearest, now);
    stock::save(tx, &before, &inventory)?;
    let volume = orders::current_volume(tx, shop)?;
    let encoded = encode_confirmation(&order).map_err(anyhow::Error::from)?;
    orders::insert(
        tx,
        numbers,
        shop,
        volume,
        (&order, encoded.1.as_str()),
        orders::Origin {
            placed_by: by,
            device: 0,
            channel: "replacement",
            home_warehouse: nearest.first().map(|w| w.as_str()),
        },
        &Default::default(),
        now,
    )?;
    let request = OrderRequest {
        expected: order.priced.clone(),
        note: order
            .history
            .first()
            .map(|e| e.reason.clone())
            .unwrap_or_default(),
        ..OrderRequest::new(request_id, shop.clone(), now, by, lines)
    };
    documents::edit(
        tx,
        docs.cache,
        &DocId::OrderRequests(shop.clone(), volume),
        docs.actor,
        |doc| add_request(doc, &request),
    )?;
    documents::edit(
        tx,
        docs.cache,
        &DocId::OrderStatus(shop.clone(), volume),
        docs.actor,
        |doc| put_encoded_confirmations(doc, std::slice::from_ref(&encoded)),
    )?;
    Ok(order)
}
