//! `into_stream()` without desktop ids over several windows: the sorted merge
//! of the windows against scripted servers. Sorted lists are merged with one
//! request per page; unsorted first pages fall back to discovery; a later
//! page out of order, or a desktop added behind the stream's position, is a
//! typed error; a removal mid-stream loses and duplicates nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{ProgressLog, Server, client, d, ids, serve};
use futures::TryStreamExt;
use huaweicloud_workspace::{DesktopUsage, Error, Hours, Period, PeriodUsage};
use serde_json::{Value, json};

/// 91 days: three windows, starting 2024-01-01, 2024-02-01 and 2024-03-03.
const START: &str = "2024-01-01";
const END: &str = "2024-03-31";
const WINDOW_STARTS: [&str; 3] = ["2024-01-01", "2024-02-01", "2024-03-03"];

/// The hundredths a desktop used on the first day of a window (never 0).
fn hundredths(id: &str, window_start: &str) -> u64 {
    let n: u64 = id.bytes().map(u64::from).sum();
    let w: u64 = window_start.bytes().map(u64::from).sum();
    1 + (n * 7 + w) % 500
}

/// A page of `list` (the desktops of the window the request asks for) as the
/// service would cut it, each desktop with one period on the window's first
/// day.
fn window_page(list: &[String], request: &Value, total: usize) -> Value {
    let start = request["start_time"].as_str().unwrap();
    let offset = request["offset"].as_u64().unwrap() as usize;
    let limit = request["limit"].as_u64().unwrap() as usize;
    let items: Vec<Value> = list
        .iter()
        .skip(offset)
        .take(limit)
        .map(|id| {
            json!({
                "desktop_id": id,
                "desktop_username": format!("user-{id}"),
                "used_info_list": [{"date": start, "use_time": format!("{:.2}", hundredths(id, start) as f64 / 100.0)}]
            })
        })
        .collect();
    json!({"desktop_used_info_list": items, "total_count": total})
}

/// What the report must hold for desktops listed per window (window index ->
/// ids): each desktop once, with the periods of the windows that hold it.
fn expected(per_window: &[Vec<String>]) -> Vec<DesktopUsage> {
    let mut all: BTreeMap<String, DesktopUsage> = BTreeMap::new();
    for (w, list) in per_window.iter().enumerate() {
        let start = WINDOW_STARTS[w];
        for id in list {
            let entry = all.entry(id.clone()).or_insert_with(|| DesktopUsage {
                reassignments: Vec::new(),
                desktop_id: id.clone(),
                username: Some(format!("user-{id}")),
                periods: Vec::new(),
            });
            entry.periods.push(PeriodUsage {
                period: Period::Day(d(start)),
                hours: Hours::from_hundredths(hundredths(id, start)),
            });
        }
    }
    all.into_values().collect()
}

fn window_index(request: &Value) -> usize {
    let start = request["start_time"].as_str().unwrap();
    WINDOW_STARTS.iter().position(|s| *s == start).unwrap()
}

/// A server whose window `w` holds `lists[w]`, in that order (only the
/// desktop ids asked for, when there are some).
async fn static_server(lists: Vec<Vec<String>>) -> Server {
    serve(Arc::new(move |_, req| {
        let list = &lists[window_index(req)];
        let asked: Vec<&str> = req["desktop_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if asked.is_empty() {
            window_page(list, req, list.len())
        } else {
            let list: Vec<String> = list
                .iter()
                .filter(|id| asked.contains(&id.as_str()))
                .cloned()
                .collect();
            window_page(&list, req, list.len())
        }
    }))
    .await
}

async fn stream(
    server: &Server,
    page_size: u32,
    concurrency: usize,
) -> Result<Vec<DesktopUsage>, Error> {
    client(server)
        .desktop_usage()
        .range(d(START)..=d(END))
        .page_size(page_size)
        .concurrency(concurrency)
        .into_stream()
        .try_collect()
        .await
}

#[tokio::test]
async fn sorted_windows_are_merged_with_one_request_per_page() {
    let lists = vec![ids(45), ids(45), ids(45)];
    let server = static_server(lists.clone()).await;
    let progress = ProgressLog::default();
    let streamed: Vec<DesktopUsage> = client(&server)
        .desktop_usage()
        .range(d(START)..=d(END))
        .page_size(10)
        .concurrency(4)
        .on_progress(progress.sink())
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, expected(&lists));
    // 3 windows × 5 pages, each once.
    assert_eq!(server.calls.load(Ordering::SeqCst), 15);
    let last = progress.last();
    assert_eq!((last.requests_done, last.requests_planned), (15, Some(15)));

    // send() agrees.
    let report = client(&server)
        .desktop_usage()
        .range(d(START)..=d(END))
        .page_size(10)
        .send()
        .await
        .unwrap();
    assert_eq!(report.desktops, streamed);
}

