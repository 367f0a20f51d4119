//! The suggested order an account manager starts from: per SKU, from the shop's weekly
//! orders. Small shops order whole cases every few weeks, so one product's weeks are too
//! lumpy to smooth on their own: its weekly rate is its mean over two years of history
//! times the shop's trend (the shop's last 26 weeks against its two years, over every
//! product it orders — thirty products say whether a shop is growing, one does not),
//! weighed as 52 weeks of evidence against the product's own last 26 weeks, so a product
//! the shop stopped buying fades and one it buys more of rises. Only weeks from the shop's
//! first order of the product on count; a paused week (a seasonal closure) is skipped
//! rather than counted as zero, so a shop that pauses is not forecast as lost; each week
//! is first divided by its calendar factor (a holiday week that sells double has factor
//! 2), and the rate is multiplied by the factor of the week being ordered for. A week in
//! which the shop ordered all its quota allowed is censored (it wanted at least that
//! much): it counts as at least the product's usual week, so it may raise the rate, never
//! lower it. A product new to the shop (first ordered less than a quarter ago) is rated
//! on what it ordered after its first order, which filled the shelf ([`NEW_WEEKS`]).
//!
//! The suggested quantity is what the shop needs beyond what it still has: what its last
//! order brought less what it is estimated to have sold since gives its stock on hand
//! (at least a week short), or what its account manager counted on its shelf
//! ([`ForecastInput::counted`]: orders do not say what sold since the last one); the
//! week's demand less that, rounded up to whole packs — nothing while the shop still has
//! enough — then capped by its remaining quota and the stock available, rounded down to
//! whole packs. So a shop that buys a case every third week is suggested a case about
//! every third week, not a case every week (`make bench`'s forecast bench scores it).
//! What the shop is expected to order over the weeks ahead ([`forecast_weeks`], what the
//! accuracy figures score) is the rate, plus a share of the gap between the stock it
//! usually holds and what it holds now. Accuracy is tracked as WAPE
//! (Σ|forecast − actual| / Σ actual) beside bias.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// One past week of one SKU at one shop, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemandWeek {
    pub quantity: u32,
    /// The shop was closed or had paused ordering.
    pub paused: bool,
    /// The calendar factor of that week (1 for an ordinary week).
    pub factor: Decimal,
    /// The shop ordered as much as its quota allowed that week: it wanted at least that
    /// much (the week is censored, not exact).
    #[serde(default)]
    pub capped: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastInput {
    pub history: Vec<DemandWeek>,
    /// The shop's trend over all its products ([`shop_trend`]; 1 when not known).
    #[serde(default = "one")]
    pub shop_trend: Decimal,
    /// The calendar factor of the week being ordered for.
    pub next_factor: Decimal,
    /// The shop has paused ordering for the week being ordered for.
    pub next_paused: bool,
    pub pack_size: u32,
    pub quota_remaining: Option<u32>,
    pub stock_available: Option<u32>,
    /// Units the shop already ordered for the week being ordered for (earlier today):
    /// they count as stock it has.
    #[serde(default)]
    pub already_ordered: u32,
    /// Units of it the shop has now, counted on its shelf (by its account manager, at a
    /// visit): they stand for the estimate of what it still has, which its orders alone
    /// can only guess (they do not say what it sold since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted: Option<u32>,
    /// Weeks of sales (each at its calendar factor) between the count and the week being
    /// ordered for: 0 for a count made now. What sold meanwhile at the rate is taken off.
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub counted_weeks_ago: Decimal,
    /// Units the shop ordered after the count (before the week being ordered for): they
    /// count as stock it has.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ordered_since_count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ForecastNote {
    /// No open week in the history: nothing to go on (a new product or a new shop).
    NoHistory,
    ShopPaused,
    CappedByQuota,
    CappedByStock,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub quantity: u32,
    /// Weekly demand (deseasonalised), for the explanation.
    pub level: Decimal,
    /// What the shop is estimated to still have.
    pub on_hand: Decimal,
    pub notes: Vec<ForecastNote>,
}

fn whole(value: Decimal) -> u32 {
    let value = value.max(Decimal::ZERO).trunc();
    u32::try_from(value.mantissa())
        .ok()
        .filter(|_| value.scale() == 0)
        .unwrap_or(u32::MAX)
}

fn one() -> Decimal {
    Decimal::ONE
}

fn round4(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven)
}

/// One open week of a history, from the first order on, with its index in the history.
struct Open {
    index: usize,
    units: Decimal,
    factor: Decimal,
    quantity: Decimal,
    capped: bool,
}

fn open_weeks(history: &[DemandWeek]) -> Vec<Open> {
    history
        .iter()
        .enumerate()
        .skip_while(|(_, w)| w.quantity == 0)
        .filter(|(_, w)| !w.paused)
        .map(|(index, w)| {
            let factor = if w.factor > Decimal::ZERO {
                w.factor
            } else {
                Decimal::ONE
            };
            let quantity = Decimal::from(w.quantity);
            Open {
                index,
                units: quantity / factor,
                factor,
                quantity,
                capped: w.capped,
            }
        })
        .collect()
}

/// Each open week's deseasonalised units, a week the quota capped counting as at least
/// the mean of the weeks it did not cap (the shop wanted at least what it got): it may
/// raise the rate, never lower it.
fn censored_units(open: &[Open]) -> Vec<Decimal> {
    let uncapped: Vec<Decimal> = open.iter().filter(|w| !w.capped).map(|w| w.units).collect();
    let usual = (!uncapped.is_empty())
        .then(|| uncapped.iter().copied().sum::<Decimal>() / Decimal::from(uncapped.len()));
    open.iter()
        .map(|w| match usual {
            Some(usual) if w.capped => w.units.max(usual),
            _ => w.units,
        })
        .collect()
}

/// Deseasonalised units over the open weeks from the history's week `from` on, and how
/// many weeks that is (capped weeks as [`censored_units`]).
fn units_from(open: &[Open], from: usize) -> (Decimal, usize) {
    let units = censored_units(open);
    let weeks: Vec<Decimal> = open
        .iter()
        .zip(units)
        .filter(|(w, _)| w.index >= from)
        .map(|(_, units)| units)
        .collect();
    (weeks.iter().copied().sum(), weeks.len())
}

/// Deseasonalised units and open weeks the rate of a product new to the shop (first
/// ordered fewer than [`NEW_WEEKS`] open weeks ago) is worked out from: its first order
/// stocked the shelf, so what the shop ordered after it, over the weeks from the first
/// order to the last; with one order only, that order over the weeks since, at least
/// [`NEW_COVER_WEEKS`] (capped weeks as [`censored_units`]).
fn new_product_units(open: &[Open]) -> (Decimal, usize) {
    let units = censored_units(open);
    let orders: Vec<usize> = open
        .iter()
        .enumerate()
        .filter(|(_, w)| w.quantity > Decimal::ZERO)
        .map(|(index, _)| index)
        .collect();
    match orders.as_slice() {
        [first, .., last] => (units[first + 1..=*last].iter().copied().sum(), last - first),
        _ => (units.iter().copied().sum(), open.len().max(NEW_COVER_WEEKS)),
    }
}

