//! The metric and inventory queries against the simulator: the numbers
//! agree with the per-day operation, the limits (30 days per user request,
//! 180 days of history) are never broken, and the request counts are what
//! the docs promise.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use futures::StreamExt;
use huaweicloud_workspace::{
    Client, Credentials, DesktopSort, Error, ErrorClass, RetryConfig, SortOrder, UserSort,
};
use huaweicloud_workspace_sim::{
    FaultConfig, FaultKind, FaultPattern, Operation, RunningSimulator, Simulator,
};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const TODAY: &str = "2024-03-01";

async fn sim(desktops: usize) -> RunningSimulator {
    Simulator::builder()
        .desktops(desktops)
        .today(d(TODAY))
        .start()
        .await
        .unwrap()
}

fn client(sim: &RunningSimulator) -> Client {
    Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .build()
        .unwrap()
}

/// 45 whole days before today: two user windows, two per-day windows.
fn range() -> (NaiveDate, NaiveDate) {
    (d("2024-01-15"), d("2024-02-28"))
}

/// Seconds per desktop and per user, from the per-day operation.
async fn from_daily(client: &Client) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let (start, end) = range();
    let report = client
        .desktop_usage()
        .range(start..=end)
        .send()
        .await
        .unwrap();
    let mut desktops = BTreeMap::new();
    let mut users = BTreeMap::new();
    for desktop in &report.desktops {
        let seconds = desktop.total_hours().hundredths() * 36;
        desktops.insert(desktop.desktop_id.clone(), seconds);
        if let Some(user) = &desktop.username {
            *users.entry(user.clone()).or_insert(0) += seconds;
        }
    }
    (desktops, users)
}

