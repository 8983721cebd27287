//! The desktop-usage query: validation, windows, batches, paging, merging.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use futures::channel::mpsc;
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use futures::{SinkExt, future};
use huaweicloud_workspace_api::types::ListUsedDesktopInfoReq;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::client::WireResponse;

mod merge;
use crate::windows::{self, Window};
use crate::{
    Client, DesktopUsage, Error, GroupBy, Page, Period, PeriodUsage, Progress, UsageReport,
};

/// The largest page the API serves (`limit` is 0..=100).
pub const MAX_PAGE_SIZE: u32 = 100;
/// The most desktop ids the API accepts in one request.
pub const MAX_IDS_PER_REQUEST: usize = 2000;
/// How many times a window is paged again when `total_count` changes under
/// our feet, before giving up with [`Error::InvalidResponse`].
const MAX_REFETCH_PASSES: u32 = 3;

type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RangeSpec {
    Dates(NaiveDate, NaiveDate),
    LastDays(u32),
}

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
    concurrency: Option<usize>,
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
    /// it, every desktop of the project.
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

    /// Requests in flight at once for this query (default: the client's).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = Some(concurrency);
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
        if self.concurrency == Some(0) {
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
        let ids = match &self.desktop_ids {
            None => None,
            Some(ids) if ids.is_empty() => {
                return Err(Error::invalid(
                    "desktop_ids",
                    "must not be an empty list (leave it out to query every desktop)",
                ));
            }
            Some(ids) => {
                if let Some((i, _)) = ids.iter().enumerate().find(|(_, id)| id.trim().is_empty()) {
                    return Err(Error::invalid(
                        "desktop_ids",
                        format!("desktop id #{} (counting from 1) is empty or blank", i + 1),
                    ));
                }
                let unique: BTreeSet<&String> = ids.iter().collect();
                Some(unique.into_iter().cloned().collect::<Vec<_>>())
            }
        };
        let dates = match self.range {
            None => None,
            Some(RangeSpec::Dates(start, end)) => {
                if start > end {
                    return Err(Error::invalid(
                        "range",
                        format!("the start {start} is after the end {end}"),
                    ));
                }
                Some((start, end))
            }
            Some(RangeSpec::LastDays(n)) => {
                if n == 0 {
                    return Err(Error::invalid("last_days", "must be at least 1, got 0"));
                }
                let today = self
                    .today
                    .unwrap_or_else(|| chrono::Utc::now().date_naive());
                Some(windows::last_days(today, n).ok_or_else(|| {
                    Error::invalid(
                        "last_days",
                        format!("{n} days back from {today} is out of the calendar"),
                    )
                })?)
            }
        };
        let (windows, range) = match dates {
            None => (vec![None], None),
            Some((start, end)) => (
                windows::split(start, end).into_iter().map(Some).collect(),
                Some(start..=end),
            ),
        };
        Ok(Plan {
            windows,
            ids,
            range,
        })
    }

    fn context(&self) -> Arc<Ctx> {
        let concurrency = self.concurrency.unwrap_or(self.client.inner.concurrency);
        Arc::new(Ctx {
            client: self.client.clone(),
            group_by: self.group_by,
            username: self.username.clone(),
            user_domain: self.user_domain.clone(),
            page_size: self.page_size,
            concurrency,
            permits: Semaphore::new(concurrency),
            progress: self.on_progress.clone(),
            done: AtomicU64::new(0),
            planned: AtomicU64::new(0),
        })
    }

    /// Runs the query and returns the whole report: each desktop exactly
    /// once, sorted by id, with its periods in time order.
    pub async fn send(self) -> Result<UsageReport, Error> {
        let plan = self.plan()?;
        let ctx = self.context();
        let span = tracing::info_span!(
            "desktop_usage",
            windows = plan.windows.len(),
            desktop_ids = plan.ids.as_ref().map(Vec::len),
        );
        let group_by = self.group_by;
        async move {
            let windows = Arc::new(plan.windows);
            let desktops = match plan.ids {
                Some(ids) => batches(Arc::clone(&ctx), ids, windows).try_concat().await?,
                None => {
                    ctx.plan_more(windows.len() as u64);
                    let mut merged: BTreeMap<String, DesktopUsage> = BTreeMap::new();
                    let mut per_window = stream::iter(windows.iter().copied())
                        .map(|w| window_stream(Arc::clone(&ctx), w, None).try_concat())
                        .buffer_unordered(ctx.concurrency);
                    while let Some(list) = per_window.next().await {
                        merge_into(&mut merged, list?);
                    }
                    merged.into_values().collect()
                }
            };
            Ok(UsageReport {
                desktops,
                range: plan.range,
                group_by,
            })
        }
        .instrument(span)
        .await
    }

    /// Runs the query as a stream of desktops, with bounded memory.
    ///
    /// Pages are fetched concurrently (up to the concurrency limit) and
    /// desktops come out in a stable order, each exactly once, with their
    /// periods in time order:
    /// - with desktop ids: sorted by id. The ids are fetched in batches of
    ///   `page_size` over every window; memory holds about `concurrency`
    ///   batches;
    /// - without ids over several windows (a range longer than 31 days):
    ///   sorted by id, as a merge of the windows. The first page of every
    ///   window is fetched; when each is sorted by desktop id (the simulator
    ///   sorts; the real service's order is not documented), every window is
    ///   paged once, in offset order, a few pages ahead, and the smallest id
    ///   among the windows is emitted with the periods of every window that
    ///   holds it. That is the same requests as [`send`](Self::send), windows
    ///   × pages, overlapped up to the concurrency limit. Memory holds at most
    ///   about `concurrency + 3 × windows` pages, plus the ids already emitted
    ///   (no periods). If a later page breaks the id order, the stream ends
    ///   with [`Error::InvalidResponse`] saying the service stopped returning
    ///   desktops in id order (never a silently wrong report). If a window's
    ///   `total_count` changes, a warning is logged and that window is paged
    ///   again from the start, skipping the desktops already emitted; a
    ///   desktop that appears behind the stream's position ends the stream
    ///   with [`Error::InvalidResponse`] naming it, since its usage for that
    ///   window can no longer be emitted in order.
    ///
    ///   If a first page is not sorted, nothing has been emitted yet and the
    ///   stream falls back (logged at info level) to learning the ids by
    ///   paging through every window (ids only are kept), then fetching them
    ///   in batches: about twice the requests;
    /// - without ids over one window (or the service's default range): in
    ///   the service's order (by id in the simulator), each page sorted by
    ///   id. If the service's `total_count` changes while paging, desktops
    ///   found on the re-check come last. Memory holds at most
    ///   `concurrency` pages, plus the set of ids seen.
    ///
    /// Input errors arrive as the first item; an error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<DesktopUsage, Error>> + Send + 'static {
        let plan = self.plan();
        let ctx = self.context();
        channel_stream(move |mut tx| async move {
            let result: Result<(), Error> = async {
                let plan = plan?;
                let windows = Arc::new(plan.windows);
                let chunks = match plan.ids {
                    Some(ids) => batches(Arc::clone(&ctx), ids, windows).boxed(),
                    None if windows.len() == 1 => {
                        ctx.plan_more(1);
                        window_stream(Arc::clone(&ctx), windows[0], None)
                    }
                    None => {
                        if merge::run(&ctx, &windows, &mut tx).await? == merge::Merged::Done {
                            return Ok(());
                        }
                        let ids = discover(&ctx, &windows).await?;
                        if ids.is_empty() {
                            return Ok(());
                        }
                        batches(Arc::clone(&ctx), ids, windows).boxed()
                    }
                };
                let mut chunks = chunks;
                while let Some(chunk) = chunks.next().await {
                    for desktop in chunk? {
                        if tx.send(Ok(desktop)).await.is_err() {
                            return Ok(());
                        }
                    }
                }
                Ok(())
            }
            .await;
            if let Err(e) = result {
                let _ = tx.send(Err(e)).await;
            }
        })
    }

    /// Fetches one raw page of the wire API: the first window of the range
    /// (or the service's default range), `offset` and `limit` (0..=100) as
    /// given, the desktop ids (at most 2000) in one request. Desktops come as
    /// sent, unsorted; periods as sent. Retries and signing apply as usual.
    pub async fn page(self, offset: u32, limit: u32) -> Result<Page, Error> {
        let plan = self.plan()?;
        if limit > MAX_PAGE_SIZE {
            return Err(Error::invalid(
                "limit",
                format!("must be between 0 and {MAX_PAGE_SIZE}, got {limit}"),
            ));
        }
        if i32::try_from(offset).is_err() {
            return Err(Error::invalid(
                "offset",
                format!("must be at most {}, got {offset}", i32::MAX),
            ));
        }
        if let Some(ids) = &plan.ids
            && ids.len() > MAX_IDS_PER_REQUEST
        {
            return Err(Error::invalid(
                "desktop_ids",
                format!(
                    "page() sends one request, which takes at most {MAX_IDS_PER_REQUEST} ids; got {} (send() and into_stream() take any number)",
                    ids.len()
                ),
            ));
        }
        let ctx = self.context();
        ctx.plan_more(1);
        let window = plan.windows.first().copied().flatten();
        ctx.fetch(window, plan.ids.as_deref(), u64::from(offset), limit, false)
            .await
    }
}

