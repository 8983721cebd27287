//! The range of a command over connection records: whole UTC days, the
//! last one up to now, within the 30 days the service keeps; refused
//! before anything is sent when it reaches further back.

use chrono::{DateTime, Days, Duration, DurationRound, NaiveDate, TimeDelta, Utc};
use huaweicloud_workspace::RECORDS_RETENTION_DAYS;

use crate::failure::Failure;

/// The range of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first and last UTC day.
    pub days: (NaiveDate, NaiveDate),
    /// The first second asked for.
    pub from: DateTime<Utc>,
    /// The end, excluded: the end of the last day, or now when that is
    /// earlier; a session still open lasts until it.
    pub until: DateTime<Utc>,
    /// The minute the 30 days are counted back from.
    pub now: DateTime<Utc>,
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Now, to the minute: the end of `today` when it was given (`--today`,
/// for reproducible runs), else the system clock's.
pub fn now(today: Option<NaiveDate>) -> DateTime<Utc> {
    match today.and_then(|d| d.checked_add_days(Days::new(1))) {
        Some(next) => midnight(next),
        None => {
            let now = Utc::now();
            now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now)
        }
    }
}

impl Window {
    /// `--from/--to`, else `--last` (else `default_days`) ending `today`,
    /// checked against the retention counted back from `now`.
    pub fn resolve(
        days: Option<(NaiveDate, NaiveDate)>,
        last: Option<u32>,
        default_days: u32,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Window, Failure> {
        let (first, last_day) = match days {
            Some(range) => range,
            None => {
                let n = last.unwrap_or(default_days);
                let first = today
                    .checked_sub_days(Days::new(u64::from(n.saturating_sub(1))))
                    .ok_or_else(|| {
                        Failure::Usage(format!("invalid --last: {n}d before {today}"))
                    })?;
                (first, today)
            }
        };
        if last_day < first {
            return Err(Failure::Usage(format!(
                "--to {last_day} is before --from {first}"
            )));
        }
        let from = midnight(first);
        let earliest = now - Duration::days(RECORDS_RETENTION_DAYS);
        if from < earliest {
            // The first whole day still kept.
            let kept = earliest.date_naive()
                + Days::new(u64::from(midnight(earliest.date_naive()) < earliest));
            return Err(Failure::Usage(format!(
                "the range starts {first}, but the service keeps connection records for \
                 {RECORDS_RETENTION_DAYS} days only: the earliest day it can answer is {kept} \
                 (at most --last {RECORDS_RETENTION_DAYS}d); nothing was sent"
            )));
        }
        let end_of_last = last_day
            .checked_add_days(Days::new(1))
            .map_or(now, midnight);
        let until = end_of_last.min(now);
        // The service takes whole minutes, the last one included.
        if until - Duration::minutes(1) < from {
            return Err(Failure::Usage(format!(
                "the range starts {first}, after now ({}): there are no records yet",
                now.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        Ok(Window {
            days: (first, last_day),
            from,
            until,
            now,
        })
    }

    /// The last minute to ask for: the service includes it whole.
    pub fn last_minute(&self) -> DateTime<Utc> {
        self.until - Duration::minutes(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn last_counts_whole_days_ending_now() {
        let now = at("2024-06-30T15:42:00Z");
        let w = Window::resolve(None, None, 7, day("2024-06-30"), now).unwrap();
        assert_eq!(w.days, (day("2024-06-24"), day("2024-06-30")));
        assert_eq!(w.from, at("2024-06-24T00:00:00Z"));
        assert_eq!(w.until, now);
        assert_eq!(w.last_minute(), at("2024-06-30T15:41:00Z"));
        // A past range ends at its last midnight.
        let w = Window::resolve(
            Some((day("2024-06-10"), day("2024-06-11"))),
            None,
            7,
            day("2024-06-30"),
            now,
        )
        .unwrap();
        assert_eq!(w.until, at("2024-06-12T00:00:00Z"));
    }

    #[test]
    fn thirty_days_are_kept_and_thirty_one_refused() {
        // With --today the run's now is the end of that day.
        let today = day("2024-06-30");
        let now = super::now(Some(today));
        assert_eq!(now, at("2024-07-01T00:00:00Z"));
        let w = Window::resolve(None, Some(30), 7, today, now).unwrap();
        assert_eq!(w.days.0, day("2024-06-01"));
        let err = Window::resolve(None, Some(31), 7, today, now).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(text.contains("30 days only"), "{text}");
        assert!(
            text.contains("earliest day it can answer is 2024-06-01"),
            "{text}"
        );
        // Mid-day, the day 30 days back is only partly kept: the next one is the earliest.
        let err = Window::resolve(None, Some(31), 7, today, at("2024-06-30T12:00:00Z"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is 2024-06-01"), "{err}");
    }

    #[test]
    fn backwards_and_future_ranges_are_refused() {
        let now = at("2024-06-30T15:42:00Z");
        let today = day("2024-06-30");
        let back = Window::resolve(
            Some((day("2024-06-20"), day("2024-06-19"))),
            None,
            7,
            today,
            now,
        );
        assert!(
            back.unwrap_err()
                .to_string()
                .contains("--to 2024-06-19 is before --from")
        );
        let future = Window::resolve(
            Some((day("2024-07-02"), day("2024-07-03"))),
            None,
            7,
            today,
            now,
        );
        assert!(future.unwrap_err().to_string().contains("no records yet"));
    }
}
