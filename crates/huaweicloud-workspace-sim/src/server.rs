//! The HTTP server: routing, authentication, throttling, faults, answers.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use chrono::Utc;
use http::{HeaderValue, StatusCode, header};
use huaweicloud_signer::{AccessKeyCredentials, Secret, VerifyError, VerifyOptions};
use subtle::ConstantTimeEq;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::fleet::{DailyCache, Fleet, hash, unit};
use crate::params::QueryParams;
use crate::{
    FaultKind, FaultPattern, Operation, SimError, SimulatorBuilder, desktops, metrics, query,
};

/// How many requests ended each way, since start. A snapshot.
///
/// `total` counts every request; each one also lands in exactly one of
/// `ok`, `validation_rejected`, `auth_failed`, `forbidden`, `throttled`,
/// `not_found`, `method_not_allowed`, or `faults_injected` (whose slow
/// responses are then answered and counted as they end, too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every request received.
    pub total: u64,
    /// Answered 200.
    pub ok: u64,
    /// Refused by validation (400 `WKS.0001`).
    pub validation_rejected: u64,
    /// Refused by authentication (401).
    pub auth_failed: u64,
    /// Refused with a 403: a project id that is not the simulator's, or
    /// the desktop list under [`crate::SimulatorBuilder::deny_inventory`].
    pub forbidden: u64,
    /// Faults injected (see [`crate::FaultConfig`]), slow responses included.
    pub faults_injected: u64,
    /// Refused by the rate limit (429), not counting injected 429s.
    pub throttled: u64,
    /// Unknown path (404).
    pub not_found: u64,
    /// Other method on the right path (405).
    pub method_not_allowed: u64,
}

#[derive(Default)]
struct Counters {
    total: AtomicU64,
    ok: AtomicU64,
    validation_rejected: AtomicU64,
    auth_failed: AtomicU64,
    forbidden: AtomicU64,
    faults_injected: AtomicU64,
    throttled: AtomicU64,
    not_found: AtomicU64,
    method_not_allowed: AtomicU64,
    per_operation: [AtomicU64; Operation::ALL.len()],
    /// Microseconds of configured latency slept, over all requests.
    latency_micros: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            total: g(&self.total),
            ok: g(&self.ok),
            validation_rejected: g(&self.validation_rejected),
            auth_failed: g(&self.auth_failed),
            forbidden: g(&self.forbidden),
            faults_injected: g(&self.faults_injected),
            throttled: g(&self.throttled),
            not_found: g(&self.not_found),
            method_not_allowed: g(&self.method_not_allowed),
        }
    }
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Failures in a row that lock an access key, and for how long.
const LOCK_AFTER: u32 = 5;
const LOCK_FOR: Duration = Duration::from_secs(300);
/// The largest body read.
const MAX_BODY: usize = 4 << 20;

struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Default)]
struct Failures {
    in_a_row: u32,
    locked_until: Option<Instant>,
}

struct Shared {
    cfg: SimulatorBuilder,
    ak: String,
    sk: Secret,
    fleet: Fleet,
    daily: DailyCache,
    counters: Counters,
    seq: AtomicU64,
    /// Requests that reached the faults (authenticated, under the rate
    /// limit): the count a [`FaultPattern`] goes by.
    faultable: AtomicU64,
    buckets: Mutex<HashMap<String, Bucket>>,
    failures: Mutex<HashMap<String, Failures>>,
    metadata: crate::metadata::MetadataState,
}

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

fn credentials(shared: &Shared) -> AccessKeyCredentials {
    // The pair was validated at start, so this cannot fail; fall back to the
    // raw constructor path anyway rather than panic.
    let creds = match AccessKeyCredentials::new(shared.ak.clone(), shared.sk.clone()) {
        Ok(c) => c,
        Err(_) => unreachable_credentials(),
    };
    match &shared.cfg.security_token {
        Some(t) => creds.with_security_token(t.clone()),
        None => creds,
    }
}

