//! Finance's bodies: receivables by age, a shop's statement, payments, invoices and the
//! reminders to follow up.

use domain::credit::PaymentTerms;
use domain::invoice::Invoice;
use domain::ledger::{Aging, InvoiceSummary, Reminder, StatementEntry};
use domain::money::Money;
use serde::{Deserialize, Serialize};

/// One shop's receivables by age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopAging {
    pub shop: String,
    pub name: String,
    /// Its account managers' usernames.
    pub managers: Vec<String>,
    pub aging: Aging,
    pub total: Money,
    /// Invoices past their due date.
    pub overdue_invoices: u32,
    /// Whether overdue invoices block its orders now (past the grace days).
    pub blocked: bool,
}

/// One account manager's shops' receivables together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagerAging {
    pub manager: String,
    pub name: String,
    pub aging: Aging,
    pub total: Money,
    pub shops: u32,
}

/// A reminder finance has to follow up (call the shop), with the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReminderTask {
    pub shop: String,
    pub name: String,
    pub reminder: Reminder,
}

/// `GET /api/finance/receivables`: every shop that owes, oldest debts first; the same per
/// account manager; the total; and the reminders not followed up yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receivables {
    pub as_of_ms: i64,
    pub shops: Vec<ShopAging>,
    pub managers: Vec<ManagerAging>,
    pub total: Aging,
    pub reminders: Vec<ReminderTask>,
    /// How long the figures took to add up, in milliseconds.
    pub took_ms: u64,
}

/// `GET /api/finance/shops/{shop}/statement?from=2026-11-01&to=2026-11-30` (days in China
/// time, both included): the shop's account over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    pub shop: String,
    pub name: String,
    pub terms: Option<PaymentTerms>,
    pub credit_limit: Option<Money>,
    pub from: String,
    pub to: String,
    pub as_of_ms: i64,
    /// What the shop owed at the start of the period and at its end.
    pub opening: Money,
    pub closing: Money,
    pub prepaid_opening: Money,
    pub prepaid_closing: Money,
    /// Every entry in the period, oldest first.
    pub entries: Vec<StatementEntry>,
    /// Invoices open now, oldest due first.
    pub open_invoices: Vec<InvoiceSummary>,
    pub aging: Aging,
    pub on_account: Money,
    /// Now: what the shop owes and holds.
    pub receivable: Money,
    pub prepaid: Money,
    pub points: u32,
    /// What it owes on orders not invoiced yet.
    pub unbilled: Money,
    pub reminders: Vec<Reminder>,
}

/// `POST /api/finance/payments`: a payment received from a shop. `amount` in yuan
/// (`"1200.50"`); `invoices` the ones it pays first (empty: the oldest due); `received_on`
/// the day it arrived (`2026-11-30`, China time; today if absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = domain::sku::ShopId))]
    pub shop: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::PaymentAmount))]
    pub amount: String,
    /// The bank's or the payer's reference: once per shop.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Text, max_length = 64))]
    pub reference: String,
    /// `bank`, `cash`, `wechat`, `alipay`, `other`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::PaymentMethod))]
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schemas::Day>))]
    pub received_on: Option<String>,
    #[serde(default)]
    pub invoices: Vec<String>,
    #[serde(default)]
    pub note: String,
    /// A top-up: the money goes into the shop's prepaid balance instead of paying
    /// invoices (no invoice may be named).
    #[serde(default)]
    pub to_prepaid: bool,
}

/// The ways a payment arrives.
pub const PAYMENT_METHODS: [&str; 5] = ["bank", "cash", "wechat", "alipay", "other"];

/// What a recorded payment paid, and what the shop owes after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentRecorded {
    pub allocations: Vec<(String, Money)>,
    pub on_account: Money,
    pub receivable: Money,
}

/// `GET /api/finance/invoices/{number}`: an invoice in full, for printing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceDetail {
    pub shop: String,
    pub name: String,
    pub invoice: Invoice,
    pub open: Money,
}

/// One group of a sales report: what it sold, for how much, and (for admins and finance)
/// what it cost and the gross margin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalesRow {
    /// The SKU, category, shop, tier, manager's username, `2026-11` or `2026-11-30`.
    pub key: String,
    pub label: domain::product::LocalizedText,
    pub orders: i64,
    pub units: i64,
    /// Before tax, after discounts.
    pub revenue: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<Money>,
    /// Margin as a percentage of revenue, one decimal (`"23.4"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_percent: Option<String>,
    /// Lines sold without a known cost (their cost counts as unknown, not zero).
    #[serde(default)]
    pub uncosted_lines: i64,
}

