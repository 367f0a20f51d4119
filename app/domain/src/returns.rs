//! Returns and exchanges of shipped goods. A shop asks (offline too) with a reason per line
//! and quantity and what it would like back (money to its prepaid balance, a credit on its
//! account, or the goods again); customer service approves (all or part) or declines with
//! a note; the warehouse receives what came back, good units back into stock and damaged
//! ones written off; then the shop is refunded, credited or sent a replacement for what
//! was received. Each return lives on its order, so the shop follows it where it follows
//! the order, and never more comes back than was shipped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fulfilment::shipped_quantities;
use super::inventory::{Inventory, StockError};
use super::money::{Money, MoneyError};
use super::order::{HistoryFact, OrderConfirmation, RequestId, StatusEvent};
use super::order_state::OrderState;
use super::price_book::PriceSource;
use super::pricing::{PricedLine, PricedOrder};
use super::quote::TaxMode;
use super::sku::{ShopId, Sku, WarehouseId};

/// Why a line comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Broken or spoiled in transit.
    Damaged,
    /// Not what was ordered.
    WrongItem,
    /// A fault in the goods.
    Quality,
    /// Too close to (or past) its expiry date.
    NearExpiry,
    /// Ordered too much, or not selling.
    Unwanted,
    Other,
}

impl ReturnReason {
    pub const ALL: [ReturnReason; 6] = [
        ReturnReason::Damaged,
        ReturnReason::WrongItem,
        ReturnReason::Quality,
        ReturnReason::NearExpiry,
        ReturnReason::Unwanted,
        ReturnReason::Other,
    ];

    /// The JSON name (`near_expiry`).
    pub fn name(self) -> &'static str {
        match self {
            ReturnReason::Damaged => "damaged",
            ReturnReason::WrongItem => "wrong_item",
            ReturnReason::Quality => "quality",
            ReturnReason::NearExpiry => "near_expiry",
            ReturnReason::Unwanted => "unwanted",
            ReturnReason::Other => "other",
        }
    }
}

/// What the shop gets for the goods it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Their value back to the shop's prepaid balance.
    Refund,
    /// Their value credited to the shop's account (it owes that much less).
    Credit,
    /// The same goods sent again, as a new order.
    Replace,
}

impl Remedy {
    pub const ALL: [Remedy; 3] = [Remedy::Refund, Remedy::Credit, Remedy::Replace];

    pub fn name(self) -> &'static str {
        match self {
            Remedy::Refund => "refund",
            Remedy::Credit => "credit",
            Remedy::Replace => "replace",
        }
    }
}

/// One line a shop asks to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnLine {
    pub sku: Sku,
    pub quantity: u32,
    pub reason: ReturnReason,
}

/// A shop's request to return goods of one of its orders: its own device-minted id, in
/// the shop's order requests beside the order; the server takes it in once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnRequest {
    pub id: RequestId,
    pub shop: ShopId,
    /// The order the goods came with.
    pub returns: RequestId,
    pub lines: Vec<ReturnLine>,
    pub remedy: Remedy,
    #[serde(default)]
    pub note: String,
    /// The device's clock, advisory.
    pub placed_at_ms: i64,
    pub placed_by: String,
}

/// Where a return is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReturnState {
    /// Waiting for customer service.
    Requested,
    /// Approved: the shop sends the goods back.
    Approved,
    Declined,
    /// The goods came back to the warehouse.
    Received,
    /// Their value went back to the prepaid balance.
    Refunded,
    /// Their value was credited to the shop's account.
    Credited,
    /// The goods were sent again.
    Replaced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReturnEvent {
    Approve,
    Decline,
    Receive,
    Refund,
    Credit,
    Replace,
}

impl ReturnEvent {
    pub const ALL: [ReturnEvent; 6] = [
        ReturnEvent::Approve,
        ReturnEvent::Decline,
        ReturnEvent::Receive,
        ReturnEvent::Refund,
        ReturnEvent::Credit,
        ReturnEvent::Replace,
    ];
}

impl ReturnState {
    pub const ALL: [ReturnState; 7] = [
        ReturnState::Requested,
        ReturnState::Approved,
        ReturnState::Declined,
        ReturnState::Received,
        ReturnState::Refunded,
        ReturnState::Credited,
        ReturnState::Replaced,
    ];

