//! The retry loop's choices, read through an injected clock: the waits it
//! chose (never measured: the clock only records them and moves its time
//! on), `Retry-After` in both forms on 429 and 503 capped by `max_delay`,
//! the two budgets (errors, throttling) and the operation's deadline.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use common::spawn;
use huaweicloud_workspace::{Client, Clock, Credentials, Error, RetryConfig};

/// A clock that never waits: each sleep is recorded and moves its time on.
struct RecordingClock {
    start: Instant,
    start_wall: DateTime<Utc>,
    elapsed: Mutex<Duration>,
    waits: Mutex<Vec<Duration>>,
}

impl RecordingClock {
    fn new() -> Arc<Self> {
        Arc::new(RecordingClock {
            start: Instant::now(),
            // Whole seconds, as HTTP dates are.
            start_wall: DateTime::parse_from_rfc3339("2026-10-21T07:27:50Z")
                .unwrap()
                .with_timezone(&Utc),
            elapsed: Mutex::new(Duration::ZERO),
            waits: Mutex::new(Vec::new()),
        })
    }

    fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap().clone()
    }

    /// An HTTP date `secs` after this clock's start.
    fn http_date(&self, secs: i64) -> String {
        (self.start_wall + chrono::Duration::seconds(secs))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    }
}

impl Clock for RecordingClock {
    fn now(&self) -> Instant {
        self.start + *self.elapsed.lock().unwrap()
    }

    fn wall(&self) -> DateTime<Utc> {
        self.start_wall + chrono::Duration::from_std(*self.elapsed.lock().unwrap()).unwrap()
    }

    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.waits.lock().unwrap().push(delay);
        *self.elapsed.lock().unwrap() += delay;
        Box::pin(std::future::ready(()))
    }
}

