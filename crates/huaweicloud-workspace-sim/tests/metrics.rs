//! The desktop and user usage metrics over loopback: validation, totals that
//! agree with the per-day operation, filters, sorting and paging.

// Test helpers: a broken setup should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use common::{DESKTOP_METRICS, USER_METRICS, get, get_ok, get_rejected, hundredths, metric, ok};
use huaweicloud_workspace_sim::{RunningSimulator, Simulator};
use serde_json::{Value, json};

const START: &str = "2024-02-01T00:00:00Z";
const END: &str = "2024-02-08T00:00:00Z"; // seven whole days: Feb 1 to Feb 7

async fn sim(desktops: usize) -> RunningSimulator {
    Simulator::builder()
        .desktops(desktops)
        .seed(5)
        .today(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())
        .start()
        .await
        .unwrap()
}

/// Every item of every page, with limit 100.
async fn all_items(sim: &RunningSimulator, path: &str, extra: &[(&str, &str)]) -> Vec<Value> {
    let mut items = Vec::new();
    for page in 0..100 {
        let offset = (page * 100).to_string();
        let mut q = vec![("start_time", START), ("end_time", END)];
        q.extend_from_slice(extra);
        q.push(("offset", &offset));
        q.push(("limit", "100"));
        let body = get_ok(sim, path, &q).await;
        let got = body["items"].as_array().unwrap().clone();
        let count = body["count"].as_u64().unwrap() as usize;
        let done = got.is_empty() || items.len() + got.len() >= count;
        items.extend(got);
        if done {
            break;
        }
    }
    items
}

/// Per desktop id: (user, hundredths per day) from the per-day operation over Feb 1-7.
async fn per_day(sim: &RunningSimulator) -> BTreeMap<String, (Option<String>, Vec<u64>)> {
    let mut out = BTreeMap::new();
    for offset in (0..1000).step_by(100) {
        let body = json!({"start_time": "2024-02-01", "end_time": "2024-02-07",
            "offset": offset, "limit": 100});
        let page = ok(sim, &body.to_string()).await;
        let list = page["desktop_used_info_list"].as_array().unwrap();
        for d in list {
            let days = d["used_info_list"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| hundredths(&p["use_time"]))
                .collect();
            let user = d["desktop_username"].as_str().map(str::to_string);
            out.insert(d["desktop_id"].as_str().unwrap().to_string(), (user, days));
        }
        if list.is_empty() || out.len() as u64 >= page["total_count"].as_u64().unwrap() {
            break;
        }
    }
    out
}

