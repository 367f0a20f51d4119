//! The order lifecycle and the return (after-sales) lifecycle: states, the events that
//! move them, and for each the one function that decides whether a move is allowed.
//! [`record`] applies an event and returns the audit entry: who, when, why.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl OrderEvent {
    /// The event's name as JSON spells it (`start_picking`).
    pub fn name(self) -> &'static str {
        match self {
            OrderEvent::Confirm => "confirm",
            OrderEvent::Reject => "reject",
            OrderEvent::Hold => "hold",
            OrderEvent::Release => "release",
            OrderEvent::Backorder => "backorder",
            OrderEvent::Allocate => "allocate",
            OrderEvent::StartPicking => "start_picking",
            OrderEvent::Pack => "pack",
            OrderEvent::ShipPart => "ship_part",
            OrderEvent::Ship => "ship",
            OrderEvent::Deliver => "deliver",
            OrderEvent::Complete => "complete",
            OrderEvent::Cancel => "cancel",
        }
    }

    pub const ALL: [OrderEvent; 13] = [
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
            // Back to where it was held; `fulfilment::release` reads that from the history.
            (S::OnHold, E::Release) => S::Confirmed,
            (S::Confirmed, E::Backorder) => S::Backordered,
            (S::Confirmed | S::Backordered, E::Allocate) => S::Allocated,
            // Stock for the rest of a partly shipped order arrived.
            (S::PartiallyShipped, E::Allocate) => S::PartiallyShipped,
            (S::Confirmed | S::Allocated | S::PartiallyShipped, E::StartPicking) => S::Picking,
            (S::Picking, E::Pack) => S::Packed,
            // Picking and packing are steps a warehouse may skip: a shipment can leave from
            // any state with reserved stock.
            (
                S::Confirmed | S::Allocated | S::Picking | S::Packed | S::PartiallyShipped,
                E::ShipPart,
            ) => S::PartiallyShipped,
            (
                S::Confirmed | S::Allocated | S::Picking | S::Packed | S::PartiallyShipped,
                E::Ship,
            ) => S::Shipped,
            (S::Shipped, E::Deliver) => S::Delivered,
            (S::Delivered, E::Complete) => S::Completed,
            // Staff may still cancel while picking and packing (the goods go back on the
            // shelf); a shop may only before picking starts (`shop_may_cancel`).
            (
                S::Submitted
                | S::Confirmed
                | S::OnHold
                | S::Backordered
                | S::Allocated
                | S::Picking
                | S::Packed,
                E::Cancel,
            ) => S::Cancelled,
            (from, event) => return Err(TransitionError { from, event }),
        };
        Ok(next)
    }

    /// True while the shop itself may cancel the order: until picking starts. After that
    /// its request goes to staff.
    pub fn shop_may_cancel(self) -> bool {
        matches!(
            self,
            OrderState::Submitted
                | OrderState::Confirmed
                | OrderState::OnHold
                | OrderState::Backordered
                | OrderState::Allocated
        )
    }

    /// True once nothing more can happen to the order.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderState::Completed | OrderState::Cancelled | OrderState::Rejected
        )
    }

    /// True while the order is on its way: confirmed and not yet delivered (or ended).
    /// A shop's devices keep the order volume of such an order, to see it move.
    pub fn is_underway(self) -> bool {
        !self.is_final() && !matches!(self, OrderState::Submitted | OrderState::Delivered)
    }

    /// The state's name as JSON and the tables spell it (`partially_shipped`).
    pub fn name(self) -> &'static str {
        match self {
            OrderState::Submitted => "submitted",
            OrderState::Confirmed => "confirmed",
            OrderState::Rejected => "rejected",
            OrderState::OnHold => "on_hold",
            OrderState::Backordered => "backordered",
            OrderState::Allocated => "allocated",
            OrderState::Picking => "picking",
            OrderState::Packed => "packed",
            OrderState::PartiallyShipped => "partially_shipped",
            OrderState::Shipped => "shipped",
            OrderState::Delivered => "delivered",
            OrderState::Completed => "completed",
            OrderState::Cancelled => "cancelled",
        }
    }

    /// The events that are possible from this state, in lifecycle order (what a screen
    /// offers, and what an illegal transition's message lists).
    pub fn possible_events(self) -> Vec<OrderEvent> {
        OrderEvent::ALL
            .into_iter()
            .filter(|event| self.apply(*event).is_ok())
            .collect()
    }

    pub const ALL: [OrderState; 13] = [
        OrderState::Submitted,
        OrderState::Confirmed,
        OrderState::Rejected,
        OrderState::OnHold,
        OrderState::Backordered,
        OrderState::Allocated,
        OrderState::Picking,
        OrderState::Packed,
        OrderState::PartiallyShipped,
        OrderState::Shipped,
        OrderState::Delivered,
        OrderState::Completed,
        OrderState::Cancelled,
    ];
}

/// A recorded change of state: the audit trail entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transition<S, E> {
    pub from: S,
    pub event: E,
    pub to: S,
    pub actor: String,
    pub at_ms: i64,
    pub reason: String,
}

/// Applies `event` to an order in `state`, returning the new state's audit entry.
pub fn record(
    state: OrderState,
    event: OrderEvent,
    actor: &str,
    at_ms: i64,
    reason: &str,
) -> Result<Transition<OrderState, OrderEvent>, TransitionError> {
    let to = state.apply(event)?;
    Ok(Transition {
        from: state,
        event,
        to,
        actor: actor.to_owned(),
        at_ms,
        reason: reason.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const EVENTS: [OrderEvent; 13] = OrderEvent::ALL;

    #[test]
    fn names_are_the_json_names() {
        for state in OrderState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.name());
        }
        for event in OrderEvent::ALL {
            assert_eq!(serde_json::to_value(event).unwrap(), event.name());
        }
    }

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

    #[test]
    fn a_transition_is_recorded_with_who_when_and_why() {
        let entry = record(
            OrderState::Confirmed,
            OrderEvent::Hold,
            "admin",
            42,
            "credit check",
        )
        .unwrap();
        assert_eq!(
            (
                entry.from,
                entry.to,
                entry.actor.as_str(),
                entry.at_ms,
                entry.reason.as_str()
            ),
            (
                OrderState::Confirmed,
                OrderState::OnHold,
                "admin",
                42,
                "credit check"
            )
        );
        assert!(record(OrderState::Completed, OrderEvent::Cancel, "admin", 43, "").is_err());
    }

    proptest! {
        #[test]
        fn every_reachable_state_obeys_the_transition_table(events in proptest::collection::vec(0usize..13, 0..40)) {
            let mut state = OrderState::Submitted;
            let mut trail = Vec::new();
            for index in events {
                let event = EVENTS[index];
                match record(state, event, "t", 0, "") {
                    Ok(entry) => {
                        prop_assert_eq!(entry.from, state);
                        prop_assert!(!state.is_final(), "a final state moved");
                        state = entry.to;
                        trail.push(entry);
                    }
                    Err(error) => prop_assert_eq!(error, TransitionError { from: state, event }),
                }
            }
            // The trail replays: each entry starts where the previous one ended.
            let mut replay = OrderState::Submitted;
            for entry in &trail {
                prop_assert_eq!(entry.from, replay);
                replay = replay.apply(entry.event).unwrap();
            }
            prop_assert_eq!(replay, state);
        }
    }
}