#[allow(clippy::expect_used)]
fn unreachable_credentials() -> AccessKeyCredentials {
    AccessKeyCredentials::new("SIMAK", "SIMSK").expect("constant credentials are valid")
}

/// The default AK/SK for a seed.
fn default_keys(seed: u64) -> (String, String) {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let chars = |tag: u64, n: usize| -> String {
        (0..n as u64)
            .map(|i| ALPHABET[(hash(&[seed, tag, i]) % ALPHABET.len() as u64) as usize] as char)
            .collect()
    };
    (
        format!("SIMAK{}", chars(100, 15)),
        format!("SIMSK{}", chars(101, 35)),
    )
}

pub(crate) async fn start(cfg: SimulatorBuilder) -> Result<RunningSimulator, SimError> {
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
        counters: Counters::default(),
        seq: AtomicU64::new(0),
        faultable: AtomicU64::new(0),
        buckets: Mutex::new(HashMap::new()),
        failures: Mutex::new(HashMap::new()),
        metadata: crate::metadata::MetadataState::default(),
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

// ---------------------------------------------------------------------------
// Connections that can be reset on demand.

struct SimListener(TcpListener);

impl Listener for SimListener {
    type Io = ResettableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let io = ResettableStream {
                        inner: stream,
                        reset: Arc::new(AtomicBool::new(false)),
                    };
                    return (io, addr);
                }
                // Out of file descriptors and the like: wait, then retry.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A TCP stream that, once its flag is set, fails every read and write and
/// closes with a zero linger, so the peer sees a reset.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl ResettableStream {
    fn check(&self) -> io::Result<()> {
        if self.reset.load(Ordering::Relaxed) {
            let _ = self.inner.set_zero_linger();
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        Ok(())
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// Per-connection handle given to the handler.
#[derive(Clone)]
struct ConnCtl {
    reset: Arc<AtomicBool>,
}

impl Connected<IncomingStream<'_, SimListener>> for ConnCtl {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        ConnCtl {
            reset: stream.io().reset.clone(),
        }
    }
}

// ---------------------------------------------------------------------------
// The handler.

