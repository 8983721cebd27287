//! What an attempt's failure means: which [`Error`] it becomes, and whether
//! and how it may be retried. Separate from the retry loop (`client.rs`),
//! which only asks [`Failure::retry`] and, once it gives up,
//! [`Failure::into_error`] with the attempts it made.

use std::time::Duration;

use chrono::{DateTime, Utc};
use huaweicloud_workspace_api::types::ErrorResponse;

use crate::answer::{Answer, MAX_RESPONSE_BYTES, RetryAfter, prefix_of};
use crate::error::{Error, ErrorMetadata, TimeoutScope};

/// Whether and how a failed attempt may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Never: the same request would fail the same way, or must not be
    /// repeated (authentication: five bad signatures lock the key).
    Never,
    /// A passing fault (5xx, a reset, a timeout): the error budget applies.
    Transient,
    /// The service is throttling (429): slow down and try again.
    Throttle,
}

/// The service's error answers, by what a caller does about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServiceKind {
    Authentication,
    ClockSkew,
    Throttled,
    Other,
}

/// Why one attempt failed; becomes an [`Error`] once the loop stops.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The service answered with an error.
    Service {
        kind: ServiceKind,
        metadata: Box<ErrorMetadata>,
        retry_after: Option<RetryAfter>,
    },
    /// An answer this crate cannot use.
    Unreadable {
        status: u16,
        reason: String,
        body_prefix: Option<String>,
        request_id: Option<String>,
        retry_after: Option<RetryAfter>,
    },
    /// A 3xx: never followed.
    Redirect {
        status: u16,
        location: Option<String>,
        request_id: Option<String>,
    },
    /// No answer in time.
    Timeout {
        scope: TimeoutScope,
        after: Duration,
    },
    /// No answer at all.
    Transport { message: String },
    /// Refused before sending (signing, input): never retried.
    Refused(Error),
}

impl Failure {
    /// A 200 answer whose data are not usable (the body itself was fine).
    pub(crate) fn bad_data(answer: &Answer, reason: String) -> Failure {
        Failure::Unreadable {
            status: answer.status,
            reason,
            body_prefix: None,
            request_id: answer.request_id.clone(),
            retry_after: None,
        }
    }

    /// A body that is not the documented JSON.
    pub(crate) fn bad_body(answer: &Answer, reason: String) -> Failure {
        Failure::Unreadable {
            status: answer.status,
            reason,
            body_prefix: Some(prefix_of(answer)),
            request_id: answer.request_id.clone(),
            retry_after: answer.retry_after,
        }
    }

    /// Whether and how the attempt may be retried.
    pub(crate) fn retry(&self) -> Retry {
        match self {
            Failure::Service { kind, metadata, .. } => match kind {
                ServiceKind::Authentication | ServiceKind::ClockSkew => Retry::Never,
                ServiceKind::Throttled => Retry::Throttle,
                ServiceKind::Other if is_retryable_status(metadata.status) => Retry::Transient,
                ServiceKind::Other => Retry::Never,
            },
            Failure::Unreadable { status, .. } if is_retryable_status(*status) => Retry::Transient,
            Failure::Timeout { .. } | Failure::Transport { .. } => Retry::Transient,
            Failure::Unreadable { .. } | Failure::Redirect { .. } | Failure::Refused(_) => {
                Retry::Never
            }
        }
    }

    /// The wait the service asked for, seen from `now`.
    pub(crate) fn retry_after(&self, now: DateTime<Utc>) -> Option<Duration> {
        match self {
            Failure::Service { retry_after, .. } | Failure::Unreadable { retry_after, .. } => {
                retry_after.map(|r| r.delay_from(now))
            }
            _ => None,
        }
    }

    /// The error to report after `attempts` attempts.
    pub(crate) fn into_error(self, attempts: u32) -> Error {
        match self {
            Failure::Service { kind, metadata, .. } => match kind {
                ServiceKind::Authentication => Error::Authentication(metadata),
                ServiceKind::ClockSkew => Error::ClockSkew(metadata),
                ServiceKind::Throttled => Error::Throttled { metadata, attempts },
                ServiceKind::Other => Error::Api(metadata),
            },
            Failure::Unreadable {
                status,
                reason,
                body_prefix,
                request_id,
                ..
            } => Error::InvalidResponse {
                status,
                reason,
                body_prefix,
                request_id,
            },
            Failure::Redirect {
                status,
                location,
                request_id,
            } => Error::Redirect {
                status,
                location,
                request_id,
            },
            Failure::Timeout { scope, after } => Error::Timeout {
                scope,
                after,
                attempts,
            },
            Failure::Transport { message } => Error::Transport { message, attempts },
            Failure::Refused(error) => error,
        }
    }
}

