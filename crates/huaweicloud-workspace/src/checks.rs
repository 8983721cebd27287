//! The input rules every query shares, so that a bad input gets the same
//! error (the field and the rule) whichever query it is given to, before
//! any request is sent.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};

use crate::error::Error;
use crate::windows;

/// How the user gave a query's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeSpec {
    /// Both ends, included.
    Dates(NaiveDate, NaiveDate),
    /// The `n` days ending today, today included.
    LastDays(u32),
}

impl RangeSpec {
    /// The first and last day, checked (`today` is taken for `LastDays`).
    pub(crate) fn days(
        self,
        today: impl FnOnce() -> NaiveDate,
    ) -> Result<(NaiveDate, NaiveDate), Error> {
        match self {
            RangeSpec::Dates(start, end) => {
                if start > end {
                    return Err(Error::invalid(
                        "range",
                        format!("the start {start} is after the end {end}"),
                    ));
                }
                Ok((start, end))
            }
            RangeSpec::LastDays(n) => {
                if n == 0 {
                    return Err(Error::invalid("last_days", "must be at least 1, got 0"));
                }
                let today = today();
                windows::last_days(today, n).ok_or_else(|| {
                    Error::invalid(
                        "last_days",
                        format!("{n} days back from {today} is out of the calendar"),
                    )
                })
            }
        }
    }
}

/// The three range setters of a query over whole UTC days (`range`,
/// `last_days`, `today`), written once: a query struct whose list request
/// has `range: Option<RangeSpec>` and `today: Option<NaiveDate>` takes them
/// with `day_range_methods!(Query, "what the range may be");`.
macro_rules! day_range_methods {
    ($query:ident, $range_rule:literal) => {
        impl $query {
            #[doc = concat!("The days to report, both included (UTC), ", $range_rule, ".")]
            pub fn range(mut self, range: std::ops::RangeInclusive<chrono::NaiveDate>) -> Self {
                let (start, end) = range.into_inner();
                self.list.request.range = Some(crate::checks::RangeSpec::Dates(start, end));
                self
            }

            /// The `n` days ending today (UTC), today included. Replaces a [`range`](Self::range).
            pub fn last_days(mut self, n: u32) -> Self {
                self.list.request.range = Some(crate::checks::RangeSpec::LastDays(n));
                self
            }

            /// The date taken as today (UTC); default: the system clock's.
            pub fn today(mut self, today: chrono::NaiveDate) -> Self {
                self.list.request.today = Some(today);
                self
            }
        }
    };
}
pub(crate) use day_range_methods;

/// The days of a metrics query, checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DayRange {
    pub(crate) start: NaiveDate,
    pub(crate) end: NaiveDate,
}

impl DayRange {
    /// `start_time` as the service takes it: the first day at 00:00:00 UTC.
    pub(crate) fn start_time(&self) -> String {
        format!("{}T00:00:00Z", self.start.format("%Y-%m-%d"))
    }

    /// `end_time`: the last day at 23:59:59 UTC.
    pub(crate) fn end_time(&self) -> String {
        format!("{}T23:59:59Z", self.end.format("%Y-%m-%d"))
    }
}

impl DayRange {
    /// A range of `days` days, for decoding an answer without its query:
    /// the longest the operation takes, so only what no range holds is refused.
    pub(crate) fn longest(days: u64) -> DayRange {
        let start = NaiveDate::default();
        DayRange {
            start,
            end: start
                .checked_add_days(Days::new(days.saturating_sub(1)))
                .unwrap_or(start),
        }
    }

    /// The days of the range, both ends included.
    pub(crate) fn days(&self) -> u64 {
        u64::try_from((self.end - self.start).num_days() + 1).unwrap_or(0)
    }
}

/// Checks a metrics range against the service's history of `history`
/// days (relative to `today`).
pub(crate) fn check_range(
    spec: Option<RangeSpec>,
    today: NaiveDate,
    history: u64,
) -> Result<DayRange, Error> {
    let Some(spec) = spec else {
        return Err(Error::invalid(
            "range",
            "is required: the metric operations need start and end days (range or last_days)",
        ));
    };
    let (start, end) = spec.days(|| today)?;
    let earliest = today
        .checked_sub_days(Days::new(history))
        .unwrap_or(NaiveDate::MIN);
    if start < earliest {
        return Err(Error::invalid(
            "range",
            format!(
                "starts {start}, before the service's history: the metric operations keep only the latest {history} days (from {earliest}); older days are in the per-day usage (ListUsedDesktopInfo)"
            ),
        ));
    }
    Ok(DayRange { start, end })
}

