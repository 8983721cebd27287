//! `ListLoginRecordsNew` (`GET /v2/{project_id}/connections/desktops`), the
//! connection records: its filters and their checks (both ends or neither,
//! whole minutes, the 30-day retention), its key, one page's request (from
//! the generated client) and the only decoder of its answer.

use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};
use huaweicloud_workspace_api::types::{ListLoginRecordsNewResponse, LoginRecord};

use crate::answer::Answer;
use crate::checks::check_text;
use crate::classify::Failure;
use crate::error::Error;
use crate::list::read::Shape;
use crate::list::{self, Counted, ListRequest, Listed};
use crate::operation::build_error;
use crate::ops::Maybe;
use crate::sessions::model::ConnectionRecord;

/// The largest page of `ListLoginRecordsNew` (its default is 20: always ask this).
pub const MAX_RECORDS_PAGE_SIZE: u32 = 1000;
/// How many days of connection records the service keeps.
pub const RECORDS_RETENTION_DAYS: i64 = 30;

/// The longest round trip a record may report, in milliseconds: an hour.
/// No session runs over a link that slow, so a larger value is not a
/// measurement; the page is refused as a whole (as a day of more than 24
/// hours is), not the record alone, since a service that sends it cannot
/// be trusted with the rest of the page either.
pub const MAX_RTT_MS: u32 = 3_600_000;

/// The filters of a records query, as the service takes them.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordsFilters {
    pub(crate) start_time: Option<DateTime<Utc>>,
    pub(crate) end_time: Option<DateTime<Utc>>,
    pub(crate) user_name: Option<String>,
    pub(crate) computer_name: Option<String>,
    pub(crate) terminal_type: Option<String>,
    pub(crate) enterprise_project_id: Option<String>,
}

/// A records query's inputs: the filters and the clock the retention is read against.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordsRequest {
    pub(crate) filters: RecordsFilters,
    pub(crate) now: Option<DateTime<Utc>>,
}

/// The one pass of a records query.
#[derive(Debug, Default)]
pub(crate) struct RecordsListing {
    filters: Arc<RecordsFilters>,
}

/// A time as the service takes it: `yyyy-MM-ddTHH:mmZ`.
fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%MZ").to_string()
}

fn check_minute(field: &'static str, t: Option<DateTime<Utc>>) -> Result<(), Error> {
    match t {
        Some(t) if t.duration_trunc(TimeDelta::minutes(1)).ok() != Some(t) => Err(Error::invalid(
            field,
            format!(
                "must be a whole minute (the service takes yyyy-MM-ddTHH:mmZ), got {}",
                t.to_rfc3339()
            ),
        )),
        _ => Ok(()),
    }
}

impl ListRequest for RecordsRequest {
    type Listing = RecordsListing;
    const MAX_PAGE_SIZE: u32 = MAX_RECORDS_PAGE_SIZE;

    fn plan(&self) -> Result<Vec<RecordsListing>, Error> {
        let f = &self.filters;
        for (field, value) in [
            ("user_name", &f.user_name),
            ("computer_name", &f.computer_name),
            ("terminal_type", &f.terminal_type),
            ("enterprise_project_id", &f.enterprise_project_id),
        ] {
            check_text(field, value.as_deref(), 255)?;
        }
        check_minute("start_time", f.start_time)?;
        check_minute("end_time", f.end_time)?;
        match (f.start_time, f.end_time) {
            (None, None) => {}
            (Some(_), None) => {
                return Err(Error::invalid(
                    "end_time",
                    "is required when start_time is given (both or neither)",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::invalid(
                    "start_time",
                    "is required when end_time is given (both or neither)",
                ));
            }
            (Some(start), Some(end)) => {
                if end < start {
                    return Err(Error::invalid(
                        "end_time",
                        format!("{} is before start_time {}", minute(end), minute(start)),
                    ));
                }
                let now = self.now.unwrap_or_else(Utc::now);
                // The minute the retention begins in is still asked whole.
                let earliest = (now - Duration::days(RECORDS_RETENTION_DAYS))
                    .duration_trunc(TimeDelta::minutes(1))
                    .unwrap_or(now);
                if start < earliest {
                    return Err(Error::invalid(
                        "start_time",
                        format!(
                            "{} is more than {RECORDS_RETENTION_DAYS} days ago: the service keeps connection records for {RECORDS_RETENTION_DAYS} days only (from {})",
                            minute(start),
                            minute(earliest)
                        ),
                    ));
                }
            }
        }
        Ok(vec![RecordsListing {
            filters: Arc::new(self.filters.clone()),
        }])
    }
}

impl Listed for RecordsListing {
    type Item = ConnectionRecord;
    type Wire = ListLoginRecordsNewResponse;
    type WireItem = LoginRecord;
    const NAME: &'static str = "ListLoginRecordsNew";
    const SHAPE: Shape = Shape::new(
        "total_count",
        "records",
        "connection record",
        "transaction_id",
    );

    fn key(item: &ConnectionRecord) -> &str {
        &item.id
    }

