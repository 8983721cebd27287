//! The rows each command prints, computed from the library's model
//! (`DesktopUsage`, `UserTotals`): the CLI has no model of its own.
//!
//! The row types are the single source of truth for the json, ndjson and csv
//! outputs *and* for `desktop-usage schema`: the JSON Schema is derived from
//! these very structs.

use std::borrow::Cow;

use chrono::NaiveDate;
use huaweicloud_workspace::{DesktopUsage, Hours, UserTotals};
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
struct Nullable<T>(std::marker::PhantomData<T>);

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

/// A row of `report` in json, ndjson and csv: one desktop in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage report row")]
#[serde(deny_unknown_fields)]
pub struct ReportRow {
    /// Desktop id.
    pub desktop_id: String,
    /// The desktop's user; null when the desktop has none.
    #[schemars(with = "Nullable<String>")]
    pub desktop_username: Option<String>,
    /// The period as the API gives it: `YYYY-MM-DD` for days, `YYYY-MM-DD HH:00` (UTC) for hours.
    pub date: String,
    /// Hours used in the period.
    pub hours: TwoDecimals,
}

/// A row of `idle`: a desktop whose total hours are at most the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage idle row")]
#[serde(deny_unknown_fields)]
pub struct IdleRow {
    /// Desktop id.
    pub desktop_id: String,
    /// The desktop's user; null when the desktop has none.
    #[schemars(with = "Nullable<String>")]
    pub desktop_username: Option<String>,
    /// Hours used over the whole range.
    pub total_hours: TwoDecimals,
    /// Distinct UTC days with some use.
    pub active_days: usize,
    /// The last UTC day with some use; null when unused over the whole range.
    #[schemars(with = "Nullable<NaiveDate>")]
    pub last_active_day: Option<NaiveDate>,
}

/// A row of `users`: totals of one user over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "desktop-usage users row")]
#[serde(deny_unknown_fields)]
pub struct UserRow {
    /// User name; null for the desktops that have no user (one row gathers them all).
    #[schemars(with = "Nullable<String>")]
    pub username: Option<String>,
    /// Hours used on all of the user's desktops.
    pub hours: TwoDecimals,
    /// How many desktops the user has.
    pub desktops: usize,
    /// Distinct UTC days on which any of the user's desktops was used.
    pub active_days: usize,
}

/// The `report` rows of one desktop, in period order.
pub fn report_rows(desktop: &DesktopUsage) -> impl Iterator<Item = ReportRow> + '_ {
    desktop.periods.iter().map(|p| ReportRow {
        desktop_id: desktop.desktop_id.clone(),
        desktop_username: desktop.username.clone(),
        date: p.period.to_string(),
        hours: TwoDecimals(p.hours),
    })
}

/// The `idle` row of a desktop, when its total is at most `threshold`.
pub fn idle_row(desktop: &DesktopUsage, threshold: Hours) -> Option<IdleRow> {
    let total = desktop.total_hours();
    (total <= threshold).then(|| IdleRow {
        desktop_id: desktop.desktop_id.clone(),
        desktop_username: desktop.username.clone(),
        total_hours: TwoDecimals(total),
        active_days: desktop.active_days(),
        last_active_day: desktop.last_active_day(),
    })
}

/// The `users` row of one user's totals.
pub fn user_row(totals: &UserTotals) -> UserRow {
    UserRow {
        username: totals.username.clone(),
        hours: TwoDecimals(totals.hours),
        desktops: totals.desktops,
        active_days: totals.active_days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huaweicloud_workspace::{Period, PeriodUsage, UserTotalsBuilder};

    fn h(hundredths: u64) -> Hours {
        Hours::from_hundredths(hundredths)
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    fn desktop(id: &str, user: Option<&str>, hours: &[u64]) -> DesktopUsage {
        DesktopUsage {
            desktop_id: id.into(),
            username: user.map(Into::into),
            periods: hours
                .iter()
                .enumerate()
                .map(|(i, &x)| PeriodUsage {
                    period: Period::Day(day(i as u32 + 1)),
                    hours: h(x),
                })
                .collect(),
        }
    }

    #[test]
    fn hours_are_json_numbers_with_two_decimals() {
        let row = ReportRow {
            desktop_id: "d1".into(),
            desktop_username: None,
            date: "2024-01-01".into(),
            hours: TwoDecimals(h(1260)),
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"desktop_id":"d1","desktop_username":null,"date":"2024-01-01","hours":12.60}"#
        );
        assert_eq!(
            serde_json::to_string(&TwoDecimals(Hours::ZERO)).unwrap(),
            "0.00"
        );
    }

    #[test]
    fn idle_uses_at_most() {
        let d = desktop("d1", None, &[100, 50]);
        assert!(idle_row(&d, h(149)).is_none());
        let row = idle_row(&d, h(150)).unwrap();
        assert_eq!(row.total_hours, TwoDecimals(h(150)));
        assert_eq!(row.active_days, 2);
    }

    #[test]
    fn users_rows_come_from_the_librarys_totals_no_user_last() {
        let mut totals = UserTotalsBuilder::default();
        totals.add(&desktop("d1", Some("bob"), &[100, 0, 0]));
        totals.add(&desktop("d2", Some("bob"), &[100, 0, 5]));
        totals.add(&desktop("d3", None, &[0, 0, 0]));
        totals.add(&desktop("d4", Some("alice"), &[0, 1, 0]));
        let rows: Vec<UserRow> = totals.finish().iter().map(user_row).collect();
        let names: Vec<_> = rows.iter().map(|r| r.username.as_deref()).collect();
        assert_eq!(names, [Some("alice"), Some("bob"), None]);
        assert_eq!(rows[1].hours, TwoDecimals(h(205)));
        assert_eq!(rows[1].desktops, 2);
        assert_eq!(rows[1].active_days, 2);
        assert_eq!(rows[2].desktops, 1);
        assert_eq!(rows[2].active_days, 0);
    }
}
