//! The report model: what a query returns, with exact hours.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use huaweicloud_workspace_api::Hours;
use serde::Serialize;

use crate::period::Period;

/// The length of the periods a report is broken into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
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

/// The hours of use of one desktop in one period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PeriodUsage {
    /// The period.
    pub period: Period,
    /// Hours of use in it, exact to the hundredth.
    pub hours: Hours,
}

/// One desktop and its usage in every period of the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct DesktopUsage {
    /// The desktop's id.
    pub desktop_id: String,
    /// The user the desktop is assigned to, when it has one: over a range
    /// of several windows, the user of the latest window that named one.
    pub username: Option<String>,
    /// Its periods, in time order, each once.
    pub periods: Vec<PeriodUsage>,
    /// When the service named different users for the desktop in different
    /// windows of the range (it was reassigned), each window's user, in time
    /// order; [`username_on`](Self::username_on) reads it. Empty when one
    /// user (or none) held it throughout.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reassignments: Vec<Assignment>,
}

/// The user the service named for a desktop over some days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Assignment {
    /// The first day of the window.
    pub from: NaiveDate,
    /// The last day of the window.
    pub to: NaiveDate,
    /// The user named for those days; `None` when none was.
    pub username: Option<String>,
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

    /// The user the service named for the desktop on `day`: the window's
    /// own user for a reassigned desktop, else [`username`](Self::username).
    pub fn username_on(&self, day: NaiveDate) -> Option<&str> {
        self.reassignments
            .iter()
            .find(|a| a.from <= day && day <= a.to)
            .map_or(self.username.as_deref(), |a| a.username.as_deref())
    }

    /// The first and last day of the periods.
    fn span(&self) -> Option<(NaiveDate, NaiveDate)> {
        let mut days = self.periods.iter().filter_map(|p| p.period.day());
        let first = days.next()?;
        Some(days.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d))))
    }

    /// Adds the periods of another window of the same desktop, keeping time
    /// order. When the windows name different users, each window's user is
    /// kept in [`reassignments`](Self::reassignments) and `username` becomes
    /// the latest window's.
    pub(crate) fn merge(&mut self, other: DesktopUsage) {
        // Spans only when users differ: a merge runs once per desktop and
        // window, and most desktops keep their user.
        if self.username != other.username
            && let (Some(mine), Some(theirs)) = (self.span(), other.span())
        {
            if self.reassignments.is_empty() {
                self.reassignments.push(Assignment {
                    from: mine.0,
                    to: mine.1,
                    username: self.username.clone(),
                });
            }
            self.reassignments.push(Assignment {
                from: theirs.0,
                to: theirs.1,
                username: other.username.clone(),
            });
        } else if !self.reassignments.is_empty()
            && let Some(theirs) = other.span()
        {
            self.reassignments.push(Assignment {
                from: theirs.0,
                to: theirs.1,
                username: other.username.clone(),
            });
        } else if self.username.is_none() {
            self.username = other.username;
        }
        // Both sides are in time order (the strict decode sorts each page's
        // periods, and every merge keeps them so), and windows mostly come
        // in time order: then the boundary and the new periods show that
        // appending keeps the order, without another look at the rest.
        debug_assert!(self.periods.is_sorted_by(|a, b| a.period <= b.period));
        let follows = match (self.periods.last(), other.periods.first()) {
            (Some(last), Some(first)) => last.period <= first.period,
            _ => true,
        };
        let sorted = follows && other.periods.is_sorted_by(|a, b| a.period <= b.period);
        self.periods.extend(other.periods);
        if !sorted {
            self.periods.sort_by(|a, b| a.period.cmp(&b.period));
        }
        if !self.reassignments.is_empty() {
            self.reassignments.sort_by_key(|a| a.from);
            if let Some(latest) = self
                .reassignments
                .iter()
                .rev()
                .find(|a| a.username.is_some())
            {
                self.username.clone_from(&latest.username);
            }
        }
    }
}

/// The hours of one user over all of their desktops.
///
/// The desktops without a user are gathered in one entry whose `username`
/// is `None`, listed last by [`UserTotalsBuilder::finish`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
/// totals.add(&DesktopUsage { desktop_id: "d1".into(), username: Some("ann".into()), periods: vec![], reassignments: vec![] });
/// totals.add(&DesktopUsage { desktop_id: "d2".into(), username: None, periods: vec![], reassignments: vec![] });
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
    ///
    /// A reassigned desktop's periods count for the user the service named
    /// in each period's window, and the desktop counts once for each of them.
    pub fn add(&mut self, desktop: &DesktopUsage) {
        if desktop.reassignments.is_empty() {
            // Looked up by reference: the name is cloned only for a new user.
            let acc = match self.users.get_mut(&desktop.username) {
                Some(acc) => acc,
                None => self.users.entry(desktop.username.clone()).or_default(),
            };
            acc.hours = acc.hours.saturating_add(desktop.total_hours());
            acc.desktops += 1;
            acc.days.extend(desktop.active_day_set());
            return;
        }
        let mut counted: BTreeSet<Option<&str>> = BTreeSet::new();
        for p in &desktop.periods {
            let Some(day) = p.period.day() else { continue };
            let user = desktop.username_on(day);
            let acc = self.users.entry(user.map(str::to_string)).or_default();
            acc.hours = acc.hours.saturating_add(p.hours);
            if !p.hours.is_zero() {
                acc.days.insert(day);
            }
            if counted.insert(user) {
                acc.desktops += 1;
            }
        }
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct UsageReport {
    /// The desktops, sorted by id, each once, periods in time order.
    pub desktops: Vec<DesktopUsage>,
    /// The days asked for; `None` when the service's default (its latest 15 days) was used.
    pub range: Option<RangeInclusive<NaiveDate>>,
    /// The length of the periods.
    pub group_by: GroupBy,
    /// The asked desktop ids ([`desktop_ids`](crate::DesktopUsageQuery::desktop_ids))
    /// that the service did not list: unknown to it (or deleted), so absent
    /// from `desktops`. Sorted; empty when every id was found or none was asked.
    pub unknown_ids: Vec<String>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
    use crate::period::DAY_FORMAT;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, DAY_FORMAT).unwrap()
    }

    fn usage(id: &str, user: Option<&str>, periods: &[(&str, u64)]) -> DesktopUsage {
        DesktopUsage {
            reassignments: Vec::new(),
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
            unknown_ids: Vec::new(),
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
