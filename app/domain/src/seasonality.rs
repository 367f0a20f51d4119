//! Calendar factors estimated from what every shop ordered, per product category: how
//! much a week sells against the weeks around it, pooled over all shops and over the
//! years (`../shared/research/forecast-anchors.md` §3). An admin's calendar says *which*
//! weeks are special (Spring Festival, the weeks of stocking up before it, Mid-Autumn…);
//! the data says by how much, for each category: tobacco and liquor before Spring
//! Festival are not beverages. Weeks outside every holiday get the category's season
//! (the same week of earlier years). Where the data has nothing to say yet (a holiday
//! seen for the first time, a new category), the admin's factor stands.
//!
//! How: each week's ratio to the mean of the 52 weeks centred on it (so trend and the
//! level of the business cancel out; weeks within 26 of either end have none); a
//! holiday week's factor is the mean of the ratios of the same holiday's same week in
//! earlier years, shrunk toward the admin's factor as if that were half a year more; any
//! other week's is the mean of the ratios of the weeks within three of the same week of
//! the year, outside holidays, shrunk toward 1 as if 1 were two more such weeks.

use rust_decimal::{Decimal, RoundingStrategy};

/// Half the window a week's ratio is taken against.
pub const HALF_WINDOW: usize = 26;
const WEEKS_PER_YEAR: usize = 52;
/// Weeks of weight the season's default (1) carries against the data: the ratios of the
/// weeks within [`SEASON_SPREAD`] of the same week of the year. A category's weekly total
/// pools every shop's orders, so each ratio is already smooth; the season moves slowly,
/// so neighbouring weeks say as much as the week itself. `make bench`'s forecast bench
/// against ±1 week with the weight of a year (3): on seeds 2026, 1, 42 and 7, shop-week
/// WAPE 0.0–0.9 points further ahead of seasonal naive (seed 2026: +27.9 → +28.2 %) and
/// 0.0–1.1 ahead of MA(8) (+10.2 → +10.6 %); overall bias 0.3–0.7 points nearer 0.
const SEASON_PRIOR: Decimal = Decimal::from_parts(2, 0, 0, false, 0);
/// Years of weight the admin's factor for a holiday week carries against the data: half
/// a year, as one profile entered for every category is coarser than a year of that
/// category's own orders. `make bench`'s forecast bench, seed 2026, against a whole year:
/// the Spring Festival window's bias −7.3 % (−9.5 %), shop-week WAPE +27.9 % better than
/// seasonal naive (+27.8 %); on seeds 7, 99, 42 and 123 the window's bias moved toward
/// 0 by 0.7–3.0 points (seed 1: +1.1 → +2.2 %) and shop-week gained 0.2–0.3 points on
/// all five. With no weight at all the bias fell further, but one year's ratios alone
/// cost about a point of 4-week WAPE.
const HOLIDAY_PRIOR: Decimal = Decimal::from_parts(5, 0, 0, false, 1);

/// One week of the calendar, as the admin's holidays make it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarWeek {
    /// The holiday the week falls in (by its name, the same every year) and the week's
    /// place in it (0 for its first week).
    pub holiday: Option<(String, u32)>,
    /// The factor the admin entered for the week (1 outside every holiday).
    pub entered: Decimal,
}

/// The factor of each week of `weeks` (oldest first) for a category whose units ordered
/// per week are `totals` (oldest first, from the same first week; the weeks of `weeks`
/// beyond it are weeks ahead, forecast for). Each factor has 2 decimals.
pub fn estimate_factors(totals: &[u64], weeks: &[CalendarWeek]) -> Vec<Decimal> {
    let ratios = ratios(totals);
    (0..weeks.len())
        .map(|t| {
            let week = &weeks[t];
            let factor = match &week.holiday {
                Some(holiday) => {
                    let samples: Vec<Decimal> = ratios
                        .iter()
                        .enumerate()
                        .filter(|(w, _)| *w != t && weeks[*w].holiday.as_ref() == Some(holiday))
                        .filter_map(|(_, r)| *r)
                        .collect();
                    shrunk(&samples, week.entered, HOLIDAY_PRIOR)
                }
                None => {
                    let samples: Vec<Decimal> = ratios
                        .iter()
                        .enumerate()
                        .filter(|(w, _)| *w != t && weeks[*w].holiday.is_none())
                        .filter(|(w, _)| same_week_of_year(*w, t))
                        .filter_map(|(_, r)| *r)
                        .collect();
                    shrunk(&samples, Decimal::ONE, SEASON_PRIOR)
                }
            };
            factor.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
        })
        .collect()
}

