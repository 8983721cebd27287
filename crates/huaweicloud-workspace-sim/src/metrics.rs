//! `ListDesktopUsageMetric` and `ListUserUsageMetric`: the usage of the same
//! fleet as the per-day operation, added up over the whole days of a range.
//!
//! A day's record is stamped 23:59:59 of that UTC day and counts when that
//! instant lies within `[start_time, end_time]`; only days before "today"
//! have a record (the daily job runs the next morning). Usage is 36 seconds
//! per hundredth of an hour of the per-day operation, so totals agree exactly.
//! `desktop_idle_duration` is 86400 s times the trailing run of counted days
//! without use.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use serde_json::{Value, json};

use crate::cache::DailyCache;
use crate::fleet::Fleet;
use crate::hash::{hash, mix};
use crate::list::{self, Filter, Listed, Paging, Sort, Window};
use crate::params::{QueryParams, fuzzy, invalid};

/// The largest `limit` of the metric operations.
pub const METRIC_MAX_LIMIT: i64 = 100;
/// The `limit` of the metric operations when none is given (decided: 10).
pub const METRIC_DEFAULT_LIMIT: i64 = 10;
/// How far back the metric operations reach, in days before today.
pub const METRIC_RETENTION_DAYS: u64 = 180;
/// The longest user-metric range, in days (`end_time - start_time`).
pub const USER_METRIC_MAX_DAYS: i64 = 30;
/// The largest `offset` and usage-hour bound.
const MAX_INT: i64 = 2_147_483_646;
/// Seconds per hundredth of an hour.
const SECONDS_PER_HUNDREDTH: u64 = 36;
/// The `offset` and `limit` of both metric operations.
const PAGING: Paging = Paging {
    max_offset: MAX_INT,
    min_limit: 1,
    max_limit: METRIC_MAX_LIMIT,
    default_limit: METRIC_DEFAULT_LIMIT,
};

/// The days whose 23:59:59 record lies within `[start, end]` and exists by
/// `today` (days before it), in order: what both metric operations add up.
pub fn counted_days(start: DateTime<Utc>, end: DateTime<Utc>, today: NaiveDate) -> Vec<NaiveDate> {
    let last_second = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
    let first = start.date_naive();
    let mut last = if end.time() >= last_second {
        end.date_naive()
    } else {
        end.date_naive() - Days::new(1)
    };
    if let Some(yesterday) = today.pred_opt() {
        last = last.min(yesterday);
    }
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// What both operations share: the range, usage bounds, sorting and paging.
struct Common<'a> {
    days: Vec<NaiveDate>,
    usage_min: Option<u64>,
    usage_max: Option<u64>,
    enterprise_project_id: Option<&'a str>,
    sort: Option<Sort>,
    window: Window,
}

/// Reads what both operations share, for rows of type `T` (its sort fields).
fn common<'a, T: Listed>(
    q: &'a QueryParams,
    today: NaiveDate,
    max_days: Option<i64>,
) -> Result<Common<'a>, String> {
    let start = q.time("start_time")?;
    let end = q.time("end_time")?;
    if end < start {
        return Err(invalid(format_args!(
            "end_time ({}) is earlier than start_time ({})",
            end.format("%Y-%m-%dT%H:%M:%SZ"),
            start.format("%Y-%m-%dT%H:%M:%SZ")
        )));
    }
    let oldest = today - Days::new(METRIC_RETENTION_DAYS);
    if start.date_naive() < oldest {
        return Err(invalid(format_args!(
            "start_time must be within the latest {METRIC_RETENTION_DAYS} days (not before {oldest}T00:00:00Z)"
        )));
    }
    if let Some(max) = max_days
        && end - start > chrono::Duration::days(max)
    {
        return Err(invalid(format_args!(
            "user metrics cover at most {max} days, from start_time to end_time"
        )));
    }
    let hours = |name| q.int(name, 0, MAX_INT);
    let usage_min = hours("usage_min_hours")?.map(|h| h as u64 * 3600);
    let usage_max = hours("usage_max_hours")?.map(|h| h as u64 * 3600);
    let enterprise_project_id = q.text("enterprise_project_id", 0, 64)?;
    let sort_field = q.one_of("sort_field", T::SORT_FIELDS)?;
    let sort_type = q.one_of("sort_type", &["ASC", "DESC"])?;
    let sort = match (sort_field, sort_type) {
        (None, Some(_)) => return Err(invalid("sort_type is only allowed with sort_field")),
        (None, None) => None,
        (Some(field), t) => Some(Sort {
            field,
            ascending: t == Some("ASC"),
        }),
    };
    let window = PAGING.window(|name, min, max| q.int(name, min, max))?;
    Ok(Common {
        days: counted_days(start, end, today),
        usage_min,
        usage_max,
        enterprise_project_id: enterprise_project_id.filter(|e| !e.is_empty()),
        sort,
        window,
    })
}

