//! The one transport: every operation's request goes out through
//! [`Transport::send`], which signs it on its exact bytes, sends it, reads
//! the answer under a size cap and hands back an [`Answer`]: status, the
//! headers this crate reads, and the body, whatever the body is.
//!
//! What it must not do: decode bodies (each operation's `decode` does), retry
//! (the retry loop in `client.rs` does), or follow redirects (credentials
//! would go to another host).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use huaweicloud_signer::Credentials;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::classify::Failure;
use crate::credentials::CredentialsSource;
use crate::error::{Error, TimeoutScope, body_prefix};

/// The largest response body read, in bytes (16 MiB). A full page of 100
/// desktops × 31 days × 24 hours is about 4 MiB; a larger body is refused as
/// [`Error::InvalidResponse`] rather than read into memory.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// When the service asked to be called again (`Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 3` (seconds).
    Delay(Duration),
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT` (an HTTP date).
    At(DateTime<Utc>),
}

impl RetryAfter {
    /// Reads a `Retry-After` value in either of its two forms; `None` for anything else.
    pub fn parse(value: &str) -> Option<RetryAfter> {
        let value = value.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(RetryAfter::Delay(Duration::from_secs(seconds)));
        }
        // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is RFC 2822 with GMT.
        DateTime::parse_from_rfc2822(value)
            .ok()
            .map(|at| RetryAfter::At(at.with_timezone(&Utc)))
    }

    /// The wait it asks for, seen from `now` (zero for a date in the past).
    pub fn delay_from(self, now: DateTime<Utc>) -> Duration {
        match self {
            RetryAfter::Delay(d) => d,
            RetryAfter::At(at) => (at - now).to_std().unwrap_or(Duration::ZERO),
        }
    }
}

/// One answer of the service, as the transport read it: any status, any body.
///
/// Each operation's decode function takes an `Answer`; so do the fuzz
/// targets and the decode benchmark, which build one with [`Answer::ok`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `X-Request-Id` header (IAM's `X-IAM-Trace-Id` when there is none).
    pub request_id: Option<String>,
    /// The `Retry-After` header, when it could be read.
    pub retry_after: Option<RetryAfter>,
    /// The `Location` header (of a redirect).
    pub location: Option<String>,
    /// The `Content-Encoding` header: this crate asks for none, so any but
    /// `identity` makes the body unreadable.
    pub content_encoding: Option<String>,
    /// The body; only its first bytes when it was larger than the cap.
    pub body: Bytes,
    /// Whether the body was larger than [`MAX_RESPONSE_BYTES`] (and so not read whole).
    pub oversize: bool,
}

impl Answer {
    /// A `200 OK` answer with this body and no headers.
    pub fn ok(body: impl Into<Bytes>) -> Answer {
        Answer {
            status: 200,
            request_id: None,
            retry_after: None,
            location: None,
            content_encoding: None,
            body: body.into(),
            oversize: false,
        }
    }
}

/// The most a body buffer is sized to in advance (pages are about 150 KB).
const PRESIZE_CAP: u64 = 1 << 20;

/// Signs and sends requests; one per client, shared by its clones.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) credentials: CredentialsSource,
    pub(crate) user_agent: HeaderValue,
    pub(crate) attempt_timeout: Duration,
    /// The connect timeout of the HTTP client this crate built (unknown for a caller's own).
    pub(crate) connect_timeout: Option<Duration>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("credentials", &self.credentials)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Sends one attempt of `request` for `project_id` (none for IAM) and
    /// reads the whole answer.
    pub(crate) async fn send(
        &self,
        mut request: reqwest::Request,
        project_id: Option<&str>,
    ) -> Result<Answer, Failure> {
        let credentials = self.credentials.current().await?;
        self.sign(&mut request, project_id, &credentials)
            .map_err(Failure::Refused)?;
        match tokio::time::timeout(self.attempt_timeout, self.exchange(request)).await {
            Ok(result) => result.map_err(|e| self.transport_failure(&e)),
            Err(_) => Err(Failure::Timeout {
                scope: TimeoutScope::Attempt,
                after: self.attempt_timeout,
            }),
        }
    }

    async fn exchange(&self, request: reqwest::Request) -> reqwest::Result<Answer> {
        let mut response = self.http.execute(request).await?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        // Sized from Content-Length, so a page is read without regrowing;
        // capped, as the header is the service's word, not a promise.
        let expected = response.content_length().unwrap_or(0).min(PRESIZE_CAP);
        let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        let mut oversize = false;
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                oversize = true;
                // Keep what an error message shows, not 16 MiB.
                body.truncate(crate::error::BODY_PREFIX_BYTES + 4);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            // IAM names its request id X-IAM-Trace-Id.
            request_id: header_text(&headers, "x-request-id")
                .or_else(|| header_text(&headers, "x-iam-trace-id")),
            retry_after: header_text(&headers, "retry-after")
                .as_deref()
                .and_then(RetryAfter::parse),
            location: header_text(&headers, "location"),
            content_encoding: header_text(&headers, "content-encoding"),
            body: Bytes::from(body),
            oversize,
        })
    }

    fn transport_failure(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            if e.is_connect() {
                return Failure::Timeout {
                    scope: TimeoutScope::Connect,
                    after: self.connect_timeout.unwrap_or(self.attempt_timeout),
                };
            }
            return Failure::Timeout {
                scope: TimeoutScope::Attempt,
                after: self.attempt_timeout,
            };
        }
        Failure::Transport {
            message: error_chain(e),
        }
    }

    /// Adds `X-Project-Id`, `User-Agent` (and `Content-Type` for a body),
    /// then signs with AK/SK on the exact body bytes and query string, or
    /// adds the IAM token. Runs for every attempt: a retry gets a fresh
    /// `X-Sdk-Date`.
    fn sign(
        &self,
        request: &mut reqwest::Request,
        project_id: Option<&str>,
        credentials: &Credentials,
    ) -> Result<(), Error> {
        let has_body = request.body().is_some();
        if let Some(project_id) = project_id {
            let project = HeaderValue::from_str(project_id)
                .map_err(|_| Error::invalid("project_id", "must be a valid header value"))?;
            request
                .headers_mut()
                .insert(HeaderName::from_static("x-project-id"), project);
        }
        let headers = request.headers_mut();
        if has_body && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers.insert(USER_AGENT, self.user_agent.clone());
        match credentials {
            Credentials::AccessKey(keys) => {
                let uri: http::Uri =
                    request.url().as_str().parse().map_err(|e| Error::Signing {
                        message: format!("the request URL is not a valid URI: {e}"),
                    })?;
                let method = request.method().clone();
                let mut headers: HeaderMap = std::mem::take(request.headers_mut());
                let body: &[u8] = request.body().and_then(|b| b.as_bytes()).unwrap_or(&[]);
                let signed =
                    huaweicloud_signer::sign(keys, &method, &uri, &mut headers, body, Utc::now());
                *request.headers_mut() = headers;
                signed.map_err(|e| Error::Signing {
                    message: e.to_string(),
                })
            }
            Credentials::IamToken(token) => {
                let mut value =
                    HeaderValue::from_str(token.expose()).map_err(|_| Error::Signing {
                        message: "the IAM token is not a valid header value".to_string(),
                    })?;
                value.set_sensitive(true);
                request
                    .headers_mut()
                    .insert(HeaderName::from_static("x-auth-token"), value);
                Ok(())
            }
        }
    }
}

/// An error and its causes, on one line; reqwest errors carry no secrets
/// (the URL holds none either).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let s = cause.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        source = cause.source();
    }
    text
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The start of an unreadable body, for an error message.
pub(crate) fn prefix_of(answer: &Answer) -> String {
    body_prefix(&answer.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(
            RetryAfter::parse(" 3 "),
            Some(RetryAfter::Delay(Duration::from_secs(3)))
        );
        let now = DateTime::parse_from_rfc3339("2026-10-21T07:27:50Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = RetryAfter::parse("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        assert_eq!(at.delay_from(now), Duration::from_secs(10));
        // A date already past asks for no wait at all.
        let past = RetryAfter::parse("Wed, 21 Oct 2026 07:00:00 GMT").unwrap();
        assert_eq!(past.delay_from(now), Duration::ZERO);
        for junk in ["", "soon", "-1", "1.5", "Wed, 99 Oct 2026 07:28:00 GMT"] {
            assert_eq!(RetryAfter::parse(junk), None, "{junk:?}");
        }
    }
}
