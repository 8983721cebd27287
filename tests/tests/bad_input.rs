//! Bad input to the facade, table-driven: each case is an
//! `Error::InvalidInput` (exit class 2) whose `Display` names the field and
//! states the rule, and the simulator it would have talked to sees no request.
//!
//! Field names alone are also checked by the facade's own tests
//! (`crates/huaweicloud-workspace/tests/builder.rs`,
//! `tests/simulator.rs::invalid_input_sends_nothing`); this table adds the
//! rule text, the zero-request check, and the cases they do not have.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use chrono::NaiveDate;
use futures::TryStreamExt;
use huaweicloud_workspace::{
    Client, ClientBuilder, Credentials, Error, ErrorClass, Region, RetryConfig,
};
use huaweicloud_workspace_sim::{RunningSimulator, Simulator};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A builder aimed at the simulator, with no process environment read.
fn to_sim(sim: &RunningSimulator) -> ClientBuilder {
    Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .env(|_| None)
}

fn check(name: &str, err: &Error, field: &str, rule: &str, wrong: &mut Vec<String>) {
    let text = err.to_string();
    if !matches!(err, Error::InvalidInput { field: f, .. } if f.starts_with(field)) {
        wrong.push(format!(
            "{name}: expected InvalidInput on {field}, got {err:?}"
        ));
        return;
    }
    if err.class() != ErrorClass::InvalidInput {
        wrong.push(format!("{name}: class {:?}", err.class()));
    }
    if !text.contains(field) || !text.to_lowercase().contains(&rule.to_lowercase()) {
        wrong.push(format!(
            "{name}: {field:?} and {rule:?} not both in: {text}"
        ));
    }
}

