//! Arbitrary bytes as a signed request: parsing `Authorization` and verifying
//! must never panic, and a request the signer signed must verify.
//!
//! Input layout (so seeds are readable): the first line is
//! `METHOD URI`, then `name: value` header lines, then an empty line and the
//! body. A header `x-fuzz-ak` (removed before signing) supplies the access key
//! for the sign-then-verify check; `FUZZAK` otherwise.
#![no_main]

use chrono::{DateTime, TimeZone, Utc};
use http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Uri};
use huaweicloud_signer::{
    AccessKeyCredentials, Secret, VerifyError, VerifyOptions, parse_authorization, sign, verify,
};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-secret-key";

fuzz_target!(|data: &[u8]| {
    // The whole input as one header value.
    if let Ok(text) = std::str::from_utf8(data) {
        check_parse(text);
    }
    let request = Request::read(data);
    for value in request.headers.get_all(AUTHORIZATION) {
        check_parse(&String::from_utf8_lossy(value.as_bytes()));
    }
    let now = fixed_now();
    // Whatever the request carries, verification answers without panicking.
    let _ = verify(
        &request.method,
        &request.uri,
        &request.headers,
        &request.body,
        &VerifyOptions::new(now),
        |_| Some(Secret::new(SECRET)),
    );
    sign_then_verify(request, now);
});

fn check_parse(text: &str) {
    if let Ok(parsed) = parse_authorization(text) {
        assert!(!parsed.access_key.is_empty());
        assert!(!parsed.signed_headers.is_empty());
        assert!(parsed.signed_headers.iter().all(|h| !h.is_empty()));
        assert_eq!(parsed.signature.len(), 64);
    }
}

fn sign_then_verify(mut request: Request, now: DateTime<Utc>) {
    let ak = request
        .headers
        .remove("x-fuzz-ak")
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .unwrap_or_else(|| "FUZZAK".to_owned());
    let Ok(creds) = AccessKeyCredentials::new(ak.clone(), SECRET) else {
        return;
    };
    let mut headers = request.headers.clone();
    if sign(
        &creds,
        &request.method,
        &request.uri,
        &mut headers,
        &request.body,
        now,
    )
    .is_err()
    {
        return;
    }
    let opts = VerifyOptions::new(now);
    let lookup = |key: &str| (key == ak).then(|| Secret::new(SECRET));
    match verify(
        &request.method,
        &request.uri,
        &headers,
        &request.body,
        &opts,
        lookup,
    ) {
        Ok(verified) => assert_eq!(verified.access_key, ak),
        Err(err) => panic!("a request the signer signed does not verify: {err}"),
    }
    // The body is covered unless the signed headers replace its hash.
    if !headers.contains_key("x-sdk-content-sha256") {
        request.body.push(b'!');
        let result = verify(
            &request.method,
            &request.uri,
            &headers,
            &request.body,
            &opts,
            lookup,
        );
        assert_eq!(result, Err(VerifyError::SignatureMismatch), "body tamper");
    }
}

fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

struct Request {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Request {
    fn read(data: &[u8]) -> Request {
        let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
            Some(at) => (&data[..at], &data[at + 2..]),
            None => (data, &[][..]),
        };
        let mut lines = head.split(|&b| b == b'\n');
        let first = lines.next().unwrap_or_default();
        let (method, target) = match first.iter().position(|&b| b == b' ') {
            Some(at) => (&first[..at], &first[at + 1..]),
            None => (first, &[][..]),
        };
        let method = Method::from_bytes(method).unwrap_or(Method::POST);
        let uri = Uri::try_from(target).unwrap_or_else(|_| Uri::from_static("/"));
        let mut headers = HeaderMap::new();
        for line in lines {
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            let value = value.strip_prefix(b" ").unwrap_or(value);
            if let (Ok(name), Ok(value)) =
                (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
            {
                headers.append(name, value);
            }
        }
        Request {
            method,
            uri,
            headers,
            body: body.to_vec(),
        }
    }
}
