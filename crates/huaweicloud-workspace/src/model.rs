//! The report model: what a query returns, with exact hours.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::RangeInclusive;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::Hours;

/// The wire format of a daily period: `yyyy-MM-dd`.
pub(crate) const DAY_FORMAT: &str = "%Y-%m-%d";
/// The wire format of an hourly period: `yyyy-MM-dd HH:00` (UTC, the hour it starts).
pub(crate) const HOUR_FORMAT: &str = "%Y-%m-%d %H:%M";

/// The length of the periods a report is broken into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum GroupBy {
    /// One period per day (`yyyy-MM-dd`), the service's default.
    #[default]
    Day,
    /// One period per hour (`yyyy-MM-dd HH:00`, UTC).
    Hour,
}

impl GroupBy {
    pub(crate) fn to_wire(self) -> huaweicloud_workspace_api::types::GroupByType {
        match self {
            GroupBy::Day => huaweicloud_workspace_api::types::GroupByType::Day,
            GroupBy::Hour => huaweicloud_workspace_api::types::GroupByType::Hour,
        }
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GroupBy::Day => "DAY",
            GroupBy::Hour => "HOUR",
        })
    }
}

/// One period of a desktop's usage, as the service labels it.
///
/// Days and hours in the documented formats are parsed; any other label is
/// kept as text by [`Period::parse`]. A query refuses a page whose periods
/// are not real days (or hours, with [`GroupBy::Hour`]) of the asked range
/// ([`Error::InvalidResponse`](crate::Error::InvalidResponse)): hours that no
/// day shows must never be counted. Only a raw
/// [`page`](crate::DesktopUsageQuery::page) keeps [`Period::Other`] labels.
///
/// `Display` gives the service's text back (`2024-01-02`, `2024-01-02 13:00`).
/// The order is time order (a day sorts before the hours of that day); labels
/// kept as text sort after every dated period, by text.
///
/// ```
/// use huaweicloud_workspace::Period;
///
/// let day = Period::parse("2024-01-02");
/// let hour = Period::parse("2024-01-02 13:00");
/// let other = Period::parse("week 1");
/// assert_eq!(day.to_string(), "2024-01-02");
/// assert_eq!(hour.to_string(), "2024-01-02 13:00");
/// assert!(matches!(other, Period::Other(ref t) if t == "week 1"));
/// assert!(day < hour && hour < other);
/// assert_eq!(hour.day(), day.day());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Period {
    /// A whole day (UTC).
    Day(NaiveDate),
    /// The hour starting at this time (UTC, whole hour).
    Hour(NaiveDateTime),
    /// A label in no documented format, kept as the service sent it.
    Other(String),
}

impl Period {
    /// Reads a period label: `yyyy-MM-dd` is a day, `yyyy-MM-dd HH:00` an
    /// hour; anything else is kept as [`Period::Other`].
    pub fn parse(text: &str) -> Period {
        // By hand rather than with chrono's format strings: this runs for
        // every period of every page, and chrono's parse-then-format check
        // cost more than decoding the JSON around it.
        let b = text.as_bytes();
        match b.len() {
            10 => {
                if let Some(date) = parse_day(b) {
                    return Period::Day(date);
                }
            }
            16 if b[10] == b' ' && &b[13..] == b":00" => {
                if let (Some(date), Some(hour)) = (parse_day(&b[..10]), digits(&b[11..13]))
                    && let Some(at) = date.and_hms_opt(hour, 0, 0)
                {
                    return Period::Hour(at);
                }
            }
            _ => {}
        }
        Period::Other(text.to_string())
    }

    /// The day the period falls in, unless it is kept as text.
    pub fn day(&self) -> Option<NaiveDate> {
        match self {
            Period::Day(d) => Some(*d),
            Period::Hour(at) => Some(at.date()),
            Period::Other(_) => None,
        }
    }

    fn sort_key(&self) -> (u8, NaiveDateTime, u8, &str) {
        match self {
            Period::Day(d) => (0, d.and_time(NaiveTime::MIN), 0, ""),
            Period::Hour(at) => (0, *at, 1, ""),
            Period::Other(t) => (1, NaiveDateTime::MIN, 0, t.as_str()),
        }
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Day(d) => write!(f, "{}", d.format(DAY_FORMAT)),
            Period::Hour(at) => write!(f, "{}", at.format(HOUR_FORMAT)),
            Period::Other(t) => f.write_str(t),
        }
    }
}