#[tokio::test]
async fn every_bad_setting_is_named_with_its_rule_and_nothing_is_sent() {
    let sim = Simulator::builder().desktops(3).start().await.unwrap();
    let url = sim.base_url();
    let builders: Vec<(&str, ClientBuilder, &str, &str)> = vec![
        (
            "no region, no endpoint",
            Client::builder()
                .project_id("p")
                .credentials(Credentials::AccessKey(sim.credentials()))
                .env(|_| None),
            "region",
            "is required",
        ),
        (
            "unknown region text",
            Client::builder()
                .region("Not A Region")
                .project_id("p")
                .credentials(Credentials::AccessKey(sim.credentials()))
                .env(|_| None),
            "region",
            "lowercase",
        ),
        (
            "malformed endpoint",
            to_sim(&sim).endpoint("http//x"),
            "endpoint",
            "not a URL",
        ),
        (
            "endpoint scheme",
            to_sim(&sim).endpoint(url.replace("http", "ftp")),
            "endpoint",
            "scheme must be http or https",
        ),
        (
            "endpoint without host",
            to_sim(&sim).endpoint("http://"),
            "endpoint",
            "URL",
        ),
        (
            "endpoint with a query",
            to_sim(&sim).endpoint(format!("{url}/?x=1")),
            "endpoint",
            "query string",
        ),
        (
            "endpoint with a user",
            to_sim(&sim).endpoint(url.replace("http://", "http://u:p@")),
            "endpoint",
            "user name or password",
        ),
        (
            "region override variable malformed",
            Client::builder()
                .region(Region::CN_NORTH_4)
                .project_id("p")
                .credentials(Credentials::AccessKey(sim.credentials()))
                .env(|name| {
                    (name == "HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4")
                        .then(|| "gopher://x".to_string())
                }),
            "region endpoint override",
            "scheme",
        ),
        (
            "missing project id",
            Client::builder()
                .endpoint(&url)
                .credentials(Credentials::AccessKey(sim.credentials()))
                .env(|_| None),
            "project_id",
            "is required",
        ),
        (
            "blank project id",
            to_sim(&sim).project_id("  "),
            "project_id",
            "empty or blank",
        ),
        (
            "project id with a slash",
            to_sim(&sim).project_id("a/b"),
            "project_id",
            "letters, digits",
        ),
        (
            "concurrency 0",
            to_sim(&sim).concurrency(0),
            "concurrency",
            "at least 1",
        ),
        (
            "max_attempts 0",
            to_sim(&sim).retry(RetryConfig::default().with_max_attempts(0)),
            "retry.max_attempts",
            "at least 1",
        ),
        (
            "attempt timeout 0",
            to_sim(&sim).attempt_timeout(Duration::ZERO),
            "attempt_timeout",
            "longer than zero",
        ),
        (
            "operation timeout 0",
            to_sim(&sim).operation_timeout(Duration::ZERO),
            "operation_timeout",
            "longer than zero",
        ),
        (
            "connect timeout 0",
            to_sim(&sim).connect_timeout(Duration::ZERO),
            "connect_timeout",
            "longer than zero",
        ),
        (
            "user agent with a line break",
            to_sim(&sim).user_agent("a\r\nX-Evil: 1"),
            "user_agent",
            "line breaks",
        ),
        (
            "root certificate not PEM",
            to_sim(&sim).add_root_certificate_pem(b"not a certificate"),
            "root_certificate",
            "CERTIFICATE",
        ),
        (
            "root certificate PEM without a certificate",
            to_sim(&sim).add_root_certificate_pem(
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            ),
            "root_certificate",
            "CERTIFICATE",
        ),
        (
            "own client with a connect timeout",
            to_sim(&sim)
                .http_client(reqwest_client())
                .connect_timeout(Duration::from_secs(1)),
            "http_client",
            "cannot be combined",
        ),
    ];
    let mut wrong = Vec::new();
    let n_builders = builders.len();
    for (name, builder, field, rule) in builders {
        match builder.build() {
            Ok(_) => wrong.push(format!("{name}: built")),
            Err(err) => check(name, &err, field, rule, &mut wrong),
        }
    }

    let c = to_sim(&sim).build().unwrap();
    let many: Vec<String> = (0..2001).map(|i| format!("d{i}")).collect();
    let queries = vec![
        (
            "start after end",
            c.desktop_usage().range(d("2024-02-01")..=d("2024-01-31")),
            "range",
            "after",
        ),
        (
            "last 0 days",
            c.desktop_usage().last_days(0),
            "last_days",
            "at least 1",
        ),
        (
            "last days out of the calendar",
            c.desktop_usage().today(d("2024-01-01")).last_days(u32::MAX),
            "last_days",
            "out of the calendar",
        ),
        (
            "empty id list",
            c.desktop_usage().desktop_ids(Vec::<String>::new()),
            "desktop_ids",
            "empty list",
        ),
        (
            "empty id",
            c.desktop_usage().desktop_ids(["a", ""]),
            "desktop_ids",
            "#2",
        ),
        (
            "whitespace id",
            c.desktop_usage().desktop_ids(["\t "]),
            "desktop_ids",
            "blank",
        ),
        (
            "page size 0",
            c.desktop_usage().page_size(0),
            "page_size",
            "between 1 and 100",
        ),
        (
            "page size 101",
            c.desktop_usage().page_size(101),
            "page_size",
            "between 1 and 100",
        ),
        (
            "query concurrency 0",
            c.desktop_usage().concurrency(0),
            "concurrency",
            "at least 1",
        ),
        (
            "blank user name",
            c.desktop_usage().username(" "),
            "username",
            "blank",
        ),
        (
            "blank domain",
            c.desktop_usage().username("u").user_domain(" "),
            "user_domain",
            "blank",
        ),
        (
            "domain without user",
            c.desktop_usage().user_domain("corp"),
            "user_domain",
            "username",
        ),
    ];
    let n_queries = queries.len();
    for (name, query, field, rule) in queries {
        match query.clone().send().await {
            Ok(_) => wrong.push(format!("{name}: sent")),
            Err(err) => check(name, &err, field, rule, &mut wrong),
        }
        match Box::pin(query.into_stream()).try_next().await {
            Err(err) => check(name, &err, field, rule, &mut wrong),
            Ok(x) => wrong.push(format!("{name}: the stream gave {x:?}")),
        }
    }
    // The raw page's own limits.
    let pages = vec![
        (
            "raw page limit 101",
            c.desktop_usage().page(0, 101).await,
            "limit",
            "between 0 and 100",
        ),
        (
            "raw page offset over i32",
            c.desktop_usage().page(u32::MAX, 10).await,
            "offset",
            "at most",
        ),
        (
            "raw page with 2001 ids",
            c.desktop_usage().desktop_ids(many).page(0, 10).await,
            "desktop_ids",
            "2000",
        ),
    ];
    let n_pages = pages.len();
    for (name, result, field, rule) in pages {
        match result {
            Ok(_) => wrong.push(format!("{name}: sent")),
            Err(err) => check(name, &err, field, rule, &mut wrong),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(n_builders + n_queries + n_pages >= 30);
    assert_eq!(sim.stats().total, 0, "a bad input sent a request");
    sim.shutdown().await;
}

/// A caller's own HTTP client (any will do: the check is on the builder),
/// made as the crate documents: with the default `rustls` feature reqwest has
/// no crypto provider of its own, so `reqwest::Client::new()` would panic.
fn reqwest_client() -> reqwest::Client {
    huaweicloud_workspace::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
}
