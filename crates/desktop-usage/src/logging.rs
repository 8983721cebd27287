//! Lines on stderr: log lines from -v/-q or RUST_LOG, and the tool's own
//! messages. Everything passes through [`sanitize::for_terminal`]: error
//! messages and request ids come from the service.

use std::io::{IsTerminal, Write};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::sanitize;

/// The library's span around each request attempt; it records `status`,
/// `request_id` and `latency_ms` when the answer is in.
const REQUEST_SPAN: &str = "workspace.request";

/// Writes one line on stderr, control, bidi and invisible characters
/// escaped and a service text of a megabyte [shortened](sanitize::shortened)
/// in its middle. Never panics (unlike `eprintln!`) when stderr is closed
/// or full.
pub fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", sanitize::shortened(line));
}

/// The filter for a verbosity. -v: our crates' info (a line per request);
/// -vv: their debug (each attempt's outcome, flow-control decisions,
/// credential refreshes); -vvv: their trace and the HTTP stack's debug (connections
/// opened and reused). More v's change nothing. The HTTP stack never goes
/// past debug: its trace output includes request bytes we do not control.
pub fn filter_for(verbose: u8, quiet: bool) -> String {
    const OURS: [&str; 3] = [
        "desktop_usage",
        "huaweicloud_workspace",
        "huaweicloud_signer",
    ];
    let (ours, others) = match (quiet, verbose) {
        (true, _) => return "error".to_string(),
        (false, 0) => return "warn".to_string(),
        (false, 1) => ("info", "warn"),
        (false, 2) => ("debug", "warn"),
        (false, _) => ("trace", "debug"),
    };
    let mut filter = others.to_string();
    for krate in OURS {
        filter.push_str(&format!(",{krate}={ours}"));
    }
    filter
}

/// Installs the subscriber; RUST_LOG, when set and valid, wins over -v/-q.
///
/// At the default level (no -v, -q or RUST_LOG) warnings are sentences for
/// a person ([`HumanLines`]); from -v on, and with RUST_LOG, they are the
/// structured lines (time, level, fields) a log reader greps.
pub fn init(verbose: u8, quiet: bool) {
    let rust_log = std::env::var("RUST_LOG")
        .ok()
        .filter(|text| !text.trim().is_empty())
        .and_then(|text| EnvFilter::try_new(&text).ok());
    if rust_log.is_none() && verbose == 0 && !quiet {
        let _ = tracing_subscriber::registry()
            .with(EnvFilter::new(filter_for(0, false)))
            .with(HumanLines)
            .try_init();
        return;
    }
    let filter = rust_log.unwrap_or_else(|| EnvFilter::new(filter_for(verbose, quiet)));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Field values (error texts from the service among them) are escaped
    // and shortened before they are written; the fmt layer's own colours are not fields.
    let fields = tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let text = format!("{value:?}");
        let text = sanitize::shortened(&text);
        if field.name() == "message" {
            write!(w, "{text}")
        } else {
            write!(w, "{}={text}", field.name())
        }
    })
    .delimited(" ");
    let fmt = tracing_subscriber::fmt::layer()
        .fmt_fields(fields)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(verbose >= 2);
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(RequestLines)
        .try_init();
}

/// What a request span recorded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct RequestFields {
    attempt: Option<u64>,
    offset: Option<u64>,
    status: Option<u64>,
    request_id: Option<String>,
    latency_ms: Option<u64>,
}

impl Visit for RequestFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "attempt" => self.attempt = Some(value),
            "offset" => self.offset = Some(value),
            "status" => self.status = Some(value),
            "latency_ms" => self.latency_ms = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "request_id" {
            self.request_id = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "request_id" {
            self.request_id = Some(format!("{value:?}"));
        }
    }
}

impl RequestFields {
    /// The line `-v` prints when the attempt is over.
    fn line(&self) -> String {
        let status = self
            .status
            .map_or_else(|| "no answer".to_string(), |s| format!("HTTP {s}"));
        let mut line = format!("desktop-usage: request: {status}");
        if let Some(id) = &self.request_id {
            line.push_str(&format!(", request id {id}"));
        }
        if let Some(ms) = self.latency_ms {
            line.push_str(&format!(", {ms} ms"));
        }
        if let (Some(attempt), Some(offset)) = (self.attempt, self.offset) {
            line.push_str(&format!(" (attempt {attempt}, offset {offset})"));
        }
        line
    }
}

/// Prints one line per request attempt (status, request id, latency) when
/// the library's request span closes, at `-v` (info) and above. The fmt
/// layer prints events only, so without this `-v` would show nothing.
struct RequestLines;

