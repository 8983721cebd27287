//! The desktop inventory (`ListDesktops`): names, users, statuses and
//! creation dates, to put names on ids. The wire side (filters, checks,
//! pages, decoder) is `ops/desktops.rs`; this is the query users build.

pub(crate) mod model;

use futures::stream::{Stream, TryStreamExt};

use crate::client::Client;
use crate::error::Error;
use crate::list::{ListQuery, filter_setters, list_query_methods};
use crate::ops::desktops::InventoryRequest;
pub use crate::ops::desktops::{MAX_DESKTOP_IDS_PER_LIST, MAX_DESKTOPS_PAGE_SIZE};
use model::{Desktop, Inventory};

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
    list: ListQuery<InventoryRequest>,
}

impl Client {
    /// Starts a query of the desktop inventory (`ListDesktops`).
    #[doc(alias = "ListDesktops")]
    #[doc(alias = "list_desktops")]
    pub fn desktops(&self) -> DesktopListQuery {
        DesktopListQuery {
            list: ListQuery::new(self, InventoryRequest::default()),
        }
    }
}

filter_setters!(DesktopListQuery {
    /// Only desktops of users whose name contains this text.
    user_name: text,
    /// Only desktops whose computer name contains this text.
    computer_name: text,
    /// Only the desktop with this IP address.
    desktop_ip: text,
    /// Only desktops in this status (`ACTIVE`, `SHUTOFF`, …).
    status: text,
    /// Only desktops of this pool.
    pool_id: text,
    /// Only desktops of this enterprise project.
    enterprise_project_id: text,
    /// Only desktops of this type (`DEDICATED`, `SHARED`).
    desktop_type: text,
    /// Only desktops with this tag (`key=value`).
    tag: text,
});

impl DesktopListQuery {
    /// Only these desktops (any number; sent in batches of 100).
    pub fn desktop_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.list.request.ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Every matching desktop, each once.
    pub async fn send(self) -> Result<Inventory, Error> {
        let desktops = self.list.into_stream().try_collect().await?;
        Ok(Inventory { desktops })
    }

    /// Every matching desktop as a [`Stream`], one [`Desktop`] at a time,
    /// without holding the whole inventory: the same desktops as
    /// [`send`](Self::send).
    ///
    /// With [`desktop_ids`](Self::desktop_ids), the ids are asked in sorted
    /// batches of [`MAX_DESKTOP_IDS_PER_LIST`]; an id the service does not
    /// know is simply absent.
    ///
    #[doc = include_str!("../list_contract.md")]
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
        self.list.into_stream()
    }
}

list_query_methods!(
    DesktopListQuery,
    Desktop,
    "Desktops",
    "1000",
    " (of the first batch of ids, when ids were given)"
);
