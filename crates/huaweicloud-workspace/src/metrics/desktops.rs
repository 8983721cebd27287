//! [`DesktopMetricsQuery`]: usage and idle time per desktop
//! (`ListDesktopUsageMetric`). The wire side is `ops/desktop_metrics.rs`.

use std::ops::RangeInclusive;

use chrono::NaiveDate;
use futures::stream::{Stream, TryStreamExt};

use super::model::{DesktopMetrics, DesktopSort, SortOrder};
use crate::checks::RangeSpec;
use crate::client::Client;
use crate::error::Error;
use crate::list::{ListQuery, list_query_methods};
use crate::ops::desktop_metrics::DesktopMetricsRequest;

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
    list: ListQuery<DesktopMetricsRequest>,
}

impl Client {
    /// Starts a query of usage metrics per desktop (`ListDesktopUsageMetric`).
    #[doc(alias = "ListDesktopUsageMetric")]
    #[doc(alias = "list_desktop_usage_metric")]
    pub fn desktop_metrics(&self) -> DesktopMetricsQuery {
        DesktopMetricsQuery {
            list: ListQuery::new(self, DesktopMetricsRequest::default()),
        }
    }
}

impl DesktopMetricsQuery {
    /// The days to report, both included (UTC), within the latest 180 days.
    pub fn range(mut self, range: RangeInclusive<NaiveDate>) -> Self {
        let (start, end) = range.into_inner();
        self.list.request.range = Some(RangeSpec::Dates(start, end));
        self
    }

    /// The `n` days ending today (UTC), today included. Replaces a [`range`](Self::range).
    pub fn last_days(mut self, n: u32) -> Self {
        self.list.request.range = Some(RangeSpec::LastDays(n));
        self
    }

    /// The date taken as today (UTC); default: the system clock's.
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.list.request.today = Some(today);
        self
    }

    /// Only desktops whose computer name contains this text (the service's fuzzy match).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.list.request.filters.name = Some(name.into());
        self
    }

    /// Only this desktop.
    pub fn desktop_id(mut self, id: impl Into<String>) -> Self {
        self.list.request.filters.desktop_id = Some(id.into());
        self
    }

    /// Only desktops idle for at least this many days (0..=180).
    pub fn min_idle_days(mut self, days: u32) -> Self {
        self.list.request.filters.min_idle_days = Some(days);
        self
    }

    /// Only desktops idle for at most this many days (0..=180).
    pub fn max_idle_days(mut self, days: u32) -> Self {
        self.list.request.filters.max_idle_days = Some(days);
        self
    }

    /// Only desktops used at least this many hours.
    pub fn min_usage_hours(mut self, hours: u32) -> Self {
        self.list.request.filters.min_usage_hours = Some(hours);
        self
    }

    /// Only desktops used at most this many hours.
    pub fn max_usage_hours(mut self, hours: u32) -> Self {
        self.list.request.filters.max_usage_hours = Some(hours);
        self
    }

    /// Only desktops of this enterprise project.
    pub fn enterprise_project_id(mut self, id: impl Into<String>) -> Self {
        self.list.request.filters.enterprise_project_id = Some(id.into());
        self
    }

    /// Sorted by the service. Without it, the service's own order.
    pub fn sort(mut self, by: DesktopSort, order: SortOrder) -> Self {
        self.list.request.filters.sort = Some((by, order));
        self
    }

    /// Every matching desktop, in the service's order (or the asked sort),
    /// each once.
    pub async fn send(self) -> Result<Vec<DesktopMetrics>, Error> {
        self.list.into_stream().try_collect().await
    }

    /// Every matching desktop as a [`Stream`], one [`DesktopMetrics`] at a
    /// time, without holding the whole list: the same desktops as
    /// [`send`](Self::send), for fleets too large to collect.
    ///
    #[doc = include_str!("../list_contract.md")]
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
        self.list.into_stream()
    }
}

list_query_methods!(DesktopMetricsQuery, DesktopMetrics, "Desktops", "100", "");
