//! What the service answered, as the transport read it: the one type every
//! layer above the wire shares (the transport makes it, classification and
//! each operation's decoder read it), so none of them imports another for it.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};

/// The largest response body read, in bytes (16 MiB). A full page of 100
/// desktops × 31 days × 24 hours is about 4 MiB; a larger body is refused as
/// [`Error::InvalidResponse`](crate::error::Error::InvalidResponse) rather than read into memory.
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

/// How many bytes of an undecodable body an [`Error::InvalidResponse`](crate::Error::InvalidResponse) keeps.
pub const BODY_PREFIX_BYTES: usize = 256;

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

/// The start of an unreadable body, for an error message.
pub(crate) fn prefix_of(answer: &Answer) -> String {
    body_prefix(&answer.body)
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
}
