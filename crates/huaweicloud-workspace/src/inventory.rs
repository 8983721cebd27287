//! The desktop inventory (`ListDesktops`): names, users, statuses and
//! creation dates, to put names on ids.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use serde::Serialize;

use crate::client::Gate;
use crate::metrics::{check_paging, check_text};
use crate::ops::desktops::DesktopsPage;
use crate::pager::{Counted, end_at_error, pages, wire_offset};
use crate::{Client, Concurrency, Error};

/// The largest page of `ListDesktops`.
pub const MAX_DESKTOPS_PAGE_SIZE: u32 = 1000;
/// The most ids one `ListDesktops` request filters on.
pub const MAX_DESKTOP_IDS_PER_LIST: usize = 100;

/// One desktop of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Desktop {
    /// The desktop id.
    pub desktop_id: String,
    /// The computer name administrators know it by (`WKS-FIN-042`).
    pub computer_name: Option<String>,
    /// The user it is assigned to.
    pub user_name: Option<String>,
    /// Every user attached to it (`attach_user_infos`).
    pub attached_users: Vec<String>,
    /// `ACTIVE`, `SHUTOFF`, …, as the service says.
    pub status: Option<String>,
    /// Whether someone is connected, as the service says.
    pub connect_status: Option<String>,
    /// The desktop pool, for pool desktops.
    pub pool_id: Option<String>,
    /// The enterprise project.
    pub enterprise_project_id: Option<String>,
    /// When it was created; `None` when not given or not RFC 3339.
    pub created: Option<DateTime<Utc>>,
    /// Its IP address.
    pub ip_address: Option<String>,
    /// `DEDICATED`, `SHARED`, ….
    pub desktop_type: Option<String>,
    /// Its availability zone.
    pub availability_zone: Option<String>,
    /// Its tags, `(key, value)`.
    pub tags: Vec<(String, String)>,
}

/// Filters of the inventory (already checked).
#[derive(Debug, Clone, Default)]
pub(crate) struct DesktopFilters {
    pub(crate) user_name: Option<String>,
    pub(crate) computer_name: Option<String>,
    pub(crate) desktop_ip: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) pool_id: Option<String>,
    pub(crate) enterprise_project_id: Option<String>,
    pub(crate) desktop_type: Option<String>,
    pub(crate) tag: Option<String>,
}

/// A query of the desktop inventory; start one with [`Client::desktops`].
///
/// One pass: with no ids, pages of up to 1,000 desktops (⌈N/1000⌉ requests
/// for N desktops), fetched concurrently after the first; with ids, batches
/// of 100 through the service's `desktop_id` filter. Filters are the
/// service's (names match as substrings, on its side).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use huaweicloud_workspace::{Client, Credentials};
/// use huaweicloud_workspace_sim::Simulator;
///
/// let sim = Simulator::builder().desktops(30).start().await?;
/// let client = Client::builder()
///     .endpoint(sim.base_url())
///     .project_id(sim.project_id())
///     .credentials(Credentials::AccessKey(sim.credentials()))
///     .build()?;
/// let names = client.desktops().send().await?.into_names();
/// assert_eq!(names.len(), 30);
/// # sim.shutdown().await;
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until sent"]
#[derive(Clone)]
pub struct DesktopListQuery {
    client: Client,
    filters: DesktopFilters,
    ids: Option<Vec<String>>,
    page_size: u32,
    concurrency: Option<usize>,
}

impl fmt::Debug for DesktopListQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesktopListQuery")
            .field("filters", &self.filters)
            .field("ids", &self.ids.as_ref().map(Vec::len))
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

/// Every desktop of an inventory query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Inventory {
    /// The desktops, in the service's order, each once.
    pub desktops: Vec<Desktop>,
}

impl Inventory {
    /// The desktops by id, to join with usage.
    pub fn into_names(self) -> HashMap<String, Desktop> {
        self.desktops
            .into_iter()
            .map(|d| (d.desktop_id.clone(), d))
            .collect()
    }
}

impl Client {
    /// Starts a query of the desktop inventory (`ListDesktops`).
    #[doc(alias = "ListDesktops")]
    #[doc(alias = "list_desktops")]
    pub fn desktops(&self) -> DesktopListQuery {
        DesktopListQuery {
            client: self.clone(),
            filters: DesktopFilters::default(),
            ids: None,
            page_size: MAX_DESKTOPS_PAGE_SIZE,
            concurrency: None,
        }
    }
}

