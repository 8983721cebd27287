//! `SDK-HMAC-SHA256` signing, byte-for-byte as huaweicloudsdkcore 3.1.219's `Signer`.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use sha2::{Digest, Sha256};

use crate::credentials::{AccessKeyCredentials, Secret};

/// The signing algorithm name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The `X-Sdk-Date` format (UTC), as a chrono/strftime format.
pub const SDK_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
/// `X-Sdk-Date`, lowercased as `http` stores it.
pub const HEADER_SDK_DATE: &str = "x-sdk-date";
/// `X-Security-Token`, sent and signed with temporary credentials.
pub const HEADER_SECURITY_TOKEN: &str = "x-security-token";
/// `X-Auth-Token`, the IAM-token alternative to signing.
pub const HEADER_AUTH_TOKEN: &str = "x-auth-token";
/// `X-Project-Id`, which the official client sends (and therefore signs) on every call.
pub const HEADER_PROJECT_ID: &str = "x-project-id";
/// `X-Sdk-Content-Sha256`: when signed, its value replaces the body hash.
pub const HEADER_CONTENT_SHA256: &str = "x-sdk-content-sha256";
/// The `X-Sdk-Content-Sha256` value the official signer sets for bodies that are
/// neither JSON nor BSON.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Hex SHA-256 of the empty string: the payload hash of an empty body.
const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Python's `quote(s, safe='~')`: keep `A-Z a-z 0-9 - _ . ~`, encode every other byte.
const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Why a request could not be signed. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// Neither the URI has an authority nor the request a `Host` header.
    #[error("the request URI has no host and the request has no Host header")]
    MissingHost,
    /// A header to sign has several values; the signature covers one value per header.
    #[error("header {0} has more than one value; the signature covers one value per header")]
    RepeatedHeader(String),
    /// A header to sign is not valid UTF-8.
    #[error("header {0} is not valid UTF-8")]
    NonUtf8HeaderValue(String),
    /// A header named in the signed-header list is absent.
    #[error("signed header {0} is not in the request")]
    SignedHeaderMissing(String),
    /// The security token is empty or not a valid header value.
    #[error("the security token must be non-empty printable ASCII without spaces")]
    InvalidSecurityToken,
    /// The IAM token is not a valid header value.
    #[error("the IAM token must be non-empty printable ASCII without spaces")]
    InvalidIamToken,
    /// `now` does not format as a valid `X-Sdk-Date` header value.
    #[error("the signing time cannot be written as an X-Sdk-Date header")]
    InvalidDate,
    /// The access key does not fit in an `Authorization` header.
    #[error("the access key must be printable ASCII without spaces")]
    InvalidAccessKey,
}

/// The signed-header list the official signer uses: every header name without
/// `_`, lowercased, sorted.
pub fn signed_header_names(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|name| !name.contains('_'))
        .map(str::to_ascii_lowercase)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The canonical URI: each `/`-separated segment of the percent-decoded path
/// (invalid UTF-8 replaced by U+FFFD, like Python's `unquote`) is re-encoded
/// keeping only `A-Z a-z 0-9 - _ . ~`; a trailing `/` is always added.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut out = decoded
        .split('/')
        .map(|segment| percent_encode(segment.as_bytes(), ENCODE_SET).to_string())
        .collect::<Vec<_>>()
        .join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query string: `k=v` pairs percent-decoded, sorted by key then
/// value, re-encoded like the path, joined by `&`. A repeated key gives one pair
/// per value; a key without `=` has an empty value. `+` is taken literally (encode
/// spaces as `%20`).
pub fn canonical_query(query: Option<&str>) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode_str(k).collect(),
                percent_decode_str(v).collect(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encode(k, ENCODE_SET),
                percent_encode(v, ENCODE_SET)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `Host` as the official client sets it: the URI's host, with its port when the URI has one.
fn host_of(uri: &Uri) -> Option<String> {
    let authority = uri.authority()?;
    Some(match authority.port() {
        Some(port) => format!("{}:{}", authority.host(), port.as_str()),
        None => authority.host().to_owned(),
    })
}

/// The single value of a header to sign, trimmed like Python's `str.strip()`.
fn header_value(headers: &HeaderMap, uri: &Uri, name: &str) -> Result<String, SignError> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        // HTTP/2 carries the host in the URI, not in a Host header.
        if let Some(host) = host_of(uri).filter(|_| name == "host") {
            return Ok(host);
        }
        return Err(SignError::SignedHeaderMissing(name.to_owned()));
    };
    if values.next().is_some() {
        return Err(SignError::RepeatedHeader(name.to_owned()));
    }
    let text = std::str::from_utf8(value.as_bytes())
        .map_err(|_| SignError::NonUtf8HeaderValue(name.to_owned()))?;
    Ok(text.trim().to_owned())
}

