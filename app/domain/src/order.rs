//! An order as a shop requests it (possibly offline, with a device-minted id) and as the
//! server confirms it: the records both sides exchange, and the confirmation rule.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::checkout::{Checkout, check_blocks, quote_request};
use super::fulfilment::{ShipmentRecord, ordered_quantities};
use super::inventory::{Allocation, Inventory};
use super::money::{Currency, Money};
use super::order_state::{OrderEvent, OrderState};
use super::price_book::PriceBook;
use super::pricing::{
    LineChange, PriceOrderResult, PricedOrder, ProductLookup, RequestedLine, changes_between,
    price_order,
};
use super::quote::Quote;
use super::sku::{ShopId, Sku, WarehouseId};

/// A device-minted order id: 32 lowercase hex digits (128 random bits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct RequestId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order request id is 32 lowercase hex digits, got {0:?}")]
pub struct RequestIdError(String);

impl RequestId {
    pub fn parse(value: &str) -> Result<RequestId, RequestIdError> {
        if value.len() == 32
            && value
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        {
            Ok(RequestId(value.to_owned()))
        } else {
            Err(RequestIdError(value.chars().take(64).collect()))
        }
    }

    /// Builds an id from 16 random bytes supplied by the caller.
    pub fn from_random_bytes(bytes: [u8; 16]) -> RequestId {
        RequestId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RequestId {
    type Error = RequestIdError;
    fn try_from(value: String) -> Result<RequestId, RequestIdError> {
        RequestId::parse(&value)
    }
}

impl From<RequestId> for String {
    fn from(value: RequestId) -> String {
        value.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a device writes when the shop places an order. Immutable once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderRequest {
    pub id: RequestId,
    pub shop: ShopId,
    /// The device's clock when the order was placed, in milliseconds since 1970 (advisory).
    pub placed_at_ms: i64,
    pub placed_by: String,
    pub lines: Vec<RequestedLine>,
    /// The order as the device priced it, so the shop can see what the server changed.
    pub expected: PricedOrder,
    #[serde(default)]
    pub note: String,
    /// Coupon codes entered at checkout.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupon_codes: Vec<String>,
    /// Points the shop chose to pay with.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redeem_points: u32,
    /// Pay what the prepaid balance covers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_prepaid: bool,
    /// Collected at the warehouse instead of delivered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pickup: bool,
    /// The whole quote the device showed (promotions, shipping, tax, amount due).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_quote: Option<Quote>,
    /// When the device last received its prices (server time): what it showed is held
    /// from then for the distributor's price hold ([`crate::price_hold`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices_as_of_ms: Option<i64>,
}

impl OrderRequest {
    /// A request for `lines` with nothing else chosen (no note, coupons, points, prepaid
    /// balance or pickup) and nothing priced yet: the fields a caller sets beyond those
    /// follow with struct update syntax.
    pub fn new(
        id: RequestId,
        shop: ShopId,
        placed_at_ms: i64,
        placed_by: impl Into<String>,
        lines: Vec<RequestedLine>,
    ) -> OrderRequest {
        OrderRequest {
            id,
            shop,
            placed_at_ms,
            placed_by: placed_by.into(),
            lines,
            expected: PricedOrder {
                lines: Vec::new(),
                refused: Vec::new(),
                total: Money::zero(Currency::Cny),
            },
            note: String::new(),
            coupon_codes: Vec::new(),
            redeem_points: 0,
            use_prepaid: false,
            pickup: false,
            expected_quote: None,
            prices_as_of_ms: None,
        }
    }
}

/// A shop's request to cancel one of its orders, written on a device (offline too) under its
/// own device-minted id, beside the order's request; the server applies it once. Before
/// picking starts the order is cancelled; after, the request goes to staff to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelRequest {
    pub id: RequestId,
    pub shop: ShopId,
    /// The order to cancel.
    pub cancels: RequestId,
    /// The device's clock, advisory.
    pub placed_at_ms: i64,
    pub placed_by: String,
    #[serde(default)]
    pub reason: String,
}

/// A shop's OK to an order the server held for it (`HistoryFact::AwaitingShop`): the order
/// as the server priced it is accepted. Written on a device (offline too) beside the
/// order's request under its own device-minted id; the server applies it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptRequest {
    pub id: RequestId,
    pub shop: ShopId,
    /// The order accepted.
    pub accepts: RequestId,
    /// The device's clock, advisory.
    pub placed_at_ms: i64,
    pub placed_by: String,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// One recorded change of state: who, when, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusEvent {
    pub state: OrderState,
    pub at_ms: i64,
    pub actor: String,
    /// Why, as typed by a person, or in English for what the system did.
    pub reason: String,
    /// What the system did, as facts a screen words in its reader's language (the
    /// `reason` then says the same in English, for logs and older screens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<HistoryFact>,
}

impl StatusEvent {
    /// A line typed by a person (or with nothing to word): `reason` is what is shown.
    pub fn said(state: OrderState, at_ms: i64, actor: &str, reason: String) -> StatusEvent {
        StatusEvent {
            state,
            at_ms,
            actor: actor.to_owned(),
            reason,
            fact: None,
        }
    }

    /// A line the system writes: `fact`, worded in English as its `reason`.
    pub fn fact(state: OrderState, at_ms: i64, actor: &str, fact: HistoryFact) -> StatusEvent {
        StatusEvent {
            state,
            at_ms,
            actor: actor.to_owned(),
            reason: fact.english(),
            fact: Some(fact),
        }
    }
}

/// What a line of an order's history records when the system (not a person's words)
/// says what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryFact {
    /// Not in stock when confirmed: these wait for stock.
    Backordered {
        lines: BTreeMap<Sku, u32>,
    },
    /// Stock arrived: these were reserved, those still wait.
    StockArrived {
        reserved: BTreeMap<Sku, u32>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        waiting: BTreeMap<Sku, u32>,
    },
    Shipped {
        shipment: String,
        warehouse: WarehouseId,
        carrier: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        tracking: String,
        lines: BTreeMap<Sku, u32>,
    },
    ShipmentDelivered {
        shipment: String,
    },
    /// The shop cancelled it (before picking), saying why.
    CancelledByShop {
        reason: String,
    },
    /// The shop asked to cancel once picking had started: staff decide.
    ShopAsksToCancel {
        reason: String,
    },
    /// A return of the order reached `state`, with the note of that step.
    Return {
        number: String,
        state: crate::returns::ReturnState,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
    /// This order replaces the goods of the return named.
    Replacement {
        of: String,
    },
    /// Staff changed the order's lines, saying why.
    LinesChanged {
        reason: String,
    },
    /// The server's result costs the shop more than the phone showed (beyond the
    /// distributor's tolerance) or drops lines: held, stock reserved, until the shop
    /// accepts or cancels it, or `until_ms` passes.
    AwaitingShop {
        /// What the phone showed the shop would pay, and what the server asks.
        expected: Money,
        total: Money,
        /// Lines the server could not take.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        dropped: Vec<Sku>,
        until_ms: i64,
    },
    /// Prices held (the distributor's price hold): these lines were priced as they were
    /// when the shop's device received its prices at `as_of_ms`, lower than now.
    PricesHeld {
        as_of_ms: i64,
        skus: Vec<Sku>,
    },
    /// The shop accepted the order as the server priced it.
    ShopAccepted,
    /// The shop did not answer in time: cancelled, its stock released.
    NotAnswered,
    /// The server refused the whole order.
    Rejected {
        rejection: OrderRejection,
    },
}

/// `SKU × n, …`.
pub fn describe_lines(lines: &BTreeMap<Sku, u32>) -> String {
    lines
        .iter()
        .map(|(sku, quantity)| format!("{sku} × {quantity}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl HistoryFact {
    /// The fact in English, as the history's `reason` keeps it.
    pub fn english(&self) -> String {
        match self {
            HistoryFact::Backordered { lines } => {
                format!("not in stock now, backordered: {}", describe_lines(lines))
            }
            HistoryFact::StockArrived { reserved, waiting } if waiting.is_empty() => {
                format!("stock arrived, reserved: {}", describe_lines(reserved))
            }
            HistoryFact::StockArrived { reserved, waiting } => format!(
                "stock arrived, reserved: {}; still waiting: {}",
                describe_lines(reserved),
                describe_lines(waiting)
            ),
            HistoryFact::Shipped {
                shipment,
                warehouse,
                carrier,
                tracking,
                lines,
            } => format!(
                "shipment {shipment} from {warehouse} by {carrier}{}: {}",
                if tracking.is_empty() {
                    String::new()
                } else {
                    format!(" ({tracking})")
                },
                describe_lines(lines)
            ),
            HistoryFact::ShipmentDelivered { shipment } => format!("shipment {shipment} delivered"),
            HistoryFact::CancelledByShop { reason } => format!("cancelled by the shop: {reason}"),
            HistoryFact::ShopAsksToCancel { reason } => {
                format!("the shop asks to cancel: {reason}")
            }
            HistoryFact::Return {
                number,
                state,
                note,
            } if note.is_empty() => format!("return {number} {}", state.name()),
            HistoryFact::Return {
                number,
                state,
                note,
            } => format!("return {number} {}: {note}", state.name()),
            HistoryFact::Replacement { of } => format!("replacement for {of}"),
            HistoryFact::LinesChanged { reason } => format!("lines changed: {reason}"),
            HistoryFact::AwaitingShop {
                expected,
                total,
                dropped,
                ..
            } => format!(
                "waiting for the shop's OK: {total} instead of {expected}{}",
                if dropped.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", without {}",
                        dropped
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
            HistoryFact::PricesHeld { skus, .. } => format!(
                "priced as the phone showed: {}",
                skus.iter().map(Sku::as_str).collect::<Vec<_>>().join(", ")
            ),
            HistoryFact::ShopAccepted => "accepted by the shop".to_owned(),
            HistoryFact::NotAnswered => "the shop did not answer in time".to_owned(),
            HistoryFact::Rejected { rejection } => rejection.to_string(),
        }
    }
}

/// The server's answer to an order request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderConfirmation {
    pub request_id: RequestId,
    /// The order number shown to people, such as `DH-000042`.
    pub number: String,
    pub state: OrderState,
    pub priced: PricedOrder,
    pub changes: Vec<LineChange>,
    pub placed_at_ms: i64,
    pub history: Vec<StatusEvent>,
    /// The server's quote: promotions, gifts, shipping, tax, points and amount due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<Quote>,
    /// Stock reserved for the order, per warehouse.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allocations: Vec<Allocation>,
    /// SKU → quantity confirmed but not in stock now: delivered when it arrives.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub backordered: BTreeMap<Sku, u32>,
    /// What left the warehouses, one record per shipment, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<ShipmentRecord>,
    /// Returns of its goods, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<crate::returns::ReturnRecord>,
    /// Changes staff made to its lines before picking, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<OrderEdit>,
    /// Collected at the warehouse by the shop instead of delivered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pickup: bool,
}

/// Staff changed an order's lines (before picking): who, when, why, each line's quantity
/// before and after, and the order's total before and after (re-priced, re-reserved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderEdit {
    pub at_ms: i64,
    pub by: String,
    pub reason: String,
    pub lines: Vec<LineEdit>,
    pub total_was: Money,
    pub total_now: Money,
}

/// One line's quantity before and after an edit (0: not on the order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineEdit {
    pub sku: Sku,
    pub was: u32,
    pub now: u32,
}

/// The lines whose quantity differs between `before` and `after`, by SKU.
pub fn line_edits(before: &PricedOrder, after: &PricedOrder) -> Vec<LineEdit> {
    let mut quantities: BTreeMap<&Sku, (u32, u32)> = BTreeMap::new();
    for line in &before.lines {
        quantities.entry(&line.sku).or_default().0 += line.quantity;
    }
    for line in &after.lines {
        quantities.entry(&line.sku).or_default().1 += line.quantity;
    }
    quantities
        .into_iter()
        .filter(|(_, (was, now))| was != now)
        .map(|(sku, (was, now))| LineEdit {
            sku: sku.clone(),
            was,
            now,
        })
        .collect()
}

/// Why the server rejects a whole order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum OrderRejection {
    #[error("no line of the order can be supplied")]
    NothingOrderable,
    #[error("the order is for another shop")]
    WrongShop,
    #[error("the order could not be read: {detail}")]
    Unreadable { detail: String },
    #[error("the order could not be priced: {detail}")]
    Unpriceable { detail: String },
    /// The shop's account does not allow it now (credit, quota).
    #[error("{detail}")]
    Blocked { detail: String },
}

/// How long after it was placed an order is still priced at its placement time.
pub const PLACEMENT_PRICE_GRACE_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// The time an order is priced at: when it was placed (offline, perhaps days ago) so dated
/// prices and promotions the shop saw still hold, but never later than its arrival and
/// never more than [`PLACEMENT_PRICE_GRACE_MS`] before it (a device clock is only advisory).
pub fn pricing_time(placed_at_ms: i64, received_ms: i64) -> i64 {
    placed_at_ms.clamp(
        received_ms.saturating_sub(PLACEMENT_PRICE_GRACE_MS),
        received_ms,
    )
}

/// Confirms (or rejects) `request` against the server's own catalog, prices, promotions,
/// terms and the shop's account: the order is quoted with [`quote_request`] at its
/// [`pricing_time`], then the shop's credit and quotas are checked. Under a price hold
/// (`then`: the prices its device had), each SKU is priced at the lower of then and now
/// ([`crate::price_hold::lower_of`]). The number and time come from the caller; nothing
/// here reads a clock.
pub fn confirm_order(
    request: &OrderRequest,
    catalog: &impl ProductLookup,
    book: &PriceBook,
    checkout: &Checkout<'_>,
    then: Option<&crate::price_hold::PricesThen>,
    number: String,
    now_ms: i64,
) -> OrderConfirmation {
    let at = pricing_time(request.placed_at_ms, now_ms);
    let (replaced, merged, held) = match then {
        Some(then) => {
            let (replaced, merged, held) =
                crate::price_hold::lower_of(request, catalog, book, then, at);
            (replaced, std::borrow::Cow::Owned(merged), held)
        }
        None => (
            BTreeMap::new(),
            std::borrow::Cow::Borrowed(book),
            Vec::new(),
        ),
    };
    let catalog = &crate::price_hold::WithProducts {
        catalog,
        replaced: &replaced,
    };
    let book = &*merged;
    let shop = checkout.shop;
    let event = |state, fact: HistoryFact| StatusEvent::fact(state, now_ms, "server", fact);
    let reject = |rejection: OrderRejection| OrderConfirmation {
        request_id: request.id.clone(),
        number: number.clone(),
        state: OrderState::Rejected,
        priced: PricedOrder {
            lines: vec![],
            refused: vec![],
            total: Money::zero(Currency::Cny),
        },
        changes: vec![],
        placed_at_ms: request.placed_at_ms,
        history: vec![event(
            OrderState::Rejected,
            HistoryFact::Rejected { rejection },
        )],
        quote: None,
        allocations: vec![],
        backordered: BTreeMap::new(),
        shipments: vec![],
        returns: vec![],
        edits: vec![],
        pickup: request.pickup,
    };
    if &request.shop != shop {
        return reject(OrderRejection::WrongShop);
    }
    let priced: PriceOrderResult = price_order(&request.lines, catalog, book, Currency::Cny, at);
    let priced = match priced {
        Ok(priced) => priced,
        Err(error) => {
            return reject(OrderRejection::Unpriceable {
                detail: error.to_string(),
            });
        }
    };
    if priced.lines.is_empty() {
        let mut rejected = reject(OrderRejection::NothingOrderable);
        rejected.changes = changes_between(&request.expected, &priced);
        rejected.priced = priced;
        return rejected;
    }
    let changes = changes_between(&request.expected, &priced);
    let quote = match quote_request(request, catalog, book, checkout, at) {
        Ok(quote) => quote,
        Err(error) => {
            return reject(OrderRejection::Unpriceable {
                detail: error.to_string(),
            });
        }
    };
    if let Err(blocked) = check_blocks(request, &quote, checkout, now_ms) {
        let mut rejected = reject(OrderRejection::Blocked {
            detail: blocked.to_string(),
        });
        rejected.changes = changes;
        rejected.priced = priced;
        rejected.quote = Some(quote);
        return rejected;
    }
    let state = OrderState::Submitted
        .apply(OrderEvent::Confirm)
        .unwrap_or(OrderState::Submitted);
    OrderConfirmation {
        request_id: request.id.clone(),
        number,
        state,
        priced,
        changes,
        placed_at_ms: request.placed_at_ms,
        history: match then {
            Some(then) if !held.is_empty() => vec![StatusEvent::fact(
                state,
                now_ms,
                "server",
                HistoryFact::PricesHeld {
                    as_of_ms: then.as_of_ms,
                    skus: held,
                },
            )],
            _ => vec![StatusEvent::said(state, now_ms, "server", String::new())],
        },
        quote: Some(quote),
        allocations: vec![],
        backordered: BTreeMap::new(),
        shipments: vec![],
        returns: vec![],
        edits: vec![],
        pickup: request.pickup,
    }
}

/// Holds `confirmation` for the shop's OK when the distributor asks for it (`rules`) and
/// the server's result differs from what the phone showed (`request.expected_quote`): it
/// costs more beyond the tolerance, or some requested line is not in it. The stock stays
/// reserved; the history says what differs and until when the shop may answer. Orders
/// without a phone's quote (entered by staff) are never held.
pub fn hold_for_shop_ok(
    confirmation: &mut OrderConfirmation,
    request: &OrderRequest,
    rules: &super::checkout::ApprovalRules,
    now_ms: i64,
) {
    let (Some(expected), Some(quote)) = (&request.expected_quote, &confirmation.quote) else {
        return;
    };
    let dropped: Vec<Sku> = request
        .expected
        .lines
        .iter()
        .filter(|line| !confirmation.priced.lines.iter().any(|l| l.sku == line.sku))
        .map(|line| line.sku.clone())
        .collect();
    // What the order costs (how it is paid, points or prepaid balance, is not a cost).
    if dropped.is_empty() && !rules.costs_too_much(expected.total, quote.total) {
        return;
    }
    let Ok(held) = confirmation.state.apply(OrderEvent::Hold) else {
        return;
    };
    let until_ms =
        now_ms.saturating_add(i64::from(rules.answer_within_hours).saturating_mul(3_600_000));
    confirmation.state = held;
    confirmation.history.push(StatusEvent::fact(
        held,
        now_ms,
        "server",
        HistoryFact::AwaitingShop {
            expected: expected.total,
            total: quote.total,
            dropped,
            until_ms,
        },
    ));
}

/// What an order held for its shop's OK waits on (`HistoryFact::AwaitingShop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwaitingShop<'a> {
    /// The total the phone showed, and the total the server asks.
    pub expected: Money,
    pub total: Money,
    pub dropped: &'a [Sku],
    pub until_ms: i64,
}

