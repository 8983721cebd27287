//! What the two metric operations share: their limits, the sort order and
//! page limit as the generated client takes them, and the reading of a
//! page's metric list. Each operation's wire file is beside this one
//! (`desktop_metrics.rs`, `user_metrics.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;

use huaweicloud_workspace_api::types::{MetricItem, SortType};

use crate::answer::Answer;
use crate::checks::{DayRange, RangeSpec};
use crate::classify::Failure;
use crate::error::Error;
use crate::metrics::model::SortOrder;

/// How far back the metric operations reach: the latest 180 days.
pub const METRICS_HISTORY_DAYS: u64 = 180;
/// The longest range one user-metrics request may cover (the service's
/// rule); longer ranges are split and summed by
/// [`UserMetricsQuery`](crate::UserMetricsQuery).
pub const MAX_USER_WINDOW_DAYS: u64 = 30;
/// The largest page of the metric operations.
pub const MAX_METRICS_PAGE_SIZE: u32 = 100;
/// The most usage hours the metric operations filter on.
pub(crate) const MAX_USAGE_HOURS: u32 = 2_147_483_646;

/// The largest metric value read, in seconds or counts: 2^53, where `f64`
/// stops being exact (about 285 million years of seconds).
const MAX_METRIC_VALUE: f64 = 9_007_199_254_740_992.0;

/// How many desktops one user's `user_usage` may add up at once: sessions
/// on several desktops at once add up (see [`UserMetrics`]), so a user's
/// usage may pass the range's length, but not by more than this many
/// desktops in use every second of it.
///
/// [`UserMetrics`]: crate::UserMetrics
pub(crate) const MAX_DESKTOPS_AT_ONCE: u64 = 10;

/// A metric query's inputs as the user gave them: its days and its filters
/// (`F`, each operation's own).
#[derive(Debug, Clone, Default)]
pub(crate) struct MetricsRequest<F> {
    pub(crate) range: Option<RangeSpec>,
    pub(crate) today: Option<NaiveDate>,
    pub(crate) filters: F,
}

/// One checked pass of a metric query: its days (for user metrics, one
/// window of at most 30) and its filters.
#[derive(Debug, Default)]
pub(crate) struct MetricsListing<F> {
    pub(crate) range: DayRange,
    pub(crate) filters: Arc<F>,
}

/// Refuses a duration metric longer than `most_per_second` times the
/// range: the service counting more seconds than the range lasts is an
/// answer no report can show (9,007,199,254,740,992 s in 30 days would be
/// 2.5 trillion hours), as a day of the per-day operation never holds
/// more than 24 hours.
pub(crate) fn check_duration(
    answer: &Answer,
    range: &DayRange,
    owner: &str,
    name: &str,
    seconds: Option<u64>,
    most_per_second: u64,
) -> Result<(), Failure> {
    let days = range.days();
    let lasts = days.saturating_mul(86_400);
    let most = lasts.saturating_mul(most_per_second);
    let Some(s) = seconds.filter(|s| *s > most) else {
        return Ok(());
    };
    let at_once = match most_per_second {
        1 => String::new(),
        n => format!("{n} desktops at once for "),
    };
    Err(Failure::bad_data(
        answer,
        format!(
            "{owner} has {name} = {s} s, more than {at_once}the {lasts} s of the {days} days from {} to {}",
            range.start, range.end
        ),
    ))
}

/// A bound as the generated client takes it; every bound is checked
/// against `i32` before a request is built (`MAX_USAGE_HOURS` and the
/// idle days are below `i32::MAX`).
pub(crate) fn int(bound: u32) -> i32 {
    i32::try_from(bound).unwrap_or(i32::MAX)
}

pub(crate) fn sort_type(order: SortOrder) -> SortType {
    match order {
        SortOrder::Asc => SortType::Asc,
        SortOrder::Desc => SortType::Desc,
    }
}

pub(crate) fn page_limit(limit: u32) -> Result<std::num::NonZeroU32, Error> {
    std::num::NonZeroU32::new(limit)
        .ok_or_else(|| Error::invalid("limit", "must be between 1 and 100, got 0"))
}

/// An item's metrics by name: known names as whole numbers, the rest as sent.
pub(crate) struct Metrics {
    known: BTreeMap<String, u64>,
    other: BTreeMap<String, f64>,
}

const KNOWN: [&str; 6] = [
    "desktop_usage",
    "desktop_idle_duration",
    "user_usage",
    "user_login_count",
    "user_login_success_count",
    "user_login_fail_count",
];

impl Metrics {
    pub(crate) fn take(&mut self, name: &str) -> Option<u64> {
        self.known.remove(name)
    }

    pub(crate) fn rest(self) -> BTreeMap<String, f64> {
        self.other
    }
}

pub(crate) fn read_metrics(
    answer: &Answer,
    owner: &str,
    items: Vec<MetricItem>,
) -> Result<Metrics, Failure> {
    let mut known = BTreeMap::new();
    let mut other = BTreeMap::new();
    for item in items {
        let (Some(name), Some(value)) = (item.metric_name, item.metric_value) else {
            // A metric without a name or a value says nothing: unknown.
            continue;
        };
        if !(0.0..=MAX_METRIC_VALUE).contains(&value) {
            return Err(Failure::bad_data(
                answer,
                format!("{owner} has metric {name} = {value}, not a count of seconds"),
            ));
        }
        if KNOWN.contains(&name.as_str()) {
            // Whole seconds (or counts); a fraction is rounded half away from zero.
            let whole = value.round() as u64;
            if let Some(previous) = known.insert(name.clone(), whole)
                && previous != whole
            {
                return Err(Failure::bad_data(
                    answer,
                    format!("{owner} has metric {name} twice, with {previous} and {whole}"),
                ));
            }
        } else {
            other.insert(name, value);
        }
    }
    Ok(Metrics { known, other })
}
