//! The command-line interface: names here are a contract (scripts depend on them).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use huaweicloud_workspace::{Concurrency, Hours};

use crate::output::Format;

mod metrics;
mod parse;

pub use metrics::{DesktopFilterArgs, DesktopSortArg, MetricsRangeArgs, UserFilterArgs};
use parse::{parse_concurrency, parse_date, parse_days, parse_desktop_id, parse_hours};

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
  129  hang-up (SIGHUP); 130 Ctrl-C (SIGINT); 131 SIGQUIT; 143 SIGTERM (128 + the signal's
       number); a previous --output file is kept"
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

/// Options shared by every command (they may come before or after the command name).
#[derive(Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Region id, e.g. cn-north-4 (its endpoint is https://workspace.{region}.myhuaweicloud.com)
    #[arg(
        long,
        env = "HUAWEICLOUD_SDK_REGION",
        hide_env_values = true,
        global = true
    )]
    pub region: Option<String>,

    /// Endpoint URL overriding the region's, e.g. http://127.0.0.1:8080
    #[arg(long, value_name = "URL", global = true)]
    pub endpoint: Option<String>,

    /// Project id [else from the profile file; else, with AK/SK and --region, found through IAM]
    #[arg(
        long,
        value_name = "ID",
        env = "HUAWEICLOUD_SDK_PROJECT_ID",
        hide_env_values = true,
        global = true
    )]
    pub project_id: Option<String>,

    /// Read the IAM token (sent as X-Auth-Token instead of signing) from FILE, - for stdin
    /// [else HUAWEICLOUD_SDK_AUTH_TOKEN]
    #[arg(long, value_name = "FILE", global = true)]
    pub auth_token_file: Option<PathBuf>,

    /// Start an embedded simulator (a few hundred desktops) and query it instead of the cloud
    #[arg(long, global = true, conflicts_with = "endpoint")]
    pub demo: bool,

    /// Requests in flight at once: `auto` adapts to the service's round trips and throttling (from 8, between 1 and 64); a number pins it [default: auto]
    #[arg(long, value_name = "auto|N", global = true, value_parser = parse_concurrency)]
    pub concurrency: Option<Concurrency>,

    /// Timeout of each request attempt, in seconds [default: 60]
    #[arg(long, value_name = "SECS", global = true,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,

    /// Retries after a failed attempt (5xx, network, timeouts); 0 disables all retries. Throttling (429) has its own, larger budget while the client slows down [default: 2]
    #[arg(long, value_name = "N", global = true,
          value_parser = clap::value_parser!(u32).range(0..=20))]
    pub retries: Option<u32>,

    /// More log lines on stderr (-v each request's status and request id, -vv debug, -vvv
    /// trace); RUST_LOG overrides
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Read the credentials from this section of the profile file (HUAWEICLOUD_SDK_CREDENTIALS_FILE,
    /// else ~/.huaweicloud/credentials) instead of the environment or `[basic]`
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,

    /// The date taken as today (UTC) by --last and the metric commands, for reproducible
    /// reports [default: the system clock's]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, global = true)]
    pub today: Option<NaiveDate>,

    /// Do not read the desktop inventory (ListDesktops) for names: `report` and `idle` show
    /// ids only, with one request fewer
    #[arg(long, global = true)]
    pub no_names: bool,

    /// Only errors on stderr: no progress bar, no warnings
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
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
    /// Print a shell completion script (e.g. `desktop-usage completions bash >
    /// /etc/bash_completion.d/desktop-usage`)
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff; e.g. `desktop-usage man > desktop-usage.1`)
    Man,
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
}

/// How the desktops are named in `report` and `idle`.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Names")]
pub struct NamesArgs {
    /// Only desktops whose computer name contains SUBSTRING (resolved through the inventory)
    #[arg(long, value_name = "SUBSTRING", conflicts_with = "no_names")]
    pub name: Option<String>,

    /// Show desktop ids in the table too (machine formats always carry both)
    #[arg(long)]
    pub ids: bool,
}

/// What a table (and, when asked, every format) is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    /// Total hours.
    Hours,
    /// Computer name (the id without names); the user name in users-daily.
    Name,
    /// User name.
    User,
    /// The last active day.
    LastActive,
}

/// The order of `report`, `idle` and `users-daily`.
#[derive(Args, Debug, Clone, Copy, Default)]
#[command(next_help_heading = "Order")]
pub struct SortArgs {
    /// Sort by this, largest (latest) first with hours and last-active, A to Z with name and
    /// user [default: tables by name, machine formats by desktop id]
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<SortKey>,

    /// With --sort: ascending
    #[arg(long, requires = "sort", conflicts_with = "desc")]
    pub asc: bool,

    /// With --sort: descending
    #[arg(long, requires = "sort")]
    pub desc: bool,
}

