//! [`DesktopMetricsQuery`]: usage and idle time per desktop
//! (`ListDesktopUsageMetric`).

use std::collections::HashSet;
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use serde::Serialize;

use super::{
    MAX_METRICS_PAGE_SIZE, RangeSpec, SortOrder, check_bound, check_paging, check_range, check_text,
};
use crate::client::Gate;
use crate::ops::metrics::{DesktopFilters, DesktopMetricsPage};
use crate::pager::{Counted, end_at_error, pages, wire_offset};
use crate::{Client, Concurrency, DesktopMetrics, Error};

/// The most idle days the service filters on.
const MAX_IDLE_DAYS: u32 = 180;
/// The most usage hours the service filters on.
const MAX_USAGE_HOURS: u32 = 2_147_483_646;

/// What desktops can be sorted by, on the service's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum DesktopSort {
    /// Seconds of use (`desktop_usage`).
    Usage,
    /// Idle time (`desktop_idle_duration`).
    Idle,
}

/// A query of usage metrics per desktop; start one with [`Client::desktop_metrics`].
///
/// Nothing is sent before [`send`](Self::send), [`into_stream`](Self::into_stream)
/// or [`page`](Self::page), and every input is checked first: the range
/// (required; whole UTC days, within the service's latest 180 days, see
/// [`crate::metrics`]), filter bounds (idle days 0..=180, usage hours
/// 0..=2147483646, names 1..=64 characters), page size 1..=100.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::NaiveDate;
/// use huaweicloud_workspace::{Client, Credentials, DesktopSort, SortOrder};
/// use huaweicloud_workspace_sim::Simulator;
///
/// let today = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let sim = Simulator::builder().desktops(12).today(today).start().await?;
/// let client = Client::builder()
///     .endpoint(sim.base_url())
///     .project_id(sim.project_id())
///     .credentials(Credentials::AccessKey(sim.credentials()))
///     .build()?;
///
/// let desktops = client
///     .desktop_metrics()
///     .today(today)
///     .last_days(30)
///     .sort(DesktopSort::Idle, SortOrder::Desc)
///     .send()
///     .await?;
/// assert_eq!(desktops.len(), 12);
/// for d in &desktops {
///     println!("{} {:?}: {:?} h used, {:?} h idle",
///         d.desktop_id, d.computer_name, d.usage_hours(), d.idle_hours());
/// }
/// # sim.shutdown().await;
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until sent"]
#[derive(Clone)]
pub struct DesktopMetricsQuery {
    client: Client,
    range: Option<RangeSpec>,
    today: Option<NaiveDate>,
    name: Option<String>,
    desktop_id: Option<String>,
    min_idle_days: Option<u32>,
    max_idle_days: Option<u32>,
    min_usage_hours: Option<u32>,
    max_usage_hours: Option<u32>,
    enterprise_project_id: Option<String>,
    sort: Option<(DesktopSort, SortOrder)>,
    page_size: u32,
    concurrency: Option<usize>,
}

impl fmt::Debug for DesktopMetricsQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesktopMetricsQuery")
            .field("range", &self.range)
            .field("name", &self.name)
            .field("desktop_id", &self.desktop_id)
            .field("sort", &self.sort)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a query of usage metrics per desktop (`ListDesktopUsageMetric`).
    #[doc(alias = "ListDesktopUsageMetric")]
    #[doc(alias = "list_desktop_usage_metric")]
    pub fn desktop_metrics(&self) -> DesktopMetricsQuery {
        DesktopMetricsQuery {
            client: self.clone(),
            range: None,
            today: None,
            name: None,
            desktop_id: None,
            min_idle_days: None,
            max_idle_days: None,
            min_usage_hours: None,
            max_usage_hours: None,
            enterprise_project_id: None,
            sort: None,
            page_size: MAX_METRICS_PAGE_SIZE,
            concurrency: None,
        }
    }
}

impl DesktopMetricsQuery {
    /// The days to report, both included (UTC), within the latest 180 days.
    pub fn range(mut self, range: RangeInclusive<NaiveDate>) -> Self {
        let (start, end) = range.into_inner();
        self.range = Some(RangeSpec::Dates(start, end));
        self
    }

    /// The `n` days ending today (UTC), today included. Replaces a [`range`](Self::range).
    pub fn last_days(mut self, n: u32) -> Self {
        self.range = Some(RangeSpec::LastDays(n));
        self
    }

