//! Paging the operations paged by `offset`/`limit` whose every page reports
//! the total (`count`, `total_count`): the first page says how many pages
//! there are, the rest are fetched concurrently and come out in offset
//! order, with at most `concurrency` pages in memory.

use std::future::Future;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};

use crate::Error;

/// One page of items and the total the service reported with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted<T> {
    /// The page's items, in the service's order.
    pub items: Vec<T>,
    /// How many items match over all pages, as the service says.
    pub total: u64,
    /// The `X-Request-Id` of the answer.
    pub request_id: Option<String>,
}

/// The most pages one listing may take: far beyond any real fleet (a
/// hundred million rows at 100 a page), it stops a `count` of 2^31 from
/// turning into an endless loop of requests.
pub(crate) const MAX_PAGES: u64 = 1_000_000;

/// A page's offset as the operations take it (a signed 32-bit integer).
pub(crate) fn wire_offset(offset: u64) -> Result<i32, Error> {
    i32::try_from(offset)
        .map_err(|_| Error::invalid("offset", format!("must be at most {}", i32::MAX)))
}

/// `stream` up to and including its first error: an error is always the
/// last item, and what was still in flight is dropped (cancelled) with it.
pub(crate) fn end_at_error<T>(
    stream: BoxStream<'static, Result<T, Error>>,
) -> BoxStream<'static, Result<T, Error>>
where
    T: Send + 'static,
{
    stream::unfold(Some(stream), |state| async move {
        let mut stream = state?;
        let item = stream.next().await?;
        let rest = item.is_ok().then_some(stream);
        Some((item, rest))
    })
    .boxed()
}

/// Every item of a listing, as a stream of pages in offset order.
///
/// `fetch(offset)` fetches one page of `page_size`. An empty page before
/// the reported total is reached ends the stream with
/// [`Error::InvalidResponse`] (a service that reports more than it serves
/// would otherwise be paged forever).
pub(crate) fn pages<T, F, Fut>(
    page_size: u32,
    concurrency: usize,
    fetch: F,
) -> BoxStream<'static, Result<Vec<T>, Error>>
where
    T: Send + 'static,
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Counted<T>, Error>> + Send + 'static,
{
    let fetch = Arc::new(fetch);
    let step = u64::from(page_size.max(1));
    let first = {
        let fetch = Arc::clone(&fetch);
        async move { fetch(0).await }
    };
    stream::once(first)
        .map(move |first| -> BoxStream<'static, Result<Vec<T>, Error>> {
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
            let fetch = Arc::clone(&fetch);
            let rest = stream::iter(1..pages)
                .map(move |i| {
                    let fetch = Arc::clone(&fetch);
                    async move {
                        let page = fetch(i * step).await?;
                        if page.items.is_empty() && page.total <= i * step {
                            // The list shrank while paging: nothing is left here.
                            tracing::warn!(
                                first = total,
                                now = page.total,
                                request_id = ?page.request_id,
                                "the list shrank while paging"
                            );
                            return Ok(page.items);
                        }
                        if page.items.is_empty() {
                            return Err(Error::InvalidResponse {
                                status: 200,
                                reason: format!(
                                    "the page at offset {} is empty although the service reports {total} items",
                                    i * step
                                ),
                                body_prefix: None,
                                request_id: page.request_id,
                            });
                        }
                        if page.total != total {
                            tracing::warn!(
                                first = total,
                                now = page.total,
                                request_id = ?page.request_id,
                                "the total changed between pages"
                            );
                        }
                        Ok(page.items)
                    }
                })
                .buffered(concurrency.max(1));
            stream::iter([Ok(first.items)]).chain(rest).boxed()
        })
        .flatten()
        .boxed()
}
