//! Forecast accuracy on generated shop × SKU order histories (issue 11), as
//! `../shared/research/forecast-anchors.md` §6 describes: 150 shops × 30 SKUs, 156 weeks
//! from 2023-01-02 with Spring Festival, Mid-Autumn and National Day on their real dates,
//! shop trends, pauses, launches, shortages rationed by a weekly quota (some shops order
//! the whole quota every week while it lasts) and the odd panic order; shops order whole
//! cases from their own stock level, so most weeks are zero. Rolling origins over the
//! last 52 weeks, horizons 1–4. The engine (`domain::forecast::forecast_weeks`, on the
//! input `suggest_order` gives `suggest`: two years of history, the shop's trend over all
//! its products, each category's calendar factors estimated by `domain::seasonality` from
//! every shop's orders before the origin, the weeks the admin's calendar marks) against
//! seasonal naive, MA(8), the average of the
//! last 5 orders, the generator's true rate (the ceiling the issue names: it forecasts
//! sales, not orders) and the engine with the admin's factors as entered (one profile
//! for every category). Two more rows say what the history cannot: the oracle, which
//! knows each shop's true stock, demand rate and ordering rule (what no forecast from
//! orders can reach: orders do not say what sold since the last one), and the engine
//! given the shop's shelf as its account manager would count it at the origin
//! (`ForecastInput::counted`), with its suggested order, or at his visits every fourth
//! week, the last count carried to the origin (`ProductDemand::shelf`). Prints WAPE and bias at shop×SKU×week, 4-week
//! totals and shop-week totals, the Spring Festival window, the 8 weeks after a pause and
//! the quota weeks, and the suggested order (rounded to cases) scored the same way; on
//! 4-week totals also the one order covering the four weeks (`suggest_order_covering`, as
//! for a manager who visits once a month).
//!
//! `cargo run --release -p domain --example forecast_bench [seed]`
#![allow(
    clippy::print_stdout,
    clippy::float_arithmetic, // a generator and error sums, never money
    clippy::needless_range_loop, // horizons index several tables at once
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use domain::forecast::{
    DemandWeek, ForecastInput, HISTORY_WEEKS, forecast_weeks, shop_trend, suggest,
};
use domain::seasonality::{CalendarWeek, estimate_factors};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

const SHOPS: usize = 150;
const SKUS: usize = 30;
const WEEKS: usize = 156;
const ORIGINS: usize = 52;
const HORIZON: usize = 4;

/// Spring Festival (the week containing its first day), Mid-Autumn, National Day: week
/// indices from 2023-01-02 (a Monday).
fn week_of(year: i32, month: u32, day: u32) -> i64 {
    // Days from 2023-01-02.
    let days = |y: i32, m: u32, d: u32| -> i64 {
        let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
        let y = i64::from(y);
        let m = i64::from(m);
        365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + i64::from(d)
    };
    (days(year, month, day) - days(2023, 1, 2)).div_euclid(7)
}

struct Calendar {
    spring: Vec<i64>,
    mid_autumn: Vec<i64>,
    national: Vec<i64>,
}

impl Calendar {
    fn new() -> Calendar {
        Calendar {
            spring: vec![
                week_of(2023, 1, 22),
                week_of(2024, 2, 10),
                week_of(2025, 1, 29),
                week_of(2026, 2, 17),
            ],
            mid_autumn: vec![
                week_of(2023, 9, 29),
                week_of(2024, 9, 17),
                week_of(2025, 10, 6),
            ],
            national: vec![
                week_of(2023, 10, 1),
                week_of(2024, 10, 1),
                week_of(2025, 10, 1),
            ],
        }
    }

    /// Offset of `week` from the nearest Spring Festival week.
    fn spring_offset(&self, week: i64) -> i64 {
        self.spring
            .iter()
            .map(|s| week - s)
            .min_by_key(|o| o.abs())
            .unwrap_or(99)
    }

    /// The true holiday factor of `category` in `week`.
    fn factor(&self, category: usize, week: i64) -> f64 {
        let table: [f64; 6] = match category {
            0 => [1.3, 1.6, 1.9, 0.6, 0.6, 0.85], // tobacco
            1 => [1.5, 2.0, 2.5, 0.6, 0.6, 0.85], // liquor
            _ => [1.2, 1.4, 1.6, 0.7, 0.7, 0.9],  // beverages, snacks
        };
        let offset = self.spring_offset(week);
        let mut factor = if (-3..=2).contains(&offset) {
            table[(offset + 3) as usize]
        } else {
            1.0
        };
        if self
            .mid_autumn
            .iter()
            .chain(&self.national)
            .any(|h| week == h - 1)
        {
            factor *= if category == 1 { 1.8 } else { 1.4 };
        }
        factor
    }