/// One scripted answer: status, `Retry-After` (if any), body.
type Answer = (u16, Option<String>, &'static str);

const THROTTLED: &str = r#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 second"}"#;
const INTERNAL: &str = r#"{"error_code":"WKS.9999","error_msg":"Internal server error."}"#;
const EMPTY_PAGE: &str = r#"{"desktop_used_info_list":[],"total_count":0}"#;

/// Serves `script(call number)`; returns the base URL and the call count.
async fn scripted(
    script: impl Fn(u64) -> Answer + Send + Sync + 'static,
) -> (String, Arc<AtomicU64>) {
    let calls = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&calls);
    let script = Arc::new(script);
    let app = Router::new().fallback(move || {
        let script = Arc::clone(&script);
        let counter = Arc::clone(&counter);
        async move {
            let (status, retry_after, body) = script(counter.fetch_add(1, Ordering::SeqCst));
            let mut response = axum::response::Response::new(axum::body::Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            let headers = response.headers_mut();
            headers.insert("content-type", "application/json".parse().unwrap());
            if let Some(value) = retry_after {
                headers.insert("retry-after", value.parse().unwrap());
            }
            response
        }
    });
    (spawn(app).await, calls)
}

fn client(base_url: &str, clock: &Arc<RecordingClock>, retry: RetryConfig) -> Client {
    Client::builder()
        .endpoint(base_url)
        .project_id("p1")
        .credentials(Credentials::access_key("AK", "SK").unwrap())
        .retry(retry)
        .clock(Arc::clone(clock) as Arc<dyn Clock>)
        .build()
        .unwrap()
}

async fn one_request(client: &Client) -> Result<(), Error> {
    client.desktop_usage().send().await.map(|_| ())
}

const S: fn(u64) -> Duration = Duration::from_secs;

#[tokio::test]
async fn retry_after_on_a_429_in_seconds_and_as_a_date_is_the_wait() {
    let clock = RecordingClock::new();
    let date = clock.http_date(10);
    let (url, calls) = scripted(move |n| match n {
        0 => (429, Some("3".into()), THROTTLED),
        // Sent at 3 s on the clock: the date 10 s after its start is 7 s away.
        1 => (429, Some(date.clone()), THROTTLED),
        _ => (200, None, EMPTY_PAGE),
    })
    .await;
    one_request(&client(&url, &clock, RetryConfig::default()))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(clock.waits(), [S(3), S(7)]);
}

#[tokio::test]
async fn retry_after_on_a_503_in_seconds_and_as_a_date_is_the_wait() {
    let clock = RecordingClock::new();
    let date = clock.http_date(7);
    let (url, calls) = scripted(move |n| match n {
        0 => (503, Some("2".into()), ""),
        1 => (503, Some(date.clone()), ""),
        _ => (200, None, EMPTY_PAGE),
    })
    .await;
    one_request(&client(&url, &clock, RetryConfig::default()))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(clock.waits(), [S(2), S(5)]);
}

#[tokio::test]
async fn retry_after_is_capped_by_max_delay() {
    let clock = RecordingClock::new();
    let far = clock.http_date(86_400);
    let (url, _) = scripted(move |n| match n {
        0 => (429, Some("3600".into()), THROTTLED),
        1 => (503, Some(far.clone()), ""),
        _ => (200, None, EMPTY_PAGE),
    })
    .await;
    let retry = RetryConfig::default().with_max_delay(S(15));
    one_request(&client(&url, &clock, retry)).await.unwrap();
    assert_eq!(clock.waits(), [S(15), S(15)]);
}

#[tokio::test]
async fn throttling_has_its_own_budget_beyond_max_attempts() {
    // Two 500s spend two of the three error attempts; the 429s after them
    // spend the throttling budget (10) instead, and `attempts` counts all.
    let clock = RecordingClock::new();
    let (url, calls) = scripted(|n| match n {
        0 | 1 => (500, None, INTERNAL),
        _ => (429, None, THROTTLED),
    })
    .await;
    let err = one_request(&client(&url, &clock, RetryConfig::default()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Throttled { attempts: 12, .. }),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 12);
}

#[tokio::test]
async fn with_the_limiter_off_a_429_spends_the_error_budget() {
    let clock = RecordingClock::new();
    let (url, calls) = scripted(|_| (429, None, THROTTLED)).await;
    let retry = RetryConfig::default().with_adaptive(false);
    let err = one_request(&client(&url, &clock, retry)).await.unwrap_err();
    assert!(
        matches!(err, Error::Throttled { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn errors_keep_their_own_budget_when_nothing_gets_through() {
    // A broken gateway: three attempts, whatever the throttling budget.
    let clock = RecordingClock::new();
    let (url, calls) = scripted(|_| (502, None, "<html>Bad Gateway</html>")).await;
    let err = one_request(&client(&url, &clock, RetryConfig::default()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 502, .. }),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // Two waits, each within full jitter of 200 ms × 2^(n-1).
    let waits = clock.waits();
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert!(waits[0] <= Duration::from_millis(200) && waits[1] <= Duration::from_millis(400));
}

#[tokio::test]
async fn a_429_run_stops_before_a_wait_would_pass_the_operation_deadline() {
    // Every answer a 429 asking for 20 s: waits at 0 s and 20 s; the
    // third wait would end at 60 s, the deadline, so the request gives up
    // with the service's answer instead of a timeout.
    let clock = RecordingClock::new();
    let (url, calls) = scripted(|_| (429, Some("20".into()), THROTTLED)).await;
    let client = Client::builder()
        .endpoint(&url)
        .project_id("p1")
        .credentials(Credentials::access_key("AK", "SK").unwrap())
        .operation_timeout(S(60))
        .clock(Arc::clone(&clock) as Arc<dyn Clock>)
        .build()
        .unwrap();
    let err = one_request(&client).await.unwrap_err();
    assert!(
        matches!(err, Error::Throttled { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(clock.waits(), [S(20), S(20)]);
}