    pub fn apply(self, event: ReturnEvent) -> Option<ReturnState> {
        use ReturnEvent as E;
        use ReturnState as S;
        match (self, event) {
            (S::Requested, E::Approve) => Some(S::Approved),
            (S::Requested | S::Approved, E::Decline) => Some(S::Declined),
            (S::Approved, E::Receive) => Some(S::Received),
            (S::Received, E::Refund) => Some(S::Refunded),
            (S::Received, E::Credit) => Some(S::Credited),
            (S::Received, E::Replace) => Some(S::Replaced),
            _ => None,
        }
    }

    /// What may happen to a return in this state.
    pub fn possible_events(self) -> Vec<ReturnEvent> {
        ReturnEvent::ALL
            .into_iter()
            .filter(|event| self.apply(*event).is_some())
            .collect()
    }

    pub fn is_final(self) -> bool {
        self.possible_events().is_empty()
    }

    /// The JSON name (`requested`).
    pub fn name(self) -> &'static str {
        match self {
            ReturnState::Requested => "requested",
            ReturnState::Approved => "approved",
            ReturnState::Declined => "declined",
            ReturnState::Received => "received",
            ReturnState::Refunded => "refunded",
            ReturnState::Credited => "credited",
            ReturnState::Replaced => "replaced",
        }
    }
}

/// One line of a return as it goes: asked, approved, and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnedLine {
    pub sku: Sku,
    pub reason: ReturnReason,
    /// What the shop asked to return.
    pub quantity: u32,
    /// What customer service accepted (0 until approved).
    #[serde(default)]
    pub approved: u32,
    /// Good units put back into stock.
    #[serde(default)]
    pub restocked: u32,
    /// Damaged units received and written off.
    #[serde(default)]
    pub written_off: u32,
    /// What one unit cost the shop (after its share of discounts, with tax): what a unit
    /// received is worth back.
    pub unit_value: Money,
}

impl ReturnedLine {
    /// Units received, good or damaged.
    pub fn received(&self) -> u32 {
        self.restocked.saturating_add(self.written_off)
    }
}

/// One step of a return: who, when, to what, and the note given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnStep {
    pub state: ReturnState,
    pub at_ms: i64,
    pub actor: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A return as the server keeps it, on its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnRecord {
    /// The request's id.
    pub id: RequestId,
    /// `DH-000042-R1`: the order's number and the return's place among its returns.
    pub number: String,
    pub state: ReturnState,
    /// What the shop asked for; customer service may change it.
    pub remedy: Remedy,
    pub lines: Vec<ReturnedLine>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub placed_by: String,
    /// Where the goods came back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<WarehouseId>,
    /// What was refunded or credited (or is worth, for a replacement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// The replacement order's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    pub history: Vec<ReturnStep>,
}

impl ReturnRecord {
    /// What this return holds of `sku` against what may still come back: asked while
    /// waiting, approved once approved, received after; nothing once declined.
    fn claims(&self, sku: &Sku) -> u32 {
        self.lines
            .iter()
            .filter(|line| &line.sku == sku)
            .map(|line| match self.state {
                ReturnState::Requested => line.quantity,
                ReturnState::Declined => 0,
                ReturnState::Approved => line.approved,
                _ => line.received(),
            })
            .sum()
    }

    /// The value of what was received.
    pub fn received_value(&self) -> Result<Money, MoneyError> {
        let mut total = Money::zero(
            self.lines
                .first()
                .map_or(super::money::Currency::Cny, |l| l.unit_value.currency()),
        );
        for line in &self.lines {
            total = total.checked_add(line.unit_value.times(line.received())?)?;
        }
        Ok(total)
    }

    fn step(&mut self, to: ReturnState, by: &str, now_ms: i64, note: &str) {
        self.state = to;
        self.history.push(ReturnStep {
            state: to,
            at_ms: now_ms,
            actor: by.to_owned(),
            note: note.chars().take(500).collect(),
        });
    }
}

