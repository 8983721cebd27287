//! The checks a page goes through once decoded (the path the decode
//! benchmark times): periods sorted and deduplicated, contradictions and
//! periods outside the window refused, an `error_code` in a 200 refused.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] fns

use chrono::NaiveDate;
use huaweicloud_workspace::{Answer, Error, GroupBy, Page, Period, decode};

/// The decoder a query runs on every answer, given a 200 with this body.
fn decode_page_for_bench(
    body: &[u8],
    window: Option<(NaiveDate, NaiveDate)>,
    limit: u32,
) -> Result<Page, Error> {
    decode::desktop_usage_page(&Answer::ok(body.to_vec()), window, GroupBy::Day, limit)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn january() -> Option<(NaiveDate, NaiveDate)> {
    Some((day("2024-01-01"), day("2024-01-31")))
}

fn page(periods: &str) -> Vec<u8> {
    format!(
        r#"{{"desktop_used_info_list":[{{"desktop_id":"d1","desktop_username":"ann","used_info_list":[{periods}]}}],"total_count":1}}"#
    )
    .into_bytes()
}

fn reason(result: Result<Page, Error>) -> String {
    match result {
        Err(Error::InvalidResponse { status, reason, .. }) => {
            assert_eq!(status, 200);
            reason
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
}

#[test]
fn periods_come_out_sorted_with_equal_repeats_dropped() {
    let body = page(
        r#"{"date":"2024-01-03","use_time":1.5},{"date":"2024-01-01","use_time":2},
           {"date":"2024-01-03","use_time":"1.50"},{"date":"2024-01-02","use_time":0}"#,
    );
    let page = decode_page_for_bench(&body, january(), 100).unwrap();
    assert_eq!(page.total_count, Some(1));
    let d = &page.desktops[0];
    assert_eq!(d.desktop_id, "d1");
    assert_eq!(d.username.as_deref(), Some("ann"));
    let got: Vec<(String, u64)> = d
        .periods
        .iter()
        .map(|p| (p.period.to_string(), p.hours.hundredths()))
        .collect();
    assert_eq!(
        got,
        [
            ("2024-01-01".to_string(), 200),
            ("2024-01-02".to_string(), 0),
            ("2024-01-03".to_string(), 150)
        ]
    );
    assert_eq!(d.periods[0].period, Period::Day(day("2024-01-01")));
}

#[test]
fn a_period_twice_with_different_hours_is_refused() {
    let body = page(
        r#"{"date":"2024-01-02","use_time":1},{"date":"2024-01-01","use_time":2},{"date":"2024-01-02","use_time":3}"#,
    );
    let r = reason(decode_page_for_bench(&body, january(), 100));
    assert!(
        r.contains("d1 has period 2024-01-02 twice, with 1.00 and 3.00 hours")
            || r.contains("d1 has period 2024-01-02 twice, with 3.00 and 1.00 hours"),
        "{r}"
    );
}

#[test]
fn a_period_outside_the_window_is_refused() {
    let body = page(r#"{"date":"2024-01-31","use_time":1},{"date":"2024-02-01","use_time":2}"#);
    let r = reason(decode_page_for_bench(&body, january(), 100));
    assert!(
        r.contains("d1 has period 2024-02-01 outside the requested 2024-01-01..=2024-01-31"),
        "{r}"
    );
    // Without a window (the service's default range) any day is taken.
    let page = decode_page_for_bench(&body, None, 100).unwrap();
    assert_eq!(page.desktops[0].periods.len(), 2);
}

#[test]
fn an_error_code_in_a_200_is_the_services_error() {
    let body = br#"{"error_code":"WKS.0001","error_msg":"bad"}"#;
    match decode_page_for_bench(body, january(), 100) {
        Err(Error::Api(m)) => {
            assert_eq!(
                (m.status(), m.code(), m.message()),
                (200, Some("WKS.0001"), Some("bad"))
            );
        }
        other => panic!("expected the service's error, got {other:?}"),
    }
}

#[test]
fn more_desktops_than_the_limit_is_refused() {
    let r = reason(decode_page_for_bench(&page(""), january(), 0));
    assert!(r.contains("more than the limit of 0"), "{r}");
}

#[test]
fn a_desktop_twice_in_a_page_is_kept_once_or_refused_when_the_copies_differ() {
    let one = r#"{"desktop_id":"d1","used_info_list":[{"date":"2024-01-01","use_time":1}]}"#;
    let two = r#"{"desktop_id":"d2","used_info_list":[{"date":"2024-01-01","use_time":2}]}"#;
    let other = r#"{"desktop_id":"d1","used_info_list":[{"date":"2024-01-01","use_time":3}]}"#;
    let body = |items: &[&str]| {
        format!(
            r#"{{"desktop_used_info_list":[{}],"total_count":2}}"#,
            items.join(",")
        )
        .into_bytes()
    };
    let page = decode_page_for_bench(&body(&[one, two, one]), january(), 100).unwrap();
    let ids: Vec<&str> = page
        .desktops
        .iter()
        .map(|d| d.desktop_id.as_str())
        .collect();
    assert_eq!(ids, ["d1", "d2"]);
    let r = reason(decode_page_for_bench(
        &body(&[one, two, other]),
        january(),
        100,
    ));
    assert!(
        r.contains("desktop d1 appears twice in one page with different data"),
        "{r}"
    );
}

fn metrics_answer(items: &str) -> Answer {
    Answer::ok(format!(r#"{{"count":1,"items":[{items}]}}"#).into_bytes())
}

#[test]
fn desktop_metrics_keep_unknown_names_and_leave_missing_ones_unknown() {
    let page = decode::desktop_metrics_page(
        &metrics_answer(
            r#"{"resource_id":"d1","resource_name":"WKS-FIN-042","metric":[
                {"metric_name":"desktop_usage","metric_value":7236},
                {"metric_name":"cpu_peak","metric_value":0.5}]}"#,
        ),
        100,
    )
    .unwrap();
    let d = &page.items[0];
    assert_eq!(d.usage_seconds, Some(7236));
    assert_eq!(d.usage_hours().unwrap().to_string(), "2.01");
    assert_eq!(
        d.idle_seconds, None,
        "a missing metric is unknown, not zero"
    );
    assert_eq!(d.other_metrics.get("cpu_peak"), Some(&0.5));
    assert_eq!(d.computer_name.as_deref(), Some("WKS-FIN-042"));
    assert_eq!(page.total, 1);
}

#[test]
fn hostile_metric_pages_are_refused_with_the_reason() {
    for (items, why) in [
        (
            r#"{"resource_id":"d1","metric":[{"metric_name":"desktop_usage","metric_value":-1}]}"#,
            "not a count of seconds",
        ),
        (
            r#"{"resource_id":"d1","metric":[{"metric_name":"desktop_usage","metric_value":1e300}]}"#,
            "not a count of seconds",
        ),
        (
            r#"{"resource_id":"d1","metric":[{"metric_name":"desktop_usage","metric_value":1},{"metric_name":"desktop_usage","metric_value":2}]}"#,
            "twice",
        ),
        (r#"{"metric":[]}"#, "no resource_id"),
        (
            r#"{"resource_id":"d1"},{"resource_id":"d1"}"#,
            "appears twice",
        ),
    ] {
        let err = decode::desktop_metrics_page(&metrics_answer(items), 100).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidResponse { status: 200, reason, .. } if reason.contains(why)),
            "{items}: {err:?}"
        );
    }
    let no_count = decode::user_metrics_page(&Answer::ok(&b"{\"items\":[]}"[..]), 100).unwrap_err();
    assert!(no_count.to_string().contains("no count"), "{no_count}");
    let over = decode::desktops_page(
        &Answer::ok(
            &br#"{"total_count":2,"desktops":[{"desktop_id":"a"},{"desktop_id":"b"}]}"#[..],
        ),
        1,
    )
    .unwrap_err();
    assert!(
        over.to_string().contains("more than the limit of 1"),
        "{over}"
    );
}

#[test]
fn an_inventory_page_reads_names_users_and_dates() {
    let page = decode::desktops_page(
        &Answer::ok(
            &br#"{"total_count":2,"desktops":[
                {"desktop_id":"a","computer_name":"WKS-1","user_name":"ann","created":"2024-01-02T08:31:12.000Z","status":"ACTIVE","attach_user_infos":[{"user_name":"ann"}],"tags":[{"key":"team","value":"fin"}]},
                {"desktop_id":"b","created":"yesterday"}]}"#[..],
        ),
        1000,
    )
    .unwrap();
    let a = &page.items[0];
    assert_eq!(a.computer_name.as_deref(), Some("WKS-1"));
    assert_eq!(a.attached_users, ["ann"]);
    assert_eq!(a.tags, [("team".to_string(), "fin".to_string())]);
    assert_eq!(a.created.unwrap().to_rfc3339(), "2024-01-02T08:31:12+00:00");
    assert_eq!(page.items[1].created, None, "an unreadable date is unknown");
}