impl DesktopListQuery {
    /// Only these desktops (any number; sent in batches of 100).
    pub fn desktop_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Only desktops of users whose name contains this text.
    pub fn user_name(mut self, v: impl Into<String>) -> Self {
        self.filters.user_name = Some(v.into());
        self
    }

    /// Only desktops whose computer name contains this text.
    pub fn computer_name(mut self, v: impl Into<String>) -> Self {
        self.filters.computer_name = Some(v.into());
        self
    }

    /// Only the desktop with this IP address.
    pub fn desktop_ip(mut self, v: impl Into<String>) -> Self {
        self.filters.desktop_ip = Some(v.into());
        self
    }

    /// Only desktops in this status (`ACTIVE`, `SHUTOFF`, …).
    pub fn status(mut self, v: impl Into<String>) -> Self {
        self.filters.status = Some(v.into());
        self
    }

    /// Only desktops of this pool.
    pub fn pool_id(mut self, v: impl Into<String>) -> Self {
        self.filters.pool_id = Some(v.into());
        self
    }

    /// Only desktops of this enterprise project.
    pub fn enterprise_project_id(mut self, v: impl Into<String>) -> Self {
        self.filters.enterprise_project_id = Some(v.into());
        self
    }

    /// Only desktops of this type (`DEDICATED`, `SHARED`).
    pub fn desktop_type(mut self, v: impl Into<String>) -> Self {
        self.filters.desktop_type = Some(v.into());
        self
    }

    /// Only desktops with this tag (`key=value`).
    pub fn tag(mut self, v: impl Into<String>) -> Self {
        self.filters.tag = Some(v.into());
        self
    }

    /// Desktops per request, 1..=1000 (default 1000).
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

    fn plan(&self) -> Result<Option<Vec<String>>, Error> {
        check_paging(self.page_size, MAX_DESKTOPS_PAGE_SIZE, self.concurrency)?;
        let f = &self.filters;
        for (field, value) in [
            ("user_name", &f.user_name),
            ("computer_name", &f.computer_name),
            ("desktop_ip", &f.desktop_ip),
            ("status", &f.status),
            ("pool_id", &f.pool_id),
            ("enterprise_project_id", &f.enterprise_project_id),
            ("desktop_type", &f.desktop_type),
            ("tag", &f.tag),
        ] {
            check_text(field, value.as_deref(), 255)?;
        }
        match &self.ids {
            None => Ok(None),
            Some(ids) if ids.is_empty() => Err(Error::invalid(
                "desktop_ids",
                "must not be an empty list (leave it out to list every desktop)",
            )),
            Some(ids) => {
                if let Some(i) = ids
                    .iter()
                    .position(|id| id.trim().is_empty() || id.contains(','))
                {
                    return Err(Error::invalid(
                        "desktop_ids",
                        format!(
                            "desktop id #{} (counting from 1) is empty, blank or holds a comma",
                            i + 1
                        ),
                    ));
                }
                let unique: BTreeSet<&String> = ids.iter().collect();
                Ok(Some(unique.into_iter().cloned().collect()))
            }
        }
    }

    /// Every matching desktop, each once.
    pub async fn send(self) -> Result<Inventory, Error> {
        let desktops = self.into_stream().try_collect().await?;
        Ok(Inventory { desktops })
    }