/// What every request of one query shares.
struct Ctx {
    client: Client,
    group_by: GroupBy,
    username: Option<String>,
    user_domain: Option<String>,
    page_size: u32,
    concurrency: usize,
    /// Requests in flight, at most `concurrency`.
    permits: Semaphore,
    progress: Option<ProgressFn>,
    done: AtomicU64,
    planned: AtomicU64,
}

impl Ctx {
    fn plan_more(&self, requests: u64) {
        self.planned.fetch_add(requests, Ordering::Relaxed);
    }

    /// Takes back requests planned but cancelled before they were done.
    fn unplan(&self, requests: u64) {
        let _ = self
            .planned
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
                Some(p.saturating_sub(requests))
            });
    }

    fn page_done(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(progress) = &self.progress {
            let planned = self.planned.load(Ordering::Relaxed);
            progress(Progress {
                requests_done: done,
                requests_planned: (planned > 0).then(|| planned.max(done)),
            });
        }
    }

    /// One page: a request with retries, then checks and conversion.
    async fn fetch(
        &self,
        window: Window,
        ids: Option<&[String]>,
        offset: u64,
        limit: u32,
        strict: bool,
    ) -> Result<Page, Error> {
        let offset = i32::try_from(offset).map_err(|_| {
            Error::invalid("offset", format!("the API's offset ends at {}", i32::MAX))
        })?;
        let request = ListUsedDesktopInfoReq {
            desktop_ids: ids.map(<[String]>::to_vec).unwrap_or_default(),
            desktop_user_domain: self.user_domain.clone(),
            desktop_username: self.username.clone(),
            start_time: window.map(|w| w.0),
            end_time: window.map(|w| w.1),
            group_by_type: Some(self.group_by.to_wire()),
            limit: Some(limit as i32),
            offset: Some(offset),
        };
        let wire = {
            let _permit = self.permits.acquire().await.ok();
            self.client.list(&request).await?
        };
        let page = convert(wire, window, ids, limit, strict)?;
        self.page_done();
        Ok(page)
    }
}

