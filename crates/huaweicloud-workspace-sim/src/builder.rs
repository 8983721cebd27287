//! The simulator's options: every setting a test can give, checked when it
//! starts (`SimulatorBuilder::start`, which the server module defines, so
//! that the options know nothing of the server).

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use huaweicloud_signer::Secret;

use crate::faults::FaultConfig;

/// The project id the simulator serves unless told otherwise.
pub const DEFAULT_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// The region the project id belongs to unless set ([`SimulatorBuilder::region`]).
pub const DEFAULT_REGION: &str = "cn-north-4";

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
    pub(crate) records_growth: u64,
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
            .field("records_growth", &self.records_growth)
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
            records_growth: 0,
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
    /// `SIMAK…`/`SIMSK…`; see [`crate::server::RunningSimulator::credentials`]).
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

    /// Makes the connection records grow while they are paged: each
    /// `ListLoginRecordsNew` request after the first sees `n` more failed
    /// attempts than the one before, in the range's last minute (the newest,
    /// so first in the order, pushing the others to later offsets). Default 0.
    pub fn records_growth(mut self, n: u64) -> Self {
        self.records_growth = n;
        self
    }

    /// Where to listen (default 127.0.0.1:0, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }
}
