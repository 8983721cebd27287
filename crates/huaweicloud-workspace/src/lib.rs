//! The Rust SDK for Huawei Cloud Workspace desktop-usage statistics: how many
//! hours each cloud desktop was used, per day or per hour.
//!
//! What this crate is for: applications that want usage reports. It gives a
//! [`Client`] (regions, endpoint overrides, credentials from the environment
//! or the profile file, AK/SK signing or IAM tokens, timeouts, retries with
//! backoff and adaptive rate limiting) and a [`DesktopUsageQuery`] that hides
//! every limit of the wire API: ranges of any length, any number of desktop
//! ids, concurrent paging, exact hours ([`Hours`], no floating point), and a
//! typed [`Error`] for every failure.
//!
//! What it is not for: other Workspace operations, or the raw wire types
//! (use `huaweicloud-workspace-api` for those), and it neither signs nor
//! verifies on its own (that is `huaweicloud-signer`). It talks to the one
//! deprecated-but-working operation `ListUsedDesktopInfo`.
//!
//! # Example
//!
//! Against the local simulator (the same code works against the real cloud
//! with `.region(Region::CN_NORTH_4)` and your credentials):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use futures::TryStreamExt;
//! use huaweicloud_workspace::{Client, Credentials};
//! use huaweicloud_workspace_sim::Simulator;
//!
//! let sim = Simulator::builder().desktops(12).start().await?;
//! let client = Client::builder()
//!     .endpoint(sim.base_url())
//!     .project_id(sim.project_id())
//!     .credentials(Credentials::AccessKey(sim.credentials()))
//!     .build()?;
//!
//! // The whole report, sorted by desktop id.
//! let report = client.desktop_usage().last_days(40).send().await?;
//! assert_eq!(report.desktops.len(), 12);
//! for (desktop, hours) in report.totals_per_desktop() {
//!     println!("{desktop}: {hours} h");
//! }
//!
//! // Or one desktop at a time, with bounded memory.
//! let mut stream = Box::pin(client.desktop_usage().last_days(40).into_stream());
//! let mut n = 0;
//! while let Some(desktop) = stream.try_next().await? {
//!     n += 1;
//!     assert_eq!(desktop.total_hours(), report.desktops[n - 1].total_hours());
//! }
//! assert_eq!(n, 12);
//! # sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! Every failure is an [`Error`]; [`Error::class`] sorts it into what the
//! caller can do about it ([`ErrorClass`]: fix the input, the credentials,
//! ask the service, or retry later), [`Error::metadata`] gives what the
//! service said and [`Error::request_id`] the id to quote to support.

mod builder;
mod classify;
mod client;
mod concurrency;
mod error;
mod limiter;
mod model;
mod operation;
mod ops;
mod region;
mod retry;
mod transport;
mod usage;
mod windows;

pub use builder::{
    ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_OPERATION_TIMEOUT, DEFAULT_USER_AGENT,
};
pub use client::Client;
pub use concurrency::{Concurrency, ParseConcurrencyError};
pub use error::{BODY_PREFIX_BYTES, Error, ErrorClass, ErrorMetadata, TimeoutScope};
pub use huaweicloud_signer::{AccessKeyCredentials, Credentials, CredentialsError, Secret};
pub use huaweicloud_workspace_api::Hours;
pub use model::{
    DesktopUsage, GroupBy, Page, Period, PeriodUsage, Progress, UsageReport, UserTotals,
};
pub use region::Region;
#[doc(hidden)]
pub use retry::Clock;
pub use retry::RetryConfig;
pub use transport::{Answer, MAX_RESPONSE_BYTES, RetryAfter};
pub use usage::{DesktopUsageQuery, MAX_IDS_PER_REQUEST, MAX_PAGE_SIZE};
pub use windows::MAX_WINDOW_DAYS;

/// The decoders of every operation's answers: the very functions a query
/// runs on each answer it receives (status and `error_code` checks, then
/// the operation's own checks). For answers captured some other way, and
/// for the fuzz targets and the decode benchmark.
pub mod decode {
    pub use crate::ops::used::used_desktop_page;
}