    /// The calendar an admin enters: one factor per week for everything (the beverages'
    /// Spring Festival profile; 1.4 the week before Mid-Autumn and National Day).
    fn admin_factor(&self, week: i64) -> f64 {
        self.factor(2, week)
    }

    /// The admin's calendar as holidays: the six weeks around Spring Festival as one
    /// holiday, the week before Mid-Autumn and the week before National Day.
    fn week(&self, week: i64) -> CalendarWeek {
        let offset = self.spring_offset(week);
        let holiday = if (-3..=2).contains(&offset) {
            Some(("春节".to_string(), (offset + 3) as u32))
        } else if self.mid_autumn.iter().any(|h| week == h - 1) {
            Some(("中秋前".to_string(), 0))
        } else if self.national.iter().any(|h| week == h - 1) {
            Some(("国庆前".to_string(), 0))
        } else {
            None
        };
        CalendarWeek {
            holiday,
            entered: dec(self.admin_factor(week)),
        }
    }
}

/// SplitMix64 with the few distributions the generator needs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn lognormal(&mut self, sigma: f64) -> f64 {
        (sigma * self.normal() - sigma * sigma / 2.0).exp()
    }
    /// Gamma(shape, 1) (Marsaglia and Tsang).
    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
    fn poisson(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 50.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0) as u32;
        }
        let limit = (-mean).exp();
        let mut product = self.uniform();
        let mut count = 0;
        while product > limit {
            product *= self.uniform();
            count += 1;
        }
        count
    }
    /// Negative binomial with this mean and dispersion k (gamma-Poisson).
    fn neg_binomial(&mut self, mean: f64, k: f64) -> u32 {
        let scale = self.gamma(k) * mean / k;
        self.poisson(scale)
    }
}

/// How one shop orders one product (the generator's rule), and what it knows of it.
#[derive(Clone, Copy)]
struct Shelf {
    category: usize,
    pack: u32,
    /// Weeks of expected sales beyond the next one an order brings the stock up to.
    cover: f64,
    /// Of the negative binomial the week's sales are drawn from.
    dispersion: f64,
    /// The shop orders all its quota every week while the product is rationed.
    gaming: bool,
    shortage: Option<(usize, usize)>,
    quota: u32,
}

impl Shelf {
    /// One open week: the shop's order (and whether it took its whole quota), from its
    /// stock and its idea of the week's sales, which the week's sales (true rate `mu`)
    /// then update.
    fn week(
        &self,
        calendar: &Calendar,
        week: usize,
        mu: f64,
        (stock, perceived): (&mut f64, &mut f64),
        rng: &mut Rng,
    ) -> (u32, bool) {
        // The shop's own order: whole cases up to `cover` weeks of what it expects to
        // sell, when its stock is below a week's worth (stocking up ahead of a holiday it
        // knows); now and then a panic order of three times that.
        let category = self.category;
        let pack = self.pack;
        let mut order = 0;
        let mut capped = false;
        let expected = *perceived * calendar.factor(category, week as i64 + 1).max(1.0);
        if *stock < expected {
            let need = expected * (1.0 + self.cover) - *stock;
            let mut cases = (need / f64::from(pack)).ceil().max(1.0) as u32;
            if rng.uniform() < 0.01 {
                cases *= 3;
            }
            order = cases * pack;
        }
        if self.shortage.is_some_and(|(s, e)| (s..e).contains(&week)) {
            if self.gaming {
                order = self.quota;
            }
            order = order.min(self.quota);
            capped = order == self.quota;
        }
        *stock += f64::from(order);
        // What customers ask for and the shop cannot give from stock it owes them (it
        // buys it back next time), so over time it orders what it sells.
        let sold = f64::from(rng.neg_binomial(mu, self.dispersion));
        *stock -= sold;
        *perceived = 0.8 * *perceived + 0.2 * sold / calendar.factor(category, week as i64);
        (order, capped)
    }
}