impl Common<'_> {
    fn usage_ok(&self, seconds: u64) -> bool {
        self.usage_min.is_none_or(|m| seconds >= m) && self.usage_max.is_none_or(|m| seconds <= m)
    }

    /// Whether the desktop at `index` is in the asked enterprise project
    /// (its inventory is only made when one is asked).
    fn project_ok(&self, fleet: &Fleet, index: usize, today: NaiveDate) -> bool {
        self.enterprise_project_id.is_none_or(|ep| {
            fleet
                .inventory(index, today)
                .is_some_and(|i| i.enterprise_project_id == ep)
        })
    }
}

fn metric(name: &str, value: u64) -> Value {
    json!({ "metric_name": name, "metric_value": value })
}

/// A desktop with its usage over the counted days.
struct DesktopRow {
    index: usize,
    usage: u64,
    idle_days: i64,
}

impl Listed for DesktopRow {
    const SORT_FIELDS: &'static [&'static str] = &["desktop_usage", "desktop_idle_duration"];

    fn sort_key(&self, field: &str) -> u64 {
        if field == "desktop_usage" {
            self.usage
        } else {
            self.idle()
        }
    }
}

impl DesktopRow {
    fn idle(&self) -> u64 {
        self.idle_days as u64 * 86_400
    }
}

/// The filters of `ListDesktopUsageMetric`.
struct DesktopFilter<'a> {
    fleet: &'a Fleet,
    today: NaiveDate,
    common: &'a Common<'a>,
    resource_id: Option<&'a str>,
    /// Lower case.
    name: Option<String>,
    min_idle: Option<i64>,
    max_idle: Option<i64>,
}

impl Filter<DesktopRow> for DesktopFilter<'_> {
    fn keep(&self, r: &DesktopRow) -> bool {
        let fleet = self.fleet;
        self.resource_id
            .is_none_or(|id| fleet.desktops().get(r.index).is_some_and(|d| d.id == id))
            && self
                .name
                .as_deref()
                .is_none_or(|n| fleet.computer_name(r.index).is_some_and(|c| fuzzy(c, n)))
            && self.common.usage_ok(r.usage)
            && self.min_idle.is_none_or(|m| r.idle_days >= m)
            && self.max_idle.is_none_or(|m| r.idle_days <= m)
            && self.common.project_ok(fleet, r.index, self.today)
    }
}

