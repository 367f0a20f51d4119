//! What an ERP pulls (issue 14, point 5): invoices and payments changed after a cursor, as
//! orders are (`GET /api/orders/changes`). Amounts are yuan as decimal strings ("12.50").

use serde::{Deserialize, Serialize};

/// An invoice as it is now, with the number of its latest change (raised, made due at
/// delivery, paid in part or in full).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceChange {
    pub change: i64,
    pub number: String,
    pub shop: String,
    pub order_number: String,
    /// The order's request id (`GET /api/orders/{id}`).
    pub request_id: String,
    pub shipment: String,
    pub issued_ms: i64,
    /// `None` until something is due (cash on delivery: at the delivery).
    pub due_ms: Option<i64>,
    pub total: String,
    /// What is still to pay.
    pub open: String,
}

/// `GET /api/invoices/changes?after=N&limit=`: oldest change first; `next` is the cursor to
/// ask after (the last change in the page, or `after` when nothing changed since).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceChanges {
    pub invoices: Vec<InvoiceChange>,
    pub next: i64,
}

/// What part of a payment went to which invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentPart {
    pub invoice: String,
    pub amount: String,
}

/// A payment recorded (payments do not change once recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentChange {
    pub change: i64,
    pub id: i64,
    pub shop: String,
    /// The bank transfer's or receipt's number (once per shop).
    pub reference: String,
    pub method: String,
    pub received_ms: i64,
    pub recorded_ms: i64,
    pub recorded_by: String,
    pub amount: String,
    /// Nothing allocated: a top-up of the shop's prepaid balance.
    pub allocations: Vec<PaymentPart>,
    pub note: String,
}

/// `GET /api/payments/changes?after=N&limit=`, as [`InvoiceChanges`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentChanges {
    pub payments: Vec<PaymentChange>,
    pub next: i64,
}
