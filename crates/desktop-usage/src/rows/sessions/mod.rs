//! The rows of `sessions`, `concurrency` and `unused`, computed from the
//! library's connection records and their aggregations (the CLI adds no
//! arithmetic of its own beyond the hours of the tables), and their csv
//! columns (`csv.rs`): the same fields, in the same order, as the json.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use huaweicloud_workspace::ConnectionRecord;
use huaweicloud_workspace::sessions::aggregate::{DayTotals, Peak, Totals};
use schemars::JsonSchema;
use serde::Serialize;

use super::Nullable;

mod csv;

/// A row of `sessions` (`--by none`): one connection record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage sessions row")]
#[serde(deny_unknown_fields)]
pub struct SessionRow {
    /// Desktop id; null when the record has none.
    #[schemars(with = "Nullable<String>")]
    pub desktop_id: Option<String>,
    /// The desktop's computer name, as the record gives it.
    #[schemars(with = "Nullable<String>")]
    pub computer_name: Option<String>,
    /// Who connected.
    #[schemars(with = "Nullable<String>")]
    pub user_name: Option<String>,
    /// When the connection was asked for (UTC, RFC 3339).
    #[schemars(with = "Nullable<DateTime<Utc>>")]
    pub start: Option<DateTime<Utc>>,
    /// When the session was set up; null for a failed connection.
    #[schemars(with = "Nullable<DateTime<Utc>>")]
    pub setup: Option<DateTime<Utc>>,
    /// When it ended; null for a session still open.
    #[schemars(with = "Nullable<DateTime<Utc>>")]
    pub end: Option<DateTime<Utc>>,
    /// End minus setup of a successful session, in seconds (an open one up
    /// to the end of the range); null for a failed connection.
    #[schemars(with = "Nullable<u64>")]
    pub duration_seconds: Option<u64>,
    /// Whether it resumed an earlier session.
    pub is_reconnect: bool,
    /// Whether the connection failed (no setup, or a failure reason).
    pub failed: bool,
    /// Why it failed, as the service says.
    #[schemars(with = "Nullable<String>")]
    pub failure_reason: Option<String>,
    /// Network round trip, in milliseconds.
    #[schemars(with = "Nullable<u32>")]
    pub network_rtt_ms: Option<u32>,
    /// End-to-end round trip, in milliseconds.
    #[schemars(with = "Nullable<u32>")]
    pub e2e_rtt_ms: Option<u32>,
    /// The terminal's operating system.
    #[schemars(with = "Nullable<String>")]
    pub terminal_type: Option<String>,
    /// The client's version.
    #[schemars(with = "Nullable<String>")]
    pub client_version: Option<String>,
}

impl SessionRow {
    /// The row of `record`; an open session lasts until `until`.
    pub fn of(record: ConnectionRecord, until: DateTime<Utc>) -> Self {
        SessionRow {
            duration_seconds: record.connected_seconds(until),
            desktop_id: record.desktop_id,
            computer_name: record.computer_name,
            user_name: record.user_name,
            start: record.start,
            setup: record.setup,
            end: record.end,
            is_reconnect: record.is_reconnect,
            failed: record.failed,
            failure_reason: record.failure_reason,
            network_rtt_ms: record.network_rtt_ms,
            e2e_rtt_ms: record.e2e_rtt_ms,
            terminal_type: record.terminal_type,
            client_version: record.client_version,
        }
    }
}

/// The totals of one user's records (`sessions --by user`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage sessions --by user row")]
#[serde(deny_unknown_fields)]
pub struct SessionUserRow {
    /// User name; `""` gathers the records without one.
    pub user_name: String,
    /// The totals.
    #[serde(flatten)]
    pub totals: TotalsRow,
}

/// The totals of one desktop's records (`sessions --by desktop`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage sessions --by desktop row")]
#[serde(deny_unknown_fields)]
pub struct SessionDesktopRow {
    /// Desktop id; `""` gathers the records without one.
    pub desktop_id: String,
    /// The computer name the records give; `""` when they give none.
    pub computer_name: String,
    /// The totals.
    #[serde(flatten)]
    pub totals: TotalsRow,
}

/// What the records of a user or desktop add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TotalsRow {
    /// Every record, failed ones included.
    pub connections: u64,
    /// The failed ones.
    pub failed: u64,
    /// Successful ones that resumed an earlier session.
    pub reconnects: u64,
    /// Setup to end of every successful session (open ones to the end of the range).
    pub connected_seconds: u64,
    /// Median network round trip of the successful sessions (nearest rank), ms.
    #[schemars(with = "Nullable<u32>")]
    pub network_rtt_p50_ms: Option<u32>,
    /// 95th percentile of the network round trip (nearest rank), ms.
    #[schemars(with = "Nullable<u32>")]
    pub network_rtt_p95_ms: Option<u32>,
    /// 95th percentile of the end-to-end round trip (nearest rank), ms.
    #[schemars(with = "Nullable<u32>")]
    pub e2e_rtt_p95_ms: Option<u32>,
    /// When a successful session was last on (its end, or the end of the
    /// range for one still open); null when none succeeded.
    #[schemars(with = "Nullable<DateTime<Utc>>")]
    pub last_seen: Option<DateTime<Utc>>,
}

impl From<Totals> for TotalsRow {
    fn from(t: Totals) -> Self {
        TotalsRow {
            connections: t.connections,
            failed: t.failed,
            reconnects: t.reconnects,
            connected_seconds: t.connected_seconds,
            network_rtt_p50_ms: t.network_rtt_p50_ms,
            network_rtt_p95_ms: t.network_rtt_p95_ms,
            e2e_rtt_p95_ms: t.e2e_rtt_p95_ms,
            last_seen: t.last_seen,
        }
    }
}