struct Series {
    /// Its place in the generated set.
    id: usize,
    shop: usize,
    category: usize,
    pack: u32,
    /// Units ordered per week.
    orders: Vec<u32>,
    /// The shop's stock at the start of each week, before its order (negative: owed to
    /// customers), and what it then expected to sell per ordinary week.
    stock: Vec<f64>,
    perceived: Vec<f64>,
    shelf: Shelf,
    /// The true weekly demand rate.
    rate: Vec<f64>,
    paused: Vec<bool>,
    /// The first week the product was on sale to this shop.
    launched: usize,
    /// The week a pause ended (for the post-pause window).
    pause_end: Option<usize>,
    /// Weeks the shop ordered all its quota allowed.
    capped: Vec<bool>,
    /// The weeks the product was rationed, and the shop's weekly quota then.
    shortage: Option<(usize, usize)>,
    quota: u32,
}

fn generate(seed: u64, calendar: &Calendar) -> Vec<Series> {
    let mut rng = Rng(seed);
    let popularity: Vec<f64> = (0..120)
        .map(|i| rng.lognormal(0.8) * 12.0 / (1.0 + i as f64 / 20.0))
        .collect();
    let season: Vec<(f64, f64)> = (0..4)
        .map(|_| (0.05 + 0.4 * rng.uniform(), 52.0 * rng.uniform()))
        .collect();
    // One product in twelve is short for 6–10 weeks of the last year and rationed by a
    // weekly quota per shop.
    let shortages: Vec<Option<(usize, usize)>> = (0..120)
        .map(|sku| {
            (sku % 12 == 5).then(|| {
                let start = WEEKS - 52 + (rng.uniform() * 40.0) as usize;
                (
                    start,
                    (start + 6 + (rng.uniform() * 5.0) as usize).min(WEEKS),
                )
            })
        })
        .collect();
    let mut all = Vec::new();
    for shop in 0..SHOPS {
        let size = rng.lognormal(0.6);
        // One shop in five games a quota: it orders all of it every week while it lasts.
        let gaming = rng.uniform() < 0.2;
        let trend = 0.15 * rng.normal();
        let pause = (rng.uniform() < 0.1).then(|| {
            let start = 60 + (rng.uniform() * 90.0) as usize;
            (
                start,
                (start + 4 + (rng.uniform() * 7.0) as usize).min(WEEKS),
            )
        });
        let dispersion = [0.5, 1.0, 2.0][(rng.uniform() * 3.0) as usize % 3];
        let cover = 1.0 + rng.uniform();
        let mut skus: Vec<usize> = (0..120).collect();
        for i in 0..SKUS {
            let j = i + (rng.uniform() * (120 - i) as f64) as usize;
            skus.swap(i, j);
        }
        for (slot, sku) in skus.into_iter().take(SKUS).enumerate() {
            let category = sku % 4;
            let pack = [10, 6, 12, 12][category];
            let base = size * popularity[sku] * rng.lognormal(0.5);
            let launched = if slot >= SKUS - 5 {
                60 + (rng.uniform() * 80.0) as usize
            } else {
                0
            };
            let (amplitude, phase) = season[category];
            let mut stock = 0.0_f64;
            let mut perceived = base;
            let mut orders = vec![0; WEEKS];
            let mut rate = vec![0.0; WEEKS];
            let mut paused = vec![false; WEEKS];
            let mut capped = vec![false; WEEKS];
            // The quota: 80 % of a usual week's demand, at least a case.
            let quota = ((0.8 * base / f64::from(pack)).floor() as u32).max(1) * pack;
            let shelf = Shelf {
                category,
                pack,
                cover,
                dispersion,
                gaming,
                shortage: shortages[sku],
                quota,
            };
            let mut stock_at = vec![0.0; WEEKS];
            let mut perceived_at = vec![0.0; WEEKS];
            for week in 0..WEEKS {
                let is_paused = pause.is_some_and(|(s, e)| (s..e).contains(&week));
                paused[week] = is_paused;
                if week < launched || is_paused {
                    continue;
                }
                let ramp = ((week - launched) as f64 / 8.0).min(1.0);
                let ramp = if launched == 0 { 1.0 } else { ramp.max(0.125) };
                let seasonal =
                    1.0 + amplitude * (std::f64::consts::TAU * (week as f64 - phase) / 52.0).sin();
                let mu = base
                    * ramp
                    * (trend * week as f64 / 52.0).exp()
                    * seasonal
                    * calendar.factor(category, week as i64);
                rate[week] = mu;
                stock_at[week] = stock;
                perceived_at[week] = perceived;
                (orders[week], capped[week]) =
                    shelf.week(calendar, week, mu, (&mut stock, &mut perceived), &mut rng);
            }
            all.push(Series {
                id: all.len(),
                shop,
                category,
                pack,
                orders,
                stock: stock_at,
                perceived: perceived_at,
                shelf,
                rate,
                paused,
                launched,
                pause_end: pause.map(|(_, e)| e),
                capped,
                shortage: shortages[sku],
                quota,
            });
        }
    }
    all
}

