//! Turns desktops, as they arrive, into each command's output, in memory
//! that does not grow with the range: rows go out as each desktop comes,
//! or, when they must be ordered first, into a temporary file with a small
//! record per desktop; tables keep a line per desktop, never its periods.

mod report;
mod spool;
mod tables;

use std::io::{self, Write};
use std::sync::Arc;

use chrono::NaiveDate;
use huaweicloud_workspace::{DesktopUsage, Hours, UserTotalsBuilder};

use crate::cli::usage::SortKey;
use crate::output::{Format, RowWriter};
use crate::rows::build::{idle_row, user_daily_row};
use crate::rows::{IdleRow, Names, ReportRow, UserDailyRow, computer_name};
use report::ReportRows;
use spool::{Keyed, SortValue, Spool};
use tables::{ReportTable, idle_table, users_table};

pub use tables::{add_bars, plural};

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

/// What is held back until [`Emitter::finish`].
enum Held {
    /// Nothing: rows go out as each desktop arrives.
    Nothing,
    /// Report rows, to be put in order.
    Spool(Spool),
    /// The report table's lines.
    Table(ReportTable),
    /// Idle rows (at most one small row per desktop), to be ordered.
    Idle(Vec<(Keyed, IdleRow)>),
    /// Totals per user.
    Users(UserTotalsBuilder),
}

