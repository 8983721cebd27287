//! A faithful local simulator of the Huawei Cloud Workspace operations we
//! call (see [`Operation`]): "Querying the Desktop Usage Duration"
//! (`POST /v2/{project_id}/desktops/statistics/used`), its successors the
//! desktop and user usage metrics (`GET /v2/{project_id}/statistics/metrics/desktops`
//! and `.../users`), and the desktop list (`GET /v2/{project_id}/desktops`),
//! all served from one fleet so their numbers agree.
//!
//! What it is for: testing clients end to end without a Huawei Cloud
//! account. It verifies `SDK-HMAC-SHA256` signatures (with the
//! `huaweicloud-signer` crate, 15-minute date skew rule) or IAM tokens,
//! validates requests and answers with the real error shapes, pages over a
//! deterministic fleet whose usage is a pure function of `(seed, desktop,
//! period)` (see [`Fleet`]), and can add latency, a per-access-key rate limit
//! and deterministic faults (429 `APIG.0308`, 500, 502 HTML, 503 empty, reset
//! connections, slow answers). The `workspace-sim` binary serves it on a port.
//!
//! What it is not for: production, or any Workspace operation not listed. It only
//! listens where you tell it (127.0.0.1, port 0 by default), keeps nothing on
//! disk, and does not depend on the `huaweicloud-workspace` facade it is
//! meant to test.
//!
//! # Behaviour
//! - Routing: the paths of [`Operation`]. Another path is 404
//!   `APIG.0101`; another method on a known path is 405 (code `APIG.0101`
//!   too, with `Allow` naming the method; the code is the simulator's
//!   choice). [`RunningSimulator::requests_for`] counts the requests that
//!   reached each operation, whatever their outcome.
//! - Signatures cover the query string of the GET operations: a query
//!   changed after signing is 401 `APIG.0301`.
//! - Authentication: `X-Auth-Token` equal to a configured IAM token, or an
//!   AK/SK signature. 401 `APIG.0301` for a bad signature, token or unknown
//!   access key; 401 `APIG.0303` when `X-Sdk-Date` is more than 15 minutes
//!   off. Five failed signatures in a row lock the access key for five
//!   minutes (401 `APIG.0301`), as the gateway does.
//!   With a security token configured, `X-Security-Token` must equal it and
//!   be signed.
//! - A project id in the path other than the simulator's: 403 `APIG.0302`
//!   (the code the gateway uses when the caller may not use the API).
//! - Throttling: 429 `APIG.0308`, per access key (or per IAM token).
//! - Validation: 400 `WKS.0001`, with an `error_msg` naming the field and rule.
//!   Both dates absent means the latest 15 days ending today (UTC). Only one
//!   of `start_time`/`end_time` is refused. `desktop_user_domain` absent means
//!   the main domain. Unknown fields are ignored; `null` counts as absent.
//! - Periods: `yyyy-MM-dd` for `DAY`, `yyyy-MM-dd HH:00` (UTC) for `HOUR`.
//! - The metric operations (module docs of `metrics.rs`, and the spec):
//!   a day counts when its 23:59:59 record lies within `[start_time,
//!   end_time]` and is before today; `desktop_usage`/`user_usage` are 36 s
//!   per hundredth of the per-day operation's hours (see [`counted_days`]);
//!   `desktop_idle_duration` is 86400 s times the trailing run of counted
//!   days without use; logins are deterministic per (user, day), at least
//!   one success on a day with use. `start_time` at most
//!   [`METRIC_RETENTION_DAYS`] before today, users at most
//!   [`USER_METRIC_MAX_DAYS`] per query, `limit` 1 to 100 (default 10),
//!   `sort_type` only with `sort_field`; 400 `WKS.0001` names the parameter.
//! - `ListDesktops` reports each desktop's [`DesktopInventory`] (computer
//!   name, user, status, pool, creation date relative to today, ...), in id
//!   order, `limit` 0 to 1000 (default 1000), at most 100 ids in
//!   `desktop_id`. [`SimulatorBuilder::deny_inventory`] makes it 403.
//! - `ListLoginRecordsNew` reports connection records derived from the
//!   hours (one session per used hour, some split by a reconnect; setup to
//!   end is 36 s per hundredth, so a desktop's successful sessions of a day
//!   add up to its hours that day), failed attempts (no setup, a reason),
//!   open sessions on today, round trips, six terminal types; newest
//!   first, the latest [`RECORDS_RETENTION_DAYS`] days only, `limit` 0 to
//!   1000 (default 20), times `yyyy-MM-ddTHH:mmZ`, both or neither.
//!   [`SimulatorBuilder::records_growth`] makes the list grow while paged.
//! - Faults, throttling, latency and `X-Request-Id` apply to every operation.
//! - Injected 500s carry `{"error_code":"WKS.9999",...}`.
//! - Every response carries `X-Request-Id`.
//!
//! # Cost
//! Cheap to start (no I/O beyond the socket) and fast: daily values are
//! cached per date, and `cargo bench -p huaweicloud-workspace-sim` measures
//! several thousand pages of 100 desktops x 31 days per second on loopback.
//!
//! ```no_run
//! # async fn demo() -> Result<(), huaweicloud_workspace_sim::SimError> {
//! use huaweicloud_workspace_sim::Simulator;
//!
//! let sim = Simulator::builder().desktops(250).seed(42).start().await?;
//! println!("{} {}", sim.base_url(), sim.project_id());
//! let creds = sim.credentials(); // sign requests with these
//! # let _ = creds;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod builder;
mod cache;
mod day;
mod desktops;
mod faults;
mod fleet;
mod hash;
mod inventory;
mod list;
mod metadata;
mod metrics;
mod names;
mod operation;
mod params;
mod records;
mod server;
mod usage;

pub use builder::{DEFAULT_PROJECT_ID, DEFAULT_REGION, SimError, Simulator, SimulatorBuilder};
pub use desktops::{DESKTOPS_MAX_LIMIT, MAX_DESKTOP_ID_FILTER};
pub use faults::{FaultConfig, FaultKind, FaultPattern};
pub use fleet::{DesktopSpec, Fleet};
pub use inventory::DesktopInventory;
pub use metrics::{
    METRIC_DEFAULT_LIMIT, METRIC_MAX_LIMIT, METRIC_RETENTION_DAYS, USER_METRIC_MAX_DAYS,
    counted_days,
};
pub use operation::Operation;
pub use records::{RECORDS_MAX_LIMIT, RECORDS_RETENTION_DAYS};
pub use server::RunningSimulator;
pub use server::state::Stats;
pub use usage::{DEFAULT_RANGE_DAYS, MAX_DESKTOP_IDS, MAX_LIMIT, MAX_RANGE_DAYS};
