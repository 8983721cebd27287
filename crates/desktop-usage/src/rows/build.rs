//! The rows built from the library's model, one function per command's row.

use huaweicloud_workspace::{DesktopMetrics, DesktopUsage, Hours, UserMetrics, UserTotals};

#[cfg(test)]
use super::ReportRow;
use super::{DesktopRow, IdleRow, Names, TwoDecimals, UserDailyRow, UserRow, named};

/// The `report` rows of one desktop, in period order, as values: the
/// reference that the export's formatter (`emit::report`) is tested against,
/// byte for byte.
#[cfg(test)]
pub fn report_rows<'a>(
    desktop: &'a DesktopUsage,
    names: Option<&'a Names>,
) -> impl Iterator<Item = ReportRow> + 'a {
    let name = named(names, &desktop.desktop_id)
        .and_then(|d| d.computer_name.as_deref().map(str::to_string));
    // A reassigned desktop's rows carry the user of each period's window.
    let user = move |day: Option<chrono::NaiveDate>| match day {
        Some(day) => desktop.username_on(day).map(str::to_string),
        None => desktop.username.clone(),
    };
    let row = move |date: Option<String>, hours: Hours, username: Option<String>| ReportRow {
        desktop_id: desktop.desktop_id.clone(),
        computer_name: name.clone(),
        desktop_username: username,
        date,
        hours: TwoDecimals(hours),
    };
    let empty = desktop
        .periods
        .is_empty()
        .then(|| (None, Hours::ZERO, desktop.username.clone()));
    desktop
        .periods
        .iter()
        .map(move |p| (Some(p.period.to_string()), p.hours, user(p.period.day())))
        .chain(empty)
        .map(move |(date, hours, username)| row(date, hours, username))
}

/// The `idle` row of a desktop, when its total is at most `threshold`.
pub fn idle_row(
    desktop: &DesktopUsage,
    threshold: Hours,
    names: Option<&Names>,
) -> Option<IdleRow> {
    let total = desktop.total_hours();
    let known = named(names, &desktop.desktop_id);
    (total <= threshold).then(|| IdleRow {
        desktop_id: desktop.desktop_id.clone(),
        computer_name: known.and_then(|d| d.computer_name.as_deref().map(str::to_string)),
        desktop_username: desktop.username.clone(),
        total_hours: TwoDecimals(total),
        active_days: desktop.active_days(),
        last_active_day: desktop.last_active_day(),
        status: known.and_then(|d| d.status.as_deref().map(str::to_string)),
        created: known.and_then(|d| d.created),
    })
}

/// The `users-daily` row of one user's totals.
pub fn user_daily_row(totals: &UserTotals) -> UserDailyRow {
    UserDailyRow {
        username: totals.username.clone(),
        hours: TwoDecimals(totals.hours),
        desktops: totals.desktops,
        active_days: totals.active_days,
    }
}

/// The `users` row of one user's metrics.
pub fn user_row(user: &UserMetrics) -> UserRow {
    UserRow {
        username: user.username.clone(),
        hours: user.usage_hours().map(TwoDecimals),
        login_count: user.login_count,
        login_success_count: user.login_success_count,
        login_fail_count: user.login_fail_count,
    }
}

/// The `desktops` row of one desktop's metrics.
pub fn desktop_row(desktop: &DesktopMetrics) -> DesktopRow {
    DesktopRow {
        desktop_id: desktop.desktop_id.clone(),
        computer_name: desktop.computer_name.clone(),
        latest_user: desktop.latest_user.clone(),
        usage_hours: desktop.usage_hours().map(TwoDecimals),
        idle_hours: desktop.idle_hours().map(TwoDecimals),
        idle_days: desktop.idle_seconds.map(|s| s / 86_400),
        pool_name: desktop.pool_name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use huaweicloud_workspace::{Period, PeriodUsage, UserTotalsBuilder};

    fn h(hundredths: u64) -> Hours {
        Hours::from_hundredths(hundredths)
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    fn desktop(id: &str, user: Option<&str>, hours: &[u64]) -> DesktopUsage {
        DesktopUsage {
            reassignments: Vec::new(),
            desktop_id: id.into(),
            username: user.map(Into::into),
            periods: hours
                .iter()
                .enumerate()
                .map(|(i, &x)| PeriodUsage {
                    period: Period::Day(day(i as u32 + 1)),
                    hours: h(x),
                })
                .collect(),
        }
    }

    #[test]
    fn idle_uses_at_most() {
        let d = desktop("d1", None, &[100, 50]);
        assert!(idle_row(&d, h(149), None).is_none());
        let row = idle_row(&d, h(150), None).unwrap();
        assert_eq!(row.total_hours, TwoDecimals(h(150)));
        assert_eq!(row.active_days, 2);
    }

    #[test]
    fn users_rows_come_from_the_librarys_totals_no_user_last() {
        let mut totals = UserTotalsBuilder::default();
        totals.add(&desktop("d1", Some("bob"), &[100, 0, 0]));
        totals.add(&desktop("d2", Some("bob"), &[100, 0, 5]));
        totals.add(&desktop("d3", None, &[0, 0, 0]));
        totals.add(&desktop("d4", Some("alice"), &[0, 1, 0]));
        let rows: Vec<UserDailyRow> = totals.finish().iter().map(user_daily_row).collect();
        let names: Vec<_> = rows.iter().map(|r| r.username.as_deref()).collect();
        assert_eq!(names, [Some("alice"), Some("bob"), None]);
        assert_eq!(rows[1].hours, TwoDecimals(h(205)));
        assert_eq!(rows[1].desktops, 2);
        assert_eq!(rows[1].active_days, 2);
        assert_eq!(rows[2].desktops, 1);
        assert_eq!(rows[2].active_days, 0);
    }

    #[test]
    fn a_reassigned_desktops_rows_carry_each_windows_user() {
        let mut d = desktop("d1", Some("bob"), &[100, 200]);
        d.reassignments = vec![
            huaweicloud_workspace::Assignment {
                from: day(1),
                to: day(1),
                username: Some("alice".into()),
            },
            huaweicloud_workspace::Assignment {
                from: day(2),
                to: day(2),
                username: Some("bob".into()),
            },
        ];
        let users: Vec<Option<String>> =
            report_rows(&d, None).map(|r| r.desktop_username).collect();
        assert_eq!(users, [Some("alice".into()), Some("bob".into())]);
    }
}
