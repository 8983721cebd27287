//! The rows each command prints, and the usage model they are computed from.
//!
//! The row types are the single source of truth for the json, ndjson and csv
//! outputs *and* for `desktop-usage schema`: the JSON Schema is derived from
//! these very structs.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use huaweicloud_workspace_api::Hours;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};

/// One period of one desktop, as the CLI sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodHours {
    /// The period exactly as the API wrote it (`2024-01-31`, `2024-01-31 13:00`, ...).
    pub text: String,
    /// The UTC day the period falls on, when it could be read.
    pub day: Option<NaiveDate>,
    /// Hours used in the period.
    pub hours: Hours,
}

/// One desktop's usage over the queried range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopHours {
    /// Desktop id.
    pub desktop_id: String,
    /// The desktop's user, when it has one.
    pub username: Option<String>,
    /// Periods in time order.
    pub periods: Vec<PeriodHours>,
}

impl DesktopHours {
    /// Sum of all periods.
    pub fn total(&self) -> Hours {
        self.periods.iter().map(|p| p.hours).sum()
    }

    /// The distinct days with some use.
    pub fn active_day_set(&self) -> BTreeSet<NaiveDate> {
        self.periods
            .iter()
            .filter(|p| !p.hours.is_zero())
            .filter_map(|p| p.day)
            .collect()
    }

    /// How many distinct days had some use.
    pub fn active_days(&self) -> usize {
        self.active_day_set().len()
    }

    /// The last day with some use.
    pub fn last_active_day(&self) -> Option<NaiveDate> {
        self.active_day_set().last().copied()
    }
}

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
pub fn report_rows(desktop: &DesktopHours) -> impl Iterator<Item = ReportRow> + '_ {
    desktop.periods.iter().map(|p| ReportRow {
        desktop_id: desktop.desktop_id.clone(),
        desktop_username: desktop.username.clone(),
        date: p.text.clone(),
        hours: TwoDecimals(p.hours),
    })
}

/// The `idle` row of a desktop, when its total is at most `threshold`.
pub fn idle_row(desktop: &DesktopHours, threshold: Hours) -> Option<IdleRow> {
    let total = desktop.total();
    (total <= threshold).then(|| IdleRow {
        desktop_id: desktop.desktop_id.clone(),
        desktop_username: desktop.username.clone(),
        total_hours: TwoDecimals(total),
        active_days: desktop.active_days(),
        last_active_day: desktop.last_active_day(),
    })
}

/// Accumulates per-user totals from desktops given one at a time.
#[derive(Debug, Default)]
pub struct UserTotals {
    users: BTreeMap<Option<String>, UserAcc>,
}

#[derive(Debug, Default)]
struct UserAcc {
    hours: Hours,
    desktops: usize,
    days: BTreeSet<NaiveDate>,
}

impl UserTotals {
    /// Adds one desktop.
    pub fn add(&mut self, desktop: &DesktopHours) {
        let acc = self.users.entry(desktop.username.clone()).or_default();
        acc.hours += desktop.total();
        acc.desktops += 1;
        acc.days.extend(desktop.active_day_set());
    }

    /// The rows: users by name, then the desktops without a user.
    pub fn rows(&self) -> Vec<UserRow> {
        let mut rows: Vec<UserRow> = self
            .users
            .iter()
            .map(|(name, acc)| UserRow {
                username: name.clone(),
                hours: TwoDecimals(acc.hours),
                desktops: acc.desktops,
                active_days: acc.days.len(),
            })
            .collect();
        // BTreeMap puts `None` first; the unassigned desktops read better last.
        rows.sort_by(|a, b| match (&a.username, &b.username) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, None) => std::cmp::Ordering::Equal,
        });
        rows
    }
}

/// Average hours per active day, rounded to the hundredth (halves up); zero without active days.
pub fn average_per_active_day(total: Hours, active_days: usize) -> Hours {
    if active_days == 0 {
        return Hours::ZERO;
    }
    let days = active_days as u64;
    Hours::from_hundredths((total.hundredths() * 2 + days) / (days * 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(hundredths: u64) -> Hours {
        Hours::from_hundredths(hundredths)
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    fn desktop(id: &str, user: Option<&str>, hours: &[u64]) -> DesktopHours {
        DesktopHours {
            desktop_id: id.into(),
            username: user.map(Into::into),
            periods: hours
                .iter()
                .enumerate()
                .map(|(i, &x)| PeriodHours {
                    text: day(i as u32 + 1).to_string(),
                    day: Some(day(i as u32 + 1)),
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
    fn desktop_aggregates() {
        let d = desktop("d1", Some("alice"), &[0, 150, 0, 1, 0]);
        assert_eq!(d.total(), h(151));
        assert_eq!(d.active_days(), 2);
        assert_eq!(d.last_active_day(), Some(day(4)));
        let idle = desktop("d2", None, &[0, 0]);
        assert_eq!(idle.last_active_day(), None);
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
    fn users_group_desktops_and_days() {
        let mut totals = UserTotals::default();
        totals.add(&desktop("d1", Some("bob"), &[100, 0, 0]));
        totals.add(&desktop("d2", Some("bob"), &[100, 0, 5]));
        totals.add(&desktop("d3", None, &[0, 0, 0]));
        totals.add(&desktop("d4", Some("alice"), &[0, 1, 0]));
        let rows = totals.rows();
        let names: Vec<_> = rows.iter().map(|r| r.username.as_deref()).collect();
        assert_eq!(names, [Some("alice"), Some("bob"), None]);
        assert_eq!(rows[1].hours, TwoDecimals(h(205)));
        assert_eq!(rows[1].desktops, 2);
        assert_eq!(rows[1].active_days, 2);
        assert_eq!(rows[2].desktops, 1);
        assert_eq!(rows[2].active_days, 0);
    }

    #[test]
    fn average_rounds_half_up() {
        assert_eq!(average_per_active_day(h(100), 3), h(33));
        assert_eq!(average_per_active_day(h(200), 3), h(67));
        assert_eq!(average_per_active_day(h(1), 2), h(1));
        assert_eq!(average_per_active_day(h(500), 0), Hours::ZERO);
    }
}
