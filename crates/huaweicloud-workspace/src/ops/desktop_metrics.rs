//! `ListDesktopUsageMetric` (`GET /v2/{project_id}/statistics/metrics/desktops`):
//! its filters and their checks, its key, one page's request (from the
//! generated client) and the only decoder of its answer.

use std::sync::Arc;

use huaweicloud_workspace_api::types::{
    DesktopMetric, DesktopMetricSortField, ListDesktopUsageMetricResponse,
};

use super::metrics::{
    MAX_METRICS_PAGE_SIZE, MAX_USAGE_HOURS, METRICS_HISTORY_DAYS, MetricsListing, MetricsRequest,
    check_duration, int, page_limit, read_metrics, sort_type,
};
use crate::answer::Answer;
use crate::checks::{DayRange, check_bound, check_range, check_text, today_or_now};
use crate::classify::Failure;
use crate::error::Error;
use crate::list::read::Shape;
use crate::list::{self, Counted, ListRequest, Listed};
use crate::metrics::model::{DesktopMetrics, DesktopSort, SortOrder};
use crate::operation::build_error;
use crate::ops::Maybe;

/// The most idle days the service filters on.
const MAX_IDLE_DAYS: u32 = 180;

/// The filters of a desktop-metrics query, as the service takes them.
#[derive(Debug, Clone, Default)]
pub(crate) struct DesktopMetricsFilters {
    pub(crate) name: Option<String>,
    pub(crate) desktop_id: Option<String>,
    pub(crate) min_idle_days: Option<u32>,
    pub(crate) max_idle_days: Option<u32>,
    pub(crate) min_usage_hours: Option<u32>,
    pub(crate) max_usage_hours: Option<u32>,
    pub(crate) enterprise_project_id: Option<String>,
    pub(crate) sort: Option<(DesktopSort, SortOrder)>,
}

/// A desktop-metrics query's inputs.
pub(crate) type DesktopMetricsRequest = MetricsRequest<DesktopMetricsFilters>;

/// One checked pass of a desktop-metrics query.
pub(crate) type DesktopMetricsListing = MetricsListing<DesktopMetricsFilters>;

impl ListRequest for DesktopMetricsRequest {
    type Listing = DesktopMetricsListing;
    const MAX_PAGE_SIZE: u32 = MAX_METRICS_PAGE_SIZE;

    fn plan(&self) -> Result<Vec<DesktopMetricsListing>, Error> {
        let range = check_range(self.range, today_or_now(self.today), METRICS_HISTORY_DAYS)?;
        let f = &self.filters;
        check_text("name", f.name.as_deref(), 64)?;
        check_text("desktop_id", f.desktop_id.as_deref(), 64)?;
        check_text(
            "enterprise_project_id",
            f.enterprise_project_id.as_deref(),
            64,
        )?;
        check_bound("min_idle_days", f.min_idle_days, MAX_IDLE_DAYS)?;
        check_bound("max_idle_days", f.max_idle_days, MAX_IDLE_DAYS)?;
        check_bound("min_usage_hours", f.min_usage_hours, MAX_USAGE_HOURS)?;
        check_bound("max_usage_hours", f.max_usage_hours, MAX_USAGE_HOURS)?;
        Ok(vec![DesktopMetricsListing {
            range,
            filters: Arc::new(f.clone()),
        }])
    }
}

impl Listed for DesktopMetricsListing {
    type Item = DesktopMetrics;
    type Wire = ListDesktopUsageMetricResponse;
    type WireItem = DesktopMetric;
    const NAME: &'static str = "ListDesktopUsageMetric";
    const SHAPE: Shape = Shape::new("count", "items", "desktop", "resource_id");

    fn key(item: &DesktopMetrics) -> &str {
        &item.desktop_id
    }

    fn split(page: ListDesktopUsageMetricResponse) -> (Option<i64>, Vec<DesktopMetric>) {
        (page.count, page.items)
    }

    fn take_key(item: &mut DesktopMetric) -> Option<String> {
        item.resource_id.take()
    }

    fn read(
        &self,
        answer: &Answer,
        key: String,
        item: DesktopMetric,
    ) -> Result<DesktopMetrics, Failure> {
        let mut metrics = read_metrics(answer, &key, item.metric)?;
        let usage_seconds = metrics.take("desktop_usage");
        let idle_seconds = metrics.take("desktop_idle_duration");
        let owner = format!("desktop {key}");
        // A desktop is used (or idle) at most every second of the range.
        check_duration(
            answer,
            &self.range,
            &owner,
            "desktop_usage",
            usage_seconds,
            1,
        )?;
        check_duration(
            answer,
            &self.range,
            &owner,
            "desktop_idle_duration",
            idle_seconds,
            1,
        )?;
        Ok(DesktopMetrics {
            usage_seconds,
            idle_seconds,
            other_metrics: metrics.rest(),
            desktop_id: key,
            computer_name: item.resource_name,
            latest_user: item.latest_connect_username,
            pool_id: item.resource_pool_id,
            pool_name: item.resource_pool_name,
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
        api.list_desktop_usage_metric()
            .project_id(project_id)
            .start_time(self.range.start_time().as_str())
            .end_time(self.range.end_time().as_str())
            .offset(offset)
            .limit(page_limit(limit)?)
            .maybe(f.name.as_deref(), |b, v| b.resource_name(v))
            .maybe(f.desktop_id.as_deref(), |b, v| b.resource_id(v))
            .maybe(f.min_idle_days, |b, v| b.min_idle_days(int(v)))
            .maybe(f.max_idle_days, |b, v| b.max_idle_days(int(v)))
            .maybe(f.min_usage_hours, |b, v| b.usage_min_hours(int(v)))
            .maybe(f.max_usage_hours, |b, v| b.usage_max_hours(int(v)))
            .maybe(f.enterprise_project_id.as_deref(), |b, v| {
                b.enterprise_project_id(v)
            })
            .maybe(f.sort, |b, (field, order)| {
                b.sort_field(match field {
                    DesktopSort::Usage => DesktopMetricSortField::DesktopUsage,
                    DesktopSort::Idle => DesktopMetricSortField::DesktopIdleDuration,
                })
                .sort_type(sort_type(order))
            })
            .build_request()
            .map_err(build_error)
    }
}

/// Decodes one answer of `ListDesktopUsageMetric` as a query does: the
/// status and `error_code` checks, then the page (at most `limit`
/// desktops, each with an id and once; metric values finite, not negative,
/// whole seconds after rounding half away from zero; usage and idle time
/// each at most the longest range the operation takes, 181 days, where a
/// query holds them to its own range).
pub fn desktop_metrics_page(answer: &Answer, limit: u32) -> Result<Counted<DesktopMetrics>, Error> {
    let listing = DesktopMetricsListing {
        range: DayRange::longest(METRICS_HISTORY_DAYS + 1),
        ..Default::default()
    };
    list::decode_page(&listing, answer, limit)
}
