//! The exact wire shape of what the facade sends, and how it reads every kind
//! of answer, against httpmock (typed mocks from the api crate).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use chrono::NaiveDate;
use httpmock::prelude::*;
use huaweicloud_signer::{Secret, VerifyOptions};
use huaweicloud_workspace::{Client, Credentials, Error, ErrorClass, RetryConfig};
use huaweicloud_workspace_api::mock::MockServerExt;
use huaweicloud_workspace_api::types::{
    DesktopUsedHoursInfo, DesktopUsedInfo, ErrorResponse, ListUsedDesktopInfoProjectId,
    ListUsedDesktopInfoResponse,
};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "AKWIRETEST";
const SK: &str = "SKWIRETEST-secret";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn client(server: &MockServer, credentials: Credentials) -> Client {
    Client::builder()
        .endpoint(server.base_url())
        .project_id(PROJECT)
        .credentials(credentials)
        .user_agent("wire-test/1.0")
        .retry(
            RetryConfig::default()
                .with_base_delay(Duration::from_millis(1))
                .with_throttle_base_delay(Duration::from_millis(1))
                // The adaptive limiter paces requests after a 429 (tested
                // against the simulator); these tests are about the wire.
                .with_adaptive(false),
        )
        .build()
        .unwrap()
}

fn ak_sk() -> Credentials {
    Credentials::access_key(AK, SK).unwrap()
}

fn project() -> ListUsedDesktopInfoProjectId {
    PROJECT.parse().unwrap()
}

#[test]
fn a_signed_request_has_the_exact_wire_shape() {
    let server = MockServer::start();
    let mock = server.list_used_desktop_info(|when, then| {
        let when = when.project_id(&project()).x_auth_token(None).into_inner();
        when.header("content-type", "application/json")
            .header("accept", "application/json")
            .header("x-project-id", PROJECT)
            .header("user-agent", "wire-test/1.0")
            .header_matches("x-sdk-date", r"^\d{8}T\d{6}Z$")
            .header_matches(
                "authorization",
                r"^SDK-HMAC-SHA256 Access=AKWIRETEST, SignedHeaders=accept;api-version;content-type;host;user-agent;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$",
            )
            .header_missing("x-security-token")
            // Ids deduplicated and sorted; every field the query implies, nothing else.
            .body(
                r#"{"desktop_ids":["d1","d2"],"end_time":"2024-01-15","group_by_type":"DAY","limit":100,"offset":0,"start_time":"2024-01-01"}"#,
            )
            // The signature verifies over the exact bytes received.
            .is_true(|req: &HttpMockRequest| {
                let secret = |ak: &str| (ak == AK).then(|| Secret::from(SK));
                huaweicloud_signer::verify(
                    &req.method(),
                    &req.uri(),
                    &req.headers(),
                    req.body_ref(),
                    &VerifyOptions::new(chrono::Utc::now()),
                    secret,
                )
                .is_ok()
            });
        let body = ListUsedDesktopInfoResponse {
            desktop_used_info_list: vec![DesktopUsedHoursInfo {
                desktop_id: "d1".into(),
                desktop_username: Some("alice".into()),
                used_info_list: vec![DesktopUsedInfo {
                    date: "2024-01-02".into(),
                    use_time: "12.62".parse().unwrap(),
                }],
            }],
            total_count: Some(1),
        };
        then.success(200, &body)
            .into_inner()
            .header("x-request-id", "req-1");
    });
    let report = runtime()
        .block_on(
            client(&server, ak_sk())
                .desktop_usage()
                .desktop_ids(["d2", "d1", "d2"])
                .range(d("2024-01-01")..=d("2024-01-15"))
                .send(),
        )
        .unwrap();
    mock.assert();
    assert_eq!(report.desktops.len(), 1);
    assert_eq!(report.total_hours().to_string(), "12.62");
}

#[test]
fn a_security_token_is_sent_and_signed() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .header("x-security-token", "temp-token")
            .header_matches(
                "authorization",
                r"SignedHeaders=[a-z;-]*;x-security-token\b",
            );
        then.status(200)
            .body(r#"{"desktop_used_info_list":[],"total_count":0}"#);
    });
    let keys = huaweicloud_signer::AccessKeyCredentials::new(AK, SK)
        .unwrap()
        .with_security_token("temp-token");
    let report = runtime()
        .block_on(
            client(&server, Credentials::AccessKey(keys))
                .desktop_usage()
                .send(),
        )
        .unwrap();
    mock.assert();
    assert!(report.desktops.is_empty());
}

