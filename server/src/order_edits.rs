//! Staff change an order's lines before picking (add, remove, change a quantity) with a
//! reason. The order is taken back as if never placed — its reservations released, the
//! points and prepaid balance it took given back, its promotion uses and quota counts
//! forgotten — then priced, checked and reserved again by the same intake engine as the
//! shop's own requests, from the tables as they are now. An order the engine would reject
//! is refused with the reason and nothing changes. The order keeps its number and
//! history; the edit (who, when, why, each line before and after, the total before and
//! after) is written on it, where the shop sees it.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use docs::intake::{StockSource, answer_requests};
use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::{StoredRequest, read_entries_at};
use domain::checkout::{refund_balances, spend_balances};
use domain::fulfilment::{self, check_editable};
use domain::money::Money;
use domain::order::{
    HistoryFact, OrderConfirmation, OrderEdit, OrderRequest, StatusEvent, line_edits,
};
use domain::order_state::OrderState;
use domain::pricing::{PricedOrder, RequestedLine};
use domain::sku::Sku;

use crate::app_error::AppError;
use crate::fulfilment::{Applied, publish_applied, refused, resolve};
use crate::order_intake::Pricing;
use crate::state::OrderWork;
use crate::store::{Tx, catalog, commerce, documents, money, orders, stock};

/// The request the order was placed with, from its shop's requests document; for an
/// order whose request cannot be read there, one rebuilt from the order.
fn original_request(
    tx: &mut Tx<'_>,
    work: OrderWork<'_>,
    order: &OrderConfirmation,
    shop: &domain::sku::ShopId,
    volume: u32,
) -> Result<OrderRequest, AppError> {
    let key = order.request_id.to_string();
    let id = DocId::OrderRequests(shop.clone(), volume);
    let mut stored = None;
    if let Some(loaded) = documents::load(tx, work.docs.cache, &id)? {
        stored = read_entries_at(&loaded.doc, std::slice::from_ref(&key))
            .requests
            .pop()
            .and_then(|stored| stored.request.ok());
        // Unchanged: nothing is written, and the document goes back to the cache.
        documents::put_back(tx, id, loaded)?;
    }
    Ok(stored.unwrap_or_else(|| OrderRequest {
        expected: order.priced.clone(),
        redeem_points: order.quote.as_ref().map_or(0, |q| q.points_redeemed),
        use_prepaid: order
            .quote
            .as_ref()
            .is_some_and(|q| !q.prepaid_used.is_zero()),
        ..OrderRequest::new(
            order.request_id.clone(),
            shop.clone(),
            order.placed_at_ms,
            "",
            Vec::new(),
        )
    }))
}

