//! The tables of `report`, `idle` and `users-daily`, and the pictures in
//! them. The report's table is built a desktop at a time: a line of totals
//! per desktop, never its periods.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use huaweicloud_workspace::{DesktopUsage, Hours, average_per_active_day};

use super::spool::Keyed;
use crate::chart;
use crate::output::{Align, Table};
use crate::rows::{IdleRow, UserDailyRow};

/// The report's table, a line per desktop, with the totals under it.
pub struct ReportTable {
    named: bool,
    show_ids: bool,
    /// The days each desktop's sparkline spans.
    chart: Option<(NaiveDate, NaiveDate)>,
    lines: Vec<Line>,
    total: Hours,
    desktop_days: usize,
    last: Option<NaiveDate>,
    users: BTreeSet<String>,
}

/// One desktop's line, as numbers: formatted once sorted (a fleet of 20,000
/// holds 20,000 of these, so they are kept small).
struct Line {
    key: Keyed,
    name: Option<Box<str>>,
    user: Option<Box<str>>,
    hours: Hours,
    days: usize,
    last: Option<NaiveDate>,
    sparkline: Option<Box<str>>,
}

impl ReportTable {
    /// An empty table; `named` when names are known, `show_ids` to show ids
    /// beside them, `chart` the days of a `DAILY` sparkline column.
    pub fn new(named: bool, show_ids: bool, chart: Option<(NaiveDate, NaiveDate)>) -> Self {
        ReportTable {
            named,
            show_ids,
            chart,
            lines: Vec::new(),
            total: Hours::ZERO,
            desktop_days: 0,
            last: None,
            users: BTreeSet::new(),
        }
    }

    /// Adds a desktop's line (named `name`), to be placed by `key`.
    pub fn add(&mut self, key: Keyed, d: &DesktopUsage, name: Option<&str>) {
        let hours = d.total_hours();
        let days = d.active_days();
        let last = d.last_active_day();
        self.total += hours;
        self.desktop_days += days;
        self.last = self.last.max(last);
        if let Some(u) = &d.username
            && !self.users.contains(u)
        {
            self.users.insert(u.clone());
        }
        // Scaled to the desktop's own busiest day: the HOURS column gives
        // the size, the line the shape (weekends, the day it stopped being
        // used).
        let sparkline = self.chart.map(|(from, to)| {
            let days = chart::daily_hundredths(d, from, to);
            chart::sparkline(&days, chart::SPARKLINE_WIDTH, 0).into_boxed_str()
        });
        self.lines.push(Line {
            key,
            name: name.map(Box::from),
            user: d.username.as_deref().map(Box::from),
            hours,
            days,
            last,
            sparkline,
        });
    }

    /// The table, its lines in key order (ascending or not).
    pub fn finish(mut self, ascending: bool) -> Table {
        self.lines.sort_by(|a, b| a.key.order(&b.key, ascending));
        let count = self.lines.len();
        let (named, show_ids) = (self.named, self.show_ids);
        let rows = self
            .lines
            .into_iter()
            .map(|line| {
                let mut row = desktop_cells(&line.key.id, line.name.as_deref(), named, show_ids);
                row.extend([
                    line.user.as_deref().unwrap_or("-").to_string(),
                    line.hours.to_string(),
                    line.days.to_string(),
                    average_per_active_day(line.hours, line.days).to_string(),
                    line.last.map_or_else(|| "-".to_string(), |d| d.to_string()),
                ]);
                if let Some(sparkline) = line.sparkline {
                    row.push(sparkline.into());
                }
                row
            })
            .collect();
        let mut totals = vec![format!("TOTAL ({})", plural(count, "desktop"))];
        if named && show_ids {
            totals.push(String::new());
        }
        totals.extend([
            plural(self.users.len(), "user"),
            self.total.to_string(),
            self.desktop_days.to_string(),
            average_per_active_day(self.total, self.desktop_days).to_string(),
            self.last.map_or_else(|| "-".to_string(), |d| d.to_string()),
        ]);
        let mut headers = desktop_headers(named, show_ids);
        let mut align = vec![Align::Left; headers.len()];
        headers.extend([
            "USER",
            "HOURS",
            "ACTIVE DAYS",
            "AVG H/ACTIVE DAY",
            "LAST ACTIVE",
        ]);
        align.extend([
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
        ]);
        if self.chart.is_some() {
            headers.push("DAILY");
            align.push(Align::Left);
            totals.push(String::new());
        }
        Table {
            headers,
            align,
            rows,
            totals: Some(totals),
        }
    }
}

