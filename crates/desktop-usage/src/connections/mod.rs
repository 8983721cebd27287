//! `sessions`, `concurrency` and `unused`: the connection records
//! (`ListLoginRecordsNew`), one row each or folded as they arrive into
//! the library's aggregations (a month of a large fleet is never held).

mod tables;
pub mod window;

use std::collections::{BTreeMap, HashMap, HashSet};

use futures::{TryStreamExt, future};
use huaweicloud_workspace::sessions::aggregate::{Bucket, Concurrency, DayTotalsBy, TotalsBy};
use huaweicloud_workspace::{Client, ConnectionRecord, ConnectionRecordsQuery};

use crate::cli::OutputArgs;
use crate::cli::connections::{
    ConcurrencyBy, RecordsRangeArgs, SessionsArgs, SessionsBy, UnusedArgs,
};
use crate::cli::global::GlobalArgs;
use crate::failure::Failure;
use crate::job::{Run, TableOf, caption, write};
use crate::output::Format;
use crate::rows::sessions::{
    ConcurrencyHourRow, ConcurrencyRow, SessionDayRow, SessionDesktopRow, SessionRow,
    SessionUserRow, UnusedRow, UnusedUserRow,
};
use window::Window;

/// The range of `sessions` and `concurrency` when none is given.
const DEFAULT_DAYS: u32 = 7;
/// The range of `unused` when none is given: all the service keeps.
const UNUSED_DEFAULT_DAYS: u32 = 30;

fn window(global: &GlobalArgs, range: &RecordsRangeArgs) -> Result<Window, Failure> {
    let days = range.from.zip(range.to);
    let today = global.today();
    Window::resolve(
        days,
        range.last,
        DEFAULT_DAYS,
        today,
        window::now(global.today),
    )
}

/// The records of the window, every page at once after the first.
fn records(client: &Client, window: &Window) -> ConnectionRecordsQuery {
    client
        .connection_records()
        .start_time(window.from)
        .end_time(window.last_minute())
        .now(window.now)
}

/// The failure reasons of a run, counted as the records pass.
#[derive(Debug, Default)]
pub struct Reasons {
    counts: HashMap<String, u64>,
    failed: u64,
}

/// How many reasons the tables show.
const TOP_REASONS: usize = 5;
/// A reason longer than this is cut in the table (the machine formats
/// carry it whole).
const REASON_CHARS: usize = 120;

impl Reasons {
    fn add(&mut self, r: &ConnectionRecord) {
        if !r.failed {
            return;
        }
        self.failed += 1;
        let reason = r.failure_reason.as_deref().unwrap_or("(no reason given)");
        match self.counts.get_mut(reason) {
            Some(n) => *n += 1,
            None => {
                self.counts.insert(reason.to_owned(), 1);
            }
        }
    }

    /// The lines under a table: the most frequent reasons first.
    fn lines(self) -> Vec<String> {
        if self.failed == 0 {
            return vec!["No failed connections.".to_string()];
        }
        let mut top: Vec<(String, u64)> = self.counts.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let shown = top.len().min(TOP_REASONS);
        let mut lines = vec![format!(
            "Top failure reasons ({} of {}):",
            crate::emit::plural(shown, "reason"),
            crate::emit::plural(
                usize::try_from(self.failed).unwrap_or(usize::MAX),
                "failure"
            )
        )];
        for (reason, n) in top.into_iter().take(TOP_REASONS) {
            let mut cut: String = reason.chars().take(REASON_CHARS).collect();
            if cut.len() < reason.len() {
                cut.push('…');
            }
            lines.push(format!("  {n:>6}  {cut}"));
        }
        lines
    }
}