/// Changes the lines of the order `id` to `lines` (by `by`, for `reason`) and publishes
/// it. 409 when picking started or the engine would reject the changed order.
pub fn edit_lines(
    tx: &mut Tx<'_>,
    work: OrderWork<'_>,
    by: &str,
    id: &str,
    lines: Vec<RequestedLine>,
    reason: &str,
) -> Result<OrderConfirmation, AppError> {
    let request_id = resolve(tx, id)?;
    let Some((shop, volume, order)) = orders::confirmation(tx, &request_id)? else {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_order",
            "no such order",
        ));
    };
    check_editable(&order).map_err(refused)?;
    let now = tx.now_ms;
    let original = original_request(tx, work, &order, &shop, volume)?;

    // Take the order back: its balances, promotion uses and quota counts.
    let mut profile = commerce::profile(tx, &shop)?;
    let (prepaid_before, points_before) = (
        crate::order_intake::prepaid_of(&profile),
        profile.points_balance,
    );
    let terms = commerce::terms_of(&profile);
    let owed_before = commerce::owed_by(&order, terms)?;
    if let Some(quote) = &order.quote {
        refund_balances(&mut profile, quote);
        commerce::set_profile(tx, &shop, &profile)?;
    }
    if let (false, true) = (owed_before.is_zero(), profile.account.is_some()) {
        let owed = owed_before;
        let back = Money::zero(owed.currency())
            .checked_sub(owed)
            .map_err(anyhow::Error::from)?;
        commerce::add_unbilled(tx, &shop, back)?;
    }
    commerce::forget_uses(tx, &shop, &request_id)?;
    let received_ms = orders::take_lines(tx, &request_id)?;

    // Price it again as the intake would, with its reservations released.
    let skus: BTreeSet<Sku> = lines
        .iter()
        .map(|l| l.sku.clone())
        .chain(fulfilment::ordered_quantities(&order).into_keys())
        .collect();
    let pricing = Pricing::load(tx, work.catalog, &shop, &skus, now)?;
    let gifts = pricing.promotions.iter().filter_map(|p| p.kind.gift_sku());
    let before = stock::levels(tx, skus.iter().chain(gifts))?;
    let mut inventory = before.clone();
    inventory.release(&order.allocations);
    let nearest_first = catalog::nearest_warehouses(tx, &shop)?;
    let request = OrderRequest {
        lines,
        expected: PricedOrder {
            lines: Vec::new(),
            refused: Vec::new(),
            total: order.priced.total,
        },
        ..original
    };
    // Priced again as it was: under the price hold it held prices from, if any.
    let held = pricing.held(tx, &shop, [&request], &skus, now)?;
    // Lines another channel priced keep its prices.
    let channel = crate::store::orders::channel_prices(tx, [request_id.as_str()])?;
    let answer = answer_requests(
        vec![StoredRequest {
            key: request_id.clone(),
            request: Ok(request),
        }],
        pricing.products.as_ref(),
        &pricing.book,
        &pricing.checkout(&shop),
        &held,
        &channel,
        StockSource {
            inventory: &mut inventory,
            nearest_first: &nearest_first,
        },
        |_| false,
        || order.number.clone(),
        now,
    )
    .pop()
    .ok_or_else(|| anyhow::anyhow!("an edited order was not answered"))?;
    if answer.state == OrderState::Rejected || !answer.priced.refused.is_empty() {
        let why = answer
            .history
            .last()
            .map(|e| e.reason.clone())
            .unwrap_or_default();
        return Err(AppError::detailed(
            StatusCode::CONFLICT,
            "edit_refused",
            why,
            &answer,
        ));
    }

    crate::order_intake::record_our_prices(tx, &pricing, &channel, std::slice::from_ref(&answer))?;
    // The order as it now is: its number, history and what came before kept.
    let total = |o: &OrderConfirmation| o.quote.as_ref().map_or(o.priced.total, |q| q.total);
    let edit = OrderEdit {
        at_ms: now,
        by: by.to_owned(),
        reason: reason.to_owned(),
        lines: line_edits(&order.priced, &answer.priced),
        total_was: total(&order),
        total_now: total(&answer),
    };
    let state = if order.state == OrderState::OnHold {
        OrderState::OnHold
    } else {
        answer.state
    };
    let mut edited = OrderConfirmation {
        state,
        history: order.history.clone(),
        changes: order.changes.clone(),
        placed_at_ms: order.placed_at_ms,
        edits: order.edits.clone(),
        ..answer
    };
    edited.edits.push(edit);
    edited.history.push(StatusEvent::fact(
        state,
        now,
        by,
        HistoryFact::LinesChanged {
            reason: reason.to_owned(),
        },
    ));
    let history_len = order.history.len();

    // What the changed order takes.
    let mut spent = commerce::profile(tx, &shop)?;
    if let Some(quote) = &edited.quote {
        spend_balances(&mut spent, quote);
        commerce::set_profile(tx, &shop, &spent)?;
    }
    // What the change moved in the prepaid balance and points, as entries.
    let why = "订单修改 order changed";
    money::add_points_entry(
        tx,
        &shop,
        by,
        (&edited.number, why),
        (points_before, spent.points_balance),
    )?;
    if let (Some(before), Some(after)) = (prepaid_before, crate::order_intake::prepaid_of(&spent))
        && before != after
    {
        money::add_entry(
            tx,
            &shop,
            by,
            domain::ledger::EntryKind::Prepaid,
            (&edited.number, why),
            (
                after.checked_sub(before).map_err(anyhow::Error::from)?,
                after,
            ),
        )?;
    }
    let owed = commerce::owed_by(&edited, terms)?;
    if !owed.is_zero() && spent.account.is_some() {
        commerce::add_unbilled(tx, &shop, owed)?;
    }
    commerce::record_uses(tx, &shop, std::slice::from_ref(&edited))?;
    orders::put_lines(tx, &shop, &edited, received_ms)?;
    stock::save(tx, &before, &inventory)?;
    orders::update(tx, &edited)?;
    for event in edited.history.iter().skip(history_len) {
        orders::add_event(
            tx,
            &request_id,
            event.state,
            event.at_ms,
            &event.actor,
            &event.reason,
        )?;
    }
    let applied = Applied {
        shop: shop.clone(),
        volume,
        order: edited,
        shipment: None,
        profile: Some(commerce::ordering_profile(tx, &shop)?),
        touched_return: None,
        account: None,
    };
    publish_applied(tx, work.docs, &applied)?;
    Ok(applied.order)
}