/// Checks a decoded page against what was asked and turns it into the model.
fn convert(
    wire: WireResponse,
    window: Window,
    ids: Option<&[String]>,
    limit: u32,
    strict: bool,
) -> Result<Page, Error> {
    let request_id = wire.request_id;
    let bad = |reason: String| Error::InvalidResponse {
        status: 200,
        reason,
        body_prefix: String::new(),
        request_id: request_id.clone(),
    };
    let total_count = match wire.body.total_count {
        Some(n) if n < 0 => return Err(bad(format!("total_count is negative ({n})"))),
        Some(n) => Some(n as u64),
        // The documented response always carries it; without it, paging
        // cannot tell a complete list from a truncated one.
        None if strict => return Err(bad("the page has no total_count".to_string())),
        None => None,
    };
    let list = wire.body.desktop_used_info_list;
    if strict && list.len() > limit as usize {
        return Err(bad(format!(
            "the page holds {} desktops, more than the limit of {limit}",
            list.len()
        )));
    }
    let mut desktops: Vec<DesktopUsage> = Vec::with_capacity(list.len());
    for item in list {
        let mut periods: Vec<PeriodUsage> = item
            .used_info_list
            .into_iter()
            .map(|u| PeriodUsage {
                period: Period::parse(&u.date),
                hours: u.use_time,
            })
            .collect();
        if strict {
            if item.desktop_id.trim().is_empty() {
                return Err(bad("a desktop has an empty desktop_id".to_string()));
            }
            if let Some(ids) = ids
                && ids.binary_search(&item.desktop_id).is_err()
            {
                return Err(bad(format!(
                    "desktop {} was not asked for",
                    item.desktop_id
                )));
            }
            periods.sort_by(|a, b| a.period.cmp(&b.period));
            // Deduplicated in place (kept periods compacted to the front):
            // this runs for every desktop of every page.
            let mut kept = 0;
            for i in 0..periods.len() {
                if kept > 0 && periods[kept - 1].period == periods[i].period {
                    let (last, p) = (&periods[kept - 1], &periods[i]);
                    if last.hours != p.hours {
                        return Err(bad(format!(
                            "desktop {} has period {} twice, with {} and {} hours",
                            item.desktop_id, p.period, last.hours, p.hours
                        )));
                    }
                    continue;
                }
                let p = &periods[i];
                if let (Some((start, end)), Some(day)) = (window, p.period.day())
                    && (day < start || day > end)
                {
                    return Err(bad(format!(
                        "desktop {} has period {} outside the requested {start}..={end}",
                        item.desktop_id, p.period
                    )));
                }
                periods.swap(kept, i);
                kept += 1;
            }
            periods.truncate(kept);
        }
        desktops.push(DesktopUsage {
            desktop_id: item.desktop_id,
            username: item.desktop_username,
            periods,
        });
    }
    // A desktop twice in one page is rare: look for it in a sorted list of
    // borrowed ids (cheap), and only then apply the rule desktop by desktop.
    let mut sorted: Vec<&str> = desktops.iter().map(|d| d.desktop_id.as_str()).collect();
    sorted.sort_unstable();
    let twice = sorted.windows(2).any(|w| w[0] == w[1]);
    drop(sorted);
    if twice {
        let mut index: HashMap<String, usize> = HashMap::with_capacity(desktops.len());
        let mut kept: Vec<DesktopUsage> = Vec::with_capacity(desktops.len());
        for desktop in desktops {
            if let Some(&i) = index.get(&desktop.desktop_id) {
                if kept[i] == desktop {
                    tracing::warn!(desktop_id = %desktop.desktop_id, "the same desktop came twice in one page; keeping one");
                    continue;
                }
                if strict {
                    return Err(bad(format!(
                        "desktop {} appears twice in one page with different data",
                        desktop.desktop_id
                    )));
                }
            }
            index.insert(desktop.desktop_id.clone(), kept.len());
            kept.push(desktop);
        }
        desktops = kept;
    }
    Ok(Page {
        desktops,
        total_count,
        request_id,
    })
}

