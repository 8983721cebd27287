//! The arguments of the metric commands (`desktops`, `users`).

use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use super::parse::{parse_date, parse_days};

/// The range of the metric commands: whole UTC days.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Range")]
pub struct MetricsRangeArgs {
    /// First day, UTC (with --to); at most 180 days ago
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "to",
          conflicts_with = "last")]
    pub from: Option<NaiveDate>,

    /// Last day, UTC, included (with --from)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "from")]
    pub to: Option<NaiveDate>,

    /// The N days ending today (UTC), e.g. 30d [default: 30d]
    #[arg(long, value_name = "Nd", value_parser = parse_days, conflicts_with = "to",
          allow_hyphen_values = true)]
    pub last: Option<u32>,
}

/// What `desktops` sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DesktopSortArg {
    /// Hours of use.
    Usage,
    /// Idle time.
    Idle,
}

/// Filters and order of `desktops`.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Filters")]
pub struct DesktopFilterArgs {
    /// Only desktops whose computer name contains TEXT
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,

    /// Only desktops unused for at least the last N days of the range (0-180): the service's
    /// idle time is the run of unused days at the end, shown as DAYS SINCE USE
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=180))]
    pub min_idle_days: Option<u32>,

    /// Only desktops unused for at most the last N days of the range (0-180)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=180))]
    pub max_idle_days: Option<u32>,

    /// Only desktops used at least N hours
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=2147483646))]
    pub min_hours: Option<u32>,

    /// Only desktops used at most N hours
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=2147483646))]
    pub max_hours: Option<u32>,

    /// Sort by usage or idle time (days since use), largest first (the service's order
    /// without it)
    #[arg(long, value_enum)]
    pub sort: Option<DesktopSortArg>,

    /// With --sort: smallest first
    #[arg(long, requires = "sort")]
    pub asc: bool,
}

/// Filters and order of `users`.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Filters")]
pub struct UserFilterArgs {
    /// Only users whose name contains TEXT
    #[arg(long, value_name = "TEXT")]
    pub user: Option<String>,

    /// Only users of this domain
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// Only users with at least N hours
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=2147483646))]
    pub min_hours: Option<u32>,

    /// Only users with at most N hours
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=2147483646))]
    pub max_hours: Option<u32>,

    /// Sort by usage, largest first (by name without it)
    #[arg(long, value_enum)]
    pub sort: Option<UserSortArg>,

    /// With --sort: smallest first
    #[arg(long, requires = "sort")]
    pub asc: bool,
}

/// What `users` sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UserSortArg {
    /// Hours of use.
    Usage,
}
