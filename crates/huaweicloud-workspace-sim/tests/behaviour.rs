//! Routing, validation, paging, filters and data, over loopback.

mod common;

use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use common::{hundredths, ids, ok, parts, post};
use huaweicloud_workspace_sim::Simulator;
use serde_json::{Value, json};

#[allow(clippy::unwrap_used)]
fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[allow(clippy::unwrap_used)]
async fn rejects(sim: &huaweicloud_workspace_sim::RunningSimulator, body: &str, needle: &str) {
    let (status, has_id, json) = parts(post(sim, body).await).await;
    assert_eq!(status, 400, "{body} -> {json}");
    assert!(has_id);
    assert_eq!(json["error_code"], "WKS.0001", "{json}");
    let msg = json["error_msg"].as_str().unwrap();
    assert!(
        msg.contains(needle),
        "{body}: {msg:?} should name {needle:?}"
    );
}

#[tokio::test]
async fn validation_rules_each_name_the_field() {
    let sim = Simulator::builder().desktops(5).start().await.unwrap();
    rejects(&sim, "{not json", "not valid JSON").await;
    rejects(&sim, "", "not valid JSON").await;
    rejects(&sim, "[1,2]", "JSON object").await;
    rejects(&sim, "\"text\"", "JSON object").await;
    rejects(&sim, r#"{"group_by_type":"WEEK"}"#, "group_by_type").await;
    rejects(&sim, r#"{"group_by_type":"day"}"#, "group_by_type").await;
    for bad in [
        "2024/01/01",
        "2024-1-01",
        "2024-02-30",
        "20240101",
        "2024-01-01T00:00:00Z",
    ] {
        let body = json!({"start_time": bad, "end_time": "2024-01-10"}).to_string();
        rejects(
            &sim,
            &body,
            "start_time must be a date in yyyy-MM-dd format",
        )
        .await;
        let body = json!({"start_time": "2024-01-01", "end_time": bad}).to_string();
        rejects(&sim, &body, "end_time must be a date in yyyy-MM-dd format").await;
    }
    rejects(
        &sim,
        r#"{"start_time":20240101,"end_time":"2024-01-10"}"#,
        "start_time",
    )
    .await;
    rejects(
        &sim,
        r#"{"start_time":"2024-01-10","end_time":"2024-01-09"}"#,
        "end_time (2024-01-09) is earlier than start_time (2024-01-10)",
    )
    .await;
    // 32 days counting both ends is one too many; 31 is fine.
    rejects(
        &sim,
        r#"{"start_time":"2024-01-01","end_time":"2024-02-01"}"#,
        "covers 32 days, at most 31",
    )
    .await;
    ok(
        &sim,
        r#"{"start_time":"2024-01-01","end_time":"2024-01-31"}"#,
    )
    .await;
    ok(
        &sim,
        r#"{"start_time":"2024-01-01","end_time":"2024-01-01"}"#,
    )
    .await;
    rejects(
        &sim,
        r#"{"start_time":"2024-01-01"}"#,
        "end_time is required",
    )
    .await;
    rejects(
        &sim,
        r#"{"end_time":"2024-01-01"}"#,
        "start_time is required",
    )
    .await;
    rejects(
        &sim,
        r#"{"limit":101}"#,
        "limit must be an integer from 0 to 100",
    )
    .await;
    rejects(
        &sim,
        r#"{"limit":-1}"#,
        "limit must be an integer from 0 to 100",
    )
    .await;
    rejects(&sim, r#"{"limit":"10"}"#, "limit").await;
    rejects(&sim, r#"{"limit":1.5}"#, "limit").await;
    ok(&sim, r#"{"limit":0}"#).await;
    ok(&sim, r#"{"limit":100}"#).await;
    rejects(
        &sim,
        r#"{"offset":-1}"#,
        "offset must be an integer from 0 to 2147483647",
    )
    .await;
    rejects(&sim, r#"{"offset":2147483648}"#, "offset").await;
    ok(&sim, r#"{"offset":2147483647}"#).await;
    let ids: Vec<String> = (0..2001).map(|i| format!("id-{i}")).collect();
    rejects(
        &sim,
        &json!({ "desktop_ids": ids }).to_string(),
        "desktop_ids has 2001 items, at most 2000",
    )
    .await;
    ok(&sim, &json!({ "desktop_ids": &ids[..2000] }).to_string()).await;
    rejects(
        &sim,
        r#"{"desktop_ids":"abc"}"#,
        "desktop_ids must be an array of strings",
    )
    .await;
    rejects(
        &sim,
        r#"{"desktop_ids":[1]}"#,
        "desktop_ids must be an array of strings",
    )
    .await;
    rejects(
        &sim,
        r#"{"desktop_username":5}"#,
        "desktop_username must be a string",
    )
    .await;
    let stats = sim.stats();
    assert!(stats.validation_rejected >= 30, "{stats:?}");
    assert_eq!(stats.ok, 6);
    assert_eq!(stats.auth_failed, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_returns_every_desktop_exactly_once_in_a_stable_order() {
    let sim = Simulator::builder()
        .desktops(250)
        .seed(5)
        .start()
        .await
        .unwrap();
    let expected: Vec<String> = sim
        .fleet()
        .desktops()
        .iter()
        .map(|d| d.id.clone())
        .collect();
    for limit in [100usize, 7, 1] {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = ok(
                &sim,
                &json!({"start_time":"2024-03-01","end_time":"2024-03-02","offset":offset,"limit":limit})
                    .to_string(),
            )
            .await;
            assert_eq!(page["total_count"], 250);
            let got = ids(&page);
            assert!(got.len() <= limit);
            if got.is_empty() {
                break;
            }
            offset += got.len();
            seen.extend(got);
            assert!(offset <= 250, "bounded loop");
        }
        assert_eq!(seen, expected, "limit {limit}");
    }
    // Past the end: an empty page with the true total.
    let page = ok(&sim, r#"{"offset":1000}"#).await;
    assert_eq!(ids(&page), Vec::<String>::new());
    assert_eq!(page["total_count"], 250);
    // limit 0: no desktops, the total still.
    let page = ok(&sim, r#"{"limit":0}"#).await;
    assert!(ids(&page).is_empty());
    assert_eq!(page["total_count"], 250);
    // Default limit is 100.
    assert_eq!(ids(&ok(&sim, "{}").await).len(), 100);
    sim.shutdown().await;
}

#[tokio::test]
async fn data_follow_the_fleet_formula_for_days_and_hours() {
    let sim = Simulator::builder()
        .desktops(30)
        .seed(11)
        .start()
        .await
        .unwrap();
    let fleet = sim.fleet().clone();
    let page = ok(
        &sim,
        r#"{"start_time":"2024-02-20","end_time":"2024-03-21"}"#,
    )
    .await;
    let list = page["desktop_used_info_list"].as_array().unwrap();
    assert_eq!(list.len(), 30);
    let mut nonzero = 0;
    for (i, d) in list.iter().enumerate() {
        let spec = &fleet.desktops()[i];
        assert_eq!(d["desktop_id"], spec.id.as_str());
        match &spec.username {
            Some(u) => assert_eq!(d["desktop_username"], u.as_str()),
            None => assert!(d.get("desktop_username").is_none()),
        }
        let periods = d["used_info_list"].as_array().unwrap();
        assert_eq!(periods.len(), 31);
        for (j, p) in periods.iter().enumerate() {
            let day = date("2024-02-20") + Days::new(j as u64);
            assert_eq!(p["date"], day.format("%Y-%m-%d").to_string());
            assert!(p["use_time"].is_number());
            let h = hundredths(&p["use_time"]);
            assert_eq!(h, fleet.daily_hundredths(i, day));
            nonzero += usize::from(h > 0);
        }
    }
    assert!(nonzero > 100, "a realistic share of used days: {nonzero}");

    let page = ok(
        &sim,
        r#"{"start_time":"2024-02-28","end_time":"2024-03-01","group_by_type":"HOUR","limit":3,"offset":4}"#,
    )
    .await;
    for (k, d) in page["desktop_used_info_list"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let i = 4 + k;
        let periods = d["used_info_list"].as_array().unwrap();
        assert_eq!(periods.len(), 3 * 24);
        for (j, p) in periods.iter().enumerate() {
            let day = date("2024-02-28") + Days::new((j / 24) as u64);
            let hour = (j % 24) as u32;
            assert_eq!(
                p["date"],
                format!("{} {hour:02}:00", day.format("%Y-%m-%d"))
            );
            assert_eq!(
                hundredths(&p["use_time"]),
                fleet.hourly_hundredths(i, day, hour)
            );
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn string_hours_and_default_range() {
    let today = date("2024-07-04");
    let sim = Simulator::builder()
        .desktops(10)
        .string_hours(true)
        .today(today)
        .start()
        .await
        .unwrap();
    let page = ok(&sim, "{}").await;
    for (i, d) in page["desktop_used_info_list"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let periods = d["used_info_list"].as_array().unwrap();
        assert_eq!(periods.len(), 15);
        assert_eq!(periods[0]["date"], "2024-06-20");
        assert_eq!(periods[14]["date"], "2024-07-04");
        for (j, p) in periods.iter().enumerate() {
            let text = p["use_time"].as_str().expect("a string");
            let h = sim
                .fleet()
                .daily_hundredths(i, date("2024-06-20") + Days::new(j as u64));
            assert_eq!(text, format!("{}.{:02}", h / 100, h % 100));
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn filters_by_ids_and_user() {
    let sim = Simulator::builder()
        .desktops(120)
        .seed(3)
        .start()
        .await
        .unwrap();
    let fleet = sim.fleet().clone();
    let d = fleet.desktops();
    let wanted = json!({
        "desktop_ids": [d[9].id, "00000000-0000-4000-8000-000000000000", d[2].id, d[9].id],
        "limit": 100
    });
    let page = ok(&sim, &wanted.to_string()).await;
    assert_eq!(ids(&page), vec![d[2].id.clone(), d[9].id.clone()]);
    assert_eq!(page["total_count"], 2);

    // A user with several desktops in the main domain.
    let user = d
        .iter()
        .filter(|x| x.user_domain.is_none())
        .filter_map(|x| x.username.clone())
        .find(|u| d.iter().filter(|x| x.username.as_ref() == Some(u)).count() > 1)
        .expect("a user with several desktops");
    let page = ok(&sim, &json!({ "desktop_username": user }).to_string()).await;
    let got: HashSet<String> = ids(&page).into_iter().collect();
    let want: HashSet<String> = fleet
        .matching(None, Some(&user), None)
        .into_iter()
        .map(|i| d[i].id.clone())
        .collect();
    assert!(want.len() > 1);
    assert_eq!(got, want);
    assert_eq!(page["total_count"], want.len());
    for x in page["desktop_used_info_list"].as_array().unwrap() {
        assert_eq!(x["desktop_username"], user.as_str());
    }
    // Unknown user: nothing, total 0.
    let page = ok(&sim, r#"{"desktop_username":"nobody.at.all"}"#).await;
    assert_eq!(
        page,
        json!({"desktop_used_info_list": [], "total_count": 0})
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_are_404_other_methods_405_all_with_request_ids() {
    let sim = Simulator::builder().desktops(3).start().await.unwrap();
    let c = common::client();
    for path in [
        "/".to_string(),
        "/v2".to_string(),
        format!("/v2/{}/desktop", sim.project_id()),
        format!("/v2/{}/statistics/metrics", sim.project_id()),
        format!("/v1/{}/desktops/statistics/used", sim.project_id()),
        format!("/v2/{}/desktops/statistics/used/extra", sim.project_id()),
    ] {
        let resp = c
            .post(format!("{}{path}", sim.base_url()))
            .body("{}")
            .send()
            .await
            .unwrap();
        let (status, has_id, json) = parts(resp).await;
        assert_eq!(status, 404, "{path}");
        assert!(has_id);
        assert_eq!(json["error_code"], "APIG.0101");
    }
    let resp = c.get(common::url(&sim)).send().await.unwrap();
    assert_eq!(resp.headers()["allow"], "POST");
    let (status, has_id, json) = parts(resp).await;
    assert_eq!(status, 405);
    assert!(has_id);
    assert_eq!(json["error_code"], "APIG.0101");
    let resp = c.put(common::url(&sim)).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 405);
    // The desktop list is a GET route now: POST there is 405 too.
    let list = format!("{}/v2/{}/desktops", sim.base_url(), sim.project_id());
    let resp = c.post(list).body("{}").send().await.unwrap();
    assert_eq!(resp.headers()["allow"], "GET");
    assert_eq!(resp.status(), 405);

    // Request ids differ between requests.
    let a = post(&sim, "{}").await;
    let b = post(&sim, "{}").await;
    assert_ne!(a.headers()["x-request-id"], b.headers()["x-request-id"]);
    let stats = sim.stats();
    assert_eq!(stats.not_found, 6);
    assert_eq!(stats.method_not_allowed, 3);
    assert_eq!(stats.ok, 2);
    assert_eq!(stats.total, 11);
    sim.shutdown().await;
}

#[tokio::test]
async fn response_matches_the_documented_shape() {
    let sim = Simulator::builder().desktops(2).start().await.unwrap();
    let page = ok(
        &sim,
        r#"{"start_time":"2022-12-09","end_time":"2022-12-15"}"#,
    )
    .await;
    let obj = page.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["desktop_used_info_list", "total_count"]);
    // The api crate's wire types decode it, with the same hours.
    let typed: huaweicloud_workspace_api::types::ListUsedDesktopInfoResponse =
        serde_json::from_value(page.clone()).unwrap();
    assert_eq!(typed.desktop_used_info_list.len(), 2);
    for (i, d) in typed.desktop_used_info_list.iter().enumerate() {
        assert_eq!(d.desktop_id, sim.fleet().desktops()[i].id);
        assert_eq!(d.used_info_list.len(), 7);
        for (j, p) in d.used_info_list.iter().enumerate() {
            let day = date("2022-12-09") + Days::new(j as u64);
            assert_eq!(
                p.use_time.hundredths(),
                sim.fleet().daily_hundredths(i, day)
            );
            let raw: &Value = &page["desktop_used_info_list"][i]["used_info_list"][j]["use_time"];
            assert_eq!(p.use_time.hundredths(), hundredths(raw));
        }
    }
    sim.shutdown().await;
}
