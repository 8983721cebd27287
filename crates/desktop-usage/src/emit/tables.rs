//! The tables of `report`, `idle` and `users-daily`, and the pictures in
//! them. The report's table is built a desktop at a time: a line of totals
//! per desktop, never its periods.

use std::cmp::Ordering;
use std::io::{self, Write};

use chrono::NaiveDate;
use huaweicloud_workspace::{DesktopUsage, Hours, average_per_active_day};

use super::spool::SortValue;
use crate::chart;
use crate::output::{Align, Layout, Table};
use crate::rows::{IdleRow, Names, UserDailyRow, computer_name};

/// The report's table, a line per desktop, with the totals under it.
pub struct ReportTable {
    named: bool,
    show_ids: bool,
    /// Lines go by computer name (the id when a desktop has none), not by
    /// their sort values.
    by_name: bool,
    /// The days each desktop's sparkline spans.
    chart: Option<(NaiveDate, NaiveDate)>,
    lines: Vec<Line>,
    total: Hours,
    desktop_days: usize,
    last: Option<NaiveDate>,
}

/// One desktop's line, as numbers: formatted once sorted. A fleet of
/// 20,000 holds 20,000 of these, so they are small: the name is looked up
/// when written, and the users are counted then.
struct Line {
    id: Box<str>,
    value: SortValue,
    user: Option<Box<str>>,
    hours: Hours,
    days: usize,
    last: Option<NaiveDate>,
    sparkline: Option<Box<str>>,
}

impl ReportTable {
    /// An empty table; `named` when names are known, `show_ids` to show ids
    /// beside them, `by_name` to order lines by name, `chart` the days of a
    /// `DAILY` sparkline column.
    pub fn new(
        (named, show_ids, by_name): (bool, bool, bool),
        chart: Option<(NaiveDate, NaiveDate)>,
    ) -> Self {
        ReportTable {
            named,
            show_ids,
            by_name,
            chart,
            lines: Vec::new(),
            total: Hours::ZERO,
            desktop_days: 0,
            last: None,
        }
    }

    /// Adds a desktop's line, to be placed by `value` (unless by name).
    pub fn add(&mut self, value: SortValue, d: &DesktopUsage) {
        let hours = d.total_hours();
        let days = d.active_days();
        let last = d.last_active_day();
        self.total += hours;
        self.desktop_days += days;
        self.last = self.last.max(last);
        // Scaled to the desktop's own busiest day: the HOURS column gives
        // the size, the line the shape (weekends, the day it stopped being
        // used).
        let sparkline = self.chart.map(|(from, to)| {
            let days = chart::daily_hundredths(d, from, to);
            chart::sparkline(&days, chart::SPARKLINE_WIDTH, 0).into_boxed_str()
        });
        self.lines.push(Line {
            id: d.desktop_id.as_str().into(),
            value,
            user: d.username.as_deref().map(Box::from),
            hours,
            days,
            last,
            sparkline,
        });
    }

