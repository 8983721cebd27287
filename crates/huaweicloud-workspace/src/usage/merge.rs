//! The sorted K-way merge behind [`into_stream`](super::DesktopUsageQuery::into_stream)
//! without desktop ids over several windows.
//!
//! When the service lists desktops sorted by id (the simulator does; the
//! real service's order is not documented), every window is a sorted list
//! and the report is their merge: one cursor per window pages through its
//! window in offset order, a few pages ahead, and the smallest id among the
//! cursors' heads is emitted with the periods of every window that holds
//! it. Each page is requested once: W windows × P pages, the same requests
//! as [`send`](super::DesktopUsageQuery::send).
//!
//! Whether the service sorts is learnt from the first page of every window,
//! before anything is emitted: if one of them is not strictly ascending,
//! [`run`] answers [`Merged::Unsorted`] and the caller falls back to the
//! discovery path, exactly. A later page out of order is a typed error.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::Arc;

use futures::SinkExt;
use futures::channel::mpsc;
use futures::future::{self, Either};
use futures::stream::{FuturesUnordered, StreamExt};

use super::MAX_REFETCH_PASSES;
use super::paging::Ctx;
use crate::error::Error;
use crate::model::{DesktopUsage, Page};
use crate::ops::desktop_usage::Checks;
use crate::windows::Window;

/// How the merge ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Merged {
    /// Every desktop was emitted (or the consumer went away).
    Done,
    /// A first page was not sorted by id; nothing was emitted.
    Unsorted,
}

pub(super) type DesktopSender = mpsc::Sender<Result<DesktopUsage, Error>>;

/// A page that came back, tagged with whom it belongs to.
struct Arrival {
    cursor: usize,
    pass: u32,
    index: u64,
    result: Result<Page, Error>,
}

/// One window's position in the merge.
struct Cursor {
    window: Window,
    /// The pass over the window: 0, then one more per re-page.
    pass: u32,
    /// `total_count` of this pass, from its first page.
    total: Option<u64>,
    /// Pages in this pass (1 until the first page tells the total).
    pages: u64,
    /// Pages of this pass requested so far (the next index to request).
    issued: u64,
    /// Requests of this pass in flight.
    inflight: usize,
    /// Pages of this pass received but not yet taken, by index.
    arrived: BTreeMap<u64, Page>,
    /// Pages of this pass taken into `head`, in offset order.
    taken: u64,
    /// Desktops taken and not yet emitted, ascending.
    head: VecDeque<DesktopUsage>,
    /// The last id taken in this pass (the order check).
    prev_in_pass: Option<String>,
    /// Distinct desktops taken in this pass.
    count_in_pass: u64,
    /// The last id this cursor gave to the output.
    last_consumed: Option<String>,
    /// Indices (into the emitted ids) of the desktops this cursor gave.
    contributed: Vec<usize>,
    /// The request id of the last page of this window.
    last_request_id: Option<String>,
    /// Every desktop of the window was taken and emitted.
    done: bool,
}

impl Cursor {
    fn new(window: Window) -> Self {
        Cursor {
            window,
            pass: 0,
            total: None,
            pages: 1,
            issued: 0,
            inflight: 0,
            arrived: BTreeMap::new(),
            taken: 0,
            head: VecDeque::new(),
            prev_in_pass: None,
            count_in_pass: 0,
            last_consumed: None,
            contributed: Vec::new(),
            last_request_id: None,
            done: false,
        }
    }

    fn ahead(&self) -> usize {
        self.inflight + self.arrived.len()
    }
}

/// The text of a window for messages.
fn window_text(window: Window) -> String {
    window.to_string()
}

fn invalid(reason: String, request_id: Option<String>) -> Error {
    Error::InvalidResponse {
        status: 200,
        reason,
        body_prefix: None,
        request_id,
    }
}

fn ascending(page: &Page) -> bool {
    page.desktops
        .windows(2)
        .all(|w| w[0].desktop_id < w[1].desktop_id)
}

async fn fetch_page(
    ctx: &Arc<Ctx>,
    cursor: usize,
    pass: u32,
    index: u64,
    window: Window,
) -> Arrival {
    let step = u64::from(ctx.page_size);
    let result = ctx
        .spawn_fetch(window, None, index * step, ctx.page_size, Checks::Strict)
        .await;
    Arrival {
        cursor,
        pass,
        index,
        result,
    }
}

/// Sends one desktop while the requests in flight keep going; false when
/// the consumer is gone.
async fn send_polling<F>(
    tx: &mut DesktopSender,
    item: DesktopUsage,
    inflight: &mut FuturesUnordered<F>,
    backlog: &mut VecDeque<Arrival>,
) -> bool
where
    F: Future<Output = Arrival>,
{
    let mut send = tx.send(Ok(item));
    loop {
        if inflight.is_empty() {
            return send.await.is_ok();
        }
        match future::select(&mut send, inflight.next()).await {
            Either::Left((sent, _)) => return sent.is_ok(),
            Either::Right((Some(arrival), _)) => backlog.push_back(arrival),
            Either::Right((None, _)) => {}
        }
    }
}

