//! Verification of `SDK-HMAC-SHA256` signatures, for the simulator.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use http::{HeaderMap, Method, Uri};

use crate::credentials::Secret;
use crate::sign::{
    ALGORITHM, HEADER_SDK_DATE, SDK_DATE_FORMAT, SignError, canonical_request, signature_matches,
    string_to_sign,
};

/// The gateway's bound on `X-Sdk-Date` skew: 15 minutes.
pub const DEFAULT_MAX_SKEW_SECONDS: i64 = 15 * 60;

/// Verification settings: the current time (a parameter: no clock inside) and the allowed skew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The verifier's current time.
    pub now: DateTime<Utc>,
    /// The largest accepted difference between `X-Sdk-Date` and `now`, either way.
    pub max_skew: TimeDelta,
}

impl VerifyOptions {
    /// `now` with the default skew of 15 minutes.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now,
            max_skew: TimeDelta::seconds(DEFAULT_MAX_SKEW_SECONDS),
        }
    }
}

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key that signed it.
    pub access_key: String,
    /// The signing time from `X-Sdk-Date`.
    pub sdk_date: DateTime<Utc>,
    /// The signed headers, as listed in `Authorization`.
    pub signed_headers: Vec<String>,
}

/// Why a request's signature was rejected. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Authorization` header.
    #[error("the request has no Authorization header")]
    MissingAuthorization,
    /// The `Authorization` header does not have the `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..` shape.
    #[error("malformed Authorization header: {0}")]
    MalformedAuthorization(String),
    /// The `Authorization` header names another algorithm.
    #[error("unsupported signing algorithm {0:?} (expected SDK-HMAC-SHA256)")]
    UnsupportedAlgorithm(String),
    /// The access key is not known to the verifier.
    #[error("unknown access key {0}")]
    UnknownAccessKey(String),
    /// The recomputed signature differs.
    #[error("the request signature does not match")]
    SignatureMismatch,
    /// No `X-Sdk-Date` header.
    #[error("the request has no X-Sdk-Date header")]
    MissingDate,
    /// `X-Sdk-Date` is not `YYYYMMDDTHHMMSSZ`.
    #[error("X-Sdk-Date {0:?} is not in the YYYYMMDDTHHMMSSZ format")]
    MalformedDate(String),
    /// `X-Sdk-Date` is too far from the verifier's clock.
    #[error(
        "X-Sdk-Date {sdk_date} is {skew_seconds} s away from now; at most {max_skew_seconds} s is allowed"
    )]
    DateSkewed {
        /// The header value.
        sdk_date: String,
        /// `X-Sdk-Date - now`, in seconds (negative: in the past).
        skew_seconds: i64,
        /// The allowed bound, in seconds.
        max_skew_seconds: i64,
    },
    /// A header listed in `SignedHeaders` is not in the request.
    #[error("signed header {0} is not in the request")]
    SignedHeaderMissing(String),
    /// A header that must be signed (`host`, `x-sdk-date`) is not in `SignedHeaders`.
    #[error("header {0} must be signed but is not in SignedHeaders")]
    RequiredHeaderNotSigned(String),
    /// A signed header has several values or is not UTF-8.
    #[error("signed header {name}: {reason}")]
    InvalidSignedHeader {
        /// The header.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// `Access=`.
    pub access_key: String,
    /// `SignedHeaders=`, split on `;`.
    pub signed_headers: Vec<String>,
    /// `Signature=`: 64 lowercase hex digits.
    pub signature: String,
}

fn shorten(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Parses `SDK-HMAC-SHA256 Access={ak}, SignedHeaders={a;b}, Signature={hex}`.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization, VerifyError> {
    let malformed = |why: &str| VerifyError::MalformedAuthorization(why.to_owned());
    let (algorithm, rest) = value.trim().split_once(' ').ok_or_else(|| {
        malformed("expected `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..`")
    })?;
    if algorithm != ALGORITHM {
        return Err(VerifyError::UnsupportedAlgorithm(shorten(algorithm)));
    }
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed("each part must be key=value"))?;
        let slot = match key {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => {
                return Err(malformed(
                    "unknown key; expected Access, SignedHeaders, Signature",
                ));
            }
        };
        if slot.replace(val.to_owned()).is_some() {
            return Err(malformed("a key appears twice"));
        }
    }
    let access_key = access.ok_or_else(|| malformed("Access is missing"))?;
    let signed = signed.ok_or_else(|| malformed("SignedHeaders is missing"))?;
    let signature = signature.ok_or_else(|| malformed("Signature is missing"))?;
    if access_key.is_empty() {
        return Err(malformed("Access is empty"));
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_owned).collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(malformed("SignedHeaders has an empty name"));
    }
    if signature.len() != 64
        || !signature
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(malformed("Signature must be 64 lowercase hex digits"));
    }
    Ok(ParsedAuthorization {
        access_key,
        signed_headers,
        signature,
    })
}

