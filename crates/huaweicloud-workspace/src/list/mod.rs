//! The one list query: every operation paged by `offset`/`limit` whose
//! every page reports the total (`count`, `total_count`) runs here.
//!
//! An operation brings a [`ListRequest`] (its unchecked inputs, and the
//! checks that turn them into one or more [`Listed`] passes: batches of ids,
//! windows) and a [`Listed`] (one checked pass: how a page is asked and
//! read, and each item's key). [`ListQuery`] gives both the same page
//! size, concurrency under the client's gate, validation, `send`,
//! `into_stream` and one raw page, with one contract:
//!
#![doc = include_str!("../list_contract.md")]

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::answer::Answer;
use crate::checks::{check_limit, check_paging};
use crate::classify::Failure;
use crate::client::{Client, Gate};
use crate::concurrency::Concurrency;
use crate::error::Error;
use crate::operation::{self, Operation};

mod pages;
pub(crate) mod read;

use read::Shape;

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

/// How many pages in a row that bring only items already seen make a list
/// broken: one such page happens when the list moves by a page while it is
/// paged, two in a row only when it repeats itself. With the ramp of pages
/// in flight (`pages.rs`), a list that repeats from its second page costs
/// four requests.
pub(crate) const MAX_STALE_PAGES: u32 = 2;

/// One checked pass of a paged operation: the filters, and for batch- or
/// window-shaped queries its batch or window. It says how one page is asked
/// and read; [`Page`] makes that an [`Operation`] for the retry loop.
pub(crate) trait Listed: Send + Sync + 'static {
    /// What a page holds.
    type Item: Send + 'static;
    /// A page's body as the spec describes it (the generated type).
    type Wire: serde::de::DeserializeOwned;
    /// One item of [`Wire`](Self::Wire) as the spec describes it.
    type WireItem;
    /// The official operation name, for logs (`ListDesktops`).
    const NAME: &'static str;
    /// The page's wire names; `SHAPE.item` names an item in messages.
    const SHAPE: Shape;

    /// The request of the page at `offset` of at most `limit` items, built
    /// with the generated client; called again for every attempt.
    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
        offset: i32,
        limit: u32,
    ) -> Result<reqwest::Request, Error>;

    /// A page's reported total and its items.
    fn split(page: Self::Wire) -> (Option<i64>, Vec<Self::WireItem>);

    /// Takes an item's key out of the wire item.
    fn take_key(item: &mut Self::WireItem) -> Option<String>;

    /// One wire item as the model (its key, taken by
    /// [`take_key`](Self::take_key), already checked). What the page as a
    /// whole must hold is [`read::decode`]'s.
    fn read(
        &self,
        answer: &Answer,
        key: String,
        item: Self::WireItem,
    ) -> Result<Self::Item, Failure>;

    /// What tells two items apart (the desktop id, the user name).
    fn key(item: &Self::Item) -> &str;
}

/// One page of a listing, as the retry loop sends it.
#[derive(Debug)]
pub(crate) struct Page<'a, L> {
    pub(crate) listing: &'a L,
    pub(crate) offset: i32,
    pub(crate) limit: u32,
}

impl<L: Listed> Operation for Page<'_, L> {
    type Output = Counted<L::Item>;
    const NAME: &'static str = L::NAME;

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
    ) -> Result<reqwest::Request, Error> {
        self.listing
            .request(api, project_id, self.offset, self.limit)
    }

    fn decode_body(&self, answer: &Answer) -> Result<Self::Output, Failure> {
        read::decode(self.listing, answer, self.limit)
    }
}

/// Decodes one answer of `listing`'s operation as a query does (the status
/// and `error_code` checks, then its decoder), for the public `decode`
/// functions that fuzz targets and benches call.
pub(crate) fn decode_page<L: Listed>(
    listing: &L,
    answer: &Answer,
    limit: u32,
) -> Result<Counted<L::Item>, Error> {
    let page = Page {
        listing,
        offset: 0,
        limit,
    };
    operation::decode(&page, answer).map_err(|f| f.into_error(1))
}

/// The inputs of a paged operation as the user gave them.
pub(crate) trait ListRequest: Clone + Send + Sync + 'static {
    /// One checked pass.
    type Listing: Listed;
    /// The largest page the operation serves (and the default page size).
    const MAX_PAGE_SIZE: u32;

    /// Checks every input rule and returns the passes to page, in order
    /// (one for most operations; never none).
    fn plan(&self) -> Result<Vec<Self::Listing>, Error>;
}

