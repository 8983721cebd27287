//! The shared harness of the facade's integration tests: a scripted axum
//! server on 127.0.0.1 whose every answer is a 200 JSON body computed from
//! the call number and the request body, a client pointed at it (AK/SK, no
//! retries), and small builders of dates, desktop ids, desktops, pages and
//! progress logs.
//!
//! Each test binary includes it with `mod common;` and uses only part of it,
//! hence `dead_code` is allowed here. It is test code only: no assertion
//! lives here, each test states its own.

#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use chrono::NaiveDate;
use huaweicloud_workspace::{Client, Credentials, DesktopUsage, Progress, RetryConfig};
use serde_json::{Value, json};

/// What a scripted server answers: `script(call number, request body)`,
/// calls numbered from 0.
pub type Script = Arc<dyn Fn(u64, &Value) -> Value + Send + Sync>;

/// A running scripted server.
pub struct Server {
    /// `http://127.0.0.1:port`.
    pub base_url: String,
    /// How many requests it has answered (tests may reset it).
    pub calls: Arc<AtomicU64>,
}

/// Serves `app` on a free port of 127.0.0.1 and returns its base URL.
pub async fn spawn(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// Serves `script(call number, request body)` as a 200 JSON answer, with the
/// request id `req-{call number}`.
pub async fn serve(script: Script) -> Server {
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
    Server {
        base_url: spawn(app).await,
        calls,
    }
}

/// A client of `server`: project `p1`, AK/SK credentials, retries disabled.
pub fn client(server: &Server) -> Client {
    Client::builder()
        .endpoint(&server.base_url)
        .project_id("p1")
        .credentials(Credentials::access_key("AK", "SK").unwrap())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

/// `YYYY-MM-DD` as a date.
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// `n` desktop ids in id order: `d000`, `d001`, ...
pub fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("d{i:03}")).collect()
}

/// A desktop as the service lists it, used 1 hour on 2024-01-01.
pub fn desktop(id: &str) -> Value {
    json!({"desktop_id": id, "used_info_list": [{"date": "2024-01-01", "use_time": 1}]})
}

/// A page of `list` as the service would cut it, with `total` as told.
pub fn page_of(list: &[String], request: &Value, total: Option<u64>) -> Value {
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

/// The desktop ids of a report, in its order.
pub fn sorted_ids(desktops: &[DesktopUsage]) -> Vec<String> {
    desktops.iter().map(|x| x.desktop_id.clone()).collect()
}

/// Every `Progress` a query reports through [`ProgressLog::sink`].
#[derive(Clone, Default)]
pub struct ProgressLog(Arc<Mutex<Vec<Progress>>>);

impl ProgressLog {
    /// The callback to give `on_progress`.
    pub fn sink(&self) -> impl Fn(Progress) + Send + Sync + 'static {
        let log = Arc::clone(&self.0);
        move |p| log.lock().unwrap().push(p)
    }

    /// What was reported so far, in order.
    pub fn all(&self) -> Vec<Progress> {
        self.0.lock().unwrap().clone()
    }

    /// The report with the most requests done.
    pub fn last(&self) -> Progress {
        self.all()
            .into_iter()
            .max_by_key(|p| p.requests_done)
            .unwrap()
    }
}