fn error_body(code: &str, msg: &str, detail: Option<&str>) -> String {
    let mut v = serde_json::json!({ "error_code": code, "error_msg": msg });
    if let (Some(d), Some(obj)) = (detail, v.as_object_mut()) {
        obj.insert("error_detail".to_string(), d.into());
    }
    v.to_string()
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

fn error(status: StatusCode, code: &str, msg: &str, detail: Option<&str>) -> Response {
    json_response(status, error_body(code, msg, detail))
}

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

async fn respond(sim: &Shared, conn: &ConnCtl, n: u64, req: Request) -> Response {
    let seed = sim.cfg.seed;
    let (fixed, jitter) = sim.cfg.latency;
    if !fixed.is_zero() || !jitter.is_zero() {
        let delay = fixed + jitter.mul_f64(unit(hash(&[seed, 70, n])));
        tokio::time::sleep(delay).await;
        let micros = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
        sim.counters
            .latency_micros
            .fetch_add(micros, Ordering::Relaxed);
    }

    // Routing.
    let Some((op, project)) = route(req.uri().path()).map(|(op, p)| (op, p.to_string())) else {
        bump(&sim.counters.not_found);
        return error(
            StatusCode::NOT_FOUND,
            "APIG.0101",
            "The API does not exist or has not been published in the environment.",
            None,
        );
    };
    if req.method() != op.method() {
        bump(&sim.counters.method_not_allowed);
        let allowed = op.method();
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "APIG.0101",
            &format!(
                "The API does not exist for method {}: use {allowed}.",
                req.method()
            ),
            None,
        );
        if let Ok(v) = HeaderValue::from_str(allowed.as_str()) {
            r.headers_mut().insert(header::ALLOW, v);
        }
        return r;
    }
    bump(&sim.counters.per_operation[op.index()]);

    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            bump(&sim.counters.validation_rejected);
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "WKS.0001",
                &format!("The request is invalid: the body is larger than {MAX_BODY} bytes."),
                None,
            );
        }
    };

    // Authentication.
    let identity = match authenticate(sim, &parts, &body) {
        Ok(id) => id,
        Err(resp) => {
            bump(&sim.counters.auth_failed);
            return *resp;
        }
    };
    // IAM's project list is asked before the project id is known.
    if op != Operation::KeystoneListProjects
        && project
            .as_bytes()
            .ct_eq(sim.cfg.project_id.as_bytes())
            .unwrap_u8()
            != 1
    {
        bump(&sim.counters.forbidden);
        return error(
            StatusCode::FORBIDDEN,
            "APIG.0302",
            "The IAM user is not authorized to access the API: the project id in the path is not the credentials' project.",
            None,
        );
    }

    // Rate limit.
    if let Some(per_second) = sim.cfg.rate_limit
        && !take_token(sim, &identity, per_second)
    {
        bump(&sim.counters.throttled);
        return throttled();
    }

    // Faults.
    let faults = &sim.cfg.faults;
    let kinds: &[FaultKind] = if faults.kinds.is_empty() {
        &FaultKind::ALL
    } else {
        &faults.kinds
    };
    let fault = match faults.pattern {
        Some(pattern) => {
            let i = sim.faultable.fetch_add(1, Ordering::Relaxed) + 1;
            pattern
                .fault_index(i)
                .map(|f| kinds[(f % kinds.len() as u64) as usize])
        }
        None => (faults.rate > 0.0 && unit(hash(&[seed, 50, n])) < faults.rate)
            .then(|| kinds[(hash(&[seed, 51, n]) % kinds.len() as u64) as usize]),
    };
    if let Some(kind) = fault {
        bump(&sim.counters.faults_injected);
        match kind {
            FaultKind::Throttle429 => return throttled(),
            FaultKind::Internal500 => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "WKS.9999",
                    "Internal server error.",
                    None,
                );
            }
            FaultKind::BadGateway502Html => {
                let mut r = Response::new(Body::from(BAD_GATEWAY_HTML));
                *r.status_mut() = StatusCode::BAD_GATEWAY;
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                return r;
            }
            FaultKind::Unavailable503Empty => {
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                return r;
            }
            FaultKind::ResetConnection => {
                conn.reset.store(true, Ordering::Relaxed);
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                return r;
            }
            FaultKind::SlowResponse => tokio::time::sleep(faults.slow).await,
        }
    }

    if op == Operation::ListDesktops && sim.cfg.deny_inventory {
        bump(&sim.counters.forbidden);
        return inventory_denied(seed, n);
    }

    // Validation and the answer.
    let today = sim.cfg.today.unwrap_or_else(|| Utc::now().date_naive());
    let answer = match op {
        Operation::ListUsedDesktopInfo => query::parse(&body, today)
            .map(|q| query::answer(&sim.fleet, &sim.daily, &q, sim.cfg.string_hours)),
        Operation::ListDesktopUsageMetric => QueryParams::parse(parts.uri.query())
            .and_then(|q| metrics::desktops(&sim.fleet, &sim.daily, &q, today)),
        Operation::ListUserUsageMetric => QueryParams::parse(parts.uri.query())
            .and_then(|q| metrics::users(&sim.fleet, &sim.daily, &q, today)),
        Operation::ListDesktops => QueryParams::parse(parts.uri.query())
            .and_then(|q| desktops::answer(&sim.fleet, &q, today)),
        Operation::KeystoneListProjects => {
            QueryParams::parse(parts.uri.query()).map(|q| projects_answer(sim, q.get("name")))
        }
    };
    match answer {
        Ok(body) => {
            bump(&sim.counters.ok);
            json_response(StatusCode::OK, body)
        }
        Err(msg) => {
            bump(&sim.counters.validation_rejected);
            error(StatusCode::BAD_REQUEST, "WKS.0001", &msg, None)
        }
    }
}