/// The 200 body of `ListDesktopUsageMetric`, or the 400 message.
pub(crate) fn desktops(
    fleet: &Fleet,
    cache: &DailyCache,
    q: &QueryParams,
    today: NaiveDate,
) -> Result<String, String> {
    let c = common::<DesktopRow>(q, today, None)?;
    let filter = DesktopFilter {
        fleet,
        today,
        common: &c,
        name: q.text("resource_name", 1, 64)?.map(str::to_lowercase),
        resource_id: q.get("resource_id"),
        min_idle: q.int("min_idle_days", 0, 180)?,
        max_idle: q.int("max_idle_days", 0, 180)?,
    };
    let daily: Vec<_> = c.days.iter().map(|d| cache.day(fleet, *d)).collect();
    // No counted day, no record: not even a desktop without use.
    let desktops = if c.days.is_empty() {
        0
    } else {
        fleet.desktops().len()
    };
    let rows = (0..desktops).map(|index| {
        let values = daily
            .iter()
            .map(|d| u64::from(d.get(index).copied().unwrap_or(0)));
        DesktopRow {
            index,
            usage: values.clone().sum::<u64>() * SECONDS_PER_HUNDREDTH,
            idle_days: values.rev().take_while(|v| *v == 0).count() as i64,
        }
    });
    let (total, page) = list::page(rows, &filter, c.sort, c.window);
    let items: Vec<Value> = page
        .iter()
        .filter_map(|r| {
            let inv = fleet.inventory(r.index, today)?;
            let mut item = json!({
                "resource_id": inv.desktop_id,
                "resource_name": inv.computer_name,
                "enterprise_project_id": inv.enterprise_project_id,
                "machine_sid": inv.machine_sid,
                "latest_connect_username": inv.user_name,
                "metric": [
                    metric("desktop_usage", r.usage),
                    metric("desktop_idle_duration", r.idle()),
                ],
            });
            if let (Some((id, name)), Some(obj)) = (inv.pool, item.as_object_mut()) {
                obj.insert("resource_pool_id".into(), id.into());
                obj.insert("resource_pool_name".into(), name.into());
            }
            Some(item)
        })
        .collect();
    Ok(json!({ "count": total, "items": items }).to_string())
}

/// Logins of a user on a day: (successes, failures). Deterministic; at
/// least one success on a day with use, now and then a failure.
pub(crate) fn logins(seed: u64, username: &str, day: NaiveDate, used: bool) -> (u64, u64) {
    let user = username
        .bytes()
        .fold(0x7u64, |acc, b| mix(acc ^ u64::from(b)));
    let h = hash(&[
        seed,
        60,
        user,
        u64::try_from(day.num_days_from_ce()).unwrap_or(0),
    ]);
    if used {
        let fail = if (h >> 8).is_multiple_of(5) {
            1 + (h >> 16) % 2
        } else {
            0
        };
        (1 + h % 3, fail)
    } else {
        (0, u64::from((h >> 8).is_multiple_of(12)))
    }
}

/// A user with the usage and logins of their desktops over the counted days.
struct UserRow<'a> {
    username: &'a str,
    /// The user's domain (that of their desktops).
    domain: Option<&'a str>,
    first_index: usize,
    usage: u64,
    success: u64,
    fail: u64,
}

impl Listed for UserRow<'_> {
    const SORT_FIELDS: &'static [&'static str] = &["user_usage"];

    fn sort_key(&self, _: &str) -> u64 {
        self.usage
    }
}

/// The filters of `ListUserUsageMetric`.
struct UserFilter<'a> {
    fleet: &'a Fleet,
    today: NaiveDate,
    common: &'a Common<'a>,
    /// Lower case.
    name: Option<String>,
    domain: Option<&'a str>,
}

impl Filter<UserRow<'_>> for UserFilter<'_> {
    fn keep(&self, r: &UserRow<'_>) -> bool {
        self.domain
            .is_none_or(|want| r.domain.is_some_and(|have| have.eq_ignore_ascii_case(want)))
            && self.name.as_deref().is_none_or(|n| fuzzy(r.username, n))
            && self.common.usage_ok(r.usage)
            && self
                .common
                .project_ok(self.fleet, r.first_index, self.today)
    }
}