#[tokio::test]
async fn desktops_of_some_windows_only_carry_those_periods() {
    let all = ids(40);
    let lists = vec![
        all[..20].to_vec(),
        all[10..30].to_vec(),
        vec![all[5].clone(), all[25].clone(), all[39].clone()],
    ];
    let server = static_server(lists.clone()).await;
    for concurrency in [1, 3, 16] {
        let streamed = stream(&server, 7, concurrency).await.unwrap();
        assert_eq!(streamed, expected(&lists), "concurrency {concurrency}");
        let d005 = streamed.iter().find(|x| x.desktop_id == "d005").unwrap();
        assert_eq!(d005.periods.len(), 2); // windows 1 and 3
        let d035 = streamed.iter().find(|x| x.desktop_id == "d035");
        assert!(d035.is_none());
    }
    // An empty window and a window of one desktop.
    let lists = vec![Vec::new(), vec!["only".to_string()], Vec::new()];
    let server = static_server(lists.clone()).await;
    assert_eq!(stream(&server, 100, 8).await.unwrap(), expected(&lists));
    assert_eq!(server.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn unsorted_first_pages_fall_back_to_discovery() {
    let mut reversed = ids(30);
    reversed.reverse();
    let lists = vec![ids(30), reversed.clone(), ids(25)];
    let server = static_server(lists.clone()).await;
    let streamed = stream(&server, 10, 4).await.unwrap();
    assert_eq!(streamed, expected(&lists));
    // More than 3 windows × 3 pages: the first pages, then discovery and batches.
    assert!(server.calls.load(Ordering::SeqCst) > 9);
}

#[tokio::test]
async fn a_later_page_out_of_order_is_an_error() {
    // Sorted first pages; the second page of window 2 breaks the order.
    let mut shuffled = ids(30);
    shuffled.swap(12, 15);
    let lists = vec![ids(30), shuffled, ids(30)];
    let server = static_server(lists).await;
    let err = stream(&server, 10, 2).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { status: 200, reason, request_id: Some(_), .. }
            if reason.contains("stopped returning desktops in id order") && reason.contains("d015")),
        "{err:?}"
    );

    // A page that repeats the end of the previous one breaks it too.
    let mut repeated = ids(30);
    repeated.insert(10, "d009".to_string());
    let lists = vec![ids(30), ids(30), repeated];
    let server = static_server(lists).await;
    let err = stream(&server, 10, 2).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { reason, .. } if reason.contains("id order")),
        "{err:?}"
    );
}

/// Window 2's list becomes `after` once its page at offset 50 is asked for.
/// With a page size of 10 and concurrency 1 (2 pages ahead per window), by
/// then every desktop up to d029 has been emitted.
async fn changing_server(before: Vec<String>, after: Vec<String>) -> (Server, Vec<Vec<String>>) {
    let changed = Arc::new(AtomicBool::new(false));
    let lists = vec![ids(60), before.clone(), ids(60)];
    let served = lists.clone();
    let server = serve(Arc::new(move |_, req| {
        let w = window_index(req);
        if w == 1 {
            if req["offset"].as_u64() == Some(50) {
                changed.store(true, Ordering::SeqCst);
            }
            let list = if changed.load(Ordering::SeqCst) {
                &after
            } else {
                &before
            };
            return window_page(list, req, list.len());
        }
        let list = &served[w];
        window_page(list, req, list.len())
    }))
    .await;
    (server, lists)
}

#[tokio::test]
async fn a_desktop_removed_mid_stream_loses_and_duplicates_nothing() {
    // d005 goes away after it was emitted: every later desktop shifts one
    // place to the left, which plain offset paging would skip.
    let before = ids(60);
    let mut after = before.clone();
    after.remove(5);
    let (server, lists) = changing_server(before, after).await;
    let streamed = stream(&server, 10, 1).await.unwrap();
    assert_eq!(streamed, expected(&lists));
    // Window 2 was paged again (6 more pages, plus the page that told the change).
    assert!(server.calls.load(Ordering::SeqCst) > 18);
}

#[tokio::test]
async fn a_desktop_added_behind_the_position_is_an_error() {
    let before = ids(60);
    let mut after = before.clone();
    after.insert(1, "d000x".to_string());
    let (server, _) = changing_server(before, after).await;
    let err = stream(&server, 10, 1).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { status: 200, reason, request_id: Some(_), .. }
            if reason.contains("d000x") && reason.contains("behind the stream's position")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_desktop_added_ahead_of_the_position_is_emitted() {
    let before = ids(60);
    let mut after = before.clone();
    after.push("d999".to_string());
    let (server, mut lists) = changing_server(before, after.clone()).await;
    lists[1] = after;
    let streamed = stream(&server, 10, 1).await.unwrap();
    assert_eq!(streamed, expected(&lists));
}

#[tokio::test]
async fn a_window_that_keeps_changing_is_an_error_with_the_request_id() {
    let n = Arc::new(AtomicU64::new(0));
    let server = serve(Arc::new(move |_, req| {
        let w = window_index(req);
        if w == 2 && req["offset"].as_u64() == Some(10) {
            // Every second page of window 3 tells a new total.
            let k = n.fetch_add(1, Ordering::SeqCst) as usize;
            return window_page(&ids(30), req, 30 + k + 1);
        }
        window_page(&ids(30), req, 30)
    }))
    .await;
    let err = stream(&server, 10, 2).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { reason, request_id: Some(_), .. } if reason.contains("kept changing")),
        "{err:?}"
    );
}
