//! The csv columns of each row: the same fields, in the same order, as the
//! json the row serializes to.

use super::{DesktopRow, IdleRow, ReportRow, UserDailyRow, UserRow};
use crate::output::{CsvRow, Field};

fn opt(value: &Option<String>) -> Field {
    Field::Text(value.clone().unwrap_or_default())
}

fn number<T: ToString>(value: Option<T>) -> Field {
    Field::Number(value.map(|v| v.to_string()).unwrap_or_default())
}

impl CsvRow for ReportRow {
    const HEADERS: &'static [&'static str] = &[
        "desktop_id",
        "computer_name",
        "desktop_username",
        "date",
        "hours",
    ];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Text(self.desktop_id.clone()),
            opt(&self.computer_name),
            opt(&self.desktop_username),
            opt(&self.date),
            Field::Number(self.hours.0.to_string()),
        ]
    }
}

impl CsvRow for IdleRow {
    const HEADERS: &'static [&'static str] = &[
        "desktop_id",
        "computer_name",
        "desktop_username",
        "total_hours",
        "active_days",
        "last_active_day",
        "status",
        "created",
    ];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Text(self.desktop_id.clone()),
            opt(&self.computer_name),
            opt(&self.desktop_username),
            Field::Number(self.total_hours.0.to_string()),
            Field::Number(self.active_days.to_string()),
            number(self.last_active_day),
            opt(&self.status),
            number(self.created),
        ]
    }
}

impl CsvRow for UserDailyRow {
    const HEADERS: &'static [&'static str] = &["username", "hours", "desktops", "active_days"];
    fn fields(&self) -> Vec<Field> {
        vec![
            opt(&self.username),
            Field::Number(self.hours.0.to_string()),
            Field::Number(self.desktops.to_string()),
            Field::Number(self.active_days.to_string()),
        ]
    }
}

impl CsvRow for UserRow {
    const HEADERS: &'static [&'static str] = &[
        "username",
        "hours",
        "login_count",
        "login_success_count",
        "login_fail_count",
    ];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Text(self.username.clone()),
            number(self.hours.map(|h| h.0)),
            number(self.login_count),
            number(self.login_success_count),
            number(self.login_fail_count),
        ]
    }
}

impl CsvRow for DesktopRow {
    const HEADERS: &'static [&'static str] = &[
        "desktop_id",
        "computer_name",
        "latest_user",
        "usage_hours",
        "idle_hours",
        "idle_days",
        "pool_name",
    ];
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::Text(self.desktop_id.clone()),
            opt(&self.computer_name),
            opt(&self.latest_user),
            number(self.usage_hours.map(|h| h.0)),
            number(self.idle_hours.map(|h| h.0)),
            number(self.idle_days),
            opt(&self.pool_name),
        ]
    }
}
