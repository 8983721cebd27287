//! insta snapshots: a report as a user would print it, and the `Display` of
//! every error variant (one line, request id included, no secret).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::fmt::Write as _;
use std::time::Duration;

use chrono::NaiveDate;
use huaweicloud_workspace::{
    Answer, Client, Credentials, Error, GroupBy, TimeoutScope, UsageReport, decode,
};

fn render(report: &UsageReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "range: {:?}, group_by: {}",
        report.range, report.group_by
    );
    for d in &report.desktops {
        let periods: Vec<String> = d
            .periods
            .iter()
            .map(|p| format!("{}={}", p.period, p.hours))
            .collect();
        let _ = writeln!(
            out,
            "{} {:<18} total={:>6} active_days={} last={:?} [{}]",
            d.desktop_id,
            d.username.as_deref().unwrap_or("-"),
            d.total_hours(),
            d.active_days(),
            d.last_active_day(),
            periods.join(", ")
        );
    }
    for u in report.totals_per_user() {
        let _ = writeln!(
            out,
            "user {} hours={} desktops={} active_days={}",
            u.username.as_deref().unwrap_or("(no user)"),
            u.hours,
            u.desktops,
            u.active_days
        );
    }
    let _ = writeln!(out, "total={}", report.total_hours());
    out
}

/// A fixed page (not the simulator's formula, which may evolve): numbers
/// and strings for hours, a desktop without user, periods out of order.
const PAGE: &str = r#"{"desktop_used_info_list":[
  {"desktop_id":"d-3","desktop_username":"maria.garcia","used_info_list":[
    {"date":"2024-03-03","use_time":"6.18"},{"date":"2024-03-01","use_time":0},{"date":"2024-03-02","use_time":6.45}]},
  {"desktop_id":"d-1","used_info_list":[
    {"date":"2024-03-01","use_time":0},{"date":"2024-03-02","use_time":"0"},{"date":"2024-03-03","use_time":0.00}]},
  {"desktop_id":"d-2","desktop_username":"maria.garcia","used_info_list":[
    {"date":"2024-03-01","use_time":5.57},{"date":"2024-03-02","use_time":"1.83"},{"date":"2024-03-03","use_time":6.47}]},
  {"desktop_id":"d-4","desktop_username":"omar.jones","used_info_list":[
    {"date":"2024-03-01","use_time":"12.62"},{"date":"2024-03-02","use_time":0.01},{"date":"2024-03-03","use_time":0}]}
],"total_count":4}"#;

#[tokio::test]
async fn a_report() {
    let server = httpmock::MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(httpmock::Method::POST);
            then.status(200)
                .header("content-type", "application/json")
                .body(PAGE);
        })
        .await;
    let client = Client::builder()
        .endpoint(server.base_url())
        .project_id("p1")
        .credentials(Credentials::access_key("AK", "SK").unwrap())
        .build()
        .unwrap();
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let report = client
        .desktop_usage()
        .range(day("2024-03-01")..=day("2024-03-03"))
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(render(&report));
}

/// An answer as the transport hands it over.
fn answer(status: u16, body: &str, request_id: Option<&str>) -> Answer {
    Answer {
        status,
        request_id: request_id.map(str::to_string),
        ..Answer::ok(body.as_bytes().to_vec())
    }
}

/// The error a query reports for this answer: the service's answers go
/// through the very decode path a query runs, so the snapshots show what
/// the code does.
fn decoded(status: u16, body: &str, request_id: Option<&str>) -> Error {
    decode::desktop_usage_page(&answer(status, body, request_id), None, GroupBy::Day, 100)
        .expect_err("an error answer")
}

#[test]
fn every_error_display() {
    let rid = Some("0b6c2d1e-request");
    let credentials_error = match Credentials::access_key("AK", " ") {
        Err(e) => e,
        Ok(_) => panic!("a blank SK must be refused"),
    };
    let mut redirect = answer(307, "", rid);
    redirect.location = Some("http://127.0.0.2:8443/v2/p/desktops/statistics/used".into());
    let cases: Vec<(&str, Error)> = vec![
        (
            "invalid_input",
            Error::InvalidInput {
                field: "page_size",
                rule: "must be between 1 and 100, got 0".into(),
            },
        ),
        (
            "authentication",
            decoded(
                401,
                r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#,
                rid,
            ),
        ),
        (
            "clock_skew",
            decoded(
                401,
                r#"{"error_code":"APIG.0303","error_msg":"Incorrect app authentication information: the request time is skewed"}"#,
                rid,
            ),
        ),
        (
            "throttled",
            decoded(
                429,
                r#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 second"}"#,
                rid,
            ),
        ),
        (
            "api",
            decoded(
                400,
                r#"{"error_code":"WKS.0001","error_msg":"The request is invalid: limit must be between 0 and 100.","error_detail":"limit=500"}"#,
                rid,
            ),
        ),
        (
            "api_denied_by_policy",
            decoded(
                403,
                r#"{"error_code":"WKS.0403","error_msg":"Policy doesn't allow workspace:desktops:list","encoded_authorization_message":"vbnpbGUiOm51bGx9"}"#,
                None,
            ),
        ),
        ("redirect", decoded_answer(&redirect)),
        (
            "timeout",
            Error::Timeout {
                scope: TimeoutScope::Attempt,
                after: Duration::from_secs(60),
                attempts: 3,
            },
        ),
        (
            "transport",
            Error::Transport {
                message: "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
                attempts: 3,
            },
        ),
        (
            "invalid_response_html",
            decoded(502, "<html><body><h1>502 Bad Gateway</h1></body></html>\n", rid),
        ),
        ("invalid_response_empty", decoded(503, "", None)),
        (
            "invalid_response_data",
            decoded(200, r#"{"desktop_used_info_list":[]}"#, rid),
        ),
        ("credentials", Error::Credentials(credentials_error)),
        (
            "signing",
            Error::Signing {
                message: "the IAM token is not a valid header value".into(),
            },
        ),
    ];
    for (name, error) in cases {
        let text = error.to_string();
        assert!(!text.contains('\n'), "{name}: one line");
        insta::assert_snapshot!(name, format!("[{:?}] {text}", error.class()));
    }
}

fn decoded_answer(answer: &Answer) -> Error {
    decode::desktop_usage_page(answer, None, GroupBy::Day, 100).expect_err("an error answer")
}
