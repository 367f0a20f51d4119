//! The suggested order an account manager starts from: per SKU, from the shop's weekly
//! history. Demand is smoothed exponentially over the weeks the shop was open (a paused
//! week, such as a seasonal closure, is skipped rather than counted as zero, so a shop
//! that pauses is not forecast as lost); each week is first divided by its calendar
//! factor (a holiday week that sells double has factor 2), and the result is multiplied by
//! the factor of the week being ordered for. The quantity is rounded up to whole packs,
//! then capped by the shop's remaining quota and the stock available, rounded down to
//! whole packs. Accuracy is tracked as WAPE: Σ|forecast − actual| / Σ actual.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// One past week of one SKU at one shop, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandWeek {
    pub quantity: u32,
    /// The shop was closed or had paused ordering.
    pub paused: bool,
    /// The calendar factor of that week (1 for an ordinary week).
    pub factor: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastInput {
    pub history: Vec<DemandWeek>,
    /// Smoothing weight of the newest week, between 0 and 1 (0.3 is a usual start).
    pub alpha: Decimal,
    /// The calendar factor of the week being ordered for.
    pub next_factor: Decimal,
    /// The shop has paused ordering for the week being ordered for.
    pub next_paused: bool,
    pub pack_size: u32,
    pub quota_remaining: Option<u32>,
    pub stock_available: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastNote {
    /// No open week in the history: nothing to go on (a new product or a new shop).
    NoHistory,
    ShopPaused,
    CappedByQuota,
    CappedByStock,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub quantity: u32,
    /// Smoothed weekly demand (deseasonalised), for the explanation.
    pub level: Decimal,
    pub notes: Vec<ForecastNote>,
}

fn whole(value: Decimal) -> u32 {
    let value = value.max(Decimal::ZERO).trunc();
    u32::try_from(value.mantissa())
        .ok()
        .filter(|_| value.scale() == 0)
        .unwrap_or(u32::MAX)
}

/// The suggested quantity for the next week (see the module rules).
pub fn suggest(input: &ForecastInput) -> Suggestion {
    let alpha = input.alpha.clamp(Decimal::ZERO, Decimal::ONE);
    let mut level: Option<Decimal> = None;
    for week in input.history.iter().filter(|w| !w.paused) {
        let factor = if week.factor > Decimal::ZERO {
            week.factor
        } else {
            Decimal::ONE
        };
        let value = Decimal::from(week.quantity) / factor;
        level = Some(match level {
            None => value,
            Some(previous) => alpha * value + (Decimal::ONE - alpha) * previous,
        });
    }
    let mut notes = Vec::new();
    let Some(level) = level else {
        return Suggestion {
            quantity: 0,
            level: Decimal::ZERO,
            notes: vec![ForecastNote::NoHistory],
        };
    };
    let level = level.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven);
    if input.next_paused {
        return Suggestion {
            quantity: 0,
            level,
            notes: vec![ForecastNote::ShopPaused],
        };
    }
    let pack = input.pack_size.max(1);
    let demand = level * input.next_factor.max(Decimal::ZERO);
    let packs = (demand / Decimal::from(pack)).ceil();
    let mut quantity = whole(packs).saturating_mul(pack);
    for (cap, note) in [
        (input.quota_remaining, ForecastNote::CappedByQuota),
        (input.stock_available, ForecastNote::CappedByStock),
    ] {
        if let Some(cap) = cap {
            let capped = cap / pack * pack;
            if capped < quantity {
                quantity = capped;
                notes.push(note);
            }
        }
    }
    Suggestion {
        quantity,
        level,
        notes,
    }
}

/// Weighted absolute percentage error of `(forecast, actual)` pairs; `None` when nothing
/// was actually ordered (the ratio is undefined).
pub fn wape(pairs: &[(u32, u32)]) -> Option<Decimal> {
    let actual: u64 = pairs.iter().map(|(_, a)| u64::from(*a)).sum();
    if actual == 0 {
        return None;
    }
    let error: u64 = pairs.iter().map(|(f, a)| u64::from(f.abs_diff(*a))).sum();
    Some(
        (Decimal::from(error) / Decimal::from(actual))
            .round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven),
    )
}

/// An order of a product in short supply holding more than this many times the shop's
/// smoothed weekly demand is flagged (the bullwhip guard: panic orders in a shortage).
pub const FAR_ABOVE: u32 = 3;
/// The fewest open weeks of history the guard judges from (a shop new to a product is
/// not judged).
pub const GUARD_MIN_WEEKS: usize = 4;

