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
//! - Routing: the four paths of [`Operation`]. Another path is 404
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

mod day;
mod desktops;
mod fleet;
mod inventory;
mod metadata;
mod metrics;
mod params;
mod query;
mod server;

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use huaweicloud_signer::Secret;

pub use desktops::{DESKTOPS_MAX_LIMIT, MAX_DESKTOP_ID_FILTER};
pub use fleet::{DesktopSpec, Fleet};
pub use inventory::DesktopInventory;
pub use metrics::{
    METRIC_DEFAULT_LIMIT, METRIC_MAX_LIMIT, METRIC_RETENTION_DAYS, USER_METRIC_MAX_DAYS,
    counted_days,
};
pub use query::{DEFAULT_RANGE_DAYS, MAX_DESKTOP_IDS, MAX_LIMIT, MAX_RANGE_DAYS};
pub use server::{RunningSimulator, Stats};

/// The project id the simulator serves unless told otherwise.
pub const DEFAULT_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// The region the project id belongs to unless set ([`SimulatorBuilder::region`]).
pub const DEFAULT_REGION: &str = "cn-north-4";

/// The operations the simulator serves, named as the spec's `operationId`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `list_used_desktop_info`: `POST /v2/{project_id}/desktops/statistics/used`.
    ListUsedDesktopInfo,
    /// `list_desktop_usage_metric`: `GET /v2/{project_id}/statistics/metrics/desktops`.
    ListDesktopUsageMetric,
    /// `list_user_usage_metric`: `GET /v2/{project_id}/statistics/metrics/users`.
    ListUserUsageMetric,
    /// `list_desktops`: `GET /v2/{project_id}/desktops`.
    ListDesktops,
    /// `keystone_list_projects` (IAM): `GET /v3/projects?name={region}`.
    KeystoneListProjects,
}

impl Operation {
    /// Every operation, in declaration order.
    pub const ALL: [Operation; 5] = [
        Operation::ListUsedDesktopInfo,
        Operation::ListDesktopUsageMetric,
        Operation::ListUserUsageMetric,
        Operation::ListDesktops,
        Operation::KeystoneListProjects,
    ];

    /// The spec's `operationId` (also the generated builder's name).
    pub fn operation_id(self) -> &'static str {
        match self {
            Operation::ListUsedDesktopInfo => "list_used_desktop_info",
            Operation::ListDesktopUsageMetric => "list_desktop_usage_metric",
            Operation::ListUserUsageMetric => "list_user_usage_metric",
            Operation::ListDesktops => "list_desktops",
            Operation::KeystoneListProjects => "keystone_list_projects",
        }
    }

    /// The operation with this `operationId`, if any.
    pub fn from_operation_id(id: &str) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.operation_id() == id)
    }

    /// The HTTP method the operation answers.
    pub fn method(self) -> http::Method {
        match self {
            Operation::ListUsedDesktopInfo => http::Method::POST,
            _ => http::Method::GET,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The kinds of fault the simulator can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// 429 with `{"error_code":"APIG.0308",...}`, as the gateway's throttling.
    Throttle429,
    /// 500 with a JSON error body (`WKS.9999`).
    Internal500,
    /// 502 with an HTML body, as a gateway in front of the service.
    BadGateway502Html,
    /// 503 with an empty body.
    Unavailable503Empty,
    /// The connection is reset (TCP RST) instead of answered.
    ResetConnection,
    /// The answer is delayed by [`FaultConfig::slow`], then given normally.
    SlowResponse,
}

impl FaultKind {
    /// Every kind, in declaration order.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::Throttle429,
        FaultKind::Internal500,
        FaultKind::BadGateway502Html,
        FaultKind::Unavailable503Empty,
        FaultKind::ResetConnection,
        FaultKind::SlowResponse,
    ];
}