/// The records of one UTC day (`sessions --by day`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage sessions --by day row")]
#[serde(deny_unknown_fields)]
pub struct SessionDayRow {
    /// The day (of a session's setup; of a failed connection's start).
    pub date: NaiveDate,
    /// Every record, failed ones included.
    pub connections: u64,
    /// The failed ones.
    pub failed: u64,
    /// Distinct users with a successful session.
    pub users: u64,
    /// Setup to end of the day's successful sessions.
    pub connected_seconds: u64,
}

impl From<DayTotals> for SessionDayRow {
    fn from(d: DayTotals) -> Self {
        SessionDayRow {
            date: d.date,
            connections: d.connections,
            failed: d.failed,
            users: d.users,
            connected_seconds: d.connected_seconds,
        }
    }
}

/// The peak of one UTC day (`concurrency`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage concurrency row")]
#[serde(deny_unknown_fields)]
pub struct ConcurrencyRow {
    /// The day.
    pub date: NaiveDate,
    /// The most successful sessions on at once (a session occupies
    /// `[setup, end)`; failed connections never count).
    pub peak_sessions: u64,
    /// The first second the peak is reached (UTC); null when it is 0.
    #[schemars(with = "Nullable<DateTime<Utc>>")]
    pub peak_at: Option<DateTime<Utc>>,
    /// Distinct users with a successful session in the day.
    pub users: u64,
}

/// The peak of one UTC hour (`concurrency --by hour`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage concurrency --by hour row")]
#[serde(deny_unknown_fields)]
pub struct ConcurrencyHourRow {
    /// The day.
    pub date: NaiveDate,
    /// The hour of the day, 0-23 (UTC).
    pub hour: u32,
    /// The most successful sessions on at once in the hour.
    pub peak_sessions: u64,
    /// The first second the peak is reached (UTC); null when it is 0.
    #[schemars(with = "Nullable<DateTime<Utc>>")]
    pub peak_at: Option<DateTime<Utc>>,
    /// Distinct users with a successful session in the hour.
    pub users: u64,
}

impl From<&Peak> for ConcurrencyRow {
    fn from(p: &Peak) -> Self {
        ConcurrencyRow {
            date: p.bucket.date_naive(),
            peak_sessions: p.peak_sessions,
            peak_at: p.peak_at,
            users: p.users,
        }
    }
}

impl From<&Peak> for ConcurrencyHourRow {
    fn from(p: &Peak) -> Self {
        ConcurrencyHourRow {
            date: p.bucket.date_naive(),
            hour: p.bucket.hour(),
            peak_sessions: p.peak_sessions,
            peak_at: p.peak_at,
            users: p.users,
        }
    }
}

/// A desktop of the inventory with no successful connection in the range (`unused`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage unused row")]
#[serde(deny_unknown_fields)]
pub struct UnusedRow {
    /// Desktop id.
    pub desktop_id: String,
    /// The computer name.
    #[schemars(with = "Nullable<String>")]
    pub computer_name: Option<String>,
    /// The desktop's user.
    #[schemars(with = "Nullable<String>")]
    pub user: Option<String>,
    /// When it was created (UTC day): one created during the range had less time to be used.
    #[schemars(with = "Nullable<NaiveDate>")]
    pub created: Option<NaiveDate>,
    /// Its status (`ACTIVE`, `SHUTOFF`, …).
    #[schemars(with = "Nullable<String>")]
    pub status: Option<String>,
}

/// A user assigned to desktops who never connected in the range (`unused --users`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage unused --users row")]
#[serde(deny_unknown_fields)]
pub struct UnusedUserRow {
    /// User name, as the inventory gives it.
    pub user_name: String,
    /// How many desktops the user is assigned to.
    pub desktops: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{CsvRow, Field};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn json_and_csv_name_the_same_fields_in_the_same_order() {
        let row = SessionUserRow {
            user_name: "alice".into(),
            totals: TotalsRow {
                connections: 3,
                failed: 1,
                reconnects: 0,
                connected_seconds: 5400,
                network_rtt_p50_ms: Some(20),
                network_rtt_p95_ms: Some(31),
                e2e_rtt_p95_ms: None,
                last_seen: Some(at("2024-06-03T10:30:00Z")),
            },
        };
        let json: serde_json::Value = serde_json::to_value(&row).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = SessionUserRow::HEADERS.to_vec();
        sorted.sort_unstable();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort_unstable();
        assert_eq!(keys_sorted, sorted);
        assert_eq!(json["last_seen"], "2024-06-03T10:30:00Z");
        let fields = row.fields();
        assert_eq!(fields.len(), SessionUserRow::HEADERS.len());
        assert_eq!(fields[8], Field::Number("2024-06-03T10:30:00Z".into()));
        assert_eq!(fields[7], Field::Number(String::new()));
    }

    #[test]
    fn a_failed_record_has_no_duration_and_an_open_one_lasts_to_the_end() {
        let until = at("2024-06-04T00:00:00Z");
        let failed = ConnectionRecord {
            start: Some(at("2024-06-03T09:00:00Z")),
            failed: true,
            failure_reason: Some("Authentication failed.".into()),
            ..Default::default()
        };
        assert_eq!(SessionRow::of(failed, until).duration_seconds, None);
        let open = ConnectionRecord {
            setup: Some(at("2024-06-03T23:00:00Z")),
            ..Default::default()
        };
        let row = SessionRow::of(open, until);
        assert_eq!((row.duration_seconds, row.end), (Some(3600), None));
    }
}
