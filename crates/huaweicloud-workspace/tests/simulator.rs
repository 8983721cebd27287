//! End to end against the simulator: what the facade returns is exactly the
//! simulator's formula, whatever the range, grouping, filters and faults.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{Days, NaiveDate, NaiveTime};
use common::{ProgressLog, d};
use futures::TryStreamExt;
use huaweicloud_workspace::{
    Client, Credentials, DesktopUsage, Error, ErrorClass, GroupBy, Hours, Period, PeriodUsage,
    RetryConfig,
};
use huaweicloud_workspace_sim::{FaultConfig, FaultKind, Fleet, RunningSimulator, Simulator};

/// A simulator of `desktops` desktops generated from `seed`, nothing else set.
async fn simulator(desktops: usize, seed: u64) -> RunningSimulator {
    Simulator::builder()
        .desktops(desktops)
        .seed(seed)
        .start()
        .await
        .unwrap()
}

/// A client of `sim` with its own project and AK/SK, retrying per `retry`.
fn client_with(sim: &RunningSimulator, retry: RetryConfig) -> Client {
    Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .retry(retry)
        .build()
        .unwrap()
}

/// A client of `sim` with the default retries, 5 ms apart at first.
fn client(sim: &RunningSimulator) -> Client {
    client_with(
        sim,
        RetryConfig::default().with_base_delay(Duration::from_millis(5)),
    )
}

fn days(start: NaiveDate, end: NaiveDate) -> Vec<NaiveDate> {
    start.iter_days().take_while(|x| *x <= end).collect()
}

/// What the simulator's formula says a query must return.
fn expected(
    fleet: &Fleet,
    indices: &[usize],
    start: NaiveDate,
    end: NaiveDate,
    group_by: GroupBy,
) -> Vec<DesktopUsage> {
    indices
        .iter()
        .map(|&i| {
            let spec = &fleet.desktops()[i];
            let mut periods = Vec::new();
            for day in days(start, end) {
                match group_by {
                    GroupBy::Day => periods.push(PeriodUsage {
                        period: Period::Day(day),
                        hours: Hours::from_hundredths(fleet.daily_hundredths(i, day)),
                    }),
                    GroupBy::Hour => {
                        for h in 0..24 {
                            periods.push(PeriodUsage {
                                period: Period::Hour(
                                    day.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()),
                                ),
                                hours: Hours::from_hundredths(fleet.hourly_hundredths(i, day, h)),
                            });
                        }
                    }
                }
            }
            DesktopUsage {
                reassignments: Vec::new(),
                desktop_id: spec.id.clone(),
                username: spec.username.clone(),
                periods,
            }
        })
        .collect()
}

#[tokio::test]
async fn a_45_day_range_over_250_desktops_is_exactly_the_formula() {
    let sim = simulator(250, 7).await;
    let (start, end) = (d("2024-01-01"), d("2024-02-14"));
    let report = client(&sim)
        .desktop_usage()
        .range(start..=end)
        .send()
        .await
        .unwrap();
    let all: Vec<usize> = (0..250).collect();
    assert_eq!(
        report.desktops,
        expected(sim.fleet(), &all, start, end, GroupBy::Day)
    );
    assert_eq!(report.range, Some(start..=end));
    // 2 windows (31 + 14 days) × 3 pages of 100, nothing more.
    let stats = sim.stats();
    assert_eq!((stats.total, stats.ok), (6, 6), "{stats:?}");
    let total: u64 = all
        .iter()
        .flat_map(|&i| days(start, end).into_iter().map(move |day| (i, day)))
        .map(|(i, day)| sim.fleet().daily_hundredths(i, day))
        .sum();
    assert_eq!(report.total_hours(), Hours::from_hundredths(total));
    sim.shutdown().await;
}

#[tokio::test]
async fn hour_grouping_over_two_windows() {
    let sim = simulator(12, 3).await;
    let (start, end) = (d("2024-03-30"), d("2024-05-01")); // 33 days
    let report = client(&sim)
        .desktop_usage()
        .range(start..=end)
        .group_by(GroupBy::Hour)
        .send()
        .await
        .unwrap();
    let all: Vec<usize> = (0..12).collect();
    assert_eq!(report.group_by, GroupBy::Hour);
    assert_eq!(
        report.desktops,
        expected(sim.fleet(), &all, start, end, GroupBy::Hour)
    );
    assert!(report.desktops.iter().all(|x| x.periods.len() == 33 * 24));
    sim.shutdown().await;
}

