//! Logs: a changing `total_count` is warned about, each request has its
//! span, and no secret is ever written. In its own test binary because
//! `tracing`'s callsite cache is process-wide: a test running beside it
//! without a subscriber could disable the callsites it checks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use chrono::NaiveDate;
use huaweicloud_workspace::{Client, Credentials, DesktopUsage, RetryConfig};
use serde_json::{Value, json};

type Script = Arc<dyn Fn(u64, &Value) -> Value + Send + Sync>;

struct Server {
    base_url: String,
    calls: Arc<AtomicU64>,
}

/// Serves `script(call number, request body)` as a 200 JSON answer.
async fn serve(script: Script) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&calls);
    let app = Router::new().fallback(move |body: Bytes| {
        let script = Arc::clone(&script);
        let counter = Arc::clone(&counter);
        async move {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let request: Value = serde_json::from_slice(&body).unwrap();
            let answer = script(n, &request);
            (
                StatusCode::OK,
                [
                    ("content-type", "application/json".to_string()),
                    ("x-request-id", format!("req-{n}")),
                ],
                answer.to_string(),
            )
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        base_url: format!("http://{addr}"),
        calls,
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("d{i:03}")).collect()
}

fn desktop(id: &str) -> Value {
    json!({"desktop_id": id, "used_info_list": [{"date": "2024-01-01", "use_time": 1}]})
}

/// A page of `list` as the service would cut it, with `total` as told.
fn page_of(list: &[String], request: &Value, total: Option<u64>) -> Value {
    let offset = request["offset"].as_u64().unwrap() as usize;
    let limit = request["limit"].as_u64().unwrap() as usize;
    let items: Vec<Value> = list
        .iter()
        .skip(offset)
        .take(limit)
        .map(|id| desktop(id))
        .collect();
    match total {
        Some(t) => json!({"desktop_used_info_list": items, "total_count": t}),
        None => json!({"desktop_used_info_list": items}),
    }
}

fn sorted_ids(desktops: &[DesktopUsage]) -> Vec<String> {
    desktops.iter().map(|x| x.desktop_id.clone()).collect()
}

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