    fn split(page: ListLoginRecordsNewResponse) -> (Option<i64>, Vec<LoginRecord>) {
        (page.total_count, page.records)
    }

    /// The transaction id; without one, what identifies a connection is
    /// who, where, from what and when: records equal in all of it are one
    /// record. The transaction id stays in the item for [`Self::read`].
    fn take_key(r: &mut LoginRecord) -> Option<String> {
        if let Some(id) = r.transaction_id.as_deref().filter(|t| !t.trim().is_empty()) {
            return Some(id.to_owned());
        }
        let field = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
        Some(
            [
                &r.desktop_id,
                &r.computer_name,
                &r.user_name,
                &r.terminal_ip,
                &r.terminal_mac,
                &r.connection_start_time,
                &r.connection_setup_time,
                &r.connection_end_time,
            ]
            .map(field)
            .join("\u{1f}"),
        )
    }

    fn read(
        &self,
        answer: &Answer,
        id: String,
        r: LoginRecord,
    ) -> Result<ConnectionRecord, Failure> {
        let start = time(
            answer,
            "connection_start_time",
            r.connection_start_time.as_deref(),
        )?;
        let setup = time(
            answer,
            "connection_setup_time",
            r.connection_setup_time.as_deref(),
        )?;
        let end = time(
            answer,
            "connection_end_time",
            r.connection_end_time.as_deref(),
        )?;
        if let (Some(from), Some(to)) = (setup.or(start), end)
            && to < from
        {
            return Err(Failure::bad_data(
                answer,
                format!("a record ends ({to}) before it began ({from})"),
            ));
        }
        let failure_reason = non_empty(r.connection_failure_reason);
        // A negative round trip is no measurement at all.
        let ms = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
        let (network_rtt_ms, e2e_rtt_ms) = (ms(r.network_rtt), ms(r.e2e_rtt));
        for (field, value) in [("network_rtt", network_rtt_ms), ("e2e_rtt", e2e_rtt_ms)] {
            if let Some(v) = value.filter(|v| *v > MAX_RTT_MS) {
                return Err(Failure::bad_data(
                    answer,
                    format!(
                        "a record's {field} is {v} ms, more than the {MAX_RTT_MS} ms (an hour) any round trip takes"
                    ),
                ));
            }
        }
        Ok(ConnectionRecord {
            id,
            failed: setup.is_none() || failure_reason.is_some(),
            transaction_id: non_empty(r.transaction_id),
            desktop_id: non_empty(r.desktop_id),
            computer_name: r.computer_name,
            user_name: r.user_name,
            start,
            setup,
            end,
            is_reconnect: r.is_reconnect.unwrap_or(false),
            failure_reason,
            network_rtt_ms,
            e2e_rtt_ms,
            terminal_type: r.terminal_type,
            terminal_name: r.terminal_name,
            terminal_ip: r.terminal_ip,
            terminal_mac: r.terminal_mac,
            client_version: r.client_version,
            agent_version: r.agent_version,
            desktop_ip: r.desktop_ip,
            public_ip: r.public_ip,
            source_ip: r.source_ip,
            enterprise_project_id: r.enterprise_project_id,
            sid: r.sid,
            tenant_id: r.tenant_id,
        })
    }

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
        offset: i32,
        limit: u32,
    ) -> Result<reqwest::Request, Error> {
        let f = &*self.filters;
        // `plan` lets both ends through or neither.
        let range = f.start_time.zip(f.end_time);
        api.list_login_records_new()
            .project_id(project_id)
            .offset(offset)
            .limit(limit as i32)
            .maybe(range, |b, (start, end)| {
                b.start_time(minute(start).as_str())
                    .end_time(minute(end).as_str())
            })
            .maybe(f.user_name.as_deref(), |b, v| b.user_name(v))
            .maybe(f.computer_name.as_deref(), |b, v| b.computer_name(v))
            .maybe(f.terminal_type.as_deref(), |b, v| b.terminal_type(v))
            .maybe(f.enterprise_project_id.as_deref(), |b, v| {
                b.enterprise_project_id(v)
            })
            .build_request()
            .map_err(build_error)
    }
}

/// Decodes one answer of `ListLoginRecordsNew` as a query does: the status
/// and `error_code` checks, then the page (at most `limit` records, each
/// once; times RFC 3339 UTC or absent, an end not before the setup, round
/// trips at most [`MAX_RTT_MS`]).
pub fn login_records_page(answer: &Answer, limit: u32) -> Result<Counted<ConnectionRecord>, Error> {
    list::decode_page(&RecordsListing::default(), answer, limit)
}

/// A wire time: absent or empty is `None`; anything else must be RFC 3339.
fn time(
    answer: &Answer,
    field: &str,
    text: Option<&str>,
) -> Result<Option<DateTime<Utc>>, Failure> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                let shown: String = t.chars().take(40).collect();
                Failure::bad_data(
                    answer,
                    format!("a record's {field} is not a time: {shown:?}"),
                )
            }),
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests;