/// Decodes one 200 body exactly as a page fetched by a query is decoded:
/// the executor's body prefix and `error_code` check, `serde_json` into the
/// generated types (as the generated client does), then the strict checks
/// and conversion into the model for a request of `limit` desktops over
/// `window` (both days included). For `cargo xtask bench`'s decode
/// benchmark only: not part of the API, and it may change at any time.
#[doc(hidden)]
pub fn decode_page_for_bench(
    body: &[u8],
    window: Option<(NaiveDate, NaiveDate)>,
    limit: u32,
) -> Result<Page, Error> {
    let invalid = |reason: String| Error::InvalidResponse {
        status: 200,
        reason,
        body_prefix: crate::error::body_prefix(body),
        request_id: None,
    };
    // The executor takes this prefix of every response it reads; keep its
    // cost in what the benchmark measures.
    let _prefix = crate::error::body_prefix(body);
    if crate::client::mentions_error_code(body) {
        return Err(invalid("the 200 body carries an error_code".to_string()));
    }
    let wire: huaweicloud_workspace_api::types::ListUsedDesktopInfoResponse =
        serde_json::from_slice(body)
            .map_err(|e| invalid(format!("the body is not the documented JSON page: {e}")))?;
    convert(
        WireResponse {
            body: wire,
            request_id: None,
        },
        window,
        None,
        limit,
        true,
    )
}

