//! The tables of `sessions`, `concurrency` and `unused`: what a person
//! reads first, within 80 columns where the names allow.

use chrono::{DateTime, Utc};
use huaweicloud_workspace::Hours;

use crate::emit::plural;
use crate::output::{Align, Table};
use crate::rows::sessions::{
    ConcurrencyHourRow, ConcurrencyRow, SessionDayRow, SessionDesktopRow, SessionRow,
    SessionUserRow, TotalsRow, UnusedRow, UnusedUserRow,
};

fn minute(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

fn or_dash<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".to_string())
}

/// Seconds as hours with two decimals, cut (not rounded) to the hundredth.
fn hours(seconds: u64) -> String {
    Hours::from_hundredths(seconds / 36).to_string()
}

/// `h:mm` of a duration in seconds.
fn clock(seconds: u64) -> String {
    format!("{}:{:02}", seconds / 3600, seconds % 3600 / 60)
}

/// One record per row, oldest first.
pub fn sessions(rows: &[SessionRow]) -> Table {
    let mut order: Vec<&SessionRow> = rows.iter().collect();
    order.sort_by_key(|r| (r.setup.or(r.start), r.desktop_id.as_deref()));
    let failed = rows.iter().filter(|r| r.failed).count();
    let connected: u64 = rows.iter().filter_map(|r| r.duration_seconds).sum();
    Table {
        headers: vec![
            "DESKTOP", "USER", "START", "TIME", "RTT", "TERMINAL", "RESULT",
        ],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Whole,
            Align::Right,
            Align::Right,
            Align::Left,
            Align::Whole,
        ],
        rows: order
            .into_iter()
            .map(|r| {
                let result = if r.failed {
                    "FAILED"
                } else if r.end.is_none() {
                    "open"
                } else if r.is_reconnect {
                    "reconnect"
                } else {
                    "ok"
                };
                vec![
                    r.computer_name
                        .clone()
                        .or_else(|| r.desktop_id.clone())
                        .unwrap_or_else(|| "-".to_string()),
                    text(&r.user_name),
                    minute(r.setup.or(r.start)),
                    r.duration_seconds.map_or_else(|| "-".to_string(), clock),
                    or_dash(r.network_rtt_ms),
                    text(&r.terminal_type),
                    result.to_string(),
                ]
            })
            .collect(),
        totals: Some(vec![
            format!("TOTAL ({})", plural(rows.len(), "connection")),
            String::new(),
            String::new(),
            clock(connected),
            String::new(),
            String::new(),
            format!("{failed} failed"),
        ]),
        drop_first: &["TERMINAL", "RTT"],
    }
}

fn totals_cells(t: &TotalsRow) -> Vec<String> {
    vec![
        t.connections.to_string(),
        t.failed.to_string(),
        hours(t.connected_seconds),
        or_dash(t.network_rtt_p50_ms),
        or_dash(t.network_rtt_p95_ms),
        minute(t.last_seen),
    ]
}

fn grouped<R>(
    rows: &[R],
    first: &'static str,
    what: &str,
    key: fn(&R) -> String,
    totals: fn(&R) -> &TotalsRow,
) -> Table {
    let sum = |f: fn(&TotalsRow) -> u64| rows.iter().map(|r| f(totals(r))).sum::<u64>();
    Table {
        headers: vec![
            first,
            "CONNECTIONS",
            "FAILED",
            "HOURS",
            "RTT P50",
            "RTT P95",
            "LAST SEEN",
        ],
        align: vec![
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Whole,
        ],
        rows: {
            // By the name shown: the rows come by id, which reads as no order.
            let mut shown: Vec<(String, &R)> = rows.iter().map(|r| (key(r), r)).collect();
            shown.sort_by(|a, b| a.0.cmp(&b.0));
            shown
                .into_iter()
                .map(|(name, r)| {
                    let mut cells = vec![name];
                    cells.extend(totals_cells(totals(r)));
                    cells
                })
                .collect()
        },
        totals: Some(vec![
            format!("TOTAL ({})", plural(rows.len(), what)),
            sum(|t| t.connections).to_string(),
            sum(|t| t.failed).to_string(),
            hours(sum(|t| t.connected_seconds)),
            String::new(),
            String::new(),
            String::new(),
        ]),
        drop_first: &["RTT P95", "RTT P50", "LAST SEEN"],
    }
}

/// Totals per user.
pub fn by_user(rows: &[SessionUserRow]) -> Table {
    grouped(
        rows,
        "USER",
        "user",
        |r| {
            if r.user_name.is_empty() {
                "(none)".to_string()
            } else {
                r.user_name.clone()
            }
        },
        |r| &r.totals,
    )
}

/// Totals per desktop.
pub fn by_desktop(rows: &[SessionDesktopRow]) -> Table {
    grouped(
        rows,
        "DESKTOP",
        "desktop",
        |r| match (r.computer_name.is_empty(), r.desktop_id.is_empty()) {
            (false, _) => r.computer_name.clone(),
            (true, false) => r.desktop_id.clone(),
            (true, true) => "(none)".to_string(),
        },
        |r| &r.totals,
    )
}

