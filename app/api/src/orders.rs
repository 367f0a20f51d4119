//! Orders, fulfilment and stock in the back office: the order list and page, lifecycle
//! events, shipments, pick lists, stock levels, receipts, counts and movements.

use std::collections::BTreeMap;

use domain::fulfilment::ShipmentRecord;
use domain::money::Money;
use domain::order::OrderConfirmation;
use domain::order_state::{OrderEvent, OrderState};
use domain::product::LocalizedText;
use domain::sku::{Sku, WarehouseId};
use serde::{Deserialize, Serialize};

/// An order as lists show it (`GET /api/orders`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderRow {
    pub number: String,
    pub request_id: String,
    pub shop: String,
    #[serde(default)]
    pub shop_name: String,
    pub state: String,
    pub total: String,
    pub placed_by: String,
    pub received_ms: i64,
    /// Where the order came from: `storefront`, `manager`, `office` or `import`.
    #[serde(default)]
    pub channel: String,
}

/// A page of orders, newest first; `next_before` asks for the page after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPage {
    pub orders: Vec<OrderRow>,
    pub next_before: Option<i64>,
}

/// The channels an order comes from.
pub const CHANNELS: [&str; 5] = ["storefront", "manager", "office", "import", "api"];

/// An order as the back office's order page shows it (`GET /api/admin/orders/{number}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDetail {
    pub order: OrderConfirmation,
    pub shop: String,
    pub shop_name: String,
    pub channel: String,
    pub placed_by: String,
    pub received_ms: i64,
    /// The lifecycle events possible now (what the page offers).
    pub possible: Vec<OrderEvent>,
    /// Still to ship, per SKU.
    pub outstanding: BTreeMap<Sku, u32>,
    /// What a shipment from each warehouse may take now.
    pub shippable: BTreeMap<String, BTreeMap<Sku, u32>>,
    /// The shop's region (carriers serve regions).
    #[serde(default)]
    pub region: String,
    /// One unit of each of the order's products, in grams (a shipment's weight).
    #[serde(default)]
    pub weights: BTreeMap<Sku, u32>,
    /// The shop's other open orders with something to ship, which may go in one parcel
    /// with this one.
    #[serde(default)]
    pub mergeable: Vec<MergeCandidate>,
    /// The invoices of its shipments.
    #[serde(default)]
    pub invoices: Vec<domain::ledger::InvoiceSummary>,
    /// Each line's revenue, cost and margin as taken in (admins and finance only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margins: Option<Vec<LineMargin>>,
    /// Its lines far above the shop's usual demand in a shortage (the bullwhip guard).
    #[serde(default)]
    pub large: Vec<LargeOrder>,
    /// Sold by another channel at its own prices: each SKU's price there and ours.
    #[serde(default)]
    pub channel_prices: Vec<ChannelLine>,
}

/// What one order line sold for (before tax, after discounts) and cost as it was taken in
/// (none: no cost price was set then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineMargin {
    pub sku: Sku,
    pub quantity: u32,
    pub net: Option<domain::money::Money>,
    pub cost: Option<domain::money::Money>,
}

/// Another open order of the same shop, and what a shipment from each warehouse may take
/// of it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeCandidate {
    pub number: String,
    pub state: OrderState,
    pub shippable: BTreeMap<String, BTreeMap<Sku, u32>>,
    /// One unit of each of its products, in grams.
    #[serde(default)]
    pub weights: BTreeMap<Sku, u32>,
}

/// `POST /api/admin/parcels`: one parcel from one warehouse holding (part of) several
/// orders of one shop, with one carrier, one tracking number and one fee (given, or the
/// carrier's rule for the parcel's weight), shared by the orders in proportion to weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ParcelRequest {
    pub warehouse: WarehouseId,
    pub carrier: String,
    #[serde(default)]
    pub tracking: String,
    #[serde(default)]
    pub fee: Option<Money>,
    pub orders: Vec<ParcelOrder>,
}

/// An order in a parcel and how much of each SKU it ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ParcelOrder {
    /// Its number (or request id).
    pub order: String,
    pub lines: BTreeMap<Sku, u32>,
}

/// What `POST /api/admin/parcels` answers: each order and its shipment, in the request's
/// order, and the parcel's whole fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParcelShipped {
    pub shipped: Vec<Shipped>,
    #[serde(default)]
    pub fee: Option<Money>,
}

/// Whether staff (or a key) may record `event` on an order: confirming, rejecting and
/// backordering are decided by the order intake alone.
pub fn staff_may_record(event: OrderEvent) -> bool {
    !matches!(
        event,
        OrderEvent::Confirm | OrderEvent::Reject | OrderEvent::Backorder
    )
}

/// `POST /api/orders/{number}/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::StaffEvent))]
    pub event: OrderEvent,
    #[serde(default)]
    pub reason: String,
}

/// What `POST /api/orders/{number}/shipments` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipped {
    pub order: OrderConfirmation,
    pub shipment: ShipmentRecord,
}