/// The shop's trend: its units over the last [`RECENT_WEEKS`] against its units over the
/// whole history, per open week and deseasonalised, summed over every product it orders
/// (each history as [`ForecastInput::history`]; 1 with nothing to go on). One product's
/// orders are too lumpy to say whether the shop is growing; thirty products' are not.
pub fn shop_trend<'a>(histories: impl IntoIterator<Item = &'a [DemandWeek]>) -> Decimal {
    let mut recent = Decimal::ZERO;
    let mut long = Decimal::ZERO;
    for history in histories {
        let open = open_weeks(history);
        let from = history.len().saturating_sub(RECENT_WEEKS);
        let (all, weeks) = units_from(&open, 0);
        let (last, recent_weeks) = units_from(&open, from);
        if weeks == 0 || recent_weeks == 0 {
            continue;
        }
        recent += last / Decimal::from(recent_weeks);
        long += all / Decimal::from(weeks);
    }
    if long > Decimal::ZERO {
        round4(recent / long)
    } else {
        Decimal::ONE
    }
}

/// The weekly rate (deseasonalised), the estimated stock on hand after the history's last
/// week and the mean size of an order (deseasonalised); None without an order in the
/// history. The rate: the product's mean over the history times the shop's trend, as
/// [`SHRINK_WEEKS`] weeks of evidence, with the product's own last [`RECENT_WEEKS`]
/// (so a product the shop stopped buying fades, and one it buys more of rises); for a
/// product new to the shop, both from what it ordered after its first order
/// ([`new_product_units`]).
fn rate_and_stock(input: &ForecastInput) -> Option<(Decimal, Decimal, Decimal)> {
    let open = open_weeks(&input.history);
    if open.is_empty() {
        return None;
    }
    let from = input.history.len().saturating_sub(RECENT_WEEKS);
    let ((all, weeks), (recent, recent_weeks)) = if open.len() < NEW_WEEKS {
        let new = new_product_units(&open);
        (new, new)
    } else {
        (units_from(&open, 0), units_from(&open, from))
    };
    let pooled = all / Decimal::from(weeks) * input.shop_trend.max(Decimal::ZERO);
    let shrink = Decimal::from(SHRINK_WEEKS);
    let rate = round4((recent + shrink * pooled) / (Decimal::from(recent_weeks) + shrink));
    let sizes: Vec<Decimal> = open
        .iter()
        .filter(|w| w.units > Decimal::ZERO)
        .map(|w| w.units)
        .collect();
    // Weighed by itself: an order that lasts twice as long is twice as likely to be the
    // one a day falls in (each term at most the order itself, so no square can overflow).
    let total: Decimal = sizes.iter().copied().sum();
    let size = if total > Decimal::ZERO {
        round4(sizes.iter().map(|q| *q * (*q / total)).sum::<Decimal>())
    } else {
        Decimal::ZERO
    };
    // What the last order left: bought then, less what sold since at the rate (the order's
    // week included); at least a week short.
    let last = open
        .iter()
        .rposition(|w| w.quantity > Decimal::ZERO)
        .unwrap_or(0);
    let weeks_since: Decimal = open[last..].iter().map(|w| w.factor).sum();
    let on_hand = match input.counted {
        Some(counted) => {
            let since = Decimal::from(counted) + Decimal::from(input.ordered_since_count);
            (since - rate * input.counted_weeks_ago.max(Decimal::ZERO)).max(-rate)
        }
        None => (open[last].quantity - rate * weeks_since).max(-rate),
    };
    Some((rate, round4(on_hand), size))
}

/// What the shop is expected to order in each of the weeks ahead whose calendar factors
/// are `factors` (0 for a week it has paused): the weekly rate at each week's factor, plus
/// a share of the gap between the stock it usually holds and the stock it holds now
/// ([`STOCK_WEIGHT`] of it over the weeks, [`COUNTED_WEIGHT`] when its shelf was counted;
/// a shop that just bought a case orders less for a while, one that has run down orders
/// more). The forecast the accuracy figures score.
pub fn forecast_weeks(input: &ForecastInput, factors: &[Decimal]) -> Vec<Decimal> {
    let Some((rate, on_hand, size)) = rate_and_stock(input) else {
        return vec![Decimal::ZERO; factors.len()];
    };
    // Over an order's cycle the estimated stock runs from what the order brought down to
    // nothing: half an order, less half a week's sales, on average. A counted shelf also
    // holds what was left when the order came ([`COUNTED_USUAL_WEEKS`]).
    let (usual, weight) = if input.counted.is_some() {
        (
            size * COUNTED_USUAL_ORDERS + rate * COUNTED_USUAL_WEEKS,
            COUNTED_WEIGHT,
        )
    } else {
        ((size - rate) / Decimal::TWO, STOCK_WEIGHT)
    };
    let weeks = Decimal::from(factors.len().max(1));
    let adjust = weight * (usual - on_hand) / weeks;
    factors
        .iter()
        .map(|factor| round4(((rate + adjust) * *factor).max(Decimal::ZERO)))
        .collect()
}

/// The suggested quantity for the next week (see the module rules).
pub fn suggest(input: &ForecastInput) -> Suggestion {
    let Some((level, on_hand, _)) = rate_and_stock(input) else {
        return Suggestion {
            quantity: 0,
            level: Decimal::ZERO,
            on_hand: Decimal::ZERO,
            notes: vec![ForecastNote::NoHistory],
        };
    };
    if input.next_paused {
        return Suggestion {
            quantity: 0,
            level,
            on_hand,
            notes: vec![ForecastNote::ShopPaused],
        };
    }
    let pack = input.pack_size.max(1);
    let demand = level * input.next_factor.max(Decimal::ZERO);
    let on_hand = on_hand + Decimal::from(input.already_ordered);
    let need = demand - on_hand;
    let mut quantity = if need > Decimal::ZERO {
        whole((need / Decimal::from(pack)).ceil()).saturating_mul(pack)
    } else {
        0
    };
    let mut notes = Vec::new();
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
        on_hand,
        notes,
    }
}

/// A holiday or season in the distributor's calendar, as data an admin edits: from its
/// first to its last local day (`YYYY-MM-DD`, inclusive), demand is `factor` times usual
/// (1.4 for the weeks of stocking up before Spring Festival, 0.5 for the days shops close).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holiday {
    pub name: String,
    pub from: String,
    pub until: String,
    pub factor: Decimal,
}

