//! A scripted server that changes its list while we page, lies about
//! `total_count`, or sends contradictory data: the facade never loses or
//! duplicates a desktop, and never returns a silently wrong report.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::http::StatusCode;
use common::{Server, client, d, desktop, ids, page_of, serve, sorted_ids, spawn};
use futures::TryStreamExt;
use huaweicloud_workspace::{Client, Credentials, DesktopUsage, Error};
use serde_json::{Value, json};

async fn run_send(server: &Server) -> Result<Vec<DesktopUsage>, Error> {
    client(server)
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-01-01"))
        .concurrency(1)
        .send()
        .await
        .map(|r| r.desktops)
}

#[tokio::test]
async fn a_desktop_added_while_paging_is_not_lost() {
    let v1 = ids(150);
    let mut v2 = v1.clone();
    v2.insert(51, "d050x".to_string());
    let (a, b) = (v1.clone(), v2.clone());
    let server = serve(Arc::new(move |n, req| {
        if n == 0 {
            page_of(&a, req, Some(150))
        } else {
            page_of(&b, req, Some(151))
        }
    }))
    .await;
    let got = run_send(&server).await.unwrap();
    assert_eq!(sorted_ids(&got), v2);
    // Pass 1 was unsound (total changed); pass 2 was sound.
    assert_eq!(server.calls.load(Ordering::SeqCst), 4);

    // The stream: same set, each once.
    server.calls.store(0, Ordering::SeqCst);
    let streamed: Vec<DesktopUsage> = client(&server)
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-01-01"))
        .concurrency(1)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let mut streamed_ids = sorted_ids(&streamed);
    assert_eq!(streamed_ids.len(), 151);
    streamed_ids.sort();
    assert_eq!(streamed_ids, v2);
}

#[tokio::test]
async fn a_desktop_removed_while_paging_does_not_hide_another() {
    let v1 = ids(150);
    let mut v2 = v1.clone();
    v2.remove(10);
    let (a, b) = (v1.clone(), v2.clone());
    let server = serve(Arc::new(move |n, req| {
        if n == 0 {
            page_of(&a, req, Some(150))
        } else {
            page_of(&b, req, Some(149))
        }
    }))
    .await;
    let got = run_send(&server).await.unwrap();
    // d100 moved from page 2 to page 1 between the pages: found on the re-check.
    // d010 existed when the first page was read, so it is reported too.
    assert_eq!(sorted_ids(&got), v1);
}

#[tokio::test]
async fn a_total_count_that_never_adds_up_is_an_error() {
    let list = ids(100);
    let server = serve(Arc::new(move |_, req| page_of(&list, req, Some(150)))).await;
    let err = run_send(&server).await.unwrap_err();
    // The second page is empty while total_count says 50 more: no re-paging
    // can make that add up, so the query stops at once.
    assert!(
        matches!(&err, Error::InvalidResponse { status: 200, reason, request_id: Some(id), .. } if reason.contains("empty although total_count is 150") && id == "req-1"),
        "{err:?}"
    );
    assert_eq!(server.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_page_without_total_count_is_an_error() {
    let list = ids(250);
    let bodies = [
        page_of(&list, &json!({"offset": 0, "limit": 100}), None),
        json!({}),
        json!({"desktop_used_info_list": []}),
    ];
    for body in bodies {
        let answer = body.clone();
        let server = serve(Arc::new(move |_, _| answer.clone())).await;
        let err = run_send(&server).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidResponse { status: 200, reason, request_id: Some(_), .. } if reason.contains("the page has no total_count")),
            "{body}: {err:?}"
        );
        // One request: nothing is read as "the end of the list".
        assert_eq!(server.calls.load(Ordering::SeqCst), 1, "{body}");

        // The stream over several windows too.
        let first = client(&server)
            .desktop_usage()
            .range(d("2024-01-01")..=d("2024-03-31"))
            .into_stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(
            matches!(&first, Error::InvalidResponse { reason, .. } if reason.contains("no total_count")),
            "{body}: {first:?}"
        );

        // The raw wire view stays lenient.
        let page = client(&server)
            .desktop_usage()
            .range(d("2024-01-01")..=d("2024-01-01"))
            .page(0, 100)
            .await
            .unwrap();
        assert_eq!(page.total_count, None, "{body}");
    }
}

