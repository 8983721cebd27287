//! [`UserMetricsQuery`]: usage and logins per user (`ListUserUsageMetric`),
//! over ranges of any length.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use super::{
    DayRange, MAX_METRICS_PAGE_SIZE, MAX_USER_WINDOW_DAYS, RangeSpec, SortOrder, check_bound,
    check_paging, check_range, check_text,
};
use crate::client::Gate;
use crate::ops::metrics::{UserFilters, UserMetricsPage};
use crate::pager::{Counted, pages, wire_offset};
use crate::{Client, Concurrency, Error, UserMetrics};

/// The most usage hours the service filters on.
const MAX_USAGE_HOURS: u32 = 2_147_483_646;

/// What users can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum UserSort {
    /// Seconds of use (`user_usage`).
    Usage,
}

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
    client: Client,
    range: Option<RangeSpec>,
    today: Option<NaiveDate>,
    username: Option<String>,
    domain: Option<String>,
    min_usage_hours: Option<u32>,
    max_usage_hours: Option<u32>,
    enterprise_project_id: Option<String>,
    sort: Option<(UserSort, SortOrder)>,
    page_size: u32,
    concurrency: Option<usize>,
}

impl fmt::Debug for UserMetricsQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserMetricsQuery")
            .field("range", &self.range)
            .field("username", &self.username)
            .field("domain", &self.domain)
            .field("sort", &self.sort)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a query of usage metrics per user (`ListUserUsageMetric`).
    #[doc(alias = "ListUserUsageMetric")]
    #[doc(alias = "list_user_usage_metric")]
    pub fn user_metrics(&self) -> UserMetricsQuery {
        UserMetricsQuery {
            client: self.clone(),
            range: None,
            today: None,
            username: None,
            domain: None,
            min_usage_hours: None,
            max_usage_hours: None,
            enterprise_project_id: None,
            sort: None,
            page_size: MAX_METRICS_PAGE_SIZE,
            concurrency: None,
        }
    }
}

impl UserMetricsQuery {
    /// The days to report, both included (UTC), of any length within the
    /// latest 180 days.
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

    /// Only users whose name contains this text (the service's fuzzy match).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Only users of this domain.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Only users with at least this many hours.
    pub fn min_usage_hours(mut self, hours: u32) -> Self {
        self.min_usage_hours = Some(hours);
        self
    }

    /// Only users with at most this many hours.
    pub fn max_usage_hours(mut self, hours: u32) -> Self {
        self.max_usage_hours = Some(hours);
        self
    }

    /// Only users of this enterprise project.
    pub fn enterprise_project_id(mut self, id: impl Into<String>) -> Self {
        self.enterprise_project_id = Some(id.into());
        self
    }

    /// Sorted by usage. Without it, by user name.
    pub fn sort(mut self, by: UserSort, order: SortOrder) -> Self {
        self.sort = Some((by, order));
        self
    }

    /// Users per request, 1..=100 (default 100).
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

    fn plan(&self) -> Result<(Vec<DayRange>, UserFilters), Error> {
        check_paging(self.page_size, MAX_METRICS_PAGE_SIZE, self.concurrency)?;
        let today = self
            .today
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let range = check_range(self.range, today)?;
        check_text("username", self.username.as_deref(), 64)?;
        check_text("domain", self.domain.as_deref(), 255)?;
        check_text(
            "enterprise_project_id",
            self.enterprise_project_id.as_deref(),
            64,
        )?;
        let filters = UserFilters {
            username: self.username.clone(),
            domain: self.domain.clone(),
            min_usage_hours: check_bound("min_usage_hours", self.min_usage_hours, MAX_USAGE_HOURS)?,
            max_usage_hours: check_bound("max_usage_hours", self.max_usage_hours, MAX_USAGE_HOURS)?,
            enterprise_project_id: self.enterprise_project_id.clone(),
            sort: self.sort,
        };
        let windows = crate::windows::split_by(range.start, range.end, MAX_USER_WINDOW_DAYS)
            .into_iter()
            .map(|(start, end)| DayRange { start, end })
            .collect();
        Ok((windows, filters))
    }

    /// Every matching user once, with usage and logins summed over the range.
    pub async fn send(self) -> Result<Vec<UserMetrics>, Error> {
        let (windows, filters) = self.plan()?;
        let (concurrency, gate) = self.client.gate(self.concurrency.map(Concurrency::Fixed));
        let gate = Arc::new(gate);
        if let [window] = windows[..] {
            // One window: the service filters and sorts; without a sort,
            // by name, as over several windows.
            let sorted = filters.sort.is_some();
            let mut users: Vec<UserMetrics> = window_users(
                (&self.client, &gate),
                window,
                filters,
                self.page_size,
                concurrency,
            )
            .try_collect()
            .await?;
            if !sorted {
                users.sort_by(|a, b| a.username.cmp(&b.username));
            }
            return Ok(users);
        }
        // Several windows: the hour filters and the sort apply to the sums.
        let (min_hours, max_hours) = (filters.min_usage_hours, filters.max_usage_hours);
        let sort = filters.sort;
        let per_window = UserFilters {
            min_usage_hours: None,
            max_usage_hours: None,
            sort: None,
            ..filters
        };
        let mut summed: BTreeMap<String, UserMetrics> = BTreeMap::new();
        let mut all = stream::iter(windows)
            .map(|w| {
                window_users(
                    (&self.client, &gate),
                    w,
                    per_window.clone(),
                    self.page_size,
                    concurrency,
                )
            })
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

    /// One raw page of the first window (at most 30 days): `offset` and
    /// `limit` (1..=100) as given.
    pub async fn page(self, offset: u32, limit: u32) -> Result<Counted<UserMetrics>, Error> {
        let (windows, filters) = self.plan()?;
        check_paging(limit, MAX_METRICS_PAGE_SIZE, None).map_err(|_| {
            Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_METRICS_PAGE_SIZE}, got {limit}"),
            )
        })?;
        let window = windows
            .first()
            .copied()
            .ok_or_else(|| Error::invalid("range", "holds no day"))?;
        let (_, gate) = self.client.gate(None);
        fetch(
            (&self.client, &gate, &filters),
            window,
            u64::from(offset),
            limit,
        )
        .await
    }
}

/// Every user of one window, each once, in the service's order.
fn window_users(
    (client, gate): (&Client, &Arc<Gate>),
    window: DayRange,
    filters: UserFilters,
    page_size: u32,
    concurrency: usize,
) -> impl futures::Stream<Item = Result<UserMetrics, Error>> + Send + 'static {
    let client = client.clone();
    let gate = Arc::clone(gate);
    let filters = Arc::new(filters);
    let mut seen = std::collections::HashSet::new();
    pages(page_size, concurrency, move |offset| {
        let client = client.clone();
        let gate = Arc::clone(&gate);
        let filters = Arc::clone(&filters);
        async move { fetch((&client, &gate, &filters), window, offset, page_size).await }
    })
    .map_ok(move |items| {
        let fresh: Vec<_> = items
            .into_iter()
            .filter(|u| seen.insert(u.username.clone()))
            .collect();
        stream::iter(fresh.into_iter().map(Ok))
    })
    .try_flatten()
}

async fn fetch(
    (client, gate, filters): (&Client, &Gate, &UserFilters),
    window: DayRange,
    offset: u64,
    limit: u32,
) -> Result<Counted<UserMetrics>, Error> {
    let offset = wire_offset(offset)?;
    client
        .call_in(
            gate,
            &UserMetricsPage {
                window,
                filters,
                offset,
                limit,
            },
        )
        .await
}
