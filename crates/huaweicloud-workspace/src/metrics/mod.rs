//! The usage metrics Huawei recommends over the per-day operation:
//! per desktop (`ListDesktopUsageMetric`) and per user
//! (`ListUserUsageMetric`), in seconds, exact.
//!
//! Ranges are whole UTC days, both ends included: a query for
//! `2024-01-01..=2024-01-31` reaches the service as
//! `start_time=2024-01-01T00:00:00Z`, `end_time=2024-01-31T23:59:59Z`. The
//! service adds up each UTC day in a job after it ends and stamps the
//! record at 23:59:59 of that day, so a day counts when that second lies in
//! the range, and today (whose record does not exist yet) counts nothing.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::{Error, Hours};

mod desktops;
mod users;

pub use desktops::{DesktopMetricsQuery, DesktopSort};
pub use users::{UserMetricsQuery, UserSort};

/// How far back the metric operations reach: the latest 180 days.
pub const METRICS_HISTORY_DAYS: u64 = 180;
/// The longest range one user-metrics request may cover (the service's
/// rule); longer ranges are split and summed by [`UserMetricsQuery`].
pub const MAX_USER_WINDOW_DAYS: u64 = 30;
/// The largest page of the metric operations.
pub const MAX_METRICS_PAGE_SIZE: u32 = 100;

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum SortOrder {
    /// Smallest first.
    Asc,
    /// Largest first (the service's default).
    #[default]
    Desc,
}

/// One desktop's usage metrics over the range.
///
/// A metric the service did not report is `None` ("unknown"), never zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct DesktopMetrics {
    /// The desktop id (`resource_id`).
    pub desktop_id: String,
    /// The desktop's computer name (`resource_name`), when the service gave it.
    pub computer_name: Option<String>,
    /// The user who connected last (`latest_connect_username`).
    pub latest_user: Option<String>,
    /// The desktop pool, for pool desktops.
    pub pool_id: Option<String>,
    /// The desktop pool's name, for pool desktops.
    pub pool_name: Option<String>,
    /// The enterprise project.
    pub enterprise_project_id: Option<String>,
    /// Seconds of use over the range (`desktop_usage`).
    pub usage_seconds: Option<u64>,
    /// Seconds the desktop sat idle (`desktop_idle_duration`).
    pub idle_seconds: Option<u64>,
    /// Metrics with names this crate does not know, as sent (never an error).
    pub other_metrics: BTreeMap<String, f64>,
}

impl DesktopMetrics {
    /// Hours of use, rounded to the hundredth (see [`hours_from_seconds`]).
    pub fn usage_hours(&self) -> Option<Hours> {
        self.usage_seconds.map(hours_from_seconds)
    }

    /// Idle hours, rounded to the hundredth.
    pub fn idle_hours(&self) -> Option<Hours> {
        self.idle_seconds.map(hours_from_seconds)
    }
}

/// One user's usage metrics over the range.
///
/// A metric the service did not report is `None` ("unknown"), never zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct UserMetrics {
    /// The user name.
    pub username: String,
    /// The enterprise project.
    pub enterprise_project_id: Option<String>,
    /// Seconds of use (`user_usage`); sessions on several desktops at once add up.
    pub usage_seconds: Option<u64>,
    /// Login attempts (`user_login_count`).
    pub login_count: Option<u64>,
    /// Successful logins (`user_login_success_count`).
    pub login_success_count: Option<u64>,
    /// Failed logins (`user_login_fail_count`).
    pub login_fail_count: Option<u64>,
    /// Metrics with names this crate does not know, as sent (never an error).
    pub other_metrics: BTreeMap<String, f64>,
}

impl UserMetrics {
    /// Hours of use, rounded to the hundredth (see [`hours_from_seconds`]).
    pub fn usage_hours(&self) -> Option<Hours> {
        self.usage_seconds.map(hours_from_seconds)
    }

    /// Adds another window's metrics of the same user: every count and the
    /// usage add up; unknown in either window stays unknown.
    pub(crate) fn add(&mut self, other: UserMetrics) {
        fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            Some(a?.saturating_add(b?))
        }
        self.usage_seconds = sum(self.usage_seconds, other.usage_seconds);
        self.login_count = sum(self.login_count, other.login_count);
        self.login_success_count = sum(self.login_success_count, other.login_success_count);
        self.login_fail_count = sum(self.login_fail_count, other.login_fail_count);
        if self.enterprise_project_id.is_none() {
            self.enterprise_project_id = other.enterprise_project_id;
        }
        for (name, value) in other.other_metrics {
            *self.other_metrics.entry(name).or_insert(0.0) += value;
        }
    }
}