/// The item type of a request's passes.
pub(crate) type ItemOf<R> = <<R as ListRequest>::Listing as Listed>::Item;

/// A query of a paged operation: its request, page size and concurrency.
#[derive(Clone)]
pub(crate) struct ListQuery<R> {
    pub(crate) client: Client,
    pub(crate) request: R,
    pub(crate) page_size: u32,
    pub(crate) concurrency: Option<usize>,
}

impl<R: ListRequest> ListQuery<R> {
    /// A query of `request`, pages as large as the operation serves.
    pub(crate) fn new(client: &Client, request: R) -> Self {
        ListQuery {
            client: client.clone(),
            request,
            page_size: R::MAX_PAGE_SIZE,
            concurrency: None,
        }
    }

    /// Every input rule, the page size and concurrency first.
    pub(crate) fn plan(&self) -> Result<Vec<R::Listing>, Error> {
        check_paging(self.page_size, R::MAX_PAGE_SIZE, self.concurrency)?;
        self.request.plan()
    }

    /// How wide the query's streams are, and where its requests take their places.
    pub(crate) fn gate(&self) -> (usize, Arc<Gate>) {
        let (concurrency, gate) = self.client.gate(self.concurrency.map(Concurrency::Fixed));
        (concurrency, Arc::new(gate))
    }

    /// Every item of every pass, under the contract of this module.
    pub(crate) fn into_stream(self) -> BoxStream<'static, Result<ItemOf<R>, Error>> {
        let listings = match self.plan() {
            Ok(listings) => listings,
            Err(e) => return stream::iter([Err(e)]).boxed(),
        };
        let (concurrency, gate) = self.gate();
        items(
            Pager {
                client: self.client,
                gate,
                page_size: self.page_size,
                concurrency,
            },
            listings,
        )
    }

    /// One raw page of the first pass: `offset` and `limit` as given.
    pub(crate) async fn page(self, offset: u32, limit: u32) -> Result<Counted<ItemOf<R>>, Error> {
        let listings = self.plan()?;
        check_limit(limit, R::MAX_PAGE_SIZE)?;
        let first = listings
            .into_iter()
            .next()
            .ok_or_else(|| Error::invalid("range", "holds no day"))?;
        let (_, gate) = self.client.gate(None);
        fetch(&self.client, &gate, &first, u64::from(offset), limit).await
    }
}

/// What the pages of one query share.
#[derive(Clone)]
pub(crate) struct Pager {
    pub(crate) client: Client,
    pub(crate) gate: Arc<Gate>,
    pub(crate) page_size: u32,
    pub(crate) concurrency: usize,
}

/// The keys a stream has let through, as 128-bit hashes: a month of a
/// large fleet's connection records is hundreds of thousands of keys, and
/// their text would be most of a run's memory. Two differently keyed
/// SipHashes (random keys, per process), so that two keys collide (and an
/// item is wrongly skipped) by chance only, about n² / 2¹²⁹.
struct Seen {
    high: RandomState,
    low: RandomState,
    hashes: HashSet<u128>,
}

impl Seen {
    fn new() -> Self {
        Seen {
            high: RandomState::new(),
            low: RandomState::new(),
            hashes: HashSet::new(),
        }
    }

    /// Whether `key` is new (and now seen).
    fn insert(&mut self, key: &str) -> bool {
        let hash = (u128::from(self.high.hash_one(key)) << 64) | u128::from(self.low.hash_one(key));
        self.hashes.insert(hash)
    }
}