/// Why a return (or a step of one) is refused. Each says what would be possible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ReturnError {
    #[error("only shipped goods can be returned; the order is {state:?}")]
    NotShipped { state: OrderState },
    #[error("a return needs at least one unit")]
    NothingToReturn,
    #[error("{sku} was not shipped with this order")]
    NotInOrder { sku: Sku },
    #[error("{sku}: {wanted} to return, {left} shipped and not returned yet")]
    MoreThanShipped { sku: Sku, wanted: u32, left: u32 },
    #[error("{sku} is named twice")]
    SameLineTwice { sku: Sku },
    #[error("there is no return {id}")]
    UnknownReturn { id: String },
    #[error("a return that is {state:?} cannot {event:?}; possible now: {possible:?}")]
    NotNow {
        state: ReturnState,
        event: ReturnEvent,
        possible: Vec<ReturnEvent>,
    },
    #[error("{sku}: {wanted} approved, {asked} asked")]
    MoreThanAsked { sku: Sku, wanted: u32, asked: u32 },
    #[error("{sku}: {received} received, {approved} approved")]
    MoreThanApproved {
        sku: Sku,
        received: u32,
        approved: u32,
    },
    #[error("a return that gives money back needs a shop account")]
    NoAccount,
    #[error("{detail}")]
    Stock { detail: String },
    #[error("{detail}")]
    Money { detail: String },
}

impl From<MoneyError> for ReturnError {
    fn from(error: MoneyError) -> Self {
        ReturnError::Money {
            detail: error.to_string(),
        }
    }
}

impl From<StockError> for ReturnError {
    fn from(error: StockError) -> Self {
        ReturnError::Stock {
            detail: error.to_string(),
        }
    }
}

/// What of each SKU may still be returned: shipped, less what other returns hold.
pub fn returnable(order: &OrderConfirmation) -> BTreeMap<Sku, u32> {
    shipped_quantities(order)
        .into_iter()
        .map(|(sku, shipped)| {
            let claimed: u32 = order.returns.iter().map(|r| r.claims(&sku)).sum();
            (sku.clone(), shipped.saturating_sub(claimed))
        })
        .filter(|(_, left)| *left > 0)
        .collect()
}

/// What one unit of `sku` cost the shop in `order`: the line's net (after its share of
/// the order's discounts) with its tax when prices exclude it, per unit, to the cent.
/// A gift is worth nothing.
pub fn unit_value(order: &OrderConfirmation, sku: &Sku) -> Money {
    let currency = order.priced.total.currency();
    let (paid, quantity) = match &order.quote {
        Some(quote) => quote
            .lines
            .iter()
            .filter(|line| &line.line.sku == sku)
            .fold((Money::zero(currency), 0u32), |(paid, quantity), line| {
                let with_tax = match quote.tax_mode {
                    TaxMode::Inclusive => Ok(line.net),
                    TaxMode::Exclusive => line.net.checked_add(line.tax),
                };
                (
                    with_tax.and_then(|v| paid.checked_add(v)).unwrap_or(paid),
                    quantity.saturating_add(line.line.quantity),
                )
            }),
        None => order
            .priced
            .lines
            .iter()
            .filter(|line| &line.sku == sku)
            .fold((Money::zero(currency), 0u32), |(paid, quantity), line| {
                (
                    paid.checked_add(line.line_total).unwrap_or(paid),
                    quantity.saturating_add(line.quantity),
                )
            }),
    };
    if quantity == 0 {
        return Money::zero(currency);
    }
    Money::new(
        paid.amount() / rust_decimal::Decimal::from(quantity),
        currency,
    )
    .round_to_cents()
}

