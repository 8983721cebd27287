//! [`DesktopMetricsQuery`]: usage and idle time per desktop
//! (`ListDesktopUsageMetric`). The wire side is `ops/desktop_metrics.rs`.

use futures::stream::{Stream, TryStreamExt};

use super::model::{DesktopMetrics, DesktopSort, SortOrder};
use crate::checks::day_range_methods;
use crate::client::Client;
use crate::error::Error;
use crate::list::{ListQuery, filter_setters, list_query_methods};
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

day_range_methods!(DesktopMetricsQuery, "within the latest 180 days");

filter_setters!(DesktopMetricsQuery {
    /// Only desktops whose computer name contains this text (the service's fuzzy match).
    name: text,
    /// Only this desktop.
    desktop_id: text,
    /// Only desktops idle for at least this many days (0..=180).
    min_idle_days: u32,
    /// Only desktops idle for at most this many days (0..=180).
    max_idle_days: u32,
    /// Only desktops used at least this many hours.
    min_usage_hours: u32,
    /// Only desktops used at most this many hours.
    max_usage_hours: u32,
    /// Only desktops of this enterprise project.
    enterprise_project_id: text,
});

impl DesktopMetricsQuery {
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