/// The merge state of one query.
struct Merge<'a> {
    ctx: &'a Ctx,
    cursors: Vec<Cursor>,
    /// Whether each window's first page (pass 0) was sorted, once known.
    first_sorted: Vec<Option<bool>>,
    /// All first pages were sorted: the merge is on.
    committed: bool,
    /// The ids emitted so far, ascending (for the check after a re-page).
    emitted: Vec<Box<str>>,
}

/// Runs the merge over `windows` (two or more), sending desktops to `tx`
/// in ascending id order, each once with the periods of every window that
/// holds it.
pub(super) async fn run(
    ctx: &Arc<Ctx>,
    windows: &[Window],
    tx: &mut DesktopSender,
) -> Result<Merged, Error> {
    let depth = ctx.concurrency.div_ceil(windows.len().max(1)) + 1;
    let mut merge = Merge {
        ctx: ctx.as_ref(),
        cursors: windows.iter().copied().map(Cursor::new).collect(),
        first_sorted: vec![None; windows.len()],
        committed: false,
        emitted: Vec::new(),
    };
    let mut inflight = FuturesUnordered::new();
    let mut backlog: VecDeque<Arrival> = VecDeque::new();
    ctx.plan_more(windows.len() as u64);
    loop {
        while let Some(arrival) = backlog.pop_front() {
            if !merge.receive(arrival)? {
                let cancelled: usize = merge.cursors.iter().map(|c| c.inflight).sum();
                ctx.unplan(cancelled as u64);
                tracing::info!(
                    windows = windows.len(),
                    "a window's first page is not sorted by desktop id: learning the ids first, then fetching them in batches (about twice the requests)"
                );
                return Ok(Merged::Unsorted);
            }
        }
        if merge.committed {
            for i in 0..merge.cursors.len() {
                merge.advance(i)?;
            }
            if merge.cursors.iter().all(|c| c.done) {
                return Ok(Merged::Done);
            }
        }
        // Keep every cursor up to `depth` pages ahead, breadth first so that
        // the pages needed soonest queue first for the concurrency permits.
        // Before emitting: a page taken frees its place at once, so requests
        // go out one by one while the consumer works through the pages that
        // came back, instead of in waves each time it has caught up.
        for level in 0..depth {
            for (i, c) in merge.cursors.iter_mut().enumerate() {
                if !c.done && c.issued < c.pages && c.ahead() == level {
                    inflight.push(fetch_page(ctx, i, c.pass, c.issued, c.window));
                    c.issued += 1;
                    c.inflight += 1;
                }
            }
        }
        if merge.committed
            && let Some(desktop) = merge.pop_smallest()
        {
            if !send_polling(tx, desktop, &mut inflight, &mut backlog).await {
                return Ok(Merged::Done);
            }
            continue;
        }
        match inflight.next().await {
            Some(arrival) => backlog.push_back(arrival),
            None => {
                // Nothing in flight and nothing to emit: the state admits no
                // progress, which the paging rules above never produce.
                return Err(invalid(
                    "the merge of windows stalled (no page pending); this is a bug in huaweicloud-workspace".to_string(),
                    None,
                ));
            }
        }
    }
}

