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
use chrono::Utc;
use huaweicloud_signer::Credentials;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::answer::{Answer, BODY_PREFIX_BYTES, MAX_RESPONSE_BYTES, RetryAfter, error_chain};
use crate::classify::Failure;
use crate::credentials::CredentialsSource;
use crate::error::{Error, TimeoutScope};

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
                body.truncate(BODY_PREFIX_BYTES + 4);
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

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