/// `GET /api/reports/sales?by=product&from=2026-11-01&to=2026-11-30&sort=revenue&order=desc`:
/// sales of orders taken in over the period (not rejected or cancelled) by `product`,
/// `category`, `shop`, `tier`, `manager`, `month` or `day`. Sorted ascending, products
/// include those on sale that sold nothing (slow sellers: `sort=units&order=asc`). Cost and margin for admins and
/// finance only; an account manager sees his own shops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalesReport {
    pub by: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<SalesRow>,
    pub total: SalesRow,
    pub with_cost: bool,
    pub took_ms: u64,
}

/// `POST /api/admin/products/{sku}/costs`: the unit cost from a day on (today if absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CostEdit {
    pub cost: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// A product's cost from a moment on, as it was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostEntry {
    pub from_ms: i64,
    pub cost: Money,
    pub actor: String,
    pub note: String,
    pub set_ms: i64,
}

/// A shop brought in by another (分销), with what it brought its inviter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitee {
    pub shop: String,
    pub name: String,
    pub since_ms: i64,
    /// Goods shipped to it since (after discounts, before tax).
    pub goods: Money,
    /// What shipments still inside their return window should earn.
    pub pending: Money,
    /// What was paid for it.
    pub paid: Money,
}

/// The shop that brought a shop in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inviter {
    pub shop: String,
    pub name: String,
    pub since_ms: i64,
}

/// `GET /api/shop/referral`: a shop's invite code, who brought it in, the shops it
/// brought in and what they earned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Referral {
    pub shop: String,
    pub code: String,
    /// None: the distributor pays no commissions now.
    pub rules: Option<domain::commission::ReferralRules>,
    pub inviter: Option<Inviter>,
    pub invitees: Vec<Invitee>,
    pub pending: Money,
    pub paid: Money,
    /// Whether it may still take another shop's code (never shipped to, no inviter).
    pub may_take_code: bool,
}

/// `POST /api/shop/referral`: the invite code of the shop that brought this one in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TakeCode {
    /// The shop (for an account manager acting for it).
    #[serde(default)]
    pub shop: Option<String>,
    pub code: String,
}

/// One shop that brought others in, for finance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviterCommissions {
    pub shop: String,
    pub name: String,
    pub invitees: u32,
    pub goods: Money,
    pub pending: Money,
    pub paid: Money,
    /// Paid within the period asked for.
    pub paid_in_period: Money,
}

/// `GET /api/finance/commissions`: every inviter's commissions, and the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Commissions {
    pub rules: Option<domain::commission::ReferralRules>,
    pub from: String,
    pub to: String,
    pub inviters: Vec<InviterCommissions>,
    pub pending: Money,
    pub paid_in_period: Money,
}

/// `GET`/`PUT /api/admin/approval-rules`: when an order placed on a phone waits for the
/// shop's OK (None: never, every order is confirmed as the server prices it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalRulesBody {
    pub rules: Option<domain::checkout::ApprovalRules>,
}

/// `PUT /api/admin/referral-rules`: the share and return window (None: no commissions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferralRulesBody {
    pub rules: Option<domain::commission::ReferralRules>,
}

/// `PUT /api/admin/shops/{shop}/inviter`: the shop that brought it in (None: nobody).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviterBody {
    pub inviter: Option<String>,
}

/// One group of a fill-rate report: orders served on time and in full against a promise
/// to ship within so many hours of taking the order in. Rates are over the orders that
/// can be judged (all shipped, or past the promise); those still within it are `open`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FillRateRow {
    pub key: String,
    pub label: domain::product::LocalizedText,
    pub orders: u64,
    pub open: u64,
    pub judged: u64,
    pub on_time: u64,
    pub in_full: u64,
    pub otif: u64,
    pub ordered_units: u64,
    pub shipped_units: u64,
    pub on_time_units: u64,
    /// Units shipped of units ordered, in % to one decimal (judged orders).
    pub fill_rate: Option<String>,
    /// On time and in full, in % of judged orders.
    pub otif_rate: Option<String>,
    pub on_time_rate: Option<String>,
    pub in_full_rate: Option<String>,
}

/// `GET /api/reports/fill-rate?by=&from=&to=&within_hours=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FillRateReport {
    pub by: String,
    pub from: String,
    pub to: String,
    pub within_hours: u32,
    pub rows: Vec<FillRateRow>,
    pub total: FillRateRow,
    pub took_ms: u64,
}
