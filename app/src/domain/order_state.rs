//! The order lifecycle: states, the events that move an order, and the one function that
//! decides whether a move is allowed.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Placed on a device, not yet applied by the server.
    Submitted,
    Confirmed,
    /// Refused by the server (no line could be supplied, customer blocked, ...).
    Rejected,
    OnHold,
    Backordered,
    Allocated,
    Picking,
    Packed,
    PartiallyShipped,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEvent {
    Confirm,
    Reject,
    Hold,
    Release,
    Backorder,
    Allocate,
    StartPicking,
    Pack,
    ShipPart,
    Ship,
    Deliver,
    Complete,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from:?} cannot {event:?}")]
pub struct TransitionError {
    pub from: OrderState,
    pub event: OrderEvent,
}

impl OrderState {
    /// The transition table. Everything not listed is an error.
    pub fn apply(self, event: OrderEvent) -> Result<OrderState, TransitionError> {
        use OrderEvent as E;
        use OrderState as S;
        let next = match (self, event) {
            (S::Submitted, E::Confirm) => S::Confirmed,
            (S::Submitted, E::Reject) => S::Rejected,
            (S::Confirmed | S::Backordered | S::Allocated, E::Hold) => S::OnHold,
            (S::OnHold, E::Release) => S::Confirmed,
            (S::Confirmed, E::Backorder) => S::Backordered,
            (S::Confirmed | S::Backordered, E::Allocate) => S::Allocated,
            (S::Allocated, E::StartPicking) => S::Picking,
            (S::Picking, E::Pack) => S::Packed,
            (S::Packed, E::ShipPart) => S::PartiallyShipped,
            (S::Packed | S::PartiallyShipped, E::Ship) => S::Shipped,
            (S::Shipped, E::Deliver) => S::Delivered,
            (S::Delivered, E::Complete) => S::Completed,
            (
                S::Submitted | S::Confirmed | S::OnHold | S::Backordered | S::Allocated,
                E::Cancel,
            ) => S::Cancelled,
            (from, event) => return Err(TransitionError { from, event }),
        };
        Ok(next)
    }

    /// True once nothing more can happen to the order.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderState::Completed | OrderState::Cancelled | OrderState::Rejected
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: [OrderEvent; 13] = [
        OrderEvent::Confirm,
        OrderEvent::Reject,
        OrderEvent::Hold,
        OrderEvent::Release,
        OrderEvent::Backorder,
        OrderEvent::Allocate,
        OrderEvent::StartPicking,
        OrderEvent::Pack,
        OrderEvent::ShipPart,
        OrderEvent::Ship,
        OrderEvent::Deliver,
        OrderEvent::Complete,
        OrderEvent::Cancel,
    ];

    #[test]
    fn happy_path_reaches_completed() {
        let mut state = OrderState::Submitted;
        for event in [
            OrderEvent::Confirm,
            OrderEvent::Allocate,
            OrderEvent::StartPicking,
            OrderEvent::Pack,
            OrderEvent::Ship,
            OrderEvent::Deliver,
            OrderEvent::Complete,
        ] {
            state = state.apply(event).unwrap();
        }
        assert_eq!(state, OrderState::Completed);
    }

    #[test]
    fn final_states_accept_no_event_and_shipped_orders_cannot_be_cancelled() {
        for state in [
            OrderState::Completed,
            OrderState::Cancelled,
            OrderState::Rejected,
        ] {
            for event in EVENTS {
                assert!(state.apply(event).is_err(), "{state:?} {event:?}");
            }
        }
        assert_eq!(
            OrderState::Shipped.apply(OrderEvent::Cancel),
            Err(TransitionError {
                from: OrderState::Shipped,
                event: OrderEvent::Cancel
            })
        );
    }
}
