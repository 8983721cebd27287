//! The adaptive rate limiter and the adaptive concurrency, end to end
//! against the simulator's per-key rate limit. Only counts are asserted
//! (requests, 429s, the limit the client chose), never durations.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use chrono::NaiveDate;
use futures::StreamExt;
use huaweicloud_workspace::{Client, Concurrency, Credentials, Error, RetryConfig};
use huaweicloud_workspace_sim::{FaultConfig, FaultKind, RunningSimulator, Simulator, Stats};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 2,000 desktops behind a limit of 20 requests per second.
async fn limited() -> RunningSimulator {
    Simulator::builder()
        .desktops(2000)
        .seed(5)
        .rate_limit(20.0)
        .start()
        .await
        .unwrap()
}

fn client(sim: &RunningSimulator, concurrency: Concurrency, retry: RetryConfig) -> Client {
    Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .concurrency(concurrency)
        .retry(retry)
        .build()
        .unwrap()
}

/// 90 days (3 windows) of 2,000 desktops: 60 pages, then the simulator's counts.
async fn report(client: &Client, sim: &RunningSimulator) -> Stats {
    let report = client
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-03-30"))
        .send()
        .await
        .unwrap();
    assert_eq!(report.desktops.len(), 2000);
    let stats = sim.stats();
    assert_eq!(stats.ok, 60, "{stats:?}");
    stats
}

/// Retries 429s quickly (50 ms base) and often enough to always finish,
/// so that only the limiter decides how often the service is hit.
fn eager(adaptive: bool) -> RetryConfig {
    RetryConfig::default()
        .with_throttle_base_delay(Duration::from_millis(50))
        .with_max_attempts(100)
        .with_max_throttled_attempts(100)
        .with_adaptive(adaptive)
}

/// With the limiter, a handful of 429s (the first burst, then one or two
/// per probe of the CUBIC curve); without it, every retry hits the empty
/// bucket again. Measured: 7 or 8 with it, over 100 without.
const BOUND: u64 = 25;

#[tokio::test]
async fn the_adaptive_limiter_keeps_429s_under_a_bound_that_without_it_is_exceeded() {
    let sim = limited().await;
    let with = report(&client(&sim, Concurrency::Fixed(8), eager(true)), &sim).await;
    sim.shutdown().await;
    let sim = limited().await;
    let without = report(&client(&sim, Concurrency::Fixed(8), eager(false)), &sim).await;
    sim.shutdown().await;
    assert!(with.throttled <= BOUND, "with the limiter: {with:?}");
    assert!(
        without.throttled > BOUND,
        "without the limiter: {without:?}"
    );
}

#[tokio::test]
async fn auto_concurrency_halves_on_each_wave_of_429s_down_to_its_minimum() {
    // Every request answered 429, and the rate limiter off so that only
    // the concurrency reacts: each retry is a new wave (sent after the
    // last decrease), 8 -> 4 -> 2 -> 1, and nothing succeeds to regrow it.
    let sim = Simulator::builder()
        .desktops(300)
        .seed(5)
        .faults(FaultConfig::new(1.0, [FaultKind::Throttle429]))
        .start()
        .await
        .unwrap();
    let retry = RetryConfig::default()
        .with_adaptive(false)
        .with_max_attempts(5)
        .with_throttle_base_delay(Duration::from_millis(1));
    let c = client(&sim, Concurrency::Auto, retry);
    assert_eq!(c.concurrency_limit(), Concurrency::AUTO_START);
    let err = c
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-01-31"))
        .send()
        .await
        .unwrap_err();
    sim.shutdown().await;
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
    assert_eq!(c.concurrency_limit(), Concurrency::AUTO_MIN);
}

#[tokio::test]
async fn auto_concurrency_grows_while_round_trips_stay_flat() {
    // 50 ms on every answer and no limit: nothing queues, so the limit
    // grows past where it started, and more pages go at once.
    let sim = Simulator::builder()
        .desktops(2000)
        .seed(5)
        .latency(Duration::from_millis(50), Duration::ZERO)
        .start()
        .await
        .unwrap();
    let c = client(&sim, Concurrency::Auto, RetryConfig::default());
    let stats = report(&c, &sim).await;
    sim.shutdown().await;
    assert_eq!(stats.throttled, 0);
    assert!(
        c.concurrency_limit() > Concurrency::AUTO_START
            && c.concurrency_peak() > Concurrency::AUTO_START,
        "limit {}, peak {}",
        c.concurrency_limit(),
        c.concurrency_peak()
    );
}

#[tokio::test]
async fn a_pinned_concurrency_does_not_use_the_adaptive_limit() {
    let sim = Simulator::builder()
        .desktops(2000)
        .seed(5)
        .latency(Duration::from_millis(50), Duration::ZERO)
        .start()
        .await
        .unwrap();
    let c = client(&sim, Concurrency::Fixed(3), RetryConfig::default());
    report(&c, &sim).await;
    sim.shutdown().await;
    assert_eq!(c.concurrency_limit(), 3);
    // The adaptive limit was never used.
    assert_eq!(c.concurrency_peak(), 0);
}

#[tokio::test]
async fn a_pinned_query_runs_while_an_auto_stream_is_paused_on_its_first_desktop() {
    // The CLI's pattern: take the first desktop of the usage stream, then
    // read the inventory before going on. The paused stream's requests hold
    // their places in the shared limit until it is polled again; a query
    // with places of its own must not wait for them. (The timeout only
    // turns a hang into a failure.)
    let sim = Simulator::builder()
        .desktops(2000)
        .seed(5)
        .latency(Duration::from_millis(50), Duration::ZERO)
        .start()
        .await
        .unwrap();
    let c = client(&sim, Concurrency::Auto, RetryConfig::default());
    let mut usage = Box::pin(
        c.desktop_usage()
            .range(d("2024-01-01")..=d("2024-03-30"))
            .into_stream(),
    );
    let first = usage.next().await.unwrap().unwrap();
    let inventory =
        tokio::time::timeout(Duration::from_secs(120), c.desktops().concurrency(2).send())
            .await
            .expect("the inventory waited for the paused stream's places")
            .unwrap();
    assert_eq!(inventory.desktops.len(), 2000);
    // The paused stream goes on where it stopped.
    let mut rest = 0;
    while let Some(desktop) = usage.next().await {
        assert!(desktop.unwrap().desktop_id > first.desktop_id);
        rest += 1;
    }
    sim.shutdown().await;
    assert_eq!(rest + 1, 2000);
}