#[tokio::test]
async fn desktop_metrics_over_45_days_equal_the_per_day_totals() {
    let sim = sim(130).await;
    let client = client(&sim);
    let (expected, _) = from_daily(&client).await;
    let (start, end) = range();
    let got = client
        .desktop_metrics()
        .today(d(TODAY))
        .range(start..=end)
        .send()
        .await
        .unwrap();
    let got: BTreeMap<String, u64> = got
        .into_iter()
        .map(|m| {
            (
                m.desktop_id.clone(),
                m.usage_seconds.expect("usage reported"),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // 130 desktops, pages of 100: two requests.
    assert_eq!(sim.requests_for(Operation::ListDesktopUsageMetric), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn user_metrics_over_45_days_are_summed_over_30_day_windows() {
    let sim = sim(60).await;
    let client = client(&sim);
    let (_, expected) = from_daily(&client).await;
    let (start, end) = range();
    let users = client
        .user_metrics()
        .today(d(TODAY))
        .range(start..=end)
        .send()
        .await
        .unwrap();
    let got: BTreeMap<String, u64> = users
        .iter()
        .map(|u| (u.username.clone(), u.usage_seconds.expect("usage reported")))
        .filter(|(_, s)| *s > 0)
        .collect();
    let expected: BTreeMap<String, u64> = expected.into_iter().filter(|(_, s)| *s > 0).collect();
    assert_eq!(got, expected);
    for u in &users {
        let (ok, fail, all) = (
            u.login_success_count.unwrap(),
            u.login_fail_count.unwrap(),
            u.login_count.unwrap(),
        );
        assert_eq!(ok + fail, all, "{}", u.username);
    }
    let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "without a sort, users come by name");
    // Two windows (30 + 15 days), one page each: the simulator refuses any
    // window over 30 days, so success says none was sent.
    assert_eq!(sim.requests_for(Operation::ListUserUsageMetric), 2);

    // Sorted by usage over the sums, largest first.
    let by_usage = client
        .user_metrics()
        .today(d(TODAY))
        .range(start..=end)
        .sort(UserSort::Usage, SortOrder::Desc)
        .send()
        .await
        .unwrap();
    let usage: Vec<u64> = by_usage.iter().map(|u| u.usage_seconds.unwrap()).collect();
    assert!(usage.windows(2).all(|w| w[0] >= w[1]), "{usage:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn nothing_older_than_180_days_is_asked_for() {
    let sim = sim(5).await;
    let client = client(&sim);
    let today = d(TODAY);
    let too_old = today.checked_sub_days(Days::new(181)).unwrap();
    for err in [
        client
            .desktop_metrics()
            .today(today)
            .range(too_old..=today)
            .send()
            .await
            .unwrap_err(),
        client
            .user_metrics()
            .today(today)
            .range(too_old..=today)
            .send()
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(&err, Error::InvalidInput { field: "range", rule } if rule.contains("latest 180 days")),
            "{err}"
        );
        assert_eq!(err.class(), ErrorClass::InvalidInput);
    }
    // The oldest day allowed is served.
    let oldest = today.checked_sub_days(Days::new(180)).unwrap();
    client
        .desktop_metrics()
        .today(today)
        .range(oldest..=oldest)
        .send()
        .await
        .unwrap();
    assert_eq!(sim.stats().total, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_metric_filters_name_the_field_and_send_nothing() {
    let sim = sim(5).await;
    let client = client(&sim);
    let q = || client.desktop_metrics().today(d(TODAY)).last_days(7);
    let u = || client.user_metrics().today(d(TODAY)).last_days(7);
    let cases: Vec<(&str, Result<(), Error>)> = vec![
        ("range", client.desktop_metrics().validate()),
        ("min_idle_days", q().min_idle_days(181).validate()),
        ("max_idle_days", q().max_idle_days(1000).validate()),
        ("max_usage_hours", q().max_usage_hours(u32::MAX).validate()),
        ("name", q().name(" ").validate()),
        ("name", q().name("x".repeat(65)).validate()),
        ("page_size", q().page_size(0).validate()),
        ("page_size", q().page_size(101).validate()),
        ("concurrency", q().concurrency(0).validate()),
        ("last_days", q().last_days(0).validate()),
        ("username", u().username("").validate()),
        (
            "min_usage_hours",
            u().min_usage_hours(2_147_483_647).validate(),
        ),
        (
            "range",
            u().range(d("2024-02-02")..=d("2024-02-01")).validate(),
        ),
    ];
    for (field, result) in cases {
        match result {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected an input error, got {other:?}"),
        }
    }
    assert_eq!(sim.stats().total, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn desktop_metrics_sort_and_filter_on_the_service() {
    let sim = sim(40).await;
    let client = client(&sim);
    let idle = client
        .desktop_metrics()
        .today(d(TODAY))
        .last_days(30)
        .sort(DesktopSort::Idle, SortOrder::Desc)
        .page_size(7)
        .send()
        .await
        .unwrap();
    assert_eq!(idle.len(), 40);
    let secs: Vec<u64> = idle.iter().map(|m| m.idle_seconds.unwrap()).collect();
    assert!(secs.windows(2).all(|w| w[0] >= w[1]), "{secs:?}");
    // Pages of 7: ⌈40/7⌉ requests.
    assert_eq!(sim.requests_for(Operation::ListDesktopUsageMetric), 6);

    let one = &idle[3];
    let name = one
        .computer_name
        .clone()
        .expect("the simulator names desktops");
    let found = client
        .desktop_metrics()
        .today(d(TODAY))
        .last_days(30)
        .name(name.clone())
        .send()
        .await
        .unwrap();
    assert!(found.iter().any(|m| m.desktop_id == one.desktop_id));
    assert!(
        found
            .iter()
            .all(|m| m.computer_name.as_deref().unwrap().contains(&name))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_inventory_names_every_desktop_in_one_pass() {
    let sim = sim(2500).await;
    let client = client(&sim);
    let inventory = client.desktops().send().await.unwrap();
    assert_eq!(inventory.desktops.len(), 2500);
    // ⌈2500/1000⌉ requests.
    assert_eq!(sim.requests_for(Operation::ListDesktops), 3);
    assert!(inventory.desktops.iter().all(|d| d.computer_name.is_some()));
    assert!(inventory.desktops.iter().any(|d| d.user_name.is_none()));
    assert!(inventory.desktops.iter().all(|d| d.created.is_some()));

    // A few ids: batches of 100 through the desktop_id filter.
    let ids: Vec<String> = inventory
        .desktops
        .iter()
        .take(250)
        .map(|d| d.desktop_id.clone())
        .collect();
    let some = client
        .desktops()
        .desktop_ids(ids.clone())
        .send()
        .await
        .unwrap();
    let mut got: Vec<String> = some.desktops.iter().map(|d| d.desktop_id.clone()).collect();
    got.sort();
    let mut want = ids;
    want.sort();
    assert_eq!(got, want);
    assert_eq!(sim.requests_for(Operation::ListDesktops), 3 + 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_inventory_denied_by_policy_is_a_permission_error_with_its_message() {
    let sim = Simulator::builder()
        .desktops(5)
        .deny_inventory(true)
        .start()
        .await
        .unwrap();
    let err = client(&sim).desktops().send().await.unwrap_err();
    let meta = err.metadata().expect("the service's answer");
    assert_eq!(meta.status(), 403);
    assert!(meta.encoded_authorization_message().is_some(), "{err}");
    assert_eq!(err.class(), ErrorClass::Authentication);
    // Never retried.
    assert_eq!(sim.requests_for(Operation::ListDesktops), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn asked_ids_the_service_does_not_know_are_listed() {
    let sim = sim(5).await;
    let client = client(&sim);
    let all = client.desktop_usage().last_days(2).send().await.unwrap();
    assert!(all.unknown_ids.is_empty(), "no ids asked, none unknown");
    let known = all.desktops[1].desktop_id.clone();
    let report = client
        .desktop_usage()
        .last_days(2)
        .desktop_ids([
            known.clone(),
            "zz-gone".to_string(),
            "00-missing".to_string(),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(report.desktops.len(), 1);
    assert_eq!(report.desktops[0].desktop_id, known);
    assert_eq!(report.unknown_ids, ["00-missing", "zz-gone"]);
    sim.shutdown().await;
}

/// A simulator of 250 desktops whose every second request fails with a 500,
/// and a client that does not retry and sends one request at a time: the
/// first page arrives, the second fails, the third would arrive.
async fn second_request_fails() -> (RunningSimulator, Client) {
    let sim = Simulator::builder()
        .desktops(250)
        .today(d(TODAY))
        .faults(FaultConfig {
            kinds: vec![FaultKind::Internal500],
            pattern: Some(FaultPattern::Every(2)),
            ..FaultConfig::default()
        })
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .retry(RetryConfig::disabled())
        .concurrency(1)
        .build()
        .unwrap();
    (sim, client)
}

#[tokio::test]
async fn a_failed_page_is_the_last_item_of_the_metrics_stream() {
    let (sim, client) = second_request_fails().await;
    let items: Vec<_> = client
        .desktop_metrics()
        .today(d(TODAY))
        .last_days(30)
        .page_size(100)
        .into_stream()
        .collect()
        .await;
    // The first page, then the error, and nothing of the third page.
    assert_eq!(items.len(), 101, "{:?}", items.last());
    assert!(items[..100].iter().all(Result::is_ok));
    assert!(matches!(items[100], Err(Error::Api(_))), "{:?}", items[100]);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_failed_page_is_the_last_item_of_the_inventory_stream() {
    let (sim, client) = second_request_fails().await;
    let items: Vec<_> = client
        .desktops()
        .page_size(100)
        .into_stream()
        .collect()
        .await;
    assert_eq!(items.len(), 101, "{:?}", items.last());
    assert!(items[..100].iter().all(Result::is_ok));
    assert!(items[100].is_err());
    sim.shutdown().await;
}