/// The methods scored, in the order of `forecasts`' rows: the engine's forecast, its
/// suggested order in cases, seasonal naive, MA(8), the average of the last 5 orders, the
/// true rate, the engine with the admin's calendar factors as entered, and the oracle
/// ([`oracle`]).
const METHODS: usize = 11;

/// Runs of the generator's own ordering rule the oracle averages.
const ORACLE_RUNS: usize = 200;

/// What the shop is expected to order in each week from `origin`, knowing what no
/// forecast can: its true stock and idea of its sales at the origin, its true demand rate
/// in each week ahead and its ordering rule. The mean of [`ORACLE_RUNS`] runs of the
/// generator from that state, each with its own draws of the weeks' sales. What the
/// shop's orders can be forecast to at best; the true rate forecasts its sales.
fn oracle(series: &Series, origin: usize, calendar: &Calendar) -> [f64; HORIZON] {
    let mut rng = Rng(0x5eed_0000_0000 ^ ((series.id * WEEKS + origin) as u64) << 8);
    let mut sums = [0.0; HORIZON];
    for _ in 0..ORACLE_RUNS {
        let mut stock = series.stock[origin];
        let mut perceived = series.perceived[origin];
        for h in 0..HORIZON {
            let week = origin + h;
            if series.paused[week] || week < series.launched {
                continue;
            }
            let (order, _) = series.shelf.week(
                calendar,
                week,
                series.rate[week],
                (&mut stock, &mut perceived),
                &mut rng,
            );
            sums[h] += f64::from(order);
        }
    }
    sums.map(|sum| sum / ORACLE_RUNS as f64)
}

#[derive(Default, Clone, Copy)]
struct Score {
    abs: f64,
    signed: f64,
    actual: f64,
}

impl Score {
    fn add(&mut self, forecast: f64, actual: f64) {
        self.abs += (forecast - actual).abs();
        self.signed += forecast - actual;
        self.actual += actual;
    }
    fn wape(&self) -> f64 {
        self.abs / self.actual
    }
    fn bias(&self) -> f64 {
        self.signed / self.actual
    }
}

fn rationed(series: &Series, week: usize) -> bool {
    series.shortage.is_some_and(|(s, e)| (s..e).contains(&week))
}

fn dec(value: f64) -> Decimal {
    Decimal::from_f64(value).unwrap_or(Decimal::ONE).round_dp(2)
}

/// Every method's forecast of `series` for weeks `origin..origin + HORIZON`, from the weeks
/// before `origin`; and the one order covering all of them that `suggest_order_covering`
/// makes (each open week's demand, less the stock the shop holds once, in whole cases,
/// capped by the quota when rationed).
/// The weeks of `series` before `origin` the engine reads, each with its factor.
fn history(series: &Series, origin: usize, factor: &dyn Fn(usize) -> Decimal) -> Vec<DemandWeek> {
    (origin.saturating_sub(HISTORY_WEEKS)..origin)
        .map(|w| DemandWeek {
            quantity: series.orders[w],
            paused: series.paused[w],
            factor: factor(w),
            capped: series.capped[w],
        })
        .collect()
}