#[tokio::test]
async fn username_filter_returns_that_users_desktops() {
    let sim = simulator(120, 11).await;
    let fleet = sim.fleet();
    // A user with more than one desktop, in the main domain.
    let user = fleet
        .desktops()
        .iter()
        .filter(|x| x.user_domain.is_none())
        .filter_map(|x| x.username.clone())
        .find(|u| fleet.matching(None, Some(u), None).len() > 1)
        .expect("the fleet has a user with several desktops");
    let wanted = fleet.matching(None, Some(&user), None);
    let (start, end) = (d("2024-06-01"), d("2024-06-10"));
    let report = client(&sim)
        .desktop_usage()
        .range(start..=end)
        .username(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(
        report.desktops,
        expected(fleet, &wanted, start, end, GroupBy::Day)
    );
    let users = report.totals_per_user();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username.as_deref(), Some(user.as_str()));
    assert_eq!(users[0].desktops, wanted.len());
    assert_eq!(users[0].hours, report.total_hours());

    // A user of another domain needs the domain: without it, none of that
    // user's desktops; with it, exactly those.
    let spec = fleet
        .desktops()
        .iter()
        .find(|x| x.user_domain.is_some())
        .expect("the fleet has a user outside the main domain");
    let (u, dom) = (
        spec.username.clone().unwrap(),
        spec.user_domain.clone().unwrap(),
    );
    let wanted = fleet.matching(None, Some(&u), Some(&dom));
    assert!(wanted.iter().any(|&i| fleet.desktops()[i].id == spec.id));
    let without_domain = client(&sim)
        .desktop_usage()
        .range(start..=end)
        .username(&u)
        .send()
        .await
        .unwrap();
    assert!(
        without_domain
            .desktops
            .iter()
            .all(|x| x.desktop_id != spec.id),
        "{u}@{dom} matched without its domain"
    );
    assert_eq!(
        without_domain.desktops,
        expected(
            fleet,
            &fleet.matching(None, Some(&u), None),
            start,
            end,
            GroupBy::Day
        )
    );
    let report = client(&sim)
        .desktop_usage()
        .range(start..=end)
        .username(&u)
        .user_domain(&dom)
        .send()
        .await
        .unwrap();
    assert_eq!(
        report.desktops,
        expected(fleet, &wanted, start, end, GroupBy::Day)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn twenty_five_hundred_ids_in_batches() {
    let sim = simulator(2500, 5).await;
    let fleet = sim.fleet();
    // Every id once in reverse order, plus duplicates: sent once each.
    let mut ids: Vec<String> = fleet
        .desktops()
        .iter()
        .rev()
        .map(|x| x.id.clone())
        .collect();
    ids.extend(fleet.desktops()[..40].iter().map(|x| x.id.clone()));
    let (start, end) = (d("2024-02-01"), d("2024-02-03"));
    let report = client(&sim)
        .desktop_usage()
        .desktop_ids(ids)
        .range(start..=end)
        .concurrency(4)
        .send()
        .await
        .unwrap();
    let all: Vec<usize> = (0..2500).collect();
    assert_eq!(
        report.desktops,
        expected(fleet, &all, start, end, GroupBy::Day)
    );
    assert_eq!(sim.stats().total, 25);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_simply_do_not_appear() {
    let sim = simulator(10, 5).await;
    let known = sim.fleet().desktops()[3].id.clone();
    let report = client(&sim)
        .desktop_usage()
        .desktop_ids([known.clone(), "no-such-desktop".to_string()])
        .range(d("2024-02-01")..=d("2024-02-02"))
        .send()
        .await
        .unwrap();
    assert_eq!(report.desktops.len(), 1);
    assert_eq!(report.desktops[0].desktop_id, known);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_fault_rate_of_30_percent_still_gives_the_identical_report() {
    let (start, end) = (d("2023-12-20"), d("2024-02-05")); // 48 days, 2 windows
    let clean = simulator(230, 9).await;
    let faulty = Simulator::builder()
        .desktops(230)
        .seed(9)
        .faults(FaultConfig::new(0.3, FaultKind::ALL).with_slow(Duration::from_millis(20)))
        .start()
        .await
        .unwrap();
    let want = client(&clean)
        .desktop_usage()
        .range(start..=end)
        .send()
        .await
        .unwrap();
    let robust = client_with(
        &faulty,
        RetryConfig::default()
            .with_max_attempts(12)
            .with_base_delay(Duration::from_millis(2))
            .with_throttle_base_delay(Duration::from_millis(2))
            .with_max_delay(Duration::from_millis(20)),
    );
    let got = robust
        .desktop_usage()
        .range(start..=end)
        .send()
        .await
        .unwrap();
    assert_eq!(got, want);
    let all: Vec<usize> = (0..230).collect();
    assert_eq!(
        got.desktops,
        expected(faulty.fleet(), &all, start, end, GroupBy::Day)
    );
    let stats = faulty.stats();
    assert!(stats.faults_injected > 0, "{stats:?}");
    assert_eq!(stats.ok, 6, "{stats:?}");

    // The stream too.
    let streamed: Vec<DesktopUsage> = robust
        .desktop_usage()
        .range(start..=end)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, want.desktops);
    clean.shutdown().await;
    faulty.shutdown().await;
}

#[tokio::test]
async fn authentication_failure_is_not_retried() {
    let sim = Simulator::builder().desktops(5).start().await.unwrap();
    let wrong = Credentials::access_key(sim.credentials().access_key(), "not-the-secret").unwrap();
    let client = Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(wrong)
        .build()
        .unwrap();
    let err = client
        .desktop_usage()
        .last_days(3)
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Authentication(m) => {
            assert_eq!(m.status(), 401);
            assert_eq!(m.code(), Some("APIG.0301"));
            assert!(m.request_id().is_some());
        }
        other => panic!("expected an authentication error, got {other:?}"),
    }
    assert_eq!(err.class(), ErrorClass::Authentication);
    let stats = sim.stats();
    assert_eq!((stats.total, stats.auth_failed), (1, 1), "{stats:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_skewed_clock_is_reported_as_such() {
    let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let sim = Simulator::builder()
        .desktops(5)
        .clock(an_hour_ago)
        .start()
        .await
        .unwrap();
    let err = client(&sim)
        .desktop_usage()
        .last_days(3)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ClockSkew { .. }), "{err:?}");
    assert!(err.to_string().contains("clock"), "{err}");
    assert_eq!(sim.stats().total, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_project_is_refused_without_retry() {
    let sim = Simulator::builder().desktops(5).start().await.unwrap();
    let client = Client::builder()
        .endpoint(sim.base_url())
        .project_id("ffffffffffffffffffffffffffffffff")
        .credentials(Credentials::AccessKey(sim.credentials()))
        .build()
        .unwrap();
    let err = client.desktop_usage().send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Authentication(m) if m.status() == 403),
        "{err:?}"
    );
    assert_eq!(sim.stats().total, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn iam_token_mode_and_string_hours() {
    let sim = Simulator::builder()
        .desktops(30)
        .seed(2)
        .iam_token("an-iam-token")
        .string_hours(true)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::iam_token("an-iam-token").unwrap())
        .build()
        .unwrap();
    let (start, end) = (d("2024-01-10"), d("2024-01-12"));
    let report = client
        .desktop_usage()
        .range(start..=end)
        .send()
        .await
        .unwrap();
    let all: Vec<usize> = (0..30).collect();
    assert_eq!(
        report.desktops,
        expected(sim.fleet(), &all, start, end, GroupBy::Day)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_default_range_is_the_services_latest_15_days() {
    let today = d("2024-04-20");
    let sim = Simulator::builder()
        .desktops(7)
        .today(today)
        .start()
        .await
        .unwrap();
    let report = client(&sim).desktop_usage().send().await.unwrap();
    assert_eq!(report.range, None);
    let start = today.checked_sub_days(Days::new(14)).unwrap();
    let all: Vec<usize> = (0..7).collect();
    assert_eq!(
        report.desktops,
        expected(sim.fleet(), &all, start, today, GroupBy::Day)
    );

    // last_days(n) ends today (our clock, injected here), today included.
    let report = client(&sim)
        .desktop_usage()
        .today(today)
        .last_days(40)
        .send()
        .await
        .unwrap();
    let start = today.checked_sub_days(Days::new(39)).unwrap();
    assert_eq!(report.range, Some(start..=today));
    assert_eq!(
        report.desktops,
        expected(sim.fleet(), &all, start, today, GroupBy::Day)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn streams_match_send_in_every_mode() {
    let sim = simulator(260, 4).await;
    let c = client(&sim);
    let one_window = || {
        c.desktop_usage()
            .range(d("2024-01-01")..=d("2024-01-05"))
            .page_size(37)
    };
    let many_windows = || {
        c.desktop_usage()
            .range(d("2024-01-01")..=d("2024-03-05"))
            .page_size(90)
    };
    let ids: Vec<String> = sim.fleet().desktops()[..150]
        .iter()
        .map(|x| x.id.clone())
        .collect();
    let by_ids = || {
        c.desktop_usage()
            .desktop_ids(ids.clone())
            .range(d("2023-12-01")..=d("2024-01-05"))
            .concurrency(3)
    };
    for (name, query) in [
        ("one window", one_window()),
        ("many windows", many_windows()),
        ("ids", by_ids()),
    ] {
        let report = query.clone().send().await.unwrap();
        let streamed: Vec<DesktopUsage> = query.into_stream().try_collect().await.unwrap();
        assert_eq!(streamed, report.desktops, "{name}");
        assert!(
            streamed
                .windows(2)
                .all(|w| w[0].desktop_id < w[1].desktop_id),
            "{name}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_stream_over_four_windows_costs_what_send_costs() {
    let sim = simulator(250, 11).await;
    let (start, end) = (d("2024-01-01"), d("2024-04-04")); // 95 days: 4 windows
    let all: Vec<usize> = (0..250).collect();
    let want = expected(sim.fleet(), &all, start, end, GroupBy::Day);
    let progress = ProgressLog::default();
    let streamed: Vec<DesktopUsage> = client(&sim)
        .desktop_usage()
        .range(start..=end)
        .concurrency(5)
        .on_progress(progress.sink())
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, want);
    // 4 windows × 3 pages of 100, each requested once.
    assert_eq!(sim.stats().total, 12);
    let last = progress.last();
    assert_eq!((last.requests_done, last.requests_planned), (12, Some(12)));

    let report = client(&sim)
        .desktop_usage()
        .range(start..=end)
        .send()
        .await
        .unwrap();
    assert_eq!(report.desktops, streamed);
    assert_eq!(sim.stats().total, 24);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_raw_page() {
    let sim = simulator(25, 8).await;
    let page = client(&sim)
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-01-02"))
        .page(20, 10)
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(25));
    assert_eq!(page.desktops.len(), 5);
    assert!(page.request_id.is_some());
    assert_eq!(page.desktops[0].desktop_id, sim.fleet().desktops()[20].id);
    sim.shutdown().await;
}

#[tokio::test]
async fn progress_reaches_the_plan() {
    let sim = simulator(150, 1).await;
    let progress = ProgressLog::default();
    client(&sim)
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-02-10"))
        .on_progress(progress.sink())
        .send()
        .await
        .unwrap();
    assert_eq!(progress.all().len(), 4); // 2 windows × 2 pages
    let last = progress.last();
    assert_eq!(last.requests_done, 4);
    assert_eq!(last.requests_planned, Some(4));
    sim.shutdown().await;
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let sim = Simulator::builder().desktops(5).start().await.unwrap();
    let c = client(&sim);
    let cases: Vec<(&str, huaweicloud_workspace::DesktopUsageQuery)> = vec![
        (
            "range",
            c.desktop_usage().range(d("2024-02-01")..=d("2024-01-01")),
        ),
        ("desktop_ids", c.desktop_usage().desktop_ids(["a", " "])),
        (
            "desktop_ids",
            c.desktop_usage().desktop_ids(Vec::<String>::new()),
        ),
        ("page_size", c.desktop_usage().page_size(0)),
        ("page_size", c.desktop_usage().page_size(101)),
        ("concurrency", c.desktop_usage().concurrency(0)),
        ("last_days", c.desktop_usage().last_days(0)),
        ("username", c.desktop_usage().username("  ")),
        ("user_domain", c.desktop_usage().user_domain("example.com")),
    ];
    for (field, query) in cases {
        let err = query.clone().validate().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field: f, .. } if *f == field),
            "{field}: {err:?}"
        );
        assert_eq!(err.class(), ErrorClass::InvalidInput);
        let err = query.clone().send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }));
        let first = Box::pin(query.into_stream()).try_next().await.unwrap_err();
        assert!(matches!(first, Error::InvalidInput { .. }));
    }
    assert_eq!(sim.stats().total, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn throttling_by_the_service_is_absorbed() {
    // A rate limit of 20 requests per second against 8 concurrent pages.
    let sim = Simulator::builder()
        .desktops(1500)
        .seed(6)
        .rate_limit(20.0)
        .start()
        .await
        .unwrap();
    let c = client_with(
        &sim,
        RetryConfig::default()
            .with_max_attempts(8)
            .with_throttle_base_delay(Duration::from_millis(100)),
    );
    let pages = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&pages);
    let report = c
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-01-02"))
        .page_size(50)
        .on_progress(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .send()
        .await
        .unwrap();
    assert_eq!(report.desktops.len(), 1500);
    assert_eq!(pages.load(Ordering::Relaxed), 30);
    let stats = sim.stats();
    assert_eq!(stats.ok, 30, "{stats:?}");
    sim.shutdown().await;
}
