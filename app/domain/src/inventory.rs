//! Stock per warehouse and how orders take it: available-to-promise, reservation when an
//! order is confirmed, release when it is cancelled, shipping; allocation from the nearest
//! warehouse first, split across warehouses, the rest backordered; and when stock is short,
//! priority by customer tier, then requested delivery date, then order time.
//! Nothing here lets a quantity go below zero or promises more than is available.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::pricing::RequestedLine;
use super::sku::{Sku, WarehouseId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLevel {
    pub on_hand: u32,
    pub reserved: u32,
    /// Kept back for emergencies; never promised.
    pub safety: u32,
}

impl StockLevel {
    /// available-to-promise = on hand − reserved − safety stock (never below zero).
    pub fn available_to_promise(&self) -> u32 {
        self.on_hand
            .saturating_sub(self.reserved)
            .saturating_sub(self.safety)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inventory {
    pub levels: BTreeMap<(WarehouseId, Sku), StockLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub warehouse: WarehouseId,
    pub sku: Sku,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationResult {
    pub allocations: Vec<Allocation>,
    /// SKU → quantity that could not be promised now.
    pub backordered: BTreeMap<Sku, u32>,
}

/// Why a stock change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StockError {
    #[error("counted {counted} but {reserved} are reserved for orders")]
    BelowReserved { counted: u32, reserved: u32 },
    #[error("more than 100,000,000 units on hand (MAX_ON_HAND)")]
    TooMuch,
}

/// The most units one warehouse may hold of one SKU (a hundred million: more is a typing
/// error, and stays far from what the database's integers hold).
pub const MAX_ON_HAND: u32 = 100_000_000;

/// Stock level alerts for a warehouse and SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StockAlert {
    Low,
    Over,
}

impl Inventory {
    pub fn level(&self, warehouse: &WarehouseId, sku: &Sku) -> StockLevel {
        self.levels
            .get(&(warehouse.clone(), sku.clone()))
            .copied()
            .unwrap_or_default()
    }

    /// True when some warehouse keeps a level for `sku` (an untracked SKU is confirmed and
    /// shipped without reservations).
    pub fn is_tracked(&self, sku: &Sku) -> bool {
        self.levels.keys().any(|(_, s)| s == sku)
    }

    /// Goods arrived: `quantity` more on hand (a level is created for a SKU the warehouse
    /// did not hold).
    pub fn receive(
        &mut self,
        warehouse: &WarehouseId,
        sku: &Sku,
        quantity: u32,
    ) -> Result<(), StockError> {
        let level = self
            .levels
            .entry((warehouse.clone(), sku.clone()))
            .or_default();
        level.on_hand = level
            .on_hand
            .checked_add(quantity)
            .filter(|total| *total <= MAX_ON_HAND)
            .ok_or(StockError::TooMuch)?;
        Ok(())
    }

    /// A stock count: `on_hand` is what is there. Refused below what is reserved for
    /// orders (those units were promised: ship or cancel the orders, or count again).
    pub fn count(
        &mut self,
        warehouse: &WarehouseId,
        sku: &Sku,
        on_hand: u32,
        safety: Option<u32>,
    ) -> Result<(), StockError> {
        let level = self
            .levels
            .entry((warehouse.clone(), sku.clone()))
            .or_default();
        if on_hand > MAX_ON_HAND || safety.is_some_and(|s| s > MAX_ON_HAND) {
            return Err(StockError::TooMuch);
        }
        if on_hand < level.reserved {
            return Err(StockError::BelowReserved {
                counted: on_hand,
                reserved: level.reserved,
            });
        }
        level.on_hand = on_hand;
        if let Some(safety) = safety {
            level.safety = safety;
        }
        Ok(())
    }

    pub fn available_to_promise(&self, sku: &Sku) -> u32 {
        self.levels
            .iter()
            .filter(|((_, s), _)| s == sku)
            .map(|(_, l)| l.available_to_promise())
            .sum()
    }

    /// Reserves `lines` for one order, from the warehouses in `nearest_first` order, each
    /// line split across warehouses as needed; what no warehouse can promise is backordered.
    pub fn allocate(
        &mut self,
        lines: &[RequestedLine],
        nearest_first: &[WarehouseId],
    ) -> AllocationResult {
        let mut combined: BTreeMap<&Sku, u32> = BTreeMap::new();
        for line in lines {
            let quantity = combined.entry(&line.sku).or_default();
            *quantity = quantity.saturating_add(line.quantity);
        }
        let mut result = AllocationResult::default();
        for (sku, wanted) in combined {
            let mut remaining = wanted;
            for warehouse in nearest_first {
                if remaining == 0 {
                    break;
                }
                let Some(level) = self.levels.get_mut(&(warehouse.clone(), sku.clone())) else {
                    continue;
                };
                let take = level.available_to_promise().min(remaining);
                if take == 0 {
                    continue;
                }
                level.reserved += take;
                remaining -= take;
                result.allocations.push(Allocation {
                    warehouse: warehouse.clone(),
                    sku: sku.clone(),
                    quantity: take,
                });
            }
            if remaining > 0 {
                result.backordered.insert(sku.clone(), remaining);
            }
        }
        result
    }

    /// Gives reserved stock back (an order cancelled).
    pub fn release(&mut self, allocations: &[Allocation]) {
        for allocation in allocations {
            if let Some(level) = self
                .levels
                .get_mut(&(allocation.warehouse.clone(), allocation.sku.clone()))
            {
                level.reserved = level.reserved.saturating_sub(allocation.quantity);
            }
        }
    }

    /// Takes reserved stock out of the warehouse (an order shipped).
    pub fn ship(&mut self, allocations: &[Allocation]) {
        for allocation in allocations {
            if let Some(level) = self
                .levels
                .get_mut(&(allocation.warehouse.clone(), allocation.sku.clone()))
            {
                let quantity = allocation.quantity.min(level.reserved).min(level.on_hand);
                level.reserved -= quantity;
                level.on_hand -= quantity;
            }
        }
    }

    /// Low when available-to-promise is at or below `low`; over when on hand exceeds `over`.
    pub fn alerts(&self, low: u32, over: u32) -> Vec<(WarehouseId, Sku, StockAlert)> {
        self.levels
            .iter()
            .filter_map(|((warehouse, sku), level)| {
                let alert = if level.available_to_promise() <= low {
                    StockAlert::Low
                } else if level.on_hand > over {
                    StockAlert::Over
                } else {
                    return None;
                };
                Some((warehouse.clone(), sku.clone(), alert))
            })
            .collect()
    }
}

/// An order waiting for stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingOrder {
    pub id: String,
    /// 0 is the highest tier.
    pub tier_rank: u32,
    pub requested_delivery_ms: Option<i64>,
    /// The order's value: among equals, the larger order is served first.
    pub value: rust_decimal::Decimal,
    pub placed_ms: i64,
    pub lines: Vec<RequestedLine>,
    pub nearest_first: Vec<WarehouseId>,
}

impl PendingOrder {
    /// Higher tier first, then the earlier requested delivery date (orders without one after
    /// those with), then the larger order, then the earlier one.
    pub fn priority(
        &self,
    ) -> (
        u32,
        bool,
        Option<i64>,
        std::cmp::Reverse<rust_decimal::Decimal>,
        i64,
        &str,
    ) {
        (
            self.tier_rank,
            self.requested_delivery_ms.is_none(),
            self.requested_delivery_ms,
            std::cmp::Reverse(self.value),
            self.placed_ms,
            self.id.as_str(),
        )
    }
}

/// Allocates several orders competing for short stock, in [`PendingOrder::priority`] order.
pub fn allocate_by_priority(
    inventory: &mut Inventory,
    orders: &[PendingOrder],
) -> Vec<(String, AllocationResult)> {
    let mut queue: Vec<&PendingOrder> = orders.iter().collect();
    queue.sort_by(|a, b| a.priority().cmp(&b.priority()));
    queue
        .into_iter()
        .map(|order| {
            (
                order.id.clone(),
                inventory.allocate(&order.lines, &order.nearest_first),
            )
        })
        .collect()
}

/// One shipment from one warehouse, possibly serving several orders of one shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    pub warehouse: WarehouseId,
    pub lines: BTreeMap<Sku, u32>,
    pub orders: Vec<String>,
}

