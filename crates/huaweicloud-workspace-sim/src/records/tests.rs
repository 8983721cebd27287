//! The records agree with the fleet's hours, vary as the issue asks, keep
//! 30 days, and validate like the service.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const TODAY: &str = "2024-03-31";

fn ask(fleet: &Fleet, query: &str, grown: u64) -> Result<Value, String> {
    let q = QueryParams::parse(Some(query)).unwrap();
    answer(fleet, &RecordsCache::default(), &q, d(TODAY), grown)
        .map(|body| serde_json::from_str(&body).unwrap())
}

fn all(fleet: &Fleet, range: &str) -> Vec<Value> {
    let v = ask(fleet, &format!("{range}&limit=1000"), 0).unwrap();
    let total = v["total_count"].as_u64().unwrap();
    let mut out = Vec::new();
    for offset in (0..total).step_by(1000) {
        let page = ask(fleet, &format!("{range}&limit=1000&offset={offset}"), 0).unwrap();
        out.extend(page["records"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(out.len() as u64, total);
    out
}

fn secs(v: &Value) -> Option<i64> {
    let t = v.as_str()?;
    Some(DateTime::parse_from_rfc3339(t).unwrap().timestamp())
}

#[test]
fn successful_sessions_add_up_to_the_days_hours() {
    let fleet = Fleet::new(3, 60);
    let records = all(
        &fleet,
        "start_time=2024-03-20T00:00Z&end_time=2024-03-30T23:59Z",
    );
    // (desktop, day) -> seconds from setup to end of its successful sessions.
    let mut used: BTreeMap<(String, NaiveDate), i64> = BTreeMap::new();
    for r in &records {
        let (Some(setup), Some(end)) = (
            secs(&r["connection_setup_time"]),
            secs(&r["connection_end_time"]),
        ) else {
            continue;
        };
        let day = DateTime::from_timestamp(setup, 0).unwrap().date_naive();
        *used
            .entry((r["desktop_id"].as_str().unwrap().to_string(), day))
            .or_default() += end - setup;
    }
    let mut checked = 0;
    for (i, spec) in fleet.desktops().iter().enumerate() {
        for day in d("2024-03-21").iter_days().take(9) {
            let want = fleet.daily_hundredths(i, day) as i64 * 36;
            let got = used.get(&(spec.id.clone(), day)).copied().unwrap_or(0);
            assert_eq!(got, want, "desktop {i} on {day}");
            checked += u64::from(want > 0);
        }
    }
    assert!(checked > 100, "{checked} used desktop-days");
}

#[test]
fn records_vary_and_are_unique_newest_first() {
    let fleet = Fleet::new(3, 60);
    let records = all(
        &fleet,
        "start_time=2024-03-25T00:00Z&end_time=2024-03-31T23:59Z",
    );
    let ids: HashSet<&str> = records
        .iter()
        .map(|r| r["transaction_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), records.len());
    let starts: Vec<i64> = records
        .iter()
        .map(|r| secs(&r["connection_start_time"]).unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let failed: Vec<&Value> = records
        .iter()
        .filter(|r| r.get("connection_failure_reason").is_some())
        .collect();
    assert!(!failed.is_empty());
    assert!(
        failed
            .iter()
            .all(|r| r.get("connection_setup_time").is_none() && r.get("network_rtt").is_none())
    );
    assert!(records.iter().any(|r| r["is_reconnect"] == true));
    let open: Vec<&Value> = records
        .iter()
        .filter(|r| {
            r.get("connection_setup_time").is_some() && r.get("connection_end_time").is_none()
        })
        .collect();
    assert!(!open.is_empty());
    assert!(
        open.iter().all(|r| r["connection_setup_time"]
            .as_str()
            .unwrap()
            .starts_with(TODAY)),
        "open only today"
    );
    let terminals: HashSet<&str> = records
        .iter()
        .map(|r| r["terminal_type"].as_str().unwrap())
        .collect();
    assert!(terminals.len() >= 4, "{terminals:?}");
    assert!(records.iter().all(|r| r.get("tenantId").is_some()));
    // A desktop whose user is away may still try, and fail: a failed-only day.
    let mut ok_days = HashSet::new();
    for r in &records {
        if r.get("connection_setup_time").is_some() {
            ok_days.insert((
                r["desktop_id"].as_str(),
                &r["connection_start_time"].as_str().unwrap()[..10],
            ));
        }
    }
    assert!(failed.iter().any(|r| !ok_days.contains(&(
        r["desktop_id"].as_str(),
        &r["connection_start_time"].as_str().unwrap()[..10]
    ))));
    assert_eq!(
        ask(
            &fleet,
            "start_time=2024-03-25T00:00Z&end_time=2024-03-31T23:59Z&limit=5",
            0
        ),
        ask(
            &Fleet::new(3, 60),
            "start_time=2024-03-25T00:00Z&end_time=2024-03-31T23:59Z&limit=5",
            0
        )
    );
}

#[test]
fn only_30_days_are_kept_and_growth_comes_first() {
    let fleet = Fleet::new(3, 40);
    let old = ask(
        &fleet,
        "start_time=2024-02-01T00:00Z&end_time=2024-02-29T23:59Z",
        0,
    )
    .unwrap();
    assert_eq!(old["total_count"], 0);
    let default = ask(&fleet, "", 0).unwrap();
    let kept = ask(
        &fleet,
        "start_time=2024-03-02T00:00Z&end_time=2024-03-31T23:59Z",
        0,
    )
    .unwrap();
    assert_eq!(default["total_count"], kept["total_count"]);
    assert_eq!(
        default["records"].as_array().unwrap().len(),
        20,
        "the default limit"
    );
    let grown = ask(
        &fleet,
        "start_time=2024-03-02T00:00Z&end_time=2024-03-31T23:59Z&limit=3",
        7,
    )
    .unwrap();
    assert_eq!(
        grown["total_count"].as_u64(),
        kept["total_count"].as_u64().map(|n| n + 7)
    );
    assert!(
        grown["records"][0]["connection_start_time"]
            .as_str()
            .unwrap()
            .starts_with("2024-03-31T23:59")
    );
}

#[test]
fn filters_and_validation_follow_the_spec() {
    let fleet = Fleet::new(3, 40);
    let user = fleet
        .desktops()
        .iter()
        .find_map(|s| s.username.clone())
        .unwrap();
    let mine = ask(
        &fleet,
        &format!("user_name={}&limit=1000", user.to_uppercase()),
        0,
    )
    .unwrap();
    let recs = mine["records"].as_array().unwrap();
    assert!(!recs.is_empty() && recs.iter().all(|r| r["user_name"] == user.as_str()));
    let mac = ask(&fleet, "terminal_type=macos&limit=1000", 0).unwrap();
    assert!(
        mac["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["terminal_type"] == "macOS")
    );
    for (query, why) in [
        ("start_time=2024-03-01T00:00Z", "end_time is required"),
        ("end_time=2024-03-01T00:00Z", "start_time is required"),
        (
            "start_time=2024-03-01T00:00:00Z&end_time=2024-03-02T00:00Z",
            "start_time must be yyyy-MM-ddTHH:mmZ",
        ),
        (
            "start_time=2024-03-01&end_time=2024-03-02T00:00Z",
            "start_time must be",
        ),
        (
            "start_time=2024-03-02T00:00Z&end_time=2024-03-01T00:00Z",
            "earlier than start_time",
        ),
        ("limit=1001", "limit must be an integer from 0 to 1000"),
        ("limit=-1", "limit must be"),
        ("offset=x", "offset must be"),
    ] {
        let err = ask(&fleet, query, 0).unwrap_err();
        assert!(err.contains(why), "{query}: {err}");
    }
    assert_eq!(
        ask(&fleet, "limit=0", 0).unwrap()["records"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}
