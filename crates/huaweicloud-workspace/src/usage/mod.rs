//! The desktop-usage query: the builder users hold, its validation and
//! plan. Running it (`send`, `into_stream`, `page`) lives in `run.rs`,
//! paging in `paging.rs`, the merge of sorted windows in `merge.rs`; the
//! operation itself (request and decode) in `ops/desktop_usage.rs`.

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use chrono::NaiveDate;

mod merge;
mod paging;
mod run;

use crate::checks::{IdList, RangeSpec, check_ids};
use crate::client::Client;
use crate::concurrency::Concurrency;
use crate::error::Error;
use crate::model::{GroupBy, Progress};
use crate::windows::{self, Window};

/// The largest page the API serves (`limit` is 0..=100).
pub const MAX_PAGE_SIZE: u32 = 100;
/// The most desktop ids the API accepts in one request.
pub const MAX_IDS_PER_REQUEST: usize = 2000;
/// How many times a window is paged again when `total_count` changes under
/// our feet, before giving up with [`Error::InvalidResponse`].
pub(crate) const MAX_REFETCH_PASSES: u32 = 3;

pub(crate) type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// A query of desktop usage; start one with [`Client::desktop_usage`].
///
/// Every setter takes and returns the query. Nothing is sent before
/// [`send`](Self::send), [`into_stream`](Self::into_stream) or
/// [`page`](Self::page), and all input is checked first
/// ([`validate`](Self::validate)).
///
/// The limits of the wire API never show: a range of any length is split
/// into windows of at most 31 days (counting both ends) and merged per
/// desktop; any number of desktop ids is split into batches; pages are
/// fetched concurrently.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::NaiveDate;
/// use huaweicloud_workspace::{Client, Credentials, GroupBy};
/// use huaweicloud_workspace_sim::Simulator;
///
/// let sim = Simulator::builder().desktops(30).start().await?;
/// let client = Client::builder()
///     .endpoint(sim.base_url())
///     .project_id(sim.project_id())
///     .credentials(Credentials::AccessKey(sim.credentials()))
///     .build()?;
///
/// let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let end = NaiveDate::from_ymd_opt(2024, 2, 14).unwrap(); // 45 days: two requests per page
/// let report = client
///     .desktop_usage()
///     .range(start..=end)
///     .group_by(GroupBy::Day)
///     .send()
///     .await?;
/// assert_eq!(report.desktops.len(), 30);
/// assert!(report.desktops.iter().all(|d| d.periods.len() == 45));
/// println!("total: {} h", report.total_hours()); // exact: e.g. "1234.56"
/// # sim.shutdown().await;
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until sent"]
#[derive(Clone)]
pub struct DesktopUsageQuery {
    client: Client,
    desktop_ids: Option<Vec<String>>,
    range: Option<RangeSpec>,
    group_by: GroupBy,
    username: Option<String>,
    user_domain: Option<String>,
    page_size: u32,
    concurrency: Option<Concurrency>,
    on_progress: Option<ProgressFn>,
    today: Option<NaiveDate>,
}

impl fmt::Debug for DesktopUsageQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesktopUsageQuery")
            .field("desktop_ids", &self.desktop_ids.as_ref().map(Vec::len))
            .field("range", &self.range)
            .field("group_by", &self.group_by)
            .field("username", &self.username)
            .field("user_domain", &self.user_domain)
            .field("page_size", &self.page_size)
            .field("concurrency", &self.concurrency)
            .field("on_progress", &self.on_progress.is_some())
            .finish_non_exhaustive()
    }
}

/// A validated query, ready to run.
#[derive(Debug, Clone)]
struct Plan {
    windows: Vec<Window>,
    ids: Option<Vec<String>>,
    range: Option<RangeInclusive<NaiveDate>>,
}

impl DesktopUsageQuery {
    pub(crate) fn new(client: Client) -> Self {
        DesktopUsageQuery {
            client,
            desktop_ids: None,
            range: None,
            group_by: GroupBy::Day,
            username: None,
            user_domain: None,
            page_size: MAX_PAGE_SIZE,
            concurrency: None,
            on_progress: None,
            today: None,
        }
    }

    /// Only these desktops (any number; duplicates are sent once). Without
    /// it, every desktop of the project. An id the service does not know is
    /// absent from the result, not an error: [`send`](Self::send) lists such
    /// ids in [`UsageReport::unknown_ids`](crate::model::UsageReport::unknown_ids).
    pub fn desktop_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.desktop_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// The days to report, both included, of any length (UTC dates).
    /// Without a range (or [`last_days`](Self::last_days)), the service's
    /// default applies: its latest 15 days.
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

    /// Per day (default) or per hour.
    pub fn group_by(mut self, group_by: GroupBy) -> Self {
        self.group_by = group_by;
        self
    }

    /// Only the desktops of this user.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The domain of [`username`](Self::username) (default: the main domain).
    pub fn user_domain(mut self, domain: impl Into<String>) -> Self {
        self.user_domain = Some(domain.into());
        self
    }

    /// Desktops per request, 1..=100 (default 100, the most the API allows).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Requests in flight at once for this query (default: the client's):
    /// a number pins it for this query alone; [`Concurrency::Auto`] follows
    /// the client's shared adaptive limit.
    pub fn concurrency(mut self, concurrency: impl Into<Concurrency>) -> Self {
        self.concurrency = Some(concurrency.into());
        self
    }

    /// Called after every page received, from whichever task received it.
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// The date taken as today (UTC) by [`last_days`](Self::last_days);
    /// default: the system clock's.
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// Checks every input rule without sending anything.
    ///
    /// The error names the field and the rule: `start after end`, an empty
    /// list of ids, an empty or blank id, a page size outside 1..=100, zero
    /// concurrency, a blank user name, and so on.
    pub fn validate(&self) -> Result<(), Error> {
        self.plan().map(|_| ())
    }

    fn plan(&self) -> Result<Plan, Error> {
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(Error::invalid(
                "page_size",
                format!(
                    "must be between 1 and {MAX_PAGE_SIZE}, got {}",
                    self.page_size
                ),
            ));
        }
        if self.concurrency == Some(Concurrency::Fixed(0)) {
            return Err(Error::invalid("concurrency", "must be at least 1, got 0"));
        }
        if let Some(user) = &self.username
            && user.trim().is_empty()
        {
            return Err(Error::invalid("username", "must not be empty or blank"));
        }
        if let Some(domain) = &self.user_domain {
            if domain.trim().is_empty() {
                return Err(Error::invalid("user_domain", "must not be empty or blank"));
            }
            if self.username.is_none() {
                return Err(Error::invalid(
                    "user_domain",
                    "qualifies a user name, so username is required too",
                ));
            }
        }
        let ids = self
            .desktop_ids
            .as_deref()
            .map(|ids| check_ids(ids, "query", IdList::Separate))
            .transpose()?;
        let today = || crate::checks::today_or_now(self.today);
        let dates = self.range.map(|spec| spec.days(today)).transpose()?;
        let (windows, range) = match dates {
            None => (vec![Window::ServiceDefault], None),
            Some((start, end)) => (windows::split(start, end), Some(start..=end)),
        };
        Ok(Plan {
            windows,
            ids,
            range,
        })
    }
}