/// Which requests fail, and how. Deterministic given the seed: the n-th
/// request (in arrival order) fails or not, with the same kind, on every run.
///
/// By default a fraction [`rate`](Self::rate) of requests fail, chosen at
/// random (from the seed) per request. A [`pattern`](Self::pattern) instead
/// fails requests by their place in a count of the authenticated requests
/// that pass the rate limit, across all clients, as a busy gateway does:
/// every k-th request ([`FaultConfig::every`]) or bursts of consecutive
/// requests ([`FaultConfig::bursts`]); the kinds then take turns.
///
/// ```
/// use huaweicloud_workspace_sim::{FaultConfig, FaultKind, FaultPattern};
///
/// // Every third request, a 429 and a 502 in turn.
/// let every_third = FaultConfig::every(3, [FaultKind::Throttle429, FaultKind::BadGateway502Html]);
/// assert_eq!(every_third.pattern, Some(FaultPattern::Every(3)));
/// // Five 429s in a row out of every 50 requests.
/// let bursts = FaultConfig::bursts(50, 5, [FaultKind::Throttle429]);
/// assert_eq!(bursts.pattern, Some(FaultPattern::Bursts { every: 50, len: 5 }));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// The fraction of authenticated requests that get a fault, 0 to 1
    /// (ignored when a [`pattern`](Self::pattern) is set).
    pub rate: f64,
    /// The kinds to choose from (evenly); empty means all.
    pub kinds: Vec<FaultKind>,
    /// How long a [`FaultKind::SlowResponse`] is delayed.
    pub slow: Duration,
    /// Faults by position in the count of requests rather than at random.
    pub pattern: Option<FaultPattern>,
}

/// Which requests a patterned [`FaultConfig`] fails, counting from 1 the
/// authenticated requests that pass the rate limit, across all clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultPattern {
    /// Requests k, 2k, 3k, ... (k at least 1).
    Every(u64),
    /// The first `len` of every `every` requests: requests 1 to `len`,
    /// `every + 1` to `every + len`, ... (`len` at most `every`).
    Bursts {
        /// The period, in requests.
        every: u64,
        /// Consecutive faults at the start of each period.
        len: u64,
    },
}

impl FaultPattern {
    /// Whether the `i`-th request (from 1) fails, and if so, the how-many-th fault it is (from 0).
    pub(crate) fn fault_index(self, i: u64) -> Option<u64> {
        match self {
            FaultPattern::Every(k) => (k > 0 && i.is_multiple_of(k)).then(|| i / k - 1),
            FaultPattern::Bursts { every, len } => {
                if every == 0 {
                    return None;
                }
                let (period, place) = ((i - 1) / every, (i - 1) % every);
                (place < len).then(|| period * len + place)
            }
        }
    }
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            rate: 0.0,
            kinds: FaultKind::ALL.to_vec(),
            slow: Duration::from_secs(3),
            pattern: None,
        }
    }
}

impl FaultConfig {
    /// Faults of these kinds on a fraction `rate` of requests, at random.
    pub fn new(rate: f64, kinds: impl IntoIterator<Item = FaultKind>) -> Self {
        FaultConfig {
            rate,
            kinds: kinds.into_iter().collect(),
            ..FaultConfig::default()
        }
    }

    /// A fault on every `k`-th request across all clients, the kinds in turn.
    pub fn every(k: u64, kinds: impl IntoIterator<Item = FaultKind>) -> Self {
        FaultConfig {
            kinds: kinds.into_iter().collect(),
            pattern: Some(FaultPattern::Every(k)),
            ..FaultConfig::default()
        }
    }

    /// Bursts of `len` consecutive faults out of every `every` requests
    /// across all clients, the kinds in turn (one kind, such as
    /// [`FaultKind::Throttle429`], for a burst of 429s).
    pub fn bursts(every: u64, len: u64, kinds: impl IntoIterator<Item = FaultKind>) -> Self {
        FaultConfig {
            kinds: kinds.into_iter().collect(),
            pattern: Some(FaultPattern::Bursts { every, len }),
            ..FaultConfig::default()
        }
    }

    /// Sets the delay of slow responses.
    pub fn with_slow(mut self, slow: Duration) -> Self {
        self.slow = slow;
        self
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A builder option is out of range.
    #[error("invalid simulator option {option}: {rule}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// What it must be.
        rule: String,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The reason.
        source: std::io::Error,
    },
}

/// Entry point: [`Simulator::builder`].
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// A builder with the defaults: 200 desktops, seed 1, project
    /// [`DEFAULT_PROJECT_ID`], AK/SK derived from the seed, no latency, no
    /// rate limit, no faults, hours as JSON numbers, 127.0.0.1 port 0.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }
}

/// Options of a simulator; every setter takes and returns the builder.
#[derive(Clone)]
pub struct SimulatorBuilder {
    pub(crate) desktops: usize,
    pub(crate) seed: u64,
    pub(crate) project_id: String,
    pub(crate) region: String,
    pub(crate) metadata_ttl: Duration,
    pub(crate) access_key: Option<(String, Secret)>,
    pub(crate) security_token: Option<Secret>,
    pub(crate) iam_tokens: Vec<Secret>,
    pub(crate) latency: (Duration, Duration),
    pub(crate) rate_limit: Option<f64>,
    pub(crate) faults: FaultConfig,
    pub(crate) string_hours: bool,
    pub(crate) today: Option<NaiveDate>,
    pub(crate) now: Option<DateTime<Utc>>,
    pub(crate) lockout: bool,
    pub(crate) deny_inventory: bool,
    pub(crate) addr: SocketAddr,
}

