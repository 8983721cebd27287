//! The one error type of the crate, and what the service said in an error answer.

use std::fmt;
use std::time::Duration;

/// What the service said in an error answer: the HTTP status, its error
/// code and message, and the request id to quote to support (after the AWS
/// SDKs' `ErrorMetadata`). Every service error carries one.
///
/// ```
/// # async fn run(client: huaweicloud_workspace::Client) {
/// use huaweicloud_workspace::Error;
///
/// match client.desktop_usage().last_days(7).send().await {
///     Ok(report) => println!("{} h", report.total_hours()),
///     Err(e) => {
///         if let Some(meta) = e.metadata() {
///             eprintln!("HTTP {} {:?}: {:?} (request id {:?})",
///                 meta.status(), meta.code(), meta.message(), meta.request_id());
///         }
///         eprintln!("{e}");
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorMetadata {
    pub(crate) status: u16,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) detail: Option<String>,
    pub(crate) encoded_authorization_message: Option<String>,
    pub(crate) request_id: Option<String>,
}

impl ErrorMetadata {
    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The service's error code (`APIG.0301`, `WKS.0001`, …), when it gave one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The service's message, when it gave one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// More detail (`error_detail`), when given.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// For a refusal by an access policy: the encoded reason. IAM's
    /// `decode-authorization-message` turns it into the denied action.
    pub fn encoded_authorization_message(&self) -> Option<&str> {
        self.encoded_authorization_message.as_deref()
    }

    /// The `X-Request-Id` of the answer: quote it to support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for ErrorMetadata {
    /// `HTTP 400 WKS.0001: message (detail); encoded authorization message: …`
    /// on one line; the request id is left to the error that holds it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {}", one_line(code))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", one_line(message))?;
        }
        if let Some(detail) = &self.detail {
            write!(f, " ({})", one_line(detail))?;
        }
        if let Some(encoded) = &self.encoded_authorization_message {
            write!(f, "; encoded authorization message: {}", one_line(encoded))?;
        }
        Ok(())
    }
}

