//! The hand-made server the hostile-answer tests share: every request gets
//! the same answer, counted, with an `X-Request-Id`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses its own part

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::StatusCode;

/// A server on 127.0.0.1 and how many requests it has answered.
pub struct Server {
    pub url: String,
    pub calls: Arc<AtomicU64>,
}

/// Serves on 127.0.0.1 the router `app` builds around the counter it is
/// given (each handler counts the calls it should).
pub async fn start(app: impl FnOnce(Arc<AtomicU64>) -> Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let app = app(Arc::clone(&calls));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        url: format!("http://{addr}"),
        calls,
    }
}

/// Answers every request with `status` and `body`, and an `X-Request-Id`.
pub async fn serve(status: u16, body: Vec<u8>) -> Server {
    let body = Arc::new(body);
    start(move |counter| {
        Router::new().fallback(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let body = Arc::clone(&body);
            async move {
                (
                    StatusCode::from_u16(status).unwrap(),
                    [
                        ("content-type", "application/json".to_string()),
                        ("x-request-id", format!("hostile-{n}")),
                    ],
                    body.as_ref().clone(),
                )
            }
        })
    })
    .await
}
