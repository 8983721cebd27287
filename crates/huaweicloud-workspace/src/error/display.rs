//! How every error reads: one line each, the request id last, and nothing
//! the service sent able to break the line. Apart from `error.rs` so that the
//! types and what callers ask of them read without the wording in between.

use std::fmt;

use super::{Error, ErrorMetadata, TimeoutScope};

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

impl fmt::Display for TimeoutScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutScope::Connect => "connect",
            TimeoutScope::Attempt => "attempt",
            TimeoutScope::Operation => "operation",
        })
    }
}

/// Collapses line breaks and runs of white space so `Display` stays on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
