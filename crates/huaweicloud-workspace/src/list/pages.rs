//! The pages of one pass, in offset order: the first page's total says how
//! many follow, later pages are checked against it, and a list that grows
//! while it is paged is followed past that total.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use futures::FutureExt;
use futures::stream::{self, BoxStream, FuturesOrdered, StreamExt};

use crate::error::Error;
use crate::list::{Counted, Listed, MAX_PAGES, Pager, fetch};
use crate::task;

/// The pages of one pass, each with its offset.
type PageStream<T> = BoxStream<'static, Result<(Counted<T>, u64), Error>>;

/// One page as a task of its own, so that it decodes on a worker.
fn spawn_fetch<L: Listed>(
    pager: &Pager,
    listing: &Arc<L>,
    offset: u64,
) -> task::Spawned<Counted<L::Item>> {
    let (client, gate, listing) = (
        pager.client.clone(),
        Arc::clone(&pager.gate),
        Arc::clone(listing),
    );
    let limit = pager.page_size;
    task::spawn(async move { fetch(&client, &gate, &*listing, offset, limit).await })
}

/// How many later pages may be in flight: doubling with each page in a row
/// that brought a new item (`fresh_in_a_row`, kept by the consumer), up to
/// the query's concurrency. A list that repeats itself is thus found with a
/// page or two in flight, not a full window of requests sent ahead.
fn width(concurrency: usize, fresh_in_a_row: u32) -> usize {
    concurrency.min(1 << fresh_in_a_row.min(16))
}

/// The pages of one pass with their offsets, in offset order. An empty page
/// before the reported total is reached ends the stream with
/// [`Error::InvalidResponse`] (a service that reports more than it serves
/// would otherwise be paged forever). `fresh_in_a_row` is how many pages
/// in a row brought an item not seen before, as the consumer counts them:
/// it sets how many pages are asked ahead ([`width`]).
pub(super) fn pages<L: Listed>(
    pager: Pager,
    listing: Arc<L>,
    fresh_in_a_row: Arc<AtomicU32>,
) -> PageStream<L::Item> {
    let step = u64::from(pager.page_size.max(1));
    let first = spawn_fetch(&pager, &listing, 0);
    stream::once(first)
        .map(move |first| -> PageStream<L::Item> {
            let first = match first {
                Ok(first) => first,
                Err(e) => return stream::iter([Err(e)]).boxed(),
            };
            let total = first.total;
            let pages = total.div_ceil(step).max(1);
            if pages > MAX_PAGES {
                return stream::iter([Err(Error::InvalidResponse {
                    status: 200,
                    reason: format!(
                        "the service reports {total} items, more than {MAX_PAGES} pages of {step}: refusing to page them"
                    ),
                    body_prefix: None,
                    request_id: first.request_id,
                })])
                .boxed();
            }
            let concurrency = pager.concurrency.max(1);
            let grown = Arc::new(AtomicU64::new(total));
            let tail = beyond(pager.clone(), Arc::clone(&listing), pages * step, Arc::clone(&grown));
            let (pager, listing, seen) = (pager.clone(), Arc::clone(&listing), Arc::clone(&grown));
            let ask = move |i: u64| {
                let offset = i * step;
                let page = spawn_fetch(&pager, &listing, offset);
                let seen = Arc::clone(&seen);
                async move {
                    let page = checked(page.await?, offset, total)?;
                    seen.fetch_max(page.0.total, Ordering::Relaxed);
                    Ok(page)
                }
                .boxed()
            };
            let fresh_in_a_row = Arc::clone(&fresh_in_a_row);
            let rest = stream::unfold(
                (1u64, FuturesOrdered::new()),
                move |(mut next, mut in_flight)| {
                    // Read when the consumer asks for the next page, so after
                    // it has counted the pages before.
                    let wide = width(concurrency, fresh_in_a_row.load(Ordering::Relaxed));
                    while next < pages && in_flight.len() < wide {
                        in_flight.push_back(ask(next));
                        next += 1;
                    }
                    async move {
                        let page = in_flight.next().await?;
                        Some((page, (next, in_flight)))
                    }
                },
            );
            stream::iter([Ok((first, 0))]).chain(rest).chain(tail).boxed()
        })
        .flatten()
        .boxed()
}

/// The pages past those the first total asked for, one at a time, while a
/// later page reported a larger total: a list that grows at the front
/// while it is paged pushes its last items past the first total, and
/// they would be lost. An empty page ends them (the list shrank back).
fn beyond<L: Listed>(
    pager: Pager,
    listing: Arc<L>,
    from: u64,
    grown: Arc<AtomicU64>,
) -> PageStream<L::Item> {
    let step = u64::from(pager.page_size.max(1));
    stream::unfold(Some(from), move |offset| {
        let (pager, listing, grown) = (pager.clone(), Arc::clone(&listing), Arc::clone(&grown));
        async move {
            let offset = offset?;
            if offset >= grown.load(Ordering::Relaxed) || offset / step >= MAX_PAGES {
                return None;
            }
            tracing::warn!(offset, "the list grew while paging: asking one page more");
            match spawn_fetch(&pager, &listing, offset).await {
                Ok(page) if page.items.is_empty() => None,
                Ok(page) => {
                    grown.fetch_max(page.total, Ordering::Relaxed);
                    Some((Ok((page, offset)), Some(offset + step)))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    })
    .boxed()
}

/// A later page, checked against the first page's total.
fn checked<T>(page: Counted<T>, offset: u64, total: u64) -> Result<(Counted<T>, u64), Error> {
    if page.items.is_empty() && page.total <= offset {
        // The list shrank while paging: nothing is left here.
        tracing::warn!(first = total, now = page.total, request_id = ?page.request_id, "the list shrank while paging");
    } else if page.items.is_empty() {
        return Err(Error::InvalidResponse {
            status: 200,
            reason: format!(
                "the page at offset {offset} is empty although the service reports {total} items"
            ),
            body_prefix: None,
            request_id: page.request_id,
        });
    } else if page.total != total {
        tracing::warn!(first = total, now = page.total, request_id = ?page.request_id, "the total changed between pages");
    }
    Ok((page, offset))
}