fn merge_into(merged: &mut BTreeMap<String, DesktopUsage>, list: Vec<DesktopUsage>) {
    for desktop in list {
        match merged.get_mut(&desktop.desktop_id) {
            Some(existing) => existing.merge(desktop),
            None => {
                merged.insert(desktop.desktop_id.clone(), desktop);
            }
        }
    }
}

/// A stream fed by a producer future through a rendezvous channel: the
/// producer only runs while the consumer polls, so memory stays bounded,
/// and dropping the stream drops the producer.
fn channel_stream<T, F, Fut>(producer: F) -> BoxStream<'static, T>
where
    T: Send + 'static,
    F: FnOnce(mpsc::Sender<T>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(0);
    let driver = stream::once(producer(tx)).filter_map(|()| future::ready(None::<T>));
    stream::select(rx, driver).boxed()
}

/// Ids in batches of `page_size`, each batch fetched over every window and
/// merged; batches come out in id order.
fn batches(
    ctx: Arc<Ctx>,
    ids: Vec<String>,
    windows: Arc<Vec<Window>>,
) -> impl Stream<Item = Result<Vec<DesktopUsage>, Error>> + Send + 'static {
    let size = (ctx.page_size as usize).min(MAX_IDS_PER_REQUEST);
    let chunks: Vec<Arc<[String]>> = ids.chunks(size).map(Arc::from).collect();
    ctx.plan_more((chunks.len() * windows.len()) as u64);
    let concurrency = ctx.concurrency;
    stream::iter(chunks)
        .map(move |batch| fetch_batch(Arc::clone(&ctx), Arc::clone(&windows), batch))
        .buffered(concurrency)
}

async fn fetch_batch(
    ctx: Arc<Ctx>,
    windows: Arc<Vec<Window>>,
    batch: Arc<[String]>,
) -> Result<Vec<DesktopUsage>, Error> {
    let per_window = future::try_join_all(
        windows
            .iter()
            .map(|w| window_stream(Arc::clone(&ctx), *w, Some(Arc::clone(&batch))).try_concat()),
    )
    .await?;
    let mut merged = BTreeMap::new();
    for list in per_window {
        merge_into(&mut merged, list);
    }
    Ok(merged.into_values().collect())
}

/// The ids of every desktop in any of the windows, sorted.
async fn discover(ctx: &Arc<Ctx>, windows: &[Window]) -> Result<Vec<String>, Error> {
    ctx.plan_more(windows.len() as u64);
    let mut ids = BTreeSet::new();
    let mut all = stream::iter(windows.iter().copied())
        .map(|w| window_stream(Arc::clone(ctx), w, None))
        .flatten_unordered(ctx.concurrency);
    while let Some(chunk) = all.next().await {
        ids.extend(chunk?.into_iter().map(|d| d.desktop_id));
    }
    Ok(ids.into_iter().collect())
}

/// Every desktop of one window (optionally only `ids`), each once, in
/// chunks of at most a page, each chunk sorted by id. The caller has
/// planned the first request.
fn window_stream(
    ctx: Arc<Ctx>,
    window: Window,
    ids: Option<Arc<[String]>>,
) -> BoxStream<'static, Result<Vec<DesktopUsage>, Error>> {
    channel_stream(move |mut tx| async move {
        if let Err(e) = page_window(&ctx, window, ids.as_deref(), &mut tx).await {
            let _ = tx.send(Err(e)).await;
        }
    })
}

