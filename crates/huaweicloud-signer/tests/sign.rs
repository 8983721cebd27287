//! Signing errors and behaviours the official vectors do not cover.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use chrono::{TimeZone, Utc};
use http::{HeaderMap, HeaderValue, Method, Uri};
use huaweicloud_signer::{
    AccessKeyCredentials, Credentials, SignError, canonical_query, canonical_uri, sign,
    sign_request,
};

fn creds() -> AccessKeyCredentials {
    AccessKeyCredentials::new("AK", "SK").unwrap()
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap()
}

#[test]
fn no_host_anywhere_is_an_error() {
    let uri: Uri = "/v2/x".parse().unwrap();
    let mut headers = HeaderMap::new();
    assert_eq!(
        sign(&creds(), &Method::GET, &uri, &mut headers, b"", now()),
        Err(SignError::MissingHost)
    );
    headers.insert("host", HeaderValue::from_static("example.com"));
    sign(&creds(), &Method::GET, &uri, &mut headers, b"", now()).unwrap();
}

#[test]
fn a_repeated_header_is_an_error() {
    let uri: Uri = "https://example.com/".parse().unwrap();
    let mut headers = HeaderMap::new();
    headers.append("x-a", HeaderValue::from_static("1"));
    headers.append("x-a", HeaderValue::from_static("2"));
    assert_eq!(
        sign(&creds(), &Method::GET, &uri, &mut headers, b"", now()),
        Err(SignError::RepeatedHeader("x-a".into()))
    );
}

#[test]
fn an_invalid_security_token_is_an_error_without_the_token() {
    let uri: Uri = "https://example.com/".parse().unwrap();
    let mut headers = HeaderMap::new();
    let c = creds().with_security_token("bad\ntoken");
    let err = sign(&c, &Method::GET, &uri, &mut headers, b"", now()).unwrap_err();
    assert_eq!(err, SignError::InvalidSecurityToken);
    assert!(!err.to_string().contains("bad"));
}

#[test]
fn signing_replaces_date_and_authorization_and_keeps_a_given_host() {
    let mut req = http::Request::builder()
        .method("POST")
        .uri("https://example.com:8443/a")
        .header("x-sdk-date", "19990101T000000Z")
        .header("authorization", "stale")
        .header("host", "other.example.com")
        .body(())
        .unwrap();
    sign_request(&creds(), &mut req, b"{}", now()).unwrap();
    assert_eq!(req.headers()["x-sdk-date"], "20240102T030405Z");
    assert_eq!(req.headers()["host"], "other.example.com");
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.starts_with("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=")
    );
    assert_eq!(req.headers().get_all("authorization").iter().count(), 1);
}

#[test]
fn iam_token_credentials_set_x_auth_token() {
    let uri: Uri = "https://example.com/".parse().unwrap();
    let mut headers = HeaderMap::new();
    Credentials::iam_token("TOKEN123")
        .unwrap()
        .authenticate(&Method::GET, &uri, &mut headers, b"", now())
        .unwrap();
    assert_eq!(headers["x-auth-token"], "TOKEN123");
    assert!(headers["x-auth-token"].is_sensitive());
    assert!(!headers.contains_key("authorization"));
}

#[test]
fn canonical_pieces() {
    assert_eq!(canonical_uri("/"), "/");
    assert_eq!(canonical_uri(""), "/");
    assert_eq!(canonical_uri("/a%2fb/c d"), "/a/b/c%20d/");
    assert_eq!(canonical_query(None), "");
    assert_eq!(canonical_query(Some("b=2&&a=%7e&a=1")), "a=1&a=~&b=2");
}
