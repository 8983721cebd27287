//! Hostile answers, second round (#32): lists that repeat themselves
//! forever, numbers no range can hold, and what the client builder says of
//! endpoints in clear. Each is a typed error (or a warning), end to end
//! through the facade over HTTP on 127.0.0.1 against a hand-made server, as
//! in `hostile_responses.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::sync::atomic::Ordering;

use axum::Router;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt;
use huaweicloud_workspace::{Client, Credentials, Error, ErrorClass, RetryConfig};

mod common;

use common::{Server, start};

/// Answers every request with 200 and `body`.
async fn serve(body: String) -> Server {
    common::serve(200, body.into_bytes()).await
}

fn client(server: &Server) -> Client {
    Client::builder()
        .endpoint(&server.url)
        .project_id("0123456789abcdef0123456789abcdef")
        .credentials(Credentials::access_key("AKTEST", "SKTEST").unwrap())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn now() -> DateTime<Utc> {
    "2024-03-01T12:00:00Z".parse().unwrap()
}

/// The most requests a list that repeats itself may cost: the pages that
/// end it, plus what was already in flight when it ended.
const MOST_REQUESTS: u64 = 5;

/// A list reporting ten million items whose every page is the same one item.
const HUGE: u64 = 10_000_000;

async fn repeating(op: &str) -> (Result<usize, Error>, u64) {
    let body = match op {
        "ListDesktopUsageMetric" => format!(
            r#"{{"count":{HUGE},"items":[{{"resource_id":"d1","metric":[{{"metric_name":"desktop_usage","metric_value":3600}}]}}]}}"#
        ),
        "ListUserUsageMetric" => format!(
            r#"{{"count":{HUGE},"items":[{{"username":"u1","metric":[{{"metric_name":"user_usage","metric_value":3600}}]}}]}}"#
        ),
        "ListDesktops" => format!(r#"{{"total_count":{HUGE},"desktops":[{{"desktop_id":"d1"}}]}}"#),
        "ListLoginRecordsNew" => format!(
            r#"{{"total_count":{HUGE},"records":[{{"transaction_id":"t1","connection_start_time":"2024-03-01T10:00:00Z","connection_setup_time":"2024-03-01T10:00:01Z","connection_end_time":"2024-03-01T11:00:00Z"}}]}}"#
        ),
        other => unreachable!("{other}"),
    };
    let server = serve(body).await;
    let client = client(&server);
    let range = d("2024-02-01")..=d("2024-02-29");
    let today = d("2024-03-01");
    let run = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        match op {
            "ListDesktopUsageMetric" => client
                .desktop_metrics()
                .range(range)
                .today(today)
                .into_stream()
                .try_collect::<Vec<_>>()
                .await
                .map(|v| v.len()),
            "ListUserUsageMetric" => client
                .user_metrics()
                .range(range)
                .today(today)
                .send()
                .await
                .map(|v| v.len()),
            "ListDesktops" => client.desktops().send().await.map(|v| v.desktops.len()),
            _ => client
                .connection_records()
                .now(now())
                .send()
                .await
                .map(|v| v.len()),
        }
    })
    .await
    .expect("a list that repeats itself is given up, not paged until a timeout");
    (run, server.calls.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_list_whose_every_page_repeats_the_same_items_stops_within_a_few_pages() {
    let mut wrong = Vec::new();
    for op in [
        "ListDesktopUsageMetric",
        "ListUserUsageMetric",
        "ListDesktops",
        "ListLoginRecordsNew",
    ] {
        let (result, calls) = repeating(op).await;
        if calls > MOST_REQUESTS {
            wrong.push(format!(
                "{op}: {calls} requests for a list that repeats itself"
            ));
        }
        let err = match result {
            Ok(n) => {
                wrong.push(format!(
                    "{op}: {n} items and no error after {calls} requests"
                ));
                continue;
            }
            Err(e) => e,
        };
        assert_eq!(err.class(), ErrorClass::Api, "{op}");
        let Error::InvalidResponse {
            status: 200,
            reason,
            request_id: Some(id),
            ..
        } = &err
        else {
            wrong.push(format!("{op}: expected InvalidResponse, got {err:?}"));
            continue;
        };
        assert!(id.starts_with("hostile-"), "{op}: {id}");
        for part in ["repeats itself", op, "offset"] {
            if !reason.contains(part) {
                wrong.push(format!("{op}: the reason does not say {part:?}: {reason}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A metric page of one item whose duration metric is `seconds` (JSON text).
fn one_metric(op: &str, seconds: &str) -> String {
    match op {
        "desktop_usage" | "desktop_idle_duration" => format!(
            r#"{{"count":1,"items":[{{"resource_id":"d1","metric":[{{"metric_name":"{op}","metric_value":{seconds}}}]}}]}}"#
        ),
        _ => format!(
            r#"{{"count":1,"items":[{{"username":"u1","metric":[{{"metric_name":"user_usage","metric_value":{seconds}}}]}}]}}"#
        ),
    }
}

async fn metric_of(op: &str, seconds: &str) -> Result<Option<u64>, Error> {
    let server = serve(one_metric(op, seconds)).await;
    let client = client(&server);
    // 30 days: 2,592,000 s.
    let range = d("2024-01-31")..=d("2024-02-29");
    let today = d("2024-03-01");
    match op {
        "desktop_usage" | "desktop_idle_duration" => {
            let desktops = client
                .desktop_metrics()
                .range(range)
                .today(today)
                .send()
                .await?;
            Ok(match op {
                "desktop_usage" => desktops[0].usage_seconds,
                _ => desktops[0].idle_seconds,
            })
        }
        _ => {
            let users = client
                .user_metrics()
                .range(range)
                .today(today)
                .send()
                .await?;
            Ok(users[0].usage_seconds)
        }
    }
}

#[tokio::test]
async fn a_metric_longer_than_its_range_is_an_invalid_answer() {
    // 2^53 + 1 seconds, 2.5 trillion hours, once shown as such.
    for (op, most, over) in [
        ("desktop_usage", 2_592_000u64, "9007199254740993"),
        ("desktop_usage", 2_592_000, "2592001"),
        ("desktop_idle_duration", 2_592_000, "2592001"),
        // Sessions on several desktops at once add up, up to ten desktops.
        ("user_usage", 25_920_000, "25920001"),
        ("user_usage", 25_920_000, "9007199254740993"),
    ] {
        assert_eq!(
            metric_of(op, &most.to_string()).await.unwrap(),
            Some(most),
            "{op}"
        );
        let err = metric_of(op, over).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidResponse { status: 200, reason, request_id: Some(_), .. }
                if reason.contains(op) && reason.contains("more than") && reason.contains("30 days")),
            "{op} = {over}: {err:?}"
        );
        assert_eq!(err.class(), ErrorClass::Api, "{op}");
    }
}

fn one_record(fields: &str) -> String {
    format!(
        r#"{{"total_count":1,"records":[{{"transaction_id":"t1","connection_start_time":"2024-03-01T10:00:00Z",{fields}}}]}}"#
    )
}

async fn records(body: String) -> Result<Vec<huaweicloud_workspace::ConnectionRecord>, Error> {
    let server = serve(body).await;
    client(&server).connection_records().now(now()).send().await
}

#[tokio::test]
async fn a_record_that_ends_before_it_began_or_a_round_trip_over_an_hour_is_an_invalid_answer() {
    let setup = r#""connection_setup_time":"2024-03-01T10:00:01Z""#;
    let end = r#""connection_end_time":"2024-03-01T11:00:00Z""#;
    let ok = records(one_record(&format!(
        r#"{setup},{end},"network_rtt":3600000,"e2e_rtt":3600000"#
    )))
    .await
    .unwrap();
    assert_eq!(
        ok[0].network_rtt_ms,
        Some(huaweicloud_workspace::MAX_RTT_MS)
    );
    for (fields, says) in [
        (
            format!(r#"{setup},"connection_end_time":"2024-03-01T10:00:00Z""#),
            "before it began",
        ),
        (
            r#""connection_end_time":"2024-03-01T09:59:59Z""#.to_owned(),
            "before it began",
        ),
        (
            format!(r#"{setup},{end},"network_rtt":3600001"#),
            "network_rtt",
        ),
        (format!(r#"{setup},{end},"e2e_rtt":2147483647"#), "e2e_rtt"),
    ] {
        let err = records(one_record(&fields)).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidResponse { status: 200, reason, request_id: Some(_), .. }
                if reason.contains(says)),
            "{fields}: {err:?}"
        );
        assert_eq!(err.class(), ErrorClass::Api, "{fields}");
    }
}

/// A metadata service whose every security key expired at `expires_at`;
/// counts the security-key calls.
async fn metadata_service(expires_at: &'static str) -> Server {
    use axum::routing::{get, put};
    start(move |counter| {
        Router::new()
            .route(
                "/meta-data/latest/api/token",
                put(|| async { StatusCode::NOT_FOUND }),
            )
            .route(
                "/openstack/latest/securitykey",
                get(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    async move {
                        format!(
                            r#"{{"credential":{{"access":"AKTMP","secret":"SKTMP","securitytoken":"tok","expires_at":"{expires_at}"}}}}"#
                        )
                    }
                }),
            )
    })
    .await
}

#[tokio::test]
async fn metadata_credentials_that_are_already_expired_are_refused_and_asked_once() {
    for expires_at in ["1970-01-01T00:00:00.000000Z", "2020-06-01T08:00:00.000000Z"] {
        let metadata = metadata_service(expires_at).await;
        let workspace = serve(r#"{"desktop_used_info_list":[],"total_count":0}"#.to_owned()).await;
        let vars = [
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", metadata.url.clone()),
            (
                "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
                "/nonexistent/huaweicloud/credentials".to_owned(),
            ),
        ];
        let client = Client::builder()
            .endpoint(&workspace.url)
            .project_id("0123456789abcdef0123456789abcdef")
            .env(move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
            .build()
            .unwrap();
        let shown = &expires_at[..19];
        for request in 0..9 {
            let err = client
                .desktop_usage()
                .range(d("2024-01-01")..=d("2024-01-02"))
                .send()
                .await
                .expect_err("expired credentials signed a request");
            let text = err.to_string();
            assert!(
                matches!(err, Error::Credentials(_))
                    && text.contains(&metadata.url)
                    && text.contains(&format!("expired at {shown}Z")),
                "request {request}: {err:?}: {text}"
            );
        }
        let fetches = metadata.calls.load(Ordering::SeqCst);
        assert!(
            fetches <= 2,
            "{expires_at}: {fetches} fetches for 9 requests"
        );
        assert_eq!(workspace.calls.load(Ordering::SeqCst), 0, "{expires_at}");
    }
}
