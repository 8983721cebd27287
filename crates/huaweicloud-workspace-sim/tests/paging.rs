//! Paging, the same for every list operation: pages laid end to end are the
//! whole list, every page tells the same total, an offset past the end is an
//! empty page with that total, and `offset`/`limit` are checked against each
//! operation's own bounds with the same words.

// Test helpers: a broken setup should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::{DESKTOP_METRICS, DESKTOPS, USER_METRICS, get_ok, get_rejected, ids, ok, parts, post};
use huaweicloud_workspace_sim::{RunningSimulator, Simulator};
use serde_json::Value;

const RANGE: [(&str, &str); 2] = [
    ("start_time", "2024-02-01T00:00:00Z"),
    ("end_time", "2024-02-10T00:00:00Z"),
];

async fn sim() -> RunningSimulator {
    Simulator::builder()
        .desktops(57)
        .seed(5)
        .today(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())
        .start()
        .await
        .unwrap()
}

/// The GET list operations: path, the list's field, the total's field, an
/// item's key, the base query, and the limit's bounds.
struct GetList {
    path: &'static str,
    items: &'static str,
    total: &'static str,
    key: &'static str,
    query: &'static [(&'static str, &'static str)],
    limits: (i64, i64),
}

const GET_LISTS: [GetList; 3] = [
    GetList {
        path: DESKTOPS,
        items: "desktops",
        total: "total_count",
        key: "desktop_id",
        query: &[],
        limits: (0, 1000),
    },
    GetList {
        path: DESKTOP_METRICS,
        items: "items",
        total: "count",
        key: "resource_id",
        query: &RANGE,
        limits: (1, 100),
    },
    GetList {
        path: USER_METRICS,
        items: "items",
        total: "count",
        key: "username",
        query: &RANGE,
        limits: (1, 100),
    },
];

fn keys(body: &Value, list: &GetList) -> Vec<String> {
    body[list.items]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[list.key].as_str().unwrap().to_string())
        .collect()
}

async fn get_page(sim: &RunningSimulator, list: &GetList, offset: &str, limit: &str) -> Value {
    let mut q = list.query.to_vec();
    q.extend([("offset", offset), ("limit", limit)]);
    get_ok(sim, list.path, &q).await
}

#[tokio::test]
async fn get_pages_tile_the_list_and_agree_on_the_total() {
    let sim = sim().await;
    for list in &GET_LISTS {
        let whole = get_page(&sim, list, "0", &list.limits.1.to_string()).await;
        let total = whole[list.total].as_u64().unwrap();
        let all = keys(&whole, list);
        assert_eq!(all.len() as u64, total, "{}", list.path);
        assert!(total > 7, "{}: {total} items", list.path);
        let mut tiled = Vec::new();
        for offset in (0..total).step_by(7) {
            let page = get_page(&sim, list, &offset.to_string(), "7").await;
            assert_eq!(page[list.total].as_u64(), Some(total), "{}", list.path);
            tiled.extend(keys(&page, list));
        }
        assert_eq!(tiled, all, "{}", list.path);
        for past in [total.to_string(), "2147483646".to_string()] {
            let page = get_page(&sim, list, &past, "5").await;
            assert_eq!(page[list.total].as_u64(), Some(total), "{}", list.path);
            assert!(keys(&page, list).is_empty(), "{} offset {past}", list.path);
        }
    }
}

#[tokio::test]
async fn get_offset_and_limit_bounds_are_each_operations_own() {
    let sim = sim().await;
    for list in &GET_LISTS {
        let (min, max) = list.limits;
        for limit in [min - 1, max + 1] {
            let mut q = list.query.to_vec();
            let text = limit.to_string();
            q.push(("limit", &text));
            let msg = format!(
                "The request is invalid: limit must be an integer from {min} to {max}, got {text:?}."
            );
            get_rejected(&sim, list.path, &q, &msg).await;
        }
        let mut q = list.query.to_vec();
        q.push(("offset", "2147483647"));
        let msg = "The request is invalid: offset must be an integer from 0 to 2147483646, got \"2147483647\".";
        get_rejected(&sim, list.path, &q, msg).await;
        // The offset is checked before the limit.
        q.push(("limit", "x"));
        get_rejected(&sim, list.path, &q, "offset must be").await;
        let page = get_page(&sim, list, "0", &min.to_string()).await;
        assert_eq!(keys(&page, list).len() as i64, min, "{}", list.path);
    }
}

#[tokio::test]
async fn per_day_pages_tile_and_keep_their_json_bounds() {
    let sim = sim().await;
    let whole = ok(&sim, r#"{"limit":100}"#).await;
    assert_eq!(whole["total_count"], 57);
    let mut tiled = Vec::new();
    for offset in (0..57).step_by(10) {
        let page = ok(&sim, &format!(r#"{{"offset":{offset},"limit":10}}"#)).await;
        assert_eq!(page["total_count"], 57);
        tiled.extend(ids(&page));
    }
    assert_eq!(tiled, ids(&whole));
    let past = ok(&sim, r#"{"offset":2147483647,"limit":0}"#).await;
    assert_eq!(past["total_count"], 57);
    assert!(ids(&past).is_empty());
    for (body, msg) in [
        (
            r#"{"limit":101}"#,
            "The request is invalid: limit must be an integer from 0 to 100, got 101.",
        ),
        (
            r#"{"offset":-1,"limit":"x"}"#,
            "The request is invalid: offset must be an integer from 0 to 2147483647, got -1.",
        ),
    ] {
        let (status, _, json) = parts(post(&sim, body).await).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(json["error_msg"], msg, "{body}");
    }
}
