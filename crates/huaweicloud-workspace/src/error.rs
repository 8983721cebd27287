//! The one error type of the crate, and what the service said in an error answer.

use std::time::Duration;

mod display;
#[cfg(test)]
mod tests;

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
