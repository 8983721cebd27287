//! Helpers shared by the integration tests: signed requests over loopback.

// Test helpers: a broken setup should fail the test loudly.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use huaweicloud_signer::AccessKeyCredentials;
use huaweicloud_workspace_sim::RunningSimulator;
use serde_json::Value;

pub fn url(sim: &RunningSimulator) -> String {
    format!(
        "{}/v2/{}/desktops/statistics/used",
        sim.base_url(),
        sim.project_id()
    )
}

thread_local! {
    // One client per test thread (each test has its own runtime): building a
    // client is costly, and its pooled connections belong to one runtime.
    static CLIENT: reqwest::Client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
}

pub fn client() -> reqwest::Client {
    CLIENT.with(Clone::clone)
}

/// Sends `body` to `url`, signed with `creds` at `now`.
pub async fn send_signed_at(
    url: &str,
    creds: &AccessKeyCredentials,
    body: &str,
    now: DateTime<Utc>,
) -> reqwest::Result<reqwest::Response> {
    let uri: http::Uri = url.parse().unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    huaweicloud_signer::sign(
        creds,
        &http::Method::POST,
        &uri,
        &mut headers,
        body.as_bytes(),
        now,
    )
    .unwrap();
    client()
        .post(url)
        .headers(headers)
        .body(body.to_string())
        .send()
        .await
}

/// Sends `body` signed with the simulator's credentials, now.
pub async fn post(sim: &RunningSimulator, body: &str) -> reqwest::Response {
    send_signed_at(&url(sim), &sim.credentials(), body, Utc::now())
        .await
        .unwrap()
}

/// Status, `X-Request-Id` presence and JSON body (Null when not JSON).
pub async fn parts(resp: reqwest::Response) -> (u16, bool, Value) {
    let status = resp.status().as_u16();
    let has_id = resp.headers().contains_key("x-request-id");
    let text = resp.text().await.unwrap();
    (
        status,
        has_id,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// Posts and expects 200; returns the body.
pub async fn ok(sim: &RunningSimulator, body: &str) -> Value {
    let (status, has_id, json) = parts(post(sim, body).await).await;
    assert_eq!(status, 200, "{json}");
    assert!(has_id);
    json
}

/// The ids of a page, in order.
pub fn ids(page: &Value) -> Vec<String> {
    page["desktop_used_info_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["desktop_id"].as_str().unwrap().to_string())
        .collect()
}

/// Hundredths of a `use_time`, number or string, without floats.
pub fn hundredths(v: &Value) -> u64 {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("use_time is {other}"),
    };
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    assert!(frac.len() <= 2, "two decimals at most: {text}");
    let frac = format!("{frac:0<2}");
    whole.parse::<u64>().unwrap() * 100 + frac.parse::<u64>().unwrap()
}

/// The URL of `path` (after `/v2/{project_id}`) with `query` form-encoded.
pub fn get_url(sim: &RunningSimulator, path: &str, query: &[(&str, &str)]) -> String {
    let base = format!("{}/v2/{}{path}", sim.base_url(), sim.project_id());
    reqwest::Url::parse_with_params(&base, query)
        .unwrap()
        .to_string()
}

/// Sends a GET of `url` signed with `creds` at `now`; `sent` replaces the
/// URL actually sent (to tamper with a signed query).
pub async fn get_signed(
    url: &str,
    sent: Option<&str>,
    creds: &AccessKeyCredentials,
) -> reqwest::Response {
    let uri: http::Uri = url.parse().unwrap();
    let mut headers = http::HeaderMap::new();
    huaweicloud_signer::sign(
        creds,
        &http::Method::GET,
        &uri,
        &mut headers,
        b"",
        Utc::now(),
    )
    .unwrap();
    client()
        .get(sent.unwrap_or(url))
        .headers(headers)
        .send()
        .await
        .unwrap()
}

/// A signed GET of `path` with `query`: status, request id presence, JSON.
pub async fn get(sim: &RunningSimulator, path: &str, query: &[(&str, &str)]) -> (u16, bool, Value) {
    let url = get_url(sim, path, query);
    parts(get_signed(&url, None, &sim.credentials()).await).await
}

/// A signed GET that must answer 200; its body.
pub async fn get_ok(sim: &RunningSimulator, path: &str, query: &[(&str, &str)]) -> Value {
    let (status, has_id, json) = get(sim, path, query).await;
    assert_eq!(status, 200, "{path} {query:?} -> {json}");
    assert!(has_id);
    json
}

/// A signed GET that must answer 400 `WKS.0001` with `needle` in its message.
pub async fn get_rejected(
    sim: &RunningSimulator,
    path: &str,
    query: &[(&str, &str)],
    needle: &str,
) {
    let (status, has_id, json) = get(sim, path, query).await;
    assert_eq!(status, 400, "{path} {query:?} -> {json}");
    assert!(has_id);
    assert_eq!(json["error_code"], "WKS.0001", "{json}");
    let msg = json["error_msg"].as_str().unwrap();
    assert!(
        msg.contains(needle),
        "{query:?}: {msg:?} should contain {needle:?}"
    );
}

/// The value of metric `name` in an item's `metric` list.
pub fn metric(item: &Value, name: &str) -> u64 {
    item["metric"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric_name"] == name)
        .and_then(|m| m["metric_value"].as_u64())
        .unwrap_or_else(|| panic!("no {name} in {item}"))
}

pub const DESKTOP_METRICS: &str = "/statistics/metrics/desktops";
pub const USER_METRICS: &str = "/statistics/metrics/users";
pub const DESKTOPS: &str = "/desktops";