/// The canonical request, lines joined by `\n`: method, canonical URI, canonical
/// query, one `name:trimmed-value` line per signed header, the signed-header list
/// and the payload hash.
///
/// The payload hash is the hex SHA-256 of `body`, except that an empty body
/// always hashes as the empty string and, for a non-empty body, a signed
/// non-blank `X-Sdk-Content-Sha256` header's value is used instead (the official
/// signer sets it to `UNSIGNED-PAYLOAD` for non-JSON content types).
pub fn canonical_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    signed_headers: &[String],
    body: &[u8],
) -> Result<String, SignError> {
    let mut out = String::new();
    out.push_str(&method.as_str().to_ascii_uppercase());
    out.push('\n');
    out.push_str(&canonical_uri(uri.path()));
    out.push('\n');
    out.push_str(&canonical_query(uri.query()));
    out.push('\n');
    let mut content_hash = None;
    if signed_headers.is_empty() {
        out.push('\n');
    }
    for name in signed_headers {
        let value = header_value(headers, uri, name)?;
        out.push_str(name);
        out.push(':');
        out.push_str(&value);
        out.push('\n');
        if name == HEADER_CONTENT_SHA256 && !value.is_empty() {
            content_hash = Some(value);
        }
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    if body.is_empty() {
        out.push_str(EMPTY_HASH);
    } else if let Some(hash) = content_hash {
        // The official signer reads this value back after re-decoding header
        // values as ISO-8859-1, so non-ASCII bytes end up double-encoded.
        out.extend(hash.bytes().map(char::from));
    } else {
        out.push_str(&hex::encode(Sha256::digest(body)));
    }
    Ok(out)
}

/// `SDK-HMAC-SHA256\n{sdk_date}\n{hex sha256(canonical_request)}`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

fn hmac_sha256(secret_key: &Secret, data: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this never takes the error branch.
    match Hmac::<Sha256>::new_from_slice(secret_key.expose().as_bytes()) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Lowercase hex HMAC-SHA256 of the string to sign, keyed with the secret key.
pub fn signature(secret_key: &Secret, string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(secret_key, string_to_sign))
}

/// True when `expected_hex` is the signature of `string_to_sign`, compared in constant time.
pub(crate) fn signature_matches(
    secret_key: &Secret,
    string_to_sign: &str,
    expected_hex: &str,
) -> bool {
    let Ok(expected) = hex::decode(expected_hex) else {
        return false;
    };
    match Hmac::<Sha256>::new_from_slice(secret_key.expose().as_bytes()) {
        Ok(mut mac) => {
            mac.update(string_to_sign.as_bytes());
            mac.verify_slice(&expected).is_ok()
        }
        Err(_) => false,
    }
}

/// Signs a request in place, exactly as huaweicloudsdkcore 3.1.219 does.
///
/// In order: removes any `Authorization`; adds `X-Security-Token` (marked
/// sensitive) with temporary credentials; adds `X-Sdk-Content-Sha256:
/// UNSIGNED-PAYLOAD` when `Content-Type` is set and is neither JSON nor BSON;
/// sets `X-Sdk-Date` from `now` (replacing any); sets `Host` from the URI
/// authority (with its port when the URI has one) unless a `Host` header is
/// present; trims surrounding whitespace from every header value (the official
/// client sends the trimmed values); then signs every header whose
/// name has no `_` and sets `Authorization`.
///
/// Sign last: a header added afterwards is not covered (reqwest's own
/// `Content-Length`, `Accept` and the like are fine, the gateway ignores
/// unsigned headers). `body` must be the exact bytes sent.
pub fn sign(
    creds: &AccessKeyCredentials,
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignError> {
    headers.remove(http::header::AUTHORIZATION);
    if let Some(token) = creds.security_token() {
        if token.is_blank() {
            return Err(SignError::InvalidSecurityToken);
        }
        let mut value =
            HeaderValue::from_str(token.expose()).map_err(|_| SignError::InvalidSecurityToken)?;
        value.set_sensitive(true);
        headers.insert(HEADER_SECURITY_TOKEN, value);
    }
    if let Some(content_type) = headers.get(http::header::CONTENT_TYPE) {
        let bytes = content_type.as_bytes();
        if !bytes.is_empty()
            && !bytes.starts_with(b"application/json")
            && !bytes.starts_with(b"application/bson")
        {
            headers.insert(
                HEADER_CONTENT_SHA256,
                HeaderValue::from_static(UNSIGNED_PAYLOAD),
            );
        }
    }
    let sdk_date = now.format(SDK_DATE_FORMAT).to_string();
    headers.insert(
        HEADER_SDK_DATE,
        HeaderValue::from_str(&sdk_date).map_err(|_| SignError::InvalidDate)?,
    );
    if !headers.contains_key(http::header::HOST) {
        let host = host_of(uri).ok_or(SignError::MissingHost)?;
        let value = HeaderValue::from_str(&host).map_err(|_| SignError::MissingHost)?;
        headers.insert(http::header::HOST, value);
    }
    // The official signer strips every header value and sends the stripped value.
    for (_, value) in headers.iter_mut() {
        let Ok(text) = std::str::from_utf8(value.as_bytes()) else {
            continue;
        };
        let trimmed = text.trim();
        if trimmed.len() == text.len() {
            continue;
        }
        if let Ok(mut new) = HeaderValue::from_bytes(trimmed.as_bytes()) {
            new.set_sensitive(value.is_sensitive());
            *value = new;
        }
    }
    let signed = signed_header_names(headers);
    let canonical = canonical_request(method, uri, headers, &signed, body)?;
    let to_sign = string_to_sign(&sdk_date, &canonical);
    let authorization = format!(
        "{ALGORITHM} Access={}, SignedHeaders={}, Signature={}",
        creds.access_key(),
        signed.join(";"),
        signature(creds.secret_key(), &to_sign)
    );
    let value = HeaderValue::from_str(&authorization).map_err(|_| SignError::InvalidAccessKey)?;
    headers.insert(http::header::AUTHORIZATION, value);
    Ok(())
}

/// [`sign`] applied to an `http::Request`; `body` must be the exact bytes sent.
pub fn sign_request<B>(
    creds: &AccessKeyCredentials,
    req: &mut http::Request<B>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignError> {
    let method = req.method().clone();
    let uri = req.uri().clone();
    sign(creds, &method, &uri, req.headers_mut(), body, now)
}