/// Each week's units against the mean of the 52 weeks centred on it; None near either
/// end, or where nothing sold around it.
fn ratios(totals: &[u64]) -> Vec<Option<Decimal>> {
    let mut sums = Vec::with_capacity(totals.len() + 1);
    sums.push(0_u64);
    for total in totals {
        sums.push(sums.last().copied().unwrap_or(0).saturating_add(*total));
    }
    (0..totals.len())
        .map(|w| {
            if w < HALF_WINDOW || w + HALF_WINDOW > totals.len() {
                return None;
            }
            let around = sums[w + HALF_WINDOW] - sums[w - HALF_WINDOW];
            (around > 0).then(|| {
                Decimal::from(totals[w]) * Decimal::from(2 * HALF_WINDOW) / Decimal::from(around)
            })
        })
        .collect()
}

fn same_week_of_year(a: usize, b: usize) -> bool {
    let apart = a.abs_diff(b) % WEEKS_PER_YEAR;
    a != b && (apart <= 3 || apart >= WEEKS_PER_YEAR - 3)
}

/// The samples' mean, with `prior` counted as `weight` more samples.
fn shrunk(samples: &[Decimal], prior: Decimal, weight: Decimal) -> Decimal {
    let sum: Decimal = samples.iter().copied().sum::<Decimal>() + prior * weight;
    let count = Decimal::from(samples.len()) + weight;
    if count.is_zero() {
        return prior;
    }
    sum / count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(n: usize) -> Vec<CalendarWeek> {
        vec![
            CalendarWeek {
                holiday: None,
                entered: Decimal::ONE,
            };
            n
        ]
    }

    #[test]
    fn a_holiday_seen_in_earlier_years_takes_the_datas_factor() {
        // Three years; in week 10 of each year a holiday sells triple; the admin entered 1.5.
        let n = 3 * WEEKS_PER_YEAR;
        let mut weeks = plain(n + 4);
        let mut totals = vec![100_u64; n];
        for year in 0..3 {
            totals[year * WEEKS_PER_YEAR + 10] = 300;
        }
        for year in 0..4 {
            if let Some(week) = weeks.get_mut(year * WEEKS_PER_YEAR + 10) {
                week.holiday = Some(("春节".into(), 0));
                week.entered = "1.5".parse().unwrap();
            }
        }
        let factors = estimate_factors(&totals, &weeks);
        // Year 2's holiday: from year 1's (year 0's is too near the start to have a
        // ratio; its own is left out), with the admin's as half a year:
        // (ratio ≈ 2.9 + 0.5 × 1.5) / 1.5 ≈ 2.43.
        let year2 = factors[2 * WEEKS_PER_YEAR + 10];
        assert!(
            year2 > "2.3".parse().unwrap() && year2 < "2.6".parse().unwrap(),
            "{year2}"
        );
        // Ordinary weeks stay about 1.
        assert!((factors[60] - Decimal::ONE).abs() < "0.05".parse().unwrap());
        // A holiday never seen with data keeps the admin's factor (no ratio at the
        // start, nothing ahead yet): a short history.
        let short = estimate_factors(&totals[..20], &weeks[..24]);
        assert_eq!(short[10], "1.5".parse().unwrap());
        assert_eq!(short[23], Decimal::ONE);
    }

    #[test]
    fn a_season_repeats_from_the_same_weeks_of_earlier_years() {
        // Summer weeks (20–30 of each year) sell 60 % more.
        let n = 3 * WEEKS_PER_YEAR;
        let totals: Vec<u64> = (0..n)
            .map(|w| {
                if (20..30).contains(&(w % 52)) {
                    160
                } else {
                    100
                }
            })
            .collect();
        let weeks = plain(n + 30);
        let factors = estimate_factors(&totals, &weeks);
        // Next summer's second week, ahead of the data: weeks 18–24 of the two years
        // with ratios (5 of each 7 in summer, at about 1.43; the other two about 0.9),
        // shrunk toward 1 by two more weeks: about (14 × 1.28 + 2) / 16 ≈ 1.24.
        let ahead = factors[n + 25 - 4];
        assert!(
            ahead > "1.15".parse().unwrap() && ahead < "1.32".parse().unwrap(),
            "{ahead}"
        );
        assert!(factors[n + 5] < "1.05".parse().unwrap());
        assert!(
            estimate_factors(&[], &plain(3))
                .iter()
                .all(|f| *f == Decimal::ONE)
        );
    }
}