/// Checks `lines` against what may still be returned of `order`.
pub fn check_lines(order: &OrderConfirmation, lines: &[ReturnLine]) -> Result<(), ReturnError> {
    if !matches!(
        order.state,
        OrderState::PartiallyShipped
            | OrderState::Shipped
            | OrderState::Delivered
            | OrderState::Completed
    ) {
        return Err(ReturnError::NotShipped { state: order.state });
    }
    if lines.iter().all(|line| line.quantity == 0) {
        return Err(ReturnError::NothingToReturn);
    }
    let shipped = shipped_quantities(order);
    let left = returnable(order);
    for (i, line) in lines.iter().enumerate() {
        if lines[..i].iter().any(|earlier| earlier.sku == line.sku) {
            return Err(ReturnError::SameLineTwice {
                sku: line.sku.clone(),
            });
        }
        if !shipped.contains_key(&line.sku) {
            return Err(ReturnError::NotInOrder {
                sku: line.sku.clone(),
            });
        }
        let left = left.get(&line.sku).copied().unwrap_or(0);
        if line.quantity > left {
            return Err(ReturnError::MoreThanShipped {
                sku: line.sku.clone(),
                wanted: line.quantity,
                left,
            });
        }
    }
    Ok(())
}

/// Takes in a shop's return request on its order: a new return waiting for customer
/// service, or, when it asks for what cannot come back, a return declined at once with
/// the reason (the shop sees both). Returns the record's index among the order's returns.
pub fn open(order: &mut OrderConfirmation, request: &ReturnRequest, now_ms: i64) -> usize {
    let checked = check_lines(order, &request.lines);
    let lines = request
        .lines
        .iter()
        .filter(|line| line.quantity > 0)
        .map(|line| ReturnedLine {
            sku: line.sku.clone(),
            reason: line.reason,
            quantity: line.quantity,
            approved: 0,
            restocked: 0,
            written_off: 0,
            unit_value: unit_value(order, &line.sku),
        })
        .collect();
    let mut record = ReturnRecord {
        id: request.id.clone(),
        number: format!("{}-R{}", order.number, order.returns.len() + 1),
        state: ReturnState::Requested,
        remedy: request.remedy,
        lines,
        note: request.note.chars().take(500).collect(),
        placed_by: request.placed_by.chars().take(100).collect(),
        warehouse: None,
        amount: None,
        replacement: None,
        history: Vec::new(),
    };
    record.step(
        ReturnState::Requested,
        &record.placed_by.clone(),
        now_ms,
        "",
    );
    if let Err(refused) = checked {
        record.step(
            ReturnState::Declined,
            "system",
            now_ms,
            &refused.to_string(),
        );
    }
    note_on_order(order, &record, now_ms);
    order.returns.push(record);
    order.returns.len() - 1
}

/// A line in the order's own history for each step of one of its returns.
fn note_on_order(order: &mut OrderConfirmation, record: &ReturnRecord, now_ms: i64) {
    let Some(last) = record.history.last() else {
        return;
    };
    order.history.push(StatusEvent::fact(
        order.state,
        now_ms,
        &last.actor,
        HistoryFact::Return {
            number: record.number.clone(),
            state: record.state,
            note: last.note.clone(),
        },
    ));
}

fn find(order: &mut OrderConfirmation, id: &str) -> Result<usize, ReturnError> {
    order
        .returns
        .iter()
        .position(|r| r.id.as_str() == id || r.number.eq_ignore_ascii_case(id))
        .ok_or_else(|| ReturnError::UnknownReturn {
            id: id.chars().take(40).collect(),
        })
}

fn check_step(record: &ReturnRecord, event: ReturnEvent) -> Result<ReturnState, ReturnError> {
    record.state.apply(event).ok_or(ReturnError::NotNow {
        state: record.state,
        event,
        possible: record.state.possible_events(),
    })
}

/// Customer service's decision on the return `id` of `order`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub approve: bool,
    /// Per SKU, what is accepted (the rest is not); none: everything asked.
    #[serde(default)]
    pub quantities: Option<BTreeMap<Sku, u32>>,
    /// A different remedy than the shop asked for.
    #[serde(default)]
    pub remedy: Option<Remedy>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: String,
}

