//! API keys for other systems (an ERP, a marketplace connector): what an admin asks for,
//! what the server answers once (the key itself), and how a key is listed afterwards.

use serde::{Deserialize, Serialize};

/// What a key may do. Each names the calls it opens; a key can do nothing else, and never
/// reaches a shop's documents.
pub const SCOPES: [&str; 10] = [
    // Every shop's orders, one by one and listed.
    "orders:read",
    // Place orders for shops (`POST /api/orders`, channel `api`).
    "orders:write",
    // Ship and deliver orders (a warehouse system).
    "orders:fulfil",
    // The catalog: products, listed and one by one.
    "catalog:read",
    // Create and change products and categories (an ERP that keeps the product master).
    "catalog:write",
    // Stock levels.
    "stock:read",
    // Count and receive stock (reads it too).
    "stock:write",
    // Invoices and payments (changed after a cursor, exported for a period, one by one),
    // receivables and statements.
    "finance:read",
    // Record payments received (a bank or an ERP reporting what shops paid).
    "finance:write",
    // Shops (customers): listed and one by one, with their terms.
    "customers:read",
];

/// `POST /api/admin/api-keys`: a key for the system `name` with `scopes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Text, max_length = 64))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::schemas::ScopeName>, min_items = 1))]
    pub scopes: Vec<String>,
    /// The orders it places wait for a person's review (held) before the warehouse sees
    /// them.
    #[serde(default)]
    pub review: bool,
    /// It may send its own prices with an order (a marketplace's): its lines cost those,
    /// and the difference from the distributor's price is recorded.
    #[serde(default)]
    pub own_prices: bool,
    /// It stops working after this many days (none: until revoked).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
}

/// The longest a key may be made to last, in days, when it expires at all.
pub const MAX_EXPIRY_DAYS: u32 = 3650;

/// `PATCH /api/admin/api-keys/{id}`: change a channel's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiKeyChange {
    #[serde(default)]
    pub review: Option<bool>,
    #[serde(default)]
    pub own_prices: Option<bool>,
}

/// A key as listed: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<String>,
    /// Its orders wait for review.
    #[serde(default)]
    pub review: bool,
    /// It may send its own prices.
    #[serde(default)]
    pub own_prices: bool,
    pub created_ms: i64,
    pub created_by: String,
    /// When a call last used it (to the minute).
    pub last_used_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
    /// When it stops working (none: until revoked).
    #[serde(default)]
    pub expires_ms: Option<i64>,
}

/// The answer to [`NewApiKey`]: the key, shown this once (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    pub key: String,
    pub row: ApiKeyRow,
}

/// `GET /api/admin/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    /// Newest first.
    pub keys: Vec<ApiKeyRow>,
    /// Pass as `before` for the next page; `None` on the last.
    #[serde(default)]
    pub next: Option<i64>,
}