/// Every item of `listings`, one pass after the other, each once.
pub(crate) fn items<L: Listed>(
    pager: Pager,
    listings: Vec<L>,
) -> BoxStream<'static, Result<L::Item, Error>> {
    let mut seen = Seen::new();
    let mut stale = 0u32;
    let fresh_in_a_row = Arc::new(AtomicU32::new(0));
    let progress = Arc::clone(&fresh_in_a_row);
    let pages = stream::iter(listings)
        .map(move |listing| pages::pages(pager.clone(), Arc::new(listing), Arc::clone(&progress)))
        .flatten()
        .and_then(move |(page, offset)| {
            let before = page.items.len();
            let fresh: Vec<L::Item> = page
                .items
                .into_iter()
                .filter(|item| {
                    let key = L::key(item);
                    let new = seen.insert(key);
                    if !new {
                        tracing::warn!(key, "{} came again on a later page; skipped", L::SHAPE.item);
                    }
                    new
                })
                .collect();
            stale = if before > 0 && fresh.is_empty() { stale + 1 } else { 0 };
            // What the ramp of pages in flight reads before asking more.
            if !fresh.is_empty() {
                fresh_in_a_row.fetch_add(1, Ordering::Relaxed);
            } else if before > 0 {
                fresh_in_a_row.store(0, Ordering::Relaxed);
            }
            let broken = (stale >= MAX_STALE_PAGES).then(|| Error::InvalidResponse {
                status: 200,
                reason: format!(
                    "{}: the list repeats itself: {MAX_STALE_PAGES} pages in a row (the last at offset {offset}) brought no {} that earlier pages had not",
                    L::NAME,
                    L::SHAPE.item
                ),
                body_prefix: None,
                request_id: page.request_id,
            });
            futures::future::ready(match broken {
                Some(e) => Err(e),
                None => Ok(stream::iter(fresh.into_iter().map(Ok))),
            })
        })
        .try_flatten();
    end_at_error(pages.boxed())
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

/// A page's offset as the operations take it (a signed 32-bit integer).
pub(crate) fn wire_offset(offset: u64) -> Result<i32, Error> {
    i32::try_from(offset)
        .map_err(|_| Error::invalid("offset", format!("must be at most {}", i32::MAX)))
}

pub(crate) async fn fetch<L: Listed>(
    client: &Client,
    gate: &Gate,
    listing: &L,
    offset: u64,
    limit: u32,
) -> Result<Counted<L::Item>, Error> {
    let page = Page {
        listing,
        offset: wire_offset(offset)?,
        limit,
    };
    client.call_in(gate, &page).await
}

/// A query's filter setters over its `list.request.filters`, one line a
/// filter (each with its doc): `name: text` takes `impl Into<String>`,
/// `name: u32` (any other type; one of several tokens in parentheses,
/// `name: (DateTime<Utc>)`) takes the value as it is. Every filter is
/// `Option`al in the filters struct and checked in the request's `plan`.
macro_rules! filter_setters {
    ($query:ident { $( $(#[$doc:meta])* $name:ident: $kind:tt ),* $(,)? }) => {
        impl $query {
            $( crate::list::filter_setters!(@one $(#[$doc])* $name $kind); )*
        }
    };
    (@one $(#[$doc:meta])* $name:ident text) => {
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<String>) -> Self {
            self.list.request.filters.$name = Some(value.into());
            self
        }
    };
    (@one $(#[$doc:meta])* $name:ident ($ty:ty)) => {
        crate::list::filter_setters!(@one $(#[$doc])* $name $ty);
    };
    (@one $(#[$doc:meta])* $name:ident $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.list.request.filters.$name = Some(value);
            self
        }
    };
}
pub(crate) use filter_setters;

/// The methods every public list query has, over its `list` field (a
/// [`ListQuery`]): page size, concurrency, validation and one raw page,
/// written once. `$noun` names the items, `$max` is the largest page and
/// `$first` says which pass a raw page is of.
macro_rules! list_query_methods {
    ($query:ident, $item:ty, $noun:literal, $max:literal, $first:literal) => {
        impl $query {
            #[doc = concat!($noun, " per request, 1..=", $max, " (default ", $max, ").")]
            pub fn page_size(mut self, page_size: u32) -> Self {
                self.list.page_size = page_size;
                self
            }

            /// Requests in flight at once for this query, in places of its own
            /// (default: the client's setting; under `auto`, places in the
            /// client's shared adaptive limit).
            pub fn concurrency(mut self, concurrency: usize) -> Self {
                self.list.concurrency = Some(concurrency);
                self
            }

            /// Checks every input rule without sending anything.
            pub fn validate(&self) -> Result<(), crate::error::Error> {
                self.list.plan().map(|_| ())
            }

            #[doc = concat!("One raw page", $first, ": `offset` and `limit` (1..=", $max, ") as given.")]
            pub async fn page(
                self,
                offset: u32,
                limit: u32,
            ) -> Result<crate::list::Counted<$item>, crate::error::Error> {
                self.list.page(offset, limit).await
            }
        }

        impl std::fmt::Debug for $query {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($query))
                    .field("request", &self.list.request)
                    .field("page_size", &self.list.page_size)
                    .field("concurrency", &self.list.concurrency)
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use list_query_methods;
