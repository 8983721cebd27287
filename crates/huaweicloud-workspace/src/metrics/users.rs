//! [`UserMetricsQuery`]: usage and logins per user (`ListUserUsageMetric`),
//! over ranges of any length: one list query per 30-day window, summed.
//! The wire side is `ops/user_metrics.rs`.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};

use super::model::{SortOrder, UserMetrics, UserSort};
use crate::checks::day_range_methods;
use crate::client::Client;
use crate::error::Error;
use crate::list::{self, ListQuery, Pager, filter_setters, list_query_methods};
use crate::ops::user_metrics::UserMetricsRequest;

/// A query of usage metrics per user; start one with [`Client::user_metrics`].
///
/// The service takes at most 30 days per request: a longer range is split
/// into windows of at most 30 days and each user's usage and login counts
/// are summed over them (a user absent from a window had nothing in it; a
/// metric the service left out of any window stays unknown, `None`). Over
/// several windows the usage-hours filters and the sort apply to the sums,
/// on this side; over one window the service applies them. Without a sort,
/// users come by name. Memory grows with the number of users, not of pages.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::NaiveDate;
/// use huaweicloud_workspace::{Client, Credentials};
/// use huaweicloud_workspace_sim::Simulator;
///
/// let today = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let sim = Simulator::builder().desktops(20).today(today).start().await?;
/// let client = Client::builder()
///     .endpoint(sim.base_url())
///     .project_id(sim.project_id())
///     .credentials(Credentials::AccessKey(sim.credentials()))
///     .build()?;
///
/// // 45 days: two requests per page, summed per user.
/// let users = client.user_metrics().today(today).last_days(45).send().await?;
/// for u in &users {
///     println!("{}: {:?} h, {:?} logins", u.username, u.usage_hours(), u.login_count);
/// }
/// # sim.shutdown().await;
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until sent"]
#[derive(Clone)]
pub struct UserMetricsQuery {
    list: ListQuery<UserMetricsRequest>,
}

impl Client {
    /// Starts a query of usage metrics per user (`ListUserUsageMetric`).
    #[doc(alias = "ListUserUsageMetric")]
    #[doc(alias = "list_user_usage_metric")]
    pub fn user_metrics(&self) -> UserMetricsQuery {
        UserMetricsQuery {
            list: ListQuery::new(self, UserMetricsRequest::default()),
        }
    }
}

day_range_methods!(UserMetricsQuery, "of any length within the latest 180 days");

filter_setters!(UserMetricsQuery {
    /// Only users whose name contains this text (the service's fuzzy match).
    username: text,
    /// Only users of this domain.
    domain: text,
    /// Only users with at least this many hours.
    min_usage_hours: u32,
    /// Only users with at most this many hours.
    max_usage_hours: u32,
    /// Only users of this enterprise project.
    enterprise_project_id: text,
});

impl UserMetricsQuery {
    /// Sorted by usage. Without it, by user name.
    pub fn sort(mut self, by: UserSort, order: SortOrder) -> Self {
        self.list.request.filters.sort = Some((by, order));
        self
    }

    /// Every matching user once, with usage and logins summed over the range.
    pub async fn send(self) -> Result<Vec<UserMetrics>, Error> {
        let windows = self.list.plan()?;
        let filters = self.list.request.filters.clone();
        let (concurrency, gate) = self.list.gate();
        let pager = Pager {
            client: self.list.client.clone(),
            gate,
            page_size: self.list.page_size,
            concurrency,
        };
        if windows.len() == 1 {
            // One window: the service filters and sorts; without a sort,
            // by name, as over several windows.
            let mut users: Vec<UserMetrics> = list::items(pager, windows).try_collect().await?;
            if filters.sort.is_none() {
                users.sort_by(|a, b| a.username.cmp(&b.username));
            }
            return Ok(users);
        }
        // Several windows: each a list of its own (a user comes once per
        // window), summed per user; the bounds and the sort apply to the sums.
        let (min_hours, max_hours, sort) = (
            filters.min_usage_hours,
            filters.max_usage_hours,
            filters.sort,
        );
        let mut summed: BTreeMap<String, UserMetrics> = BTreeMap::new();
        let mut all = stream::iter(windows)
            .map(|w| list::items(pager.clone(), vec![w]))
            .flatten_unordered(concurrency.max(1));
        while let Some(user) = all.try_next().await? {
            match summed.get_mut(&user.username) {
                Some(total) => total.add(user),
                None => {
                    summed.insert(user.username.clone(), user);
                }
            }
        }
        let hours = |u: &UserMetrics| u.usage_seconds.map(|s| s / 3600);
        let mut users: Vec<UserMetrics> = summed
            .into_values()
            .filter(|u| match (min_hours, hours(u)) {
                (Some(min), Some(h)) => h >= min as u64,
                (Some(_), None) => false,
                (None, _) => true,
            })
            .filter(|u| match (max_hours, hours(u)) {
                (Some(max), Some(h)) => h <= max as u64,
                (Some(_), None) => false,
                (None, _) => true,
            })
            .collect();
        if let Some((UserSort::Usage, order)) = sort {
            // Stable: equal usage stays by name; unknown usage last.
            match order {
                SortOrder::Asc => {
                    users.sort_by_key(|u| (u.usage_seconds.is_none(), u.usage_seconds))
                }
                SortOrder::Desc => {
                    users.sort_by_key(|u| (u.usage_seconds.is_none(), Reverse(u.usage_seconds)));
                }
            }
        }
        Ok(users)
    }
}

list_query_methods!(
    UserMetricsQuery,
    UserMetrics,
    "Users",
    "100",
    " of the first window (at most 30 days)"
);