/// Approves (all or part of) or declines the return `id`. Returns its index.
pub fn decide(
    order: &mut OrderConfirmation,
    id: &str,
    decision: &Decision,
    by: &str,
    now_ms: i64,
) -> Result<usize, ReturnError> {
    let index = find(order, id)?;
    let record = &mut order.returns[index];
    if !decision.approve {
        let to = check_step(record, ReturnEvent::Decline)?;
        record.step(to, by, now_ms, &decision.note);
    } else {
        let to = check_step(record, ReturnEvent::Approve)?;
        let mut approved = Vec::with_capacity(record.lines.len());
        for line in &record.lines {
            let wanted = decision
                .quantities
                .as_ref()
                .map_or(line.quantity, |q| q.get(&line.sku).copied().unwrap_or(0));
            if wanted > line.quantity {
                return Err(ReturnError::MoreThanAsked {
                    sku: line.sku.clone(),
                    wanted,
                    asked: line.quantity,
                });
            }
            approved.push(wanted);
        }
        if let Some(quantities) = &decision.quantities
            && let Some(sku) = quantities
                .keys()
                .find(|sku| !record.lines.iter().any(|l| &l.sku == *sku))
        {
            return Err(ReturnError::NotInOrder { sku: sku.clone() });
        }
        if approved.iter().all(|q| *q == 0) {
            return Err(ReturnError::NothingToReturn);
        }
        for (line, quantity) in record.lines.iter_mut().zip(approved) {
            line.approved = quantity;
        }
        if let Some(remedy) = decision.remedy {
            record.remedy = remedy;
        }
        record.step(to, by, now_ms, &decision.note);
    }
    let record = order.returns[index].clone();
    note_on_order(order, &record, now_ms);
    Ok(index)
}

/// What came back of one SKU: good units (back into stock) and damaged ones (written off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Received {
    #[serde(default)]
    pub good: u32,
    #[serde(default)]
    pub damaged: u32,
}

/// The warehouse `warehouse` received the goods of return `id`: good units go back on hand
/// there (and may then fill backorders), damaged ones are written off. Units approved but
/// not received may be asked for again. Returns the return's index.
pub fn receive(
    order: &mut OrderConfirmation,
    inventory: &mut Inventory,
    id: &str,
    warehouse: &WarehouseId,
    received: &BTreeMap<Sku, Received>,
    (by, now_ms): (&str, i64),
    note: &str,
) -> Result<usize, ReturnError> {
    let index = find(order, id)?;
    let record = &order.returns[index];
    let to = check_step(record, ReturnEvent::Receive)?;
    if let Some(sku) = received
        .keys()
        .find(|sku| !record.lines.iter().any(|l| &l.sku == *sku))
    {
        return Err(ReturnError::NotInOrder { sku: sku.clone() });
    }
    for line in &record.lines {
        let came = received.get(&line.sku).copied().unwrap_or_default();
        let total = came.good.saturating_add(came.damaged);
        if total > line.approved {
            return Err(ReturnError::MoreThanApproved {
                sku: line.sku.clone(),
                received: total,
                approved: line.approved,
            });
        }
    }
    if received.values().all(|r| r.good == 0 && r.damaged == 0) {
        return Err(ReturnError::NothingToReturn);
    }
    for (sku, came) in received {
        if came.good > 0 {
            inventory.receive(warehouse, sku, came.good)?;
        }
    }
    let record = &mut order.returns[index];
    for line in &mut record.lines {
        let came = received.get(&line.sku).copied().unwrap_or_default();
        line.restocked = came.good;
        line.written_off = came.damaged;
    }
    record.warehouse = Some(warehouse.clone());
    record.amount = Some(record.received_value()?);
    record.step(to, by, now_ms, note);
    let record = record.clone();
    note_on_order(order, &record, now_ms);
    Ok(index)
}

/// Settles the received return `id` with `remedy` (or the one agreed): the value of what
/// was received is refunded or credited, or the goods are to be sent again. Returns the
/// value and the remedy; the caller moves the money or places the replacement order.
pub fn settle(
    order: &mut OrderConfirmation,
    id: &str,
    remedy: Option<Remedy>,
    by: &str,
    now_ms: i64,
    note: &str,
) -> Result<(Money, Remedy, usize), ReturnError> {
    let index = find(order, id)?;
    let record = &mut order.returns[index];
    let remedy = remedy.unwrap_or(record.remedy);
    let event = match remedy {
        Remedy::Refund => ReturnEvent::Refund,
        Remedy::Credit => ReturnEvent::Credit,
        Remedy::Replace => ReturnEvent::Replace,
    };
    let to = check_step(record, event)?;
    let value = record.received_value()?;
    record.remedy = remedy;
    record.amount = Some(value);
    record.step(to, by, now_ms, note);
    let record = record.clone();
    note_on_order(order, &record, now_ms);
    Ok((value, remedy, index))
}