/// The 200 body of `ListUserUsageMetric`, or the 400 message.
pub(crate) fn users(
    fleet: &Fleet,
    cache: &DailyCache,
    q: &QueryParams,
    today: NaiveDate,
) -> Result<String, String> {
    let c = common::<UserRow<'_>>(q, today, Some(USER_METRIC_MAX_DAYS))?;
    let filter = UserFilter {
        fleet,
        today,
        common: &c,
        name: q.text("username", 0, 64)?.map(str::to_lowercase),
        domain: q.text("domain", 0, 255)?.filter(|d| !d.is_empty()),
    };
    // Each user with the indices of their desktops, ordered by name; a
    // user's desktops share the user's domain.
    let mut by_user: BTreeMap<&str, (Option<&str>, Vec<usize>)> = BTreeMap::new();
    if !c.days.is_empty() {
        for (i, d) in fleet.desktops().iter().enumerate() {
            if let Some(u) = &d.username {
                let entry = by_user
                    .entry(u.as_str())
                    .or_insert_with(|| (d.user_domain.as_deref(), Vec::new()));
                entry.1.push(i);
            }
        }
    }
    let daily: Vec<_> = c.days.iter().map(|d| cache.day(fleet, *d)).collect();
    let rows = by_user.into_iter().map(|(username, (domain, desktops))| {
        let (mut usage, mut success, mut fail) = (0, 0, 0);
        for (day, values) in c.days.iter().zip(&daily) {
            let hundredths: u64 = desktops
                .iter()
                .map(|&i| u64::from(values.get(i).copied().unwrap_or(0)))
                .sum();
            usage += hundredths * SECONDS_PER_HUNDREDTH;
            let (s, f) = logins(fleet.seed(), username, *day, hundredths > 0);
            success += s;
            fail += f;
        }
        UserRow {
            username,
            domain,
            first_index: desktops[0],
            usage,
            success,
            fail,
        }
    });
    let (total, page) = list::page(rows, &filter, c.sort, c.window);
    let items: Vec<Value> = page
        .iter()
        .map(|r| {
            let ep = fleet
                .inventory(r.first_index, today)
                .map(|i| i.enterprise_project_id)
                .unwrap_or_else(|| "0".to_string());
            json!({
                "username": r.username,
                "enterprise_project_id": ep,
                "metric": [
                    metric("user_usage", r.usage),
                    metric("user_login_count", r.success + r.fail),
                    metric("user_login_success_count", r.success),
                    metric("user_login_fail_count", r.fail),
                ],
            })
        })
        .collect();
    Ok(json!({ "count": total, "items": items }).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_day_counts_when_its_last_second_is_in_range() {
        let today = d("2024-06-30");
        let days = |a, b| counted_days(t(a), t(b), today);
        assert_eq!(
            days("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z"),
            vec![d("2024-01-01"), d("2024-01-02")]
        );
        assert_eq!(
            days("2024-01-01T23:59:59Z", "2024-01-01T23:59:59Z"),
            vec![d("2024-01-01")]
        );
        assert!(days("2024-01-01T00:00:00Z", "2024-01-01T23:59:58Z").is_empty());
        assert_eq!(
            days("2024-01-01T12:00:00Z", "2024-01-02T23:59:59Z").len(),
            2
        );
        // Nothing from today on: its record does not exist yet.
        assert_eq!(
            days("2024-06-28T00:00:00Z", "2024-07-05T00:00:00Z"),
            vec![d("2024-06-28"), d("2024-06-29")]
        );
    }

    #[test]
    fn logins_follow_use() {
        for k in 0..200 {
            let day = d("2024-01-01") + Days::new(k);
            let (s, _) = logins(1, "wei.wang", day, true);
            assert!(s >= 1);
            assert_eq!(logins(1, "wei.wang", day, false).0, 0);
            assert_eq!(
                logins(1, "wei.wang", day, true),
                logins(1, "wei.wang", day, true)
            );
        }
        let fails: u64 = (0..200)
            .map(|k| logins(1, "ana.silva", d("2024-01-01") + Days::new(k), true).1)
            .sum();
        assert!(fails > 0, "some logins fail");
    }
}
