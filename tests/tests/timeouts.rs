//! Servers that never answer, or stop halfway: the facade fails with a
//! typed timeout within the configured limits instead of hanging. Each call
//! runs under a generous outer guard, so a hang fails the test; no test
//! asserts how long anything took.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use huaweicloud_workspace::{Client, Credentials, Error, ErrorClass, RetryConfig, TimeoutScope};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the silent server does with each connection.
#[derive(Clone, Copy)]
enum Silence {
    /// Reads the request, then says nothing.
    NoAnswer,
    /// Sends the status line, headers and part of the body, then stalls.
    StallInBody,
}

/// Returns the URL and the number of connections accepted.
async fn silent_server(mode: Silence) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf).await;
                if let Silence::StallInBody = mode {
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: stall\r\ncontent-length: 1000\r\n\r\n{\"desktop_used_info_list\":[";
                    let _ = stream.write_all(head.as_bytes()).await;
                }
                // Hold the connection open (bounded) without another byte.
                tokio::time::sleep(Duration::from_secs(60)).await;
                drop(stream);
            });
        }
    });
    (url, accepted)
}

async fn guarded(client: &Client) -> Error {
    let query = client
        .desktop_usage()
        .range(
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
                ..=NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
        )
        .send();
    match tokio::time::timeout(Duration::from_secs(30), query).await {
        Ok(Ok(report)) => panic!("a report from a silent server: {report:?}"),
        Ok(Err(e)) => e,
        Err(_) => panic!("the query hung past the 30 s guard"),
    }
}

fn builder(url: &str) -> huaweicloud_workspace::ClientBuilder {
    Client::builder()
        .endpoint(url)
        .project_id("p1")
        .credentials(Credentials::access_key("AKTEST", "SKTEST").unwrap())
        .env(|_| None)
}

#[tokio::test]
async fn each_attempt_times_out_and_is_retried_then_reported() {
    for mode in [Silence::NoAnswer, Silence::StallInBody] {
        let (url, accepted) = silent_server(mode).await;
        let client = builder(&url)
            .attempt_timeout(Duration::from_millis(300))
            .retry(
                RetryConfig::default()
                    .with_max_attempts(3)
                    .with_base_delay(Duration::from_millis(1)),
            )
            .build()
            .unwrap();
        let err = guarded(&client).await;
        assert!(
            matches!(
                err,
                Error::Timeout { scope: TimeoutScope::Attempt, after, attempts: 3 }
                    if after == Duration::from_millis(300)
            ),
            "{err:?}"
        );
        assert_eq!(err.class(), ErrorClass::Network);
        assert!(
            err.to_string().contains("attempt timeout of 0.3 s"),
            "{err}"
        );
        assert!(accepted.load(Ordering::SeqCst) >= 1);
    }
}

#[tokio::test]
async fn the_operation_timeout_bounds_every_attempt_and_wait_together() {
    let (url, _) = silent_server(Silence::NoAnswer).await;
    // Long attempts and many retries: only the operation limit can end it.
    let client = builder(&url)
        .attempt_timeout(Duration::from_secs(3600))
        .operation_timeout(Duration::from_millis(400))
        .retry(RetryConfig::default().with_max_attempts(20))
        .build()
        .unwrap();
    let err = guarded(&client).await;
    assert!(
        matches!(
            err,
            Error::Timeout {
                scope: TimeoutScope::Operation,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.class(), ErrorClass::Network);
}