    /// The date taken as today (UTC); default: the system clock's.
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// Only desktops whose computer name contains this text (the service's fuzzy match).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only this desktop.
    pub fn desktop_id(mut self, id: impl Into<String>) -> Self {
        self.desktop_id = Some(id.into());
        self
    }

    /// Only desktops idle for at least this many days (0..=180).
    pub fn min_idle_days(mut self, days: u32) -> Self {
        self.min_idle_days = Some(days);
        self
    }

    /// Only desktops idle for at most this many days (0..=180).
    pub fn max_idle_days(mut self, days: u32) -> Self {
        self.max_idle_days = Some(days);
        self
    }

    /// Only desktops used at least this many hours.
    pub fn min_usage_hours(mut self, hours: u32) -> Self {
        self.min_usage_hours = Some(hours);
        self
    }

    /// Only desktops used at most this many hours.
    pub fn max_usage_hours(mut self, hours: u32) -> Self {
        self.max_usage_hours = Some(hours);
        self
    }

    /// Only desktops of this enterprise project.
    pub fn enterprise_project_id(mut self, id: impl Into<String>) -> Self {
        self.enterprise_project_id = Some(id.into());
        self
    }

    /// Sorted by the service. Without it, the service's own order.
    pub fn sort(mut self, by: DesktopSort, order: SortOrder) -> Self {
        self.sort = Some((by, order));
        self
    }