/// One product to pick: where it is, how many in all, and for which orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickProduct {
    pub sku: Sku,
    pub name: LocalizedText,
    pub location: String,
    pub total: u32,
    /// (order number, quantity).
    pub orders: Vec<(String, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickOrder {
    pub number: String,
    pub shop: String,
    pub state: OrderState,
    pub lines: BTreeMap<Sku, u32>,
    /// The shop collects it at the warehouse (it goes on the pickup list).
    #[serde(default)]
    pub pickup: bool,
}

/// A warehouse's pick list (`GET /api/admin/pick-list?warehouse=`): the orders with stock
/// reserved there that wait to be picked, packed or shipped, and the products to fetch
/// for them, by bin location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickList {
    pub warehouse: String,
    pub generated_ms: i64,
    pub orders: Vec<PickOrder>,
    pub products: Vec<PickProduct>,
}

/// A SKU's stock in one warehouse (`GET /api/admin/stock/{sku}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockRow {
    pub warehouse: String,
    pub on_hand: u32,
    pub reserved: u32,
    pub safety: u32,
    pub available_to_promise: u32,
}

/// A warehouse's level of one SKU as the stock page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockItem {
    pub warehouse: String,
    pub sku: String,
    /// The product's name in Chinese (the page shows the SKU beside it).
    pub name: String,
    pub on_hand: u32,
    pub reserved: u32,
    pub safety: u32,
    pub available_to_promise: u32,
    /// Alert at or below this available-to-promise; above `over` on hand.
    pub low: Option<u32>,
    pub over: Option<u32>,
    /// The bin a picker finds it in.
    pub location: String,
    /// Units that orders wait for (backordered), in any warehouse.
    pub waiting: u32,
    /// `low` or `over` when a threshold is crossed.
    pub alert: Option<String>,
}

/// `GET /api/admin/stock?warehouse=&q=&alerts=&after=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockPage {
    pub items: Vec<StockItem>,
    /// `after=` for the next page, when there is one.
    pub next_after: Option<String>,
}

/// A movement of stock on hand: what, where, how much, why, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockMove {
    pub at_ms: i64,
    pub warehouse: String,
    pub sku: String,
    pub delta: i64,
    /// On hand after the move.
    pub on_hand: u32,
    /// `receive`, `count`, `ship` or `return`.
    pub kind: String,
    /// The order, shipment or delivery note it belongs to.
    pub reference: String,
    pub actor: String,
    pub note: String,
    /// Its place in the movements (pass as `before` for the page after it).
    #[serde(default)]
    pub id: i64,
}

/// `GET /api/admin/fulfilment-options`: the warehouses, the carriers used before, and how
/// many stock levels are past a threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FulfilmentOptions {
    pub warehouses: Vec<String>,
    /// Carriers' names: those with rules, then others used before.
    pub carriers: Vec<String>,
    pub alerts: i64,
    /// The carriers' rules, to choose a default carrier and fee for a shipment.
    #[serde(default)]
    pub carrier_rules: Vec<domain::carrier::CarrierRule>,
}

/// `PUT /api/admin/stock/{warehouse}/{sku}`: a stock count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockCount {
    /// At most `domain::inventory::MAX_ON_HAND`.
    #[cfg_attr(feature = "openapi", schema(maximum = 100_000_000))]
    pub on_hand: u32,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 100_000_000))]
    pub safety: Option<u32>,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/admin/stock/{warehouse}/{sku}/receive`: goods arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// At least one; what is then on hand may not pass `domain::inventory::MAX_ON_HAND`.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100_000_000))]
    pub quantity: u32,
    /// The supplier's delivery note or purchase order.
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
}

/// `PUT /api/admin/stock/{warehouse}/{sku}/settings`: alert thresholds and bin location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockSettings {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 100_000_000))]
    pub low: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 100_000_000))]
    pub over: Option<u32>,
    #[serde(default)]
    pub location: String,
}

/// What a receipt or count answers: the SKU's levels now, and the orders that got stock
/// (by number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockChanged {
    pub levels: Vec<StockRow>,
    pub allocated: Vec<String>,
}

/// What waits for the back office's people (`GET /api/admin/dashboard`): its home page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// Open orders per state (`on_hold`, `confirmed`, `picking`…).
    pub by_state: BTreeMap<String, i64>,
    /// Orders waiting for stock to arrive (something backordered).
    pub waiting_for_stock: i64,
    /// Per warehouse, open orders it serves (to pick, pack or ship).
    pub to_pick: BTreeMap<String, i64>,
    /// Orders whose shop asked to cancel after picking started, for staff to decide.
    pub cancel_asks: Vec<String>,
    /// Rejected orders no one has handled yet.
    pub rejected: i64,
    /// Stock levels past a threshold.
    pub stock_alerts: i64,
    /// Returns per state that waits for someone: `requested` (customer service decides),
    /// `approved` (the warehouse receives), `received` (customer service settles).
    #[serde(default)]
    pub returns: BTreeMap<String, i64>,
    /// Orders far above their shop's usual demand in a shortage, not looked at yet.
    #[serde(default)]
    pub large_orders: Vec<LargeOrder>,
    /// Webhook endpoints turned off because every delivery failed for a day (their URLs).
    #[serde(default)]
    pub webhooks_failing: Vec<String>,
}

/// A rejected order in the inbox (`GET /api/admin/inbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxRow {
    pub request_id: String,
    pub number: String,
    pub shop: String,
    pub placed_by: String,
    pub received_ms: i64,
    pub reason: String,
    /// When it was marked handled, by whom, and their note.
    pub resolved: Option<Resolution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    pub at_ms: i64,
    pub by: String,
    pub note: String,
}

