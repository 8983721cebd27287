//! What the connection records query returns: one record as the library
//! reads it (times parsed, round trips as milliseconds, failed and open
//! derived once, here, so every consumer agrees on them).

use chrono::{DateTime, Utc};

/// One connection to a desktop (a record of `ListLoginRecordsNew`).
///
/// A record without a setup time, or with a failure reason, is
/// [`failed`](Self::failed); a successful one without an end is a session
/// still [`open`](Self::is_open).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionRecord {
    /// What tells this record apart from every other: the transaction id,
    /// or, where the service gave none, the identifying fields joined
    /// (desktop, computer, user, terminal, times).
    pub id: String,
    /// The service's transaction id.
    pub transaction_id: Option<String>,
    /// The desktop's id (the inventory's key).
    pub desktop_id: Option<String>,
    /// The desktop's computer name.
    pub computer_name: Option<String>,
    /// The user who connected.
    pub user_name: Option<String>,
    /// When the connection was asked for.
    pub start: Option<DateTime<Utc>>,
    /// When it was established; `None` for a failed connection.
    pub setup: Option<DateTime<Utc>>,
    /// When it ended; `None` while the session is open.
    pub end: Option<DateTime<Utc>>,
    /// Whether it resumed an earlier session.
    pub is_reconnect: bool,
    /// Whether the connection failed: no setup time, or a failure reason.
    pub failed: bool,
    /// Why it failed, as the service words it.
    pub failure_reason: Option<String>,
    /// The network round trip, in milliseconds.
    pub network_rtt_ms: Option<u32>,
    /// The end-to-end round trip, in milliseconds.
    pub e2e_rtt_ms: Option<u32>,
    /// The terminal's OS type, e.g. `Windows 10`.
    pub terminal_type: Option<String>,
    /// The terminal's host name.
    pub terminal_name: Option<String>,
    /// The terminal's IP address.
    pub terminal_ip: Option<String>,
    /// The terminal's MAC address.
    pub terminal_mac: Option<String>,
    /// The AccessClient version.
    pub client_version: Option<String>,
    /// The AccessAgent (HDA) version.
    pub agent_version: Option<String>,
    /// The desktop's IP address.
    pub desktop_ip: Option<String>,
    /// The client's egress (public) IP address.
    pub public_ip: Option<String>,
    /// The client's source IP address.
    pub source_ip: Option<String>,
    /// The desktop's enterprise project.
    pub enterprise_project_id: Option<String>,
    /// The desktop's security identifier.
    pub sid: Option<String>,
    /// The tenant (`tenantId` on the wire).
    pub tenant_id: Option<String>,
}

impl ConnectionRecord {
    /// A successful session that has not ended.
    pub fn is_open(&self) -> bool {
        !self.failed && self.end.is_none()
    }

    /// How long a successful session was connected, from setup to its end,
    /// in whole seconds, or to `until` while it is open (never below 0);
    /// `None` for a failed connection.
    pub fn connected_seconds(&self, until: DateTime<Utc>) -> Option<u64> {
        if self.failed {
            return None;
        }
        let setup = self.setup?;
        let end = self.end.unwrap_or(until);
        u64::try_from((end - setup).num_seconds()).ok().or(Some(0))
    }
}
