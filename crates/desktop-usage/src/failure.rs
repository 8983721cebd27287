//! Why a run failed, and the exit code of each cause: the whole table the
//! README documents.

use std::fmt;

use huaweicloud_workspace::{Error as ApiError, ErrorClass};

use crate::output::OutputError;
use crate::signals::Signal;

/// Why a run failed, with the exit code each cause maps to.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or settings found before anything was sent (exit 2).
    Usage(String),
    /// The library's error, classed by it (2, 3, 4 or 5).
    Api(Box<ApiError>),
    /// The output could not be written (2 if found before sending, else 1).
    Output(OutputError),
    /// The `--demo` simulator could not start (exit 1).
    Demo(String),
    /// `idle` was asked about desktop ids the service does not know (exit
    /// 6); the rows of the others were written.
    UnknownDesktops(Vec<String>),
    /// A signal (exit 128 + its number); the run was dropped, so its
    /// temporary output file is gone.
    Interrupted {
        /// Which signal.
        signal: Signal,
        /// Whether the run was writing a --output file (the message says it was kept).
        to_file: bool,
    },
}

impl Failure {
    /// The process exit code: the whole table the README documents.
    ///
    /// | code | meaning |
    /// |---|---|
    /// | 0 | success |
    /// | 1 | the output could not be written, or `--demo` did not start |
    /// | 2 | bad usage, input or credentials, found before anything was sent |
    /// | 3 | the service refused the credentials or permission, or the clock is off |
    /// | 4 | the service answered with an error or something unreadable |
    /// | 5 | no answer: network failure or timeout |
    /// | 6 | `idle`: some `--desktop` ids are not known to the service |
    /// | 130 | interrupted (Ctrl-C) |
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Api(e) => match e.class() {
                ErrorClass::InvalidInput => 2,
                ErrorClass::Authentication => 3,
                ErrorClass::Api => 4,
                ErrorClass::Network => 5,
            },
            Failure::Output(OutputError::Create { .. }) => 2,
            Failure::Output(_) => 1,
            Failure::Demo(_) => 1,
            Failure::UnknownDesktops(_) => 6,
            Failure::Interrupted { signal, .. } => signal.exit_code(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => f.write_str(message),
            Failure::Api(e) => {
                if let ApiError::InvalidInput { field, rule } = &**e {
                    // The library speaks to programmers ("set it on the builder").
                    if *field == "project_id" && rule.starts_with("is required") {
                        let why = if rule.contains("IAM token") {
                            " with an IAM token (only AK/SK can find it through IAM)"
                        } else {
                            " without --region (IAM is asked for the region's project)"
                        };
                        return write!(
                            f,
                            "--project-id is required{why}: pass --project-id <ID>, or set \
                             HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the profile file",
                        );
                    }
                    return write!(f, "invalid {}: {}", flag_of(field), in_commands(rule));
                }
                let text = e.to_string();
                match e.request_id() {
                    Some(id) if !text.contains(id) => write!(f, "{text} (request id {id})"),
                    _ => f.write_str(&text),
                }
            }
            Failure::Output(e) => write!(f, "{e}"),
            Failure::Demo(message) => write!(f, "--demo: the simulator did not start: {message}"),
            Failure::UnknownDesktops(ids) => {
                f.write_str(&crate::run::unknown_ids_message(ids))?;
                f.write_str("; the other desktops' rows were written")
            }
            Failure::Interrupted { signal, to_file } => {
                write!(f, "interrupted by {}", signal.name())?;
                if *to_file {
                    f.write_str("; --output was not written (a previous file is kept)")?;
                }
                Ok(())
            }
        }
    }
}

/// A library rule in the tool's words: an operation it points to becomes
/// the commands that run it (a CLI user has no function to call).
fn in_commands(rule: &str) -> std::borrow::Cow<'_, str> {
    const PER_DAY: &str = "the per-day usage (ListUsedDesktopInfo)";
    if rule.contains(PER_DAY) {
        rule.replace(PER_DAY, "`report` and `users-daily` (the per-day usage)")
            .into()
    } else {
        rule.into()
    }
}

/// The command-line flag behind a library field, so the message names what the user typed.
fn flag_of(field: &str) -> &str {
    match field {
        "range" => "--from/--to",
        "last_days" => "--last",
        "desktop_ids" => "--desktop",
        "username" => "--user",
        "user_domain" => "--domain",
        "concurrency" => "--concurrency",
        "attempt_timeout" => "--timeout",
        "retry.max_attempts" => "--retries",
        "endpoint" => "--endpoint",
        "region" => "--region",
        "project_id" => "--project-id",
        "name" => "--name",
        "domain" => "--domain",
        "min_idle_days" => "--min-idle-days",
        "max_idle_days" => "--max-idle-days",
        "min_usage_hours" => "--min-hours",
        "max_usage_hours" => "--max-hours",
        other => other,
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(Box::new(e))
    }
}

impl From<OutputError> for Failure {
    fn from(e: OutputError) -> Self {
        Failure::Output(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(OutputError::Write(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interruptions_name_the_signal_and_output_only_when_there_is_one() {
        let text = |signal, to_file| {
            let f = Failure::Interrupted { signal, to_file };
            (f.to_string(), f.exit_code())
        };
        assert_eq!(
            text(Signal::INTERRUPT, false),
            ("interrupted by SIGINT".to_string(), 130)
        );
        let (message, code) = text(Signal::TERMINATE, true);
        assert_eq!(code, 143);
        assert!(message.contains("SIGTERM") && message.contains("--output"));
        assert_eq!(text(Signal::HANGUP, false).1, 129);
        assert_eq!(text(Signal::QUIT, false).1, 131);
    }
}
