//! What the metric queries return: per desktop and per user, in exact seconds.

use std::collections::BTreeMap;

use huaweicloud_workspace_api::Hours;
use serde::Serialize;

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum SortOrder {
    /// Smallest first.
    Asc,
    /// Largest first (the service's default).
    #[default]
    Desc,
}

/// One desktop's usage metrics over the range.
///
/// A metric the service did not report is `None` ("unknown"), never zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct DesktopMetrics {
    /// The desktop id (`resource_id`).
    pub desktop_id: String,
    /// The desktop's computer name (`resource_name`), when the service gave it.
    pub computer_name: Option<String>,
    /// The user who connected last (`latest_connect_username`).
    pub latest_user: Option<String>,
    /// The desktop pool, for pool desktops.
    pub pool_id: Option<String>,
    /// The desktop pool's name, for pool desktops.
    pub pool_name: Option<String>,
    /// The enterprise project.
    pub enterprise_project_id: Option<String>,
    /// Seconds of use over the range (`desktop_usage`).
    pub usage_seconds: Option<u64>,
    /// Seconds the desktop sat idle (`desktop_idle_duration`).
    pub idle_seconds: Option<u64>,
    /// Metrics with names this crate does not know, as sent (never an error).
    pub other_metrics: BTreeMap<String, f64>,
}

impl DesktopMetrics {
    /// Hours of use, rounded to the hundredth (see [`hours_from_seconds`]).
    pub fn usage_hours(&self) -> Option<Hours> {
        self.usage_seconds.map(hours_from_seconds)
    }

    /// Idle hours, rounded to the hundredth.
    pub fn idle_hours(&self) -> Option<Hours> {
        self.idle_seconds.map(hours_from_seconds)
    }
}

/// One user's usage metrics over the range.
///
/// A metric the service did not report is `None` ("unknown"), never zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct UserMetrics {
    /// The user name.
    pub username: String,
    /// The enterprise project.
    pub enterprise_project_id: Option<String>,
    /// Seconds of use (`user_usage`); sessions on several desktops at once add up.
    pub usage_seconds: Option<u64>,
    /// Login attempts (`user_login_count`).
    pub login_count: Option<u64>,
    /// Successful logins (`user_login_success_count`).
    pub login_success_count: Option<u64>,
    /// Failed logins (`user_login_fail_count`).
    pub login_fail_count: Option<u64>,
    /// Metrics with names this crate does not know, as sent (never an error).
    pub other_metrics: BTreeMap<String, f64>,
}

impl UserMetrics {
    /// Hours of use, rounded to the hundredth (see [`hours_from_seconds`]).
    pub fn usage_hours(&self) -> Option<Hours> {
        self.usage_seconds.map(hours_from_seconds)
    }

    /// Adds another window's metrics of the same user: every count and the
    /// usage add up; unknown in either window stays unknown.
    pub(crate) fn add(&mut self, other: UserMetrics) {
        fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            Some(a?.saturating_add(b?))
        }
        self.usage_seconds = sum(self.usage_seconds, other.usage_seconds);
        self.login_count = sum(self.login_count, other.login_count);
        self.login_success_count = sum(self.login_success_count, other.login_success_count);
        self.login_fail_count = sum(self.login_fail_count, other.login_fail_count);
        if self.enterprise_project_id.is_none() {
            self.enterprise_project_id = other.enterprise_project_id;
        }
        for (name, value) in other.other_metrics {
            *self.other_metrics.entry(name).or_insert(0.0) += value;
        }
    }
}

/// Seconds as hours, rounded to the hundredth, halves away from zero
/// (`18` s is `0.01` h, `17` s is `0.00` h). Integer arithmetic only.
///
/// ```
/// use huaweicloud_workspace::hours_from_seconds;
///
/// assert_eq!(hours_from_seconds(3600).to_string(), "1.00");
/// assert_eq!(hours_from_seconds(18).to_string(), "0.01");
/// assert_eq!(hours_from_seconds(17).to_string(), "0.00");
/// ```
pub fn hours_from_seconds(seconds: u64) -> Hours {
    Hours::from_hundredths(seconds.saturating_add(18) / 36)
}

/// What desktops can be sorted by, on the service's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum DesktopSort {
    /// Seconds of use (`desktop_usage`).
    Usage,
    /// Idle time (`desktop_idle_duration`).
    Idle,
}

/// What users can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum UserSort {
    /// Seconds of use (`user_usage`).
    Usage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_to_hundredths_half_away_from_zero() {
        assert_eq!(hours_from_seconds(0), Hours::ZERO);
        assert_eq!(hours_from_seconds(35).hundredths(), 1);
        assert_eq!(hours_from_seconds(53).hundredths(), 1);
        assert_eq!(hours_from_seconds(54).hundredths(), 2);
        assert_eq!(hours_from_seconds(36 * 1234).to_string(), "12.34");
        assert_eq!(hours_from_seconds(u64::MAX).hundredths(), u64::MAX / 36);
    }

    #[test]
    fn windows_add_up_and_unknown_stays_unknown() {
        let m = |usage: Option<u64>, logins: Option<u64>| UserMetrics {
            username: "u".into(),
            enterprise_project_id: None,
            usage_seconds: usage,
            login_count: logins,
            login_success_count: logins,
            login_fail_count: Some(0),
            other_metrics: BTreeMap::new(),
        };
        let mut a = m(Some(10), Some(1));
        a.add(m(Some(5), Some(2)));
        assert_eq!((a.usage_seconds, a.login_count), (Some(15), Some(3)));
        a.add(m(None, Some(1)));
        assert_eq!((a.usage_seconds, a.login_count), (None, Some(4)));
    }
}
