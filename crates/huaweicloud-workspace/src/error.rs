//! The one error type of the crate.

use std::fmt;
use std::time::Duration;

/// How many bytes of an undecodable body an [`Error::InvalidResponse`] keeps.
pub const BODY_PREFIX_BYTES: usize = 256;

/// Everything that can go wrong, typed so callers can act on it.
///
/// `Display` is one line, ending with the request id when the service gave
/// one; no variant ever holds a secret key, security token or IAM token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting or query parameter broke a rule; nothing was sent.
    InvalidInput {
        /// The setting or parameter, as named in this crate's API.
        field: &'static str,
        /// The rule it broke, and what was given when that is not a secret.
        rule: String,
    },
    /// The service refused the credentials or the permission (HTTP 401/403,
    /// `APIG.0301` and friends). Never retried: repeated bad signatures lock the key.
    Authentication {
        /// HTTP status (401 or 403).
        status: u16,
        /// The error code, e.g. `APIG.0301`.
        code: Option<String>,
        /// The service's message.
        message: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// The gateway refused the signature's date (`APIG.0303`): the local clock
    /// is more than 15 minutes off.
    ClockSkew {
        /// HTTP status.
        status: u16,
        /// The error code (`APIG.0303`).
        code: Option<String>,
        /// The service's message.
        message: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// Still throttled (HTTP 429, `APIG.0308`) after every allowed attempt.
    Throttled {
        /// Attempts made.
        attempts: u32,
        /// The error code of the last answer, e.g. `APIG.0308`.
        code: Option<String>,
        /// The service's message.
        message: Option<String>,
        /// The `X-Request-Id` of the last response.
        request_id: Option<String>,
    },
    /// Any other error answer of the service, with everything it said.
    Api {
        /// HTTP status.
        status: u16,
        /// The error code, e.g. `WKS.0001`.
        code: Option<String>,
        /// The service's message.
        message: Option<String>,
        /// More detail, when given.
        detail: Option<String>,
        /// For a refusal by access policy: the encoded reason (decode it with
        /// the STS `decode-authorization-message` API).
        encoded_authorization_message: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// No answer in time.
    Timeout {
        /// Which limit was hit.
        scope: TimeoutScope,
        /// The limit.
        after: Duration,
        /// Attempts made.
        attempts: u32,
    },
    /// The connection failed (refused, reset, DNS, TLS, body cut short),
    /// after every allowed attempt.
    Transport {
        /// What happened, with its causes (never a secret).
        message: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The service answered something this crate cannot read: a body that is
    /// not the documented JSON (an HTML page from a gateway, an empty body),
    /// a body over the size cap, or data that contradicts itself.
    InvalidResponse {
        /// HTTP status of the answer (kept even when the body says nothing).
        status: u16,
        /// Why it could not be used.
        reason: String,
        /// The first bytes of the body ([`BODY_PREFIX_BYTES`] at most), as text.
        body_prefix: String,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// No usable credentials: none found, or a source was malformed.
    Credentials(#[from] huaweicloud_signer::CredentialsError),
    /// A request could not be signed (e.g. a header value that is not valid).
    Signing {
        /// Why.
        message: String,
    },
}

/// Which time limit an [`Error::Timeout`] hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutScope {
    /// Connecting to the endpoint.
    Connect,
    /// One attempt (request sent to response body read).
    Attempt,
    /// One operation, all attempts and backoff included.
    Operation,
}

impl fmt::Display for TimeoutScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutScope::Connect => "connect",
            TimeoutScope::Attempt => "attempt",
            TimeoutScope::Operation => "operation",
        })
    }
}

