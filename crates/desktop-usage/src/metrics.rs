//! `desktops` and `users`: the usage metrics Huawei recommends
//! (`ListDesktopUsageMetric`, `ListUserUsageMetric`), as tables and rows.

use std::io::Write;
use std::pin::pin;

use chrono::{Days, NaiveDate};
use futures::StreamExt;
use huaweicloud_workspace::{DesktopSort, Hours, SortOrder, UserSort};
use serde::Serialize;

use crate::cli::global::GlobalArgs;
use crate::cli::{DesktopFilterArgs, DesktopSortArg, MetricsRangeArgs, OutputArgs, UserFilterArgs};
use crate::failure::Failure;
use crate::output::{Align, CsvRow, Format, RowWriter, Sink, Table};
use crate::rows::build::{desktop_row, user_row};
use crate::rows::{DesktopRow, UserRow};
use crate::session::Session;

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

/// What both metric commands do around their query: the range resolved, the
/// output opened before anything is sent (a bad path fails first), and the
/// session closed however the query ends.
struct Run {
    today: NaiveDate,
    days: (NaiveDate, NaiveDate),
    sink: Sink,
    session: Session,
}

impl Run {
    async fn open(
        global: &GlobalArgs,
        range: &MetricsRangeArgs,
        output: &OutputArgs,
    ) -> Result<Run, Failure> {
        let today = global.today();
        let days = resolve(range, today)?;
        let sink = Sink::create(output.output.as_deref())?;
        let session = Session::open(global, today).await?;
        Ok(Run {
            today,
            days,
            sink,
            session,
        })
    }

    fn caption(&self, what: &str, demo: bool) -> String {
        let (from, to) = self.days;
        let days = (to - from).num_days() + 1;
        let unit = if days == 1 { "day" } else { "days" };
        let mut text = format!("{what}, {from} to {to} ({days} {unit}, UTC)");
        if demo {
            text.push_str(" [SIMULATED DATA]");
        }
        text
    }

    /// Runs `body` on the output, closes the session, and commits the
    /// output only when the body succeeded (a failed run leaves no half file).
    async fn finish(
        self,
        body: impl AsyncFnOnce(Sink) -> Result<Sink, Failure>,
    ) -> Result<(), Failure> {
        let result = body(self.sink).await;
        self.session.close().await;
        result?.commit()?;
        Ok(())
    }
}

/// Runs `desktops`.
pub async fn desktops(
    global: &GlobalArgs,
    range: &MetricsRangeArgs,
    filters: &DesktopFilterArgs,
    output: &OutputArgs,
) -> Result<(), Failure> {
    let run = Run::open(global, range, output).await?;
    let mut query = run
        .session
        .client
        .desktop_metrics()
        .today(run.today)
        .range(run.days.0..=run.days.1);
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
    let caption = run.caption("Desktop usage metrics", global.demo);
    let table = if output.charts() {
        desktops_chart
    } else {
        desktops_table
    };
    run.finish(async |sink| {
        query.validate()?;
        let rows = query.into_stream().map(|d| d.map(|d| desktop_row(&d)));
        write(rows, output.format, sink, caption, table).await
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
    let run = Run::open(global, range, output).await?;
    let mut query = run
        .session
        .client
        .user_metrics()
        .today(run.today)
        .range(run.days.0..=run.days.1);
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
    let caption = run.caption("User usage metrics", global.demo);
    let table = if output.charts() {
        users_chart
    } else {
        users_table
    };
    run.finish(async |sink| {
        let users = query.send().await?;
        let rows = futures::stream::iter(users.iter().map(|u| Ok(user_row(u))).collect::<Vec<_>>());
        write(rows, output.format, sink, caption, table).await
    })
    .await
}

/// Writes rows as they come (json, ndjson, csv) or as a table at the end.
async fn write<R: CsvRow + Serialize>(
    rows: impl futures::Stream<Item = Result<R, huaweicloud_workspace::Error>>,
    format: Format,
    mut sink: Sink,
    caption: String,
    table: fn(&[R]) -> Table,
) -> Result<Sink, Failure> {
    let mut rows = pin!(rows);
    if format == Format::Table {
        let mut all = Vec::new();
        while let Some(row) = rows.next().await {
            all.push(row?);
        }
        writeln!(sink, "{}", crate::sanitize::for_terminal(&caption))?;
        writeln!(sink)?;
        table(&all).write(&mut sink)?;
        sink.flush()?;
        return Ok(sink);
    }
    let mut writer = RowWriter::new(format, sink);
    while let Some(row) = rows.next().await {
        writer.row(&row?)?;
    }
    Ok(writer.finish::<R>()?)
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
        headers: vec!["DESKTOP", "LATEST USER", "HOURS", "IDLE HOURS", "IDLE DAYS"],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.computer_name
                        .clone()
                        .unwrap_or_else(|| r.desktop_id.clone()),
                    cell(r.latest_user.as_deref()),
                    hours_cell(r.usage_hours.map(|h| h.0)),
                    hours_cell(r.idle_hours.map(|h| h.0)),
                    r.idle_days
                        .map_or_else(|| "-".to_string(), |d| d.to_string()),
                ]
            })
            .collect(),
        totals: Some(vec![
            format!("TOTAL ({} desktops)", rows.len()),
            String::new(),
            total.to_string(),
            String::new(),
            String::new(),
        ]),
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
            format!("TOTAL ({} users)", rows.len()),
            total.to_string(),
            count(|r| r.login_count),
            count(|r| r.login_success_count),
            count(|r| r.login_fail_count),
        ]),
    }
}