/// Runs `sessions`.
pub async fn sessions(
    global: &GlobalArgs,
    range: &RecordsRangeArgs,
    args: &SessionsArgs,
    output: &OutputArgs,
) -> Result<(), Failure> {
    let window = window(global, range)?;
    let run = Run::open(global, output).await?;
    let mut query = records(&run.session.client, &window);
    if let Some(user) = &args.user {
        query = query.user_name(user.clone());
    }
    if let Some(desktop) = &args.desktop {
        query = query.computer_name(desktop.clone());
    }
    let what = if args.failed {
        "Failed connections"
    } else {
        "Connections"
    };
    let what = match args.by {
        SessionsBy::None => what.to_string(),
        SessionsBy::User => format!("{what} per user"),
        SessionsBy::Desktop => format!("{what} per desktop"),
        SessionsBy::Day => format!("{what} per day"),
    };
    let caption = caption(&what, window.days, global.demo);
    let failed_only = args.failed;
    let (format, until) = (output.format, window.until);
    run.finish(async |sink| {
        query.validate()?;
        let records = query
            .into_stream()
            .map_err(Failure::from)
            .try_filter(move |r| future::ready(!failed_only || r.failed));
        match args.by {
            SessionsBy::None if format != Format::Table => {
                let rows = records.map_ok(|r| SessionRow::of(r, until));
                write(
                    rows,
                    format,
                    sink,
                    caption,
                    TableOf::plain(tables::sessions),
                )
                .await
            }
            SessionsBy::None => {
                let mut reasons = Reasons::default();
                let rows: Vec<SessionRow> = records
                    .map_ok(|r| {
                        reasons.add(&r);
                        SessionRow::of(r, until)
                    })
                    .try_collect()
                    .await?;
                let table = TableOf {
                    table: tables::sessions,
                    after: reasons.lines(),
                };
                write(ready(rows), format, sink, caption, table).await
            }
            SessionsBy::User => {
                let (totals, reasons) = fold(records, TotalsBy::user(until), TotalsBy::add).await?;
                let rows = totals
                    .finish()
                    .into_iter()
                    .map(|(user_name, t)| SessionUserRow {
                        user_name,
                        totals: t.into(),
                    });
                let table = TableOf {
                    table: tables::by_user,
                    after: reasons.lines(),
                };
                write(ready(rows), format, sink, caption, table).await
            }
            SessionsBy::Desktop => {
                let (totals, reasons) =
                    fold(records, TotalsBy::desktop(until), TotalsBy::add).await?;
                let rows = totals
                    .finish()
                    .into_iter()
                    .map(|((desktop_id, computer_name), t)| SessionDesktopRow {
                        desktop_id,
                        computer_name,
                        totals: t.into(),
                    });
                let table = TableOf {
                    table: tables::by_desktop,
                    after: reasons.lines(),
                };
                write(ready(rows), format, sink, caption, table).await
            }
            SessionsBy::Day => {
                let (days, reasons) =
                    fold(records, DayTotalsBy::new(until), DayTotalsBy::add).await?;
                let rows = days.finish().into_iter().map(SessionDayRow::from);
                let table = TableOf {
                    table: tables::by_day,
                    after: reasons.lines(),
                };
                write(ready(rows), format, sink, caption, table).await
            }
        }
    })
    .await
}

/// Rows already computed, as the stream [`write()`] takes.
fn ready<R>(rows: impl IntoIterator<Item = R>) -> impl futures::Stream<Item = Result<R, Failure>> {
    futures::stream::iter(rows.into_iter().map(Ok))
}

/// Feeds every record to `acc` (and the failure reasons), one at a time.
async fn fold<A>(
    records: impl futures::Stream<Item = Result<ConnectionRecord, Failure>>,
    acc: A,
    add: fn(&mut A, &ConnectionRecord),
) -> Result<(A, Reasons), Failure> {
    records
        .try_fold((acc, Reasons::default()), |(mut acc, mut reasons), r| {
            add(&mut acc, &r);
            reasons.add(&r);
            future::ready(Ok((acc, reasons)))
        })
        .await
}

/// Runs `concurrency`.
pub async fn concurrency(
    global: &GlobalArgs,
    range: &RecordsRangeArgs,
    by: ConcurrencyBy,
    output: &OutputArgs,
) -> Result<(), Failure> {
    let window = window(global, range)?;
    let run = Run::open(global, output).await?;
    let query = records(&run.session.client, &window);
    let bucket = match by {
        ConcurrencyBy::Day => Bucket::Day,
        ConcurrencyBy::Hour => Bucket::Hour,
    };
    let what = match by {
        ConcurrencyBy::Day => "Sessions at once, peak per day",
        ConcurrencyBy::Hour => "Sessions at once, peak per hour",
    };
    let caption = caption(what, window.days, global.demo);
    let charts = output.charts();
    run.finish(async |sink| {
        query.validate()?;
        let records = query.into_stream().map_err(Failure::from);
        let acc = Concurrency::new(window.from, window.until, bucket);
        let (peaks, _) = fold(records, acc, Concurrency::add).await?;
        let peaks = peaks.finish();
        match by {
            ConcurrencyBy::Day => {
                let table = if charts {
                    tables::concurrency_chart
                } else {
                    tables::concurrency
                };
                let rows = peaks.iter().map(ConcurrencyRow::from);
                write(
                    ready(rows),
                    output.format,
                    sink,
                    caption,
                    TableOf::plain(table),
                )
                .await
            }
            ConcurrencyBy::Hour => {
                let rows = peaks.iter().map(ConcurrencyHourRow::from);
                let table = TableOf::plain(tables::concurrency_hourly);
                write(ready(rows), output.format, sink, caption, table).await
            }
        }
    })
    .await
}

