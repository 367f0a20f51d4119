//! Ordering limits: per-customer allocation of short-supply SKUs per period (限量), and
//! ordering windows (a shop orders on its weekly day, before a cut-off time).
//! Times are milliseconds since 1970 with the distributor's UTC offset passed in.

use serde::{Deserialize, Serialize};

use super::pricing::RequestedLine;
use super::sku::Sku;

const MINUTE_MS: i64 = 60 * 1000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quota {
    pub sku: Sku,
    pub max_quantity: u32,
    pub period: Period,
}

/// A line that would take more than the customer's allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaExceeded {
    pub sku: Sku,
    pub max_quantity: u32,
    pub period: Period,
    pub already_ordered: u32,
    pub requested: u32,
    /// What may still be ordered this period.
    pub remaining: u32,
}

/// Local civil date (year, month, day) and weekday (0 = Monday) of `ms`.
fn civil(ms: i64, utc_offset_minutes: i32) -> (i64, u32, u32, u32) {
    let local = ms + i64::from(utc_offset_minutes) * MINUTE_MS;
    let days = local.div_euclid(DAY_MS);
    let weekday = u32::try_from((days + 3).rem_euclid(7)).unwrap_or(0); // 1970-01-01 was a Thursday
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, weekday)
}

/// The local date of `ms` as `YYYY-MM-DD`.
pub fn local_date(ms: i64, utc_offset_minutes: i32) -> String {
    let (year, month, day, _) = civil(ms, utc_offset_minutes);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Local midnight of the date `YYYY-MM-DD` (ms since 1970); None if it is not a date.
pub fn day_start(date: &str, utc_offset_minutes: i32) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    // Days-from-civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let start = days * DAY_MS - i64::from(utc_offset_minutes) * MINUTE_MS;
    // 2026-02-30 is not a date: it must read back as itself.
    (local_date(start, utc_offset_minutes) == format!("{year:04}-{month:02}-{day:02}"))
        .then_some(start)
}

/// The start (local midnight, as ms since 1970) of the period containing `now_ms`.
pub fn period_start(period: Period, now_ms: i64, utc_offset_minutes: i32) -> i64 {
    let offset = i64::from(utc_offset_minutes) * MINUTE_MS;
    let local_midnight = (now_ms + offset).div_euclid(DAY_MS) * DAY_MS - offset;
    let (_, _, day, weekday) = civil(now_ms, utc_offset_minutes);
    match period {
        Period::Day => local_midnight,
        Period::Week => local_midnight - i64::from(weekday) * DAY_MS,
        Period::Month => local_midnight - i64::from(day - 1) * DAY_MS,
    }
}

/// The lines that exceed a quota; `already_ordered(sku, period)` is what the customer has
/// ordered of `sku` in the current `period` before this order.
pub fn check_quotas(
    lines: &[RequestedLine],
    quotas: &[Quota],
    already_ordered: impl Fn(&Sku, Period) -> u32,
) -> Vec<QuotaExceeded> {
    let mut exceeded = Vec::new();
    for quota in quotas {
        let requested: u32 = lines
            .iter()
            .filter(|l| l.sku == quota.sku)
            .map(|l| l.quantity)
            .sum();
        if requested == 0 {
            continue;
        }
        let already = already_ordered(&quota.sku, quota.period);
        if already.saturating_add(requested) > quota.max_quantity {
            exceeded.push(QuotaExceeded {
                sku: quota.sku.clone(),
                max_quantity: quota.max_quantity,
                period: quota.period,
                already_ordered: already,
                requested,
                remaining: quota.max_quantity.saturating_sub(already),
            });
        }
    }
    exceeded.sort_by(|a, b| a.sku.cmp(&b.sku));
    exceeded
}

/// When a shop may order: on these weekdays (0 = Monday), before the cut-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderingWindow {
    pub weekdays: Vec<u32>,
    /// Minutes after local midnight after which that day's window is closed.
    pub cutoff_minute: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("orders are taken on the shop's ordering days; the next window opens at {next_open_ms}")]
pub struct OutsideWindow {
    pub next_open_ms: i64,
}