/// Which operation a path names, and the project id in it.
fn route(path: &str) -> Option<(Operation, &str)> {
    let segments: Vec<&str> = path.split('/').collect();
    let (op, project) = match segments.as_slice() {
        ["", "v2", project, "desktops", "statistics", "used"] => {
            (Operation::ListUsedDesktopInfo, *project)
        }
        ["", "v2", project, "statistics", "metrics", "desktops"] => {
            (Operation::ListDesktopUsageMetric, *project)
        }
        ["", "v2", project, "statistics", "metrics", "users"] => {
            (Operation::ListUserUsageMetric, *project)
        }
        ["", "v2", project, "desktops"] => (Operation::ListDesktops, *project),
        ["", "v3", "projects"] => return Some((Operation::KeystoneListProjects, "")),
        _ => return None,
    };
    (!project.is_empty()).then_some((op, project))
}

/// IAM's project list: the simulator's project when `name` is its region,
/// nothing for any other name.
fn projects_answer(sim: &Shared, name: Option<&str>) -> String {
    let projects = if name == Some(sim.cfg.region.as_str()) {
        vec![serde_json::json!({
            "id": sim.cfg.project_id,
            "name": sim.cfg.region,
            "domain_id": "simdomain0000000000000000000000",
            "enabled": true,
        })]
    } else {
        Vec::new()
    };
    serde_json::json!({ "projects": projects }).to_string()
}

/// The 403 of a policy that allows the statistics but not the desktop list.
fn inventory_denied(seed: u64, n: u64) -> Response {
    let reason = format!(
        "{{\"action\":\"workspace:desktops:list\",\"decision\":\"deny\",\"request\":\"{:016x}\"}}",
        hash(&[seed, 91, n])
    );
    let body = serde_json::json!({
        "error_code": "WKS.0003",
        "error_msg": "Policy doesn't allow workspace:desktops:list to be performed.",
        "encoded_authorization_message": base64(reason.as_bytes()),
    });
    json_response(StatusCode::FORBIDDEN, body.to_string())
}

/// Standard base64 with padding (no dependency for a dozen lines).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

fn throttled() -> Response {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute",
        None,
    )
}

fn take_token(sim: &Shared, identity: &str, per_second: f64) -> bool {
    let burst = per_second.max(1.0);
    let now = Instant::now();
    let mut buckets = match sim.buckets.lock() {
        Ok(b) => b,
        Err(poisoned) => poisoned.into_inner(),
    };
    let b = buckets.entry(identity.to_string()).or_insert(Bucket {
        tokens: burst,
        at: now,
    });
    let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
    b.tokens = (b.tokens + elapsed * per_second).min(burst);
    b.at = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        true
    } else {
        false
    }
}