/// Who and what had a successful session in the range.
#[derive(Debug, Default)]
struct Seen {
    desktop_ids: HashSet<String>,
    /// Lowercase: for records without a desktop id.
    computer_names: HashSet<String>,
    /// Lowercase: user names are not case-sensitive to the directory.
    users: HashSet<String>,
}

impl Seen {
    fn add(&mut self, r: &ConnectionRecord) {
        if r.failed {
            return;
        }
        match (&r.desktop_id, &r.computer_name) {
            (Some(id), _) => {
                if !self.desktop_ids.contains(id) {
                    self.desktop_ids.insert(id.clone());
                }
            }
            (None, Some(name)) => {
                self.computer_names.insert(name.to_lowercase());
            }
            (None, None) => {}
        }
        if let Some(user) = &r.user_name {
            self.users.insert(user.to_lowercase());
        }
    }
}

/// Runs `unused`.
pub async fn unused(
    global: &GlobalArgs,
    args: &UnusedArgs,
    output: &OutputArgs,
) -> Result<(), Failure> {
    let today = global.today();
    let window = Window::resolve(
        None,
        args.last,
        UNUSED_DEFAULT_DAYS,
        today,
        window::now(global.today),
    )?;
    let run = Run::open(global, output).await?;
    let client = run.session.client.clone();
    let query = records(&client, &window);
    let users = args.users;
    let what = if users {
        "Assigned users who never connected"
    } else {
        "Desktops without a successful connection"
    };
    let caption = caption(what, window.days, global.demo);
    run.finish(async |sink| {
        query.validate()?;
        let records = query.into_stream().map_err(Failure::from);
        let seen = fold(records, Seen::default(), Seen::add);
        let inventory = async { client.desktops().send().await.map_err(Failure::from) };
        let ((seen, _), inventory) = future::try_join(seen, inventory).await?;
        let desktops = inventory.desktops;
        if users {
            let mut assigned: BTreeMap<String, (String, u64)> = BTreeMap::new();
            for d in &desktops {
                let names: HashSet<&str> = d
                    .user_name
                    .iter()
                    .chain(&d.attached_users)
                    .map(String::as_str)
                    .collect();
                for name in names {
                    let entry = assigned
                        .entry(name.to_lowercase())
                        .or_insert_with(|| (name.to_owned(), 0));
                    entry.1 += 1;
                }
            }
            let all = assigned.len();
            let rows: Vec<UnusedUserRow> = assigned
                .into_iter()
                .filter(|(key, _)| !seen.users.contains(key))
                .map(|(_, (user_name, desktops))| UnusedUserRow {
                    user_name,
                    desktops,
                })
                .collect();
            let after = vec![format!(
                "{} of {} assigned to a desktop had no successful connection.",
                rows.len(),
                crate::emit::plural(all, "user")
            )];
            let table = TableOf {
                table: tables::unused_users,
                after,
            };
            return write(ready(rows), output.format, sink, caption, table).await;
        }
        let all = desktops.len();
        let mut rows: Vec<UnusedRow> = desktops
            .into_iter()
            .filter(|d| {
                !seen.desktop_ids.contains(&d.desktop_id)
                    && d.computer_name
                        .as_deref()
                        .is_none_or(|n| !seen.computer_names.contains(&n.to_lowercase()))
            })
            .map(|d| UnusedRow {
                desktop_id: d.desktop_id,
                computer_name: d.computer_name,
                user: d.user_name,
                created: d.created.map(|t| t.date_naive()),
                status: d.status,
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.computer_name.as_deref(), &a.desktop_id)
                .cmp(&(b.computer_name.as_deref(), &b.desktop_id))
        });
        let after = vec![format!(
            "{} of {} had no successful connection.",
            rows.len(),
            crate::emit::plural(all, "desktop")
        )];
        let table = TableOf {
            table: tables::unused,
            after,
        };
        write(ready(rows), output.format, sink, caption, table).await
    })
    .await
}
