//! The arguments of the per-day commands (`report`, `idle`, `users-daily`).

use chrono::NaiveDate;
use clap::{ArgAction, Args, ValueEnum};

use super::parse::{parse_date, parse_days, parse_desktop_id};

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

    /// Only the desktops of this user name (exact, any case); a user outside the main domain
    /// is found through the inventory's domain for that name (one more request), or with
    /// --domain
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// The user's domain [default: the inventory's for --user, else the main domain]
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// Periods per day or per hour
    #[arg(long, value_enum, default_value = "day")]
    pub group_by: GroupByArg,
}