/// Today (UTC) as a query takes it: the one it was given, else the system clock's.
pub(crate) fn today_or_now(today: Option<NaiveDate>) -> NaiveDate {
    today.unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// Checks an optional bound.
pub(crate) fn check_bound(
    field: &'static str,
    value: Option<u32>,
    max: u32,
) -> Result<Option<i32>, Error> {
    match value {
        None => Ok(None),
        Some(v) if v <= max => Ok(Some(v as i32)),
        Some(v) => Err(Error::invalid(
            field,
            format!("must be between 0 and {max}, got {v}"),
        )),
    }
}

/// Checks an optional filter text: not blank, at most `max` characters.
pub(crate) fn check_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<(), Error> {
    if let Some(v) = value {
        if v.trim().is_empty() {
            return Err(Error::invalid(field, "must not be empty or blank"));
        }
        let n = v.chars().count();
        if n > max {
            return Err(Error::invalid(
                field,
                format!("must be at most {max} characters, got {n}"),
            ));
        }
    }
    Ok(())
}

/// The page size and concurrency of a query, checked.
pub(crate) fn check_paging(
    page_size: u32,
    max: u32,
    concurrency: Option<usize>,
) -> Result<(), Error> {
    if !(1..=max).contains(&page_size) {
        return Err(Error::invalid(
            "page_size",
            format!("must be between 1 and {max}, got {page_size}"),
        ));
    }
    if concurrency == Some(0) {
        return Err(Error::invalid("concurrency", "must be at least 1, got 0"));
    }
    Ok(())
}

/// The `limit` of one raw page, checked.
pub(crate) fn check_limit(limit: u32, max: u32) -> Result<(), Error> {
    if !(1..=max).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {max}, got {limit}"),
        ));
    }
    Ok(())
}

/// What a list of desktop ids may hold besides non-blank ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdList {
    /// Sent as separate values: any text.
    Separate,
    /// Sent comma-separated in one parameter: no commas inside an id.
    CommaSeparated,
}

/// Checks a list of desktop ids (not empty, no blank id) and returns them
/// sorted and each once. `verb` says what leaving it out does ("list").
pub(crate) fn check_ids(ids: &[String], verb: &str, list: IdList) -> Result<Vec<String>, Error> {
    if ids.is_empty() {
        return Err(Error::invalid(
            "desktop_ids",
            format!("must not be an empty list (leave it out to {verb} every desktop)"),
        ));
    }
    let bad =
        |id: &String| id.trim().is_empty() || (list == IdList::CommaSeparated && id.contains(','));
    if let Some(i) = ids.iter().position(bad) {
        let rule = match list {
            IdList::Separate => "is empty or blank",
            IdList::CommaSeparated => "is empty, blank or holds a comma",
        };
        return Err(Error::invalid(
            "desktop_ids",
            format!("desktop id #{} (counting from 1) {rule}", i + 1),
        ));
    }
    let unique: BTreeSet<&String> = ids.iter().collect();
    Ok(unique.into_iter().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges_name_the_field_and_the_rule() {
        let today = || d("2024-03-01");
        let err = RangeSpec::Dates(d("2024-02-02"), d("2024-02-01"))
            .days(today)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid range: the start 2024-02-02 is after the end 2024-02-01"
        );
        let err = RangeSpec::LastDays(0).days(today).unwrap_err();
        assert!(
            err.to_string().contains("last_days: must be at least 1"),
            "{err}"
        );
        assert_eq!(
            RangeSpec::LastDays(1).days(today).unwrap(),
            (d("2024-03-01"), d("2024-03-01"))
        );
    }

    #[test]
    fn ids_are_sorted_once_and_commas_refused_where_they_separate() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_ids(&ids(&["b", "a", "b"]), "list", IdList::Separate).unwrap(),
            ids(&["a", "b"])
        );
        assert!(check_ids(&ids(&["a,b"]), "list", IdList::Separate).is_ok());
        let err = check_ids(&ids(&["a", "a,b"]), "list", IdList::CommaSeparated).unwrap_err();
        assert!(
            err.to_string()
                .contains("desktop id #2 (counting from 1) is empty, blank or holds a comma"),
            "{err}"
        );
        let err = check_ids(&[], "query", IdList::Separate).unwrap_err();
        assert!(
            err.to_string()
                .contains("leave it out to query every desktop"),
            "{err}"
        );
    }

    #[test]
    fn the_range_reaches_the_service_as_whole_days() {
        let r = check_range(
            Some(RangeSpec::Dates(d("2024-01-01"), d("2024-01-31"))),
            d("2024-03-01"),
            180,
        )
        .unwrap();
        assert_eq!(r.start_time(), "2024-01-01T00:00:00Z");
        assert_eq!(r.end_time(), "2024-01-31T23:59:59Z");
    }

    #[test]
    fn the_history_is_180_days() {
        let today = d("2024-07-01");
        let oldest = today - Days::new(180);
        assert!(check_range(Some(RangeSpec::Dates(oldest, today)), today, 180).is_ok());
        let err = check_range(
            Some(RangeSpec::Dates(oldest - Days::new(1), today)),
            today,
            180,
        )
        .unwrap_err();
        assert!(err.to_string().contains("latest 180 days"), "{err}");
        assert!(check_range(Some(RangeSpec::LastDays(181)), today, 180).is_ok());
        assert!(check_range(Some(RangeSpec::LastDays(182)), today, 180).is_err());
    }
}
