//! The command-line interface: names here are a contract (scripts depend on them).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use huaweicloud_workspace::Hours;

use crate::output::Format;

pub mod connections;
pub mod errors;
pub mod global;
mod metrics;
mod parse;
pub mod usage;

use connections::{ConcurrencyBy, RecordsRangeArgs, SessionsArgs, UnusedArgs};
use global::GlobalArgs;
pub use metrics::{DesktopFilterArgs, DesktopSortArg, MetricsRangeArgs, UserFilterArgs};
use parse::parse_hours;
use usage::{NamesArgs, QueryArgs, SortArgs};

/// The exit codes, as printed in `--help` and the README.
macro_rules! exit_codes {
    () => {
        "\
EXIT CODES:
    0  success
    1  the output could not be written (e.g. disk full); a previous --output file is kept
    2  bad usage or invalid input; nothing was sent
    3  authentication or authorization refused by the service
    4  other API error (including a response that could not be read)
    5  network error or timeout, after retries
    6  idle: some --desktop ids are not known to the service (the others' rows are written)
  129  hang-up (SIGHUP); 130 Ctrl-C (SIGINT); 131 SIGQUIT; 143 SIGTERM; any other signal
       that ends a process, 128 + its number; a previous --output file is kept"
    };
}

/// The exit codes section of each command's help.
pub const EXIT_CODES_HELP: &str = exit_codes!();

const ROOT_AFTER_HELP: &str = concat!(
    "\
CREDENTIALS:
  AK/SK come from HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_SECURITY_TOKEN, or from
  the profile file (HUAWEICLOUD_SDK_CREDENTIALS_FILE, else ~/.huaweicloud/credentials, section
  [basic]), never from a flag: flags end up in shell history. An IAM token (sent instead of
  signing) comes from HUAWEICLOUD_SDK_AUTH_TOKEN or --auth-token-file FILE (- for stdin).

EXAMPLES:
  desktop-usage --demo report --last 45d
  desktop-usage --region cn-north-4 idle --last 30d --threshold 1
  desktop-usage --region cn-north-4 desktops --last 30d --sort idle
  desktop-usage --region cn-north-4 users --last 90d --sort usage --format csv
  desktop-usage --region cn-north-4 users-daily --from 2024-01-01 --to 2024-12-31
  desktop-usage --region cn-north-4 sessions --last 7d --by user
  desktop-usage --region cn-north-4 concurrency --by hour --last 1d
  desktop-usage --region cn-north-4 unused --users

",
    exit_codes!()
);

/// How long each Huawei Cloud Workspace desktop was used, by whom, and which sit idle.
#[derive(Parser)]
#[command(
    name = "desktop-usage",
    version,
    max_term_width = 100,
    after_help = ROOT_AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Options for every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Usage per desktop and period (ListUsedDesktopInfo, 31-day windows; names from
    /// ListDesktops)
    #[command(after_help = EXIT_CODES_HELP)]
    Report {
        /// Range and filters.
        #[command(flatten)]
        query: QueryArgs,
        /// Names.
        #[command(flatten)]
        names: NamesArgs,
        /// Order.
        #[command(flatten)]
        sort: SortArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Desktops whose total hours over the range are at most --threshold (ListUsedDesktopInfo;
    /// names, status and creation date from ListDesktops)
    #[command(after_help = EXIT_CODES_HELP)]
    Idle {
        /// Range and filters.
        #[command(flatten)]
        query: QueryArgs,
        /// Largest total, in hours, that still counts as idle (e.g. 0, 1.5)
        #[arg(long, value_name = "HOURS", default_value = "0", value_parser = parse_hours,
              allow_negative_numbers = true)]
        threshold: Hours,
        /// Names.
        #[command(flatten)]
        names: NamesArgs,
        /// Order.
        #[command(flatten)]
        sort: SortArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Usage and idle time per desktop (ListDesktopUsageMetric, Huawei's recommended source;
    /// the latest 180 days only)
    #[command(after_help = EXIT_CODES_HELP)]
    Desktops {
        /// Range.
        #[command(flatten)]
        range: MetricsRangeArgs,
        /// Filters and order.
        #[command(flatten)]
        filters: DesktopFilterArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Usage and logins per user (ListUserUsageMetric, Huawei's recommended source; any range
    /// within the latest 180 days, sent as windows of at most 30 days and summed)
    #[command(after_help = EXIT_CODES_HELP)]
    Users {
        /// Range.
        #[command(flatten)]
        range: MetricsRangeArgs,
        /// Filters and order.
        #[command(flatten)]
        filters: UserFilterArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Totals per user computed from the per-day usage: hours, desktops, active days
    /// (ListUsedDesktopInfo; any range)
    #[command(name = "users-daily", after_help = EXIT_CODES_HELP)]
    UsersDaily {
        /// Range and filters.
        #[command(flatten)]
        query: QueryArgs,
        /// Order.
        #[command(flatten)]
        sort: SortArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Connection records: who connected to which desktop, when, from what and how well
    /// (ListLoginRecordsNew; the service keeps the latest 30 days)
    #[command(after_help = EXIT_CODES_HELP)]
    Sessions {
        /// Range.
        #[command(flatten)]
        range: RecordsRangeArgs,
        /// Filters and grouping.
        #[command(flatten)]
        filters: SessionsArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// The most sessions on at once per day or hour, when, and how many users
    /// (ListLoginRecordsNew; a session occupies [setup, end); failed connections never count)
    #[command(after_help = EXIT_CODES_HELP)]
    Concurrency {
        /// Range.
        #[command(flatten)]
        range: RecordsRangeArgs,
        /// The peak of each UTC day or hour
        #[arg(long, value_enum, value_name = "BUCKET", default_value = "day")]
        by: ConcurrencyBy,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Desktops with no successful connection in the range, or with --users the assigned
    /// users who never connected (ListDesktops and ListLoginRecordsNew)
    #[command(after_help = EXIT_CODES_HELP)]
    Unused {
        /// Range and what to list.
        #[command(flatten)]
        args: UnusedArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print a shell completion script (e.g. `desktop-usage completions bash >
    /// /etc/bash_completion.d/desktop-usage`)
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or with --dir write one per command (e.g. `desktop-usage man
    /// --dir /usr/local/share/man/man1`)
    Man {
        /// Write desktop-usage.1 and a desktop-usage-COMMAND.1 for every command into DIR
        /// (created if missing; pages already there are replaced) instead of printing
        #[arg(long, value_name = "DIR", conflicts_with = "page")]
        dir: Option<PathBuf>,
        /// Print this command's page instead of the top page
        #[arg(value_enum, value_name = "COMMAND")]
        page: Option<ManPage>,
    },
    /// Print the JSON Schema of a command's json/ndjson rows
    Schema {
        /// Which command's rows.
        #[arg(value_enum)]
        command: SchemaKind,
    },
}

/// The commands that have rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// Rows of `report`.
    Report,
    /// Rows of `idle`.
    Idle,
    /// Rows of `desktops`.
    Desktops,
    /// Rows of `users`.
    Users,
    /// Rows of `users-daily`.
    UsersDaily,
    /// Rows of `sessions` (one per record).
    Sessions,
    /// Rows of `sessions --by user`.
    SessionsByUser,
    /// Rows of `sessions --by desktop`.
    SessionsByDesktop,
    /// Rows of `sessions --by day`.
    SessionsByDay,
    /// Rows of `concurrency`.
    Concurrency,
    /// Rows of `concurrency --by hour`.
    ConcurrencyByHour,
    /// Rows of `unused`.
    Unused,
    /// Rows of `unused --users`.
    UnusedUsers,
}

/// The commands with a man page of their own: every command but `help`
/// (a test keeps this in step with [`Command`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManPage {
    /// desktop-usage-report(1).
    Report,
    /// desktop-usage-idle(1).
    Idle,
    /// desktop-usage-desktops(1).
    Desktops,
    /// desktop-usage-users(1).
    Users,
    /// desktop-usage-users-daily(1).
    UsersDaily,
    /// desktop-usage-sessions(1).
    Sessions,
    /// desktop-usage-concurrency(1).
    Concurrency,
    /// desktop-usage-unused(1).
    Unused,
    /// desktop-usage-completions(1).
    Completions,
    /// desktop-usage-man(1).
    Man,
    /// desktop-usage-schema(1).
    Schema,
}

/// When tables carry pictures (sparklines, bars).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartWhen {
    /// When stdout is a terminal.
    Auto,
    /// Always (in tables).
    Always,
    /// Never.
    Never,
}

/// Output options of every data command.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,

    /// Pictures in tables: a sparkline of daily hours per desktop (report), bars of hours
    /// (users-daily, desktops, users) or of daily peaks (concurrency)
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub chart: ChartWhen,

    /// Same as --chart never
    #[arg(long, conflicts_with = "chart")]
    pub no_chart: bool,

    /// Write to FILE (atomically: a failed run leaves any previous FILE untouched) instead of
    /// stdout; - is stdout; a device or pipe is written in place, a symlink's target replaced
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// Whether tables get pictures: asked for, or on a terminal by default.
    pub fn charts(&self) -> bool {
        use std::io::IsTerminal;
        match (self.no_chart, self.chart) {
            (true, _) | (false, ChartWhen::Never) => false,
            (false, ChartWhen::Always) => true,
            (false, ChartWhen::Auto) => !self.writes_file() && std::io::stdout().is_terminal(),
        }
    }

    /// Whether the rows go to a file rather than stdout.
    pub fn writes_file(&self) -> bool {
        self.output
            .as_deref()
            .is_some_and(|p| p != std::path::Path::new("-"))
    }
}

#[cfg(test)]
mod tests {
    use super::errors::one_line_usage_error;
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_errors_are_one_line() {
        let err = Cli::try_parse_from(["desktop-usage", "report", "--from", "2024-01-01"])
            .err()
            .unwrap();
        assert_eq!(
            one_line_usage_error(&err.render().to_string()),
            "the following required arguments were not provided: --to <YYYY-MM-DD>"
        );
        let err = Cli::try_parse_from(["desktop-usage", "report", "--last", "4"])
            .err()
            .unwrap();
        assert_eq!(
            one_line_usage_error(&err.render().to_string()),
            "invalid value '4' for '--last <Nd>': expected a number of days followed by d, \
             at least 1d, e.g. 45d"
        );
    }

    #[test]
    fn desktops_are_trimmed_split_and_never_empty() {
        let parse = |args: &[&str]| {
            let mut all = vec!["desktop-usage", "report"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).map(|cli| match cli.command {
                Command::Report { query, .. } => query.desktops,
                _ => unreachable!(),
            })
        };
        assert_eq!(parse(&["--desktop", " d-1 "]).unwrap(), ["d-1"]);
        assert_eq!(
            parse(&["--desktop", "a,b", "--desktop", "c"]).unwrap(),
            ["a", "b", "c"]
        );
        assert_eq!(parse(&["--desktop", "a, b"]).unwrap(), ["a", "b"]);
        for bad in ["", " ", "a,,b", "a,", "\t"] {
            let err = parse(&["--desktop", bad]).err().unwrap();
            let line = one_line_usage_error(&err.render().to_string());
            assert!(
                line.contains("--desktop") && line.contains("empty or blank"),
                "{bad:?}: {line}"
            );
        }
    }
}