    /// Every matching desktop as a [`Stream`], one [`Desktop`] at a time,
    /// without holding the whole inventory: the same desktops as
    /// [`send`](Self::send).
    ///
    /// - **Order**: the service's. With [`desktop_ids`](Self::desktop_ids),
    ///   the ids are asked in sorted batches of [`MAX_DESKTOP_IDS_PER_LIST`],
    ///   batch after batch, each in the service's order. Each desktop comes
    ///   once (one that comes again on a later page is skipped); an id the
    ///   service does not know is simply absent.
    /// - **Errors**: an invalid input is the first and only item, and no
    ///   request is sent. A request that fails (after the client's retries)
    ///   is the last item: the stream ends after any error, and the desktops
    ///   before it are valid.
    /// - **Requests**: none before the stream is first polled. The first page
    ///   of a batch says how many pages it has; the others are then fetched
    ///   ahead of you, at most [`concurrency`](Self::concurrency) at once
    ///   (default: the client's), and come out in page order. At most that
    ///   many pages are held in memory.
    /// - **Cancelling**: dropping the stream cancels the requests in flight
    ///   and sends no more.
    ///
    /// The stream is not `Unpin`: pin it (`std::pin::pin!` or `Box::pin`)
    /// before calling `try_next`. The stream traits are in
    /// [`prelude`](crate::prelude).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use huaweicloud_workspace::prelude::*;
    /// # use huaweicloud_workspace::{Client, Credentials};
    /// # use huaweicloud_workspace_sim::Simulator;
    /// # let sim = Simulator::builder().desktops(30).start().await?;
    /// # let client = Client::builder()
    /// #     .endpoint(sim.base_url())
    /// #     .project_id(sim.project_id())
    /// #     .credentials(Credentials::AccessKey(sim.credentials()))
    /// #     .build()?;
    /// // `client` is a Client of a simulated fleet of 30 desktops.
    /// let mut desktops = std::pin::pin!(client.desktops().page_size(10).into_stream());
    /// let mut names = Vec::new();
    /// while let Some(desktop) = desktops.try_next().await? {
    ///     names.push(desktop.computer_name.unwrap_or(desktop.desktop_id));
    /// }
    /// assert_eq!(names.len(), 30);
    ///
    /// // An invalid input is the one item, before any request.
    /// let mut bad = std::pin::pin!(client.desktops().page_size(0).into_stream());
    /// let err = bad.try_next().await.unwrap_err();
    /// assert_eq!(err.class(), huaweicloud_workspace::ErrorClass::InvalidInput);
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
    ///     let mut desktops = std::pin::pin!(client.desktops().status("SHUTOFF").into_stream());
    ///     while let Some(d) = desktops.try_next().await? {
    ///         println!("{}\t{}", d.desktop_id, d.computer_name.unwrap_or_default());
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn into_stream(self) -> impl Stream<Item = Result<Desktop, Error>> + Send + 'static {
        let ids = match self.plan() {
            Ok(ids) => ids,
            Err(e) => return stream::iter([Err(e)]).boxed(),
        };
        let (concurrency, gate) = self.client.gate(self.concurrency.map(Concurrency::Fixed));
        let gate = Arc::new(gate);
        let filters = Arc::new(self.filters);
        let client = self.client;
        let page_size = self.page_size;
        let batches: Vec<Option<Arc<[String]>>> = match ids {
            None => vec![None],
            Some(ids) => ids
                .chunks(MAX_DESKTOP_IDS_PER_LIST)
                .map(|c| Some(Arc::from(c)))
                .collect(),
        };
        let mut seen = HashSet::new();
        let desktops = stream::iter(batches)
            .map(move |batch| {
                let client = client.clone();
                let filters = Arc::clone(&filters);
                let gate = Arc::clone(&gate);
                pages(page_size, concurrency, move |offset| {
                    let client = client.clone();
                    let filters = Arc::clone(&filters);
                    let gate = Arc::clone(&gate);
                    let batch = batch.clone();
                    async move {
                        let query = (&client, &*gate, &*filters);
                        fetch(query, batch.as_deref(), offset, page_size).await
                    }
                })
            })
            .flatten()
            .map_ok(move |items| {
                let fresh: Vec<_> = items
                    .into_iter()
                    .filter(|d| seen.insert(d.desktop_id.clone()))
                    .collect();
                stream::iter(fresh.into_iter().map(Ok))
            })
            .try_flatten();
        end_at_error(desktops.boxed())
    }

    /// One raw page: `offset` and `limit` (1..=1000) as given, the first
    /// batch of ids when ids were given.
    pub async fn page(self, offset: u32, limit: u32) -> Result<Counted<Desktop>, Error> {
        let ids = self.plan()?;
        check_paging(limit, MAX_DESKTOPS_PAGE_SIZE, None).map_err(|_| {
            Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_DESKTOPS_PAGE_SIZE}, got {limit}"),
            )
        })?;
        let batch = ids
            .as_deref()
            .map(|ids| &ids[..ids.len().min(MAX_DESKTOP_IDS_PER_LIST)]);
        let (_, gate) = self.client.gate(None);
        fetch(
            (&self.client, &gate, &self.filters),
            batch,
            u64::from(offset),
            limit,
        )
        .await
    }
}

async fn fetch(
    (client, gate, filters): (&Client, &Gate, &DesktopFilters),
    ids: Option<&[String]>,
    offset: u64,
    limit: u32,
) -> Result<Counted<Desktop>, Error> {
    let offset = wire_offset(offset)?;
    client
        .call_in(
            gate,
            &DesktopsPage {
                filters,
                ids,
                offset,
                limit,
            },
        )
        .await
}