impl Holiday {
    /// Why an admin's entry cannot be kept: the field and the rule it breaks, as the API
    /// names them (`("factor", "out_of_range")`).
    pub fn check(&self) -> Result<(), (&'static str, &'static str)> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(("name", "required"));
        }
        if name.chars().count() > 40 {
            return Err(("name", "too_long"));
        }
        let offset = crate::checkout::UTC_OFFSET_MINUTES;
        let from = crate::quota::day_start(&self.from, offset).ok_or(("from", "not_a_date"))?;
        let until = crate::quota::day_start(&self.until, offset).ok_or(("until", "not_a_date"))?;
        if until < from {
            return Err(("until", "before_from"));
        }
        if until - from > 62 * DAY_MS {
            return Err(("until", "out_of_range"));
        }
        if self.factor <= Decimal::ZERO
            || self.factor > Decimal::from(10)
            || self.factor.scale() > 2
        {
            return Err(("factor", "out_of_range"));
        }
        Ok(())
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// One week in milliseconds.
pub const WEEK_MS: i64 = 7 * DAY_MS;

/// The calendar factor of the week starting at `week_start_ms` (local midnight): the mean
/// of its seven days' factors, a day outside every holiday counting 1 (where holidays
/// overlap, the one furthest from 1 counts); and the names of the holidays it touches.
pub fn week_factor(holidays: &[Holiday], week_start_ms: i64) -> (Decimal, Vec<String>) {
    let offset = crate::checkout::UTC_OFFSET_MINUTES;
    let spans: Vec<(i64, i64, &Holiday)> = holidays
        .iter()
        .filter_map(|h| {
            Some((
                crate::quota::day_start(&h.from, offset)?,
                crate::quota::day_start(&h.until, offset)?,
                h,
            ))
        })
        .collect();
    let mut sum = Decimal::ZERO;
    let mut names: Vec<String> = Vec::new();
    for day in 0..7 {
        let at = week_start_ms + day * DAY_MS;
        let mut factor = Decimal::ONE;
        for (from, until, holiday) in &spans {
            if (*from..=*until).contains(&at) {
                if (holiday.factor - Decimal::ONE).abs() > (factor - Decimal::ONE).abs() {
                    factor = holiday.factor;
                }
                if !names.contains(&holiday.name) {
                    names.push(holiday.name.clone());
                }
            }
        }
        sum += factor;
    }
    (
        (sum / Decimal::from(7)).round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven),
        names,
    )
}

/// What a shop's device needs to suggest an order offline, as the server sends it to the
/// shop's account manager: weekly history per product, the calendar, quotas and stock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopDemand {
    /// Start (local Monday midnight) of the week being ordered for; history ends before it.
    pub week_ms: i64,
    /// Per past week, oldest first: the shop had paused ordering.
    pub paused: Vec<bool>,
    /// Per past week, oldest first: its calendar factor.
    pub factors: Vec<Decimal>,
    pub next_factor: Decimal,
    /// The holidays the week being ordered for touches.
    pub next_holidays: Vec<String>,
    pub next_paused: bool,
    /// The weeks after the one being ordered for (up to [`MAX_COVER_WEEKS`] − 1): an
    /// order may cover demand until the manager's next visit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ahead: Vec<WeekAhead>,
    pub products: Vec<ProductDemand>,
    /// Calendar factors of the products' categories, estimated from every shop's orders
    /// (`crate::seasonality`); a product whose category is here uses them in place of
    /// `factors` and `next_factor`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryFactors>,
    /// Products new to the catalog that the shop has never ordered (the distributor pushes
    /// them: one pack is suggested).
    pub new_products: Vec<crate::sku::Sku>,
    /// When the server worked this out.
    pub as_of_ms: i64,
}

/// A week after the one being ordered for, as the calendar and the shop's pauses see it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekAhead {
    pub factor: Decimal,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
}

/// The most weeks one suggested order covers (a manager visiting once a month).
pub const MAX_COVER_WEEKS: u32 = 4;

/// How many weeks an order placed in the week starting `week_ms` should cover when the
/// manager's next visit is the local day starting `next_visit_ms`: until that visit
/// (whole weeks, rounded up), at least one and at most [`MAX_COVER_WEEKS`]; one when no
/// visit is planned or the date has passed.
pub fn cover_weeks(week_ms: i64, next_visit_ms: Option<i64>) -> u32 {
    let Some(next) = next_visit_ms.filter(|next| *next > week_ms) else {
        return 1;
    };
    let weeks = (next - week_ms + WEEK_MS - 1) / WEEK_MS;
    u32::try_from(weeks)
        .unwrap_or(MAX_COVER_WEEKS)
        .clamp(1, MAX_COVER_WEEKS)
}

/// One category's calendar factors, week by week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryFactors {
    pub category: crate::sku::CategoryId,
    /// One per past week of [`ShopDemand::paused`], then the week being ordered for, then
    /// (from servers that send them) each week of [`ShopDemand::ahead`].
    pub factors: Vec<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductDemand {
    pub sku: crate::sku::Sku,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<crate::sku::CategoryId>,
    /// Units ordered per past week, oldest first, ending with the same week as
    /// [`ShopDemand::paused`]; the weeks before the shop's first order of it are left
    /// out (they would all be 0, and the forecast starts at the first order anyway).
    pub weeks: Vec<u32>,
    /// Per week of `weeks`: the shop ordered all its quota allowed (empty when the
    /// product has no quota).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capped: Vec<bool>,
    pub pack_size: u32,
    /// What the shop's quota leaves for the week being ordered for.
    pub quota_remaining: Option<u32>,
    /// Stock free to promise.
    pub available: Option<u32>,
    /// Units the shop ordered since the week being ordered for began (earlier today).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ordered: u32,
    /// The last count of it on the shop's shelf, within [`CARRY_COUNT_WEEKS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shelf: Option<ShelfCount>,
}

/// A count of a product on a shop's shelf, as its account manager sent it with a
/// proposal, and what the shop ordered after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShelfCount {
    pub units: u32,
    pub counted_ms: i64,
    /// Units ordered after the count, before the week being ordered for.
    pub ordered_since: u32,
}

/// A shelf count older than this many weeks is not carried into a suggestion (what sold
/// since is a guess that grows with the weeks): a manager visiting monthly counts again
/// before it runs out. The forecast bench, seed 2026, counting at visits every fourth
/// week and carrying each count to the next: 4-week WAPE 73.4 % against 77.3 % uncounted.
pub const CARRY_COUNT_WEEKS: i64 = 4;

/// Why a line of a suggested order says what it says, for the shop and the manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Why {
    /// Smoothed weekly demand, calendar-adjusted.
    pub weekly: Decimal,
    /// The week's calendar factor (1 for an ordinary week).
    pub factor: Decimal,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_cap: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_cap: Option<u32>,
    /// A product new to the catalog the distributor is pushing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_product: bool,
    /// What the forecast suggested, when the manager changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested: Option<u32>,
    /// What the shop is estimated to still have (bought less sold at the weekly rate), or
    /// what was counted on its shelf (`counted`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub on_hand: u32,
    /// `on_hand` was counted on the shop's shelf, not estimated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub counted: bool,
    /// When the count was made, if before this suggestion ([`ProductDemand::shelf`]):
    /// `on_hand` is then that count, plus what was ordered since, less what sold since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_ms: Option<i64>,
    /// The open weeks the line covers, when more than one (until the manager's next
    /// visit); `weekly` and `factor` are then per week, the factor their mean.
    #[serde(default = "one_week", skip_serializing_if = "is_one_week")]
    pub weeks: u32,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

