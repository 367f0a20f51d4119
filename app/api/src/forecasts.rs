//! Forecasts and proposed orders: the holiday calendar, a shop's paused weeks and the
//! accuracy of what account managers proposed.

use domain::forecast::Holiday;
use domain::product::LocalizedText;
use serde::{Deserialize, Serialize};

/// `GET`/`PUT /api/admin/holidays`: the whole calendar.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HolidayCalendar {
    pub holidays: Vec<Holiday>,
}

/// A stretch of days a shop does not order (a seasonal closure): its weeks are skipped by
/// the forecast and shown as paused in the accuracy report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pause {
    pub id: i64,
    pub from: String,
    pub until: String,
    pub note: String,
    pub by: String,
}

/// `POST /api/shops/{shop}/pauses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPause {
    pub from: String,
    pub until: String,
    #[serde(default)]
    pub note: String,
}

/// One group of the accuracy report: proposals sent in the period and how far what was
/// proposed was from what the shop ordered in the weeks it covers (seven days, or up to
/// four weeks until the manager's next visit).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccuracyRow {
    pub key: String,
    pub label: LocalizedText,
    pub proposals: u64,
    /// Placed as an order from the proposal.
    pub ordered: u64,
    pub declined: u64,
    /// Neither yet.
    pub open: u64,
    /// Sent for a week the shop had paused: not judged.
    pub paused: u64,
    /// Proposals whose weeks have passed (the ones judged).
    pub judged: u64,
    pub proposed_units: u64,
    pub ordered_units: u64,
    /// Σ|proposed − ordered| / Σ ordered per SKU, in % to one decimal.
    pub wape: Option<String>,
    /// Σ(proposed − ordered) / Σ ordered, in % to one decimal (positive: proposed too much).
    pub bias: Option<String>,
}

/// `GET /api/reports/forecast-accuracy?by=shop|manager|month&from=&to=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccuracyReport {
    pub by: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<AccuracyRow>,
    pub total: AccuracyRow,
}

/// An account manager's visit to a shop (`POST /api/visits`; the id is minted by his
/// phone, so a visit sent twice is stored once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Visit {
    pub id: String,
    pub shop: String,
    pub visited_ms: i64,
    #[serde(default)]
    pub note: String,
    /// The next visit's date, `YYYY-MM-DD`.
    #[serde(default)]
    pub next_visit: Option<String>,
    /// Who visited (set by the server).
    #[serde(default)]
    pub manager: String,
    /// Their name as staff know it (set by the server when it lists visits).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manager_name: String,
}