#[tokio::test]
async fn the_same_desktop_twice_with_different_hours_is_an_error() {
    let server = serve(Arc::new(|_, _| {
        json!({"desktop_used_info_list": [
            {"desktop_id": "a", "used_info_list": [{"date": "2024-01-01", "use_time": 1}]},
            {"desktop_id": "a", "used_info_list": [{"date": "2024-01-01", "use_time": 2}]}
        ], "total_count": 2})
    }))
    .await;
    let err = run_send(&server).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { reason, request_id: Some(_), .. } if reason.contains("twice")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_exact_duplicate_in_a_page_is_kept_once() {
    let server = serve(Arc::new(|_, _| {
        json!({"desktop_used_info_list": [desktop("a"), desktop("a"), desktop("b")], "total_count": 2})
    }))
    .await;
    let got = run_send(&server).await.unwrap();
    assert_eq!(sorted_ids(&got), ["a", "b"]);
}

#[tokio::test]
async fn a_period_outside_the_window_is_an_error() {
    let server = serve(Arc::new(|_, _| {
        json!({"desktop_used_info_list": [
            {"desktop_id": "a", "used_info_list": [{"date": "2023-12-31", "use_time": 1}]}
        ], "total_count": 1})
    }))
    .await;
    let err = run_send(&server).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { reason, .. } if reason.contains("outside")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_desktop_that_was_not_asked_for_is_an_error() {
    let server = serve(Arc::new(
        |_, _| json!({"desktop_used_info_list": [desktop("a"), desktop("zzz")], "total_count": 2}),
    ))
    .await;
    let err = client(&server)
        .desktop_usage()
        .desktop_ids(["a", "b"])
        .range(d("2024-01-01")..=d("2024-01-01"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { reason, .. } if reason.contains("zzz")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_page_over_the_limit_is_an_error() {
    let list = ids(20);
    let server = serve(Arc::new(move |_, _| {
        let items: Vec<Value> = list.iter().map(|id| desktop(id)).collect();
        json!({"desktop_used_info_list": items, "total_count": 20})
    }))
    .await;
    let err = client(&server)
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-01-01"))
        .page_size(10)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { reason, .. } if reason.contains("more than the limit")),
        "{err:?}"
    );
}

#[tokio::test]
async fn periods_come_out_in_time_order_and_windows_merge() {
    // Each window's periods arrive reversed; two windows for one desktop.
    let server = serve(Arc::new(|_, req| {
        let start = d(req["start_time"].as_str().unwrap());
        let end = d(req["end_time"].as_str().unwrap());
        let mut periods: Vec<Value> = start
            .iter_days()
            .take_while(|x| *x <= end)
            .map(|x| json!({"date": x.format("%Y-%m-%d").to_string(), "use_time": "0.01"}))
            .collect();
        periods.reverse();
        json!({"desktop_used_info_list": [{"desktop_id": "a", "desktop_username": "u", "used_info_list": periods}], "total_count": 1})
    }))
    .await;
    let report = client(&server)
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-03-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(server.calls.load(Ordering::SeqCst), 2);
    let a = &report.desktops[0];
    assert_eq!(a.periods.len(), 61);
    assert!(a.periods.windows(2).all(|w| w[0].period < w[1].period));
    assert_eq!(a.total_hours().to_string(), "0.61");
    assert_eq!(a.active_days(), 61);
    assert_eq!(a.last_active_day(), Some(d("2024-03-01")));
}

#[tokio::test]
async fn a_body_over_the_size_cap_is_refused() {
    // 17 MiB of valid-looking JSON: refused without being decoded.
    let filler = "x".repeat(17 * 1024 * 1024);
    let server = serve(Arc::new(
        move |_, _| json!({"desktop_used_info_list": [], "total_count": 0, "padding": filler}),
    ))
    .await;
    let err = run_send(&server).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { status: 200, reason, .. } if reason.contains("cap")),
        "{err:?}"
    );
}

#[tokio::test]
async fn each_attempt_is_signed_afresh_and_retry_after_is_honoured() {
    use axum::http::HeaderMap;
    let seen: Arc<std::sync::Mutex<Vec<(String, String)>>> = Arc::default();
    let record = Arc::clone(&seen);
    let app = Router::new().fallback(move |headers: HeaderMap| {
        let record = Arc::clone(&record);
        async move {
            let text = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let n = {
                let mut seen = record.lock().unwrap();
                seen.push((text("x-sdk-date"), text("authorization")));
                seen.len()
            };
            if n == 1 {
                // Busy: come back in one second.
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", "1")],
                    String::new(),
                )
            } else {
                (
                    StatusCode::OK,
                    [("content-type", "application/json")],
                    r#"{"desktop_used_info_list":[],"total_count":0}"#.to_string(),
                )
            }
        }
    });
    let base_url = spawn(app).await;
    let client = Client::builder()
        .endpoint(base_url)
        .project_id("p1")
        .credentials(Credentials::access_key("AK", "SK").unwrap())
        .build()
        .unwrap();
    client.desktop_usage().send().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    // The retry waited the second asked for, so its X-Sdk-Date (whole
    // seconds) and therefore its signature differ from the first attempt's.
    assert!(!seen[0].0.is_empty() && !seen[1].0.is_empty());
    assert_ne!(seen[0].0, seen[1].0);
    assert_ne!(seen[0].1, seen[1].1);
}