impl Failure {
    /// What went wrong in a few words, for a person reading a retry
    /// warning: no URL, no body, no service text (those are in the error
    /// once the retries run out, and in the structured log lines).
    pub(crate) fn summary(&self) -> String {
        match self {
            Failure::Service {
                kind: ServiceKind::Throttled,
                metadata,
                ..
            } => format!("throttled (HTTP {})", metadata.status),
            Failure::Service { metadata, .. } => format!("HTTP {}", metadata.status),
            Failure::Unreadable { status, .. } => format!("an unreadable answer (HTTP {status})"),
            Failure::Redirect { status, .. } => format!("a redirect (HTTP {status})"),
            Failure::Timeout {
                scope: TimeoutScope::Connect,
                after,
            } => format!("no connection within {}", seconds(*after)),
            Failure::Timeout { after, .. } => format!("no answer within {}", seconds(*after)),
            Failure::Transport { .. } => "the connection failed".to_string(),
            Failure::Refused(_) => "refused before sending".to_string(),
        }
    }
}

/// `2 s`, `0.5 s`: a duration as a person reads it in a warning.
pub(crate) fn seconds(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Sorts an answer before any operation reads it: `Ok` for a 2xx whose body
/// an operation may decode, the failure otherwise (an error status, a
/// redirect, a 2xx carrying an `error_code`, a body over the cap).
pub(crate) fn check(answer: &Answer) -> Result<(), Failure> {
    if answer.oversize {
        return Err(Failure::bad_body(
            answer,
            format!("the body is larger than the {MAX_RESPONSE_BYTES}-byte cap"),
        ));
    }
    if let Some(encoding) = &answer.content_encoding
        && !encoding.trim().eq_ignore_ascii_case("identity")
    {
        return Err(Failure::bad_body(
            answer,
            format!(
                "the body is {:?}-encoded although no encoding was asked for",
                encoding.trim()
            ),
        ));
    }
    if (300..400).contains(&answer.status) {
        return Err(Failure::Redirect {
            status: answer.status,
            location: answer.location.clone(),
            request_id: answer.request_id.clone(),
        });
    }
    if (200..300).contains(&answer.status) {
        // A 2xx that carries an error_code is an error answer.
        if mentions_error_code(&answer.body)
            && let Ok(body) = serde_json::from_slice::<ErrorResponse>(&answer.body)
            && body.error_code.is_some()
        {
            return Err(service_error(answer, body));
        }
        return Ok(());
    }
    match serde_json::from_slice::<ErrorResponse>(&answer.body) {
        Ok(body) => Err(service_error(answer, body)),
        // Without the documented body, the status alone still says enough
        // for these three.
        Err(_) if matches!(answer.status, 401 | 403 | 429) => {
            Err(service_error(answer, ErrorResponse::default()))
        }
        Err(e) => Err(Failure::bad_body(
            answer,
            format!("the error body is not the documented JSON: {e}"),
        )),
    }
}

/// Classifies an error answer that carried (or stood for) the documented body.
fn service_error(answer: &Answer, body: ErrorResponse) -> Failure {
    let kind = match body.error_code.as_deref() {
        Some("APIG.0303") => ServiceKind::ClockSkew,
        Some("APIG.0308") => ServiceKind::Throttled,
        Some("APIG.0301") => ServiceKind::Authentication,
        _ => match answer.status {
            401 | 403 => ServiceKind::Authentication,
            429 => ServiceKind::Throttled,
            _ => ServiceKind::Other,
        },
    };
    Failure::Service {
        kind,
        metadata: Box::new(ErrorMetadata {
            status: answer.status,
            code: body.error_code,
            message: body.error_msg,
            detail: body.error_detail,
            encoded_authorization_message: body.encoded_authorization_message,
            request_id: answer.request_id.clone(),
        }),
        retry_after: answer.retry_after,
    }
}

/// Whether a body holds the key `"error_code"` (then a 2xx is read as an error).
pub(crate) fn mentions_error_code(body: &[u8]) -> bool {
    // memchr's SIMD search: comparing 12 bytes at every offset of a
    // 100-desktop page cost a tenth of decoding it.
    memchr::memmem::find(body, b"\"error_code\"").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            request_id: Some("r-1".into()),
            ..Answer::ok(body.as_bytes().to_vec())
        }
    }

    fn kind(status: u16, body: &str) -> (Retry, Error) {
        let failure = check(&answer(status, body)).expect_err("an error answer");
        (failure.retry(), failure.into_error(1))
    }

    #[test]
    fn error_code_is_found_in_text_and_in_bytes_that_are_not_utf8() {
        assert!(mentions_error_code(br#"{"error_code":"APIG.0308"}"#));
        assert!(mentions_error_code(b"\xff\xfe{\"error_code\":1}"));
        assert!(!mentions_error_code(
            br#"{"desktop_used_info_list":[],"total_count":0}"#
        ));
        assert!(!mentions_error_code(b"\xff\"error_cod\""));
        assert!(!mentions_error_code(b""));
    }

    #[test]
    fn a_retry_warning_says_what_failed_without_urls_or_service_text() {
        let summary = |status: u16, body: &str| {
            check(&answer(status, body))
                .expect_err("an error answer")
                .summary()
        };
        let said = r#"{"error_code":"APIG.0308","error_msg":"see https://example.invalid/x"}"#;
        assert_eq!(summary(429, said), "throttled (HTTP 429)");
        assert_eq!(
            summary(503, "<html>busy</html>"),
            "an unreadable answer (HTTP 503)"
        );
        assert_eq!(
            summary(500, r#"{"error_code":"WKS.0001","error_msg":"m"}"#),
            "HTTP 500"
        );
        let transport = Failure::Transport {
            message: "error sending request for url (https://workspace.example/v2/p)".into(),
        };
        assert_eq!(transport.summary(), "the connection failed");
        let timeout = Failure::Timeout {
            scope: TimeoutScope::Attempt,
            after: Duration::from_millis(2500),
        };
        assert_eq!(timeout.summary(), "no answer within 2.5 s");
        assert_eq!(seconds(Duration::from_secs(2)), "2 s");
    }

    #[test]
    fn classification() {
        let body = |code: &str| format!(r#"{{"error_code":"{code}","error_msg":"m"}}"#);
        assert!(matches!(
            kind(401, &body("APIG.0303")),
            (Retry::Never, Error::ClockSkew(_))
        ));
        assert!(matches!(
            kind(401, &body("APIG.0301")),
            (Retry::Never, Error::Authentication(_))
        ));
        assert!(matches!(
            kind(429, &body("APIG.0308")),
            (Retry::Throttle, Error::Throttled { .. })
        ));
        assert!(matches!(
            kind(500, &body("WKS.9999")),
            (Retry::Transient, Error::Api(_))
        ));
        assert!(matches!(
            kind(400, &body("WKS.0001")),
            (Retry::Never, Error::Api(_))
        ));
        assert!(matches!(
            kind(404, &body("APIG.0101")),
            (Retry::Never, Error::Api(_))
        ));
        assert!(matches!(
            kind(200, &body("WKS.0002")),
            (Retry::Never, Error::Api(_))
        ));
        assert!(matches!(
            kind(502, "<html>"),
            (Retry::Transient, Error::InvalidResponse { .. })
        ));
        assert!(matches!(
            kind(429, ""),
            (Retry::Throttle, Error::Throttled { .. })
        ));
        assert!(matches!(
            kind(307, ""),
            (Retry::Never, Error::Redirect { .. })
        ));
        assert!(check(&answer(200, "{}")).is_ok());
    }

    #[test]
    fn a_403_keeps_the_policy_denial() {
        let (retry, error) = kind(
            403,
            r#"{"error_code":"WKS.0403","error_msg":"denied","encoded_authorization_message":"ZW5j"}"#,
        );
        assert_eq!(retry, Retry::Never);
        let meta = error.metadata().expect("a service answer");
        assert_eq!(meta.encoded_authorization_message(), Some("ZW5j"));
        assert_eq!(meta.request_id(), Some("r-1"));
        assert!(matches!(error, Error::Authentication(_)));
    }
}