/// Splits allocations by warehouse and merges a shop's orders that ship from the same one.
pub fn shipments(orders: &[(String, Vec<Allocation>)]) -> Vec<Shipment> {
    let mut by_warehouse: BTreeMap<WarehouseId, Shipment> = BTreeMap::new();
    for (order, allocations) in orders {
        for allocation in allocations {
            let shipment = by_warehouse
                .entry(allocation.warehouse.clone())
                .or_insert_with(|| Shipment {
                    warehouse: allocation.warehouse.clone(),
                    lines: BTreeMap::new(),
                    orders: Vec::new(),
                });
            *shipment.lines.entry(allocation.sku.clone()).or_default() += allocation.quantity;
            if !shipment.orders.contains(order) {
                shipment.orders.push(order.clone());
            }
        }
    }
    by_warehouse.into_values().collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn wh(id: &str) -> WarehouseId {
        WarehouseId::parse(id).unwrap()
    }

    fn sku(id: &str) -> Sku {
        Sku::parse(id).unwrap()
    }

    fn line(code: &str, quantity: u32) -> RequestedLine {
        RequestedLine {
            sku: sku(code),
            quantity,
        }
    }

    fn inventory() -> Inventory {
        let mut levels = BTreeMap::new();
        levels.insert(
            (wh("near"), sku("A")),
            StockLevel {
                on_hand: 10,
                reserved: 2,
                safety: 3,
            },
        );
        levels.insert(
            (wh("far"), sku("A")),
            StockLevel {
                on_hand: 20,
                reserved: 0,
                safety: 0,
            },
        );
        levels.insert(
            (wh("far"), sku("B")),
            StockLevel {
                on_hand: 4,
                reserved: 0,
                safety: 0,
            },
        );
        Inventory { levels }
    }

    #[test]
    fn available_to_promise_keeps_reservations_and_safety_stock_back() {
        assert_eq!(
            StockLevel {
                on_hand: 10,
                reserved: 2,
                safety: 3
            }
            .available_to_promise(),
            5
        );
        assert_eq!(
            StockLevel {
                on_hand: 4,
                reserved: 3,
                safety: 3
            }
            .available_to_promise(),
            0
        );
        assert_eq!(inventory().available_to_promise(&sku("A")), 25);
    }

    #[test]
    fn the_nearest_warehouse_ships_first_then_the_order_splits_then_backorders() {
        let mut stock = inventory();
        let result = stock.allocate(&[line("A", 8), line("B", 6)], &[wh("near"), wh("far")]);
        assert_eq!(
            result.allocations,
            vec![
                Allocation {
                    warehouse: wh("near"),
                    sku: sku("A"),
                    quantity: 5
                },
                Allocation {
                    warehouse: wh("far"),
                    sku: sku("A"),
                    quantity: 3
                },
                Allocation {
                    warehouse: wh("far"),
                    sku: sku("B"),
                    quantity: 4
                },
            ]
        );
        assert_eq!(result.backordered, [(sku("B"), 2)].into());
        assert_eq!(stock.level(&wh("near"), &sku("A")).reserved, 7);
        stock.release(&result.allocations);
        assert_eq!(stock, inventory());
    }

    #[test]
    fn shipping_takes_reserved_stock_out() {
        let mut stock = inventory();
        let result = stock.allocate(&[line("B", 3)], &[wh("far")]);
        stock.ship(&result.allocations);
        assert_eq!(
            stock.level(&wh("far"), &sku("B")),
            StockLevel {
                on_hand: 1,
                reserved: 0,
                safety: 0
            }
        );
    }

    #[test]
    fn short_stock_goes_to_the_higher_tier_then_the_earlier_date_then_the_earlier_order() {
        let order = |id: &str, tier_rank, due: Option<i64>, placed| PendingOrder {
            id: id.into(),
            tier_rank,
            requested_delivery_ms: due,
            value: rust_decimal::Decimal::ONE,
            placed_ms: placed,
            lines: vec![line("B", 2)],
            nearest_first: vec![wh("far")],
        };
        let mut stock = inventory();
        let results = allocate_by_priority(
            &mut stock,
            &[
                order("bronze-early", 2, None, 1),
                order("gold-no-date", 0, None, 5),
                order("gold-due-soon", 0, Some(10), 9),
                order("gold-late", 0, None, 7),
            ],
        );
        let served: Vec<(&str, u32)> = results
            .iter()
            .map(|(id, r)| (id.as_str(), r.allocations.iter().map(|a| a.quantity).sum()))
            .collect();
        assert_eq!(
            served,
            vec![
                ("gold-due-soon", 2),
                ("gold-no-date", 2),
                ("gold-late", 0),
                ("bronze-early", 0)
            ]
        );
    }

    #[test]
    fn a_shops_orders_from_one_warehouse_merge_into_one_shipment() {
        let a = vec![Allocation {
            warehouse: wh("far"),
            sku: sku("A"),
            quantity: 2,
        }];
        let b = vec![
            Allocation {
                warehouse: wh("far"),
                sku: sku("A"),
                quantity: 1,
            },
            Allocation {
                warehouse: wh("near"),
                sku: sku("B"),
                quantity: 4,
            },
        ];
        let merged = shipments(&[("o1".into(), a), ("o2".into(), b)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].warehouse, wh("far"));
        assert_eq!(merged[0].lines, [(sku("A"), 3)].into());
        assert_eq!(merged[0].orders, vec!["o1".to_string(), "o2".to_string()]);
    }

    proptest! {
        #[test]
        fn allocation_never_exceeds_stock_and_reservations_are_conserved(
            levels in proptest::collection::vec((0u32..3, 0u32..3, 0u32..50, 0u32..20, 0u32..10), 0..9),
            orders in proptest::collection::vec(proptest::collection::vec((0u32..3, 0u32..40), 1..4), 0..6),
        ) {
            let mut stock = Inventory::default();
            for (w, s, on_hand, reserved, safety) in levels {
                stock.levels.insert((wh(&format!("w{w}")), sku(&format!("S{s}"))), StockLevel { on_hand, reserved: reserved.min(on_hand), safety });
            }
            let before = stock.clone();
            let warehouses = [wh("w0"), wh("w1"), wh("w2")];
            let mut all = Vec::new();
            for order in &orders {
                let lines: Vec<RequestedLine> = order.iter().map(|(s, q)| line(&format!("S{s}"), *q)).collect();
                let atp_before: BTreeMap<Sku, u32> = lines.iter().map(|l| (l.sku.clone(), stock.available_to_promise(&l.sku))).collect();
                let result = stock.allocate(&lines, &warehouses);
                for (sku, atp) in atp_before {
                    let wanted: u32 = lines.iter().filter(|l| l.sku == sku).map(|l| l.quantity).sum();
                    let given: u32 = result.allocations.iter().filter(|a| a.sku == sku).map(|a| a.quantity).sum();
                    let backordered = result.backordered.get(&sku).copied().unwrap_or(0);
                    prop_assert!(given <= atp);
                    prop_assert_eq!(given + backordered, wanted);
                }
                all.extend(result.allocations);
            }
            for (key, level) in &stock.levels {
                let start = before.levels[key];
                prop_assert!(level.reserved - start.reserved <= start.available_to_promise(), "promised stock that was not there");
            }
            let reserved_before: u32 = before.levels.values().map(|l| l.reserved).sum();
            let reserved_after: u32 = stock.levels.values().map(|l| l.reserved).sum();
            let allocated: u32 = all.iter().map(|a| a.quantity).sum();
            prop_assert_eq!(reserved_after, reserved_before + allocated);
            stock.release(&all);
            prop_assert_eq!(stock, before);
        }
    }
}
