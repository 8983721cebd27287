//! Paging a query: windows, batches of ids, concurrent pages, re-paging
//! when the list changes, and streams with bounded memory.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::channel::mpsc;
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use futures::{SinkExt, future};

use super::{MAX_IDS_PER_REQUEST, MAX_REFETCH_PASSES, ProgressFn};
use crate::client::Client;
use crate::client::Gate;
use crate::error::Error;
use crate::model::{DesktopUsage, GroupBy, Page, Progress};
use crate::ops::desktop_usage::{Checks, DesktopUsagePage};
use crate::task::{self, Spawned};
use crate::windows::Window;

/// What every request of one query shares.
pub(super) struct Ctx {
    pub(super) client: Client,
    pub(super) group_by: GroupBy,
    pub(super) username: Option<String>,
    pub(super) user_domain: Option<String>,
    pub(super) page_size: u32,
    /// How wide the streams of pages are: the fixed concurrency, or the
    /// adaptive limit's maximum.
    pub(super) concurrency: usize,
    /// Where the query's requests take their places in flight.
    pub(super) gate: Gate,
    pub(super) progress: Option<ProgressFn>,
    pub(super) done: AtomicU64,
    pub(super) planned: AtomicU64,
}

impl Ctx {
    pub(super) fn plan_more(&self, requests: u64) {
        self.planned.fetch_add(requests, Ordering::Relaxed);
    }

    /// Takes back requests planned but cancelled before they were done.
    pub(super) fn unplan(&self, requests: u64) {
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

    /// [`fetch`](Self::fetch) as a task of its own, so that pages decode
    /// on the runtime's workers while the consumer merges and emits (see
    /// [`crate::task`]).
    pub(super) fn spawn_fetch(
        self: &Arc<Self>,
        window: Window,
        ids: Option<Arc<[String]>>,
        offset: u64,
        limit: u32,
        checks: Checks,
    ) -> Spawned<Page> {
        let ctx = Arc::clone(self);
        task::spawn(async move {
            ctx.fetch(window, ids.as_deref(), offset, limit, checks)
                .await
        })
    }

    /// One page: a request with retries, then checks and conversion.
    pub(super) async fn fetch(
        &self,
        window: Window,
        ids: Option<&[String]>,
        offset: u64,
        limit: u32,
        checks: Checks,
    ) -> Result<Page, Error> {
        let offset = i32::try_from(offset).map_err(|_| {
            Error::invalid("offset", format!("the API's offset ends at {}", i32::MAX))
        })?;
        let op = DesktopUsagePage {
            window,
            ids,
            offset,
            limit,
            group_by: self.group_by,
            username: self.username.as_deref(),
            user_domain: self.user_domain.as_deref(),
            checks,
        };
        let page = self.client.call_in(&self.gate, &op).await?;
        if checks == Checks::Strict {
            check_progress(&page, u64::from(offset.unsigned_abs()), limit)?;
        }
        self.page_done();
        Ok(page)
    }
}

/// A page must move paging forward: one that is empty although the service
/// reports desktops at its offset (or a total no paging could ever reach)
/// would otherwise have the query ask for pages forever.
fn check_progress(page: &Page, offset: u64, limit: u32) -> Result<(), Error> {
    let Some(total) = page.total_count else {
        return Ok(());
    };
    let invalid = |reason: String| Error::InvalidResponse {
        status: 200,
        reason,
        body_prefix: None,
        request_id: page.request_id.clone(),
    };
    if total.div_ceil(u64::from(limit.max(1))) > crate::list::MAX_PAGES {
        return Err(invalid(format!(
            "total_count is {total}, more than {} pages of {limit}: refusing to page them",
            crate::list::MAX_PAGES
        )));
    }
    if page.desktops.is_empty() && offset < total {
        return Err(invalid(format!(
            "the page at offset {offset} is empty although total_count is {total}"
        )));
    }
    Ok(())
}

pub(super) fn merge_into(merged: &mut BTreeMap<String, DesktopUsage>, list: Vec<DesktopUsage>) {
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
pub(super) fn channel_stream<T, F, Fut>(producer: F) -> BoxStream<'static, T>
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
pub(super) fn batches(
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
pub(super) async fn discover(ctx: &Arc<Ctx>, windows: &[Window]) -> Result<Vec<String>, Error> {
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
pub(super) fn window_stream(
    ctx: Arc<Ctx>,
    window: Window,
    ids: Option<Arc<[String]>>,
) -> BoxStream<'static, Result<Vec<DesktopUsage>, Error>> {
    channel_stream(move |mut tx| async move {
        if let Err(e) = page_window(&ctx, window, ids, &mut tx).await {
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
    ctx: &Arc<Ctx>,
    window: Window,
    ids: Option<Arc<[String]>>,
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
        let first = ctx
            .spawn_fetch(window, ids.clone(), 0, limit, Checks::Strict)
            .await?;
        last_request_id.clone_from(&first.request_id);
        // A strict page always carries total_count (convert checks it).
        let Some(total) = first.total_count else {
            return Err(Error::InvalidResponse {
                status: 200,
                reason: "the page has no total_count".to_string(),
                body_prefix: None,
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
            .map(|i| ctx.spawn_fetch(window, ids.clone(), i * step, limit, Checks::Strict))
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
        body_prefix: None,
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