fn forecasts(
    series: &Series,
    origin: usize,
    calendar: &Calendar,
    factors: &[Decimal],
    (trend, admin_trend): (Decimal, Decimal),
) -> ([[f64; HORIZON]; METHODS], f64) {
    let mut out = [[0.0; HORIZON]; METHODS];
    // The engine as `suggest_order` runs it on the shop's demand (the shop's trend over
    // all its products), with the category's factors estimated from every shop's orders
    // before the origin; and its forecast of the weeks ahead.
    let run =
        |factor: &dyn Fn(usize) -> Decimal,
         shop_trend: Decimal,
         (counted, counted_weeks_ago, ordered_since_count): (Option<u32>, Decimal, u32)| {
            let input = ForecastInput {
                history: history(series, origin, factor),
                shop_trend,
                next_factor: Decimal::ONE,
                next_paused: false,
                pack_size: series.pack,
                quota_remaining: rationed(series, origin).then_some(series.quota),
                stock_available: None,
                already_ordered: 0,
                counted,
                counted_weeks_ago,
                ordered_since_count,
            };
            let ahead: Vec<Decimal> = (origin..origin + HORIZON).map(factor).collect();
            let weeks: Vec<f64> = forecast_weeks(&input, &ahead)
                .iter()
                .map(|d| d.to_f64().unwrap_or(0.0))
                .collect();
            (suggest(&input), weeks)
        };
    let estimated = |w: usize| factors[w];
    let uncounted = (None, Decimal::ZERO, 0);
    let (got, weeks) = run(&estimated, trend, uncounted);
    // As if the manager had counted the shop's shelf at the origin (what it holds; a
    // shelf holds nothing less than nothing, whatever the shop owes its customers).
    let on_shelf = |week: usize| series.stock[week].max(0.0).round() as u32;
    let shelf = on_shelf(origin);
    let (_, counted) = run(&estimated, trend, (Some(shelf), Decimal::ZERO, 0));
    // As if he counted it at each visit, every fourth week (on the shop's own weekday),
    // and the suggestions until the next visit carried the last count: plus what the shop
    // ordered since, less what it sold since at the rate (`ProductDemand::shelf`).
    let visit = (origin.saturating_sub(3)..=origin)
        .rev()
        .find(|w| w % 4 == series.shop % 4)
        .unwrap_or(origin);
    let since: Vec<usize> = (visit..origin)
        .filter(|w| !series.paused[*w] && *w >= series.launched)
        .collect();
    let ordered_since: u32 = since.iter().map(|w| series.orders[*w]).sum();
    let weeks_ago: Decimal = since.iter().map(|w| estimated(*w)).sum();
    let (_, carried) = run(
        &estimated,
        trend,
        (Some(on_shelf(visit)), weeks_ago, ordered_since),
    );
    let level = got.level.to_f64().unwrap_or(0.0);
    let factor = |w: usize| factors[w].to_f64().unwrap_or(1.0);
    let (_, admin) = run(
        &|w| dec(calendar.admin_factor(w as i64)),
        admin_trend,
        uncounted,
    );
    for h in 0..HORIZON {
        let target = origin + h;
        out[6][h] = admin[h];
        out[8][h] = counted[h];
        out[10][h] = carried[h];
        if rationed(series, target) {
            out[6][h] = out[6][h].min(f64::from(series.quota));
            out[8][h] = out[8][h].min(f64::from(series.quota));
            out[10][h] = out[10][h].min(f64::from(series.quota));
        }
    }
    // The suggested orders of the weeks ahead: each week's demand less the stock the shop
    // is estimated to have, in whole cases.
    let on_hand = got.on_hand.to_f64().unwrap_or(0.0);
    let pack = f64::from(series.pack);
    let covered: f64 = (0..HORIZON)
        .filter(|h| !series.paused[origin + h])
        .map(|h| level * factor(origin + h))
        .sum();
    let cover_need = covered - on_hand;
    let mut cover = if cover_need > 0.0 {
        (cover_need / pack).ceil() * pack
    } else {
        0.0
    };
    if rationed(series, origin) {
        cover = cover.min(f64::from(series.quota));
    }
    // Week by week, what the engine would suggest from `on_hand` on: each week's demand
    // less what the shop is estimated to hold, in whole cases (up, once anything is
    // needed), capped by the quota while the product is rationed (the distributor knows
    // it, and so does the engine: `quota_remaining`).
    let suggested = |mut on_hand: f64| {
        let mut out = [0.0; HORIZON];
        for h in 0..HORIZON {
            let target = origin + h;
            let mut demand = level * factor(target);
            if rationed(series, target) {
                demand = demand.min(f64::from(series.quota));
            }
            let need = demand - on_hand;
            let cases = if need > 0.0 {
                (need / pack).ceil()
            } else {
                0.0
            };
            out[h] = if rationed(series, target) {
                (cases * pack).min(f64::from(series.quota))
            } else {
                cases * pack
            };
            on_hand = (on_hand + cases * pack - demand).max(-level);
        }
        out
    };
    out[1] = suggested(on_hand);
    out[9] = suggested(f64::from(shelf));
    for h in 0..HORIZON {
        let target = origin + h;
        out[0][h] = if rationed(series, target) {
            weeks[h].min(f64::from(series.quota))
        } else {
            weeks[h]
        };
        out[2][h] = target
            .checked_sub(52)
            .map_or(0.0, |w| f64::from(series.orders[w]));
        let last8: Vec<f64> = series.orders[origin.saturating_sub(8)..origin]
            .iter()
            .map(|q| f64::from(*q))
            .collect();
        out[3][h] = last8.iter().sum::<f64>() / last8.len().max(1) as f64;
        let recent: Vec<f64> = series.orders[..origin]
            .iter()
            .rev()
            .filter(|q| **q > 0)
            .take(5)
            .map(|q| f64::from(*q))
            .collect();
        out[4][h] = recent.iter().sum::<f64>() / recent.len().max(1) as f64;
        out[5][h] = series.rate[target];
    }
    out[7] = oracle(series, origin, calendar);
    (out, cover)
}

fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let calendar = Calendar::new();
    let started = std::time::Instant::now();
    let all = generate(seed, &calendar);
    let weeks_total: usize = all.len() * WEEKS;
    let zero = all
        .iter()
        .flat_map(|s| s.orders.iter().zip(&s.paused).skip(s.launched))
        .filter(|(q, p)| **q == 0 && !**p)
        .count();
    println!(
        "forecast bench (seed {seed}): {} shop×SKU series, {WEEKS} weeks, {:.0} % of open weeks without an order, {:.2} units per series-week",
        all.len(),
        100.0 * zero as f64 / weeks_total as f64,
        all.iter()
            .flat_map(|s| &s.orders)
            .map(|q| f64::from(*q))
            .sum::<f64>()
            / weeks_total as f64
    );
    let mut week_level = [Score::default(); METHODS];
    let mut four_week = [Score::default(); METHODS];
    let mut spring = [Score::default(); METHODS];
    let mut after_pause = [Score::default(); METHODS];
    let mut quota_weeks = [Score::default(); METHODS];
    let mut after_launch = [Score::default(); METHODS];
    let mut covering = Score::default();
    // Shop-week totals: (shop, origin, h) → per method forecast and actual.
    let mut shop_week = vec![[0.0_f64; METHODS + 1]; SHOPS * ORIGINS * HORIZON];
    // Each category's factors as the server would estimate them at each origin: from
    // every shop's orders before it.
    let mut totals = vec![vec![0_u64; WEEKS]; 4];
    for series in &all {
        for (w, q) in series.orders.iter().enumerate() {
            totals[series.category][w] += u64::from(*q);
        }
    }
    let weeks: Vec<CalendarWeek> = (0..WEEKS + HORIZON)
        .map(|w| calendar.week(w as i64))
        .collect();
    let factors: Vec<Vec<Vec<Decimal>>> = (0..ORIGINS)
        .map(|o| {
            let origin = WEEKS - ORIGINS - HORIZON + 1 + o;
            totals
                .iter()
                .map(|t| estimate_factors(&t[..origin], &weeks[..origin + HORIZON]))
                .collect()
        })
        .collect();
    // Each shop's trend at each origin, as `suggest_order` works it out from all its
    // products: with the estimated factors, and with the admin's.
    let trends: Vec<(Decimal, Decimal)> = (0..SHOPS)
        .flat_map(|shop| (0..ORIGINS).map(move |o| (shop, o)))
        .map(|(shop, o)| {
            let origin = WEEKS - ORIGINS - HORIZON + 1 + o;
            let products = &all[shop * SKUS..(shop + 1) * SKUS];
            let estimated: Vec<Vec<DemandWeek>> = products
                .iter()
                .map(|s| history(s, origin, &|w| factors[o][s.category][w]))
                .collect();
            let admin: Vec<Vec<DemandWeek>> = products
                .iter()
                .map(|s| history(s, origin, &|w| dec(calendar.admin_factor(w as i64))))
                .collect();
            (
                shop_trend(estimated.iter().map(Vec::as_slice)),
                shop_trend(admin.iter().map(Vec::as_slice)),
            )
        })
        .collect();
    for series in &all {
        for o in 0..ORIGINS {
            let origin = WEEKS - ORIGINS - HORIZON + 1 + o;
            let (f, cover) = forecasts(
                series,
                origin,
                &calendar,
                &factors[o][series.category],
                trends[series.shop * ORIGINS + o],
            );
            let mut sums = [0.0; METHODS];
            let mut actual_sum = 0.0;
            let mut judged = false;
            for h in 0..HORIZON {
                let target = origin + h;
                if series.paused[target] || target < series.launched {
                    continue;
                }
                judged = true;
                let actual = f64::from(series.orders[target]);
                actual_sum += actual;
                let cell = &mut shop_week[(series.shop * ORIGINS + o) * HORIZON + h];
                cell[METHODS] += actual;
                let in_spring = (-3..=2).contains(&calendar.spring_offset(target as i64));
                let post_pause = series
                    .pause_end
                    .is_some_and(|end| target >= end && target < end + 8 && origin >= end);
                let launching = series.launched > 0 && target < series.launched + 26;
                let rationed = series
                    .shortage
                    .is_some_and(|(s, e)| target >= s && target < e + 4);
                for m in 0..METHODS {
                    week_level[m].add(f[m][h], actual);
                    sums[m] += f[m][h];
                    cell[m] += f[m][h];
                    if in_spring {
                        spring[m].add(f[m][h], actual);
                    }
                    if post_pause {
                        after_pause[m].add(f[m][h], actual);
                    }
                    if rationed {
                        quota_weeks[m].add(f[m][h], actual);
                    }
                    if launching {
                        after_launch[m].add(f[m][h], actual);
                    }
                }
            }
            if judged {
                for m in 0..METHODS {
                    four_week[m].add(sums[m], actual_sum);
                }
                covering.add(cover, actual_sum);
            }
        }
    }
    let mut shop_level = [Score::default(); METHODS];
    for cell in &shop_week {
        for m in 0..METHODS {
            shop_level[m].add(cell[m], cell[METHODS]);
        }
    }
    let names = [
        "engine (forecast)",
        "engine (suggested order, cases)",
        "seasonal naive",
        "MA(8)",
        "average of last 5 orders",
        "true rate (ceiling)",
        "engine, admin's calendar as entered",
        "oracle: true stock, rate and rule",
        "engine, shelf counted at the origin",
        "  its suggested order, cases",
        "engine, shelf counted every 4th week",
    ];
    // Each table, and a row of its own beside the methods (the one order covering the four
    // weeks, on 4-week totals).
    let none: Option<(&str, &Score)> = None;
    for (title, scores, extra) in [
        ("shop×SKU×week", &week_level, none),
        (
            "4-week totals per shop×SKU",
            &four_week,
            Some(("one order covering the 4 weeks", &covering)),
        ),
        ("shop-week totals", &shop_level, none),
        (
            "Spring Festival window (−3…+2 weeks), shop×SKU×week",
            &spring,
            none,
        ),
        ("8 weeks after a pause, shop×SKU×week", &after_pause, none),
        (
            "quota weeks (a shortage and the 4 weeks after), shop×SKU×week",
            &quota_weeks,
            none,
        ),
        (
            "26 weeks after a launch, shop×SKU×week",
            &after_launch,
            none,
        ),
    ] {
        println!("\n{title}:");
        println!(
            "  {:<34} {:>8} {:>8} {:>14} {:>12}",
            "method", "WAPE", "bias", "vs seas. naive", "vs MA(8)"
        );
        let rows = names
            .iter()
            .zip(scores.iter())
            .map(|(name, score)| (*name, score));
        for (name, score) in rows.chain(extra) {
            println!(
                "  {:<34} {:>7.1}% {:>+7.1}% {:>+13.1}% {:>+11.1}%",
                name,
                100.0 * score.wape(),
                100.0 * score.bias(),
                100.0 * (1.0 - score.wape() / scores[2].wape()),
                100.0 * (1.0 - score.wape() / scores[3].wape()),
            );
        }
        let gap = (scores[3].wape() - scores[0].wape()) / (scores[3].wape() - scores[5].wape());
        println!(
            "  gap closed between MA(8) and the ceiling: {:.0} %",
            100.0 * gap
        );
    }
    println!("\n({:.1} s)", started.elapsed().as_secs_f64());
}
