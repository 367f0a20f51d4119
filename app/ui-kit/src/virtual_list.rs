//! Which rows of a long list of equal rows to render: those on screen and a few around
//! them (a catalog of 10,000 products scrolls as one of 20).

/// A list of `total` rows of `row_px` CSS pixels each: the rows `start..end` to render,
/// given how far the list's top is above the screen's top (`scrolled`, negative when the
/// list starts below it) and the screen's height, with `overscan` rows more on each side.
/// Whole pixels are plenty for this.
pub fn window(
    total: usize,
    row_px: u32,
    overscan: usize,
    scrolled: i64,
    screen: u32,
) -> (usize, usize) {
    if row_px == 0 {
        return (0, total);
    }
    let row = u64::from(row_px);
    let first = usize::try_from(scrolled.max(0).unsigned_abs() / row).unwrap_or(usize::MAX);
    let shown = usize::try_from(u64::from(screen).div_ceil(row))
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let start = first.saturating_sub(overscan).min(total);
    let end = first
        .saturating_add(shown.saturating_add(overscan))
        .min(total);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::window;

    const ROW: u32 = 120;

    #[test]
    fn the_window_covers_the_screen_and_its_overscan() {
        // At the top: the screen's rows (740 / 120 → 7, and one more when the first is
        // partly scrolled away) and the overscan below.
        assert_eq!(window(10_000, ROW, 6, 0, 740), (0, 8 + 6));
        // Scrolled 1,000 rows down.
        assert_eq!(
            window(10_000, ROW, 6, 1_000 * i64::from(ROW), 740),
            (994, 1_014)
        );
        // Near the end, and past it (the list shrank under the screen).
        assert_eq!(window(20, ROW, 6, 19 * i64::from(ROW), 740), (13, 20));
        assert_eq!(window(20, ROW, 6, 500 * i64::from(ROW), 740), (20, 20));
        // The list starts below the screen's top; an empty list.
        assert_eq!(window(5, ROW, 6, -300, 740), (0, 5));
        assert_eq!(window(0, ROW, 6, 0, 740), (0, 0));
    }
}
