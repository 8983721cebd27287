//! Verification: each typed reason, and property tests (sign then verify holds;
//! any change to a signed header, the method, the path or a body byte fails).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use http::{HeaderMap, HeaderValue, Method, Uri};
use huaweicloud_signer::{AccessKeyCredentials, Secret, VerifyError, VerifyOptions, sign, verify};
use proptest::prelude::*;

const AK: &str = "AKTEST";
const SK: &str = "SKTEST-secret";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap()
}

fn lookup(key: &str) -> Option<Secret> {
    (key == AK).then(|| Secret::from(SK))
}

/// A signed request as the server sees it: path-and-query URI, Host header.
fn signed(body: &[u8]) -> (Method, Uri, HeaderMap) {
    let creds = AccessKeyCredentials::new(AK, SK).unwrap();
    let uri: Uri =
        "https://workspace.cn-north-4.myhuaweicloud.com:443/v2/p1/desktops/statistics/used?b=2&a=1"
            .parse()
            .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("x-project-id", HeaderValue::from_static("p1"));
    sign(&creds, &Method::POST, &uri, &mut headers, body, now()).unwrap();
    let server: Uri = uri.path_and_query().unwrap().as_str().parse().unwrap();
    (Method::POST, server, headers)
}

fn check(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
    verify(
        method,
        uri,
        headers,
        body,
        &VerifyOptions::new(now()),
        lookup,
    )
    .map(|_| ())
}

#[test]
fn a_signed_request_verifies() {
    let (m, u, h) = signed(b"{}");
    assert_eq!(h["host"], "workspace.cn-north-4.myhuaweicloud.com:443");
    let v = verify(&m, &u, &h, b"{}", &VerifyOptions::new(now()), lookup).unwrap();
    assert_eq!(v.access_key, AK);
    assert_eq!(v.sdk_date, now());
    assert_eq!(
        v.signed_headers,
        ["content-type", "host", "x-project-id", "x-sdk-date"]
    );
}

