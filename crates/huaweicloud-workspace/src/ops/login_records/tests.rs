//! The decoder on good and hostile pages, and the input checks.

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
        start_time: start.map(t),
        end_time: end.map(t),
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
