//! Turns desktops, as they arrive, into each command's output.

use std::collections::BTreeSet;
use std::io::{self, Write};

use huaweicloud_workspace::{DesktopUsage, Hours, UserTotalsBuilder, average_per_active_day};

use std::sync::Arc;

use chrono::NaiveDate;

use crate::chart;
use crate::cli::SortKey;
use crate::output::{Align, Format, RowWriter, Table};
use crate::rows::{IdleRow, Names, ReportRow, UserDailyRow, idle_row, report_rows, user_daily_row};

/// Which command's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `report`: usage per desktop and period.
    Report,
    /// `idle`: desktops with at most this many hours.
    Idle {
        /// The threshold, included.
        threshold: Hours,
    },
    /// `users-daily`: totals per user, from the per-day usage.
    UsersDaily,
}

enum Dest<W: Write> {
    Rows(RowWriter<W>),
    Table(W),
}

/// Receives desktops one at a time and writes the command's output.
///
/// ndjson rows of `report` and `idle` are written (and flushed) as each
/// desktop arrives; every other output needs all desktops (sorting, totals)
/// and is written by [`Emitter::finish`].
pub struct Emitter<W: Write> {
    kind: Kind,
    format: Format,
    caption: String,
    dest: Dest<W>,
    desktops: Vec<DesktopUsage>,
    users: UserTotalsBuilder,
    seen: usize,
    names: Option<Arc<Names>>,
    show_ids: bool,
    /// The days a sparkline spans, when tables get pictures.
    chart: Option<(NaiveDate, NaiveDate)>,
    /// Bars in the users table.
    bars: bool,
    /// The order asked for (key, ascending).
    sort: Option<(SortKey, bool)>,
}

impl<W: Write> Emitter<W> {
    /// An emitter writing `kind` rows as `format` into `out`; `caption`
    /// heads tables (it says what range and filters the numbers cover).
    pub fn new(kind: Kind, format: Format, caption: String, out: W) -> Self {
        let dest = match format {
            Format::Table => Dest::Table(out),
            _ => Dest::Rows(RowWriter::new(format, out)),
        };
        Emitter {
            kind,
            format,
            caption,
            dest,
            desktops: Vec::new(),
            users: UserTotalsBuilder::default(),
            seen: 0,
            names: None,
            show_ids: true,
            chart: None,
            bars: false,
            sort: None,
        }
    }

    /// Sorts every format by `key` (ascending when the flag is set); the
    /// rows are then held to the end, ndjson too.
    pub fn with_sort(mut self, sort: Option<(SortKey, bool)>) -> Self {
        self.sort = sort;
        self
    }

    /// Pictures in the table: a sparkline of daily hours over `days` per
    /// desktop (report; `None` when the range is the service's default),
    /// bars of hours (users-daily).
    pub fn with_charts(mut self, days: Option<(NaiveDate, NaiveDate)>) -> Self {
        self.chart = days;
        self.bars = true;
        self
    }

    /// Puts names on the desktops (before the first one is pushed). The
    /// table then shows a desktop's computer name instead of its id, unless
    /// `show_ids`; machine formats always carry both.
    pub fn with_names(mut self, names: Option<Arc<Names>>, show_ids: bool) -> Self {
        self.show_ids = show_ids || names.is_none();
        self.names = names;
        self
    }

    /// How many desktops were received.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// Takes one desktop.
    pub fn push(&mut self, desktop: DesktopUsage) -> io::Result<()> {
        self.seen += 1;
        match (self.kind, &mut self.dest, self.format) {
            (Kind::UsersDaily, _, _) => self.users.add(&desktop),
            (Kind::Report, Dest::Rows(w), Format::Ndjson) if self.sort.is_none() => {
                for row in report_rows(&desktop, self.names.as_deref()) {
                    w.row(&row)?;
                }
                w.flush()?;
            }
            (Kind::Idle { threshold }, Dest::Rows(w), Format::Ndjson) if self.sort.is_none() => {
                if let Some(row) = idle_row(&desktop, threshold, self.names.as_deref()) {
                    w.row(&row)?;
                    w.flush()?;
                }
            }
            _ => self.desktops.push(desktop),
        }
        Ok(())
    }