/// `yyyy-MM-dd` exactly (four-digit year, two-digit month and day), a real date.
fn parse_day(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// A run of ASCII digits as a number (`None` for anything else, or an empty run).
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// The hours of use of one desktop in one period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeriodUsage {
    /// The period.
    pub period: Period,
    /// Hours of use in it, exact to the hundredth.
    pub hours: Hours,
}

/// One desktop and its usage in every period of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopUsage {
    /// The desktop's id.
    pub desktop_id: String,
    /// The user the desktop is assigned to, when it has one.
    pub username: Option<String>,
    /// Its periods, in time order, each once.
    pub periods: Vec<PeriodUsage>,
}

impl DesktopUsage {
    /// Total hours over every period, exact.
    pub fn total_hours(&self) -> Hours {
        self.periods.iter().map(|p| p.hours).sum()
    }

    /// How many distinct days have some use (hours above zero).
    pub fn active_days(&self) -> usize {
        self.active_day_set().len()
    }

    /// The latest day with some use.
    pub fn last_active_day(&self) -> Option<NaiveDate> {
        self.active_day_set().last().copied()
    }

    pub(crate) fn active_day_set(&self) -> BTreeSet<NaiveDate> {
        self.periods
            .iter()
            .filter(|p| !p.hours.is_zero())
            .filter_map(|p| p.period.day())
            .collect()
    }

    /// Adds the periods of another window of the same desktop, keeping time order.
    pub(crate) fn merge(&mut self, other: DesktopUsage) {
        if self.username.is_none() {
            self.username = other.username;
        }
        self.periods.extend(other.periods);
        self.periods.sort_by(|a, b| a.period.cmp(&b.period));
    }
}

/// The hours of one user over all of their desktops.
///
/// The desktops without a user are gathered in one entry whose `username`
/// is `None`, listed last by [`UserTotalsBuilder::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTotals {
    /// The user name; `None` for the desktops that have no user.
    pub username: Option<String>,
    /// Total hours over all of their desktops.
    pub hours: Hours,
    /// How many desktops the user has in the report.
    pub desktops: usize,
    /// Distinct days on which any of their desktops was used.
    pub active_days: usize,
}

impl UserTotals {
    /// Average hours per active day (see [`average_per_active_day`]).
    pub fn average_per_active_day(&self) -> Hours {
        average_per_active_day(self.hours, self.active_days)
    }
}

/// `total` over `active_days`, rounded to the hundredth (halves up); zero
/// without active days. Exact: no floating point.
///
/// ```
/// use huaweicloud_workspace::{Hours, average_per_active_day};
///
/// assert_eq!(average_per_active_day(Hours::from_hundredths(200), 3).to_string(), "0.67");
/// assert_eq!(average_per_active_day(Hours::from_hundredths(500), 0), Hours::ZERO);
/// ```
pub fn average_per_active_day(total: Hours, active_days: usize) -> Hours {
    if active_days == 0 {
        return Hours::ZERO;
    }
    let days = active_days as u64;
    Hours::from_hundredths((total.hundredths().saturating_mul(2).saturating_add(days)) / (days * 2))
}

/// Adds desktops up per user, one desktop at a time, so that a stream of
/// desktops never has to be held whole: memory grows with the number of
/// users and their active days, not with periods.
///
/// A desktop counts for the user the service names for it (its
/// [`DesktopUsage::username`]).
///
/// ```
/// use huaweicloud_workspace::{DesktopUsage, UserTotalsBuilder};
///
/// let mut totals = UserTotalsBuilder::default();
/// totals.add(&DesktopUsage { desktop_id: "d1".into(), username: Some("ann".into()), periods: vec![] });
/// totals.add(&DesktopUsage { desktop_id: "d2".into(), username: None, periods: vec![] });
/// let users = totals.finish();
/// assert_eq!(users[0].username.as_deref(), Some("ann"));
/// assert_eq!(users[1].username, None); // the desktops without a user come last
/// ```
#[derive(Debug, Clone, Default)]
pub struct UserTotalsBuilder {
    users: BTreeMap<Option<String>, UserAcc>,
}

#[derive(Debug, Clone, Default)]
struct UserAcc {
    hours: Hours,
    desktops: usize,
    days: BTreeSet<NaiveDate>,
}

