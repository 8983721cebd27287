//! Connection records (`ListLoginRecordsNew`): who connected to which
//! desktop, when, from what and how well. The wire side (filters, checks,
//! pages, decoder) is `ops/login_records.rs`; this is the query users
//! build, and [`aggregate`] the plain functions over its records.

pub mod aggregate;
pub(crate) mod model;

use chrono::{DateTime, Utc};
use futures::stream::{Stream, TryStreamExt};

use crate::client::Client;
use crate::error::Error;
use crate::list::{ListQuery, filter_setters, list_query_methods};
use crate::ops::login_records::RecordsRequest;
pub use crate::ops::login_records::{MAX_RECORDS_PAGE_SIZE, MAX_RTT_MS, RECORDS_RETENTION_DAYS};
use model::ConnectionRecord;

/// A query of the desktops' connection records; start one with
/// [`Client::connection_records`].
///
/// One pass of pages of up to 1,000 records, fetched concurrently after
/// the first. The service keeps 30 days of records: a range that starts
/// earlier is refused before anything is sent. Without a range, the
/// service's default (its latest 30 days). Records arrive in the service's
/// order, each once (by transaction id).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::{Duration, DurationRound, TimeDelta, Utc};
/// use huaweicloud_workspace::{Client, Credentials};
/// use huaweicloud_workspace_sim::Simulator;
///
/// let sim = Simulator::builder().desktops(20).start().await?;
/// let client = Client::builder()
///     .endpoint(sim.base_url())
///     .project_id(sim.project_id())
///     .credentials(Credentials::AccessKey(sim.credentials()))
///     .build()?;
/// let now = Utc::now().duration_trunc(TimeDelta::minutes(1))?;
/// let records = client
///     .connection_records()
///     .start_time(now - Duration::days(7))
///     .end_time(now)
///     .send()
///     .await?;
/// let failed = records.iter().filter(|r| r.failed).count();
/// assert!(records.len() > failed);
///
/// // 31 days back is more than the service keeps: refused, nothing sent.
/// let err = client
///     .connection_records()
///     .start_time(now - Duration::days(31))
///     .end_time(now)
///     .send()
///     .await
///     .unwrap_err();
/// assert!(err.to_string().contains("30 days"), "{err}");
/// # sim.shutdown().await;
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until sent"]
#[derive(Clone)]
pub struct ConnectionRecordsQuery {
    list: ListQuery<RecordsRequest>,
}

impl Client {
    /// Starts a query of the connection records (`ListLoginRecordsNew`).
    #[doc(alias = "ListLoginRecordsNew")]
    #[doc(alias = "list_login_records_new")]
    pub fn connection_records(&self) -> ConnectionRecordsQuery {
        ConnectionRecordsQuery {
            list: ListQuery::new(self, RecordsRequest::default()),
        }
    }
}

filter_setters!(ConnectionRecordsQuery {
    /// Only connections asked for from this minute on (UTC, a whole
    /// minute, at most 30 days ago); give [`end_time`](Self::end_time) too.
    start_time: (DateTime<Utc>),
    /// Only connections asked for up to this minute, included (a whole
    /// minute); give [`start_time`](Self::start_time) too.
    end_time: (DateTime<Utc>),
    /// Only records of users whose name contains this text.
    user_name: text,
    /// Only records of desktops whose computer name contains this text.
    computer_name: text,
    /// Only records of terminals whose OS type contains this text (`Windows`).
    terminal_type: text,
    /// Only records of desktops of this enterprise project.
    enterprise_project_id: text,
});

impl ConnectionRecordsQuery {
    /// The time the 30-day retention is counted back from (default: the
    /// system clock's now).
    pub fn now(mut self, now: DateTime<Utc>) -> Self {
        self.list.request.now = Some(now);
        self
    }

    /// Every matching record, each once.
    pub async fn send(self) -> Result<Vec<ConnectionRecord>, Error> {
        self.list.into_stream().try_collect().await
    }

    /// Every matching record as a [`Stream`], one at a time: the same
    /// records as [`send`](Self::send), without holding them all.
    ///
    #[doc = include_str!("../list_contract.md")]
    ///
    /// The stream is not `Unpin`: pin it before calling `try_next`.
    pub fn into_stream(
        self,
    ) -> impl Stream<Item = Result<ConnectionRecord, Error>> + Send + 'static {
        self.list.into_stream()
    }
}

list_query_methods!(
    ConnectionRecordsQuery,
    ConnectionRecord,
    "Records",
    "1000",
    ""
);