/// Seconds as hours, rounded to the hundredth, halves away from zero
/// (`18` s is `0.01` h, `17` s is `0.00` h). Integer arithmetic only.
///
/// ```
/// use huaweicloud_workspace::hours_from_seconds;
///
/// assert_eq!(hours_from_seconds(3600).to_string(), "1.00");
/// assert_eq!(hours_from_seconds(18).to_string(), "0.01");
/// assert_eq!(hours_from_seconds(17).to_string(), "0.00");
/// ```
pub fn hours_from_seconds(seconds: u64) -> Hours {
    Hours::from_hundredths(seconds.saturating_add(18) / 36)
}

/// The days of a metrics query, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// How the user gave the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeSpec {
    Dates(NaiveDate, NaiveDate),
    LastDays(u32),
}

/// Checks a range against the service's 180-day history (relative to `today`).
pub(crate) fn check_range(spec: Option<RangeSpec>, today: NaiveDate) -> Result<DayRange, Error> {
    let (start, end) = match spec {
        None => {
            return Err(Error::invalid(
                "range",
                "is required: the metric operations need start and end days (range or last_days)",
            ));
        }
        Some(RangeSpec::Dates(start, end)) => {
            if start > end {
                return Err(Error::invalid(
                    "range",
                    format!("the start {start} is after the end {end}"),
                ));
            }
            (start, end)
        }
        Some(RangeSpec::LastDays(n)) => {
            if n == 0 {
                return Err(Error::invalid("last_days", "must be at least 1, got 0"));
            }
            crate::windows::last_days(today, n).ok_or_else(|| {
                Error::invalid(
                    "last_days",
                    format!("{n} days back from {today} is out of the calendar"),
                )
            })?
        }
    };
    let earliest = today
        .checked_sub_days(Days::new(METRICS_HISTORY_DAYS))
        .unwrap_or(NaiveDate::MIN);
    if start < earliest {
        return Err(Error::invalid(
            "range",
            format!(
                "starts {start}, before the service's history: the metric operations keep only the latest {METRICS_HISTORY_DAYS} days (from {earliest}); use desktop_usage() for older days"
            ),
        ));
    }
    Ok(DayRange { start, end })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_range_reaches_the_service_as_whole_days() {
        let r = check_range(
            Some(RangeSpec::Dates(d("2024-01-01"), d("2024-01-31"))),
            d("2024-03-01"),
        )
        .unwrap();
        assert_eq!(r.start_time(), "2024-01-01T00:00:00Z");
        assert_eq!(r.end_time(), "2024-01-31T23:59:59Z");
    }

    #[test]
    fn the_history_is_180_days() {
        let today = d("2024-07-01");
        let oldest = today - Days::new(180);
        assert!(check_range(Some(RangeSpec::Dates(oldest, today)), today).is_ok());
        let err =
            check_range(Some(RangeSpec::Dates(oldest - Days::new(1), today)), today).unwrap_err();
        assert!(err.to_string().contains("latest 180 days"), "{err}");
        assert!(check_range(Some(RangeSpec::LastDays(181)), today).is_ok());
        assert!(check_range(Some(RangeSpec::LastDays(182)), today).is_err());
    }

    #[test]
    fn seconds_round_to_hundredths_half_away_from_zero() {
        assert_eq!(hours_from_seconds(0), Hours::ZERO);
        assert_eq!(hours_from_seconds(35).hundredths(), 1);
        assert_eq!(hours_from_seconds(53).hundredths(), 1);
        assert_eq!(hours_from_seconds(54).hundredths(), 2);
        assert_eq!(hours_from_seconds(36 * 1234).to_string(), "12.34");
        assert_eq!(hours_from_seconds(u64::MAX).hundredths(), u64::MAX / 36);
    }

    #[test]
    fn windows_add_up_and_unknown_stays_unknown() {
        let m = |usage: Option<u64>, logins: Option<u64>| UserMetrics {
            username: "u".into(),
            enterprise_project_id: None,
            usage_seconds: usage,
            login_count: logins,
            login_success_count: logins,
            login_fail_count: Some(0),
            other_metrics: BTreeMap::new(),
        };
        let mut a = m(Some(10), Some(1));
        a.add(m(Some(5), Some(2)));
        assert_eq!((a.usage_seconds, a.login_count), (Some(15), Some(3)));
        a.add(m(None, Some(1)));
        assert_eq!((a.usage_seconds, a.login_count), (None, Some(4)));
    }
}
