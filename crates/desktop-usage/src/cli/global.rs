//! The options every command takes: the service and how to reach it, the
//! credentials, the day taken as today, and how much the tool says.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{ArgAction, Args};
use huaweicloud_workspace::Concurrency;

use super::parse::{parse_concurrency, parse_date};

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

    /// More log lines on stderr: -v each request's status, request id and latency; -vv also
    /// each attempt's outcome and flow-control decisions; -vvv also the HTTP connections opened and
    /// reused (more v's add nothing); RUST_LOG overrides
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Read the credentials from this section of the profile file (HUAWEICLOUD_SDK_CREDENTIALS_FILE,
    /// else ~/.huaweicloud/credentials) instead of the environment or `[basic]`
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,

    /// The date taken as today (UTC) by --last and the metric commands, for reproducible
    /// reports; the commands over connection records take its end as now [default: the
    /// system clock's]
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

impl GlobalArgs {
    /// The time of one request attempt: `--timeout`, else the library's default.
    pub fn attempt_timeout(&self) -> std::time::Duration {
        self.timeout.map_or(
            huaweicloud_workspace::DEFAULT_ATTEMPT_TIMEOUT,
            std::time::Duration::from_secs,
        )
    }

    /// Today (UTC): `--today`, else the system clock's.
    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