type ChunkSender = mpsc::Sender<Result<Vec<DesktopUsage>, Error>>;

/// Pages through one window. The first page gives `total_count`; the rest
/// are fetched concurrently. A pass is sound when every page reports the
/// same `total_count` and the pass saw exactly that many distinct desktops;
/// otherwise (the list changed while paging) a warning is logged and the
/// window is paged again, emitting only desktops not seen yet, up to
/// [`MAX_REFETCH_PASSES`] times.
async fn page_window(
    ctx: &Ctx,
    window: Window,
    ids: Option<&[String]>,
    tx: &mut ChunkSender,
) -> Result<(), Error> {
    let limit = ctx.page_size;
    let step = u64::from(limit);
    let mut seen: HashSet<String> = HashSet::new();
    let mut last_total = None;
    let mut last_request_id: Option<String> = None;
    for pass in 0..=MAX_REFETCH_PASSES {
        if pass > 0 {
            ctx.plan_more(1);
        }
        let first = ctx.fetch(window, ids, 0, limit, true).await?;
        last_request_id.clone_from(&first.request_id);
        // A strict page always carries total_count (convert checks it).
        let Some(total) = first.total_count else {
            return Err(Error::InvalidResponse {
                status: 200,
                reason: "the page has no total_count".to_string(),
                body_prefix: String::new(),
                request_id: first.request_id,
            });
        };
        last_total = Some(total);
        let pages = total.div_ceil(step).max(1);
        ctx.plan_more(pages - 1);
        let mut sound = (first.desktops.len() as u64) == total.min(step);
        let mut pass_ids: HashSet<String> = HashSet::new();
        if !emit(first.desktops, &mut seen, Some(&mut pass_ids), tx).await {
            return Ok(());
        }
        let mut rest = stream::iter(1..pages)
            .map(|i| ctx.fetch(window, ids, i * step, limit, true))
            .buffered(ctx.concurrency);
        while let Some(page) = rest.next().await {
            let page = page?;
            last_request_id.clone_from(&page.request_id);
            if page.total_count != Some(total) {
                tracing::warn!(
                    first = total,
                    now = ?page.total_count,
                    request_id = ?page.request_id,
                    "total_count changed between pages"
                );
                sound = false;
            }
            if !emit(page.desktops, &mut seen, Some(&mut pass_ids), tx).await {
                return Ok(());
            }
        }
        if sound && pass_ids.len() as u64 == total {
            return Ok(());
        }
        tracing::warn!(
            pass,
            total_count = total,
            distinct_in_pass = pass_ids.len(),
            "the desktop list changed while paging; paging the window again so that no desktop is lost or duplicated"
        );
    }
    Err(Error::InvalidResponse {
        status: 200,
        reason: format!(
            "the desktop list kept changing while paging: after {} passes, total_count ({}) and the pages still disagree",
            MAX_REFETCH_PASSES + 1,
            last_total.map_or_else(|| "absent".to_string(), |t| t.to_string())
        ),
        body_prefix: String::new(),
        request_id: last_request_id,
    })
}

/// Sends the desktops not seen yet, sorted by id; false when the consumer is gone.
async fn emit(
    desktops: Vec<DesktopUsage>,
    seen: &mut HashSet<String>,
    mut pass_ids: Option<&mut HashSet<String>>,
    tx: &mut ChunkSender,
) -> bool {
    let mut fresh = Vec::with_capacity(desktops.len());
    for desktop in desktops {
        if let Some(pass) = pass_ids.as_deref_mut() {
            pass.insert(desktop.desktop_id.clone());
        }
        if seen.insert(desktop.desktop_id.clone()) {
            fresh.push(desktop);
        }
    }
    if fresh.is_empty() {
        return true;
    }
    fresh.sort_by(|a, b| a.desktop_id.cmp(&b.desktop_id));
    tx.send(Ok(fresh)).await.is_ok()
}
