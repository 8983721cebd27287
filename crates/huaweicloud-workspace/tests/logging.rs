//! Logs: a changing `total_count` is warned about, each request has its
//! span, and no secret is ever written. In its own test binary because
//! `tracing`'s callsite cache is process-wide: a test running beside it
//! without a subscriber could disable the callsites it checks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::{d, ids, page_of, serve, sorted_ids};
use huaweicloud_workspace::{Client, Credentials, RetryConfig};

/// Collects everything `tracing` writes, at every level.
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_changing_total_is_logged_and_no_secret_ever_is() {
    let logs = Logs::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let v1 = ids(150);
    let v2 = ids(160);
    let server = serve(Arc::new(move |n, req| {
        if n == 0 {
            page_of(&v1, req, Some(150))
        } else {
            page_of(&v2, req, Some(160))
        }
    }))
    .await;
    let secret_client = Client::builder()
        .endpoint(&server.base_url)
        .project_id("p1")
        .credentials(Credentials::AccessKey(
            huaweicloud_workspace::AccessKeyCredentials::new("AKLOG", "SK-never-logged")
                .unwrap()
                .with_security_token("TOKEN-never-logged"),
        ))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let report = secret_client
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-01-01"))
        .concurrency(1)
        .send()
        .await
        .unwrap();
    assert_eq!(sorted_ids(&report.desktops), ids(160));
    // One unsound pass of 2 pages, one sound pass of 2 pages.
    assert_eq!(server.calls.load(Ordering::SeqCst), 4);
    let text = logs.text();
    assert!(text.contains("total_count changed"), "{text}");
    assert!(text.contains("workspace.request"), "{text}");
    assert!(text.contains("request_id"), "{text}");
    assert!(!text.contains("never-logged"), "{text}");
}

#[test]
fn an_endpoint_in_clear_to_another_host_is_warned_about_once_per_client() {
    let logs = Logs::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let build = |endpoint: &str| {
        let client = Client::builder()
            .endpoint(endpoint)
            .project_id("0123456789abcdef0123456789abcdef")
            .credentials(Credentials::access_key("AKTEST", "SKTEST").unwrap())
            .build()
            .unwrap();
        // Clones share the client: no second warning.
        drop(client.clone());
    };
    let warning = "plain http to 192.0.2.1: signed requests and tokens travel unencrypted";
    build("http://192.0.2.1:1");
    assert_eq!(logs.text().matches(warning).count(), 1, "{}", logs.text());
    for quiet in [
        "https://192.0.2.1",
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "http://localhost:8080",
    ] {
        build(quiet);
    }
    assert_eq!(
        logs.text().matches("plain http").count(),
        1,
        "{}",
        logs.text()
    );
}
