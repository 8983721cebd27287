//! The arguments of the commands over connection records (`sessions`,
//! `concurrency`, `unused`).

use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use super::parse::{parse_date, parse_days};

/// The range of `sessions` and `concurrency`: whole UTC days within the
/// 30 the service keeps.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Range")]
pub struct RecordsRangeArgs {
    /// First day, UTC (with --to); the service keeps the latest 30 days only
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "to",
          conflicts_with = "last")]
    pub from: Option<NaiveDate>,

    /// Last day, UTC, included (with --from); today's records up to now
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "from")]
    pub to: Option<NaiveDate>,

    /// The N days ending today (UTC), at most 30d [default: 7d]
    #[arg(long, value_name = "Nd", value_parser = parse_days, conflicts_with = "to",
          allow_hyphen_values = true)]
    pub last: Option<u32>,
}

/// How `sessions` groups the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SessionsBy {
    /// One row per record.
    None,
    /// Totals per user.
    User,
    /// Totals per desktop.
    Desktop,
    /// Totals per UTC day.
    Day,
}

/// Filters and grouping of `sessions`.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Filters")]
pub struct SessionsArgs {
    /// Only records of users whose name contains TEXT (the service's filter)
    #[arg(long, value_name = "TEXT")]
    pub user: Option<String>,

    /// Only records of desktops whose computer name contains TEXT (the service's filter)
    #[arg(long, value_name = "TEXT")]
    pub desktop: Option<String>,

    /// Only failed connections
    #[arg(long)]
    pub failed: bool,

    /// One row per record, or totals per user, desktop or UTC day
    #[arg(long, value_enum, value_name = "GROUP", default_value = "none")]
    pub by: SessionsBy,
}

/// The buckets of `concurrency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConcurrencyBy {
    /// The peak of each UTC day.
    Day,
    /// The peak of each UTC hour.
    Hour,
}

/// The options of `unused`.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Range")]
pub struct UnusedArgs {
    /// The N days ending today (UTC), at most 30d [default: 30d]
    #[arg(long, value_name = "Nd", value_parser = parse_days, allow_hyphen_values = true)]
    pub last: Option<u32>,

    /// List the assigned users who never connected instead of the desktops
    #[arg(long)]
    pub users: bool,
}