impl OrderConfirmation {
    /// What the order waits on while it waits for its shop's OK: the fact of the hold it
    /// is in now (staff may hold it again later, for another reason).
    pub fn awaiting_shop(&self) -> Option<AwaitingShop<'_>> {
        if self.state != OrderState::OnHold {
            return None;
        }
        self.history
            .iter()
            .rev()
            .take_while(|event| event.state == OrderState::OnHold)
            .find_map(|event| match &event.fact {
                Some(HistoryFact::AwaitingShop {
                    expected,
                    total,
                    dropped,
                    until_ms,
                }) => Some(AwaitingShop {
                    expected: *expected,
                    total: *total,
                    dropped,
                    until_ms: *until_ms,
                }),
                _ => None,
            })
    }

    /// Since when the order's prices were held, and the SKUs held (the last time it was
    /// priced: an edit prices it again).
    pub fn prices_held(&self) -> Option<(i64, &[Sku])> {
        self.history
            .iter()
            .rev()
            .find_map(|event| match &event.fact {
                Some(HistoryFact::PricesHeld { as_of_ms, skus }) => Some((*as_of_ms, &skus[..])),
                _ => None,
            })
    }

    /// Until when the shop may answer, while the order waits for its OK.
    pub fn awaiting_shop_until(&self) -> Option<i64> {
        self.awaiting_shop().map(|waiting| waiting.until_ms)
    }
}

