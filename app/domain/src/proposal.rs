//! An account manager's proposed order (建议订单): he starts from the suggested order
//! ([`crate::forecast::suggest_order`]), adjusts it in the field and sends it to the shop,
//! which accepts it (the order is placed under the proposal's id, so whichever of the
//! shop's devices or the manager's places it, it is one order), edits it or declines it.

use serde::{Deserialize, Serialize};

use crate::forecast::Why;
use crate::order::RequestId;
use crate::sku::{ShopId, Sku};

/// The most lines a proposal may carry.
pub const MAX_LINES: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    /// Minted by the manager's device; the order placed from it takes this id.
    pub id: RequestId,
    pub shop: ShopId,
    /// The manager's name as shown.
    pub by: String,
    pub sent_ms: i64,
    /// Start of the week it is for.
    pub week_ms: i64,
    /// What was proposed, as sent (the shared lines may change after).
    pub lines: Vec<ProposedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedLine {
    pub sku: Sku,
    pub quantity: u32,
    pub why: Why,
}

/// What the shop (or the manager with its agreement) did with a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Placed as an order whose request id is the proposal's id.
    Ordered,
    Declined,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalAnswer {
    pub proposal: RequestId,
    pub answer: Answer,
    pub by: String,
    pub at_ms: i64,
}

impl Proposal {
    /// Why a proposal cannot be kept (device-written data is checked by the server).
    pub fn check(&self) -> Result<(), String> {
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            return Err(format!(
                "a proposal has 1 to {MAX_LINES} lines, not {}",
                self.lines.len()
            ));
        }
        if let Some(line) = self
            .lines
            .iter()
            .find(|l| l.quantity == 0 || l.quantity > 100_000)
        {
            return Err(format!("{}: a quantity of 1 to 100 000", line.sku));
        }
        if self.by.chars().count() > 100 {
            return Err("by holds at most 100 characters".into());
        }
        Ok(())
    }
}
