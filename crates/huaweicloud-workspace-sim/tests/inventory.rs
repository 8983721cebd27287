//! ListDesktops over loopback, and what the new routes share with the old
//! one: signatures over the query string, 405, throttling, faults, counters.

// Test helpers: a broken setup should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use chrono::NaiveDate;
use common::{
    DESKTOP_METRICS, DESKTOPS, USER_METRICS, get, get_ok, get_rejected, get_signed, get_url, parts,
};
use huaweicloud_workspace_sim::{FaultConfig, FaultKind, Operation, RunningSimulator, Simulator};
use serde_json::Value;

const TODAY: (i32, u32, u32) = (2024, 3, 1);

async fn sim(desktops: usize) -> RunningSimulator {
    Simulator::builder()
        .desktops(desktops)
        .seed(11)
        .today(NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).unwrap())
        .start()
        .await
        .unwrap()
}

fn desktops(body: &Value) -> &Vec<Value> {
    body["desktops"].as_array().unwrap()
}

#[tokio::test]
async fn lists_every_desktop_with_names_users_and_dates() {
    let sim = sim(150).await;
    let body = get_ok(&sim, DESKTOPS, &[]).await;
    assert_eq!(body["total_count"], 150);
    let list = desktops(&body);
    assert_eq!(list.len(), 150, "default limit 1000 takes them all");
    let today = NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).unwrap();
    for (i, (d, spec)) in list.iter().zip(sim.fleet().desktops()).enumerate() {
        assert_eq!(d["desktop_id"], spec.id.as_str());
        assert_eq!(d["computer_name"].as_str(), sim.fleet().computer_name(i));
        assert_eq!(d["user_name"].as_str(), spec.username.as_deref());
        let attached = d["attach_user_infos"].as_array().unwrap();
        assert_eq!(attached.len(), usize::from(spec.username.is_some()));
        let created = d["created"].as_str().unwrap();
        let day = NaiveDate::parse_from_str(&created[..10], "%Y-%m-%d").unwrap();
        assert!(day <= today && created.ends_with(".000Z"), "{created}");
    }
    assert!(list.iter().any(|d| d["user_name"].is_null()));
    assert!(
        list.iter()
            .any(|d| !d["computer_name"].as_str().unwrap().is_ascii())
    );
    let recent = list
        .iter()
        .filter(|d| d["created"].as_str().unwrap() >= "2024-02-23")
        .count();
    assert!(recent > 0, "some desktops are new");

    // Paging with a small limit gives the same desktops, once each.
    let mut paged = Vec::new();
    for offset in (0..200).step_by(7) {
        let o = offset.to_string();
        let page = get_ok(&sim, DESKTOPS, &[("offset", &o), ("limit", "7")]).await;
        assert_eq!(page["total_count"], 150);
        if desktops(&page).is_empty() {
            break;
        }
        paged.extend(desktops(&page).iter().cloned());
    }
    assert_eq!(&paged, list);
    let zero = get_ok(&sim, DESKTOPS, &[("limit", "0")]).await;
    assert_eq!(
        (zero["total_count"].as_u64(), desktops(&zero).len()),
        (Some(150), 0)
    );
}