    /// Writes what was held back and gives the destination back.
    pub fn finish(mut self) -> io::Result<W> {
        self.desktops
            .sort_by(|a, b| a.desktop_id.cmp(&b.desktop_id));
        if let Some((key, ascending)) = self.sort {
            sort_desktops(&mut self.desktops, self.names.as_deref(), key, ascending);
        } else if self.format == Format::Table && !self.show_ids {
            // The table shows names: people look for a name, so rows go by name.
            let names = self.names.as_deref();
            let label = |d: &DesktopUsage| {
                names
                    .and_then(|n| n.get(&d.desktop_id))
                    .and_then(|x| x.computer_name.clone())
                    .unwrap_or_else(|| d.desktop_id.clone())
            };
            self.desktops.sort_by_cached_key(label);
        }
        let users = std::mem::take(&mut self.users);
        match (self.kind, self.dest) {
            (Kind::Report, Dest::Rows(mut w)) => {
                for desktop in &self.desktops {
                    for row in report_rows(desktop, self.names.as_deref()) {
                        w.row(&row)?;
                    }
                }
                w.finish::<ReportRow>()
            }
            (Kind::Idle { threshold }, Dest::Rows(mut w)) => {
                for desktop in &self.desktops {
                    if let Some(row) = idle_row(desktop, threshold, self.names.as_deref()) {
                        w.row(&row)?;
                    }
                }
                w.finish::<IdleRow>()
            }
            (Kind::UsersDaily, Dest::Rows(mut w)) => {
                for totals in sort_users(users.finish(), self.sort) {
                    w.row(&user_daily_row(&totals))?;
                }
                w.finish::<UserDailyRow>()
            }
            (kind, Dest::Table(mut out)) => {
                writeln!(out, "{}", crate::sanitize::for_terminal(&self.caption))?;
                writeln!(out)?;
                match kind {
                    Kind::Report => {
                        let mut table =
                            report_table(&self.desktops, self.names.as_deref(), self.show_ids);
                        if let Some((from, to)) = self.chart {
                            add_sparklines(&mut table, &self.desktops, from, to);
                        }
                        table.write(&mut out)?;
                    }
                    Kind::Idle { threshold } => {
                        let rows: Vec<IdleRow> = self
                            .desktops
                            .iter()
                            .filter_map(|d| idle_row(d, threshold, self.names.as_deref()))
                            .collect();
                        idle_table(&rows, self.names.is_some(), self.show_ids).write(&mut out)?;
                        writeln!(
                            out,
                            "\n{} of {} used at most {} h.",
                            rows.len(),
                            plural(self.seen, "desktop"),
                            threshold
                        )?;
                    }
                    Kind::UsersDaily => {
                        let rows: Vec<UserDailyRow> = sort_users(users.finish(), self.sort)
                            .iter()
                            .map(user_daily_row)
                            .collect();
                        let mut table = users_table(&rows);
                        if self.bars {
                            let hours: Vec<u64> =
                                rows.iter().map(|r| r.hours.0.hundredths()).collect();
                            add_bars(&mut table, &hours);
                        }
                        table.write(&mut out)?;
                    }
                }
                out.flush()?;
                Ok(out)
            }
        }
    }
}

/// Sorts desktops by `key`; ties by desktop id, so the order is total.
fn sort_desktops(
    desktops: &mut [DesktopUsage],
    names: Option<&Names>,
    key: SortKey,
    ascending: bool,
) {
    let name = |d: &DesktopUsage| {
        names
            .and_then(|n| n.get(&d.desktop_id))
            .and_then(|x| x.computer_name.clone())
            .unwrap_or_else(|| d.desktop_id.clone())
    };
    // Keys computed once per desktop, not once per comparison.
    let mut keyed: Vec<(SortValue, usize)> = desktops
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let value = match key {
                SortKey::Hours => SortValue::Number(d.total_hours().hundredths()),
                SortKey::Name => SortValue::Text(Some(name(d))),
                SortKey::User => SortValue::Text(d.username.clone()),
                SortKey::LastActive => SortValue::Day(d.last_active_day()),
            };
            (value, i)
        })
        .collect();
    keyed.sort_by(|(a, i), (b, j)| {
        let order = if ascending { a.cmp(b) } else { b.cmp(a) };
        order.then_with(|| desktops[*i].desktop_id.cmp(&desktops[*j].desktop_id))
    });
    let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    let sorted: Vec<DesktopUsage> = order.iter().map(|&i| desktops[i].clone()).collect();
    desktops.clone_from_slice(&sorted);
}

