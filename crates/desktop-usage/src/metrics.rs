//! `desktops` and `users`: the usage metrics Huawei recommends
//! (`ListDesktopUsageMetric`, `ListUserUsageMetric`), as tables and rows.

use chrono::{Days, NaiveDate};
use futures::StreamExt;
use huaweicloud_workspace::{DesktopSort, Hours, SortOrder, UserSort};

use crate::cli::global::GlobalArgs;
use crate::cli::{DesktopFilterArgs, DesktopSortArg, MetricsRangeArgs, OutputArgs, UserFilterArgs};
use crate::failure::Failure;
use crate::job::{Run, TableOf, caption, write};
use crate::output::{Align, Table};
use crate::rows::build::{desktop_row, user_row};
use crate::rows::{DesktopRow, UserRow};

/// The range of a metric command when none is given.
const DEFAULT_DAYS: u64 = 30;

/// Resolves `--from/--to` or `--last` (default the last 30 days) against `today`.
fn resolve(args: &MetricsRangeArgs, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), Failure> {
    match (args.from, args.to, args.last) {
        (Some(from), Some(to), _) => Ok((from, to)),
        (_, _, last) => {
            let n = last.map_or(DEFAULT_DAYS, u64::from);
            let from = today
                .checked_sub_days(Days::new(n.saturating_sub(1)))
                .ok_or_else(|| Failure::Usage(format!("invalid --last: {n}d before {today}")))?;
            Ok((from, today))
        }
    }
}

fn order(asc: bool) -> SortOrder {
    if asc { SortOrder::Asc } else { SortOrder::Desc }
}

/// Runs `desktops`.
pub async fn desktops(
    global: &GlobalArgs,
    range: &MetricsRangeArgs,
    filters: &DesktopFilterArgs,
    output: &OutputArgs,
) -> Result<(), Failure> {
    let days = resolve(range, global.today())?;
    let run = Run::open(global, output).await?;
    let mut query = run
        .session
        .client
        .desktop_metrics()
        .today(run.today)
        .range(days.0..=days.1);
    if let Some(name) = &filters.name {
        query = query.name(name.clone());
    }
    if let Some(n) = filters.min_idle_days {
        query = query.min_idle_days(n);
    }
    if let Some(n) = filters.max_idle_days {
        query = query.max_idle_days(n);
    }
    if let Some(n) = filters.min_hours {
        query = query.min_usage_hours(n);
    }
    if let Some(n) = filters.max_hours {
        query = query.max_usage_hours(n);
    }
    if let Some(sort) = filters.sort {
        let by = match sort {
            DesktopSortArg::Usage => DesktopSort::Usage,
            DesktopSortArg::Idle => DesktopSort::Idle,
        };
        query = query.sort(by, order(filters.asc));
    }
    let caption = caption("Desktop usage metrics", days, global.demo);
    let table = if output.charts() {
        desktops_chart
    } else {
        desktops_table
    };
    run.finish(async |sink| {
        query.validate()?;
        let rows = query
            .into_stream()
            .map(|d| d.map(|d| desktop_row(&d)).map_err(Failure::from));
        write(rows, output.format, sink, caption, TableOf::plain(table)).await
    })
    .await
}

/// Runs `users`.
pub async fn users(
    global: &GlobalArgs,
    range: &MetricsRangeArgs,
    filters: &UserFilterArgs,
    output: &OutputArgs,
) -> Result<(), Failure> {
    let days = resolve(range, global.today())?;
    let run = Run::open(global, output).await?;
    let mut query = run
        .session
        .client
        .user_metrics()
        .today(run.today)
        .range(days.0..=days.1);
    if let Some(user) = &filters.user {
        query = query.username(user.clone());
    }
    if let Some(domain) = &filters.domain {
        query = query.domain(domain.clone());
    }
    if let Some(n) = filters.min_hours {
        query = query.min_usage_hours(n);
    }
    if let Some(n) = filters.max_hours {
        query = query.max_usage_hours(n);
    }
    if filters.sort.is_some() {
        query = query.sort(UserSort::Usage, order(filters.asc));
    }
    let caption = caption("User usage metrics", days, global.demo);
    let table = if output.charts() {
        users_chart
    } else {
        users_table
    };
    run.finish(async |sink| {
        let users = query.send().await?;
        let rows = futures::stream::iter(users.iter().map(|u| Ok(user_row(u))).collect::<Vec<_>>());
        write(rows, output.format, sink, caption, TableOf::plain(table)).await
    })
    .await
}

fn cell(value: Option<&str>) -> String {
    value.unwrap_or("-").to_string()
}

fn hours_cell(value: Option<Hours>) -> String {
    value.map_or_else(|| "-".to_string(), |h| h.to_string())
}

fn desktops_table(rows: &[DesktopRow]) -> Table {
    let total: Hours = rows.iter().filter_map(|r| r.usage_hours.map(|h| h.0)).sum();
    Table {
        // The service's idle time is the run of unused days at the end of
        // the range, not the unused days in it (a desktop used 110 h with
        // 11 unused days in the middle shows 0): named for what it is, and
        // its hours (24 per day, always) left to the machine formats.
        headers: vec!["DESKTOP", "LATEST USER", "HOURS", "DAYS SINCE USE"],
        align: vec![Align::Left, Align::Left, Align::Right, Align::Right],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.computer_name
                        .clone()
                        .unwrap_or_else(|| r.desktop_id.clone()),
                    cell(r.latest_user.as_deref()),
                    hours_cell(r.usage_hours.map(|h| h.0)),
                    r.idle_days
                        .map_or_else(|| "-".to_string(), |d| d.to_string()),
                ]
            })
            .collect(),
        totals: Some(vec![
            format!("TOTAL ({})", crate::emit::plural(rows.len(), "desktop")),
            String::new(),
            total.to_string(),
            String::new(),
        ]),
        drop_first: &["", "LATEST USER"],
    }
}

fn hundredths(hours: Option<crate::rows::TwoDecimals>) -> u64 {
    hours.map_or(0, |h| h.0.hundredths())
}

fn desktops_chart(rows: &[DesktopRow]) -> Table {
    let mut table = desktops_table(rows);
    let hours: Vec<u64> = rows.iter().map(|r| hundredths(r.usage_hours)).collect();
    crate::emit::add_bars(&mut table, &hours);
    table
}

fn users_chart(rows: &[UserRow]) -> Table {
    let mut table = users_table(rows);
    let hours: Vec<u64> = rows.iter().map(|r| hundredths(r.hours)).collect();
    crate::emit::add_bars(&mut table, &hours);
    table
}

fn users_table(rows: &[UserRow]) -> Table {
    let total: Hours = rows.iter().filter_map(|r| r.hours.map(|h| h.0)).sum();
    let count = |f: fn(&UserRow) -> Option<u64>| rows.iter().filter_map(f).sum::<u64>().to_string();
    let number = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |n| n.to_string());
    Table {
        headers: vec!["USER", "HOURS", "LOGINS", "SUCCEEDED", "FAILED"],
        align: vec![
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.username.clone(),
                    hours_cell(r.hours.map(|h| h.0)),
                    number(r.login_count),
                    number(r.login_success_count),
                    number(r.login_fail_count),
                ]
            })
            .collect(),
        totals: Some(vec![
            format!("TOTAL ({})", crate::emit::plural(rows.len(), "user")),
            total.to_string(),
            count(|r| r.login_count),
            count(|r| r.login_success_count),
            count(|r| r.login_fail_count),
        ]),
        drop_first: &["", "SUCCEEDED", "LOGINS"],
    }
}
