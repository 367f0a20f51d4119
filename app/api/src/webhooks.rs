//! Webhooks out: endpoints an admin subscribes to events, the events a delivery carries, and
//! each delivery's attempts as the back office shows them.
//!
//! A delivery is a `POST` of one [`Event`] as JSON with the headers `Dinghuo-Event-Id`,
//! `Dinghuo-Event-Type`, `Dinghuo-Timestamp` (Unix seconds) and `Dinghuo-Signature:
//! v1=<hex>`, the HMAC-SHA256 under the endpoint's secret of `"{timestamp}.{body}"`. Any
//! 2xx answer is delivered; anything else (or no answer in 10 s) is retried with backoff.
//! A receiver drops an event id it has handled (a delivery may arrive more than once).

use serde::{Deserialize, Serialize};

/// What an endpoint can subscribe to.
pub const EVENTS: [&str; 13] = [
    // An order was taken in (any channel), whatever its answer.
    "order.placed",
    // An order was confirmed (at intake, or when released from review).
    "order.confirmed",
    // An order was held (for review, credit, the shop's OK, or by staff).
    "order.held",
    // An order changed otherwise: lines edited, picking, packed, released, completed.
    "order.changed",
    // An order was cancelled.
    "order.cancelled",
    // An order was refused at intake (nothing could be supplied, unknown SKU …).
    "order.rejected",
    // A shipment of an order left the warehouse.
    "order.shipped",
    // An order was delivered.
    "order.delivered",
    // Goods of an order came back (a return was received).
    "order.returned",
    // An invoice was raised for a shipment.
    "invoice.raised",
    // A payment was recorded.
    "payment.received",
    // A stock level fell to or below its low threshold.
    "stock.low",
    // Sent by the back office's "send a test event", to try an endpoint.
    "ping",
];

/// One event as a receiver gets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// `evt_` and 32 hex digits: the same on every delivery of this event.
    pub id: String,
    /// One of [`EVENTS`].
    #[serde(rename = "type")]
    pub kind: String,
    /// When the change was committed (Unix ms).
    pub created_ms: i64,
    /// What changed: for `order.*` `{shop, channel, order}` (the order as
    /// `GET /api/orders/{id}` shows it), for `invoice.raised` the invoice, for
    /// `payment.received` the payment, for `stock.low` the level.
    pub data: serde_json::Value,
}

/// `POST /api/admin/webhooks`: subscribe `url` to `events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// `https://…`, or `http://` to a loopback address (for tests).
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::schemas::EventName>, min_items = 1))]
    pub events: Vec<String>,
    /// Who receives it (for the admin's list).
    #[serde(default)]
    pub description: String,
}

/// `PATCH /api/admin/webhooks/{id}`: turn an endpoint on or off, or change its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointChange {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::schemas::EventName>>, min_items = 1))]
    pub events: Option<Vec<String>>,
}

/// An endpoint as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_ms: i64,
    pub created_by: String,
    /// Since when every attempt failed (none succeeded since); `None` when healthy.
    pub failing_since_ms: Option<i64>,
    /// Why it was turned off, when it was (by an admin, or after failing for a day).
    pub disabled_reason: Option<String>,
    pub disabled_ms: Option<i64>,
    /// Deliveries not yet made (waiting for their next attempt).
    pub pending: i64,
    /// Deliveries made.
    pub delivered: i64,
}

/// The answer to [`NewEndpoint`]: the signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointCreated {
    pub secret: String,
    pub endpoint: Endpoint,
}

/// `GET /api/admin/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointList {
    pub endpoints: Vec<Endpoint>,
}

/// One try to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    pub at_ms: i64,
    /// The HTTP status the receiver answered, if it answered.
    pub status: Option<u16>,
    /// The first 500 characters of its answer, or why there was none (refused, timed out).
    pub response: String,
    pub took_ms: i64,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub created_ms: i64,
    /// `pending` (another attempt is due at `next_ms`), `delivered` or `failed` (retries
    /// ran out; the admin can resend).
    pub state: String,
    pub next_ms: Option<i64>,
    pub delivered_ms: Option<i64>,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
}

/// `GET /api/admin/webhooks/{id}/deliveries?before=ID&limit=N`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryPage {
    pub deliveries: Vec<Delivery>,
    /// Pass as `before` for the next (older) page; `None` at the end.
    pub next: Option<i64>,
}