/// Totals per day.
pub fn by_day(rows: &[SessionDayRow]) -> Table {
    let sum = |f: fn(&SessionDayRow) -> u64| rows.iter().map(f).sum::<u64>();
    Table {
        headers: vec!["DATE", "CONNECTIONS", "FAILED", "USERS", "HOURS"],
        align: vec![
            Align::Whole,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.date.to_string(),
                    r.connections.to_string(),
                    r.failed.to_string(),
                    r.users.to_string(),
                    hours(r.connected_seconds),
                ]
            })
            .collect(),
        totals: Some(vec![
            format!("TOTAL ({})", plural(rows.len(), "day")),
            sum(|r| r.connections).to_string(),
            sum(|r| r.failed).to_string(),
            String::new(),
            hours(sum(|r| r.connected_seconds)),
        ]),
        drop_first: &["USERS"],
    }
}

fn second(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.format("%H:%M:%S").to_string())
}

/// The highest peak and the first time it is reached, as the last line says it.
fn overall<'a>(peaks: impl Iterator<Item = (u64, Option<DateTime<Utc>>)> + 'a) -> (String, String) {
    let mut best: Option<(u64, Option<DateTime<Utc>>)> = None;
    for (n, at) in peaks {
        if best.is_none_or(|(b, _)| n > b) {
            best = Some((n, at));
        }
    }
    match best {
        Some((n, Some(at))) if n > 0 => (n.to_string(), at.format("%Y-%m-%d %H:%M:%S").to_string()),
        _ => ("0".to_string(), "-".to_string()),
    }
}

/// The peak per day, the overall peak last.
pub fn concurrency(rows: &[ConcurrencyRow]) -> Table {
    let (peak, at) = overall(rows.iter().map(|r| (r.peak_sessions, r.peak_at)));
    Table {
        headers: vec!["DATE", "PEAK", "PEAK AT", "USERS"],
        align: vec![Align::Whole, Align::Right, Align::Whole, Align::Right],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.date.to_string(),
                    r.peak_sessions.to_string(),
                    second(r.peak_at),
                    r.users.to_string(),
                ]
            })
            .collect(),
        totals: Some(vec!["OVERALL PEAK".to_string(), peak, at, String::new()]),
        drop_first: &["", "USERS"],
    }
}

/// [`concurrency`] with a bar of each day's peak.
pub fn concurrency_chart(rows: &[ConcurrencyRow]) -> Table {
    let mut table = concurrency(rows);
    let peaks: Vec<u64> = rows.iter().map(|r| r.peak_sessions).collect();
    crate::emit::add_bars(&mut table, &peaks);
    table
}

/// The peak per hour, the overall peak last.
pub fn concurrency_hourly(rows: &[ConcurrencyHourRow]) -> Table {
    let (peak, at) = overall(rows.iter().map(|r| (r.peak_sessions, r.peak_at)));
    Table {
        headers: vec!["DATE", "HOUR", "PEAK", "PEAK AT", "USERS"],
        align: vec![
            Align::Whole,
            Align::Whole,
            Align::Right,
            Align::Whole,
            Align::Right,
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.date.to_string(),
                    format!("{:02}:00", r.hour),
                    r.peak_sessions.to_string(),
                    second(r.peak_at),
                    r.users.to_string(),
                ]
            })
            .collect(),
        totals: Some(vec![
            "OVERALL PEAK".to_string(),
            String::new(),
            peak,
            at,
            String::new(),
        ]),
        drop_first: &["USERS"],
    }
}

/// Desktops without a successful connection.
pub fn unused(rows: &[UnusedRow]) -> Table {
    Table {
        headers: vec!["DESKTOP", "USER", "CREATED", "STATUS"],
        align: vec![Align::Left, Align::Left, Align::Whole, Align::Whole],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.computer_name
                        .clone()
                        .unwrap_or_else(|| r.desktop_id.clone()),
                    text(&r.user),
                    or_dash(r.created),
                    text(&r.status),
                ]
            })
            .collect(),
        totals: Some(vec![
            format!("TOTAL ({})", plural(rows.len(), "desktop")),
            String::new(),
            String::new(),
            String::new(),
        ]),
        drop_first: &["STATUS", "CREATED"],
    }
}

/// Assigned users who never connected.
pub fn unused_users(rows: &[UnusedUserRow]) -> Table {
    Table {
        headers: vec!["USER", "DESKTOPS"],
        align: vec![Align::Left, Align::Right],
        rows: rows
            .iter()
            .map(|r| vec![r.user_name.clone(), r.desktops.to_string()])
            .collect(),
        totals: Some(vec![
            format!("TOTAL ({})", plural(rows.len(), "user")),
            rows.iter().map(|r| r.desktops).sum::<u64>().to_string(),
        ]),
        drop_first: &[],
    }
}