/// Broad classes of [`Error`], for exit codes and simple handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Bad input or settings, found before anything was sent: fix the call
    /// ([`Error::InvalidInput`], [`Error::Signing`], and missing or malformed
    /// credentials, [`Error::Credentials`]).
    InvalidInput,
    /// The service refused the credentials or permissions, or the clock is
    /// off ([`Error::Authentication`], [`Error::ClockSkew`]).
    Authentication,
    /// The service answered with an error or something unreadable
    /// ([`Error::Api`], [`Error::Throttled`], [`Error::InvalidResponse`]).
    Api,
    /// No answer: network trouble or a timeout ([`Error::Transport`], [`Error::Timeout`]).
    Network,
}

impl ErrorClass {
    /// The conventional process exit code: 2 input, 3 authentication, 4 API, 5 network.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorClass::InvalidInput => 2,
            ErrorClass::Authentication => 3,
            ErrorClass::Api => 4,
            ErrorClass::Network => 5,
        }
    }
}

impl Error {
    pub(crate) fn invalid(field: &'static str, rule: impl Into<String>) -> Error {
        Error::InvalidInput {
            field,
            rule: rule.into(),
        }
    }

    /// The class of the error (see [`ErrorClass::exit_code`]).
    pub fn class(&self) -> ErrorClass {
        match self {
            // Missing or malformed credentials are caught before anything is
            // sent: bad input, not a refusal by the service.
            Error::InvalidInput { .. } | Error::Signing { .. } | Error::Credentials(_) => {
                ErrorClass::InvalidInput
            }
            Error::Authentication { .. } | Error::ClockSkew { .. } => ErrorClass::Authentication,
            Error::Api { .. } | Error::Throttled { .. } | Error::InvalidResponse { .. } => {
                ErrorClass::Api
            }
            Error::Timeout { .. } | Error::Transport { .. } => ErrorClass::Network,
        }
    }

    /// The process exit code for this error: 2 input, 3 authentication, 4 API, 5 network.
    pub fn exit_class(&self) -> u8 {
        self.class().exit_code()
    }

    /// Whether nothing was sent because the input was invalid.
    pub fn is_invalid_input(&self) -> bool {
        self.class() == ErrorClass::InvalidInput
    }

    /// Whether credentials, permissions or the clock are at fault.
    pub fn is_authentication(&self) -> bool {
        self.class() == ErrorClass::Authentication
    }

    /// Whether the service answered with an error.
    pub fn is_api(&self) -> bool {
        self.class() == ErrorClass::Api
    }