/// Reserves stock for a confirmed order, from the shop's warehouses nearest first, each
/// line split across warehouses as needed. What is not in stock is backordered: the order
/// stays confirmed with the shortfall listed, or becomes backordered when nothing could be
/// reserved. SKUs whose stock is not tracked (no warehouse holds a level for them) are
/// confirmed without a reservation. Stock never goes below zero.
pub fn reserve_stock(
    confirmation: &mut OrderConfirmation,
    inventory: &mut Inventory,
    nearest_first: &[WarehouseId],
    now_ms: i64,
) {
    if confirmation.state != OrderState::Confirmed {
        return;
    }
    // Gifts are reserved like any line: they leave the same warehouse.
    let tracked: Vec<RequestedLine> = ordered_quantities(confirmation)
        .into_iter()
        .filter(|(sku, _)| inventory.is_tracked(sku))
        .map(|(sku, quantity)| RequestedLine { sku, quantity })
        .collect();
    if tracked.is_empty() {
        return;
    }
    let result = inventory.allocate(&tracked, nearest_first);
    if result.backordered.is_empty() {
        confirmation.allocations = result.allocations;
        return;
    }
    let nothing_reserved = result.allocations.is_empty();
    confirmation.allocations = result.allocations;
    confirmation.backordered = result.backordered;
    if nothing_reserved && let Ok(state) = confirmation.state.apply(OrderEvent::Backorder) {
        confirmation.state = state;
    }
    let lines = confirmation.backordered.clone();
    confirmation.history.push(StatusEvent::fact(
        confirmation.state,
        now_ms,
        "server",
        HistoryFact::Backordered { lines },
    ));
}

