//! `ListDesktopUsageMetric` (`GET /v2/{project_id}/statistics/metrics/desktops`):
//! its filters and their checks, its key, one page's request (from the
//! generated client) and the only decoder of its answer.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use huaweicloud_workspace_api::types::{DesktopMetricSortField, ListDesktopUsageMetricResponse};

use super::metrics::{
    MAX_METRICS_PAGE_SIZE, MAX_USAGE_HOURS, METRICS_HISTORY_DAYS, limit, read_metrics, sort_type,
};
use crate::answer::Answer;
use crate::checks::{DayRange, RangeSpec, check_bound, check_range, check_text, today_or_now};
use crate::classify::Failure;
use crate::error::Error;
use crate::list::{Counted, ListRequest, Listed, json_page, key_once, total};
use crate::metrics::model::{DesktopMetrics, DesktopSort, SortOrder};
use crate::operation::{self, Operation, build_error};

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
#[derive(Debug, Clone, Default)]
pub(crate) struct DesktopMetricsRequest {
    pub(crate) range: Option<RangeSpec>,
    pub(crate) today: Option<NaiveDate>,
    pub(crate) filters: DesktopMetricsFilters,
}

/// The one checked pass of a desktop-metrics query.
#[derive(Debug)]
pub(crate) struct DesktopMetricsListing {
    range: DayRange,
    filters: Arc<DesktopMetricsFilters>,
}

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
    type Page<'a> = DesktopMetricsPage<'a>;
    const ITEM: &'static str = "desktop";

    fn page(&self, offset: i32, limit: u32) -> DesktopMetricsPage<'_> {
        DesktopMetricsPage {
            range: self.range,
            filters: &self.filters,
            offset,
            limit,
        }
    }

    fn key(item: &DesktopMetrics) -> &str {
        &item.desktop_id
    }
}

/// One page of `ListDesktopUsageMetric`.
#[derive(Debug)]
pub(crate) struct DesktopMetricsPage<'a> {
    range: DayRange,
    filters: &'a DesktopMetricsFilters,
    offset: i32,
    limit: u32,
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
        // The bounds were checked against i32 in `plan`.
        let int = |v: u32| v as i32;
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
            b = b.min_idle_days(int(v));
        }
        if let Some(v) = f.max_idle_days {
            b = b.max_idle_days(int(v));
        }
        if let Some(v) = f.min_usage_hours {
            b = b.usage_min_hours(int(v));
        }
        if let Some(v) = f.max_usage_hours {
            b = b.usage_max_hours(int(v));
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
        decode(answer, self.limit)
    }
}

/// Decodes one answer of `ListDesktopUsageMetric` as a query does: the
/// status and `error_code` checks, then the page (at most `limit`
/// desktops, each with an id and once; metric values finite, not negative,
/// whole seconds after rounding half away from zero).
pub fn desktop_metrics_page(answer: &Answer, limit: u32) -> Result<Counted<DesktopMetrics>, Error> {
    let op = DesktopMetricsPage {
        range: DayRange {
            start: NaiveDate::MIN,
            end: NaiveDate::MIN,
        },
        filters: &DesktopMetricsFilters::default(),
        offset: 0,
        limit,
    };
    operation::decode(&op, answer).map_err(|f| f.into_error(1))
}

fn decode(answer: &Answer, limit: u32) -> Result<Counted<DesktopMetrics>, Failure> {
    let wire: ListDesktopUsageMetricResponse = json_page(answer)?;
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
        let desktop_id = key_once(
            answer,
            &mut seen,
            item.resource_id,
            ("desktop", "resource_id"),
        )?;
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
