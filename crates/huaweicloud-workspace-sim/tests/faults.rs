//! Injected faults, the rate limit, latency and shutdown.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{parts, post, send_signed_at, url};
use huaweicloud_workspace_sim::{FaultConfig, FaultKind, Simulator};

const BODY: &str = r#"{"start_time":"2024-01-01","end_time":"2024-01-02"}"#;

#[allow(clippy::unwrap_used)]
async fn only(kind: FaultKind) -> huaweicloud_workspace_sim::RunningSimulator {
    Simulator::builder()
        .desktops(3)
        .faults(FaultConfig::new(1.0, [kind]).with_slow(Duration::from_millis(50)))
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn throttle_429_apig_0308() {
    let sim = only(FaultKind::Throttle429).await;
    let (status, has_id, json) = parts(post(&sim, BODY).await).await;
    assert_eq!(status, 429);
    assert!(has_id);
    assert_eq!(json["error_code"], "APIG.0308");
    assert!(
        json["error_msg"]
            .as_str()
            .unwrap()
            .starts_with("The throttling threshold has been reached")
    );
    assert_eq!(sim.stats().faults_injected, 1);
    assert_eq!(sim.stats().throttled, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn internal_500_json() {
    let sim = only(FaultKind::Internal500).await;
    let resp = post(&sim, BODY).await;
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let (status, has_id, json) = parts(resp).await;
    assert_eq!(status, 500);
    assert!(has_id);
    assert!(json["error_code"].is_string());
    assert!(json["error_msg"].is_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_gateway_502_html() {
    let sim = only(FaultKind::BadGateway502Html).await;
    let resp = post(&sim, BODY).await;
    assert_eq!(resp.status(), 502);
    assert!(resp.headers().contains_key("x-request-id"));
    assert_eq!(resp.headers()["content-type"], "text/html");
    let text = resp.text().await.unwrap();
    assert!(text.contains("<h1>502 Bad Gateway</h1>"));
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
    sim.shutdown().await;
}

#[tokio::test]
async fn unavailable_503_empty() {
    let sim = only(FaultKind::Unavailable503Empty).await;
    let resp = post(&sim, BODY).await;
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("x-request-id"));
    assert_eq!(resp.bytes().await.unwrap().len(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn reset_connection_is_a_transport_error() {
    let sim = only(FaultKind::ResetConnection).await;
    let err = send_signed_at(&url(&sim), &sim.credentials(), BODY, Utc::now())
        .await
        .expect_err("the connection is reset, no response");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(err.status().is_none());
    assert_eq!(sim.stats().faults_injected, 1);
    assert_eq!(sim.stats().ok, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_response_then_answers_normally() {
    let sim = only(FaultKind::SlowResponse).await;
    let (status, _, json) = parts(post(&sim, BODY).await).await;
    assert_eq!(status, 200);
    assert_eq!(json["total_count"], 3);
    let stats = sim.stats();
    assert_eq!((stats.faults_injected, stats.ok), (1, 1));
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_are_a_deterministic_function_of_the_seed() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let sim = Simulator::builder()
            .seed(seed)
            .desktops(2)
            .faults(FaultConfig::new(
                0.5,
                [
                    FaultKind::Throttle429,
                    FaultKind::Internal500,
                    FaultKind::Unavailable503Empty,
                ],
            ))
            .start()
            .await
            .unwrap();
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(post(&sim, BODY).await.status().as_u16());
        }
        let stats = sim.stats();
        assert_eq!(stats.faults_injected + stats.ok, 40);
        sim.shutdown().await;
        out
    }
    let a = statuses(21).await;
    assert_eq!(a, statuses(21).await);
    assert_ne!(a, statuses(22).await);
    let faults = a.iter().filter(|&&s| s != 200).count();
    assert!((8..=32).contains(&faults), "about half: {faults}");
    for kind in [429, 500, 503] {
        assert!(a.contains(&kind), "{kind} in {a:?}");
    }
}

#[tokio::test]
async fn rate_limit_per_access_key() {
    // A burst of one and a refill far slower than the test: the second
    // request is over the limit whatever the machine's speed.
    let sim = Simulator::builder()
        .desktops(2)
        .rate_limit(0.001)
        .iam_token("tok")
        .start()
        .await
        .unwrap();
    let (status, _, _) = parts(post(&sim, BODY).await).await;
    assert_eq!(status, 200);
    for _ in 0..3 {
        let (status, has_id, json) = parts(post(&sim, BODY).await).await;
        assert_eq!(status, 429);
        assert!(has_id);
        assert_eq!(json["error_code"], "APIG.0308");
    }
    // Another identity has its own bucket.
    let resp = common::client()
        .post(url(&sim))
        .header("x-auth-token", "tok")
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let stats = sim.stats();
    assert_eq!(
        (stats.ok, stats.throttled, stats.faults_injected),
        (2, 3, 0)
    );
    sim.shutdown().await;

    // A burst of max(1, rate): 5 per second allows 5 at once, whatever the
    // timing (more may pass on a slow machine, as tokens refill).
    let sim = Simulator::builder()
        .desktops(2)
        .rate_limit(5.0)
        .start()
        .await
        .unwrap();
    for _ in 0..5 {
        assert_eq!(post(&sim, BODY).await.status(), 200);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_is_added_and_answers_stay_correct() {
    let (fixed, jitter) = (Duration::from_millis(5), Duration::from_millis(5));
    let with_latency = |seed| {
        Simulator::builder()
            .desktops(2)
            .seed(seed)
            .latency(fixed, jitter)
            .start()
    };
    let sim = with_latency(4).await.unwrap();
    // Each answer waits `fixed` plus up to `jitter`: the sum after n answers
    // lies between n * fixed and n * (fixed + jitter).
    for n in 1..=4u32 {
        let (status, _, json) = parts(post(&sim, BODY).await).await;
        assert_eq!(status, 200);
        assert_eq!(json["total_count"], 2);
        let added = sim.latency_added();
        assert!(added >= fixed * n, "{n}: {added:?}");
        assert!(added <= (fixed + jitter) * n, "{n}: {added:?}");
    }
    // The jitter is used, and is the same for the same seed and requests.
    let total = sim.latency_added();
    assert!(total > fixed * 4, "{total:?}");
    let again = with_latency(4).await.unwrap();
    for _ in 0..4 {
        assert_eq!(parts(post(&again, BODY).await).await.0, 200);
    }
    assert_eq!(again.latency_added(), total);

    // Without latency, none is added.
    let plain = Simulator::builder().desktops(2).start().await.unwrap();
    let (status, _, json) = parts(post(&plain, BODY).await).await;
    assert_eq!(status, 200);
    assert_eq!(json["total_count"], 2);
    assert_eq!(plain.latency_added(), Duration::ZERO);
    for s in [sim, again, plain] {
        s.shutdown().await;
    }
}

#[tokio::test]
async fn invalid_options_are_refused_and_shutdown_stops_serving() {
    let err = Simulator::builder()
        .faults(FaultConfig::new(1.5, FaultKind::ALL))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("faults.rate"), "{err}");
    let err = Simulator::builder()
        .rate_limit(0.0)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rate_limit"), "{err}");
    let err = Simulator::builder()
        .project_id("")
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("project_id"), "{err}");

    let sim = Simulator::builder().desktops(1).start().await.unwrap();
    let base = url(&sim);
    let creds = sim.credentials();
    sim.shutdown().await;
    let fresh = reqwest::Client::new();
    let mut headers = http::HeaderMap::new();
    let uri: http::Uri = base.parse().unwrap();
    huaweicloud_signer::sign(
        &creds,
        &http::Method::POST,
        &uri,
        &mut headers,
        BODY.as_bytes(),
        Utc::now(),
    )
    .unwrap();
    assert!(
        fresh
            .post(&base)
            .headers(headers)
            .body(BODY)
            .send()
            .await
            .is_err()
    );
}

/// The status of each of `n` requests, one after the other, each on its own
/// connection (as from as many clients).
#[allow(clippy::unwrap_used)]
async fn statuses(sim: &huaweicloud_workspace_sim::RunningSimulator, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(post(sim, BODY).await.status().as_u16());
    }
    out
}

#[tokio::test]
async fn every_third_request_across_clients_fails_the_kinds_in_turn() {
    let sim = Simulator::builder()
        .desktops(3)
        .faults(FaultConfig::every(
            3,
            [FaultKind::Throttle429, FaultKind::BadGateway502Html],
        ))
        .start()
        .await
        .unwrap();
    assert_eq!(
        statuses(&sim, 12).await,
        [200, 200, 429, 200, 200, 502, 200, 200, 429, 200, 200, 502]
    );
    assert_eq!(sim.stats().faults_injected, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn bursts_of_consecutive_429s() {
    let sim = Simulator::builder()
        .desktops(3)
        .faults(FaultConfig::bursts(5, 3, [FaultKind::Throttle429]))
        .start()
        .await
        .unwrap();
    assert_eq!(
        statuses(&sim, 11).await,
        [429, 429, 429, 200, 200, 429, 429, 429, 200, 200, 429]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn requests_turned_away_before_the_faults_do_not_count() {
    // Unsigned requests are refused by authentication and leave the
    // pattern's count alone: the third signed request still fails.
    let sim = Simulator::builder()
        .desktops(3)
        .faults(FaultConfig::every(3, [FaultKind::Internal500]))
        .start()
        .await
        .unwrap();
    let unsigned = common::client()
        .post(url(&sim))
        .header("content-type", "application/json")
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    assert_eq!(statuses(&sim, 3).await, [200, 200, 500]);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_pattern_that_cannot_be_is_refused() {
    for faults in [
        FaultConfig::every(0, [FaultKind::Throttle429]),
        FaultConfig::bursts(0, 0, [FaultKind::Throttle429]),
        FaultConfig::bursts(3, 4, [FaultKind::Throttle429]),
    ] {
        let err = Simulator::builder()
            .faults(faults.clone())
            .start()
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("faults.pattern"),
            "{faults:?}: {err}"
        );
    }
}