    /// Whether the network failed or a time limit was hit.
    pub fn is_network(&self) -> bool {
        self.class() == ErrorClass::Network
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Authentication { status, .. }
            | Error::ClockSkew { status, .. }
            | Error::Api { status, .. }
            | Error::InvalidResponse { status, .. } => Some(*status),
            Error::Throttled { .. } => Some(429),
            _ => None,
        }
    }

    /// The `X-Request-Id` of the answer, when there was one: quote it to support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Authentication { request_id, .. }
            | Error::ClockSkew { request_id, .. }
            | Error::Throttled { request_id, .. }
            | Error::Api { request_id, .. }
            | Error::InvalidResponse { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The service's error code (`APIG.0301`, `WKS.0001`, …), when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Authentication { code, .. }
            | Error::ClockSkew { code, .. }
            | Error::Throttled { code, .. }
            | Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// Writes ` (CODE): message` style parts that are present.
fn code_and_message(
    f: &mut fmt::Formatter<'_>,
    status: u16,
    code: &Option<String>,
    message: &Option<String>,
) -> fmt::Result {
    write!(f, "HTTP {status}")?;
    if let Some(code) = code {
        write!(f, " {code}")?;
    }
    if let Some(message) = message {
        write!(f, ": {}", one_line(message))?;
    }
    Ok(())
}

fn request_id_suffix(f: &mut fmt::Formatter<'_>, request_id: &Option<String>) -> fmt::Result {
    match request_id {
        Some(id) => write!(f, " (request id {id})"),
        None => Ok(()),
    }
}

/// Collapses line breaks so `Display` stays on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput { field, rule } => write!(f, "invalid {field}: {rule}"),
            Error::Authentication {
                status,
                code,
                message,
                request_id,
            } => {
                f.write_str("authentication failed: ")?;
                code_and_message(f, *status, code, message)?;
                f.write_str(
                    "; check the access key, secret key, token and project id (not retried)",
                )?;
                request_id_suffix(f, request_id)
            }
            Error::ClockSkew {
                status,
                code,
                message,
                request_id,
            } => {
                f.write_str(
                    "the local clock is off: the gateway refused the signature's date (more than 15 minutes from its time); synchronise the clock (NTP): ",
                )?;
                code_and_message(f, *status, code, message)?;
                request_id_suffix(f, request_id)
            }
            Error::Throttled {
                attempts,
                code,
                message,
                request_id,
            } => {
                write!(f, "throttled by the service after {attempts} attempts: ")?;
                code_and_message(f, 429, code, message)?;
                f.write_str("; lower the concurrency or retry later")?;
                request_id_suffix(f, request_id)
            }
            Error::Api {
                status,
                code,
                message,
                detail,
                encoded_authorization_message,
                request_id,
            } => {
                f.write_str("service error: ")?;
                code_and_message(f, *status, code, message)?;
                if let Some(detail) = detail {
                    write!(f, " ({})", one_line(detail))?;
                }
                if let Some(encoded) = encoded_authorization_message {
                    write!(f, "; encoded authorization message: {encoded}")?;
                }
                request_id_suffix(f, request_id)
            }
            Error::Timeout {
                scope,
                after,
                attempts,
            } => {
                write!(f, "timed out: the {scope} timeout")?;
                if !after.is_zero() {
                    write!(f, " of {} s", after.as_secs_f64())?;
                }
                write!(f, " was reached (after {attempts} attempts)")
            }
            Error::Transport { message, attempts } => write!(
                f,
                "network error after {attempts} attempts: {}",
                one_line(message)
            ),
            Error::InvalidResponse {
                status,
                reason,
                body_prefix,
                request_id,
            } => {
                write!(
                    f,
                    "unreadable response (HTTP {status}): {}",
                    one_line(reason)
                )?;
                if body_prefix.is_empty() {
                    f.write_str("; the body is empty")?;
                } else {
                    write!(f, "; body starts with {body_prefix:?}")?;
                }
                request_id_suffix(f, request_id)
            }
            Error::Credentials(e) => write!(f, "credentials: {e}"),
            Error::Signing { message } => write!(f, "could not sign the request: {message}"),
        }
    }
}

/// The first [`BODY_PREFIX_BYTES`] of a body as text (lossy, cut on a character boundary).
pub(crate) fn body_prefix(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_PREFIX_BYTES)];
    let text = String::from_utf8_lossy(cut);
    let mut out = text.into_owned();
    if body.len() > BODY_PREFIX_BYTES {
        // A cut multi-byte character shows as U+FFFD; drop it.
        while out.ends_with('\u{FFFD}') {
            out.pop();
        }
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_prefix_is_bounded() {
        assert_eq!(body_prefix(b""), "");
        assert_eq!(body_prefix(b"<html>"), "<html>");
        let long = "é".repeat(300);
        let p = body_prefix(long.as_bytes());
        assert!(p.len() <= BODY_PREFIX_BYTES + 3);
        assert!(p.ends_with('…'));
        assert!(!p.contains('\u{FFFD}'));
    }

    #[test]
    fn classes_map_to_exit_codes() {
        assert_eq!(Error::invalid("page_size", "x").exit_class(), 2);
        let auth = Error::Authentication {
            status: 401,
            code: None,
            message: None,
            request_id: Some("r".into()),
        };
        assert_eq!(auth.exit_class(), 3);
        assert_eq!(auth.request_id(), Some("r"));
        assert_eq!(
            Error::Transport {
                message: "reset".into(),
                attempts: 3
            }
            .exit_class(),
            5
        );
        assert_eq!(
            Error::Throttled {
                attempts: 3,
                code: None,
                message: None,
                request_id: None
            }
            .exit_class(),
            4
        );
    }
}