/// Everything that can go wrong, typed so callers can act on it.
///
/// `Display` is one line, ending with the request id when the service gave
/// one; no variant ever holds a secret key, security token or IAM token.
/// [`class`](Error::class) sorts errors into the four things a caller does
/// about them (fix the input, fix the credentials, ask the service's
/// support, retry later).
///
/// `main` returning `Result<(), Error>` would print `Debug`; print the
/// one-line `Display` instead:
///
/// ```no_run
/// use huaweicloud_workspace::{Client, Error, ErrorClass};
///
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     match run().await {
///         Ok(()) => std::process::ExitCode::SUCCESS,
///         Err(e) => {
///             eprintln!("error: {e}");
///             if e.class() == ErrorClass::InvalidInput {
///                 eprintln!("(nothing was sent)");
///             }
///             std::process::ExitCode::FAILURE
///         }
///     }
/// }
///
/// async fn run() -> Result<(), Error> {
///     let client = Client::builder().region("cn-north-4").build()?;
///     let report = client.desktop_usage().last_days(30).send().await?;
///     println!("{} h", report.total_hours());
///     Ok(())
/// }
/// ```
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
    /// `APIG.0301` and friends). Never retried: repeated bad signatures lock
    /// the key. A refusal by an access policy keeps the service's
    /// [`encoded_authorization_message`](ErrorMetadata::encoded_authorization_message).
    Authentication(Box<ErrorMetadata>),
    /// The gateway refused the signature's date (`APIG.0303`): the local clock
    /// is more than 15 minutes off.
    ClockSkew(Box<ErrorMetadata>),
    /// Still throttled (HTTP 429, `APIG.0308`) after every allowed attempt.
    Throttled {
        /// What the last answer said.
        metadata: Box<ErrorMetadata>,
        /// Attempts made.
        attempts: u32,
    },
    /// Any other error answer of the service, with everything it said.
    Api(Box<ErrorMetadata>),
    /// The service answered with a redirect. The API never redirects, so
    /// none is followed: credentials never go to another host.
    Redirect {
        /// HTTP status (3xx).
        status: u16,
        /// The `Location` header, when there was one.
        location: Option<String>,
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
        /// The first bytes of the body ([`BODY_PREFIX_BYTES`](crate::answer::BODY_PREFIX_BYTES) at most), as
        /// text, when the bytes themselves were unreadable; `None` when the
        /// body was well-formed but its data were not usable (the reason says why).
        body_prefix: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// No usable credentials: none found, or a source was malformed.
    Credentials(#[from] huaweicloud_signer::CredentialsError),
    /// The project id was to be found through IAM (`KeystoneListProjects`,
    /// `GET /v3/projects?name={region}`) and IAM did not name exactly one
    /// project for the region: none (most likely a wrong region) or several.
    ProjectId {
        /// The region asked for.
        region: String,
        /// How many projects IAM named.
        found: usize,
        /// The `X-IAM-Trace-Id` of IAM's answer: quote it to support.
        iam_trace_id: Option<String>,
    },
    /// A request could not be signed (e.g. a header value that is not valid).
    Signing {
        /// Why.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput { field, rule } => write!(f, "invalid {field}: {rule}"),
            Error::Authentication(m) if m.status == 403 => write!(
                f,
                "permission denied: {m}; check the project id and the access policy of the user or agency (not retried){}",
                RequestId(&m.request_id)
            ),
            Error::Authentication(m) => write!(
                f,
                "authentication failed: {m}; check the access key, secret key, token and project id (not retried){}",
                RequestId(&m.request_id)
            ),
            Error::ClockSkew(m) => write!(
                f,
                "the local clock is off: the gateway refused the signature's date (more than 15 minutes from its time); synchronise the clock (NTP): {m}{}",
                RequestId(&m.request_id)
            ),
            Error::Throttled { metadata, attempts } => write!(
                f,
                "throttled by the service after {}: {metadata}; lower the concurrency or retry later{}",
                Attempts(*attempts),
                RequestId(&metadata.request_id)
            ),
            Error::Api(m) => write!(f, "service error: {m}{}", RequestId(&m.request_id)),
            Error::Redirect {
                status,
                location,
                request_id,
            } => {
                write!(f, "the service answered HTTP {status}, a redirect")?;
                if let Some(location) = location {
                    write!(f, " to {location:?}")?;
                }
                write!(
                    f,
                    "; redirects are never followed (credentials stay with the configured endpoint): check the endpoint{}",
                    RequestId(request_id)
                )
            }
            Error::Timeout {
                scope,
                after,
                attempts,
            } => write!(
                f,
                "timed out: the {scope} timeout of {} s was reached (after {})",
                after.as_secs_f64(),
                Attempts(*attempts)
            ),
            Error::Transport { message, attempts } => write!(
                f,
                "network error after {}: {}",
                Attempts(*attempts),
                one_line(message)
            ),
            Error::InvalidResponse {
                status,
                reason,
                body_prefix,
                request_id,
            } => write!(
                f,
                "unreadable response (HTTP {status}): {}{}{}",
                one_line(reason),
                BodyPrefix(body_prefix),
                RequestId(request_id)
            ),
            Error::Credentials(e) => write!(f, "credentials: {e}"),
            Error::Signing { message } => write!(f, "could not sign the request: {message}"),
            Error::ProjectId {
                region,
                found: 0,
                iam_trace_id,
            } => write!(
                f,
                "IAM has no project named {region:?} for these credentials: is the region right? Set the project id to skip the lookup (X-IAM-Trace-Id: {})",
                iam_trace_id.as_deref().unwrap_or("none")
            ),
            Error::ProjectId {
                region,
                found,
                iam_trace_id,
            } => write!(
                f,
                "IAM has {found} projects named {region:?}: set the project id explicitly (X-IAM-Trace-Id: {})",
                iam_trace_id.as_deref().unwrap_or("none")
            ),
        }
    }
}

/// ` (request id X)` when there is one.
struct RequestId<'a>(&'a Option<String>);

impl fmt::Display for RequestId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request id {})", one_line(id)),
            None => Ok(()),
        }
    }
}

/// `1 attempt`, `3 attempts`.
struct Attempts(u32);

impl fmt::Display for Attempts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("1 attempt"),
            n => write!(f, "{n} attempts"),
        }
    }
}

/// What an unreadable body looked like, when that is what went wrong.
struct BodyPrefix<'a>(&'a Option<String>);

impl fmt::Display for BodyPrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_deref() {
            None => Ok(()),
            Some("") => f.write_str("; the body is empty"),
            Some(prefix) => write!(f, "; body starts with {prefix:?}"),
        }
    }
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