/// The confirmation recorded for a request that could not even be read.
pub fn reject_unreadable(
    request_id: &RequestId,
    detail: String,
    number: String,
    now_ms: i64,
) -> OrderConfirmation {
    let rejection = OrderRejection::Unreadable { detail };
    OrderConfirmation {
        request_id: request_id.clone(),
        number,
        state: OrderState::Rejected,
        priced: PricedOrder {
            lines: vec![],
            refused: vec![],
            total: Money::zero(Currency::Cny),
        },
        changes: vec![],
        placed_at_ms: now_ms,
        history: vec![StatusEvent::fact(
            OrderState::Rejected,
            now_ms,
            "server",
            HistoryFact::Rejected { rejection },
        )],
        quote: None,
        allocations: vec![],
        backordered: BTreeMap::new(),
        shipments: vec![],
        returns: vec![],
        edits: vec![],
        pickup: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_priced_when_placed_within_a_week_of_arriving() {
        let day = 24 * 60 * 60 * 1000;
        let check = |placed: i64, received: i64, expect: i64| {
            assert_eq!(pricing_time(placed, received), expect)
        };
        check(10 * day, 12 * day, 10 * day);
        check(day, 12 * day, 5 * day);
        check(20 * day, 12 * day, 12 * day);
    }

    #[test]
    fn request_ids_are_128_bit_hex() {
        let id = RequestId::from_random_bytes([0xab; 16]);
        assert_eq!(id.as_str(), "ab".repeat(16));
        assert!(RequestId::parse(&"AB".repeat(16)).is_err());
        assert!(RequestId::parse("abc").is_err());
    }
}