impl<S> Layer<S> for RequestLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != REQUEST_SPAN {
            return;
        }
        let mut fields = RequestFields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<RequestFields>()
        {
            values.record(fields);
        }
    }

    fn on_event(&self, _event: &Event<'_>, _ctx: Context<'_, S>) {}

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(fields) = span.extensions().get::<RequestFields>()
        {
            say(&fields.line());
        }
    }
}

/// The fields of a warning that [`HumanLines`] turns into a sentence.
#[derive(Debug, Default)]
struct WarningFields {
    message: String,
    /// The library's retry warning: what failed, the wait, this retry and the budget.
    reason: Option<String>,
    delay_ms: Option<u64>,
    retry: Option<u64>,
    of: Option<u64>,
    /// Everything else, `name value`, in the order it came.
    others: Vec<String>,
}

impl Visit for WarningFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "delay_ms" => self.delay_ms = Some(value),
            "retry" => self.retry = Some(value),
            "of" => self.of = Some(value),
            name => self.others.push(format!("{name} {value}")),
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        match u64::try_from(value) {
            Ok(value) => self.record_u64(field, value),
            Err(_) => self.others.push(format!("{} {value}", field.name())),
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field.name(), value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record(field.name(), format!("{value:?}"));
    }
}

impl WarningFields {
    fn record(&mut self, name: &str, text: String) {
        match name {
            "message" => self.message = text,
            "reason" => self.reason = Some(text),
            // The whole error (with the URL) is for -v; the reason says it.
            "error" => {}
            _ => self.others.push(format!("{name} {text}")),
        }
    }

    /// The line for a person: `throttled (HTTP 429), retrying in 2 s (2 of
    /// 5)` for a retry, `warning: <message> (<fields>)` otherwise.
    fn line(&self, level: &tracing::Level) -> String {
        if let (Some(reason), Some(ms)) = (&self.reason, self.delay_ms) {
            let wait = seconds(ms);
            let mut line = format!("desktop-usage: {reason}, retrying in {wait}");
            if let (Some(retry), Some(of)) = (self.retry, self.of) {
                line.push_str(&format!(" ({retry} of {of})"));
            }
            return line;
        }
        let word = if *level == tracing::Level::ERROR {
            "error"
        } else {
            "warning"
        };
        let mut line = format!("desktop-usage: {word}: {}", self.message);
        if !self.others.is_empty() {
            line.push_str(&format!(" ({})", self.others.join(", ")));
        }
        line
    }
}

/// `2 s`, `0.5 s`, `1.2 s`.
fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// Warnings and errors at the default level, one sentence each, above the
/// progress bar (see [`crate::progress::above`]).
struct HumanLines;

impl<S: Subscriber> Layer<S> for HumanLines {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = event.metadata().level();
        if *level > tracing::Level::WARN {
            return;
        }
        let mut fields = WarningFields::default();
        event.record(&mut fields);
        let line = fields.line(level);
        crate::progress::above(|| say(&line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_at_the_default_level_are_sentences() {
        let retry = WarningFields {
            message: "attempt failed, retrying".into(),
            reason: Some("throttled (HTTP 429)".into()),
            delay_ms: Some(2000),
            retry: Some(3),
            of: Some(10),
            others: Vec::new(),
        };
        assert_eq!(
            retry.line(&tracing::Level::WARN),
            "desktop-usage: throttled (HTTP 429), retrying in 2 s (3 of 10)"
        );
        let other = WarningFields {
            message: "the list grew while paging: asking one page more".into(),
            others: vec!["offset 500".into()],
            ..WarningFields::default()
        };
        assert_eq!(
            other.line(&tracing::Level::WARN),
            "desktop-usage: warning: the list grew while paging: asking one page more (offset 500)"
        );
        assert_eq!(seconds(300), "0.3 s");
        assert_eq!(seconds(1500), "1.5 s");
    }

    #[test]
    fn verbosity_levels() {
        assert_eq!(filter_for(0, true), "error");
        assert_eq!(filter_for(0, false), "warn");
        assert!(filter_for(1, false).contains("huaweicloud_workspace=info"));
        assert!(filter_for(2, false).starts_with("warn,"));
        assert!(filter_for(5, false).contains("desktop_usage=trace"));
        for v in 0..5 {
            assert!(EnvFilter::try_new(filter_for(v, false)).is_ok());
        }
    }

    #[test]
    fn request_line_says_status_id_and_latency() {
        let fields = RequestFields {
            attempt: Some(2),
            offset: Some(100),
            status: Some(429),
            request_id: Some("abc-123".into()),
            latency_ms: Some(7),
        };
        assert_eq!(
            fields.line(),
            "desktop-usage: request: HTTP 429, request id abc-123, 7 ms (attempt 2, offset 100)"
        );
        assert_eq!(
            RequestFields::default().line(),
            "desktop-usage: request: no answer"
        );
    }
}