#[test]
fn typed_reasons() {
    let (m, u, h) = signed(b"{}");

    let mut no_auth = h.clone();
    no_auth.remove("authorization");
    assert_eq!(
        check(&m, &u, &no_auth, b"{}"),
        Err(VerifyError::MissingAuthorization)
    );

    let with_auth = |value: &str| {
        let mut x = h.clone();
        x.insert("authorization", HeaderValue::from_str(value).unwrap());
        check(&m, &u, &x, b"{}")
    };
    assert!(matches!(
        with_auth("garbage"),
        Err(VerifyError::MalformedAuthorization(_))
    ));
    assert!(matches!(
        with_auth("SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=host;x-sdk-date"),
        Err(VerifyError::MalformedAuthorization(_))
    ));
    assert!(matches!(
        with_auth("SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=host;x-sdk-date, Signature=xyz"),
        Err(VerifyError::MalformedAuthorization(_))
    ));
    assert_eq!(
        with_auth("SDK-HMAC-SM3 Access=AKTEST, SignedHeaders=host, Signature=00"),
        Err(VerifyError::UnsupportedAlgorithm("SDK-HMAC-SM3".into()))
    );
    let auth = h["authorization"].to_str().unwrap().to_owned();
    assert_eq!(
        with_auth(&auth.replace("Access=AKTEST", "Access=AKOTHER")),
        Err(VerifyError::UnknownAccessKey("AKOTHER".into()))
    );
    assert_eq!(
        with_auth(&auth.replace(
            "content-type;host;x-project-id;x-sdk-date",
            "content-type;x-project-id;x-sdk-date"
        )),
        Err(VerifyError::RequiredHeaderNotSigned("host".into()))
    );
    assert_eq!(
        with_auth(&auth.replace(
            "x-project-id;x-sdk-date",
            "x-project-id;x-request-thing;x-sdk-date"
        )),
        Err(VerifyError::SignedHeaderMissing("x-request-thing".into()))
    );

    let mut no_date = h.clone();
    no_date.remove("x-sdk-date");
    assert_eq!(
        check(&m, &u, &no_date, b"{}"),
        Err(VerifyError::MissingDate)
    );

    let mut bad_date = h.clone();
    bad_date.insert(
        "x-sdk-date",
        HeaderValue::from_static("2024-05-06T07:08:09Z"),
    );
    assert_eq!(
        check(&m, &u, &bad_date, b"{}"),
        Err(VerifyError::MalformedDate("2024-05-06T07:08:09Z".into()))
    );

    let mut repeated = h.clone();
    repeated.append("x-project-id", HeaderValue::from_static("p2"));
    assert!(matches!(
        check(&m, &u, &repeated, b"{}"),
        Err(VerifyError::InvalidSignedHeader { ref name, .. }) if name == "x-project-id"
    ));

    assert_eq!(
        check(&m, &u, &h, b"{ }"),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn date_skew_is_bounded_both_ways() {
    let (m, u, h) = signed(b"{}");
    let at = |offset: i64, max: i64| {
        let opts = VerifyOptions {
            now: now() + TimeDelta::seconds(offset),
            max_skew: TimeDelta::seconds(max),
        };
        verify(&m, &u, &h, b"{}", &opts, lookup).map(|_| ())
    };
    assert_eq!(at(900, 900), Ok(()));
    assert_eq!(at(-900, 900), Ok(()));
    assert_eq!(
        at(901, 900),
        Err(VerifyError::DateSkewed {
            sdk_date: "20240506T070809Z".into(),
            skew_seconds: -901,
            max_skew_seconds: 900
        })
    );
    assert!(matches!(
        at(-901, 900),
        Err(VerifyError::DateSkewed {
            skew_seconds: 901,
            ..
        })
    ));
    assert!(matches!(at(5, 2), Err(VerifyError::DateSkewed { .. })));
    assert_eq!(VerifyOptions::new(now()).max_skew, TimeDelta::minutes(15));
}

#[test]
fn unsigned_headers_added_later_do_not_matter() {
    let (m, u, mut h) = signed(b"{}");
    h.insert("content-length", HeaderValue::from_static("2"));
    h.insert("accept-encoding", HeaderValue::from_static("gzip"));
    assert_eq!(check(&m, &u, &h, b"{}"), Ok(()));
}

#[test]
fn verify_with_a_full_uri_and_no_host_header_uses_the_authority() {
    let (m, _, mut h) = signed(b"{}");
    h.remove("host");
    let full: Uri =
        "https://workspace.cn-north-4.myhuaweicloud.com:443/v2/p1/desktops/statistics/used?a=1&b=2"
            .parse()
            .unwrap();
    assert_eq!(check(&m, &full, &h, b"{}"), Ok(()));
}

fn header_name() -> impl Strategy<Value = String> {
    "x-[a-z]{1,8}(-[a-z]{1,6})?"
}

fn header_value() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,20}[!-~])?"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_holds_and_any_tampering_fails(
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        segments in prop::collection::vec("[a-zA-Z0-9 ._~%-]{0,10}", 1..4),
        query in prop::collection::vec(("[a-z]{1,4}", "[a-zA-Z0-9]{0,4}"), 0..4),
        extra in prop::collection::btree_map(header_name(), header_value(), 0..4),
        body in prop::collection::vec(any::<u8>(), 0..64),
        secs in 0i64..4_000_000_000,
        pick in any::<prop::sample::Index>(),
        flip in any::<u8>(),
    ) {
        let creds = AccessKeyCredentials::new(AK, SK).unwrap();
        let path: String = segments
            .iter()
            .map(|s| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string())
            .collect::<Vec<_>>()
            .join("/");
        let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let pq = if q.is_empty() { format!("/{path}") } else { format!("/{path}?{}", q.join("&")) };
        let uri: Uri = format!("https://example.com:8443{pq}").parse().unwrap();
        let server: Uri = pq.parse().unwrap();
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        for (k, v) in &extra {
            headers.insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        let at = DateTime::from_timestamp(secs, 0).unwrap();
        sign(&creds, &method, &uri, &mut headers, &body, at).unwrap();
        let opts = VerifyOptions::new(at);
        prop_assert_eq!(verify(&method, &server, &headers, &body, &opts, lookup).map(|v| v.access_key), Ok(AK.to_owned()));

        // Change one signed header's value.
        let signed: Vec<String> = headers
            .keys()
            .map(|k| k.as_str().to_owned())
            .filter(|k| k != "authorization" && k != "x-sdk-date")
            .collect();
        let name = pick.get(&signed).clone();
        let mut tampered = headers.clone();
        let old = tampered[name.as_str()].to_str().unwrap().to_owned();
        tampered.insert(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(&format!("{old}x")).unwrap());
        prop_assert_eq!(verify(&method, &server, &tampered, &body, &opts, lookup), Err(VerifyError::SignatureMismatch));

        // Change the method.
        let other = if method == Method::GET { Method::POST } else { Method::GET };
        prop_assert_eq!(verify(&other, &server, &headers, &body, &opts, lookup), Err(VerifyError::SignatureMismatch));

        // Change the path.
        let moved: Uri = format!("/x{pq}").parse().unwrap();
        prop_assert_eq!(verify(&method, &moved, &headers, &body, &opts, lookup), Err(VerifyError::SignatureMismatch));

        // Change one body byte (or add one to an empty body).
        let mut changed = body.clone();
        if changed.is_empty() {
            changed.push(flip);
        } else {
            let i = pick.index(changed.len());
            changed[i] ^= flip.max(1);
        }
        prop_assert_eq!(verify(&method, &server, &headers, &changed, &opts, lookup), Err(VerifyError::SignatureMismatch));

        // A different secret for the same key.
        let wrong = |_: &str| Some(Secret::from("other"));
        prop_assert_eq!(verify(&method, &server, &headers, &body, &opts, wrong), Err(VerifyError::SignatureMismatch));
    }
}
