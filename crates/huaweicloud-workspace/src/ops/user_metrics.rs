//! `ListUserUsageMetric` (`GET /v2/{project_id}/statistics/metrics/users`):
//! its filters and their checks, its 30-day windows, its key, one page's
//! request (from the generated client) and the only decoder of its answer.

use std::sync::Arc;

use huaweicloud_workspace_api::types::{
    ListUserUsageMetricResponse, UserMetric, UserMetricSortField,
};

use super::metrics::{
    MAX_DESKTOPS_AT_ONCE, MAX_METRICS_PAGE_SIZE, MAX_USAGE_HOURS, MAX_USER_WINDOW_DAYS,
    METRICS_HISTORY_DAYS, MetricsListing, MetricsRequest, check_duration, int, page_limit,
    read_metrics, sort_type,
};
use crate::answer::Answer;
use crate::checks::{DayRange, check_bound, check_range, check_text, today_or_now};
use crate::classify::Failure;
use crate::error::Error;
use crate::list::read::Shape;
use crate::list::{self, Counted, ListRequest, Listed};
use crate::metrics::model::{SortOrder, UserMetrics, UserSort};
use crate::operation::build_error;
use crate::ops::Maybe;

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
pub(crate) type UserMetricsRequest = MetricsRequest<UserMetricsFilters>;

/// One checked pass of a user-metrics (one window of at most 30 days) query.
pub(crate) type UserMetricsListing = MetricsListing<UserMetricsFilters>;

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
                range: DayRange { start, end },
                filters: Arc::clone(&filters),
            })
            .collect())
    }
}

impl Listed for UserMetricsListing {
    type Item = UserMetrics;
    type Wire = ListUserUsageMetricResponse;
    type WireItem = UserMetric;
    const NAME: &'static str = "ListUserUsageMetric";
    const SHAPE: Shape = Shape::new("count", "items", "user", "username");

    fn key(item: &UserMetrics) -> &str {
        &item.username
    }

    fn split(page: ListUserUsageMetricResponse) -> (Option<i64>, Vec<UserMetric>) {
        (page.count, page.items)
    }

    fn take_key(item: &mut UserMetric) -> Option<String> {
        item.username.take()
    }

    fn read(&self, answer: &Answer, key: String, item: UserMetric) -> Result<UserMetrics, Failure> {
        let mut metrics = read_metrics(answer, &key, item.metric)?;
        let usage_seconds = metrics.take("user_usage");
        check_duration(
            answer,
            &self.range,
            &format!("user {key}"),
            "user_usage",
            usage_seconds,
            MAX_DESKTOPS_AT_ONCE,
        )?;
        Ok(UserMetrics {
            usage_seconds,
            login_count: metrics.take("user_login_count"),
            login_success_count: metrics.take("user_login_success_count"),
            login_fail_count: metrics.take("user_login_fail_count"),
            other_metrics: metrics.rest(),
            username: key,
            enterprise_project_id: item.enterprise_project_id,
        })
    }

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
        offset: i32,
        limit: u32,
    ) -> Result<reqwest::Request, Error> {
        let f = &*self.filters;
        api.list_user_usage_metric()
            .project_id(project_id)
            .start_time(self.range.start_time().as_str())
            .end_time(self.range.end_time().as_str())
            .offset(offset)
            .limit(page_limit(limit)?)
            .maybe(f.username.as_deref(), |b, v| b.username(v))
            .maybe(f.domain.as_deref(), |b, v| b.domain(v))
            .maybe(f.min_usage_hours, |b, v| b.usage_min_hours(int(v)))
            .maybe(f.max_usage_hours, |b, v| b.usage_max_hours(int(v)))
            .maybe(f.enterprise_project_id.as_deref(), |b, v| {
                b.enterprise_project_id(v)
            })
            .maybe(f.sort, |b, (UserSort::Usage, order)| {
                b.sort_field(UserMetricSortField::UserUsage)
                    .sort_type(sort_type(order))
            })
            .build_request()
            .map_err(build_error)
    }
}

/// Decodes one answer of `ListUserUsageMetric` as a query does (see
/// [`desktop_metrics_page`](super::desktop_metrics::desktop_metrics_page)).
/// A user's usage is held to the longest window, 30 days.
pub fn user_metrics_page(answer: &Answer, limit: u32) -> Result<Counted<UserMetrics>, Error> {
    let listing = UserMetricsListing {
        range: DayRange::longest(MAX_USER_WINDOW_DAYS),
        ..Default::default()
    };
    list::decode_page(&listing, answer, limit)
}