/// A return in the back office's list (`GET /api/admin/returns`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnRow {
    /// `DH-000042-R1`.
    pub number: String,
    /// The order's number.
    pub order: String,
    pub shop: String,
    pub shop_name: String,
    pub state: domain::returns::ReturnState,
    pub remedy: domain::returns::Remedy,
    /// Units asked for.
    pub units: u32,
    /// Refunded or credited, once settled.
    #[serde(default)]
    pub amount: String,
    pub placed_ms: i64,
    pub updated_ms: i64,
}

/// `POST /api/orders/{number}/returns`: customer service records a return for the shop
/// (it called); the shop's own come from its devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReturn {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub lines: Vec<domain::returns::ReturnLine>,
    pub remedy: domain::returns::Remedy,
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    #[serde(default)]
    pub note: String,
}

/// `POST /api/returns/{number}/receipt`: what came back to `warehouse`, per SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnReceipt {
    pub warehouse: String,
    pub lines: BTreeMap<Sku, domain::returns::Received>,
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    #[serde(default)]
    pub note: String,
}

/// `POST /api/returns/{number}/settlement`: refund, credit or replace (none: what was
/// agreed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Settlement {
    #[serde(default)]
    pub remedy: Option<domain::returns::Remedy>,
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    #[serde(default)]
    pub note: String,
}

/// What a step of a return answers: the return as it now is, and the replacement order
/// it placed, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnDone {
    #[serde(rename = "return")]
    pub record: domain::returns::ReturnRecord,
    pub order: String,
    #[serde(default)]
    pub replacement: Option<String>,
}

/// `POST /api/admin/orders` (and `/api/admin/orders/preview`): an order customer service
/// enters for a shop that phoned or wrote, priced by the same engine as the shop's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfficeOrder {
    pub shop: String,
    pub lines: Vec<domain::pricing::RequestedLine>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub pickup: bool,
    #[serde(default)]
    pub use_prepaid: bool,
    #[serde(default)]
    pub coupon_codes: Vec<String>,
    /// What another channel charged (SKU → unit price in yuan, "12.50"), sent by an API
    /// key the admin allows to (`own_prices`): those lines cost that, and the difference
    /// from the distributor's price is recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unit_prices: BTreeMap<String, String>,
}

/// One order an import placed (or would place, in a preview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportedOrder {
    /// The file's `ref` for the order.
    pub reference: String,
    pub shop: String,
    /// The order's number (empty in a preview).
    pub number: String,
    pub lines: usize,
    pub total: String,
    /// Imported before (the same shop and `ref`): not placed again.
    #[serde(default)]
    pub already: bool,
}

/// What `POST /api/admin/import/orders?apply=` found or did: every order placed, or none
/// when any row is wrong (then `problems` names each by line and column).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderImportReport {
    pub rows: usize,
    pub orders: Vec<ImportedOrder>,
    pub problems: Vec<crate::ImportProblem>,
    pub applied: bool,
}

/// `POST /api/orders/{number}/lines`: the order's lines as they should be (a line left out
/// is removed), and why (the shop reads it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinesEdit {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub lines: Vec<domain::pricing::RequestedLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Text))]
    pub reason: String,
}

/// An order far above its shop's usual demand for a product in short supply (the
/// bullwhip guard), for staff and the shop's account manager to look at before the stock
/// it waits for is allocated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LargeOrder {
    pub request_id: String,
    pub number: String,
    pub shop: String,
    pub shop_name: String,
    pub sku: String,
    pub ordered: u32,
    /// What of it waits for stock.
    pub backordered: u32,
    /// The shop's smoothed weekly demand for the product.
    pub weekly: String,
    pub flagged_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_ms: Option<i64>,
}

/// One order as an ERP pulls it (`GET /api/orders/changes?after=N`): as it is now, with
/// the number of its latest change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangedOrder {
    pub change: i64,
    pub shop: String,
    pub channel: String,
    pub order: domain::order::OrderConfirmation,
}

/// A page of [`ChangedOrder`]s; `next` is the cursor to ask after (the last change in it,
/// or the one asked after when nothing changed since).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesPage {
    pub orders: Vec<ChangedOrder>,
    pub next: i64,
}

/// One SKU of an order another channel sold at its own price: what it charged, what the
/// distributor's price was, and the difference over the line (theirs − ours, × quantity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelLine {
    pub sku: String,
    pub quantity: i64,
    pub theirs: String,
    pub ours: Option<String>,
    pub difference: Option<String>,
}
