//! `ListDesktopUsageMetric` (`GET /v2/{project_id}/statistics/metrics/desktops`)
//! and `ListUserUsageMetric` (`GET /v2/{project_id}/statistics/metrics/users`):
//! one page each. Requests come from the generated client; the decoders
//! here are the only ones of their answers.

use std::collections::{BTreeMap, HashSet};

use huaweicloud_workspace_api::types::{
    DesktopMetricSortField, ListDesktopUsageMetricResponse, ListUserUsageMetricResponse,
    MetricItem, SortType, UserMetricSortField,
};

use crate::Error;
use crate::classify::Failure;
use crate::metrics::{DayRange, DesktopMetrics, DesktopSort, SortOrder, UserMetrics, UserSort};
use crate::operation::{self, Operation, build_error};
use crate::pager::Counted;
use crate::transport::Answer;

/// The largest metric value read, in seconds or counts: 2^53, where `f64`
/// stops being exact (about 285 million years of seconds).
const MAX_METRIC_VALUE: f64 = 9_007_199_254_740_992.0;

/// Filters of one desktop-metrics request (already checked).
#[derive(Debug, Clone, Default)]
pub(crate) struct DesktopFilters {
    pub(crate) name: Option<String>,
    pub(crate) desktop_id: Option<String>,
    pub(crate) min_idle_days: Option<i32>,
    pub(crate) max_idle_days: Option<i32>,
    pub(crate) min_usage_hours: Option<i32>,
    pub(crate) max_usage_hours: Option<i32>,
    pub(crate) enterprise_project_id: Option<String>,
    pub(crate) sort: Option<(DesktopSort, SortOrder)>,
}

/// One page of `ListDesktopUsageMetric`.
#[derive(Debug)]
pub(crate) struct DesktopMetricsPage<'a> {
    pub(crate) range: DayRange,
    pub(crate) filters: &'a DesktopFilters,
    pub(crate) offset: i32,
    pub(crate) limit: u32,
}

fn sort_type(order: SortOrder) -> SortType {
    match order {
        SortOrder::Asc => SortType::Asc,
        SortOrder::Desc => SortType::Desc,
    }
}

fn limit(limit: u32) -> Result<std::num::NonZeroU32, Error> {
    std::num::NonZeroU32::new(limit)
        .ok_or_else(|| Error::invalid("limit", "must be between 1 and 100, got 0"))
}

impl Operation for DesktopMetricsPage<'_> {
    type Output = Counted<DesktopMetrics>;
    const NAME: &'static str = "ListDesktopUsageMetric";

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
    ) -> Result<reqwest::Request, Error> {
        let f = self.filters;
        let mut b = api
            .list_desktop_usage_metric()
            .project_id(project_id)
            .start_time(self.range.start_time().as_str())
            .end_time(self.range.end_time().as_str())
            .offset(self.offset)
            .limit(limit(self.limit)?);
        if let Some(v) = &f.name {
            b = b.resource_name(v.as_str());
        }
        if let Some(v) = &f.desktop_id {
            b = b.resource_id(v.as_str());
        }
        if let Some(v) = f.min_idle_days {
            b = b.min_idle_days(v);
        }
        if let Some(v) = f.max_idle_days {
            b = b.max_idle_days(v);
        }
        if let Some(v) = f.min_usage_hours {
            b = b.usage_min_hours(v);
        }
        if let Some(v) = f.max_usage_hours {
            b = b.usage_max_hours(v);
        }
        if let Some(v) = &f.enterprise_project_id {
            b = b.enterprise_project_id(v.as_str());
        }
        if let Some((field, order)) = f.sort {
            b = b
                .sort_field(match field {
                    DesktopSort::Usage => DesktopMetricSortField::DesktopUsage,
                    DesktopSort::Idle => DesktopMetricSortField::DesktopIdleDuration,
                })
                .sort_type(sort_type(order));
        }
        b.build_request().map_err(build_error)
    }

    fn decode_body(&self, answer: &Answer) -> Result<Self::Output, Failure> {
        decode_desktops(answer, self.limit)
    }
}

/// Filters of one user-metrics request (already checked).
#[derive(Debug, Clone, Default)]
pub(crate) struct UserFilters {
    pub(crate) username: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) min_usage_hours: Option<i32>,
    pub(crate) max_usage_hours: Option<i32>,
    pub(crate) enterprise_project_id: Option<String>,
    pub(crate) sort: Option<(UserSort, SortOrder)>,
}

/// One page of `ListUserUsageMetric` over one window of at most 30 days.
#[derive(Debug)]
pub(crate) struct UserMetricsPage<'a> {
    pub(crate) window: DayRange,
    pub(crate) filters: &'a UserFilters,
    pub(crate) offset: i32,
    pub(crate) limit: u32,
}

impl Operation for UserMetricsPage<'_> {
    type Output = Counted<UserMetrics>;
    const NAME: &'static str = "ListUserUsageMetric";

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
    ) -> Result<reqwest::Request, Error> {
        let f = self.filters;
        let mut b = api
            .list_user_usage_metric()
            .project_id(project_id)
            .start_time(self.window.start_time().as_str())
            .end_time(self.window.end_time().as_str())
            .offset(self.offset)
            .limit(limit(self.limit)?);
        if let Some(v) = &f.username {
            b = b.username(v.as_str());
        }
        if let Some(v) = &f.domain {
            b = b.domain(v.as_str());
        }
        if let Some(v) = f.min_usage_hours {
            b = b.usage_min_hours(v);
        }
        if let Some(v) = f.max_usage_hours {
            b = b.usage_max_hours(v);
        }
        if let Some(v) = &f.enterprise_project_id {
            b = b.enterprise_project_id(v.as_str());
        }
        if let Some((UserSort::Usage, order)) = f.sort {
            b = b
                .sort_field(UserMetricSortField::UserUsage)
                .sort_type(sort_type(order));
        }
        b.build_request().map_err(build_error)
    }

    fn decode_body(&self, answer: &Answer) -> Result<Self::Output, Failure> {
        decode_users(answer, self.limit)
    }
}

