//! The Rust signer against vectors produced by the official huaweicloudsdkcore signer
//! (`cargo xtask vectors` writes `vectors.json`; `cargo xtask ci` checks it is current).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use chrono::{DateTime, NaiveDateTime, Utc};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use huaweicloud_signer::{
    AccessKeyCredentials, SDK_DATE_FORMAT, Secret, VerifyOptions, canonical_query, sign, verify,
};
use serde_json::Value;

struct Vector {
    name: String,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
    creds: AccessKeyCredentials,
    now: DateTime<Utc>,
    authorization: String,
    final_headers: Vec<(String, String)>,
    sent_uri: String,
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn load() -> Vec<Vector> {
    let text = include_str!("vectors.json");
    let root: Value = serde_json::from_str(text).unwrap();
    assert_eq!(root["official_sdk"], "huaweicloudsdkcore==3.1.219");
    root["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs(&case["headers"]) {
                headers.append(
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_bytes(value.as_bytes()).unwrap(),
                );
            }
            let body = match case.get("body_hex") {
                Some(h) => hex::decode(h.as_str().unwrap()).unwrap(),
                None => str_of(case, "body_text").as_bytes().to_vec(),
            };
            let mut creds =
                AccessKeyCredentials::new(str_of(case, "ak"), str_of(case, "sk")).unwrap();
            if let Some(token) = case["security_token"].as_str() {
                creds = creds.with_security_token(token);
            }
            let now = NaiveDateTime::parse_from_str(str_of(case, "sdk_date"), SDK_DATE_FORMAT)
                .unwrap()
                .and_utc();
            Vector {
                name: str_of(case, "name").to_owned(),
                method: Method::from_bytes(str_of(case, "method").as_bytes()).unwrap(),
                uri: str_of(case, "url").parse().unwrap(),
                headers,
                body,
                creds,
                now,
                authorization: str_of(case, "authorization").to_owned(),
                final_headers: pairs(&case["final_headers"]),
                sent_uri: str_of(case, "sent_uri").to_owned(),
            }
        })
        .collect()
}

#[test]
fn there_are_enough_vectors() {
    assert!(load().len() >= 12);
}

#[test]
fn every_authorization_is_byte_identical_to_the_official_signer() {
    let mut failures = Vec::new();
    for v in load() {
        let mut headers = v.headers.clone();
        sign(&v.creds, &v.method, &v.uri, &mut headers, &v.body, v.now).unwrap();
        let got = headers.get("authorization").unwrap().as_bytes();
        if got != v.authorization.as_bytes() {
            failures.push(format!(
                "{}:\n  official {}\n  ours     {}",
                v.name,
                v.authorization,
                String::from_utf8_lossy(got)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn signed_headers_equal_what_the_official_client_sends() {
    for v in load() {
        let mut headers = v.headers.clone();
        sign(&v.creds, &v.method, &v.uri, &mut headers, &v.body, v.now).unwrap();
        let mut ours: Vec<(String, String)> = headers
            .iter()
            .map(|(n, val)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8(val.as_bytes().to_vec()).unwrap(),
                )
            })
            .collect();
        ours.sort();
        let mut official: Vec<(String, String)> = v
            .final_headers
            .iter()
            .map(|(n, val)| (n.to_ascii_lowercase(), val.clone()))
            .collect();
        official.sort();
        assert_eq!(ours, official, "{}", v.name);
    }
}

#[test]
fn canonical_query_equals_the_query_the_official_client_sends() {
    for v in load() {
        let sent_query = v.sent_uri.split_once('?').map(|(_, q)| q).unwrap_or("");
        assert_eq!(canonical_query(v.uri.query()), sent_query, "{}", v.name);
    }
}

#[test]
fn every_official_vector_verifies() {
    for v in load() {
        let mut headers = v.headers.clone();
        sign(&v.creds, &v.method, &v.uri, &mut headers, &v.body, v.now).unwrap();
        // Server side: path-and-query only, Host from the header.
        let server_uri: Uri = v.uri.path_and_query().unwrap().as_str().parse().unwrap();
        let sk = v.creds.secret_key().clone();
        let ak = v.creds.access_key().to_owned();
        let verified = verify(
            &v.method,
            &server_uri,
            &headers,
            &v.body,
            &VerifyOptions::new(v.now),
            |key| (key == ak).then(|| sk.clone()),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(verified.access_key, v.creds.access_key());
    }
}

/// The vector in huawei-cloud-facts.md, written out by hand.
#[test]
fn reference_vector_from_the_facts_file() {
    let creds = AccessKeyCredentials::new("AKEXAMPLE", Secret::from("SKEXAMPLE")).unwrap();
    let uri: Uri = "https://workspace.cn-north-4.myhuaweicloud.com/v2/0123456789abcdef0123456789abcdef/desktops/statistics/used"
        .parse()
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert(
        "host",
        HeaderValue::from_static("workspace.cn-north-4.myhuaweicloud.com"),
    );
    headers.insert(
        "user-agent",
        HeaderValue::from_static("huaweicloud-usdk-python/3.0; test-ua"),
    );
    headers.insert(
        "x-project-id",
        HeaderValue::from_static("0123456789abcdef0123456789abcdef"),
    );
    let body = br#"{"desktop_ids": ["d1"], "start_time": "2024-01-01", "end_time": "2024-01-15", "group_by_type": "DAY", "limit": 10}"#;
    let now = NaiveDateTime::parse_from_str("20240102T030405Z", SDK_DATE_FORMAT)
        .unwrap()
        .and_utc();
    sign(&creds, &Method::POST, &uri, &mut headers, body, now).unwrap();
    assert_eq!(headers["x-sdk-date"], "20240102T030405Z");
    assert_eq!(
        headers["authorization"],
        "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, \
         Signature=b263fa11df3c71b310df9265af706aa432392591a1a2ea9f5fad21a4b2dc88d0"
    );
}