    /// Writes the table, its lines in key order (ascending or not). Each
    /// line is formatted twice (to measure, then to write) rather than
    /// held as text.
    pub fn write(
        mut self,
        ascending: bool,
        names: Option<&Names>,
        out: &mut impl Write,
        width: Option<usize>,
    ) -> io::Result<()> {
        let direction = |o: Ordering| if ascending { o } else { o.reverse() };
        if self.by_name {
            self.lines.sort_by(|a, b| {
                direction(label(names, a).cmp(label(names, b))).then_with(|| a.id.cmp(&b.id))
            });
        } else {
            self.lines
                .sort_by(|a, b| direction(a.value.cmp(&b.value)).then_with(|| a.id.cmp(&b.id)));
        }
        let mut users: Vec<&str> = self
            .lines
            .iter()
            .filter_map(|l| l.user.as_deref())
            .collect();
        users.sort_unstable();
        users.dedup();
        let users = users.len();
        let (named, show_ids) = (self.named, self.show_ids);
        let mut totals = vec![format!("TOTAL ({})", plural(self.lines.len(), "desktop"))];
        if named && show_ids {
            totals.push(String::new());
        }
        totals.extend([
            plural(users, "user"),
            self.total.to_string(),
            self.desktop_days.to_string(),
            average_per_active_day(self.total, self.desktop_days).to_string(),
            self.last.map_or_else(|| "-".to_string(), |d| d.to_string()),
        ]);
        let mut headers = desktop_headers(named, show_ids);
        let mut align = desktop_aligns(named, show_ids);
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
            Align::Whole,
        ]);
        if self.chart.is_some() {
            headers.push("DAILY");
            align.push(Align::Whole);
            totals.push(String::new());
        }
        let mut layout = Layout::new(&headers, align);
        let mut cells = Vec::new();
        for line in &self.lines {
            line.cells(
                computer_name(names, &line.id),
                (named, show_ids),
                &mut cells,
            );
            layout.measure(cells.iter().map(String::as_str));
        }
        layout.keep_whole(totals.iter().map(String::as_str));
        let fitted = width.map(|w| layout.fit(w, REPORT_DROP_FIRST));
        layout.header(out)?;
        for line in &self.lines {
            line.cells(
                computer_name(names, &line.id),
                (named, show_ids),
                &mut cells,
            );
            layout.line(cells.iter().map(String::as_str), out)?;
        }
        layout.rule(out)?;
        layout.whole_line(totals.iter().map(String::as_str), out)?;
        if let Some(note) = fitted.and_then(|f| f.note()) {
            writeln!(out, "\n{}", crate::output::wrapped(&note, width))?;
        }
        Ok(())
    }
}

/// The report's columns left out first on a narrow terminal: the average
/// (hours over days, both shown), the sparkline, the active days.
const REPORT_DROP_FIRST: &[&str] = &["AVG H/ACTIVE DAY", "DAILY", "ACTIVE DAYS"];

/// A line's name, or its id when it has none.
fn label<'a>(names: Option<&'a Names>, line: &'a Line) -> &'a str {
    computer_name(names, &line.id).unwrap_or(&line.id)
}

impl Line {
    /// The line's cells, `name` its computer name, into `cells`.
    fn cells(&self, name: Option<&str>, (named, show_ids): (bool, bool), cells: &mut Vec<String>) {
        cells.clear();
        cells.extend(desktop_cells(&self.id, name, named, show_ids));
        cells.extend([
            self.user.as_deref().unwrap_or("-").to_string(),
            self.hours.to_string(),
            self.days.to_string(),
            average_per_active_day(self.hours, self.days).to_string(),
            self.last.map_or_else(|| "-".to_string(), |d| d.to_string()),
        ]);
        if let Some(sparkline) = &self.sparkline {
            cells.push(sparkline.to_string());
        }
    }
}

/// Adds a bar column: each row's hours against the largest.
pub fn add_bars(table: &mut Table, hundredths: &[u64]) {
    let max = hundredths.iter().copied().max().unwrap_or(0);
    table.headers.push("");
    table.align.push(Align::Whole);
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

/// Ids are never cut to fit a terminal; names are.
fn desktop_aligns(named: bool, show_ids: bool) -> Vec<Align> {
    match (named, show_ids) {
        (false, _) => vec![Align::Whole],
        (true, false) => vec![Align::Left],
        (true, true) => vec![Align::Whole, Align::Left],
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
    let mut align = desktop_aligns(named, show_ids);
    headers.extend(["USER", "HOURS", "ACTIVE DAYS", "LAST ACTIVE"]);
    align.extend([Align::Left, Align::Right, Align::Right, Align::Whole]);
    if named {
        headers.extend(["STATUS", "CREATED"]);
        align.extend([Align::Whole, Align::Whole]);
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
        drop_first: &["ACTIVE DAYS", "STATUS", "CREATED"],
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
        drop_first: &["", "ACTIVE DAYS", "DESKTOPS"],
    }
}