/// Adds a bar column: each row's hours against the largest.
pub fn add_bars(table: &mut Table, hundredths: &[u64]) {
    let max = hundredths.iter().copied().max().unwrap_or(0);
    table.headers.push("");
    table.align.push(Align::Left);
    for (row, &h) in table.rows.iter_mut().zip(hundredths) {
        row.push(chart::bar(h, max, chart::BAR_WIDTH));
    }
    if let Some(totals) = &mut table.totals {
        totals.push(String::new());
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn user_cell(user: &Option<String>) -> String {
    user.clone().unwrap_or_else(|| "-".to_string())
}

/// The desktop's cells: its name when names are known (the id when it has
/// none), or its id; both with `show_ids`.
fn desktop_cells(id: &str, name: Option<&str>, named: bool, show_ids: bool) -> Vec<String> {
    match (named, show_ids) {
        (false, _) => vec![id.to_string()],
        (true, false) => vec![name.unwrap_or(id).to_string()],
        (true, true) => vec![id.to_string(), name.unwrap_or("-").to_string()],
    }
}

fn desktop_headers(named: bool, show_ids: bool) -> Vec<&'static str> {
    match (named, show_ids) {
        (false, _) => vec!["DESKTOP ID"],
        (true, false) => vec!["DESKTOP"],
        (true, true) => vec!["DESKTOP ID", "NAME"],
    }
}

pub fn idle_table(rows: &[IdleRow], named: bool, show_ids: bool) -> Table {
    let mut headers = desktop_headers(named, show_ids);
    let mut align = vec![Align::Left; headers.len()];
    headers.extend(["USER", "HOURS", "ACTIVE DAYS", "LAST ACTIVE"]);
    align.extend([Align::Left, Align::Right, Align::Right, Align::Left]);
    if named {
        headers.extend(["STATUS", "CREATED"]);
        align.extend([Align::Left, Align::Left]);
    }
    Table {
        headers,
        align,
        rows: rows
            .iter()
            .map(|r| {
                let mut row =
                    desktop_cells(&r.desktop_id, r.computer_name.as_deref(), named, show_ids);
                row.extend([
                    user_cell(&r.desktop_username),
                    r.total_hours.0.to_string(),
                    r.active_days.to_string(),
                    r.last_active_day
                        .map_or_else(|| "never".to_string(), |d| d.to_string()),
                ]);
                if named {
                    row.push(user_cell(&r.status));
                    row.push(r.created.map_or_else(|| "-".to_string(), |d| d.to_string()));
                }
                row
            })
            .collect(),
        totals: None,
    }
}

pub fn users_table(rows: &[UserDailyRow]) -> Table {
    let total: Hours = rows.iter().map(|r| r.hours.0).sum();
    let desktops: usize = rows.iter().map(|r| r.desktops).sum();
    let users = rows.iter().filter(|r| r.username.is_some()).count();
    Table {
        headers: vec!["USER", "HOURS", "DESKTOPS", "ACTIVE DAYS"],
        align: vec![Align::Left, Align::Right, Align::Right, Align::Right],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.username
                        .clone()
                        .unwrap_or_else(|| "(no user)".to_string()),
                    r.hours.0.to_string(),
                    r.desktops.to_string(),
                    r.active_days.to_string(),
                ]
            })
            .collect(),
        totals: Some(vec![
            format!("TOTAL ({})", plural(users, "user")),
            total.to_string(),
            desktops.to_string(),
            String::new(),
        ]),
    }
}