/// Receives desktops one at a time and writes the command's output.
///
/// Machine rows of `report` and `idle` are written (and flushed) as each
/// desktop arrives when they need no other order than the arrival's:
/// ndjson always, csv and json when the desktops arrive by id
/// ([`arriving_by_id`](Self::arriving_by_id)). Sorted rows go through a
/// temporary file; tables and users' totals are written by
/// [`Emitter::finish`].
pub struct Emitter<W: Write> {
    kind: Kind,
    format: Format,
    caption: String,
    dest: Dest<W>,
    held: Option<Held>,
    rows: Option<ReportRows>,
    seen: usize,
    names: Option<Arc<Names>>,
    show_ids: bool,
    /// The days a sparkline spans, when tables get pictures.
    chart: Option<(NaiveDate, NaiveDate)>,
    /// Bars in the users table.
    bars: bool,
    /// The order asked for (key, ascending).
    sort: Option<(SortKey, bool)>,
    /// Whether desktops arrive in ascending id order.
    by_id: bool,
    /// The terminal's width a table is fitted to (`None`: every column).
    width: Option<usize>,
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
            held: None,
            rows: None,
            seen: 0,
            names: None,
            show_ids: true,
            chart: None,
            bars: false,
            sort: None,
            by_id: false,
            width: None,
        }
    }

    /// Fits tables to a terminal `width` columns wide (`None`, the default:
    /// every column, as for a file or a pipe).
    pub fn fit_to(mut self, width: Option<usize>) -> Self {
        self.width = width;
        self
    }

    /// Sorts every format by `key` (ascending when the flag is set).
    pub fn with_sort(mut self, sort: Option<(SortKey, bool)>) -> Self {
        self.sort = sort;
        self
    }

    /// Says that desktops will arrive in ascending id order (see
    /// `DesktopUsageQuery::streams_by_id`): csv and json, whose order is by
    /// id, can then be written as they come instead of sorted at the end.
    pub fn arriving_by_id(mut self, by_id: bool) -> Self {
        self.by_id = by_id;
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

    /// Whether rows wait for the end to be put in order.
    fn ordered_later(&self) -> bool {
        self.sort.is_some()
            || self.format == Format::Table
            || (self.format != Format::Ndjson && !self.by_id)
    }

    /// What to hold, decided at the first desktop (names and order are known then).
    fn start(&self) -> io::Result<Held> {
        Ok(match self.kind {
            Kind::UsersDaily => Held::Users(UserTotalsBuilder::default()),
            Kind::Report if self.format == Format::Table => Held::Table(ReportTable::new(
                (self.names.is_some(), self.show_ids, self.by_name()),
                self.chart,
            )),
            Kind::Report if self.ordered_later() => Held::Spool(Spool::new()?),
            Kind::Idle { .. } if self.ordered_later() => Held::Idle(Vec::new()),
            _ => Held::Nothing,
        })
    }

    /// Whether rows go by computer name: asked for, or a table showing
    /// names without being asked for an order.
    fn by_name(&self) -> bool {
        match self.sort {
            Some((key, _)) => key == SortKey::Name,
            None => self.format == Format::Table && !self.show_ids,
        }
    }

    /// Where `desktop` goes in sorted output: by the key asked for; else
    /// tables showing names go by name, and everything else by id.
    fn key(&self, desktop: &DesktopUsage) -> Keyed {
        Keyed {
            value: self.sort_value(desktop),
            id: desktop.desktop_id.clone(),
        }
    }

    /// The value `desktop` sorts on (ties go by id).
    fn sort_value(&self, desktop: &DesktopUsage) -> SortValue {
        match self.sort {
            Some((SortKey::Hours, _)) => SortValue::Number(desktop.total_hours().hundredths()),
            Some((SortKey::User, _)) => SortValue::Text(desktop.username.clone()),
            Some((SortKey::LastActive, _)) => SortValue::Day(desktop.last_active_day()),
            _ if self.by_name() => SortValue::Text(Some(self.label(desktop).to_string())),
            _ => SortValue::Text(None),
        }
    }

    fn name(&self, desktop: &DesktopUsage) -> Option<&str> {
        computer_name(self.names.as_deref(), &desktop.desktop_id)
    }

    /// The desktop's name, or its id when it has none.
    fn label<'a>(&'a self, desktop: &'a DesktopUsage) -> &'a str {
        self.name(desktop).unwrap_or(&desktop.desktop_id)
    }

    fn ascending(&self) -> bool {
        self.sort.is_none_or(|(_, ascending)| ascending)
    }

    /// Takes one desktop.
    pub fn push(&mut self, desktop: DesktopUsage) -> io::Result<()> {
        self.seen += 1;
        let mut held = match self.held.take() {
            Some(held) => held,
            None => self.start()?,
        };
        let result = self.take(&mut held, &desktop);
        self.held = Some(held);
        result
    }

    fn take(&mut self, held: &mut Held, desktop: &DesktopUsage) -> io::Result<()> {
        match held {
            Held::Users(users) => users.add(desktop),
            // By name: looked up when written, not kept per line.
            Held::Table(table) if self.by_name() => table.add(SortValue::Text(None), desktop),
            Held::Table(table) => table.add(self.sort_value(desktop), desktop),
            Held::Idle(rows) => {
                if let Kind::Idle { threshold } = self.kind
                    && let Some(row) = idle_row(desktop, threshold, self.names.as_deref())
                {
                    rows.push((self.key(desktop), row));
                }
            }
            Held::Spool(spool) => {
                let key = self.key(desktop);
                let name = computer_name(self.names.as_deref(), &desktop.desktop_id);
                let rows = self
                    .rows
                    .get_or_insert_with(|| ReportRows::new(self.format));
                spool.push(key, rows.desktop(desktop, name)?)?;
            }
            Held::Nothing => {
                let Dest::Rows(w) = &mut self.dest else {
                    return Ok(());
                };
                match self.kind {
                    Kind::Report => {
                        let name = computer_name(self.names.as_deref(), &desktop.desktop_id);
                        let rows = self
                            .rows
                            .get_or_insert_with(|| ReportRows::new(self.format));
                        w.chunk::<ReportRow>(rows.desktop(desktop, name)?)?;
                    }
                    Kind::Idle { threshold } => {
                        match idle_row(desktop, threshold, self.names.as_deref()) {
                            Some(row) => w.row(&row)?,
                            None => return Ok(()),
                        }
                    }
                    Kind::UsersDaily => return Ok(()),
                }
                w.flush()?;
            }
        }
        Ok(())
    }

    /// Writes what was held back and gives the destination back.
    pub fn finish(mut self) -> io::Result<W> {
        let held = match self.held.take() {
            Some(held) => held,
            None => self.start()?,
        };
        let ascending = self.ascending();
        match self.dest {
            Dest::Rows(mut w) => {
                match held {
                    Held::Spool(spool) => {
                        spool.drain(ascending, |rows| w.chunk::<ReportRow>(rows))?;
                    }
                    Held::Idle(mut rows) => {
                        rows.sort_by(|(a, _), (b, _)| a.order(b, ascending));
                        for (_, row) in &rows {
                            w.row(row)?;
                        }
                    }
                    Held::Users(users) => {
                        for totals in sort_users(users.finish(), self.sort) {
                            w.row(&user_daily_row(&totals))?;
                        }
                        return w.finish::<UserDailyRow>();
                    }
                    Held::Nothing | Held::Table(_) => {}
                }
                match self.kind {
                    Kind::Report => w.finish::<ReportRow>(),
                    Kind::Idle { .. } => w.finish::<IdleRow>(),
                    Kind::UsersDaily => w.finish::<UserDailyRow>(),
                }
            }
            Dest::Table(mut out) => {
                writeln!(out, "{}", crate::output::wrapped(&self.caption, self.width))?;
                writeln!(out)?;
                match held {
                    Held::Table(table) => {
                        table.write(ascending, self.names.as_deref(), &mut out, self.width)?
                    }
                    Held::Idle(mut rows) => {
                        rows.sort_by(|(a, _), (b, _)| a.order(b, ascending));
                        let rows: Vec<IdleRow> = rows.into_iter().map(|(_, row)| row).collect();
                        idle_table(&rows, self.names.is_some(), self.show_ids)
                            .write(&mut out, self.width)?;
                        if let Kind::Idle { threshold } = self.kind {
                            writeln!(
                                out,
                                "\n{} of {} used at most {} h.",
                                rows.len(),
                                plural(self.seen, "desktop"),
                                threshold
                            )?;
                        }
                    }
                    Held::Users(users) => {
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
                        table.write(&mut out, self.width)?;
                    }
                    Held::Nothing | Held::Spool(_) => {}
                }
                out.flush()?;
                Ok(out)
            }
        }
    }
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

#[cfg(test)]
mod tests;
