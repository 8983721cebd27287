//! The Rust SDK for Huawei Cloud Workspace desktop-usage statistics: how many
//! hours each cloud desktop was used, per day or per hour.
//!
//! What this crate is for: applications that want usage reports. It gives a
//! [`Client`] (regions, endpoint overrides, credentials from the environment,
//! the profile file or the metadata service, AK/SK signing or IAM tokens,
//! timeouts, retries with backoff, adaptive rate limiting and concurrency)
//! and one query per operation, each hiding every limit of the wire API:
//! [`DesktopUsageQuery`] (hours per desktop and day or hour, from
//! `ListUsedDesktopInfo`: ranges of any length, any number of desktop ids,
//! exact [`Hours`]), [`DesktopMetricsQuery`] and [`UserMetricsQuery`] (usage
//! and idle time per desktop, usage and logins per user, from the usage
//! metrics), [`DesktopListQuery`] (the inventory, `ListDesktops`) and
//! [`ConnectionRecordsQuery`] (who connected, when and how well, from
//! `ListLoginRecordsNew`, with the aggregations of [`sessions::aggregate`]:
//! totals per user, desktop and day, and sessions at once), with
//! concurrent paging and a typed [`Error`] for every failure. The project
//! id, when not given, comes from IAM's project list.
//!
//! Whole programs are in the crate's `examples/`: a report with names,
//! the idle desktops, and a test of your own code against the simulator
//! (`huaweicloud-workspace-sim`, a dev-dependency: a fixed seed, fleet and
//! `today` give the same numbers everywhere).
//!
//! What it is not for: other Workspace operations, or the raw wire types
//! (use `huaweicloud-workspace-api` for those), and it neither signs nor
//! verifies on its own (that is `huaweicloud-signer`).
//!
//! # Getting started
//!
//! `Cargo.toml` (the TLS backend is a feature, see [below](#tls-backends)):
//!
//! ```toml
//! [dependencies]
//! huaweicloud-workspace = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! Everything else the API hands out comes re-exported: [`chrono`] for dates,
//! [`prelude`] for the stream traits, [`reqwest`](https://docs.rs/reqwest/0.13) for
//! [`ClientBuilder::http_client`].
//!
//! With credentials and project id from the environment
//! (`HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_PROJECT_ID`)
//! or the profile file `~/.huaweicloud/credentials`:
//!
//! ```no_run
//! use huaweicloud_workspace::prelude::*;
//! use huaweicloud_workspace::{Client, Region};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), huaweicloud_workspace::Error> {
//!     let client = Client::builder().region(Region::CN_NORTH_4).build()?;
//!     let report = client.desktop_usage().last_days(30).send().await?;
//!     for (desktop, hours) in report.totals_per_desktop() {
//!         println!("{desktop}: {hours} h");
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Everything explicit in code, here from your own configuration (an
//! endpoint overrides the region's; the secret key is a [`Secret`], never
//! printed by `Debug`):
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use huaweicloud_workspace::chrono::NaiveDate;
//! use huaweicloud_workspace::prelude::*;
//! use huaweicloud_workspace::{Client, Credentials, GroupBy};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), huaweicloud_workspace::Error> {
//!     let ak = std::env::var("MY_APP_AK").unwrap_or_default();
//!     let sk = std::env::var("MY_APP_SK").unwrap_or_default();
//!     let client = Client::builder()
//!         .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
//!         .project_id("0123456789abcdef0123456789abcdef")
//!         .credentials(Credentials::access_key(ak, sk)?)
//!         .operation_timeout(Duration::from_secs(120))
//!         .build()?;
//!
//!     // One day per hour, one desktop at a time with bounded memory.
//!     let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap_or_default();
//!     let mut desktops = Box::pin(
//!         client
//!             .desktop_usage()
//!             .range(day..=day)
//!             .group_by(GroupBy::Hour)
//!             .into_stream(),
//!     );
//!     while let Some(desktop) = desktops.try_next().await? {
//!         println!("{} {} h", desktop.desktop_id, desktop.total_hours());
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Against the local simulator (no account needed; the same code works
//! against the real cloud with `.region(Region::CN_NORTH_4)` and your
//! credentials):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use huaweicloud_workspace::prelude::*;
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
//! # TLS backends
//!
//! | feature | TLS | note |
//! |---|---|---|
//! | `rustls` (default) | rustls with the ring provider, the operating system's verifier | quickest to build |
//! | `rustls-aws-lc` | rustls with the aws-lc-rs provider (reqwest's own `rustls`) | the way to FIPS: install rustls' FIPS provider as the process default |
//! | `native-tls` | OpenSSL (Linux, needs its development files), Secure Transport, SChannel | |
//!
//! Pick one with `default-features = false, features = ["native-tls"]`.
//! When several are on, the one added on top of the default wins:
//! `native-tls`, then `rustls-aws-lc`, then `rustls` ([`TLS_BACKEND`] says
//! which). A process-wide default rustls `CryptoProvider` installed by the
//! application is used by both rustls backends.
//! [`ClientBuilder::add_root_certificate_pem`] works with each of them. A
//! `reqwest::Client` of your own for [`ClientBuilder::http_client`] should
//! start from [`http_client_builder`].
//!
//! # Errors
//!
//! Every failure is an [`Error`]; [`Error::class`] sorts it into what the
//! caller can do about it ([`ErrorClass`]: fix the input, the credentials,
//! ask the service, or retry later), [`Error::metadata`] gives what the
//! service said and [`Error::request_id`] the id to quote to support.

mod answer;
mod builder;
mod checks;
mod classify;
mod client;
mod concurrency;
mod credentials;
mod error;
mod inventory;
mod limiter;
mod list;
pub mod metrics;
mod model;
mod operation;
mod ops;
mod period;
mod region;
mod retry;
pub mod sessions;
mod task;
mod tls;
mod transport;
mod usage;
mod windows;

/// Dates and times of the API ([`chrono::NaiveDate`] ranges and periods),
/// re-exported so an application needs no version of its own.
pub use chrono;
/// The HTTP client, re-exported for [`ClientBuilder::http_client`] (start
/// from [`http_client_builder`]).
pub use reqwest;

pub use answer::{Answer, BODY_PREFIX_BYTES, MAX_RESPONSE_BYTES, RetryAfter};
pub use builder::{
    ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_OPERATION_TIMEOUT, DEFAULT_USER_AGENT,
};
pub use client::Client;
pub use concurrency::{Concurrency, ParseConcurrencyError};
pub use error::{Error, ErrorClass, ErrorMetadata, TimeoutScope};
pub use huaweicloud_signer::{
    AccessKeyCredentials, Credentials, CredentialsError, Secret, SignError,
};
pub use huaweicloud_workspace_api::{Hours, HoursError};
pub use inventory::model::{Desktop, Inventory};
pub use inventory::{DesktopListQuery, MAX_DESKTOP_IDS_PER_LIST, MAX_DESKTOPS_PAGE_SIZE};
pub use list::Counted;
pub use metrics::{
    DesktopMetrics, DesktopMetricsQuery, DesktopSort, SortOrder, UserMetrics, UserMetricsQuery,
    UserSort, hours_from_seconds,
};
pub use model::{
    Assignment, DesktopUsage, GroupBy, Page, PeriodUsage, Progress, UsageReport, UserTotals,
    UserTotalsBuilder, average_per_active_day,
};
pub use period::Period;
pub use region::Region;
#[doc(hidden)]
pub use retry::Clock;
pub use retry::RetryConfig;
pub use sessions::model::ConnectionRecord;
pub use sessions::{
    ConnectionRecordsQuery, MAX_RECORDS_PAGE_SIZE, MAX_RTT_MS, RECORDS_RETENTION_DAYS,
};
pub use tls::{TLS_BACKEND, http_client_builder};
pub use usage::{DesktopUsageQuery, MAX_IDS_PER_REQUEST, MAX_PAGE_SIZE};
pub use windows::MAX_WINDOW_DAYS;

/// The decoders of every operation's answers: the very functions a query
/// runs on each answer it receives (status and `error_code` checks, then
/// the operation's own checks). For answers captured some other way, and
/// for the fuzz targets and the decode benchmark.
pub mod decode {
    pub use crate::ops::desktop_metrics::desktop_metrics_page;
    pub use crate::ops::desktop_usage::desktop_usage_page;
    /// The former name of [`desktop_usage_page`], kept for code that uses it.
    #[doc(hidden)]
    pub use crate::ops::desktop_usage::desktop_usage_page as used_desktop_page;
    pub use crate::ops::desktops::desktops_page;
    pub use crate::ops::login_records::login_records_page;
    pub use crate::ops::projects::project_id;
    pub use crate::ops::user_metrics::user_metrics_page;
}

/// The traits that make [`DesktopUsageQuery::into_stream`] usable
/// (`try_next`, `try_collect`, `next`...), the main types, nothing else:
/// `use huaweicloud_workspace::prelude::*;`.
pub mod prelude {
    pub use futures::{Stream, StreamExt, TryStreamExt};

    pub use crate::{Client, Credentials, DesktopUsageQuery, Error, Region};
}
