//! The csv columns of the connection records' rows: the json's fields, in
//! the json's order (a test in `mod.rs` holds the two together).

use chrono::{DateTime, Utc};

use super::{
    ConcurrencyHourRow, ConcurrencyRow, SessionDayRow, SessionDesktopRow, SessionRow,
    SessionUserRow, TotalsRow, UnusedRow, UnusedUserRow,
};
use crate::output::{CsvRow, Field};

/// A time as the json writes it: RFC 3339, whole seconds, `Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn text(value: &Option<String>) -> Field {
    Field::Text(value.clone().unwrap_or_default())
}

fn number<T: ToString>(value: Option<T>) -> Field {
    Field::Number(value.map(|v| v.to_string()).unwrap_or_default())
}

fn time(value: Option<DateTime<Utc>>) -> Field {
    Field::Number(value.map(rfc3339).unwrap_or_default())
}

fn totals_fields(t: &TotalsRow) -> [Field; 8] {
    [
        Field::Number(t.connections.to_string()),
        Field::Number(t.failed.to_string()),
        Field::Number(t.reconnects.to_string()),
        Field::Number(t.connected_seconds.to_string()),
        number(t.network_rtt_p50_ms),
        number(t.network_rtt_p95_ms),
        number(t.e2e_rtt_p95_ms),
        time(t.last_seen),
    ]
}

const TOTALS_HEADERS: [&str; 8] = [
    "connections",
    "failed",
    "reconnects",
    "connected_seconds",
    "network_rtt_p50_ms",
    "network_rtt_p95_ms",
    "e2e_rtt_p95_ms",
    "last_seen",
];

impl CsvRow for SessionRow {
    const HEADERS: &'static [&'static str] = &[
        "desktop_id",
        "computer_name",
        "user_name",
        "start",
        "setup",
        "end",
        "duration_seconds",
        "is_reconnect",
        "failed",
        "failure_reason",
        "network_rtt_ms",
        "e2e_rtt_ms",
        "terminal_type",
        "client_version",
    ];
    fn fields(&self) -> Vec<Field> {
        vec![
            text(&self.desktop_id),
            text(&self.computer_name),
            text(&self.user_name),
            time(self.start),
            time(self.setup),
            time(self.end),
            number(self.duration_seconds),
            Field::Number(self.is_reconnect.to_string()),
            Field::Number(self.failed.to_string()),
            text(&self.failure_reason),
            number(self.network_rtt_ms),
            number(self.e2e_rtt_ms),
            text(&self.terminal_type),
            text(&self.client_version),
        ]
    }
}

impl CsvRow for SessionUserRow {
    const HEADERS: &'static [&'static str] = &{
        let mut h = ["user_name"; 9];
        let mut i = 0;
        while i < 8 {
            h[i + 1] = TOTALS_HEADERS[i];
            i += 1;
        }
        h
    };
    fn fields(&self) -> Vec<Field> {
        let mut fields = vec![Field::Text(self.user_name.clone())];
        fields.extend(totals_fields(&self.totals));
        fields
    }
}

impl CsvRow for SessionDesktopRow {
    const HEADERS: &'static [&'static str] = &{
        let mut h = ["desktop_id"; 10];
        h[1] = "computer_name";
        let mut i = 0;
        while i < 8 {
            h[i + 2] = TOTALS_HEADERS[i];
            i += 1;
        }
        h
    };
    fn fields(&self) -> Vec<Field> {
        let mut fields = vec![
            Field::Text(self.desktop_id.clone()),
            Field::Text(self.computer_name.clone()),
        ];
        fields.extend(totals_fields(&self.totals));
        fields
    }
}

impl CsvRow for SessionDayRow {
    const HEADERS: &'static [&'static str] = &[
        "date",
        "connections",
        "failed",
        "users",
        "connected_seconds",
    ];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Number(self.date.to_string()),
            Field::Number(self.connections.to_string()),
            Field::Number(self.failed.to_string()),
            Field::Number(self.users.to_string()),
            Field::Number(self.connected_seconds.to_string()),
        ]
    }
}

impl CsvRow for ConcurrencyRow {
    const HEADERS: &'static [&'static str] = &["date", "peak_sessions", "peak_at", "users"];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Number(self.date.to_string()),
            Field::Number(self.peak_sessions.to_string()),
            time(self.peak_at),
            Field::Number(self.users.to_string()),
        ]
    }
}

impl CsvRow for ConcurrencyHourRow {
    const HEADERS: &'static [&'static str] = &["date", "hour", "peak_sessions", "peak_at", "users"];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Number(self.date.to_string()),
            Field::Number(self.hour.to_string()),
            Field::Number(self.peak_sessions.to_string()),
            time(self.peak_at),
            Field::Number(self.users.to_string()),
        ]
    }
}

impl CsvRow for UnusedRow {
    const HEADERS: &'static [&'static str] =
        &["desktop_id", "computer_name", "user", "created", "status"];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Text(self.desktop_id.clone()),
            text(&self.computer_name),
            text(&self.user),
            number(self.created),
            text(&self.status),
        ]
    }
}

impl CsvRow for UnusedUserRow {
    const HEADERS: &'static [&'static str] = &["user_name", "desktops"];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Text(self.user_name.clone()),
            Field::Number(self.desktops.to_string()),
        ]
    }
}