impl UserTotalsBuilder {
    /// Adds one desktop to its user's totals.
    pub fn add(&mut self, desktop: &DesktopUsage) {
        let acc = match self.users.get_mut(&desktop.username) {
            Some(acc) => acc,
            None => self.users.entry(desktop.username.clone()).or_default(),
        };
        acc.hours = acc.hours.saturating_add(desktop.total_hours());
        acc.desktops += 1;
        acc.days.extend(desktop.active_day_set());
    }

    /// The totals: users by name, then the desktops without a user.
    pub fn finish(self) -> Vec<UserTotals> {
        let mut unassigned = None;
        let mut out = Vec::with_capacity(self.users.len());
        for (username, acc) in self.users {
            let totals = UserTotals {
                username,
                hours: acc.hours,
                desktops: acc.desktops,
                active_days: acc.days.len(),
            };
            // BTreeMap puts `None` first; the unassigned desktops read better last.
            if totals.username.is_none() {
                unassigned = Some(totals);
            } else {
                out.push(totals);
            }
        }
        out.extend(unassigned);
        out
    }
}

/// Everything a query returned: each desktop exactly once, sorted by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReport {
    /// The desktops, sorted by id, each once, periods in time order.
    pub desktops: Vec<DesktopUsage>,
    /// The days asked for; `None` when the service's default (its latest 15 days) was used.
    pub range: Option<RangeInclusive<NaiveDate>>,
    /// The length of the periods.
    pub group_by: GroupBy,
}

impl UsageReport {
    /// Total hours of every desktop, exact.
    pub fn total_hours(&self) -> Hours {
        self.desktops.iter().map(DesktopUsage::total_hours).sum()
    }

    /// `(desktop id, total hours)` for each desktop, in id order.
    pub fn totals_per_desktop(&self) -> impl Iterator<Item = (&str, Hours)> {
        self.desktops
            .iter()
            .map(|d| (d.desktop_id.as_str(), d.total_hours()))
    }

    /// Totals per user, sorted by user name, then one entry for the
    /// desktops without a user (see [`UserTotalsBuilder`]).
    pub fn totals_per_user(&self) -> Vec<UserTotals> {
        let mut totals = UserTotalsBuilder::default();
        for desktop in &self.desktops {
            totals.add(desktop);
        }
        totals.finish()
    }
}

/// One raw page of the wire API, as [`DesktopUsageQuery::page`](crate::DesktopUsageQuery::page) returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The desktops of the page, in the order the service sent them.
    pub desktops: Vec<DesktopUsage>,
    /// The number of desktops matching the filter over all pages, as the service says.
    pub total_count: Option<u64>,
    /// The `X-Request-Id` of the response.
    pub request_id: Option<String>,
}

