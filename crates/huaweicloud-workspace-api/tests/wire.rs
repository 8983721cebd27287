//! The exact requests the generated client sends, and how it reads answers,
//! checked against an httpmock server through the typed helpers.

// Helpers of a test panic on purpose: a panic is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use httpmock::MockServer;
use httpmock::prelude::HttpMockRequest;
use huaweicloud_workspace_api::mock::MockServerExt;
use huaweicloud_workspace_api::types::{
    ErrorResponse, GroupByType, ListUsedDesktopInfoReq, ListUsedDesktopInfoResponse,
};
use huaweicloud_workspace_api::{Client, Error};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn full_request() -> ListUsedDesktopInfoReq {
    ListUsedDesktopInfoReq {
        desktop_ids: vec!["d-1".into(), "d-2".into()],
        start_time: Some("2024-01-01".parse().unwrap()),
        end_time: Some("2024-01-31".parse().unwrap()),
        group_by_type: Some(GroupByType::Hour),
        desktop_username: Some("alice".into()),
        desktop_user_domain: Some("corp.example".into()),
        offset: Some(200),
        limit: Some(100),
    }
}

/// What a test remembers of a request the mock server received.
#[derive(Debug, serde::Serialize)]
struct Captured {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    /// The body bytes as sent: the bytes a signature covers.
    raw_body: String,
    body: serde_json::Value,
}

fn capture(into: Arc<Mutex<Vec<Captured>>>) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync {
    move |req: &HttpMockRequest| {
        let mut headers: Vec<(String, String)> = req
            .headers_vec()
            .iter()
            // The port changes from run to run.
            .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        headers.sort();
        into.lock().unwrap().push(Captured {
            method: req.method_str().to_string(),
            path: req.uri().path().to_string(),
            headers,
            raw_body: req.body_string(),
            body: serde_json::from_slice(req.body_ref()).unwrap_or(serde_json::Value::Null),
        });
        true
    }
}

#[tokio::test]
async fn a_fully_populated_query_goes_out_as_expected() {
    let server = MockServer::start_async().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let body = full_request();
    let mock = server.list_used_desktop_info(|when, then| {
        let when = when
            .project_id(&PROJECT.parse().unwrap())
            .x_auth_token("token-value")
            .body(&body);
        let _ = when.into_inner().is_true(capture(seen.clone()));
        then.success(200, &ListUsedDesktopInfoResponse::default());
    });

    let client = Client::new(&server.base_url());
    let page = client
        .list_used_desktop_info()
        .project_id(PROJECT)
        .x_auth_token("token-value")
        .body(body.clone())
        .send()
        .await
        .expect("the mock answers 200");
    assert_eq!(page.status(), 200);
    mock.assert_async().await;

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    insta::assert_json_snapshot!("full_query_wire", seen[0]);
}

#[tokio::test]
async fn an_empty_query_sends_an_empty_object() {
    let server = MockServer::start_async().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mock = server.list_used_desktop_info(|when, then| {
        let _ = when
            .x_auth_token(None)
            .into_inner()
            .is_true(capture(seen.clone()));
        then.success(200, &ListUsedDesktopInfoResponse::default());
    });
    let client = Client::new(&server.base_url());
    client
        .list_used_desktop_info()
        .project_id(PROJECT)
        .body(ListUsedDesktopInfoReq::default())
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(seen.lock().unwrap()[0].body, serde_json::json!({}));
}

#[tokio::test]
async fn an_error_body_decodes_with_all_four_fields_and_keeps_the_status() {
    let server = MockServer::start_async().await;
    let error = ErrorResponse {
        error_code: Some("WKS.0001".into()),
        error_msg: Some("end_time must not be earlier than start_time".into()),
        error_detail: Some("start_time=2024-02-01, end_time=2024-01-01".into()),
        encoded_authorization_message: Some("ZW5jb2RlZA==".into()),
    };
    server.list_used_desktop_info(|when, then| {
        let _ = when;
        then.default_response(400, &error);
    });
    let client = Client::new(&server.base_url());
    let err = client
        .list_used_desktop_info()
        .project_id(PROJECT)
        .body(ListUsedDesktopInfoReq::default())
        .send()
        .await
        .expect_err("400 is an error");
    match err {
        Error::ErrorResponse(value) => {
            assert_eq!(value.status(), 400);
            let body = value.into_inner();
            assert_eq!(body.error_code.as_deref(), Some("WKS.0001"));
            assert_eq!(
                body.error_msg.as_deref(),
                Some("end_time must not be earlier than start_time")
            );
            assert_eq!(
                body.error_detail.as_deref(),
                Some("start_time=2024-02-01, end_time=2024-01-01")
            );
            assert_eq!(
                body.encoded_authorization_message.as_deref(),
                Some("ZW5jb2RlZA==")
            );
        }
        other => panic!("expected an ErrorResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn build_request_builds_what_send_sends_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let body = full_request();
    let mock = server.list_used_desktop_info(|when, then| {
        let when = when.project_id(&PROJECT.parse().unwrap()).body(&body);
        let _ = when.into_inner().is_true(capture(seen.clone()));
        then.success(200, &ListUsedDesktopInfoResponse::default());
    });
    let client = Client::new(&server.base_url());
    let request = client
        .list_used_desktop_info()
        .project_id(PROJECT)
        .body(body.clone())
        .build_request()
        .expect("a complete builder builds");
    assert_eq!(request.method(), reqwest::Method::POST);
    assert_eq!(
        request.url().path(),
        format!("/v2/{PROJECT}/desktops/statistics/used")
    );
    assert_eq!(request.url().query(), None);
    let bytes = request
        .body()
        .and_then(|b| b.as_bytes())
        .expect("a buffered body");
    let sent: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    assert_eq!(sent, serde_json::to_value(&body).unwrap());
    mock.assert_calls_async(0).await;

    // The built request, sent as it is, is the one the operation expects.
    let response = reqwest::Client::new().execute(request).await.unwrap();
    assert_eq!(response.status(), 200);
    mock.assert_calls_async(1).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn build_request_names_a_missing_path_parameter() {
    let client = Client::new("http://127.0.0.1:9");
    let err = client
        .list_used_desktop_info()
        .body(ListUsedDesktopInfoReq::default())
        .build_request()
        .expect_err("project_id is required");
    assert!(
        matches!(err, Error::InvalidRequest(ref m) if m.contains("project_id")),
        "{err:?}"
    );
}