#[tokio::test]
async fn validation_rules_each_name_the_parameter() {
    let sim = sim(5).await;
    let base = [("start_time", START), ("end_time", END)];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut q = base.to_vec();
        q.extend_from_slice(extra);
        q
    };
    for path in [DESKTOP_METRICS, USER_METRICS] {
        get_rejected(&sim, path, &[("end_time", END)], "start_time is required").await;
        get_rejected(&sim, path, &[("start_time", START)], "end_time is required").await;
        for bad in [
            "2024-02-01",
            "2024-02-01T00:00:00",
            "2024-02-01T00:00:00.000Z",
            "x",
        ] {
            let q = [("start_time", bad), ("end_time", END)];
            get_rejected(&sim, path, &q, "start_time must be a UTC time").await;
            let q = [("start_time", START), ("end_time", bad)];
            get_rejected(&sim, path, &q, "end_time must be a UTC time").await;
        }
        let q = [("start_time", END), ("end_time", START)];
        get_rejected(&sim, path, &q, "is earlier than start_time").await;
        // Today is 2024-03-01: 180 days back is 2023-09-03.
        let q = [
            ("start_time", "2023-09-02T23:59:59Z"),
            ("end_time", "2023-09-10T00:00:00Z"),
        ];
        get_rejected(&sim, path, &q, "within the latest 180 days").await;
        let q = [
            ("start_time", "2023-09-03T00:00:00Z"),
            ("end_time", "2023-09-10T00:00:00Z"),
        ];
        get_ok(&sim, path, &q).await;
        for (name, bad, rule) in [
            (
                "offset",
                "-1",
                "offset must be an integer from 0 to 2147483646",
            ),
            ("offset", "2147483647", "offset must be an integer"),
            ("limit", "0", "limit must be an integer from 1 to 100"),
            ("limit", "101", "limit must be an integer from 1 to 100"),
            ("limit", "ten", "limit must be an integer"),
            (
                "usage_min_hours",
                "-1",
                "usage_min_hours must be an integer",
            ),
            (
                "usage_max_hours",
                "2147483647",
                "usage_max_hours must be an integer",
            ),
            ("sort_type", "desc", "sort_type must be one of ASC, DESC"),
        ] {
            get_rejected(&sim, path, &with(&[(name, bad)]), rule).await;
        }
        get_rejected(
            &sim,
            path,
            &with(&[("sort_type", "ASC")]),
            "sort_type is only allowed with sort_field",
        )
        .await;
        get_rejected(
            &sim,
            path,
            &with(&[("sort_field", "cpu")]),
            "sort_field must be one of",
        )
        .await;
    }
    for (name, bad, rule) in [
        (
            "min_idle_days",
            "181",
            "min_idle_days must be an integer from 0 to 180",
        ),
        (
            "max_idle_days",
            "-1",
            "max_idle_days must be an integer from 0 to 180",
        ),
        (
            "resource_name",
            "",
            "resource_name must be 1 to 64 characters",
        ),
        (
            "sort_field",
            "user_usage",
            "sort_field must be one of desktop_usage, desktop_idle_duration",
        ),
    ] {
        get_rejected(&sim, DESKTOP_METRICS, &with(&[(name, bad)]), rule).await;
    }
    let long = "n".repeat(65);
    let q = [
        ("start_time", START),
        ("end_time", END),
        ("username", long.as_str()),
    ];
    get_rejected(
        &sim,
        USER_METRICS,
        &q,
        "username must be 0 to 64 characters",
    )
    .await;
    get_rejected(
        &sim,
        USER_METRICS,
        &with(&[("sort_field", "desktop_usage")]),
        "sort_field must be one of user_usage",
    )
    .await;
    // Users: at most 30 days; exactly 30 is fine. Desktops: longer is fine.
    let q = [
        ("start_time", "2024-01-01T00:00:00Z"),
        ("end_time", "2024-01-31T00:00:01Z"),
    ];
    get_rejected(&sim, USER_METRICS, &q, "at most 30 days").await;
    get_ok(&sim, DESKTOP_METRICS, &q).await;
    let q = [
        ("start_time", "2024-01-01T00:00:00Z"),
        ("end_time", "2024-01-31T00:00:00Z"),
    ];
    get_ok(&sim, USER_METRICS, &q).await;
    assert_eq!(sim.stats().ok, 4, "only the valid queries were answered");
}

#[tokio::test]
async fn desktop_totals_agree_with_the_per_day_operation() {
    let sim = sim(230).await;
    let days = per_day(&sim).await;
    let items = all_items(&sim, DESKTOP_METRICS, &[]).await;
    assert_eq!(items.len(), 230);
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        230,
        "each desktop once"
    );
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "default order is by id");
    let mut used = 0;
    for item in &items {
        let id = item["resource_id"].as_str().unwrap();
        let (user, hours) = &days[id];
        assert_eq!(
            metric(item, "desktop_usage"),
            hours.iter().sum::<u64>() * 36,
            "{id}"
        );
        let trailing = hours.iter().rev().take_while(|h| **h == 0).count() as u64;
        assert_eq!(
            metric(item, "desktop_idle_duration"),
            trailing * 86_400,
            "{id}"
        );
        assert_eq!(item["latest_connect_username"].as_str(), user.as_deref());
        let i = sim.fleet().index_of(id).unwrap();
        assert_eq!(item["resource_name"].as_str(), sim.fleet().computer_name(i));
        used += usize::from(metric(item, "desktop_usage") > 0);
    }
    assert!(used > 100, "most desktops were used: {used}");
    assert!(items.iter().any(|i| i["latest_connect_username"].is_null()));
    assert!(items.iter().any(|i| i["resource_pool_id"].is_string()));
}

