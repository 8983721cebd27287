//! `ListLoginRecordsNew` (`GET /v2/{project_id}/connections/desktops`), the
//! connection records: its filters and their checks (both ends or neither,
//! whole minutes, the 30-day retention), its key, one page's request (from
//! the generated client) and the only decoder of its answer.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};
use huaweicloud_workspace_api::types::{ListLoginRecordsNewResponse, LoginRecord};

use crate::answer::Answer;
use crate::checks::check_text;
use crate::classify::Failure;
use crate::error::Error;
use crate::list::{Counted, ListRequest, Listed, json_page, key_once, total};
use crate::operation::{self, Operation, build_error};
use crate::sessions::model::ConnectionRecord;

/// The largest page of `ListLoginRecordsNew` (its default is 20: always ask this).
pub const MAX_RECORDS_PAGE_SIZE: u32 = 1000;
/// How many days of connection records the service keeps.
pub const RECORDS_RETENTION_DAYS: i64 = 30;

/// The filters of a records query, as the service takes them.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordsFilters {
    pub(crate) start: Option<DateTime<Utc>>,
    pub(crate) end: Option<DateTime<Utc>>,
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
#[derive(Debug)]
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
        check_minute("start_time", f.start)?;
        check_minute("end_time", f.end)?;
        match (f.start, f.end) {
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
    type Page<'a> = RecordsPage<'a>;
    const ITEM: &'static str = "connection record";

    fn page(&self, offset: i32, limit: u32) -> RecordsPage<'_> {
        RecordsPage {
            filters: &self.filters,
            offset,
            limit,
        }
    }

    fn key(item: &ConnectionRecord) -> &str {
        &item.id
    }
}

/// One page of `ListLoginRecordsNew`.
#[derive(Debug)]
pub(crate) struct RecordsPage<'a> {
    pub(crate) filters: &'a RecordsFilters,
    pub(crate) offset: i32,
    pub(crate) limit: u32,
}

impl Operation for RecordsPage<'_> {
    type Output = Counted<ConnectionRecord>;
    const NAME: &'static str = "ListLoginRecordsNew";

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
    ) -> Result<reqwest::Request, Error> {
        let f = self.filters;
        let mut b = api
            .list_login_records_new()
            .project_id(project_id)
            .offset(self.offset)
            .limit(self.limit as i32);
        if let (Some(start), Some(end)) = (f.start, f.end) {
            b = b
                .start_time(minute(start).as_str())
                .end_time(minute(end).as_str());
        }
        if let Some(v) = &f.user_name {
            b = b.user_name(v.as_str());
        }
        if let Some(v) = &f.computer_name {
            b = b.computer_name(v.as_str());
        }
        if let Some(v) = &f.terminal_type {
            b = b.terminal_type(v.as_str());
        }
        if let Some(v) = &f.enterprise_project_id {
            b = b.enterprise_project_id(v.as_str());
        }
        b.build_request().map_err(build_error)
    }

    fn decode_body(&self, answer: &Answer) -> Result<Self::Output, Failure> {
        decode(answer, self.limit)
    }
}

/// Decodes one answer of `ListLoginRecordsNew` as a query does: the status
/// and `error_code` checks, then the page (at most `limit` records, each
/// once; times RFC 3339 UTC or absent, an end not before the setup).
pub fn login_records_page(answer: &Answer, limit: u32) -> Result<Counted<ConnectionRecord>, Error> {
    let op = RecordsPage {
        filters: &RecordsFilters::default(),
        offset: 0,
        limit,
    };
    operation::decode(&op, answer).map_err(|f| f.into_error(1))
}