/// The shop's smoothed weekly demand when `ordered` is far above it (more than
/// [`FAR_ABOVE`] times), judged from `history` (weekly, oldest first); None when it is
/// not, or when there are fewer than [`GUARD_MIN_WEEKS`] open weeks to judge from.
pub fn far_above_demand(history: &[DemandWeek], ordered: u32) -> Option<Decimal> {
    if history.iter().filter(|w| !w.paused).count() < GUARD_MIN_WEEKS {
        return None;
    }
    let level = suggest(&ForecastInput {
        history: history.to_vec(),
        alpha: Decimal::new(3, 1),
        next_factor: Decimal::ONE,
        next_paused: false,
        pack_size: 1,
        quota_remaining: None,
        stock_available: None,
    })
    .level;
    (Decimal::from(ordered) > level * Decimal::from(FAR_ABOVE)).then_some(level.round_dp(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(quantity: u32) -> DemandWeek {
        DemandWeek {
            quantity,
            paused: false,
            factor: Decimal::ONE,
        }
    }

    fn input(history: Vec<DemandWeek>) -> ForecastInput {
        ForecastInput {
            history,
            alpha: "0.5".parse().unwrap(),
            next_factor: Decimal::ONE,
            next_paused: false,
            pack_size: 1,
            quota_remaining: None,
            stock_available: None,
        }
    }

    fn check(input: ForecastInput, quantity: u32, level: &str, notes: &[ForecastNote]) {
        let got = suggest(&input);
        assert_eq!(
            (
                got.quantity,
                got.level.normalize().to_string(),
                got.notes.as_slice()
            ),
            (quantity, level.to_string(), notes),
            "{input:?}"
        );
    }

    #[test]
    fn suggestions() {
        // Smoothing: 10 → 20 gives 15 → 30 gives 22.5; rounded up to 23.
        check(input(vec![week(10), week(20), week(30)]), 23, "22.5", &[]);
        // A paused week is skipped, not counted as zero.
        let mut paused = vec![
            week(10),
            week(20),
            DemandWeek {
                quantity: 0,
                paused: true,
                factor: Decimal::ONE,
            },
            week(30),
        ];
        check(input(paused.clone()), 23, "22.5", &[]);
        // Counted as zero it would have dragged the level down: 10 → 15 → 7.5 → 18.75.
        paused[2].paused = false;
        check(input(paused), 19, "18.75", &[]);
        // A holiday week that sold double is halved; the next week's factor scales back up.
        let mut holiday = input(vec![
            week(10),
            DemandWeek {
                quantity: 20,
                paused: false,
                factor: Decimal::TWO,
            },
        ]);
        check(holiday.clone(), 10, "10", &[]);
        holiday.next_factor = "1.8".parse().unwrap();
        check(holiday, 18, "10", &[]);
        // Whole packs of 12, then capped by quota and stock in whole packs.
        let mut packs = input(vec![week(25)]);
        packs.pack_size = 12;
        check(packs.clone(), 36, "25", &[]);
        packs.quota_remaining = Some(30);
        check(packs.clone(), 24, "25", &[ForecastNote::CappedByQuota]);
        packs.stock_available = Some(20);
        check(
            packs,
            12,
            "25",
            &[ForecastNote::CappedByQuota, ForecastNote::CappedByStock],
        );
        // Nothing to go on; a paused shop gets nothing but keeps its level.
        check(input(vec![]), 0, "0", &[ForecastNote::NoHistory]);
        let mut closed = input(vec![week(8)]);
        closed.next_paused = true;
        check(closed, 0, "8", &[ForecastNote::ShopPaused]);
    }

    #[test]
    fn wape_weighs_errors_by_what_was_ordered() {
        assert_eq!(wape(&[(10, 10), (20, 10)]), Some("0.5".parse().unwrap()));
        assert_eq!(wape(&[(0, 4), (4, 0)]), Some(Decimal::TWO));
        assert_eq!(wape(&[(3, 0)]), None);
    }

    #[test]
    fn a_panic_order_is_far_above_the_smoothed_demand_and_a_usual_one_is_not() {
        let weeks = |quantities: &[u32]| -> Vec<DemandWeek> {
            quantities
                .iter()
                .map(|q| DemandWeek {
                    quantity: *q,
                    paused: false,
                    factor: Decimal::ONE,
                })
                .collect()
        };
        let usual = weeks(&[12, 12, 0, 24, 12, 12]);
        assert_eq!(far_above_demand(&usual, 24), None);
        let level = far_above_demand(&usual, 120).unwrap();
        assert!(
            level > Decimal::from(5) && level < Decimal::from(20),
            "{level}"
        );
        // Too little history to judge.
        assert_eq!(far_above_demand(&weeks(&[12, 12, 12]), 500), None);
    }
}