/// Broad classes of [`Error`]: what the caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Bad input or settings, found before anything was sent: fix the call
    /// ([`Error::InvalidInput`], [`Error::Signing`], and missing or malformed
    /// credentials, [`Error::Credentials`]).
    InvalidInput,
    /// The service refused the credentials or permissions, or the clock is
    /// off ([`Error::Authentication`], [`Error::ClockSkew`]).
    Authentication,
    /// The service answered with an error or something unreadable
    /// ([`Error::Api`], [`Error::Throttled`], [`Error::InvalidResponse`],
    /// [`Error::Redirect`]).
    Api,
    /// No answer: network trouble or a timeout ([`Error::Transport`], [`Error::Timeout`]).
    Network,
}

impl Error {
    pub(crate) fn invalid(field: &'static str, rule: impl Into<String>) -> Error {
        Error::InvalidInput {
            field,
            rule: rule.into(),
        }
    }

    /// The class of the error: what the caller can do about it.
    pub fn class(&self) -> ErrorClass {
        match self {
            // Missing or malformed credentials are caught before anything is
            // sent: bad input, not a refusal by the service.
            // A region IAM knows no project for is a wrong setting.
            Error::InvalidInput { .. }
            | Error::Signing { .. }
            | Error::Credentials(_)
            | Error::ProjectId { .. } => ErrorClass::InvalidInput,
            Error::Authentication(_) | Error::ClockSkew(_) => ErrorClass::Authentication,
            Error::Api(_)
            | Error::Throttled { .. }
            | Error::InvalidResponse { .. }
            | Error::Redirect { .. } => ErrorClass::Api,
            Error::Timeout { .. } | Error::Transport { .. } => ErrorClass::Network,
        }
    }

    /// What the service said, for errors that are the service's answer
    /// ([`Error::Authentication`], [`Error::ClockSkew`], [`Error::Throttled`], [`Error::Api`]).
    pub fn metadata(&self) -> Option<&ErrorMetadata> {
        match self {
            Error::Authentication(m)
            | Error::ClockSkew(m)
            | Error::Api(m)
            | Error::Throttled { metadata: m, .. } => Some(&**m),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::InvalidResponse { status, .. } | Error::Redirect { status, .. } => Some(*status),
            other => other.metadata().map(ErrorMetadata::status),
        }
    }

    /// The `X-Request-Id` of the answer, when there was one: quote it to support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::InvalidResponse { request_id, .. } | Error::Redirect { request_id, .. } => {
                request_id.as_deref()
            }
            other => other.metadata().and_then(ErrorMetadata::request_id),
        }
    }

    /// The service's error code (`APIG.0301`, `WKS.0001`, …), when it gave one.
    pub fn code(&self) -> Option<&str> {
        self.metadata().and_then(ErrorMetadata::code)
    }

    /// The service's own message, when it gave one (the whole story is `Display`).
    pub fn message(&self) -> Option<&str> {
        self.metadata().and_then(ErrorMetadata::message)
    }
}

/// Collapses line breaks and runs of white space so `Display` stays on one line.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_metadata() {
        assert_eq!(
            Error::invalid("page_size", "x").class(),
            ErrorClass::InvalidInput
        );
        let auth = Error::Authentication(Box::new(ErrorMetadata {
            status: 403,
            code: Some("WKS.0403".into()),
            encoded_authorization_message: Some("ZW5j".into()),
            request_id: Some("r".into()),
            ..ErrorMetadata::default()
        }));
        assert_eq!(auth.class(), ErrorClass::Authentication);
        assert_eq!(auth.request_id(), Some("r"));
        assert_eq!(auth.status(), Some(403));
        let text = auth.to_string();
        assert!(
            text.starts_with("permission denied: HTTP 403 WKS.0403"),
            "{text}"
        );
        assert!(
            text.contains("encoded authorization message: ZW5j"),
            "{text}"
        );
        assert!(text.ends_with("(request id r)"), "{text}");
        let network = Error::Transport {
            message: "reset".into(),
            attempts: 1,
        };
        assert_eq!(network.class(), ErrorClass::Network);
        assert_eq!(network.to_string(), "network error after 1 attempt: reset");
    }

    #[test]
    fn an_unusable_body_that_is_not_empty_is_not_called_empty() {
        let data = Error::InvalidResponse {
            status: 200,
            reason: "the page has no total_count".into(),
            body_prefix: None,
            request_id: None,
        };
        assert!(!data.to_string().contains("empty"), "{data}");
        let empty = Error::InvalidResponse {
            status: 503,
            reason: "x".into(),
            body_prefix: Some(String::new()),
            request_id: None,
        };
        assert!(empty.to_string().contains("the body is empty"), "{empty}");
    }
}