/// A sort key's value; `None` (no user, never active) sorts first ascending.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Number(u64),
    Text(Option<String>),
    Day(Option<NaiveDate>),
}

/// Sorts users-daily rows; `last-active` sorts by active days. Without a
/// sort, by name with the desktops without a user last (the library's order).
fn sort_users(
    mut users: Vec<huaweicloud_workspace::UserTotals>,
    sort: Option<(SortKey, bool)>,
) -> Vec<huaweicloud_workspace::UserTotals> {
    let Some((key, ascending)) = sort else {
        return users;
    };
    users.sort_by(|a, b| {
        let order = match key {
            SortKey::Hours => a.hours.cmp(&b.hours),
            SortKey::Name | SortKey::User => a.username.cmp(&b.username),
            SortKey::LastActive => a.active_days.cmp(&b.active_days),
        };
        let order = if ascending { order } else { order.reverse() };
        order.then_with(|| a.username.cmp(&b.username))
    });
    users
}

/// Adds a `DAILY` column: each desktop's hours per day as a sparkline,
/// scaled to its own busiest day (the HOURS column gives the size; the
/// line gives the shape: weekends, the day it stopped being used).
fn add_sparklines(table: &mut Table, desktops: &[DesktopUsage], from: NaiveDate, to: NaiveDate) {
    table.headers.push("DAILY");
    table.align.push(Align::Left);
    for (row, desktop) in table.rows.iter_mut().zip(desktops) {
        let days = chart::daily_hundredths(desktop, from, to);
        row.push(chart::sparkline(&days, chart::SPARKLINE_WIDTH, 0));
    }
    if let Some(totals) = &mut table.totals {
        totals.push(String::new());
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

fn plural(n: usize, word: &str) -> String {
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

fn report_table(desktops: &[DesktopUsage], names: Option<&Names>, show_ids: bool) -> Table {
    let named = names.is_some();
    let mut rows = Vec::with_capacity(desktops.len());
    let mut total = Hours::ZERO;
    let mut desktop_days = 0usize;
    let mut last = None;
    let mut users = BTreeSet::new();
    for d in desktops {
        let hours = d.total_hours();
        let days = d.active_days();
        let last_day = d.last_active_day();
        total += hours;
        desktop_days += days;
        last = last.max(last_day);
        if let Some(u) = &d.username {
            users.insert(u.as_str());
        }
        let name = names
            .and_then(|n| n.get(&d.desktop_id))
            .and_then(|x| x.computer_name.as_deref());
        let mut row = desktop_cells(&d.desktop_id, name, named, show_ids);
        row.extend([
            user_cell(&d.username),
            hours.to_string(),
            days.to_string(),
            average_per_active_day(hours, days).to_string(),
            last_day.map_or_else(|| "-".to_string(), |d| d.to_string()),
        ]);
        rows.push(row);
    }
    let mut totals = vec![format!("TOTAL ({})", plural(desktops.len(), "desktop"))];
    if named && show_ids {
        totals.push(String::new());
    }
    totals.extend([
        plural(users.len(), "user"),
        total.to_string(),
        desktop_days.to_string(),
        average_per_active_day(total, desktop_days).to_string(),
        last.map_or_else(|| "-".to_string(), |d| d.to_string()),
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
    Table {
        headers,
        align,
        rows,
        totals: Some(totals),
    }
}

fn idle_table(rows: &[IdleRow], named: bool, show_ids: bool) -> Table {
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

fn users_table(rows: &[UserDailyRow]) -> Table {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use huaweicloud_workspace::{Period, PeriodUsage};

    fn desktop(id: &str, user: Option<&str>, hours: &[u64]) -> DesktopUsage {
        DesktopUsage {
            reassignments: Vec::new(),
            desktop_id: id.into(),
            username: user.map(Into::into),
            periods: hours
                .iter()
                .enumerate()
                .map(|(i, &h)| {
                    let day = NaiveDate::from_ymd_opt(2024, 1, i as u32 + 1).unwrap();
                    PeriodUsage {
                        period: Period::Day(day),
                        hours: Hours::from_hundredths(h),
                    }
                })
                .collect(),
        }
    }

    fn emit(kind: Kind, format: Format) -> String {
        let mut e = Emitter::new(kind, format, "caption".into(), Vec::new());
        // Out of order on purpose: everything but ndjson is sorted by id.
        e.push(desktop("d2", None, &[0, 0])).unwrap();
        e.push(desktop("d1", Some("ann"), &[150, 25])).unwrap();
        e.push(desktop("d3", Some("ann"), &[0, 10])).unwrap();
        String::from_utf8(e.finish().unwrap()).unwrap()
    }

    #[test]
    fn report_csv_is_sorted_by_desktop_then_period() {
        assert_eq!(
            emit(Kind::Report, Format::Csv),
            "desktop_id,computer_name,desktop_username,date,hours\n\
             d1,,ann,2024-01-01,1.50\nd1,,ann,2024-01-02,0.25\n\
             d2,,,2024-01-01,0.00\nd2,,,2024-01-02,0.00\n\
             d3,,ann,2024-01-01,0.00\nd3,,ann,2024-01-02,0.10\n"
        );
    }

    #[test]
    fn report_ndjson_streams_in_arrival_order() {
        let out = emit(Kind::Report, Format::Ndjson);
        let ids: Vec<String> = out
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["desktop_id"].to_string()
            })
            .collect();
        assert_eq!(
            ids,
            ["\"d2\"", "\"d2\"", "\"d1\"", "\"d1\"", "\"d3\"", "\"d3\""]
        );
    }

    #[test]
    fn report_table() {
        assert_eq!(
            emit(Kind::Report, Format::Table),
            "caption\n\n\
             DESKTOP ID          USER    HOURS  ACTIVE DAYS  AVG H/ACTIVE DAY  LAST ACTIVE\n\
             d1                  ann      1.75            2              0.88  2024-01-02\n\
             d2                  -        0.00            0              0.00  -\n\
             d3                  ann      0.10            1              0.10  2024-01-02\n\
             -----------------------------------------------------------------------------\n\
             TOTAL (3 desktops)  1 user   1.85            3              0.62  2024-01-02\n"
        );
    }

    #[test]
    fn idle_formats() {
        let threshold = Kind::Idle {
            threshold: Hours::from_hundredths(10),
        };
        assert_eq!(
            emit(threshold, Format::Json),
            "[\n  {\"desktop_id\":\"d2\",\"computer_name\":null,\"desktop_username\":null,\"total_hours\":0.00,\"active_days\":0,\"last_active_day\":null,\"status\":null,\"created\":null},\n  {\"desktop_id\":\"d3\",\"computer_name\":null,\"desktop_username\":\"ann\",\"total_hours\":0.10,\"active_days\":1,\"last_active_day\":\"2024-01-02\",\"status\":null,\"created\":null}\n]\n"
        );
        assert_eq!(
            emit(threshold, Format::Table),
            "caption\n\n\
             DESKTOP ID  USER  HOURS  ACTIVE DAYS  LAST ACTIVE\n\
             d2          -      0.00            0  never\n\
             d3          ann    0.10            1  2024-01-02\n\
             \n2 of 3 desktops used at most 0.10 h.\n"
        );
    }

    #[test]
    fn users_formats() {
        assert_eq!(
            emit(Kind::UsersDaily, Format::Csv),
            "username,hours,desktops,active_days\nann,1.85,2,2\n,0.00,1,0\n"
        );
        assert_eq!(
            emit(Kind::UsersDaily, Format::Table),
            "caption\n\n\
             USER            HOURS  DESKTOPS  ACTIVE DAYS\n\
             ann              1.85         2            2\n\
             (no user)        0.00         1            0\n\
             --------------------------------------------\n\
             TOTAL (1 user)   1.85         3\n"
        );
    }
}