/// Decodes one answer of `ListDesktopUsageMetric` as a query does: the
/// status and `error_code` checks, then the page (at most `limit`
/// desktops, each with an id and once; metric values finite, not negative,
/// whole seconds after rounding half away from zero).
pub fn desktop_metrics_page(answer: &Answer, limit: u32) -> Result<Counted<DesktopMetrics>, Error> {
    let op = DesktopMetricsPage {
        range: DayRange {
            start: chrono::NaiveDate::MIN,
            end: chrono::NaiveDate::MIN,
        },
        filters: &DesktopFilters::default(),
        offset: 0,
        limit,
    };
    operation::decode(&op, answer).map_err(|f| f.into_error(1))
}

/// Decodes one answer of `ListUserUsageMetric` as a query does (see
/// [`desktop_metrics_page`]).
pub fn user_metrics_page(answer: &Answer, limit: u32) -> Result<Counted<UserMetrics>, Error> {
    let op = UserMetricsPage {
        window: DayRange {
            start: chrono::NaiveDate::MIN,
            end: chrono::NaiveDate::MIN,
        },
        filters: &UserFilters::default(),
        offset: 0,
        limit,
    };
    operation::decode(&op, answer).map_err(|f| f.into_error(1))
}

fn decode_desktops(answer: &Answer, limit: u32) -> Result<Counted<DesktopMetrics>, Failure> {
    let wire: ListDesktopUsageMetricResponse =
        serde_json::from_slice(&answer.body).map_err(|e| {
            Failure::bad_body(
                answer,
                format!("the body is not the documented JSON page: {e}"),
            )
        })?;
    let total = count(answer, wire.count, wire.items.len(), limit)?;
    let mut seen = HashSet::with_capacity(wire.items.len());
    let mut items = Vec::with_capacity(wire.items.len());
    for item in wire.items {
        let desktop_id = item
            .resource_id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| Failure::bad_data(answer, "a desktop has no resource_id".to_string()))?;
        if !seen.insert(desktop_id.clone()) {
            return Err(Failure::bad_data(
                answer,
                format!("desktop {desktop_id} appears twice in one page"),
            ));
        }
        let mut metrics = read_metrics(answer, &desktop_id, item.metric)?;
        items.push(DesktopMetrics {
            usage_seconds: metrics.take("desktop_usage"),
            idle_seconds: metrics.take("desktop_idle_duration"),
            other_metrics: metrics.rest(),
            desktop_id,
            computer_name: item.resource_name,
            latest_user: item.latest_connect_username,
            pool_id: item.resource_pool_id,
            pool_name: item.resource_pool_name,
            enterprise_project_id: item.enterprise_project_id,
        });
    }
    Ok(Counted {
        items,
        total,
        request_id: answer.request_id.clone(),
    })
}

fn decode_users(answer: &Answer, limit: u32) -> Result<Counted<UserMetrics>, Failure> {
    let wire: ListUserUsageMetricResponse = serde_json::from_slice(&answer.body).map_err(|e| {
        Failure::bad_body(
            answer,
            format!("the body is not the documented JSON page: {e}"),
        )
    })?;
    let total = count(answer, wire.count, wire.items.len(), limit)?;
    let mut seen = HashSet::with_capacity(wire.items.len());
    let mut items = Vec::with_capacity(wire.items.len());
    for item in wire.items {
        let username = item
            .username
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| Failure::bad_data(answer, "a user has no username".to_string()))?;
        if !seen.insert(username.clone()) {
            return Err(Failure::bad_data(
                answer,
                format!("user {username} appears twice in one page"),
            ));
        }
        let mut metrics = read_metrics(answer, &username, item.metric)?;
        items.push(UserMetrics {
            usage_seconds: metrics.take("user_usage"),
            login_count: metrics.take("user_login_count"),
            login_success_count: metrics.take("user_login_success_count"),
            login_fail_count: metrics.take("user_login_fail_count"),
            other_metrics: metrics.rest(),
            username,
            enterprise_project_id: item.enterprise_project_id,
        });
    }
    Ok(Counted {
        items,
        total,
        request_id: answer.request_id.clone(),
    })
}

/// The page's `count`, checked against the page.
fn count(answer: &Answer, count: Option<i64>, len: usize, limit: u32) -> Result<u64, Failure> {
    let total = match count {
        Some(n) if n < 0 => {
            return Err(Failure::bad_data(
                answer,
                format!("count is negative ({n})"),
            ));
        }
        Some(n) => n as u64,
        None => {
            return Err(Failure::bad_data(
                answer,
                "the page has no count".to_string(),
            ));
        }
    };
    if len > limit as usize {
        return Err(Failure::bad_data(
            answer,
            format!("the page holds {len} items, more than the limit of {limit}"),
        ));
    }
    Ok(total)
}

/// An item's metrics by name: known names as whole numbers, the rest as sent.
struct Metrics {
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
    fn take(&mut self, name: &str) -> Option<u64> {
        self.known.remove(name)
    }

    fn rest(self) -> BTreeMap<String, f64> {
        self.other
    }
}

fn read_metrics(answer: &Answer, owner: &str, items: Vec<MetricItem>) -> Result<Metrics, Failure> {
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
