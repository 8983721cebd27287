//! Turns desktops, as they arrive, into each command's output.

use std::collections::BTreeSet;
use std::io::{self, Write};

use huaweicloud_workspace::{DesktopUsage, Hours, UserTotalsBuilder, average_per_active_day};

use crate::output::{Align, Format, RowWriter, Table};
use crate::rows::{IdleRow, ReportRow, UserRow, idle_row, report_rows, user_row};

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
    /// `users`: totals per user.
    Users,
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
        }
    }

    /// How many desktops were received.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// Takes one desktop.
    pub fn push(&mut self, desktop: DesktopUsage) -> io::Result<()> {
        self.seen += 1;
        match (self.kind, &mut self.dest, self.format) {
            (Kind::Users, _, _) => self.users.add(&desktop),
            (Kind::Report, Dest::Rows(w), Format::Ndjson) => {
                for row in report_rows(&desktop) {
                    w.row(&row)?;
                }
                w.flush()?;
            }
            (Kind::Idle { threshold }, Dest::Rows(w), Format::Ndjson) => {
                if let Some(row) = idle_row(&desktop, threshold) {
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
        let users = std::mem::take(&mut self.users);
        match (self.kind, self.dest) {
            (Kind::Report, Dest::Rows(mut w)) => {
                for desktop in &self.desktops {
                    for row in report_rows(desktop) {
                        w.row(&row)?;
                    }
                }
                w.finish::<ReportRow>()
            }
            (Kind::Idle { threshold }, Dest::Rows(mut w)) => {
                for desktop in &self.desktops {
                    if let Some(row) = idle_row(desktop, threshold) {
                        w.row(&row)?;
                    }
                }
                w.finish::<IdleRow>()
            }
            (Kind::Users, Dest::Rows(mut w)) => {
                for totals in users.finish() {
                    w.row(&user_row(&totals))?;
                }
                w.finish::<UserRow>()
            }
            (kind, Dest::Table(mut out)) => {
                writeln!(out, "{}", crate::sanitize::for_terminal(&self.caption))?;
                writeln!(out)?;
                match kind {
                    Kind::Report => report_table(&self.desktops).write(&mut out)?,
                    Kind::Idle { threshold } => {
                        let rows: Vec<IdleRow> = self
                            .desktops
                            .iter()
                            .filter_map(|d| idle_row(d, threshold))
                            .collect();
                        idle_table(&rows).write(&mut out)?;
                        writeln!(
                            out,
                            "\n{} of {} used at most {} h.",
                            rows.len(),
                            plural(self.seen, "desktop"),
                            threshold
                        )?;
                    }
                    Kind::Users => {
                        let rows: Vec<UserRow> = users.finish().iter().map(user_row).collect();
                        users_table(&rows).write(&mut out)?;
                    }
                }
                out.flush()?;
                Ok(out)
            }
        }
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

fn report_table(desktops: &[DesktopUsage]) -> Table {
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
        rows.push(vec![
            d.desktop_id.clone(),
            user_cell(&d.username),
            hours.to_string(),
            days.to_string(),
            average_per_active_day(hours, days).to_string(),
            last_day.map_or_else(|| "-".to_string(), |d| d.to_string()),
        ]);
    }
    let totals = vec![
        format!("TOTAL ({})", plural(desktops.len(), "desktop")),
        plural(users.len(), "user"),
        total.to_string(),
        desktop_days.to_string(),
        average_per_active_day(total, desktop_days).to_string(),
        last.map_or_else(|| "-".to_string(), |d| d.to_string()),
    ];
    Table {
        headers: vec![
            "DESKTOP ID",
            "USER",
            "HOURS",
            "ACTIVE DAYS",
            "AVG H/ACTIVE DAY",
            "LAST ACTIVE",
        ],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
        ],
        rows,
        totals: Some(totals),
    }
}

fn idle_table(rows: &[IdleRow]) -> Table {
    Table {
        headers: vec!["DESKTOP ID", "USER", "HOURS", "ACTIVE DAYS", "LAST ACTIVE"],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Left,
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.desktop_id.clone(),
                    user_cell(&r.desktop_username),
                    r.total_hours.0.to_string(),
                    r.active_days.to_string(),
                    r.last_active_day
                        .map_or_else(|| "never".to_string(), |d| d.to_string()),
                ]
            })
            .collect(),
        totals: None,
    }
}

fn users_table(rows: &[UserRow]) -> Table {
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
            "desktop_id,desktop_username,date,hours\n\
             d1,ann,2024-01-01,1.50\nd1,ann,2024-01-02,0.25\n\
             d2,,2024-01-01,0.00\nd2,,2024-01-02,0.00\n\
             d3,ann,2024-01-01,0.00\nd3,ann,2024-01-02,0.10\n"
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
            "[\n  {\"desktop_id\":\"d2\",\"desktop_username\":null,\"total_hours\":0.00,\"active_days\":0,\"last_active_day\":null},\n  {\"desktop_id\":\"d3\",\"desktop_username\":\"ann\",\"total_hours\":0.10,\"active_days\":1,\"last_active_day\":\"2024-01-02\"}\n]\n"
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
            emit(Kind::Users, Format::Csv),
            "username,hours,desktops,active_days\nann,1.85,2,2\n,0.00,1,0\n"
        );
        assert_eq!(
            emit(Kind::Users, Format::Table),
            "caption\n\n\
             USER            HOURS  DESKTOPS  ACTIVE DAYS\n\
             ann              1.85         2            2\n\
             (no user)        0.00         1            0\n\
             --------------------------------------------\n\
             TOTAL (1 user)   1.85         3\n"
        );
    }
}