/// A service that claims 2^31 - 1 desktops and serves none past the first
/// page: the query ends with a typed error after a handful of requests,
/// whatever the range (one window, or several merged).
#[tokio::test]
async fn a_total_the_pages_do_not_hold_ends_paging_quickly() {
    let server = common::serve(Arc::new(|call, request| {
        let offset = request["offset"].as_u64().unwrap_or(0);
        let list = if offset == 0 && call < 1000 {
            vec![json!({"desktop_id": "d-0001", "used_info_list": []})]
        } else {
            vec![]
        };
        json!({"desktop_used_info_list": list, "total_count": 2_147_483_647u64})
    }))
    .await;
    let client = common::client(&server);
    for (start, end) in [("2024-01-01", "2024-01-05"), ("2024-01-01", "2024-03-31")] {
        server.calls.store(0, Ordering::SeqCst);
        // 2^31 - 1 is more pages than any paging takes: refused at once.
        let err = client
            .desktop_usage()
            .range(common::d(start)..=common::d(end))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidResponse { status: 200, reason, .. } if reason.contains("refusing to page")),
            "{start}..{end}: {err:?}"
        );
        let calls = server.calls.load(Ordering::SeqCst);
        assert!(calls <= 64, "{start}..{end}: {calls} requests");
    }
    // A total paging could reach, with empty pages: the first empty one ends it.
    let server = common::serve(Arc::new(|_, request| {
        let offset = request["offset"].as_u64().unwrap_or(0);
        let list = if offset == 0 {
            vec![json!({"desktop_id": "d-0001", "used_info_list": []})]
        } else {
            vec![]
        };
        json!({"desktop_used_info_list": list, "total_count": 1_000_000})
    }))
    .await;
    let client = common::client(&server);
    for (start, end) in [("2024-01-01", "2024-01-05"), ("2024-01-01", "2024-03-31")] {
        server.calls.store(0, Ordering::SeqCst);
        let err = client
            .desktop_usage()
            .range(common::d(start)..=common::d(end))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidResponse { status: 200, reason, .. } if reason.contains("is empty although total_count is 1000000")),
            "{start}..{end}: {err:?}"
        );
        let calls = server.calls.load(Ordering::SeqCst);
        assert!(calls <= 64, "{start}..{end}: {calls} requests");
    }
}

/// A desktop reassigned between two windows of a long range: each period
/// keeps the user the service named in its window, the report's user is
/// the latest, and per-user totals split the hours accordingly.
#[tokio::test]
async fn a_desktop_reassigned_between_windows_keeps_each_periods_user() {
    let server = serve(Arc::new(|_, request| {
        let first = request["start_time"].as_str() == Some("2024-01-01");
        let (user, day) = if first {
            ("alice", "2024-01-05")
        } else {
            ("bob", "2024-02-05")
        };
        json!({
            "desktop_used_info_list": [{
                "desktop_id": "d-1",
                "desktop_username": user,
                "used_info_list": [{"date": day, "use_time": if first { 2 } else { 3 }}],
            }],
            "total_count": 1,
        })
    }))
    .await;
    let report = client(&server)
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-02-20"))
        .send()
        .await
        .unwrap();
    let desktop = &report.desktops[0];
    assert_eq!(desktop.username.as_deref(), Some("bob"), "the latest user");
    assert_eq!(desktop.username_on(d("2024-01-05")), Some("alice"));
    assert_eq!(desktop.username_on(d("2024-02-05")), Some("bob"));
    let users: Vec<(Option<String>, String, usize)> = report
        .totals_per_user()
        .into_iter()
        .map(|u| (u.username, u.hours.to_string(), u.desktops))
        .collect();
    assert_eq!(
        users,
        [
            (Some("alice".to_string()), "2.00".to_string(), 1),
            (Some("bob".to_string()), "3.00".to_string(), 1),
        ]
    );
}