fn decode(answer: &Answer, limit: u32) -> Result<Counted<ConnectionRecord>, Failure> {
    let wire: ListLoginRecordsNewResponse = json_page(answer)?;
    let total = total(
        answer,
        "total_count",
        wire.total_count,
        (wire.records.len(), "records"),
        limit,
    )?;
    let mut seen = HashSet::with_capacity(wire.records.len());
    let mut items = Vec::with_capacity(wire.records.len());
    for r in wire.records {
        items.push(record(answer, &mut seen, r)?);
    }
    Ok(Counted {
        items,
        total,
        request_id: answer.request_id.clone(),
    })
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

fn record(
    answer: &Answer,
    seen: &mut HashSet<String>,
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
    let transaction_id = non_empty(r.transaction_id);
    // Without a transaction id, what identifies a connection is who, where,
    // from what and when: records equal in all of it are one record.
    let id = transaction_id.clone().unwrap_or_else(|| {
        let at = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
        [
            r.desktop_id.as_deref().unwrap_or_default(),
            r.computer_name.as_deref().unwrap_or_default(),
            r.user_name.as_deref().unwrap_or_default(),
            r.terminal_ip.as_deref().unwrap_or_default(),
            r.terminal_mac.as_deref().unwrap_or_default(),
            &at(start),
            &at(setup),
            &at(end),
        ]
        .join("\u{1f}")
    });
    let id = key_once(
        answer,
        seen,
        Some(id),
        ("connection record", "transaction_id"),
    )?;
    let failure_reason = non_empty(r.connection_failure_reason);
    // A negative round trip is no measurement at all.
    let ms = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
    Ok(ConnectionRecord {
        id,
        failed: setup.is_none() || failure_reason.is_some(),
        transaction_id,
        desktop_id: non_empty(r.desktop_id),
        computer_name: r.computer_name,
        user_name: r.user_name,
        start,
        setup,
        end,
        is_reconnect: r.is_reconnect.unwrap_or(false),
        failure_reason,
        network_rtt_ms: ms(r.network_rtt),
        e2e_rtt_ms: ms(r.e2e_rtt),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> Result<Counted<ConnectionRecord>, Error> {
        login_records_page(&Answer::ok(body.to_string()), 1000)
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_page_reads_every_field_and_derives_failed_and_open() {
        let body = r#"{"total_count":3,"records":[
          {"tenantId":"t1","transaction_id":"a","desktop_id":"d1","computer_name":"WKS-1",
           "user_name":"wei","connection_start_time":"2024-01-02T03:02:47Z",
           "connection_setup_time":"2024-01-02T03:02:52Z","connection_end_time":"2024-01-02T03:36:43Z",
           "is_reconnect":true,"network_rtt":23,"e2e_rtt":41,"terminal_type":"Windows 10"},
          {"transaction_id":"b","connection_start_time":"2024-01-02T04:00:00Z",
           "connection_failure_reason":"desktop not ready"},
          {"transaction_id":"c","connection_start_time":"2024-01-02T05:00:00Z",
           "connection_setup_time":"2024-01-02T05:00:03Z","connection_end_time":"","network_rtt":-1}
        ]}"#;
        let p = page(body).unwrap();
        assert_eq!(p.total, 3);
        let [a, b, c] = &p.items[..] else {
            panic!("{:?}", p.items)
        };
        assert_eq!(a.tenant_id.as_deref(), Some("t1"));
        assert_eq!(a.connected_seconds(Utc::now()), Some(33 * 60 + 51));
        assert!(a.is_reconnect && !a.failed && !a.is_open());
        assert_eq!((a.network_rtt_ms, a.e2e_rtt_ms), (Some(23), Some(41)));
        assert!(b.failed && !b.is_open());
        assert_eq!(b.connected_seconds(Utc::now()), None);
        assert!(c.is_open(), "an empty end is no end");
        assert_eq!(c.network_rtt_ms, None, "a negative round trip is none");
        assert_eq!(c.connected_seconds(t("2024-01-02T05:10:03Z")), Some(600));
    }

    #[test]
    fn a_reason_fails_even_a_set_up_connection() {
        let body = r#"{"total_count":1,"records":[{"transaction_id":"a",
          "connection_setup_time":"2024-01-02T03:02:52Z","connection_failure_reason":"x"}]}"#;
        assert!(page(body).unwrap().items[0].failed);
    }

    #[test]
    fn records_without_a_transaction_id_are_told_apart_by_their_fields() {
        let rec = |user: &str| {
            format!(
                r#"{{"desktop_id":"d","user_name":"{user}","connection_start_time":"2024-01-02T03:00:00Z"}}"#
            )
        };
        let two = format!(
            r#"{{"total_count":2,"records":[{},{}]}}"#,
            rec("a"),
            rec("b")
        );
        let p = page(&two).unwrap();
        assert_ne!(p.items[0].id, p.items[1].id);
        let same = format!(
            r#"{{"total_count":2,"records":[{},{}]}}"#,
            rec("a"),
            rec("a")
        );
        assert!(page(&same).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn hostile_pages_are_refused_with_the_reason() {
        for (body, why) in [
            (r#"{"records":[]}"#, "no total_count"),
            (r#"{"total_count":-1,"records":[]}"#, "negative"),
            (
                r#"{"total_count":1,"records":[{"transaction_id":"a","connection_start_time":"yesterday"}]}"#,
                "not a time",
            ),
            (
                r#"{"total_count":1,"records":[{"transaction_id":"a","connection_setup_time":"2024-01-02T03:00:00Z","connection_end_time":"2024-01-02T02:00:00Z"}]}"#,
                "before it began",
            ),
            (
                r#"{"total_count":2,"records":[{"transaction_id":"a"},{"transaction_id":"a"}]}"#,
                "twice",
            ),
            (
                r#"{"total_count":1,"records":[{"transaction_id":"a","network_rtt":"fast"}]}"#,
                "documented JSON",
            ),
            (
                r#"{"total_count":1,"records":[{"transaction_id":"a","network_rtt":99999999999}]}"#,
                "documented JSON",
            ),
            ("<html>", "documented JSON"),
        ] {
            let err = page(body).unwrap_err().to_string();
            assert!(err.contains(why), "{body}: {err}");
        }
        let over = format!(
            r#"{{"total_count":5,"records":[{}]}}"#,
            [r#"{"transaction_id":"a"}"#, r#"{"transaction_id":"b"}"#].join(",")
        );
        let err = login_records_page(&Answer::ok(over), 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than the limit of 1"), "{err}");
    }

    fn plan(f: RecordsFilters, now: &str) -> Result<Vec<RecordsListing>, Error> {
        RecordsRequest {
            filters: f,
            now: Some(t(now)),
        }
        .plan()
    }

    #[test]
    fn ranges_are_both_or_neither_whole_minutes_and_within_30_days() {
        let now = "2024-03-31T12:00:30Z";
        let f = |start: Option<&str>, end: Option<&str>| RecordsFilters {
            start: start.map(t),
            end: end.map(t),
            ..Default::default()
        };
        assert!(plan(f(None, None), now).is_ok());
        assert!(
            plan(
                f(Some("2024-03-01T12:00:00Z"), Some("2024-03-31T12:00:00Z")),
                now
            )
            .is_ok()
        );
        for (start, end, why) in [
            (
                Some("2024-03-30T00:00:00Z"),
                None,
                "invalid end_time: is required when start_time",
            ),
            (
                None,
                Some("2024-03-30T00:00:00Z"),
                "invalid start_time: is required when end_time",
            ),
            (
                Some("2024-03-30T00:00:10Z"),
                Some("2024-03-31T00:00:00Z"),
                "invalid start_time: must be a whole minute",
            ),
            (
                Some("2024-03-30T00:00:00Z"),
                Some("2024-03-29T00:00:00Z"),
                "invalid end_time: 2024-03-29T00:00Z is before",
            ),
            (
                Some("2024-03-01T11:59:00Z"),
                Some("2024-03-02T00:00:00Z"),
                "invalid start_time: 2024-03-01T11:59Z is more than 30 days ago: the service keeps connection records for 30 days only (from 2024-03-01T12:00Z)",
            ),
        ] {
            let err = plan(f(start, end), now).unwrap_err();
            assert_eq!(err.class(), crate::error::ErrorClass::InvalidInput);
            assert!(err.to_string().starts_with(why), "{err}");
        }
        let blank = RecordsFilters {
            user_name: Some(" ".into()),
            ..Default::default()
        };
        assert!(
            plan(blank, now)
                .unwrap_err()
                .to_string()
                .contains("user_name")
        );
    }
}