impl std::fmt::Debug for SimulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorBuilder")
            .field("desktops", &self.desktops)
            .field("seed", &self.seed)
            .field("project_id", &self.project_id)
            .field(
                "access_key",
                &self.access_key.as_ref().map(|(ak, _)| (ak, "***")),
            )
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "***"),
            )
            .field("iam_tokens", &self.iam_tokens.len())
            .field("latency", &self.latency)
            .field("rate_limit", &self.rate_limit)
            .field("faults", &self.faults)
            .field("string_hours", &self.string_hours)
            .field("today", &self.today)
            .field("now", &self.now)
            .field("lockout", &self.lockout)
            .field("deny_inventory", &self.deny_inventory)
            .field("addr", &self.addr)
            .finish()
    }
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            desktops: 200,
            seed: 1,
            project_id: DEFAULT_PROJECT_ID.to_string(),
            region: DEFAULT_REGION.to_string(),
            metadata_ttl: Duration::from_secs(6 * 60 * 60),
            access_key: None,
            security_token: None,
            iam_tokens: Vec::new(),
            latency: (Duration::ZERO, Duration::ZERO),
            rate_limit: None,
            faults: FaultConfig::default(),
            string_hours: false,
            today: None,
            now: None,
            lockout: true,
            deny_inventory: false,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl SimulatorBuilder {
    /// Number of desktops in the fleet (default 200).
    pub fn desktops(mut self, n: usize) -> Self {
        self.desktops = n;
        self
    }

    /// Seed of the fleet, the default credentials and the faults (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The project id the path must carry (default [`DEFAULT_PROJECT_ID`]).
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = id.into();
        self
    }

    /// The region whose IAM project is the project id (default
    /// [`DEFAULT_REGION`]): `GET /v3/projects?name={region}` answers that one
    /// project, any other name none.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// How long the metadata service's temporary credentials last (default
    /// 6 hours). Under 40 minutes, a client refreshes them before every
    /// request (the official SDK's margin): the way to test refresh.
    pub fn metadata_credentials_ttl(mut self, ttl: Duration) -> Self {
        self.metadata_ttl = ttl;
        self
    }

    /// The one accepted AK/SK pair (default: derived from the seed,
    /// `SIMAK…`/`SIMSK…`; see [`RunningSimulator::credentials`]).
    pub fn access_key(mut self, ak: impl Into<String>, sk: impl Into<Secret>) -> Self {
        self.access_key = Some((ak.into(), sk.into()));
        self
    }

    /// Requires signed requests to carry this `X-Security-Token` (signed).
    pub fn security_token(mut self, token: impl Into<Secret>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// Accepts this IAM token in `X-Auth-Token`; call again for more tokens.
    pub fn iam_token(mut self, token: impl Into<Secret>) -> Self {
        self.iam_tokens.push(token.into());
        self
    }

    /// Delays every answer by `fixed` plus up to `jitter` (deterministic per request).
    pub fn latency(mut self, fixed: Duration, jitter: Duration) -> Self {
        self.latency = (fixed, jitter);
        self
    }

    /// A token bucket per access key (or IAM token): `per_second` tokens a
    /// second, a burst of `max(1, per_second)`. Over it: 429 `APIG.0308`.
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Injects faults (see [`FaultConfig`]).
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Sends `use_time` as JSON strings (`"12.62"`) instead of numbers (`12.62`).
    pub fn string_hours(mut self, yes: bool) -> Self {
        self.string_hours = yes;
        self
    }

    /// The simulator's "today" (UTC) for the default 15-day range, the
    /// metrics' 180-day window and last day, and desktop creation dates
    /// (default: the real date).
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// A fixed "now" for the signature date check (default: the real clock).
    pub fn clock(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// Whether five failed signatures in a row lock the access key for five
    /// minutes, as the real gateway does (default true).
    pub fn lockout(mut self, yes: bool) -> Self {
        self.lockout = yes;
        self
    }

    /// Answers `ListDesktops` with 403 `WKS.0003` and an
    /// `encoded_authorization_message`, as for a policy that allows the
    /// usage statistics but not the desktop list (default false). Other
    /// operations answer as usual.
    pub fn deny_inventory(mut self, yes: bool) -> Self {
        self.deny_inventory = yes;
        self
    }

    /// Where to listen (default 127.0.0.1:0, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Checks the options, binds, and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<RunningSimulator, SimError> {
        server::start(self).await
    }
}