#[test]
fn an_iam_token_is_sent_instead_of_a_signature() {
    let server = MockServer::start();
    let mock = server.list_used_desktop_info(|when, then| {
        // Both dates absent: the service's latest 15 days.
        let when = when.x_auth_token("the-token").into_inner();
        when.header_missing("authorization")
            .header_missing("x-sdk-date")
            .header("x-project-id", PROJECT)
            .body(r#"{"group_by_type":"HOUR","limit":100,"offset":0}"#);
        then.into_inner()
            .status(200)
            .body(r#"{"desktop_used_info_list":[{"desktop_id":"x","used_info_list":[{"date":"2024-01-02 13:00","use_time":"0.5"},{"date":"2024-01-02 14:00","use_time":1}]}],"total_count":1}"#);
    });
    let report = runtime()
        .block_on(
            client(&server, Credentials::iam_token("the-token").unwrap())
                .desktop_usage()
                .group_by(huaweicloud_workspace::GroupBy::Hour)
                .send(),
        )
        .unwrap();
    mock.assert();
    let periods: Vec<String> = report.desktops[0]
        .periods
        .iter()
        .map(|p| format!("{}={}", p.period, p.hours))
        .collect();
    assert_eq!(periods, ["2024-01-02 13:00=0.50", "2024-01-02 14:00=1.00"]);
}

/// Runs one query against a server that always answers `status` with `body`.
fn failing(status: u16, body: &str, content_type: Option<&str>) -> (Error, usize) {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST);
        let then = then
            .status(status)
            .header("x-request-id", "rid-42")
            .body(body);
        if let Some(ct) = content_type {
            then.header("content-type", ct);
        }
    });
    let err = runtime()
        .block_on(client(&server, ak_sk()).desktop_usage().send())
        .unwrap_err();
    (err, mock.calls())
}