/// The quantities a replacement for the return at `index` sends: what was received.
pub fn replacement_lines(order: &OrderConfirmation, index: usize) -> BTreeMap<Sku, u32> {
    order
        .returns
        .get(index)
        .map_or_else(BTreeMap::new, |record| {
            record
                .lines
                .iter()
                .filter(|line| line.received() > 0)
                .map(|line| (line.sku.clone(), line.received()))
                .collect()
        })
}

/// The replacement order for the return at `index` of `order`: what was received, sent
/// again at no charge, confirmed by `by` (the caller numbers it and reserves its stock).
pub fn replacement_order(
    order: &OrderConfirmation,
    index: usize,
    request_id: RequestId,
    number: String,
    by: &str,
    now_ms: i64,
) -> Option<OrderConfirmation> {
    let record = order.returns.get(index)?;
    let currency = order.priced.total.currency();
    let zero = Money::zero(currency);
    let name_of = |sku: &Sku| {
        order
            .priced
            .lines
            .iter()
            .find(|l| &l.sku == sku)
            .map(|l| l.name.clone())
            .or_else(|| {
                order
                    .quote
                    .iter()
                    .flat_map(|q| &q.gifts)
                    .find(|g| &g.sku == sku)
                    .map(|g| g.name.clone())
            })
            .unwrap_or_default()
    };
    let lines: Vec<PricedLine> = replacement_lines(order, index)
        .into_iter()
        .map(|(sku, quantity)| PricedLine {
            name: name_of(&sku),
            sku,
            quantity,
            unit_price: zero,
            line_total: zero,
            price_source: PriceSource::Replacement,
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    Some(OrderConfirmation {
        request_id,
        number,
        state: OrderState::Confirmed,
        priced: PricedOrder {
            lines,
            refused: Vec::new(),
            total: zero,
        },
        changes: Vec::new(),
        placed_at_ms: now_ms,
        history: vec![StatusEvent::fact(
            OrderState::Confirmed,
            now_ms,
            by,
            HistoryFact::Replacement {
                of: record.number.clone(),
            },
        )],
        quote: None,
        allocations: Vec::new(),
        backordered: BTreeMap::new(),
        shipments: Vec::new(),
        returns: Vec::new(),
        edits: Vec::new(),
        pickup: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::StockLevel;
    use crate::money::Currency;
    use crate::product::LocalizedText;
    use rust_decimal::Decimal;

    fn sku(code: &str) -> Sku {
        Sku::parse(code).unwrap()
    }

    fn wh() -> WarehouseId {
        WarehouseId::parse("north").unwrap()
    }

    fn yuan(cents: i64) -> Money {
        Money::new(Decimal::new(cents, 2), Currency::Cny)
    }

    /// An order of 10 TEA at 12.50 and 3 CUP at 3.00, of which 6 TEA and 3 CUP shipped.
    fn shipped_order() -> OrderConfirmation {
        let line = |code: &str, quantity: u32, unit: i64| PricedLine {
            sku: sku(code),
            name: LocalizedText::default(),
            quantity,
            unit_price: yuan(unit),
            line_total: yuan(unit * i64::from(quantity)),
            price_source: PriceSource::List,
        };
        OrderConfirmation {
            request_id: RequestId::from_random_bytes([7; 16]),
            number: "DH-000007".into(),
            state: OrderState::PartiallyShipped,
            priced: PricedOrder {
                lines: vec![line("TEA", 10, 1250), line("CUP", 3, 300)],
                refused: vec![],
                total: yuan(13_400),
            },
            changes: vec![],
            placed_at_ms: 0,
            history: vec![],
            quote: None,
            allocations: vec![],
            backordered: BTreeMap::new(),
            shipments: vec![crate::fulfilment::ShipmentRecord {
                number: "DH-000007-1".into(),
                warehouse: wh(),
                carrier: "SF".into(),
                tracking: String::new(),
                lines: [(sku("TEA"), 6), (sku("CUP"), 3)].into_iter().collect(),
                shipped_ms: 1,
                by: "w".into(),
                delivered_ms: None,
                fee: None,
                shipped_with: vec![],
            }],
            returns: vec![],
            edits: vec![],
            pickup: false,
        }
    }

    fn request(lines: &[(&str, u32)], remedy: Remedy) -> ReturnRequest {
        ReturnRequest {
            id: RequestId::from_random_bytes([lines.len() as u8 + 40; 16]),
            shop: ShopId::parse("kiwi").unwrap(),
            returns: RequestId::from_random_bytes([7; 16]),
            lines: lines
                .iter()
                .map(|(code, quantity)| ReturnLine {
                    sku: sku(code),
                    quantity: *quantity,
                    reason: ReturnReason::Damaged,
                })
                .collect(),
            remedy,
            note: "two broke".into(),
            placed_at_ms: 5,
            placed_by: "店主".into(),
        }
    }

    fn approve_all() -> Decision {
        Decision {
            approve: true,
            quantities: None,
            remedy: None,
            note: "ok".into(),
        }
    }

    #[test]
    fn a_return_goes_from_request_to_refund_and_puts_good_units_back() {
        let mut order = shipped_order();
        let mut inventory = Inventory::default();
        let index = open(&mut order, &request(&[("TEA", 4)], Remedy::Refund), 10);
        let id = order.returns[index].id.to_string();
        assert_eq!(order.returns[index].number, "DH-000007-R1");
        assert_eq!(order.returns[index].state, ReturnState::Requested);
        assert_eq!(returnable(&order).get(&sku("TEA")), Some(&2));
        decide(&mut order, &id, &approve_all(), "kefu", 11).unwrap();
        let received = [(
            sku("TEA"),
            Received {
                good: 3,
                damaged: 1,
            },
        )]
        .into_iter()
        .collect();
        receive(
            &mut order,
            &mut inventory,
            &id,
            &wh(),
            &received,
            ("cang", 12),
            "",
        )
        .unwrap();
        assert_eq!(inventory.level(&wh(), &sku("TEA")).on_hand, 3);
        let (value, remedy, _) = settle(&mut order, &id, None, "kefu", 13, "").unwrap();
        assert_eq!((value, remedy), (yuan(5_000), Remedy::Refund));
        let record = &order.returns[index];
        assert_eq!(record.state, ReturnState::Refunded);
        assert_eq!(record.amount, Some(yuan(5_000)));
        assert_eq!(
            record.history.iter().map(|s| s.state).collect::<Vec<_>>(),
            [
                ReturnState::Requested,
                ReturnState::Approved,
                ReturnState::Received,
                ReturnState::Refunded
            ]
        );
        // The order's history tells each step.
        assert_eq!(order.history.len(), 4);
    }

    #[test]
    fn more_than_shipped_is_declined_at_once_with_the_reason() {
        let mut order = shipped_order();
        let index = open(&mut order, &request(&[("TEA", 7)], Remedy::Credit), 10);
        let record = &order.returns[index];
        assert_eq!(record.state, ReturnState::Declined);
        assert!(record.history[1].note.contains("6 shipped"), "{record:?}");
        assert_eq!(returnable(&order).get(&sku("TEA")), Some(&6));
        let unshipped = open(&mut order, &request(&[("RICE", 1)], Remedy::Credit), 10);
        assert_eq!(order.returns[unshipped].state, ReturnState::Declined);
    }

    #[test]
    fn an_unshipped_order_has_nothing_to_return() {
        let mut order = shipped_order();
        order.shipments.clear();
        order.state = OrderState::Allocated;
        assert_eq!(
            check_lines(&order, &request(&[("TEA", 1)], Remedy::Refund).lines),
            Err(ReturnError::NotShipped {
                state: OrderState::Allocated
            })
        );
    }

    #[test]
    fn part_approval_and_steps_out_of_turn_are_checked() {
        let mut order = shipped_order();
        let index = open(
            &mut order,
            &request(&[("TEA", 4), ("CUP", 2)], Remedy::Refund),
            1,
        );
        let id = order.returns[index].id.to_string();
        let none = BTreeMap::new();
        let early = receive(
            &mut order,
            &mut Inventory::default(),
            &id,
            &wh(),
            &none,
            ("c", 2),
            "",
        );
        assert_eq!(
            early,
            Err(ReturnError::NotNow {
                state: ReturnState::Requested,
                event: ReturnEvent::Receive,
                possible: vec![ReturnEvent::Approve, ReturnEvent::Decline],
            })
        );
        let too_many = Decision {
            quantities: Some([(sku("TEA"), 5)].into_iter().collect()),
            ..approve_all()
        };
        assert!(matches!(
            decide(&mut order, &id, &too_many, "k", 2),
            Err(ReturnError::MoreThanAsked { .. })
        ));
        let part = Decision {
            quantities: Some([(sku("TEA"), 2)].into_iter().collect()),
            remedy: Some(Remedy::Replace),
            ..approve_all()
        };
        decide(&mut order, &id, &part, "k", 3).unwrap();
        assert_eq!(order.returns[index].remedy, Remedy::Replace);
        // Two TEA approved, CUP refused: the other two TEA and the CUP may be asked again.
        assert_eq!(returnable(&order).get(&sku("TEA")), Some(&4));
        assert_eq!(returnable(&order).get(&sku("CUP")), Some(&3));
        let over = [(
            sku("TEA"),
            Received {
                good: 3,
                damaged: 0,
            },
        )]
        .into_iter()
        .collect();
        assert!(matches!(
            receive(
                &mut order,
                &mut Inventory::default(),
                &id,
                &wh(),
                &over,
                ("c", 4),
                ""
            ),
            Err(ReturnError::MoreThanApproved { .. })
        ));
        let mut inventory = Inventory::default();
        inventory.levels.insert(
            (wh(), sku("TEA")),
            StockLevel {
                on_hand: 1,
                reserved: 1,
                safety: 0,
            },
        );
        let two = [(
            sku("TEA"),
            Received {
                good: 2,
                damaged: 0,
            },
        )]
        .into_iter()
        .collect();
        receive(&mut order, &mut inventory, &id, &wh(), &two, ("c", 5), "").unwrap();
        assert_eq!(inventory.level(&wh(), &sku("TEA")).on_hand, 3);
        let (_, remedy, index) = settle(&mut order, &id, None, "k", 6, "").unwrap();
        assert_eq!(remedy, Remedy::Replace);
        assert_eq!(
            replacement_lines(&order, index),
            [(sku("TEA"), 2)].into_iter().collect()
        );
        let again = replacement_order(
            &order,
            index,
            RequestId::from_random_bytes([9; 16]),
            "DH-000008".into(),
            "k",
            7,
        )
        .unwrap();
        assert_eq!(again.priced.lines[0].quantity, 2);
        assert!(again.priced.total.is_zero());
        assert_eq!(again.state, OrderState::Confirmed);
        assert!(order.returns[index].state.is_final());
    }

    #[test]
    fn a_declined_return_gives_its_units_back_to_returnable() {
        let mut order = shipped_order();
        let index = open(&mut order, &request(&[("CUP", 3)], Remedy::Credit), 1);
        let id = order.returns[index].number.clone();
        assert!(!returnable(&order).contains_key(&sku("CUP")));
        let no = Decision {
            approve: false,
            quantities: None,
            remedy: None,
            note: "not ours".into(),
        };
        decide(&mut order, &id, &no, "k", 2).unwrap();
        assert_eq!(returnable(&order).get(&sku("CUP")), Some(&3));
        assert!(decide(&mut order, &id, &approve_all(), "k", 3).is_err());
    }

    #[test]
    fn names_are_the_json_names() {
        for state in ReturnState::ALL {
            assert_eq!(
                serde_json::to_string(&state).unwrap(),
                format!("\"{}\"", state.name())
            );
        }
        for reason in ReturnReason::ALL {
            assert_eq!(
                serde_json::to_string(&reason).unwrap(),
                format!("\"{}\"", reason.name())
            );
        }
        for remedy in Remedy::ALL {
            assert_eq!(
                serde_json::to_string(&remedy).unwrap(),
                format!("\"{}\"", remedy.name())
            );
        }
    }
}