    /// Desktops per request, 1..=100 (default 100).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Requests in flight at once for this query, in places of its own
    /// (default: the client's setting; under `auto`, places in the
    /// client's shared adaptive limit).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = Some(concurrency);
        self
    }

    /// Checks every input rule without sending anything.
    pub fn validate(&self) -> Result<(), Error> {
        self.plan().map(|_| ())
    }

    fn plan(&self) -> Result<(super::DayRange, Arc<DesktopFilters>), Error> {
        check_paging(self.page_size, MAX_METRICS_PAGE_SIZE, self.concurrency)?;
        let today = self
            .today
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let range = check_range(self.range, today)?;
        check_text("name", self.name.as_deref(), 64)?;
        check_text("desktop_id", self.desktop_id.as_deref(), 64)?;
        check_text(
            "enterprise_project_id",
            self.enterprise_project_id.as_deref(),
            64,
        )?;
        let filters = DesktopFilters {
            name: self.name.clone(),
            desktop_id: self.desktop_id.clone(),
            min_idle_days: check_bound("min_idle_days", self.min_idle_days, MAX_IDLE_DAYS)?,
            max_idle_days: check_bound("max_idle_days", self.max_idle_days, MAX_IDLE_DAYS)?,
            min_usage_hours: check_bound("min_usage_hours", self.min_usage_hours, MAX_USAGE_HOURS)?,
            max_usage_hours: check_bound("max_usage_hours", self.max_usage_hours, MAX_USAGE_HOURS)?,
            enterprise_project_id: self.enterprise_project_id.clone(),
            sort: self.sort,
        };
        Ok((range, Arc::new(filters)))
    }

    /// Every matching desktop, in the service's order (or the asked sort),
    /// each once.
    pub async fn send(self) -> Result<Vec<DesktopMetrics>, Error> {
        self.into_stream().try_collect().await
    }

    /// Every matching desktop as a [`Stream`], one [`DesktopMetrics`] at a
    /// time, without holding the whole list: the same desktops as
    /// [`send`](Self::send), for fleets too large to collect.
    ///
    /// - **Order**: the service's, or the one asked with
    ///   [`sort`](Self::sort). Each desktop comes once: one that comes again
    ///   on a later page (the list moved while paging) is skipped, with a
    ///   warning in the log.
    /// - **Errors**: an invalid input is the first and only item, and no
    ///   request is sent. A request that fails (after the client's retries)
    ///   is the last item: the stream ends after any error, and the desktops
    ///   before it are valid.
    /// - **Requests**: none before the stream is first polled. The first page
    ///   says how many there are; the others are then fetched ahead of you,
    ///   at most [`concurrency`](Self::concurrency) at once (default: the
    ///   client's), and come out in page order. At most that many pages are
    ///   held in memory.
    /// - **Cancelling**: dropping the stream cancels the requests in flight
    ///   and sends no more, e.g. after `take(n)` or a `break`.
    ///
    /// The stream is not `Unpin`: pin it (`std::pin::pin!` or `Box::pin`)
    /// before calling `try_next`. The stream traits are in
    /// [`prelude`](crate::prelude).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use huaweicloud_workspace::chrono::NaiveDate;
    /// use huaweicloud_workspace::prelude::*;
    /// use huaweicloud_workspace::{DesktopMetrics, DesktopSort, SortOrder};
    /// # use huaweicloud_workspace::{Client, Credentials};
    /// # use huaweicloud_workspace_sim::Simulator;
    /// # let today = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// # let sim = Simulator::builder().desktops(250).today(today).start().await?;
    /// # let client = Client::builder()
    /// #     .endpoint(sim.base_url())
    /// #     .project_id(sim.project_id())
    /// #     .credentials(Credentials::AccessKey(sim.credentials()))
    /// #     .build()?;
    /// // `client` is a Client of a simulated fleet of 250 desktops.
    /// let query = client.desktop_metrics().today(today).last_days(30);
    ///
    /// // Every desktop, one at a time.
    /// let mut desktops = std::pin::pin!(query.clone().into_stream());
    /// let mut count = 0;
    /// while let Some(desktop) = desktops.try_next().await? {
    ///     count += 1;
    ///     println!("{}: {:?} h used", desktop.desktop_id, desktop.usage_hours());
    /// }
    /// assert_eq!(count, 250);
    ///
    /// // The five most idle: dropping the stream after them cancels the rest.
    /// let idlest: Vec<DesktopMetrics> = query
    ///     .sort(DesktopSort::Idle, SortOrder::Desc)
    ///     .into_stream()
    ///     .take(5)
    ///     .try_collect()
    ///     .await?;
    /// assert_eq!(idlest.len(), 5);
    /// # sim.shutdown().await;
    /// # Ok(()) }
    /// ```
    ///
    /// In an application:
    ///
    /// ```no_run
    /// use huaweicloud_workspace::prelude::*;
    /// use huaweicloud_workspace::{Client, Region};
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<(), huaweicloud_workspace::Error> {
    ///     let client = Client::builder().region(Region::CN_NORTH_4).build()?;
    ///     let mut desktops = std::pin::pin!(client.desktop_metrics().last_days(30).into_stream());
    ///     while let Some(d) = desktops.try_next().await? {
    ///         println!("{}\t{:?} h used\t{:?} h idle", d.desktop_id, d.usage_hours(), d.idle_hours());
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn into_stream(self) -> impl Stream<Item = Result<DesktopMetrics, Error>> + Send + 'static {
        let plan = self.plan();
        let client = self.client;
        let page_size = self.page_size;
        let (concurrency, gate) = client.gate(self.concurrency.map(Concurrency::Fixed));
        let gate = Arc::new(gate);
        let pages = match plan {
            Err(e) => stream::iter([Err(e)]).boxed(),
            Ok((range, filters)) => pages(page_size, concurrency, move |offset| {
                let client = client.clone();
                let filters = Arc::clone(&filters);
                let gate = Arc::clone(&gate);
                async move { fetch((&client, &gate, &filters), range, offset, page_size).await }
            }),
        };
        let mut seen = HashSet::new();
        let desktops = pages
            .map_ok(move |items| {
                let fresh: Vec<_> = items
                    .into_iter()
                    .filter(|d| {
                        let new = seen.insert(d.desktop_id.clone());
                        if !new {
                            tracing::warn!(desktop_id = %d.desktop_id, "a desktop came again on a later page; skipped");
                        }
                        new
                    })
                    .collect();
                stream::iter(fresh.into_iter().map(Ok))
            })
            .try_flatten();
        end_at_error(desktops.boxed())
    }

    /// One raw page: `offset` and `limit` (1..=100) as given.
    pub async fn page(self, offset: u32, limit: u32) -> Result<Counted<DesktopMetrics>, Error> {
        let (range, filters) = self.plan()?;
        check_paging(limit, MAX_METRICS_PAGE_SIZE, None).map_err(|_| {
            Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_METRICS_PAGE_SIZE}, got {limit}"),
            )
        })?;
        let (_, gate) = self.client.gate(None);
        fetch(
            (&self.client, &gate, &filters),
            range,
            u64::from(offset),
            limit,
        )
        .await
    }
}

async fn fetch(
    (client, gate, filters): (&Client, &Gate, &DesktopFilters),
    range: super::DayRange,
    offset: u64,
    limit: u32,
) -> Result<Counted<DesktopMetrics>, Error> {
    let offset = wire_offset(offset)?;
    client
        .call_in(
            gate,
            &DesktopMetricsPage {
                range,
                filters,
                offset,
                limit,
            },
        )
        .await
}
