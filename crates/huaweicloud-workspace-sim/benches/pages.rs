//! Throughput of the simulator on loopback: signed requests for pages of 100
//! desktops x 31 days (per day), sent by a few concurrent clients, counted
//! for a fixed time. Run with `cargo bench -p huaweicloud-workspace-sim`.
//!
//! Options (environment): `SIM_BENCH_SECS` (default 5), `SIM_BENCH_CLIENTS`
//! (default 8), `SIM_BENCH_HOURLY=1` to ask for hourly periods instead.

// A benchmark harness: failing loudly on a broken setup is the point.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use huaweicloud_workspace_sim::Simulator;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: do a short smoke run then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let secs = if quick {
        1
    } else {
        env_u64("SIM_BENCH_SECS", 5)
    };
    let clients = env_u64("SIM_BENCH_CLIENTS", 8);
    let hourly = std::env::var("SIM_BENCH_HOURLY").is_ok_and(|v| v == "1");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(run(Duration::from_secs(secs), clients, hourly));
}

async fn run(duration: Duration, clients: u64, hourly: bool) {
    let sim = Simulator::builder()
        .desktops(1000)
        .seed(7)
        .start()
        .await
        .expect("simulator starts");
    let creds = sim.credentials();
    let url = format!(
        "{}/v2/{}/desktops/statistics/used",
        sim.base_url(),
        sim.project_id()
    );
    let start_day = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let stop = Arc::new(AtomicBool::new(false));
    let pages = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (creds, url, stop, pages, bytes) = (
            creds.clone(),
            url.clone(),
            stop.clone(),
            pages.clone(),
            bytes.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let uri: http::Uri = url.parse().expect("uri");
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                let body = format!(
                    r#"{{"start_time":"2024-01-01","end_time":"{}","group_by_type":"{}","offset":{},"limit":100}}"#,
                    start_day + chrono::Days::new(30),
                    if hourly { "HOUR" } else { "DAY" },
                    (i % 9) * 100
                );
                i += clients;
                let mut headers = http::HeaderMap::new();
                headers.insert("content-type", "application/json".parse().expect("hv"));
                huaweicloud_signer::sign(
                    &creds,
                    &http::Method::POST,
                    &uri,
                    &mut headers,
                    body.as_bytes(),
                    Utc::now(),
                )
                .expect("sign");
                let resp = client
                    .post(&url)
                    .headers(headers)
                    .body(body)
                    .send()
                    .await
                    .expect("send");
                assert_eq!(resp.status(), 200);
                let got = resp.bytes().await.expect("body");
                bytes.fetch_add(got.len() as u64, Ordering::Relaxed);
                pages.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let t0 = Instant::now();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("client task");
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let n = pages.load(Ordering::Relaxed);
    println!(
        "workspace-sim: {n} pages of 100 desktops x 31 days ({}) in {elapsed:.2} s = {:.0} pages/s, {:.1} MB/s, {clients} clients",
        if hourly { "hourly" } else { "daily" },
        n as f64 / elapsed,
        bytes.load(Ordering::Relaxed) as f64 / elapsed / 1e6,
    );
    sim.shutdown().await;
}