/// Whether `now_ms` is inside the window; if not, when it next opens.
pub fn check_window(
    window: &OrderingWindow,
    now_ms: i64,
    utc_offset_minutes: i32,
) -> Result<(), OutsideWindow> {
    if window.weekdays.is_empty() {
        return Ok(());
    }
    let midnight = period_start(Period::Day, now_ms, utc_offset_minutes);
    let (_, _, _, weekday) = civil(now_ms, utc_offset_minutes);
    let before_cutoff = window
        .cutoff_minute
        .is_none_or(|cutoff| now_ms < midnight + i64::from(cutoff) * MINUTE_MS);
    if window.weekdays.contains(&weekday) && before_cutoff {
        return Ok(());
    }
    let next = (1..=7)
        .find(|ahead| window.weekdays.contains(&((weekday + ahead) % 7)))
        .map(|ahead| midnight + i64::from(ahead) * DAY_MS)
        .unwrap_or(midnight + 7 * DAY_MS);
    Err(OutsideWindow { next_open_ms: next })
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-18 is a Wednesday. China is UTC+8.
    const WED_2026_11_18_UTC: i64 = 20_775 * DAY_MS;
    const CHINA: i32 = 8 * 60;

    fn sku(text: &str) -> Sku {
        Sku::parse(text).unwrap()
    }

    #[test]
    fn calendar() {
        assert_eq!(civil(WED_2026_11_18_UTC, 0), (2026, 11, 18, 2));
        assert_eq!(civil(0, 0), (1970, 1, 1, 3));
        assert_eq!(day_start("1970-01-01", 0), Some(0));
        assert_eq!(
            day_start("2026-11-18", CHINA),
            Some(WED_2026_11_18_UTC.div_euclid(DAY_MS) * DAY_MS - 8 * 60 * MINUTE_MS)
        );
        assert_eq!(local_date(WED_2026_11_18_UTC, 0), "2026-11-18");
        assert_eq!(day_start("2026-02-30", CHINA), None);
        assert_eq!(day_start("2026-13-01", CHINA), None);
        assert_eq!(day_start("yesterday", CHINA), None);
        // 20:00 UTC on Wednesday is already Thursday in China.
        assert_eq!(civil(WED_2026_11_18_UTC + 20 * 60 * MINUTE_MS, CHINA).3, 3);
        let check = |period, expect: i64| {
            assert_eq!(
                period_start(period, WED_2026_11_18_UTC + 5 * 60 * MINUTE_MS, 0),
                expect,
                "{period:?}"
            )
        };
        check(Period::Day, WED_2026_11_18_UTC);
        check(Period::Week, WED_2026_11_18_UTC - 2 * DAY_MS);
        check(Period::Month, WED_2026_11_18_UTC - 17 * DAY_MS);
    }

    #[test]
    fn quotas_count_what_was_already_ordered_this_period() {
        let quotas = [Quota {
            sku: sku("RICE-5"),
            max_quantity: 20,
            period: Period::Week,
        }];
        let lines = [
            RequestedLine {
                sku: sku("RICE-5"),
                quantity: 8,
            },
            RequestedLine {
                sku: sku("TEA-1"),
                quantity: 99,
            },
        ];
        assert_eq!(check_quotas(&lines, &quotas, |_, _| 12), vec![]);
        assert_eq!(
            check_quotas(&lines, &quotas, |_, _| 13),
            vec![QuotaExceeded {
                sku: sku("RICE-5"),
                max_quantity: 20,
                period: Period::Week,
                already_ordered: 13,
                requested: 8,
                remaining: 7
            }]
        );
        assert_eq!(check_quotas(&lines, &quotas, |_, _| 25)[0].remaining, 0);
    }

    #[test]
    fn ordering_windows() {
        // Orders on Wednesdays (2) and Fridays (4) until 16:00.
        let window = OrderingWindow {
            weekdays: vec![2, 4],
            cutoff_minute: Some(16 * 60),
        };
        let at = |hours: i64| WED_2026_11_18_UTC + hours * 60 * MINUTE_MS;
        assert_eq!(check_window(&window, at(10), 0), Ok(()));
        assert_eq!(
            check_window(&window, at(17), 0),
            Err(OutsideWindow {
                next_open_ms: WED_2026_11_18_UTC + 2 * DAY_MS
            })
        );
        assert_eq!(
            check_window(&window, at(24 + 10), 0),
            Err(OutsideWindow {
                next_open_ms: WED_2026_11_18_UTC + 2 * DAY_MS
            })
        );
        assert_eq!(check_window(&window, at(48 + 10), 0), Ok(()));
        assert_eq!(
            check_window(
                &OrderingWindow {
                    weekdays: vec![],
                    cutoff_minute: None
                },
                at(3),
                0
            ),
            Ok(())
        );
    }
}
