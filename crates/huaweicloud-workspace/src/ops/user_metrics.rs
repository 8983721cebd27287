//! `ListUserUsageMetric` (`GET /v2/{project_id}/statistics/metrics/users`):
//! its filters and their checks, its 30-day windows, its key, one page's
//! request (from the generated client) and the only decoder of its answer.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use huaweicloud_workspace_api::types::{ListUserUsageMetricResponse, UserMetricSortField};

use super::metrics::{
    MAX_METRICS_PAGE_SIZE, MAX_USAGE_HOURS, MAX_USER_WINDOW_DAYS, METRICS_HISTORY_DAYS, limit,
    read_metrics, sort_type,
};
use crate::answer::Answer;
use crate::checks::{DayRange, RangeSpec, check_bound, check_range, check_text, today_or_now};
use crate::classify::Failure;
use crate::error::Error;
use crate::list::{Counted, ListRequest, Listed, json_page, key_once, total};
use crate::metrics::model::{SortOrder, UserMetrics, UserSort};
use crate::operation::{self, Operation, build_error};

/// The filters of a user-metrics query, as the service takes them.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserMetricsFilters {
    pub(crate) username: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) min_usage_hours: Option<u32>,
    pub(crate) max_usage_hours: Option<u32>,
    pub(crate) enterprise_project_id: Option<String>,
    pub(crate) sort: Option<(UserSort, SortOrder)>,
}

impl UserMetricsFilters {
    /// The filters the service can apply to one window of several: the
    /// usage bounds and the sort apply to the sums, on this side.
    pub(crate) fn per_window(&self) -> UserMetricsFilters {
        UserMetricsFilters {
            min_usage_hours: None,
            max_usage_hours: None,
            sort: None,
            ..self.clone()
        }
    }
}

/// A user-metrics query's inputs.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserMetricsRequest {
    pub(crate) range: Option<RangeSpec>,
    pub(crate) today: Option<NaiveDate>,
    pub(crate) filters: UserMetricsFilters,
}

/// One window of at most 30 days of a user-metrics query.
#[derive(Debug)]
pub(crate) struct UserMetricsListing {
    window: DayRange,
    filters: Arc<UserMetricsFilters>,
}

impl ListRequest for UserMetricsRequest {
    type Listing = UserMetricsListing;
    const MAX_PAGE_SIZE: u32 = MAX_METRICS_PAGE_SIZE;

    /// The windows, in order: one with every filter when the range fits
    /// one, else each with [`UserMetricsFilters::per_window`].
    fn plan(&self) -> Result<Vec<UserMetricsListing>, Error> {
        let range = check_range(self.range, today_or_now(self.today), METRICS_HISTORY_DAYS)?;
        let f = &self.filters;
        check_text("username", f.username.as_deref(), 64)?;
        check_text("domain", f.domain.as_deref(), 255)?;
        check_text(
            "enterprise_project_id",
            f.enterprise_project_id.as_deref(),
            64,
        )?;
        check_bound("min_usage_hours", f.min_usage_hours, MAX_USAGE_HOURS)?;
        check_bound("max_usage_hours", f.max_usage_hours, MAX_USAGE_HOURS)?;
        let windows = crate::windows::split_by(range.start, range.end, MAX_USER_WINDOW_DAYS);
        let filters = Arc::new(match windows.len() {
            1 => f.clone(),
            _ => f.per_window(),
        });
        Ok(windows
            .into_iter()
            .map(|(start, end)| UserMetricsListing {
                window: DayRange { start, end },
                filters: Arc::clone(&filters),
            })
            .collect())
    }
}

impl Listed for UserMetricsListing {
    type Item = UserMetrics;
    type Page<'a> = UserMetricsPage<'a>;
    const ITEM: &'static str = "user";

    fn page(&self, offset: i32, limit: u32) -> UserMetricsPage<'_> {
        UserMetricsPage {
            window: self.window,
            filters: &self.filters,
            offset,
            limit,
        }
    }

    fn key(item: &UserMetrics) -> &str {
        &item.username
    }
}

/// One page of `ListUserUsageMetric` over one window of at most 30 days.
#[derive(Debug)]
pub(crate) struct UserMetricsPage<'a> {
    window: DayRange,
    filters: &'a UserMetricsFilters,
    offset: i32,
    limit: u32,
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
        // The bounds were checked against i32 in `plan`.
        if let Some(v) = f.min_usage_hours {
            b = b.usage_min_hours(v as i32);
        }
        if let Some(v) = f.max_usage_hours {
            b = b.usage_max_hours(v as i32);
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
        decode(answer, self.limit)
    }
}

/// Decodes one answer of `ListUserUsageMetric` as a query does (see
/// [`desktop_metrics_page`](super::desktop_metrics::desktop_metrics_page)).
pub fn user_metrics_page(answer: &Answer, limit: u32) -> Result<Counted<UserMetrics>, Error> {
    let op = UserMetricsPage {
        window: DayRange {
            start: NaiveDate::MIN,
            end: NaiveDate::MIN,
        },
        filters: &UserMetricsFilters::default(),
        offset: 0,
        limit,
    };
    operation::decode(&op, answer).map_err(|f| f.into_error(1))
}

fn decode(answer: &Answer, limit: u32) -> Result<Counted<UserMetrics>, Failure> {
    let wire: ListUserUsageMetricResponse = json_page(answer)?;
    let total = total(
        answer,
        "count",
        wire.count,
        (wire.items.len(), "items"),
        limit,
    )?;
    let mut seen = HashSet::with_capacity(wire.items.len());
    let mut items = Vec::with_capacity(wire.items.len());
    for item in wire.items {
        let username = key_once(answer, &mut seen, item.username, ("user", "username"))?;
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