impl Merge<'_> {
    /// Files a page that came back; false when the merge must fall back.
    fn receive(&mut self, arrival: Arrival) -> Result<bool, Error> {
        let step = u64::from(self.ctx.page_size);
        let c = &mut self.cursors[arrival.cursor];
        if arrival.pass != c.pass {
            return Ok(true); // a page of an abandoned pass
        }
        c.inflight -= 1;
        let page = arrival.result?;
        c.last_request_id.clone_from(&page.request_id);
        let Some(total) = page.total_count else {
            return Err(invalid(
                "the page has no total_count".to_string(),
                page.request_id,
            ));
        };
        if arrival.index == 0 {
            c.total = Some(total);
            c.pages = total.div_ceil(step).max(1);
            self.ctx.plan_more(c.pages - 1);
            if c.pass == 0 {
                let sorted = ascending(&page);
                self.first_sorted[arrival.cursor] = Some(sorted);
                if !sorted && !self.committed {
                    return Ok(false);
                }
            }
            c.arrived.insert(0, page);
        } else if c.total != Some(total) {
            tracing::warn!(
                window = %window_text(c.window),
                first = ?c.total,
                now = total,
                request_id = ?page.request_id,
                "total_count changed between pages; paging the window again from the start, skipping the desktops already emitted"
            );
            self.restart(arrival.cursor)?;
        } else {
            c.arrived.insert(arrival.index, page);
        }
        if !self.committed && self.first_sorted.iter().all(|s| *s == Some(true)) {
            self.committed = true;
            tracing::debug!(
                windows = self.cursors.len(),
                "every window's first page is sorted by desktop id: merging the windows"
            );
        }
        Ok(true)
    }

    /// Pages the window again from offset 0, at most [`MAX_REFETCH_PASSES`] times.
    fn restart(&mut self, i: usize) -> Result<(), Error> {
        let c = &mut self.cursors[i];
        if c.pass >= MAX_REFETCH_PASSES {
            return Err(invalid(
                format!(
                    "the desktop list kept changing while paging window {}: after {} passes, total_count ({}) and the pages still disagree",
                    window_text(c.window),
                    c.pass + 1,
                    c.total
                        .map_or_else(|| "absent".to_string(), |t| t.to_string())
                ),
                c.last_request_id.clone(),
            ));
        }
        c.pass += 1;
        c.total = None;
        c.pages = 1;
        c.issued = 0;
        c.inflight = 0;
        c.arrived.clear();
        c.taken = 0;
        c.head.clear();
        c.prev_in_pass = None;
        c.count_in_pass = 0;
        self.ctx.plan_more(1);
        Ok(())
    }

    /// Takes the cursor's next pages into its head, in offset order, until it
    /// holds a desktop not yet emitted, waits for a page, or ends its pass.
    fn advance(&mut self, i: usize) -> Result<(), Error> {
        loop {
            let c = &mut self.cursors[i];
            if c.done || !c.head.is_empty() {
                return Ok(());
            }
            if c.total.is_some() && c.taken == c.pages {
                let total = c.total.unwrap_or_default();
                if c.count_in_pass == total {
                    c.done = true;
                    return Ok(());
                }
                tracing::warn!(
                    window = %window_text(c.window),
                    pass = c.pass,
                    total_count = total,
                    distinct_in_pass = c.count_in_pass,
                    request_id = ?c.last_request_id,
                    "the desktop list changed while paging; paging the window again from the start, skipping the desktops already emitted"
                );
                self.restart(i)?;
                return Ok(());
            }
            let Some(page) = c.arrived.remove(&c.taken) else {
                return Ok(());
            };
            let offset = c.taken * u64::from(self.ctx.page_size);
            c.taken += 1;
            for desktop in page.desktops {
                if let Some(prev) = &c.prev_in_pass
                    && desktop.desktop_id <= *prev
                {
                    return Err(invalid(
                        format!(
                            "the service stopped returning desktops in id order: in window {}, desktop {} came after {prev} (page at offset {offset})",
                            window_text(c.window),
                            desktop.desktop_id
                        ),
                        page.request_id,
                    ));
                }
                c.prev_in_pass = Some(desktop.desktop_id.clone());
                c.count_in_pass += 1;
                if let Some(last) = &c.last_consumed
                    && desktop.desktop_id <= *last
                {
                    // Behind the position: emitted already, or lost.
                    let seen = desktop.desktop_id == *last
                        || self
                            .emitted
                            .binary_search_by(|id| (**id).cmp(desktop.desktop_id.as_str()))
                            .is_ok_and(|k| c.contributed.binary_search(&k).is_ok());
                    if !seen {
                        return Err(invalid(
                            format!(
                                "desktop {} appeared in window {} while paging, behind the stream's position ({last} was already emitted): its usage in that window can no longer be emitted in order",
                                desktop.desktop_id,
                                window_text(c.window)
                            ),
                            page.request_id,
                        ));
                    }
                    continue;
                }
                c.head.push_back(desktop);
            }
        }
    }

    /// The smallest id at the cursors' heads, merged over every window that
    /// holds it, once every unfinished cursor's head is known.
    fn pop_smallest(&mut self) -> Option<DesktopUsage> {
        let mut smallest: Option<&str> = None;
        for c in self.cursors.iter().filter(|c| !c.done) {
            let id = c.head.front()?.desktop_id.as_str();
            if smallest.is_none_or(|s| id < s) {
                smallest = Some(id);
            }
        }
        let id: String = smallest?.to_string();
        let index = self.emitted.len();
        let mut merged: Option<DesktopUsage> = None;
        for c in self.cursors.iter_mut().filter(|c| !c.done) {
            if c.head.front().is_some_and(|d| d.desktop_id == id)
                && let Some(desktop) = c.head.pop_front()
            {
                c.last_consumed = Some(id.clone());
                c.contributed.push(index);
                match &mut merged {
                    Some(m) => m.merge(desktop),
                    None => merged = Some(desktop),
                }
            }
        }
        self.emitted.push(id.into_boxed_str());
        merged
    }
}
