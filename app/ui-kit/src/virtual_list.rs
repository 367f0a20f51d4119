//! Which rows of a long list of equal rows to render: those on screen and a few around
//! them (a catalog of 10,000 products scrolls as one of 20).

/// A list of `total` rows of `row_px` each: the rows `start..end` to render, given how far
/// the list's top is above the screen's top (`scrolled`, negative when the list starts
/// below it) and the screen's height, with `overscan` rows more on each side.
pub fn window(
    total: usize,
    row_px: f64,
    overscan: usize,
    scrolled: f64,
    screen: f64,
) -> (usize, usize) {
    if row_px <= 0.0 {
        return (0, total);
    }
    let first = (scrolled.max(0.0) / row_px).floor() as usize;
    let shown = (screen.max(0.0) / row_px).ceil() as usize + 1;
    let start = first.saturating_sub(overscan).min(total);
    let end = first.saturating_add(shown + overscan).min(total);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::window;

    const ROW: f64 = 120.0;

    #[test]
    fn the_window_covers_the_screen_and_its_overscan() {
        // At the top: the screen's rows (740 / 120 → 7, and one more when the first is
        // partly scrolled away) and the overscan below.
        assert_eq!(window(10_000, ROW, 6, 0.0, 740.0), (0, 8 + 6));
        // Scrolled 1,000 rows down.
        assert_eq!(window(10_000, ROW, 6, 1_000.0 * ROW, 740.0), (994, 1_014));
        // Near the end, and past it (the list shrank under the screen).
        assert_eq!(window(20, ROW, 6, 19.0 * ROW, 740.0), (13, 20));
        assert_eq!(window(20, ROW, 6, 500.0 * ROW, 740.0), (20, 20));
        // The list starts below the screen's top; an empty list.
        assert_eq!(window(5, ROW, 6, -300.0, 740.0), (0, 5));
        assert_eq!(window(0, ROW, 6, 0.0, 740.0), (0, 0));
    }
}
