//! Splitting a date range into the windows the wire API accepts.

use chrono::{Days, NaiveDate};

/// The longest range one request may cover, counting both ends.
///
/// The service says "at most 31 days"; the safe reading is that
/// `end - start <= 30` days, so a window never holds more than 31 dates.
pub const MAX_WINDOW_DAYS: u64 = 31;

/// The dates of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Window {
    /// No dates sent: the service's own default, its latest 15 days.
    ServiceDefault,
    /// These days, both included (at most [`MAX_WINDOW_DAYS`]).
    Days(NaiveDate, NaiveDate),
}

impl Window {
    /// The first and last day, unless the service chooses them.
    pub(crate) fn days(self) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Window::ServiceDefault => None,
            Window::Days(start, end) => Some((start, end)),
        }
    }
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Window::ServiceDefault => f.write_str("the service's default range"),
            Window::Days(start, end) => write!(f, "{start}..={end}"),
        }
    }
}

/// Splits `start..=end` into consecutive windows of at most
/// [`MAX_WINDOW_DAYS`] days each, counting both ends, in time order.
/// `start` must not be after `end` (checked by validation).
pub(crate) fn split(start: NaiveDate, end: NaiveDate) -> Vec<Window> {
    split_by(start, end, MAX_WINDOW_DAYS)
        .into_iter()
        .map(|(from, to)| Window::Days(from, to))
        .collect()
}

/// Splits `start..=end` into consecutive windows of at most `days` days
/// each (at least one), counting both ends, in time order.
pub(crate) fn split_by(start: NaiveDate, end: NaiveDate, days: u64) -> Vec<(NaiveDate, NaiveDate)> {
    let mut windows = Vec::new();
    let mut from = start;
    loop {
        let to = from
            .checked_add_days(Days::new(days.max(1) - 1))
            .map_or(end, |t| t.min(end));
        windows.push((from, to));
        if to >= end {
            break;
        }
        match to.succ_opt() {
            Some(next) => from = next,
            None => break,
        }
    }
    windows
}

/// The `n` days ending `today` (today included).
pub(crate) fn last_days(today: NaiveDate, n: u32) -> Option<(NaiveDate, NaiveDate)> {
    let back = u64::from(n.checked_sub(1)?);
    Some((today.checked_sub_days(Days::new(back))?, today))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn single_day_and_exact_31() {
        assert_eq!(
            split(d("2024-01-01"), d("2024-01-01")),
            vec![Window::Days(d("2024-01-01"), d("2024-01-01"))]
        );
        assert_eq!(
            split(d("2024-01-01"), d("2024-01-31")),
            vec![Window::Days(d("2024-01-01"), d("2024-01-31"))]
        );
        assert_eq!(
            split(d("2024-01-01"), d("2024-02-01")),
            vec![
                Window::Days(d("2024-01-01"), d("2024-01-31")),
                Window::Days(d("2024-02-01"), d("2024-02-01"))
            ]
        );
    }

    #[test]
    fn windows_cover_every_day_once_and_respect_the_limit() {
        let start = d("2023-11-17");
        for len in 1..=400u64 {
            let end = start + Days::new(len - 1);
            let ws: Vec<(NaiveDate, NaiveDate)> = split(start, end)
                .into_iter()
                .filter_map(Window::days)
                .collect();
            assert_eq!(ws.first().unwrap().0, start);
            assert_eq!(ws.last().unwrap().1, end);
            let mut covered = 0;
            for (i, (a, b)) in ws.iter().enumerate() {
                assert!(a <= b);
                let days = (*b - *a).num_days();
                assert!(days <= 30, "window {a}..={b} too long");
                covered += days + 1;
                if i > 0 {
                    assert_eq!(ws[i - 1].1.succ_opt().unwrap(), *a);
                }
            }
            assert_eq!(covered as u64, len);
            assert_eq!(ws.len() as u64, len.div_ceil(MAX_WINDOW_DAYS));
        }
    }

    #[test]
    fn last_days_includes_today() {
        assert_eq!(
            last_days(d("2024-03-01"), 1),
            Some((d("2024-03-01"), d("2024-03-01")))
        );
        assert_eq!(
            last_days(d("2024-03-01"), 2),
            Some((d("2024-02-29"), d("2024-03-01")))
        );
        assert_eq!(last_days(d("2024-03-01"), 0), None);
    }
}