/// Returns the identity to rate-limit on, or the 401 to send.
fn authenticate(
    sim: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<String, Box<Response>> {
    let unauthorized = |code: &str, msg: &str, detail: &str| {
        Box::new(error(StatusCode::UNAUTHORIZED, code, msg, Some(detail)))
    };
    if let Some(token) = parts.headers.get("x-auth-token") {
        let got = token.as_bytes();
        for (i, t) in sim.cfg.iam_tokens.iter().enumerate() {
            if got.ct_eq(t.expose().as_bytes()).unwrap_u8() == 1 {
                return Ok(format!("iam-token#{i}"));
            }
        }
        return Err(unauthorized(
            "APIG.0301",
            "Incorrect IAM authentication information: verify token fail",
            "the X-Auth-Token is not valid",
        ));
    }

    let claimed = claimed_access_key(&parts.headers);
    if let Some(ak) = &claimed
        && sim.cfg.lockout
        && is_locked(sim, ak)
    {
        return Err(unauthorized(
            "APIG.0301",
            "Incorrect IAM authentication information: the access key is locked after repeated signature failures, retry in 5 minutes",
            "access key locked",
        ));
    }
    let now = sim.cfg.now.unwrap_or_else(Utc::now);
    let opts = VerifyOptions {
        now,
        max_skew: chrono::Duration::minutes(15),
    };
    // The metadata service's temporary keys, while they last.
    let temporary = claimed
        .as_deref()
        .filter(|ak| *ak != sim.ak)
        .and_then(|ak| sim.metadata.lookup(ak, now));
    let result = huaweicloud_signer::verify(
        &parts.method,
        &parts.uri,
        &parts.headers,
        body,
        &opts,
        |ak| {
            if ak == sim.ak {
                Some(sim.sk.clone())
            } else {
                temporary.as_ref().map(|(sk, _)| sk.clone())
            }
        },
    );
    let required_token = match &temporary {
        Some((_, token)) => Some(token),
        None => sim.cfg.security_token.as_ref(),
    };
    match result {
        Ok(verified) => {
            if let Some(token) = required_token {
                let sent = parts.headers.get("x-security-token");
                let signed = verified
                    .signed_headers
                    .iter()
                    .any(|h| h == "x-security-token");
                let equal = sent.is_some_and(|s| {
                    s.as_bytes().ct_eq(token.expose().as_bytes()).unwrap_u8() == 1
                });
                if !(signed && equal) {
                    note_failure(sim, &verified.access_key);
                    return Err(unauthorized(
                        "APIG.0301",
                        "Incorrect IAM authentication information: verify security token fail",
                        "X-Security-Token missing, unsigned or not valid",
                    ));
                }
            }
            note_success(sim, &verified.access_key);
            Ok(format!("ak:{}", verified.access_key))
        }
        Err(err) => {
            if let Some(ak) = &claimed
                && matches!(err, VerifyError::SignatureMismatch)
            {
                note_failure(sim, ak);
            }
            let detail = err.to_string();
            Err(match err {
                VerifyError::DateSkewed { .. } => unauthorized(
                    "APIG.0303",
                    "Incorrect app authentication information: the X-Sdk-Date is more than 15 minutes off",
                    &detail,
                ),
                VerifyError::MissingAuthorization => unauthorized(
                    "APIG.0301",
                    "Incorrect IAM authentication information: no Authorization or X-Auth-Token header",
                    &detail,
                ),
                _ => unauthorized(
                    "APIG.0301",
                    "Incorrect IAM authentication information: verify aksk signature fail",
                    &detail,
                ),
            })
        }
    }
}

/// The `Access=` value of the Authorization header, when it parses.
fn claimed_access_key(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    huaweicloud_signer::parse_authorization(value)
        .ok()
        .map(|p| p.access_key)
}

fn lock_failures(sim: &Shared) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
    match sim.failures.lock() {
        Ok(f) => f,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn is_locked(sim: &Shared, ak: &str) -> bool {
    let mut failures = lock_failures(sim);
    match failures.get_mut(ak) {
        Some(f) => match f.locked_until {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                *f = Failures::default();
                false
            }
            None => false,
        },
        None => false,
    }
}

fn note_failure(sim: &Shared, ak: &str) {
    if !sim.cfg.lockout {
        return;
    }
    let mut failures = lock_failures(sim);
    // Bound the map: a flood of random access keys must not grow it forever.
    if failures.len() > 10_000 && !failures.contains_key(ak) {
        return;
    }
    let f = failures.entry(ak.to_string()).or_default();
    f.in_a_row += 1;
    if f.in_a_row >= LOCK_AFTER {
        f.locked_until = Some(Instant::now() + LOCK_FOR);
    }
}

fn note_success(sim: &Shared, ak: &str) {
    if sim.cfg.lockout {
        lock_failures(sim).remove(ak);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keys_look_like_keys() {
        let (ak, sk) = default_keys(1);
        assert_eq!(ak.len(), 20);
        assert_eq!(sk.len(), 40);
        assert!(ak.starts_with("SIMAK") && sk.starts_with("SIMSK"));
        assert_eq!(default_keys(1), (ak.clone(), sk));
        assert_ne!(default_keys(2).0, ak);
    }
}