#[tokio::test]
async fn user_totals_agree_with_the_per_day_operation() {
    let sim = sim(230).await;
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for (user, hours) in per_day(&sim).await.into_values() {
        if let Some(u) = user {
            *want.entry(u).or_default() += hours.iter().sum::<u64>() * 36;
        }
    }
    let items = all_items(&sim, USER_METRICS, &[]).await;
    let got: BTreeMap<String, u64> = items
        .iter()
        .map(|i| {
            (
                i["username"].as_str().unwrap().to_string(),
                metric(i, "user_usage"),
            )
        })
        .collect();
    assert_eq!(got.len(), items.len(), "each user once");
    assert_eq!(got, want);
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["username"].as_str().unwrap())
        .collect();
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "default order is by name"
    );
    for i in &items {
        let (s, f) = (
            metric(i, "user_login_success_count"),
            metric(i, "user_login_fail_count"),
        );
        assert_eq!(metric(i, "user_login_count"), s + f);
        if metric(i, "user_usage") > 0 {
            assert!(s >= 1, "{i}");
        } else {
            assert_eq!(s, 0, "{i}");
        }
    }
    assert!(items.iter().any(|i| metric(i, "user_login_fail_count") > 0));
}

#[tokio::test]
async fn sorting_filters_and_paging() {
    let sim = sim(120).await;
    // Sorting: DESC by default, ties by id; ASC the other way round.
    for (sort_type, desc) in [(None, true), (Some("DESC"), true), (Some("ASC"), false)] {
        let mut extra = vec![("sort_field", "desktop_usage")];
        if let Some(t) = sort_type {
            extra.push(("sort_type", t));
        }
        let items = all_items(&sim, DESKTOP_METRICS, &extra).await;
        assert_eq!(items.len(), 120);
        let mut ties = 0;
        for w in items.windows(2) {
            let (a, b) = (
                metric(&w[0], "desktop_usage"),
                metric(&w[1], "desktop_usage"),
            );
            assert!(
                if desc { a >= b } else { a <= b },
                "{sort_type:?}: {a} then {b}"
            );
            if a == b {
                assert!(w[0]["resource_id"].as_str() < w[1]["resource_id"].as_str());
                ties += 1;
            }
        }
        // The tie rule was checked: the unused desktops all tie at 0.
        assert!(ties > 0, "{sort_type:?}: no ties to order");
    }
    let users = all_items(
        &sim,
        USER_METRICS,
        &[("sort_field", "user_usage"), ("sort_type", "ASC")],
    )
    .await;
    assert!(
        users
            .windows(2)
            .all(|w| metric(&w[0], "user_usage") <= metric(&w[1], "user_usage"))
    );

    // Paging: default limit 10, count over all pages, no overlap.
    let page = |offset: &'static str| {
        let sim = &sim;
        async move {
            get_ok(
                sim,
                DESKTOP_METRICS,
                &[("start_time", START), ("end_time", END), ("offset", offset)],
            )
            .await
        }
    };
    let (first, second) = (page("0").await, page("10").await);
    assert_eq!(first["items"].as_array().unwrap().len(), 10);
    assert_eq!(first["count"], 120);
    assert_eq!(second["count"], 120);
    assert_ne!(first["items"][0], second["items"][0]);
    assert_eq!(page("120").await["items"].as_array().unwrap().len(), 0);

    // Filters.
    let name = sim.fleet().computer_name(3).unwrap().to_string();
    let part = name.to_lowercase();
    let got = all_items(&sim, DESKTOP_METRICS, &[("resource_name", &part)]).await;
    assert!(got.iter().any(|i| i["resource_name"] == name.as_str()));
    assert!(got.iter().all(|i| {
        i["resource_name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains(&part)
    }));
    let id = sim.fleet().desktops()[7].id.clone();
    let got = all_items(&sim, DESKTOP_METRICS, &[("resource_id", &id)]).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["resource_id"], id.as_str());
    let got = all_items(&sim, DESKTOP_METRICS, &[("resource_id", &id[..10])]).await;
    assert!(got.is_empty(), "resource_id is exact");
    let all = all_items(&sim, DESKTOP_METRICS, &[]).await;
    let idle = all_items(&sim, DESKTOP_METRICS, &[("min_idle_days", "7")]).await;
    let want: Vec<&Value> = all
        .iter()
        .filter(|i| metric(i, "desktop_idle_duration") >= 7 * 86_400)
        .collect();
    assert_eq!(idle.iter().collect::<Vec<_>>(), want);
    assert!(!idle.is_empty());
    let busy = all_items(
        &sim,
        DESKTOP_METRICS,
        &[("usage_min_hours", "20"), ("usage_max_hours", "60")],
    )
    .await;
    let want: Vec<&Value> = all
        .iter()
        .filter(|i| (20 * 3600..=60 * 3600).contains(&metric(i, "desktop_usage")))
        .collect();
    assert_eq!(busy.iter().collect::<Vec<_>>(), want);
    assert!(!busy.is_empty());
    let none = all_items(
        &sim,
        DESKTOP_METRICS,
        &[("usage_min_hours", "9"), ("usage_max_hours", "3")],
    )
    .await;
    assert!(
        none.is_empty(),
        "a maximum below the minimum matches nothing"
    );
    let user = sim
        .fleet()
        .desktops()
        .iter()
        .find_map(|d| d.username.clone())
        .unwrap();
    let fragment = user[1..4].to_uppercase();
    let got = all_items(&sim, USER_METRICS, &[("username", &fragment)]).await;
    assert!(got.iter().any(|i| i["username"] == user.as_str()));
    assert!(got.iter().all(|i| {
        i["username"]
            .as_str()
            .unwrap()
            .to_uppercase()
            .contains(&fragment)
    }));
    let domain_users = all_items(&sim, USER_METRICS, &[("domain", "BRANCH.example.com")]).await;
    let want: HashSet<&str> = sim
        .fleet()
        .desktops()
        .iter()
        .filter(|d| d.user_domain.is_some())
        .filter_map(|d| d.username.as_deref())
        .collect();
    assert_eq!(
        domain_users
            .iter()
            .map(|i| i["username"].as_str().unwrap())
            .collect::<HashSet<_>>(),
        want
    );
}

#[tokio::test]
async fn a_range_without_a_whole_day_is_empty() {
    let sim = sim(20).await;
    for path in [DESKTOP_METRICS, USER_METRICS] {
        let q = [
            ("start_time", "2024-02-01T00:00:00Z"),
            ("end_time", "2024-02-01T23:59:58Z"),
        ];
        let body = get_ok(&sim, path, &q).await;
        assert_eq!(body, json!({"count": 0, "items": []}));
        // The record of 2024-02-01 is stamped 23:59:59: one second more counts it.
        let q = [
            ("start_time", "2024-02-01T00:00:00Z"),
            ("end_time", "2024-02-01T23:59:59Z"),
        ];
        assert!(get_ok(&sim, path, &q).await["count"].as_u64().unwrap() > 0);
    }
    // Today's record does not exist yet.
    let q = [
        ("start_time", "2024-03-01T00:00:00Z"),
        ("end_time", "2024-03-05T00:00:00Z"),
    ];
    assert_eq!(get_ok(&sim, DESKTOP_METRICS, &q).await["count"], 0);
    let (status, _, _) = get(&sim, DESKTOP_METRICS, &q).await;
    assert_eq!(status, 200);
}