fn one_week() -> u32 {
    1
}

impl Default for Why {
    fn default() -> Why {
        Why {
            weekly: Decimal::ZERO,
            factor: Decimal::ONE,
            holidays: Vec::new(),
            quota_cap: None,
            stock_cap: None,
            new_product: false,
            suggested: None,
            on_hand: 0,
            counted: false,
            counted_ms: None,
            weeks: 1,
        }
    }
}

fn is_one_week(weeks: &u32) -> bool {
    *weeks == 1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestedLine {
    pub sku: crate::sku::Sku,
    pub quantity: u32,
    pub why: Why,
}

/// Weeks of a shop's history a suggested order is worked out from: two years, so each
/// holiday has been seen twice and a product ordered a case a quarter has several orders
/// to go on (`make bench`'s forecast bench, seed 2026, with the smoothing (TSB) the engine
/// used before its pooled rate: 26 weeks smoothed at 0.1 gave a 4-week WAPE of 92.9 % and
/// a bias of +7.9 %; 104 weeks at 0.05, 84.1 % and −0.1 %).
pub const HISTORY_WEEKS: usize = 104;

/// The weeks of a product's own recent orders its rate leans on ([`rate_and_stock`]), and
/// the recent part of the shop's trend ([`shop_trend`]).
pub const RECENT_WEEKS: usize = 26;

/// A product the shop first ordered fewer than this many open weeks ago is new to it: its
/// first order filled the shelf rather than replaced a week's sales, and counted as sales
/// it made a new product's rate several times what the shop went on to order (a case of
/// 24 two weeks ago read as 12 a week). `make bench`'s forecast bench, seed 2026, with 13
/// (against none): 4-week WAPE 77.6 % (78.8 %), shop-week 43.8 % (44.2 %), bias −2.2 %
/// (−0.6 %); the 26 weeks after a launch 139.4 % (163.7 %; MA(8) 144.2 %), though now
/// 30 % under rather than 1.5 % (a launch still ramps up after its second order).
pub const NEW_WEEKS: usize = 13;

/// The fewest weeks the single order of a new product is spread over ([`NEW_WEEKS`]).
pub const NEW_COVER_WEEKS: usize = 8;

/// How many weeks of evidence the pooled rate (the product's two-year mean times the
/// shop's trend) counts for against the product's own recent weeks.
pub const SHRINK_WEEKS: u32 = 52;

/// The share of the gap between the stock a shop usually holds and what it holds now that
/// its expected orders over the weeks ahead make up ([`forecast_weeks`]).
pub const STOCK_WEIGHT: Decimal = Decimal::from_parts(3, 0, 0, false, 1);

/// [`STOCK_WEIGHT`] when the stock was counted ([`ForecastInput::counted`]): a count is
/// no guess, so more of the gap is made up over the weeks ahead.
pub const COUNTED_WEIGHT: Decimal = Decimal::from_parts(6, 0, 0, false, 1);

/// The stock a shop usually holds on its shelf, against which a count is judged
/// ([`forecast_weeks`]): this share of its usual order (each weighed by its size)…
pub const COUNTED_USUAL_ORDERS: Decimal = Decimal::from_parts(42, 0, 0, false, 2);
/// … plus this many weeks of its demand. Between orders a shelf runs from its restock
/// down to about a week's sales. Both fitted on `make bench`'s forecast bench (seed 2026),
/// where the shops' mean shelf is about half their mean order, so that forecasts from a
/// count are not biased: 4-week WAPE 69.9 % against 77.3 % uncounted, bias −0.2 %.
pub const COUNTED_USUAL_WEEKS: Decimal = Decimal::from_parts(45, 0, 0, false, 2);

/// The suggested order for the week `demand` is for: each product the shop orders, by
/// [`suggest`] over its open weeks, with the reasons; then one pack of each new product.
/// Lines of 0 are left out; nothing is suggested for a paused week.
pub fn suggest_order(demand: &ShopDemand) -> Vec<SuggestedLine> {
    suggest_order_covering(demand, 1)
}

/// The suggested order covering `weeks` weeks from the week `demand` is for (the weeks
/// the demand has, at least one): each week's demand at its own calendar factor, a week
/// the shop has paused counting for nothing, summed; the stock the shop is estimated to
/// hold taken off once; then rounded to packs and capped by the quota and the stock as
/// for one week (an order placed now counts against the current period's quota).
pub fn suggest_order_covering(demand: &ShopDemand, weeks: u32) -> Vec<SuggestedLine> {
    suggest_order_counted(demand, weeks, &[])
}

/// [`suggest_order_covering`] for a shop whose shelf was counted: each counted product's
/// units on the shelf (`counted`, by SKU) stand for the stock it is estimated to hold
/// ([`ForecastInput::counted`]); a product counted twice takes the last count.
pub fn suggest_order_counted(
    demand: &ShopDemand,
    weeks: u32,
    counted: &[(crate::sku::Sku, u32)],
) -> Vec<SuggestedLine> {
    let counted_of = |sku: &crate::sku::Sku| {
        counted
            .iter()
            .rev()
            .find(|(counted, _)| counted == sku)
            .map(|(_, units)| *units)
    };
    let covered = usize::try_from(weeks)
        .unwrap_or(1)
        .clamp(1, demand.ahead.len() + 1);
    // The covered weeks: (the calendar's factor, paused, holidays).
    let cover: Vec<(Decimal, bool, &[String])> = std::iter::once((
        demand.next_factor,
        demand.next_paused,
        &demand.next_holidays[..],
    ))
    .chain(
        demand
            .ahead
            .iter()
            .map(|week| (week.factor, week.paused, &week.holidays[..])),
    )
    .take(covered)
    .collect();
    let open = cover.iter().filter(|(_, paused, _)| !paused).count();
    if open == 0 {
        return Vec::new();
    }
    let mut holidays: Vec<String> = Vec::new();
    for (_, _, names) in cover.iter().filter(|(_, paused, _)| !paused) {
        for name in names.iter() {
            if !holidays.contains(name) {
                holidays.push(name.clone());
            }
        }
    }
    let open_weeks = u32::try_from(open).unwrap_or(1);
    // Each product's history and the sum of its covered weeks' factors.
    let mut products = Vec::new();
    for product in &demand.products {
        // The product's category's factors where the server estimated them (for each
        // covered week it sent one for), else the admin's calendar.
        let past = demand.paused.len();
        let estimated = demand
            .categories
            .iter()
            .find(|c| Some(&c.category) == product.category.as_ref())
            .filter(|c| c.factors.len() > past && c.factors.len() <= past + 1 + demand.ahead.len());
        let factors = estimated.map_or(&demand.factors[..], |c| &c.factors[..past]);
        let cover_factor: Decimal = cover
            .iter()
            .enumerate()
            .filter(|(_, (_, paused, _))| !paused)
            .map(|(i, (entered, _, _))| {
                estimated
                    .and_then(|c| c.factors.get(past + i).copied())
                    .unwrap_or(*entered)
            })
            .sum();
        // The product's weeks are the last of the shop's.
        let skipped = demand.paused.len().saturating_sub(product.weeks.len());
        let history: Vec<DemandWeek> = product
            .weeks
            .iter()
            .enumerate()
            .map(|(i, quantity)| DemandWeek {
                quantity: *quantity,
                paused: demand.paused.get(skipped + i).copied().unwrap_or(false),
                factor: factors.get(skipped + i).copied().unwrap_or(Decimal::ONE),
                capped: product.capped.get(i).copied().unwrap_or(false),
            })
            .collect();
        products.push((product, history, cover_factor));
    }
    let trend = shop_trend(products.iter().map(|(_, history, _)| &history[..]));
    let mut lines = Vec::new();
    for (product, history, cover_factor) in products {
        // This phone's count, else the last one the server kept (sent with an earlier
        // proposal, within [`CARRY_COUNT_WEEKS`]): what sold since is taken off at the rate.
        let carried = product
            .shelf
            .filter(|shelf| demand.week_ms - shelf.counted_ms < CARRY_COUNT_WEEKS * WEEK_MS);
        let (count, weeks_ago, ordered_since, counted_ms) =
            match (counted_of(&product.sku), carried) {
                (Some(units), _) => (Some(units), Decimal::ZERO, 0, None),
                (None, Some(shelf)) => (
                    Some(shelf.units),
                    weeks_of_sales(&history, demand.week_ms - shelf.counted_ms),
                    shelf.ordered_since,
                    Some(shelf.counted_ms),
                ),
                (None, None) => (None, Decimal::ZERO, 0, None),
            };
        let got = suggest(&ForecastInput {
            history,
            shop_trend: trend,
            next_factor: cover_factor,
            next_paused: false,
            pack_size: product.pack_size,
            quota_remaining: product.quota_remaining,
            stock_available: product.available,
            already_ordered: product.ordered,
            counted: count,
            counted_weeks_ago: weeks_ago,
            ordered_since_count: ordered_since,
        });
        if got.quantity == 0 {
            continue;
        }
        lines.push(SuggestedLine {
            sku: product.sku.clone(),
            quantity: got.quantity,
            why: Why {
                weekly: got.level.round_dp(1),
                factor: (cover_factor / Decimal::from(open_weeks)).round_dp(2),
                holidays: holidays.clone(),
                quota_cap: got
                    .notes
                    .contains(&ForecastNote::CappedByQuota)
                    .then_some(product.quota_remaining)
                    .flatten(),
                stock_cap: got
                    .notes
                    .contains(&ForecastNote::CappedByStock)
                    .then_some(product.available)
                    .flatten(),
                new_product: false,
                suggested: None,
                on_hand: whole(got.on_hand.round()),
                counted: count.is_some(),
                counted_ms,
                weeks: open_weeks,
            },
        });
    }
    for sku in &demand.new_products {
        if lines.iter().any(|l| &l.sku == sku) {
            continue;
        }
        let pack = demand
            .products
            .iter()
            .find(|p| &p.sku == sku)
            .map_or(1, |p| p.pack_size.max(1));
        lines.push(SuggestedLine {
            sku: sku.clone(),
            quantity: pack,
            why: Why {
                factor: demand.next_factor,
                new_product: true,
                ..Why::default()
            },
        });
    }
    lines
}

/// The weeks of sales, each at its calendar factor (a paused week none), in the last
/// `elapsed_ms` of `history` (a week beyond it at factor 1).
fn weeks_of_sales(history: &[DemandWeek], elapsed_ms: i64) -> Decimal {
    let mut left = Decimal::from(elapsed_ms.max(0)) / Decimal::from(WEEK_MS);
    let mut weeks = Decimal::ZERO;
    for week in history.iter().rev() {
        if left <= Decimal::ZERO {
            break;
        }
        let part = left.min(Decimal::ONE);
        if !week.paused {
            weeks += part * week.factor;
        }
        left -= part;
    }
    round4(weeks + left.max(Decimal::ZERO))
}

/// How far a forecast was from what was ordered, with the direction: WAPE and bias
/// (Σ(forecast − actual) / Σ actual; positive when too much was proposed).
pub fn bias(pairs: &[(u32, u32)]) -> Option<Decimal> {
    let actual: i64 = pairs.iter().map(|(_, a)| i64::from(*a)).sum();
    if actual == 0 {
        return None;
    }
    let error: i64 = pairs
        .iter()
        .map(|(f, a)| i64::from(*f) - i64::from(*a))
        .sum();
    Some(
        (Decimal::from(error) / Decimal::from(actual))
            .round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven),
    )
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
        shop_trend: Decimal::ONE,
        next_factor: Decimal::ONE,
        next_paused: false,
        pack_size: 1,
        quota_remaining: None,
        stock_available: None,
        already_ordered: 0,
        counted: None,
        counted_weeks_ago: Decimal::ZERO,
        ordered_since_count: 0,
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
            capped: false,
        }
    }

    fn input(history: Vec<DemandWeek>) -> ForecastInput {
        ForecastInput {
            history,
            shop_trend: Decimal::ONE,
            next_factor: Decimal::ONE,
            next_paused: false,
            pack_size: 1,
            quota_remaining: None,
            stock_available: None,
            already_ordered: 0,
            counted: None,
            counted_weeks_ago: Decimal::ZERO,
            ordered_since_count: 0,
        }
    }

    fn weeks(quantities: &[u32]) -> Vec<DemandWeek> {
        quantities.iter().map(|q| week(*q)).collect()
    }

    fn paused() -> DemandWeek {
        DemandWeek {
            quantity: 0,
            paused: true,
            factor: Decimal::ONE,
            capped: false,
        }
    }

    #[test]
    fn suggestions() {
        // Ten a week, every week: ten, nothing left over.
        let steady = suggest(&input(weeks(&[10, 10, 10, 10])));
        assert_eq!((steady.quantity, steady.level), (10, Decimal::from(10)));
        // What the shop ordered earlier today counts as stock it has.
        let mut ordered_today = input(weeks(&[10, 10, 10, 10]));
        ordered_today.already_ordered = 6;
        assert_eq!(suggest(&ordered_today).quantity, 4);
        ordered_today.already_ordered = 10;
        assert_eq!(suggest(&ordered_today).quantity, 0);
        // Weeks before the first order do not count; a paused week is skipped, not
        // counted as zero.
        let mut with_pause = weeks(&[0, 0, 10, 10]);
        with_pause.insert(3, paused());
        with_pause.push(week(10));
        assert_eq!(suggest(&input(with_pause)).level, Decimal::from(10));
        // Counted as a zero it lowers the rate.
        assert!(suggest(&input(weeks(&[10, 10, 0, 10]))).level < Decimal::from(10));
        // A holiday week that sold double is halved; the next week's factor scales back up.
        let mut holiday = input(vec![
            week(10),
            DemandWeek {
                quantity: 20,
                paused: false,
                factor: Decimal::TWO,
                capped: false,
            },
        ]);
        assert_eq!(suggest(&holiday).level, Decimal::from(10));
        holiday.next_factor = "1.8".parse().unwrap();
        assert_eq!(suggest(&holiday).quantity, 18);
        // A case of 12 every third week: right after buying one the shop has enough; two
        // weeks later it needs the next.
        let every_third = [12, 0, 0, 12, 0, 0, 12, 0, 0, 12];
        let mut cases = input(weeks(&every_third));
        cases.pack_size = 12;
        let fresh = suggest(&cases);
        assert_eq!(fresh.quantity, 0, "{fresh:?}");
        assert!(
            fresh.level > Decimal::from(3) && fresh.level < Decimal::from(5),
            "{fresh:?}"
        );
        cases.history.extend([week(0), week(0)]);
        assert_eq!(suggest(&cases).quantity, 12, "{:?}", suggest(&cases));
        // Rounded up to whole packs of 12, then capped by quota and stock in whole packs.
        let mut packs = input(weeks(&[25, 25, 25]));
        packs.pack_size = 12;
        assert_eq!(suggest(&packs).quantity, 36);
        packs.quota_remaining = Some(30);
        let capped = suggest(&packs);
        assert_eq!(
            (capped.quantity, capped.notes.as_slice()),
            (24, &[ForecastNote::CappedByQuota][..])
        );
        packs.stock_available = Some(20);
        assert_eq!(
            suggest(&packs).notes,
            vec![ForecastNote::CappedByQuota, ForecastNote::CappedByStock]
        );
        assert_eq!(suggest(&packs).quantity, 12);
        // Nothing to go on; a paused shop gets nothing but keeps its rate.
        let nothing = suggest(&input(vec![]));
        assert_eq!(
            (nothing.quantity, nothing.notes.as_slice()),
            (0, &[ForecastNote::NoHistory][..])
        );
        let mut closed = input(weeks(&[8; 13]));
        closed.next_paused = true;
        let closed = suggest(&closed);
        assert_eq!(
            (closed.quantity, closed.level, closed.notes.as_slice()),
            (0, Decimal::from(8), &[ForecastNote::ShopPaused][..])
        );
    }

    #[test]
    fn a_week_the_quota_capped_never_lowers_the_rate() {
        let usual = weeks(&[20, 20, 20, 20, 20, 20]);
        let level = suggest(&input(usual.clone())).level;
        // Rationed to 8 for three weeks: read as exact, those weeks lower the rate; read
        // as censored (at least 8 was wanted), they leave it where it was.
        let mut rationed = usual.clone();
        rationed.extend(weeks(&[8, 8, 8]));
        let exact = suggest(&input(rationed.clone())).level;
        for week in rationed.iter_mut().skip(6) {
            week.capped = true;
        }
        let censored = suggest(&input(rationed.clone())).level;
        assert!(exact < level, "{exact} {level}");
        assert_eq!(censored, level);
        // A capped week above the usual size still raises it.
        rationed.push(DemandWeek {
            quantity: 40,
            capped: true,
            ..week(0)
        });
        assert!(suggest(&input(rationed)).level > level);
    }

    #[test]
    fn the_shops_trend_lifts_a_product_and_one_it_stopped_buying_fades() {
        // Three products at 10 a week for 78 weeks, then 15: the shop grew by half.
        let grown: Vec<u32> = [vec![10; 78], vec![15; 26]].concat();
        let shop = [weeks(&grown), weeks(&grown), weeks(&grown)];
        let trend = shop_trend(shop.iter().map(Vec::as_slice));
        // 15 a week against (78 × 10 + 26 × 15) / 104 = 11.25.
        assert_eq!(trend, "1.3333".parse().unwrap());
        assert_eq!(shop_trend(std::iter::empty()), Decimal::ONE);
        // A case of 6 every second week all along: 3 a week. Its own weeks cannot say
        // the shop grew; the shop's can: (26 × 3 + 52 × 3 × 1.3333) / 78 = 3.67.
        let cases: Vec<u32> = (0..104).map(|w| if w % 2 == 0 { 6 } else { 0 }).collect();
        let mut lumpy = input(weeks(&cases));
        assert_eq!(suggest(&lumpy).level, Decimal::from(3));
        lumpy.shop_trend = trend;
        let lifted = suggest(&lumpy).level;
        assert!(
            lifted > "3.6".parse().unwrap() && lifted < "3.7".parse().unwrap(),
            "{lifted}"
        );
        // Bought 10 a week for 78 weeks, nothing for the last 26: (0 + 52 × 7.5) / 78.
        let stopped: Vec<u32> = [vec![10; 78], vec![0; 26]].concat();
        assert_eq!(suggest(&input(weeks(&stopped))).level, Decimal::from(5));
    }

    #[test]
    fn a_new_products_first_order_filled_the_shelf() {
        let level = |history: &[u32]| suggest(&input(weeks(history))).level;
        // A case of 24 two weeks ago, the only order: over eight weeks, not two.
        assert_eq!(level(&[0, 0, 24, 0]), Decimal::from(3));
        // Then 6 four weeks later: what came after the first order, over those weeks.
        assert_eq!(level(&[24, 0, 0, 0, 6, 0]), "1.5".parse().unwrap());
        // Past a quarter the first order counts as any other: 24 + 6 over 13 weeks.
        let older: Vec<u32> = [vec![24, 0, 0, 0, 6], vec![0; 8]].concat();
        assert_eq!(level(&older), "2.3077".parse().unwrap());
    }

    #[test]
    fn the_weeks_ahead_count_the_stock_the_shop_holds() {
        let ones = [Decimal::ONE; 4];
        // Ten every week: ten every week ahead.
        let steady = forecast_weeks(&input(weeks(&[10; 12])), &ones);
        assert_eq!(steady, vec![Decimal::from(10); 4]);
        // A case of 12 every fourth week: 3 a week on average, less right after a case
        // came in, more once the shop has run down.
        let every_fourth: Vec<u32> = (0..48).map(|w| if w % 4 == 0 { 12 } else { 0 }).collect();
        let total = |history: &[u32]| -> Decimal {
            forecast_weeks(&input(weeks(history)), &ones).iter().sum()
        };
        let just_bought = total(&every_fourth[..45]);
        let run_down = total(&every_fourth[..48]);
        assert!(just_bought < Decimal::from(12), "{just_bought}");
        assert!(run_down > Decimal::from(12), "{run_down}");
        // The calendar's factors scale each week; a paused week (0) expects nothing;
        // nothing to go on, nothing expected.
        let ahead = [Decimal::TWO, Decimal::ZERO];
        let holiday = forecast_weeks(&input(weeks(&[10; 12])), &ahead);
        assert_eq!(holiday, vec![Decimal::from(20), Decimal::ZERO]);
        assert_eq!(
            forecast_weeks(&input(vec![]), &ones),
            vec![Decimal::ZERO; 4]
        );
        // The largest weeks at a factor of 0.0001 stay within what a Decimal holds (a
        // size weighed by its square overflowed).
        let huge = vec![
            DemandWeek {
                factor: "0.0001".parse().unwrap(),
                ..week(u32::MAX)
            };
            104
        ];
        assert!(forecast_weeks(&input(huge), &ones)[0] > Decimal::ZERO);
    }

    #[test]
    fn a_counted_shelf_stands_for_the_estimated_stock() {
        // A case of 12 every fourth week, the last one a week ago: the shop is estimated
        // to hold about 12 − 2 × 3 = 6, and is suggested nothing for a week of 3.
        let every_fourth: Vec<u32> = (0..46).map(|w| if w % 4 == 0 { 12 } else { 0 }).collect();
        let mut counted = ForecastInput {
            pack_size: 12,
            ..input(weeks(&every_fourth))
        };
        let estimated = suggest(&counted);
        assert_eq!(estimated.quantity, 0);
        assert!(
            estimated.on_hand > Decimal::from(5) && estimated.on_hand < Decimal::from(7),
            "{estimated:?}"
        );
        // The manager finds the shelf empty: a case, and more expected over the weeks
        // ahead than the estimate expected.
        counted.counted = Some(0);
        let empty = suggest(&counted);
        assert_eq!((empty.quantity, empty.on_hand), (12, Decimal::ZERO));
        let ones = [Decimal::ONE; 4];
        let sum = |input: &ForecastInput| -> Decimal { forecast_weeks(input, &ones).iter().sum() };
        let uncounted = ForecastInput {
            counted: None,
            ..counted.clone()
        };
        assert!(sum(&counted) > sum(&uncounted));
        // A full shelf: nothing now, less ahead.
        counted.counted = Some(30);
        assert_eq!(suggest(&counted).quantity, 0);
        assert!(sum(&counted) < sum(&uncounted));
        // In a suggested order, the count says so; a product not counted is estimated.
        let demand = ShopDemand {
            paused: vec![false; 46],
            factors: vec![Decimal::ONE; 46],
            next_factor: Decimal::ONE,
            products: ["RICE", "OIL"]
                .iter()
                .map(|code| ProductDemand {
                    sku: sku(code),
                    category: None,
                    weeks: every_fourth.clone(),
                    capped: vec![],
                    pack_size: 12,
                    quota_remaining: None,
                    available: None,
                    ordered: 0,
                    shelf: None,
                })
                .collect(),
            ..ShopDemand::default()
        };
        assert!(suggest_order(&demand).is_empty());
        let lines = suggest_order_counted(&demand, 1, &[(sku("OIL"), 5), (sku("OIL"), 1)]);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].sku, sku("OIL"));
        assert_eq!(lines[0].quantity, 12);
        assert!(lines[0].why.counted);
        assert_eq!(lines[0].why.on_hand, 1);
        assert_eq!(lines[0].why.counted_ms, None);
        // A count of 8 the server kept from two weeks ago: 8 less two weeks at about 3 a
        // week leaves 2, so a case; this phone's own count comes first; one older than
        // four weeks is not carried.
        let mut kept = demand.clone();
        let week_ms = 10 * WEEK_MS;
        kept.week_ms = week_ms;
        kept.products[1].shelf = Some(ShelfCount {
            units: 8,
            counted_ms: week_ms - 2 * WEEK_MS,
            ordered_since: 0,
        });
        kept.products[0].shelf = Some(ShelfCount {
            units: 0,
            counted_ms: week_ms - 5 * WEEK_MS,
            ordered_since: 0,
        });
        assert!(suggest_order(&demand).is_empty(), "12 − 2 × 3 = 6 left");
        let carried = suggest_order_counted(&kept, 1, &[]);
        let oil = carried.iter().find(|l| l.sku == sku("OIL")).expect("oil");
        assert!(oil.why.counted && oil.why.counted_ms == Some(week_ms - 2 * WEEK_MS));
        assert_eq!((oil.quantity, oil.why.on_hand), (12, 2), "{oil:?}");
        // What was ordered after the count is on the shelf too.
        kept.products[1].shelf = kept.products[1].shelf.map(|shelf| ShelfCount {
            ordered_since: 12,
            ..shelf
        });
        assert!(suggest_order_counted(&kept, 1, &[]).is_empty());
        assert!(carried.iter().all(|l| l.sku != sku("RICE")), "{carried:?}");
        let own = suggest_order_counted(&kept, 1, &[(sku("OIL"), 0)]);
        assert_eq!((own[0].why.on_hand, own[0].why.counted_ms), (0, None));
    }

    fn sku(text: &str) -> crate::sku::Sku {
        crate::sku::Sku::parse(text).unwrap()
    }

    fn holiday(name: &str, from: &str, until: &str, factor: &str) -> Holiday {
        Holiday {
            name: name.into(),
            from: from.into(),
            until: until.into(),
            factor: factor.parse().unwrap(),
        }
    }

    #[test]
    fn a_week_takes_the_mean_of_its_days_factors() {
        let monday =
            crate::quota::day_start("2027-01-25", crate::checkout::UTC_OFFSET_MINUTES).unwrap();
        let calendar = vec![holiday("春节前", "2027-01-23", "2027-02-05", "1.4")];
        assert_eq!(
            week_factor(&calendar, monday),
            ("1.4".parse().unwrap(), vec!["春节前".to_string()])
        );
        // The week before: only its Saturday and Sunday: (5 + 2 × 1.4) / 7 = 1.114…
        assert_eq!(
            week_factor(&calendar, monday - WEEK_MS).0,
            "1.11".parse().unwrap()
        );
        assert_eq!(
            week_factor(&calendar, monday - 2 * WEEK_MS),
            (Decimal::ONE, vec![])
        );
        assert!(
            holiday("x", "2027-02-01", "2027-01-01", "1")
                .check()
                .is_err()
        );
        assert!(
            holiday("x", "2027-02-01", "2027-02-02", "0")
                .check()
                .is_err()
        );
        assert!(
            holiday("x", "2027-02-30", "2027-03-02", "1")
                .check()
                .is_err()
        );
        assert!(
            holiday("国庆", "2027-10-01", "2027-10-07", "1.25")
                .check()
                .is_ok()
        );
    }

    #[test]
    fn a_suggested_order_says_why_and_skips_paused_weeks() {
        let demand = ShopDemand {
            week_ms: 0,
            paused: vec![false, false, true, false],
            factors: vec![Decimal::ONE; 4],
            next_factor: "1.4".parse().unwrap(),
            next_holidays: vec!["春节前".into()],
            next_paused: false,
            ahead: vec![],
            products: vec![
                ProductDemand {
                    sku: sku("RICE"),
                    category: None,
                    weeks: vec![36, 36, 0, 36],
                    pack_size: 12,
                    capped: vec![],
                    quota_remaining: Some(48),
                    available: None,
                    ordered: 0,
                    shelf: None,
                },
                ProductDemand {
                    sku: sku("OIL"),
                    category: None,
                    weeks: vec![0, 0, 0, 0],
                    capped: vec![],
                    pack_size: 6,
                    quota_remaining: None,
                    available: None,
                    ordered: 0,
                    shelf: None,
                },
            ],
            categories: vec![],
            new_products: vec![sku("TEA")],
            as_of_ms: 0,
        };
        let lines = suggest_order(&demand);
        // A product first ordered later has fewer weeks: they are the shop's last ones
        // (its 0 is the paused week, skipped: still 36 a week).
        let mut later = demand.clone();
        later.products[0].weeks = vec![36, 0, 36];
        later.products[0].quota_remaining = None;
        let lines_later = suggest_order(&later);
        assert_eq!(
            lines_later[0].why.weekly,
            Decimal::from(36),
            "{lines_later:?}"
        );
        // The category's own factors, where the server sent them: this week sells half.
        let grain = crate::sku::CategoryId::parse("grain").unwrap();
        later.products[0].category = Some(grain.clone());
        later.categories = vec![CategoryFactors {
            category: grain,
            factors: vec![
                Decimal::ONE,
                Decimal::ONE,
                Decimal::ONE,
                Decimal::ONE,
                "0.5".parse().unwrap(),
            ],
        }];
        let halved = suggest_order(&later);
        assert_eq!(halved[0].why.factor, "0.5".parse().unwrap());
        assert_eq!(
            halved[0].quantity, 24,
            "36 × 0.5 = 18, in cases of 12: {halved:?}"
        );
        // 36 a week (the paused week is not a zero) × 1.4 = 50.4 → 5 cases of 12 = 60,
        // capped by the quota of 48; nothing for a product not ordered; one unit of tea.
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!((lines[0].sku.as_str(), lines[0].quantity), ("RICE", 48));
        assert_eq!(lines[0].why.weekly, Decimal::from(36));
        assert_eq!(lines[0].why.quota_cap, Some(48));
        assert_eq!(lines[0].why.holidays, vec!["春节前".to_string()]);
        assert!(lines[1].why.new_product && lines[1].quantity == 1);
        let mut closed = demand.clone();
        closed.next_paused = true;
        assert!(suggest_order(&closed).is_empty());
        assert_eq!(bias(&[(12, 10), (8, 10)]), Some(Decimal::ZERO));
        assert_eq!(bias(&[(15, 10)]), Some("0.5".parse().unwrap()));
    }

    /// An order covering the weeks until the next visit: each week at its own factor, a
    /// paused week counting for nothing, the stock the shop holds taken off once, the
    /// reasons per week with the number of weeks; the quota caps it as for one week.
    #[test]
    fn an_order_covers_the_weeks_until_the_next_visit() {
        let sku = |s: &str| crate::sku::Sku::parse(s).unwrap();
        let grain = crate::sku::CategoryId::parse("grain").unwrap();
        let product = |name: &str, category: Option<crate::sku::CategoryId>| ProductDemand {
            sku: sku(name),
            category,
            weeks: vec![24; 8],
            pack_size: 6,
            capped: vec![],
            quota_remaining: None,
            available: None,
            ordered: 0,
            shelf: None,
        };
        let week = |factor: &str, paused: bool, holidays: &[&str]| WeekAhead {
            factor: factor.parse().unwrap(),
            paused,
            holidays: holidays.iter().map(|h| (*h).to_owned()).collect(),
        };
        let demand = ShopDemand {
            paused: vec![false; 8],
            factors: vec![Decimal::ONE; 8],
            next_factor: Decimal::ONE,
            ahead: vec![
                week("1.5", false, &["春节前"]),
                week("1", true, &["春节"]),
                week("1", false, &[]),
            ],
            products: vec![product("RICE", None), product("OIL", Some(grain.clone()))],
            categories: vec![CategoryFactors {
                category: grain,
                // Eight past weeks, the next one, then one of the weeks ahead.
                factors: [
                    vec![Decimal::ONE; 8],
                    vec!["0.5".parse().unwrap(), Decimal::TWO],
                ]
                .concat(),
            }],
            new_products: vec![sku("TEA")],
            ..ShopDemand::default()
        };
        let one = suggest_order(&demand);
        assert_eq!(one, suggest_order_covering(&demand, 1));
        assert_eq!((one[0].quantity, one[0].why.weeks), (24, 1), "{one:?}");
        // Two weeks: 24 + 24 × 1.5 = 60; the oil's category says 0.5 then 2: 12 + 48.
        let two = suggest_order_covering(&demand, 2);
        assert_eq!((two[0].quantity, two[0].why.weeks), (60, 2), "{two:?}");
        assert_eq!(two[0].why.weekly, Decimal::from(24));
        assert_eq!(two[0].why.factor, "1.25".parse().unwrap());
        assert_eq!(two[0].why.holidays, vec!["春节前".to_string()]);
        assert_eq!(two[1].quantity, 60, "{two:?}");
        // Four weeks, the third paused: three open weeks (24 + 36 + 24); the oil's weeks
        // past what its category sent take the calendar's factor.
        let four = suggest_order_covering(&demand, 4);
        assert_eq!((four[0].quantity, four[0].why.weeks), (84, 3), "{four:?}");
        assert_eq!(four[1].quantity, 12 + 48 + 24);
        // No more weeks than the demand has; a new product is one pack whatever the cover.
        assert_eq!(suggest_order_covering(&demand, 9), four);
        assert_eq!((four[2].sku.as_str(), four[2].quantity), ("TEA", 1));
        // The quota left caps a longer order as a shorter one.
        let mut rationed = demand.clone();
        rationed.products[0].quota_remaining = Some(40);
        let capped = suggest_order_covering(&rationed, 2);
        assert_eq!(
            (capped[0].quantity, capped[0].why.quota_cap),
            (36, Some(40))
        );
        // What the shop holds is taken off once, not once a week.
        let mut stocked = demand.clone();
        stocked.products[0].ordered = 30;
        assert_eq!(suggest_order_covering(&stocked, 2)[0].quantity, 30);
        // Every covered week paused: nothing.
        let mut closed = demand.clone();
        closed.next_paused = true;
        closed.ahead[0].paused = true;
        assert!(suggest_order_covering(&closed, 2).is_empty());
        assert!(suggest_order_covering(&closed, 3).is_empty());
        assert!(!suggest_order_covering(&closed, 4).is_empty());
    }

    #[test]
    fn the_cover_runs_until_the_next_visit_in_whole_weeks() {
        let day = 24 * 60 * 60 * 1000;
        assert_eq!(cover_weeks(0, None), 1);
        assert_eq!(cover_weeks(10 * day, Some(3 * day)), 1, "a visit past");
        assert_eq!(cover_weeks(0, Some(7 * day)), 1);
        assert_eq!(cover_weeks(0, Some(8 * day)), 2);
        assert_eq!(cover_weeks(0, Some(14 * day)), 2);
        assert_eq!(cover_weeks(0, Some(60 * day)), MAX_COVER_WEEKS);
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
                    capped: false,
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
