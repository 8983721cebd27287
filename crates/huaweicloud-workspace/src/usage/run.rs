//! Running a checked desktop-usage query: the whole report ([`send`]), the
//! stream of desktops ([`into_stream`]) and one raw page ([`page`]). Apart
//! from the builder in `mod.rs`, whose setters and checks send nothing.
//!
//! [`send`]: DesktopUsageQuery::send
//! [`into_stream`]: DesktopUsageQuery::into_stream
//! [`page`]: DesktopUsageQuery::page

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use futures::SinkExt;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use tracing::Instrument;

use super::paging::{Ctx, batches, channel_stream, discover, merge_into, window_stream};
use super::{DesktopUsageQuery, MAX_IDS_PER_REQUEST, MAX_PAGE_SIZE, merge};
use crate::error::Error;
use crate::model::{DesktopUsage, Page, UsageReport};
use crate::ops::desktop_usage::Checks;
use crate::windows::Window;

impl DesktopUsageQuery {
    fn context(&self) -> Arc<Ctx> {
        let (concurrency, gate) = self.client.gate(self.concurrency);
        Arc::new(Ctx {
            client: self.client.clone(),
            group_by: self.group_by,
            username: self.username.clone(),
            user_domain: self.user_domain.clone(),
            page_size: self.page_size,
            concurrency,
            gate,
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
            let mut unknown_ids = Vec::new();
            let desktops = match plan.ids {
                Some(ids) => {
                    let desktops: Vec<DesktopUsage> =
                        batches(Arc::clone(&ctx), ids.clone(), windows)
                            .try_concat()
                            .await?;
                    // Both sorted: the asked ids the service did not list.
                    let mut found = desktops.iter().map(|d| d.desktop_id.as_str()).peekable();
                    for id in ids {
                        while found.next_if(|f| *f < id.as_str()).is_some() {}
                        if found.next_if(|f| *f == id.as_str()).is_none() {
                            unknown_ids.push(id);
                        }
                    }
                    desktops
                }
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
            if !unknown_ids.is_empty() {
                tracing::info!(
                    unknown = unknown_ids.len(),
                    "some asked desktop ids are not known to the service"
                );
            }
            Ok(UsageReport {
                desktops,
                range: plan.range,
                group_by,
                unknown_ids,
            })
        }
        .instrument(span)
        .await
    }

    /// Runs the query as a [`Stream`] of desktops, one [`DesktopUsage`] at a
    /// time, without holding the whole report: the same desktops and hours
    /// as [`send`](Self::send), for fleets and ranges too large to collect.
    ///
    /// - **Items**: each desktop exactly once, with all its periods over the
    ///   whole range, in time order.
    /// - **Order**: sorted by desktop id, except for a query without
    ///   [`desktop_ids`](Self::desktop_ids) over at most 31 days, which comes
    ///   in the service's order (by id in the simulator). An asked id the
    ///   service does not know is simply absent (only [`send`](Self::send)
    ///   lists them, in [`UsageReport::unknown_ids`](crate::UsageReport::unknown_ids)).
    /// - **Errors**: an invalid input is the first and only item, and no
    ///   request is sent. A request that fails (after the client's retries)
    ///   or an answer that cannot be trusted is the last item: the stream ends
    ///   after any error, and the desktops before it are valid.
    /// - **Requests**: none before the stream is first polled. Pages are then
    ///   fetched ahead of you, at most [`concurrency`](Self::concurrency)
    ///   requests at once (default: the client's), and only while you keep
    ///   reading: memory stays at about that many pages (see below for long
    ///   ranges). [`on_progress`](Self::on_progress) is called as for `send`.
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
    /// use huaweicloud_workspace::prelude::*;
    /// use huaweicloud_workspace::{DesktopUsage, ErrorClass};
    /// # use huaweicloud_workspace::{Client, Credentials};
    /// # use huaweicloud_workspace_sim::Simulator;
    /// # let sim = Simulator::builder().desktops(150).start().await?;
    /// # let client = Client::builder()
    /// #     .endpoint(sim.base_url())
    /// #     .project_id(sim.project_id())
    /// #     .credentials(Credentials::AccessKey(sim.credentials()))
    /// #     .build()?;
    /// // `client` is a Client of a simulated fleet of 150 desktops.
    /// // 60 days: two windows of the service, merged; desktops sorted by id.
    /// let mut desktops = std::pin::pin!(client.desktop_usage().last_days(60).into_stream());
    /// let mut last: Option<String> = None;
    /// while let Some(desktop) = desktops.try_next().await? {
    ///     assert!(last < Some(desktop.desktop_id.clone()));
    ///     println!("{}: {} h", desktop.desktop_id, desktop.total_hours());
    ///     last = Some(desktop.desktop_id);
    /// }
    ///
    /// // The first ten; dropping the stream after them cancels the rest.
    /// let first: Vec<DesktopUsage> =
    ///     client.desktop_usage().last_days(60).into_stream().take(10).try_collect().await?;
    /// assert_eq!(first.len(), 10);
    ///
    /// // An invalid input is the one item, before any request.
    /// let mut bad = std::pin::pin!(client.desktop_usage().page_size(0).into_stream());
    /// assert_eq!(bad.try_next().await.unwrap_err().class(), ErrorClass::InvalidInput);
    /// assert!(bad.next().await.is_none());
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
    ///     let mut desktops = std::pin::pin!(client.desktop_usage().last_days(90).into_stream());
    ///     while let Some(desktop) = desktops.try_next().await? {
    ///         println!("{}\t{} h", desktop.desktop_id, desktop.total_hours());
    ///     }
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # How the pages are fetched
    ///
    /// The wire API covers at most 31 days per request (a window) and pages
    /// by offset; how the stream keeps its order and its memory bound:
    /// - with desktop ids: in batches of `page_size` ids, each batch over
    ///   every window; about `concurrency` batches in memory.
    /// - without ids, several windows: every window is paged once, a few
    ///   pages ahead, and merged by id, the same requests as `send`. Memory
    ///   holds about `concurrency + 3 × windows` pages plus the ids already
    ///   emitted. This needs every window's pages sorted by id (the
    ///   simulator's are; the real service's order is not documented): when
    ///   a first page is not, the stream first learns the ids by paging
    ///   every window (ids only are kept), then fetches them in batches,
    ///   about twice the requests (logged at info level). When a later page
    ///   breaks the order, or a desktop appears behind the stream's position
    ///   after a window's `total_count` changed (the window is then paged
    ///   again, skipping what was emitted), the stream ends with
    ///   [`Error::InvalidResponse`]: never a silently wrong report.
    /// - without ids, one window: in the service's order, each page sorted
    ///   by id; if `total_count` changes while paging, the desktops found on
    ///   the re-check come last. At most `concurrency` pages in memory, plus
    ///   the ids seen.
    ///
    /// [`streams_by_id`](Self::streams_by_id) says which of these orders a
    /// query gets.
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

    /// Whether [`into_stream`](Self::into_stream) yields this query's
    /// desktops in ascending id order: with desktop ids, or over more than
    /// one window (a range longer than [`MAX_WINDOW_DAYS`](crate::MAX_WINDOW_DAYS)).
    /// Over one window without ids they come in the service's order. A
    /// writer of sorted output can stream when this holds, and must sort
    /// otherwise. `false` for a query whose settings are invalid.
    ///
    /// ```
    /// # use huaweicloud_workspace::{Client, Credentials};
    /// # use chrono::NaiveDate;
    /// # let client = Client::builder().endpoint("http://127.0.0.1:1").project_id("p")
    /// #     .credentials(Credentials::iam_token("t").unwrap()).build().unwrap();
    /// let day = |d| NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
    /// assert!(!client.desktop_usage().range(day(1)..=day(31)).streams_by_id());
    /// let year = day(1)..=NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    /// assert!(client.desktop_usage().range(year).streams_by_id());
    /// assert!(client.desktop_usage().desktop_ids(["d2", "d1"]).streams_by_id());
    /// ```
    pub fn streams_by_id(&self) -> bool {
        self.plan()
            .is_ok_and(|plan| plan.ids.is_some() || plan.windows.len() > 1)
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
        let window = plan
            .windows
            .first()
            .copied()
            .unwrap_or(Window::ServiceDefault);
        ctx.fetch(
            window,
            plan.ids.as_deref(),
            u64::from(offset),
            limit,
            Checks::AsSent,
        )
        .await
    }
}
