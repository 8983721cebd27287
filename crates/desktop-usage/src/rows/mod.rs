//! The rows each command prints, computed from the library's model
//! (`DesktopUsage`, `UserTotals`): the CLI has no model of its own.
//!
//! The row types are the single source of truth for the json, ndjson and csv
//! outputs *and* for `desktop-usage schema`: the JSON Schema is derived from
//! these very structs.

pub mod build;
mod csv;
pub mod sessions;

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use huaweicloud_workspace::{Desktop, Hours};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};

/// Hours written as a JSON number with exactly two decimals (`12.60`, `0.00`).
///
/// `serde_json` would print `12.6` for the `f64`; the two decimals are part
/// of the output contract, so the number text is written verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TwoDecimals(pub Hours);

impl Serialize for TwoDecimals {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.0.to_string())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl JsonSchema for TwoDecimals {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Hours".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "number",
            "minimum": 0,
            "multipleOf": 0.01,
            "description": "Hours, exact to the hundredth, written with two decimals (e.g. 12.60)."
        })
    }
}

/// Schema of a field that is always present and may be null.
///
/// schemars leaves `Option` fields out of `required` (and `#[schemars(required)]`
/// drops the `null`); the rows always write the field, so the schema says so.
pub(crate) struct Nullable<T>(std::marker::PhantomData<T>);

impl<T: JsonSchema> JsonSchema for Nullable<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Nullable_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <Option<T>>::json_schema(generator)
    }
}

/// The desktops' names and inventory facts, by id, as far as they are known.
pub type Names = HashMap<Box<str>, Named>;

/// What a run keeps of a desktop's inventory entry: what its rows show.
/// (A whole [`Desktop`] is several times larger: for a fleet of 20,000 the
/// difference is most of the run's memory.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Named {
    /// The computer name.
    pub computer_name: Option<Box<str>>,
    /// The status (`ACTIVE`, `SHUTOFF`, …).
    pub status: Option<Box<str>>,
    /// The UTC day it was created.
    pub created: Option<NaiveDate>,
}

impl From<Desktop> for Named {
    fn from(desktop: Desktop) -> Self {
        Named {
            computer_name: desktop.computer_name.map(String::into_boxed_str),
            status: desktop.status.map(String::into_boxed_str),
            created: desktop.created.map(|t| t.date_naive()),
        }
    }
}

/// A row of `report` in json, ndjson and csv: one desktop in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage report row")]
#[serde(deny_unknown_fields)]
pub struct ReportRow {
    /// Desktop id.
    pub desktop_id: String,
    /// The desktop's computer name, from the inventory; null when unknown
    /// (`--no-names`, or the inventory could not be read).
    #[schemars(with = "Nullable<String>")]
    pub computer_name: Option<String>,
    /// The desktop's user; null when the desktop has none.
    #[schemars(with = "Nullable<String>")]
    pub desktop_username: Option<String>,
    /// The period as the API gives it: `YYYY-MM-DD` for days, `YYYY-MM-DD HH:00` (UTC) for
    /// hours; null for a desktop the service listed without any period (its one row has
    /// 0.00 hours), so that every format shows the same desktops.
    #[schemars(with = "Nullable<String>")]
    pub date: Option<String>,
    /// Hours used in the period, written with two decimals (`12.60`).
    pub hours: TwoDecimals,
}

/// A row of `idle`: a desktop whose total hours are at most the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage idle row")]
#[serde(deny_unknown_fields)]
pub struct IdleRow {
    /// Desktop id.
    pub desktop_id: String,
    /// The desktop's computer name; null when unknown.
    #[schemars(with = "Nullable<String>")]
    pub computer_name: Option<String>,
    /// The desktop's user; null when the desktop has none.
    #[schemars(with = "Nullable<String>")]
    pub desktop_username: Option<String>,
    /// Hours used over the whole range, written with two decimals (`12.60`).
    pub total_hours: TwoDecimals,
    /// Distinct UTC days with some use.
    pub active_days: usize,
    /// The last UTC day with some use; null when unused over the whole range.
    #[schemars(with = "Nullable<NaiveDate>")]
    pub last_active_day: Option<NaiveDate>,
    /// The desktop's status (`ACTIVE`, `SHUTOFF`, …); null when unknown.
    #[schemars(with = "Nullable<String>")]
    pub status: Option<String>,
    /// When the desktop was created (UTC day): one created yesterday is not
    /// idle, it is new. Null when unknown.
    #[schemars(with = "Nullable<NaiveDate>")]
    pub created: Option<NaiveDate>,
}