/// How far a query has got, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Pages received so far (retries not counted).
    pub requests_done: u64,
    /// Pages the query expects to need, as far as it knows yet. It can grow
    /// as the service reveals how many desktops there are; `None` before
    /// anything is known.
    pub requests_planned: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    /// The rule `Period::parse` implements by hand, written with chrono.
    fn parse_with_chrono(text: &str) -> Period {
        if text.len() == 10
            && let Ok(date) = NaiveDate::parse_from_str(text, DAY_FORMAT)
            && date.format(DAY_FORMAT).to_string() == text
        {
            return Period::Day(date);
        }
        if text.len() == 16
            && let Ok(at) = NaiveDateTime::parse_from_str(text, HOUR_FORMAT)
            && at.minute() == 0
            && at.format(HOUR_FORMAT).to_string() == text
        {
            return Period::Hour(at);
        }
        Period::Other(text.to_string())
    }

    #[test]
    fn period_parse_agrees_with_chrono() {
        let mut cases: Vec<String> = [
            "2024-01-01",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "2024-01-32",
            "0000-01-01",
            "9999-12-31",
            "2024-1-01",
            "2024-01-1",
            "+024-01-01",
            "-024-01-01",
            "2024/01/01",
            "2024-01-01 ",
            " 2024-01-01",
            "2024-01-0a",
            "２０２４-01-01",
            "2024-01-01 00:00",
            "2024-01-01 23:00",
            "2024-01-01 24:00",
            "2024-01-01 23:30",
            "2024-01-01 7:00 ",
            "2024-01-01T07:00",
            "2024-01-01 07:0a",
            "2024-02-30 01:00",
            "2024-01-01 +1:00",
            "",
            "week 1",
            "2024-01-01 07:00:00",
            "2024-01-01 -1:00",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let start = d("2023-12-25");
        for i in 0..800u64 {
            let day = start + chrono::Days::new(i);
            cases.push(day.format(DAY_FORMAT).to_string());
            cases.push(format!("{} {:02}:00", day.format(DAY_FORMAT), i % 26));
        }
        for case in &cases {
            assert_eq!(Period::parse(case), parse_with_chrono(case), "{case:?}");
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, DAY_FORMAT).unwrap()
    }

    fn usage(id: &str, user: Option<&str>, periods: &[(&str, u64)]) -> DesktopUsage {
        DesktopUsage {
            desktop_id: id.to_string(),
            username: user.map(str::to_string),
            periods: periods
                .iter()
                .map(|(p, h)| PeriodUsage {
                    period: Period::parse(p),
                    hours: Hours::from_hundredths(*h),
                })
                .collect(),
        }
    }

    #[test]
    fn periods_parse_and_print_back() {
        for text in ["2024-01-02", "2024-12-31 23:00", "2024-02-29"] {
            let p = Period::parse(text);
            assert!(!matches!(p, Period::Other(_)), "{text}");
            assert_eq!(p.to_string(), text);
        }
        for text in [
            "2024-1-2",
            "2024-01-02 13:30",
            "2024-01-02T13:00",
            "2023-02-29",
            "",
            "2024-01-02 13:00:00",
            "x",
        ] {
            assert_eq!(
                Period::parse(text),
                Period::Other(text.to_string()),
                "{text}"
            );
            assert_eq!(Period::parse(text).to_string(), text);
        }
    }

    #[test]
    fn periods_sort_in_time_order_other_last() {
        let mut v: Vec<Period> = [
            "zz",
            "2024-01-02 01:00",
            "2024-01-02",
            "aa",
            "2024-01-01 23:00",
        ]
        .iter()
        .map(|t| Period::parse(t))
        .collect();
        v.sort();
        let texts: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "2024-01-01 23:00",
                "2024-01-02",
                "2024-01-02 01:00",
                "aa",
                "zz"
            ]
        );
    }

    #[test]
    fn desktop_helpers() {
        let u = usage(
            "d1",
            Some("alice"),
            &[
                ("2024-01-01 09:00", 50),
                ("2024-01-01 10:00", 100),
                ("2024-01-02 10:00", 0),
                ("2024-01-03", 1262),
                ("odd", 7),
            ],
        );
        assert_eq!(u.total_hours().to_string(), "14.19");
        assert_eq!(u.active_days(), 2);
        assert_eq!(u.last_active_day(), Some(d("2024-01-03")));
        assert_eq!(
            usage("d", None, &[("2024-01-01", 0)]).last_active_day(),
            None
        );
    }

    #[test]
    fn report_totals() {
        let report = UsageReport {
            desktops: vec![
                usage("a", Some("bob"), &[("2024-01-01", 110), ("2024-01-02", 0)]),
                usage("b", Some("alice"), &[("2024-01-01", 1)]),
                usage("c", Some("bob"), &[("2024-01-01", 2), ("2024-01-03", 3)]),
                usage("d", None, &[("2024-01-01", 1000)]),
            ],
            range: Some(d("2024-01-01")..=d("2024-01-03")),
            group_by: GroupBy::Day,
        };
        assert_eq!(report.total_hours().to_string(), "11.16");
        let per: Vec<(String, String)> = report
            .totals_per_desktop()
            .map(|(id, h)| (id.to_string(), h.to_string()))
            .collect();
        assert_eq!(per[0], ("a".to_string(), "1.10".to_string()));
        let users = report.totals_per_user();
        // The desktops without a user are one entry, last: the CLI's
        // `users` and the library agree on them.
        assert_eq!(users.len(), 3);
        assert_eq!(users[0].username.as_deref(), Some("alice"));
        assert_eq!(users[1].username.as_deref(), Some("bob"));
        assert_eq!(users[1].hours.to_string(), "1.15");
        assert_eq!(users[1].desktops, 2);
        assert_eq!(users[1].active_days, 2);
        assert_eq!(users[1].average_per_active_day().to_string(), "0.58");
        assert_eq!(users[2].username, None);
        assert_eq!(users[2].hours.to_string(), "10.00");
    }

    #[test]
    fn merge_keeps_time_order_and_username() {
        let mut a = usage("a", None, &[("2024-02-01", 1)]);
        a.merge(usage("a", Some("u"), &[("2024-01-31", 2)]));
        assert_eq!(a.username.as_deref(), Some("u"));
        assert_eq!(a.periods[0].period.to_string(), "2024-01-31");
    }
}