#[tokio::test]
async fn filters_and_their_rules() {
    let sim = sim(150).await;
    let all = get_ok(&sim, DESKTOPS, &[]).await;
    let all = desktops(&all);
    let pick = |q: &[(&str, &str)], keep: &dyn Fn(&Value) -> bool| {
        let want: Vec<Value> = all.iter().filter(|d| keep(d)).cloned().collect();
        let q: Vec<(String, String)> = q
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let sim = &sim;
        async move {
            let q: Vec<(&str, &str)> = q.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let got = get_ok(sim, DESKTOPS, &q).await;
            assert!(!want.is_empty(), "{q:?} should match some desktops");
            assert_eq!(desktops(&got), &want, "{q:?}");
            assert_eq!(got["total_count"].as_u64(), Some(want.len() as u64));
        }
    };
    let s = |d: &Value, k: &str| d[k].as_str().unwrap_or("").to_string();
    let name = s(&all[4], "computer_name");
    let fragment = name[4..7].to_lowercase();
    pick(&[("computer_name", &fragment)], &|d| {
        s(d, "computer_name").to_lowercase().contains(&fragment)
    })
    .await;
    let user = all
        .iter()
        .find_map(|d| d["user_name"].as_str())
        .unwrap()
        .to_string();
    let upper = user.to_uppercase();
    pick(&[("user_name", &upper)], &|d| {
        s(d, "user_name").to_uppercase().contains(&upper)
    })
    .await;
    pick(&[("status", "shutoff")], &|d| d["status"] == "SHUTOFF").await;
    let ids = format!("{},{}", s(&all[9], "desktop_id"), s(&all[2], "desktop_id"));
    pick(&[("desktop_id", &ids)], &|d| {
        d["desktop_id"] == all[9]["desktop_id"] || d["desktop_id"] == all[2]["desktop_id"]
    })
    .await;
    let ip = s(&all[5], "ip_address");
    pick(&[("desktop_ip", &ip)], &|d| s(d, "ip_address") == ip).await;
    pick(&[("desktop_type", "DEDICATED")], &|d| {
        d["desktop_type"] == "DEDICATED"
    })
    .await;
    pick(&[("tag", "dept=FIN")], &|d| {
        d["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["key"] == "dept" && t["value"] == "FIN")
    })
    .await;
    let pool = all
        .iter()
        .find_map(|d| d["pool_id"].as_str())
        .unwrap()
        .to_string();
    pick(&[("pool_id", &pool)], &|d| s(d, "pool_id") == pool).await;
    pick(&[("enterprise_project_id", "0")], &|d| {
        d["enterprise_project_id"] == "0"
    })
    .await;

    let many: Vec<String> = (0..101).map(|i| format!("id-{i}")).collect();
    get_rejected(
        &sim,
        DESKTOPS,
        &[("desktop_id", &many.join(","))],
        "desktop_id has 101 ids, at most 100",
    )
    .await;
    get_ok(&sim, DESKTOPS, &[("desktop_id", &many[..100].join(","))]).await;
    for (name, bad, rule) in [
        ("limit", "1001", "limit must be an integer from 0 to 1000"),
        ("limit", "-1", "limit must be an integer from 0 to 1000"),
        ("offset", "-5", "offset must be an integer"),
        (
            "desktop_type",
            "POOLED",
            "desktop_type must be DEDICATED or SHARED",
        ),
        ("tag", "dept", "tag must be key=value"),
    ] {
        get_rejected(&sim, DESKTOPS, &[(name, bad)], rule).await;
    }
}

#[tokio::test]
async fn deny_inventory_refuses_only_the_desktop_list() {
    let sim = Simulator::builder()
        .desktops(10)
        .deny_inventory(true)
        .start()
        .await
        .unwrap();
    let (status, has_id, body) = get(&sim, DESKTOPS, &[]).await;
    assert_eq!(status, 403, "{body}");
    assert!(has_id);
    assert_eq!(body["error_code"], "WKS.0003");
    assert!(
        body["error_msg"]
            .as_str()
            .unwrap()
            .contains("workspace:desktops:list")
    );
    assert!(
        !body["encoded_authorization_message"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    let today = chrono::Utc::now().date_naive();
    let start = format!("{}T00:00:00Z", today - chrono::Days::new(3));
    let end = format!("{today}T00:00:00Z");
    let q = [("start_time", start.as_str()), ("end_time", end.as_str())];
    get_ok(&sim, DESKTOP_METRICS, &q).await;
    get_ok(&sim, USER_METRICS, &q).await;
    assert_eq!(sim.requests_for(Operation::ListDesktops), 1);
    assert_eq!(sim.stats().forbidden, 1);
}

#[tokio::test]
async fn signatures_cover_the_query_string() {
    let sim = sim(10).await;
    let url = get_url(&sim, DESKTOPS, &[("limit", "5"), ("computer_name", "WKS")]);
    let (status, _, _) = parts(get_signed(&url, None, &sim.credentials()).await).await;
    assert_eq!(status, 200);
    for tampered in [
        url.replace("limit=5", "limit=6"),
        url.replace("&computer_name=WKS", ""),
        format!("{url}&status=ACTIVE"),
    ] {
        let (status, has_id, body) =
            parts(get_signed(&url, Some(&tampered), &sim.credentials()).await).await;
        assert_eq!(status, 401, "{tampered} -> {body}");
        assert!(has_id);
        assert_eq!(body["error_code"], "APIG.0301");
    }
    // No signature at all.
    let resp = common::client().get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(sim.stats().auth_failed, 4);
}

#[tokio::test]
async fn routes_methods_counters_throttling_and_faults() {
    let sim = sim(10).await;
    // POST on a GET route: 405 naming GET.
    let url = format!(
        "{}/v2/{}/statistics/metrics/users",
        sim.base_url(),
        sim.project_id()
    );
    let resp = common::send_signed_at(&url, &sim.credentials(), "{}", chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers()["allow"], "GET");
    let (status, _, body) = get(&sim, "/statistics/metrics/cpu", &[]).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (404, Some("APIG.0101"))
    );
    get_ok(&sim, DESKTOPS, &[]).await;
    get_ok(&sim, DESKTOPS, &[("limit", "1")]).await;
    get_rejected(&sim, USER_METRICS, &[], "start_time is required").await;
    assert_eq!(sim.requests_for(Operation::ListDesktops), 2);
    assert_eq!(
        sim.requests_for(Operation::ListUserUsageMetric),
        1,
        "405 counts for no operation"
    );
    assert_eq!(sim.requests_for(Operation::ListDesktopUsageMetric), 0);
    assert_eq!(sim.requests_for(Operation::ListUsedDesktopInfo), 0);
    assert_eq!(
        Operation::from_operation_id("list_desktops"),
        Some(Operation::ListDesktops)
    );
    assert_eq!(
        Operation::ListUserUsageMetric.operation_id(),
        "list_user_usage_metric"
    );
    sim.shutdown().await;

    // A rate limit of one request (burst 1, refilled every 1000 s) throttles the second.
    let sim = Simulator::builder()
        .desktops(5)
        .rate_limit(0.001)
        .start()
        .await
        .unwrap();
    get_ok(&sim, DESKTOPS, &[]).await;
    let (status, has_id, body) = get(&sim, DESKTOPS, &[]).await;
    assert_eq!(
        (status, has_id, body["error_code"].as_str()),
        (429, true, Some("APIG.0308"))
    );
    assert_eq!(sim.requests_for(Operation::ListDesktops), 2);
    sim.shutdown().await;

    // Faults apply to the new routes as to the old one.
    let sim = Simulator::builder()
        .desktops(5)
        .faults(FaultConfig::new(1.0, [FaultKind::Internal500]))
        .start()
        .await
        .unwrap();
    for path in [DESKTOPS, DESKTOP_METRICS, USER_METRICS] {
        let (status, has_id, body) = get(&sim, path, &[]).await;
        assert_eq!(
            (status, has_id, body["error_code"].as_str()),
            (500, true, Some("WKS.9999"))
        );
    }
    let ids: HashSet<u64> = [
        Operation::ListDesktops,
        Operation::ListDesktopUsageMetric,
        Operation::ListUserUsageMetric,
    ]
    .into_iter()
    .map(|op| sim.requests_for(op))
    .collect();
    assert_eq!(ids, HashSet::from([1]));
    assert_eq!(sim.stats().faults_injected, 3);
}