/// A row of `users-daily`: totals of one user over the range, computed
/// from the per-day usage of each desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage users-daily row")]
#[serde(deny_unknown_fields)]
pub struct UserDailyRow {
    /// User name; null for the desktops that have no user (one row gathers them all).
    #[schemars(with = "Nullable<String>")]
    pub username: Option<String>,
    /// Hours used on all of the user's desktops, written with two decimals (`12.60`).
    pub hours: TwoDecimals,
    /// How many desktops the user has.
    pub desktops: usize,
    /// Distinct UTC days on which any of the user's desktops was used.
    pub active_days: usize,
}

/// A row of `users`: one user's usage and logins (`ListUserUsageMetric`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage users row")]
#[serde(deny_unknown_fields)]
pub struct UserRow {
    /// User name.
    pub username: String,
    /// Hours of use (seconds / 3600, two decimals); sessions on several
    /// desktops at once add up. Null when the service did not report it.
    #[schemars(with = "Nullable<TwoDecimals>")]
    pub hours: Option<TwoDecimals>,
    /// Login attempts; null when not reported.
    #[schemars(with = "Nullable<u64>")]
    pub login_count: Option<u64>,
    /// Successful logins; null when not reported.
    #[schemars(with = "Nullable<u64>")]
    pub login_success_count: Option<u64>,
    /// Failed logins; null when not reported.
    #[schemars(with = "Nullable<u64>")]
    pub login_fail_count: Option<u64>,
}

/// A row of `desktops`: one desktop's usage and idle time (`ListDesktopUsageMetric`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage desktops row")]
#[serde(deny_unknown_fields)]
pub struct DesktopRow {
    /// Desktop id.
    pub desktop_id: String,
    /// The desktop's computer name; null when unknown.
    #[schemars(with = "Nullable<String>")]
    pub computer_name: Option<String>,
    /// The user who connected last; null when unknown.
    #[schemars(with = "Nullable<String>")]
    pub latest_user: Option<String>,
    /// Hours of use (seconds / 3600, two decimals); null when not reported.
    #[schemars(with = "Nullable<TwoDecimals>")]
    pub usage_hours: Option<TwoDecimals>,
    /// Idle hours as the service counts them: 24 for each day of the run
    /// of unused days at the end of the range (unused days before a later
    /// use do not count); seconds / 3600, two decimals; null when not reported.
    #[schemars(with = "Nullable<TwoDecimals>")]
    pub idle_hours: Option<TwoDecimals>,
    /// Days since the desktop was last used, within the range: the whole
    /// days of the run of unused days at its end (idle hours / 24, rounded
    /// down; 0 for a desktop used on the last day); null when not reported.
    #[schemars(with = "Nullable<u64>")]
    pub idle_days: Option<u64>,
    /// The desktop pool's name, for pool desktops.
    #[schemars(with = "Nullable<String>")]
    pub pool_name: Option<String>,
}

/// The name and inventory facts of a desktop, when known.
fn named<'a>(names: Option<&'a Names>, id: &str) -> Option<&'a Named> {
    names.and_then(|n| n.get(id))
}

/// The computer name of desktop `id`, when known.
pub fn computer_name<'a>(names: Option<&'a Names>, id: &str) -> Option<&'a str> {
    named(names, id).and_then(|d| d.computer_name.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_json_numbers_with_two_decimals() {
        let row = ReportRow {
            desktop_id: "d1".into(),
            computer_name: None,
            desktop_username: None,
            date: Some("2024-01-01".into()),
            hours: TwoDecimals(Hours::from_hundredths(1260)),
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"desktop_id":"d1","computer_name":null,"desktop_username":null,"date":"2024-01-01","hours":12.60}"#
        );
        assert_eq!(
            serde_json::to_string(&TwoDecimals(Hours::ZERO)).unwrap(),
            "0.00"
        );
    }
}