/// Verifies a signed request: parses `Authorization`, checks `X-Sdk-Date`,
/// recomputes the signature with the secret `lookup_secret` returns for the
/// access key and compares in constant time, then checks the date skew.
///
/// `uri` may be path-and-query only (server side): `Host` then comes from the
/// `Host` header, which must be signed, as must `X-Sdk-Date`. Headers that are
/// not signed are ignored.
pub fn verify(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    opts: &VerifyOptions,
    lookup_secret: impl Fn(&str) -> Option<Secret>,
) -> Result<Verified, VerifyError> {
    let mut auth_values = headers.get_all(http::header::AUTHORIZATION).iter();
    let auth = auth_values
        .next()
        .ok_or(VerifyError::MissingAuthorization)?;
    if auth_values.next().is_some() {
        return Err(VerifyError::MalformedAuthorization(
            "more than one Authorization header".to_owned(),
        ));
    }
    let auth = auth
        .to_str()
        .map_err(|_| VerifyError::MalformedAuthorization("not printable ASCII".to_owned()))?;
    let parsed = parse_authorization(auth)?;

    let date_value = headers
        .get(HEADER_SDK_DATE)
        .ok_or(VerifyError::MissingDate)?;
    let date_text = date_value
        .to_str()
        .map_err(|_| {
            VerifyError::MalformedDate(String::from_utf8_lossy(date_value.as_bytes()).into_owned())
        })?
        .trim();
    let sdk_date = NaiveDateTime::parse_from_str(date_text, SDK_DATE_FORMAT)
        .map_err(|_| VerifyError::MalformedDate(shorten(date_text)))?
        .and_utc();

    for required in ["host", HEADER_SDK_DATE] {
        if !parsed.signed_headers.iter().any(|h| h == required) {
            return Err(VerifyError::RequiredHeaderNotSigned(required.to_owned()));
        }
    }
    for name in &parsed.signed_headers {
        let present =
            headers.contains_key(name.as_str()) || (name == "host" && uri.authority().is_some());
        if !present {
            return Err(VerifyError::SignedHeaderMissing(shorten(name)));
        }
    }

    let secret = lookup_secret(&parsed.access_key)
        .ok_or_else(|| VerifyError::UnknownAccessKey(shorten(&parsed.access_key)))?;
    let canonical =
        canonical_request(method, uri, headers, &parsed.signed_headers, body).map_err(|err| {
            match err {
                SignError::SignedHeaderMissing(name) => VerifyError::SignedHeaderMissing(name),
                SignError::RepeatedHeader(name) => VerifyError::InvalidSignedHeader {
                    name,
                    reason: "more than one value",
                },
                SignError::NonUtf8HeaderValue(name) => VerifyError::InvalidSignedHeader {
                    name,
                    reason: "not valid UTF-8",
                },
                _ => VerifyError::SignatureMismatch,
            }
        })?;
    // The official signer signs the date as it reformats it, not as received.
    let to_sign = string_to_sign(&sdk_date.format(SDK_DATE_FORMAT).to_string(), &canonical);
    if !signature_matches(&secret, &to_sign, &parsed.signature) {
        return Err(VerifyError::SignatureMismatch);
    }

    let skew = sdk_date - opts.now;
    if skew.abs() > opts.max_skew {
        return Err(VerifyError::DateSkewed {
            sdk_date: date_text.to_owned(),
            skew_seconds: skew.num_seconds(),
            max_skew_seconds: opts.max_skew.num_seconds(),
        });
    }
    Ok(Verified {
        access_key: parsed.access_key,
        sdk_date,
        signed_headers: parsed.signed_headers,
    })
}
