//! The HTTP server: its state, start and stop, and the handler every
//! request enters. The seams: [`conn`] (connections a fault can reset),
//! [`auth`] (tokens, signatures, lockout), [`respond()`] (one request's way
//! from routing to the answer) and [`answers`] (the bodies it sends).

mod answers;
mod auth;
mod conn;
mod respond;
pub(crate) mod state;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use chrono::Utc;
use http::HeaderValue;
use huaweicloud_signer::{AccessKeyCredentials, Secret};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::auth::{credentials, default_keys};
use self::conn::{ConnCtl, SimListener};
use self::respond::respond;
use self::state::{Counters, Shared, Stats, bump};
use crate::builder::{SimError, SimulatorBuilder};
use crate::cache::DailyCache;
use crate::faults::FaultPattern;
use crate::fleet::Fleet;
use crate::hash::hash;
use crate::operation::Operation;

/// A running simulator. Dropping it stops the server too (without waiting);
/// prefer [`RunningSimulator::shutdown`].
pub struct RunningSimulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSimulator")
            .field("base_url", &self.base_url)
            .field("project_id", &self.shared.cfg.project_id)
            .field("access_key", &self.shared.ak)
            .finish_non_exhaustive()
    }
}

impl RunningSimulator {
    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The project id requests must use.
    pub fn project_id(&self) -> &str {
        &self.shared.cfg.project_id
    }

    /// The AK/SK (and security token, when configured) to sign with.
    pub fn credentials(&self) -> AccessKeyCredentials {
        credentials(&self.shared)
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// How many requests reached `operation` (its path with its method)
    /// since start, whatever their outcome: refused by authentication,
    /// throttled, faulted, invalid, denied (see
    /// [`SimulatorBuilder::deny_inventory`]) or answered. Requests for an
    /// unknown path or with another method count for no operation.
    pub fn requests_for(&self, operation: Operation) -> u64 {
        self.shared.counters.per_operation[operation.index()].load(Ordering::Relaxed)
    }

    /// How many temporary key pairs the metadata service has issued
    /// (`GET /openstack/latest/securitykey`); each one is new.
    pub fn metadata_credentials_issued(&self) -> u64 {
        self.shared.metadata.count.load(Ordering::Relaxed)
    }

    /// The latency added so far (see [`SimulatorBuilder::latency`]): the sum
    /// of each answer's delay, counted once the delay has been slept. It
    /// lets a test see the delays the simulator chose without a clock.
    pub fn latency_added(&self) -> Duration {
        Duration::from_micros(self.shared.counters.latency_micros.load(Ordering::Relaxed))
    }

    /// The fleet being served.
    pub fn fleet(&self) -> &Fleet {
        &self.shared.fleet
    }

    /// Stops accepting, lets requests in flight finish (for at most 5 s),
    /// and returns when the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl SimulatorBuilder {
    /// Checks the options, binds, and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<RunningSimulator, SimError> {
        start(self).await
    }
}

async fn start(cfg: SimulatorBuilder) -> Result<RunningSimulator, SimError> {
    let invalid = |option, rule: &str| SimError::InvalidOption {
        option,
        rule: rule.to_string(),
    };
    if cfg.project_id.is_empty() || cfg.project_id.contains('/') {
        return Err(invalid(
            "project_id",
            "must be non-empty and contain no '/'",
        ));
    }
    if !(0.0..=1.0).contains(&cfg.faults.rate) {
        return Err(invalid("faults.rate", "must be between 0 and 1"));
    }
    match cfg.faults.pattern {
        Some(FaultPattern::Every(0)) => {
            return Err(invalid("faults.pattern", "every k-th request needs k >= 1"));
        }
        Some(FaultPattern::Bursts { every, len }) if every == 0 || len > every => {
            return Err(invalid(
                "faults.pattern",
                "bursts need a period of at least 1 and a length of at most the period",
            ));
        }
        _ => {}
    }
    if let Some(r) = cfg.rate_limit
        && !(r.is_finite() && r > 0.0)
    {
        return Err(invalid(
            "rate_limit",
            "must be a positive number per second",
        ));
    }
    let (ak, sk) = match &cfg.access_key {
        Some((ak, sk)) => (ak.clone(), sk.clone()),
        None => {
            let (ak, sk) = default_keys(cfg.seed);
            (ak, Secret::from(sk))
        }
    };
    if AccessKeyCredentials::new(ak.clone(), sk.clone()).is_err() {
        return Err(invalid("access_key", "AK and SK must be non-empty"));
    }
    if ak.contains([',', ' ', '=']) {
        return Err(invalid("access_key", "AK must not contain ',', ' ' or '='"));
    }
    let listener = TcpListener::bind(cfg.addr)
        .await
        .map_err(|source| SimError::Bind {
            addr: cfg.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: cfg.addr,
        source,
    })?;
    let fleet = Fleet::new(cfg.seed, cfg.desktops);
    let shared = Arc::new(Shared {
        cfg,
        ak,
        sk,
        fleet,
        daily: DailyCache::default(),
        records: crate::records::RecordsCache::default(),
        counters: Counters::default(),
        seq: AtomicU64::new(0),
        faultable: AtomicU64::new(0),
        buckets: Mutex::new(HashMap::new()),
        failures: Mutex::new(HashMap::new()),
        metadata: crate::metadata::MetadataState::default(),
        computing: tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
        ),
    });
    let app = Router::new().fallback(handle).with_state(shared.clone());
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let serve = axum::serve(
        SimListener(listener),
        app.into_make_service_with_connect_info::<ConnCtl>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stop_rx.await;
    });
    let task = tokio::spawn(async move {
        if let Err(err) = serve.await {
            tracing::warn!("workspace simulator stopped: {err}");
        }
    });
    Ok(RunningSimulator {
        shared,
        addr,
        base_url: format!("http://{addr}"),
        stop: Some(stop_tx),
        task: Some(task),
    })
}

/// Every request: the metadata service's paths first, then the API's,
/// each answer with its request id.
async fn handle(
    State(sim): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnCtl>,
    req: Request,
) -> Response {
    let now = sim.cfg.now.unwrap_or_else(Utc::now);
    let ttl = chrono::Duration::from_std(sim.cfg.metadata_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(6));
    if let Some((status, body)) = crate::metadata::answer(
        &sim.metadata,
        sim.cfg.seed,
        ttl,
        now,
        req.method(),
        req.uri().path(),
        req.headers(),
    ) {
        return crate::metadata::response(status, body);
    }
    let n = sim.seq.fetch_add(1, Ordering::Relaxed);
    bump(&sim.counters.total);
    // IAM names its request id differently.
    let id_header = if req.uri().path().starts_with("/v3/") {
        "x-iam-trace-id"
    } else {
        "x-request-id"
    };
    let mut resp = respond(&sim, &conn, n, req).await;
    let id = format!("{:016x}{:016x}", hash(&[sim.cfg.seed, 90, n]), n);
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(id_header, v);
    }
    resp
}