impl SortArgs {
    /// The key and whether ascending, when a sort was asked for.
    pub fn order(&self) -> Option<(SortKey, bool)> {
        let key = self.sort?;
        let ascending_by_default = matches!(key, SortKey::Name | SortKey::User);
        Some((key, self.asc || (ascending_by_default && !self.desc)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// One period per UTC day.
    Day,
    /// One period per UTC hour.
    Hour,
}

/// The range and filters every data command takes.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Range and filters")]
pub struct QueryArgs {
    /// First day, UTC (with --to)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "to",
          conflicts_with = "last")]
    pub from: Option<NaiveDate>,

    /// Last day, UTC, included (with --from)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "from")]
    pub to: Option<NaiveDate>,

    /// The N days ending today (UTC), e.g. 45d [default: the latest 15 days, as the API]
    #[arg(long, value_name = "Nd", value_parser = parse_days, conflicts_with = "to",
          allow_hyphen_values = true)]
    pub last: Option<u32>,

    /// Only these desktop ids (repeatable, or comma-separated)
    #[arg(long = "desktop", value_name = "ID", action = ArgAction::Append,
          value_delimiter = ',', value_parser = parse_desktop_id)]
    pub desktops: Vec<String>,

    /// Only the desktops of this user name
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// The users' domain [default: the main domain]
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// Periods per day or per hour
    #[arg(long, value_enum, default_value = "day")]
    pub group_by: GroupByArg,
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
    /// (users-daily, desktops, users)
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

impl GlobalArgs {
    /// Today (UTC): `--today`, else the system clock's.
    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
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

/// The error for a flag that was removed because it is unsafe, found
/// before clap (whose message would repeat the flag's value: a secret).
pub fn removed_flag(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<String> {
    args.into_iter().skip(1).find_map(|arg| {
        let arg = arg.to_string_lossy();
        (arg == "--auth-token" || arg.starts_with("--auth-token=")).then(|| {
            "--auth-token was removed: a token on the command line ends up in shell history \
             and in the process list; set HUAWEICLOUD_SDK_AUTH_TOKEN or pass \
             --auth-token-file FILE (- for stdin)"
                .to_string()
        })
    })
}

/// Clap's error text (`error: ...`, details, a blank line, usage, tips) as
/// the one line the tool prints for every error.
pub fn one_line_usage_error(rendered: &str) -> String {
    let mut words = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("Usage:") {
            break;
        }
        words.extend(line.split_whitespace());
    }
    let text = words.join(" ");
    text.strip_prefix("error: ").unwrap_or(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn documented_defaults_are_the_librarys() {
        // The help text states these numbers; the library owns them.
        assert_eq!(
            huaweicloud_workspace::DEFAULT_CONCURRENCY,
            Concurrency::Auto
        );
        assert_eq!(
            (
                Concurrency::AUTO_START,
                Concurrency::AUTO_MIN,
                Concurrency::AUTO_MAX
            ),
            (8, 1, 64)
        );
        assert_eq!(
            huaweicloud_workspace::DEFAULT_ATTEMPT_TIMEOUT,
            std::time::Duration::from_secs(60)
        );
        assert_eq!(
            huaweicloud_workspace::RetryConfig::default().max_attempts,
            2 + 1
        );
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
    fn last_takes_days() {
        assert_eq!(parse_days("45d"), Ok(45));
        assert!(parse_days("45").is_err());
        assert!(parse_days("0d").is_err());
        assert!(parse_days("-1d").is_err());
        assert!(parse_days("d").is_err());
        assert!(parse_days("99999999999d").is_err());
        // Past the old 3650-day cap: the calendar is the limit, checked later.
        assert_eq!(parse_days("3651d"), Ok(3651));
        assert_eq!(parse_days("4294967295d"), Ok(u32::MAX));
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

    #[test]
    fn the_auth_token_flag_is_refused_without_echoing_the_token() {
        let args = |list: &[&str]| list.iter().map(Into::into).collect::<Vec<_>>();
        for list in [
            &["desktop-usage", "--auth-token", "s3cret", "report"][..],
            &["desktop-usage", "report", "--auth-token=s3cret"],
        ] {
            let message = removed_flag(args(list)).unwrap();
            assert!(message.contains("--auth-token-file"), "{message}");
            assert!(!message.contains("s3cret"));
        }
        assert_eq!(
            removed_flag(args(&["desktop-usage", "--auth-token-file", "f", "report"])),
            None
        );
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2024-01-31").is_ok());
        assert!(parse_date("2024-1-31").is_err());
        assert!(parse_date("2024-02-30").is_err());
        assert!(parse_date("31/01/2024").is_err());
    }

    #[test]
    fn threshold_is_exact() {
        assert_eq!(parse_hours("1.5"), Ok(Hours::from_hundredths(150)));
        assert!(parse_hours("-1").is_err());
        assert!(parse_hours("abc").is_err());
    }
}