#[test]
fn a_502_html_page_keeps_its_status_and_is_retried() {
    let (err, hits) = failing(
        502,
        "<html><body>Bad Gateway</body></html>",
        Some("text/html"),
    );
    assert_eq!(hits, 3);
    match &err {
        Error::InvalidResponse {
            status,
            body_prefix,
            request_id,
            ..
        } => {
            assert_eq!(*status, 502);
            assert!(body_prefix.as_deref().unwrap_or("").starts_with("<html>"));
            assert_eq!(request_id.as_deref(), Some("rid-42"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(502));
}

#[test]
fn a_503_with_an_empty_body_keeps_its_status() {
    let (err, hits) = failing(503, "", None);
    assert_eq!(hits, 3);
    assert!(
        matches!(&err, Error::InvalidResponse { status: 503, body_prefix, .. } if body_prefix.as_deref() == Some("")),
        "{err:?}"
    );
}

#[test]
fn a_500_json_error_is_retried_then_reported() {
    let (err, hits) = failing(
        500,
        r#"{"error_code":"WKS.9999","error_msg":"internal error"}"#,
        Some("application/json"),
    );
    assert_eq!(hits, 3);
    assert!(
        matches!(&err, Error::Api(m) if m.status() == 500 && m.code() == Some("WKS.9999")),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("rid-42"));
}

#[test]
fn a_400_is_not_retried_and_keeps_every_field() {
    let (err, hits) = failing(
        400,
        r#"{"error_code":"WKS.0001","error_msg":"limit must be 0..100","error_detail":"limit=500","encoded_authorization_message":"enc"}"#,
        Some("application/json"),
    );
    assert_eq!(hits, 1);
    match err {
        Error::Api(m) => {
            assert_eq!(m.status(), 400);
            assert_eq!(m.code(), Some("WKS.0001"));
            assert_eq!(m.message(), Some("limit must be 0..100"));
            assert_eq!(m.detail(), Some("limit=500"));
            assert_eq!(m.encoded_authorization_message(), Some("enc"));
            assert_eq!(m.request_id(), Some("rid-42"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_401_with_an_html_body_is_authentication_and_not_retried() {
    let (err, hits) = failing(401, "<html>denied</html>", Some("text/html"));
    assert_eq!(hits, 1);
    assert!(
        matches!(&err, Error::Authentication(m) if m.status() == 401 && m.code().is_none()),
        "{err:?}"
    );
}

#[test]
fn a_403_json_is_authentication() {
    let (err, hits) = failing(
        403,
        r#"{"error_code":"APIG.0302","error_msg":"not allowed"}"#,
        Some("application/json"),
    );
    assert_eq!(hits, 1);
    assert!(
        matches!(&err, Error::Authentication(m) if m.status() == 403 && m.code() == Some("APIG.0302")),
        "{err:?}"
    );
}

#[test]
fn throttling_is_retried_then_reported_as_throttled() {
    let (err, hits) = failing(
        429,
        r#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached"}"#,
        Some("application/json"),
    );
    assert_eq!(hits, 3);
    assert!(
        matches!(err, Error::Throttled { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(err.class(), ErrorClass::Api);
}

#[test]
fn a_200_carrying_an_error_code_is_an_error() {
    let (err, hits) = failing(
        200,
        r#"{"error_code":"WKS.0002","error_msg":"something failed"}"#,
        Some("application/json"),
    );
    assert_eq!(hits, 1);
    assert!(
        matches!(&err, Error::Api(m) if m.status() == 200 && m.code() == Some("WKS.0002")),
        "{err:?}"
    );
}

#[test]
fn a_200_that_is_not_json_is_an_invalid_response() {
    let (err, hits) = failing(200, "surprise", Some("text/plain"));
    assert_eq!(hits, 1);
    assert!(
        matches!(&err, Error::InvalidResponse { status: 200, body_prefix, .. } if body_prefix.as_deref() == Some("surprise")),
        "{err:?}"
    );
}

#[test]
fn a_404_is_an_api_error_not_retried() {
    let (err, hits) = failing(
        404,
        r#"{"error_code":"APIG.0101","error_msg":"The API does not exist"}"#,
        Some("application/json"),
    );
    assert_eq!(hits, 1);
    assert!(
        matches!(&err, Error::Api(m) if m.status() == 404),
        "{err:?}"
    );
}

#[test]
fn a_refused_connection_is_a_transport_error_after_retries() {
    // A port nobody listens on: connection refused.
    let (_bound, port) = refusing_port();
    let client = Client::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .project_id(PROJECT)
        .credentials(ak_sk())
        .retry(RetryConfig::default().with_base_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = runtime()
        .block_on(client.desktop_usage().send())
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(err.class(), ErrorClass::Network);
}

#[test]
fn a_slow_answer_hits_the_attempt_timeout() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST);
        then.status(200)
            .delay(Duration::from_millis(400))
            .body(r#"{"desktop_used_info_list":[],"total_count":0}"#);
    });
    let client = Client::builder()
        .endpoint(server.base_url())
        .project_id(PROJECT)
        .credentials(ak_sk())
        .attempt_timeout(Duration::from_millis(50))
        .retry(
            RetryConfig::default()
                .with_max_attempts(2)
                .with_base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let err = runtime()
        .block_on(client.desktop_usage().send())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                scope: huaweicloud_workspace::TimeoutScope::Attempt,
                attempts: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(mock.calls(), 2);
}

#[test]
fn the_typed_mocks_error_body_is_read() {
    // The typed mock's error helper produces what the facade reads.
    let server = MockServer::start();
    server.list_used_desktop_info(|when, then| {
        let _ = when;
        then.default_response(
            400,
            &ErrorResponse {
                error_code: Some("WKS.0001".into()),
                error_msg: Some("bad".into()),
                ..Default::default()
            },
        );
    });
    let err = runtime()
        .block_on(client(&server, ak_sk()).desktop_usage().send())
        .unwrap_err();
    assert_eq!(err.code(), Some("WKS.0001"));
}

#[test]
fn the_operation_timeout_bounds_all_attempts_together() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST);
        then.status(200)
            .delay(Duration::from_millis(300))
            .body(r#"{"desktop_used_info_list":[],"total_count":0}"#);
    });
    let client = Client::builder()
        .endpoint(server.base_url())
        .project_id(PROJECT)
        .credentials(ak_sk())
        .attempt_timeout(Duration::from_millis(40))
        .operation_timeout(Duration::from_millis(100))
        .retry(
            RetryConfig::default()
                .with_max_attempts(50)
                .with_base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let err = runtime()
        .block_on(client.desktop_usage().send())
        .unwrap_err();
    match err {
        Error::Timeout {
            scope, attempts, ..
        } => {
            assert_eq!(scope, huaweicloud_workspace::TimeoutScope::Operation);
            assert!((1..50).contains(&attempts), "{attempts}");
        }
        other => panic!("{other:?}"),
    }
}

/// A port that refuses connections while the returned socket lives: bound,
/// never listening. (A dropped listener's port could be taken meanwhile by
/// another test's server.)
fn refusing_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}
