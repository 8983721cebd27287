//! The client: what every query shares, and the one retry loop every
//! operation goes through ([`Client::call`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use tracing::Instrument;

use crate::builder::ClientBuilder;
use crate::classify::{self, Retry};
use crate::concurrency::Concurrency;
use crate::concurrency::{AdaptiveConcurrency, AutoPermit, Sample};
use crate::error::Error;
use crate::error::TimeoutScope;
use crate::limiter::AdaptiveLimiter;
use crate::operation::{Host, Operation};
use crate::retry::RetryConfig;
use crate::retry::{Clock, Jitter};
use crate::transport::Transport;
use crate::usage::DesktopUsageQuery;

/// How many times a request waiting its turn at the rate limiter takes a
/// new one because the rate was lowered meanwhile.
const MAX_NEW_TURNS: u32 = 4;

/// Where the requests of one query take their places in flight (see
/// [`Client::gate`]).
#[derive(Debug)]
pub(crate) enum Gate {
    /// Under the client's adaptive limit, shared by its queries and clones.
    Shared,
    /// The query's own pinned number of places.
    Own(Semaphore),
}

/// The SDK client: cheap to clone (one `Arc`), safe to share between tasks.
///
/// Every operation's request is built by the generated client of
/// `huaweicloud-workspace-api` from the spec, then signed afresh for each
/// attempt (new `X-Sdk-Date`) on its exact bytes, with `X-Project-Id` as the
/// official SDKs send it, and sent through one transport with one retry loop.
///
/// Throttling: besides retrying 429s with backoff, all clones of a client
/// share an adaptive rate limiter (CUBIC, as the AWS SDKs' "adaptive" retry
/// mode): after a 429 it caps the request rate at 70 % of the rate it was
/// sending at, with no saved-up burst, then grows it back along a cubic
/// curve of the time since (back near the old rate in about 2.5 s at 20
/// requests per second), so a throttled client settles just under the
/// service's limit and sees few 429s (`cargo xtask bench`, scenario 3).
/// [`RetryConfig::with_adaptive`] turns it off. While it is on, 429s have
/// their own retry budget, apart from errors' (see [`RetryConfig`]).
///
/// Concurrency: by default ([`Concurrency::Auto`]) the number of requests in
/// flight adapts to the round trips and the 429s, and is shared by all clones
/// of the client; [`ClientBuilder::concurrency`] can pin it.
///
/// ```no_run
/// use huaweicloud_workspace::{Client, Credentials, Region};
///
/// # async fn run() -> Result<(), huaweicloud_workspace::Error> {
/// let client = Client::builder()
///     .region(Region::CN_NORTH_4)
///     .project_id("0123456789abcdef0123456789abcdef")
///     .credentials(Credentials::access_key("AK...", "SK...")?)
///     .build()?;
/// let report = client.desktop_usage().last_days(7).send().await?;
/// println!("{} h in total", report.total_hours());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// The project id, given or to be found through IAM.
pub(crate) enum ProjectId {
    /// Given (builder, `HUAWEICLOUD_SDK_PROJECT_ID`, the profile).
    Fixed(String),
    /// Found on first use with `KeystoneListProjects`: one call for this
    /// client and all its clones (concurrent first callers wait for it);
    /// kept for the client's life. A client has one access key and one
    /// region, so this is the official SDKs' cache per (AK, region).
    Discover {
        region: String,
        found: tokio::sync::OnceCell<String>,
    },
}

impl ProjectId {
    fn known(&self) -> Option<&str> {
        match self {
            ProjectId::Fixed(id) => Some(id),
            ProjectId::Discover { found, .. } => found.get().map(String::as_str),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) api: huaweicloud_workspace_api::Client,
    pub(crate) transport: Transport,
    pub(crate) endpoint: String,
    pub(crate) project: ProjectId,
    /// The generated client on the IAM base URL (for finding the project id).
    pub(crate) iam: Option<huaweicloud_workspace_api::Client>,
    pub(crate) retry: RetryConfig,
    pub(crate) limiter: AdaptiveLimiter,
    pub(crate) operation_timeout: Duration,
    pub(crate) concurrency: Concurrency,
    /// The limit behind [`Concurrency::Auto`] (unused when fixed).
    pub(crate) auto: AdaptiveConcurrency,
    pub(crate) clock: Arc<dyn Clock>,
    /// Backoff jitter, shared by the clones like the limiter.
    pub(crate) jitter: Jitter,
    /// Attempts that succeeded, all clones together: whether the service
    /// works while one request keeps failing.
    pub(crate) successes: AtomicU64,
    /// When a request of the client last succeeded (see `retry::RECENT_SUCCESS`).
    pub(crate) last_success: std::sync::Mutex<Option<Instant>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("project_id", &self.inner.project.known())
            .field("transport", &self.inner.transport)
            .field("retry", &self.inner.retry)
            .field("operation_timeout", &self.inner.operation_timeout)
            .field("concurrency", &self.inner.concurrency)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Starts a desktop-usage query.
    #[doc(alias = "ListUsedDesktopInfo")]
    #[doc(alias = "list_used_desktop_info")]
    pub fn desktop_usage(&self) -> DesktopUsageQuery {
        DesktopUsageQuery::new(self.clone())
    }

    /// The project id requests are made for: the one given, or the one
    /// found through IAM once a request has needed it; `None` before that
    /// (see [`resolve_project_id`](Self::resolve_project_id)).
    pub fn project_id(&self) -> Option<&str> {
        self.inner.project.known()
    }

    /// The project id, asking IAM for it (`KeystoneListProjects`,
    /// `GET {iam}/v3/projects?name={region}`, signed, through the same retry
    /// loop as every request) when it was not given and is not known yet.
    /// One IAM call per client and its clones, however many callers start
    /// at once; a failed lookup is not kept, the next caller asks again.
    ///
    /// Fails with [`Error::ProjectId`] when IAM names no project (most
    /// likely a wrong region) or several for the region.
    pub async fn resolve_project_id(&self) -> Result<&str, Error> {
        match &self.inner.project {
            ProjectId::Fixed(id) => Ok(id),
            ProjectId::Discover { region, found } => {
                let id = found
                    .get_or_try_init(|| async {
                        let op = crate::ops::projects::ProjectsByName { region };
                        let id = self.call(&op).await?;
                        tracing::info!(region = %region, project_id = %id, "found the project id through IAM");
                        Ok::<_, Error>(id)
                    })
                    .await?;
                Ok(id)
            }
        }
    }

    /// The base URL requests go to (no trailing slash).
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The retry policy.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// How many requests the client's queries keep in flight (a query can
    /// override it).
    pub fn concurrency(&self) -> Concurrency {
        self.inner.concurrency
    }

    /// How many requests may be in flight now: the adaptive limit under
    /// [`Concurrency::Auto`] (shared by all clones), else the fixed number.
    pub fn concurrency_limit(&self) -> usize {
        match self.inner.concurrency {
            Concurrency::Auto => self.inner.auto.limit(),
            Concurrency::Fixed(n) => n,
        }
    }

    /// Under [`Concurrency::Auto`], the most requests that were in flight
    /// at once so far (for benchmarks; 0 when fixed). Not part of the stable API.
    #[doc(hidden)]
    pub fn concurrency_peak(&self) -> usize {
        self.inner.auto.peak()
    }

    /// One operation, with retries, within the operation timeout, in the
    /// client's concurrency (the adaptive limit, when it is `Auto`): the
    /// entry point of an operation that holds no permits of its own.
    pub(crate) async fn call<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.call_gated(op, self.inner.concurrency == Concurrency::Auto)
            .await
    }

    /// The places in flight of one query (its own setting, else the
    /// client's), and how wide its streams of pages are: a pinned number (the
    /// query's or the client's) gives the query permits of its own; `auto`
    /// takes places under the client's shared adaptive limit.
    ///
    /// A query that pinned its number never waits for the shared limit: a
    /// stream that is paused (not polled) keeps the places its requests took,
    /// and a query the program runs meanwhile must not wait for them.
    pub(crate) fn gate(&self, pinned: Option<Concurrency>) -> (usize, Gate) {
        match pinned.unwrap_or(self.inner.concurrency) {
            Concurrency::Fixed(n) => (n, Gate::Own(Semaphore::new(n.max(1)))),
            Concurrency::Auto => (Concurrency::AUTO_MAX, Gate::Shared),
        }
    }

    /// [`call`](Self::call) through a query's [`Gate`].
    pub(crate) async fn call_in<O: Operation>(
        &self,
        gate: &Gate,
        op: &O,
    ) -> Result<O::Output, Error> {
        match gate {
            Gate::Own(permits) => {
                // The semaphore is never closed.
                let _permit = permits.acquire().await.ok();
                self.call_gated(op, false).await
            }
            Gate::Shared => self.call_gated(op, true).await,
        }
    }

    /// [`call`](Self::call), by the adaptive limit or not (a query that
    /// pinned its own concurrency holds its own permits).
    pub(crate) async fn call_gated<O: Operation>(
        &self,
        op: &O,
        adaptive: bool,
    ) -> Result<O::Output, Error> {
        // Outside the operation timeout: the IAM call has its own.
        let project = match O::HOST {
            Host::Workspace => Some(Box::pin(self.resolve_project_id()).await?),
            Host::Iam => None,
        };
        let attempts = AtomicU32::new(0);
        let timeout = self.inner.operation_timeout;
        let gate = adaptive.then_some(&self.inner.auto);
        let retries = self.call_with_retries(op, project, &attempts, gate);
        match tokio::time::timeout(timeout, retries).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                scope: TimeoutScope::Operation,
                after: timeout,
                attempts: attempts.load(Ordering::Relaxed),
            }),
        }
    }

    async fn call_with_retries<O: Operation>(
        &self,
        op: &O,
        project: Option<&str>,
        attempts: &AtomicU32,
        gate: Option<&AdaptiveConcurrency>,
    ) -> Result<O::Output, Error> {
        let inner = &*self.inner;
        let retry = &inner.retry;
        let clock = &*inner.clock;
        let deadline = clock.now() + inner.operation_timeout;
        let successes_before = inner.successes.load(Ordering::Relaxed);
        // Every attempt, of either kind: the span's `attempt` and the final
        // error's `attempts`.
        let mut attempt = 0u32;
        // The error budget (`max_attempts`, or more while other requests
        // succeed): 5xx, gateways' HTML, resets, timeouts; and 429s when the
        // limiter is off.
        let mut errors = 0u32;
        // The throttling budget (`max_throttled_attempts`): 429s while the
        // limiter slows the client down; they never spend the error budget.
        let mut throttled = 0u32;
        loop {
            attempt += 1;
            attempts.store(attempt, Ordering::Relaxed);
            let permit: Option<AutoPermit<'_>> = match gate {
                Some(auto) => Some(auto.acquire().await),
                None => None,
            };
            let mut admitted = clock.now();
            if retry.adaptive {
                // A turn given before a decrease was paced by the old rate:
                // take a new one at the new rate (a few times at most).
                for _ in 0..MAX_NEW_TURNS {
                    let turn = inner.limiter.reserve(admitted);
                    if turn.is_zero() {
                        break;
                    }
                    clock.sleep(turn).await;
                    if !inner.limiter.decreased_since(admitted) {
                        break;
                    }
                    admitted = clock.now();
                }
            }
            let span = tracing::info_span!(
                "workspace.request",
                operation = O::NAME,
                attempt,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let sent = clock.now();
            let outcome = self.attempt(op, project).instrument(span.clone()).await;
            let now = clock.now();
            let failure = match outcome {
                Ok(output) => {
                    inner.successes.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut last) = inner.last_success.lock() {
                        *last = Some(now);
                    }
                    if retry.adaptive {
                        inner.limiter.on_success(admitted, now);
                    }
                    if let Some(permit) = permit {
                        permit.release(Sample::Ok(now.saturating_duration_since(sent)), now);
                    }
                    return Ok(output);
                }
                Err(failure) => failure,
            };
            let kind = failure.retry();
            if let Some(permit) = permit {
                let sample = match kind {
                    Retry::Throttle => Sample::Throttled(admitted),
                    _ => Sample::Error,
                };
                permit.release(sample, now);
            }
            let (failures, budget) = match kind {
                Retry::Never => return Err(failure.into_error(attempt)),
                Retry::Throttle if retry.adaptive => {
                    inner.limiter.on_throttle(admitted, now);
                    throttled += 1;
                    (throttled, retry.max_throttled_attempts)
                }
                Retry::Throttle | Retry::Transient => {
                    errors += 1;
                    let recently = inner
                        .last_success
                        .lock()
                        .ok()
                        .and_then(|last| *last)
                        .is_some_and(|at| {
                            now.saturating_duration_since(at) <= crate::retry::RECENT_SUCCESS
                        });
                    let others_succeed =
                        recently || inner.successes.load(Ordering::Relaxed) > successes_before;
                    let budget = if others_succeed {
                        retry
                            .max_attempts
                            .max(retry.max_attempts_while_others_succeed)
                    } else {
                        retry.max_attempts
                    };
                    (errors, budget)
                }
            };
            if failures >= budget {
                return Err(failure.into_error(attempt));
            }
            let delay = retry.backoff(
                failures,
                kind == Retry::Throttle,
                failure.retry_after(clock.wall()),
                &inner.jitter,
            );
            // A wait that would end past the operation's deadline only
            // turns this failure into a timeout: report the failure now.
            if now + delay >= deadline {
                return Err(failure.into_error(attempt));
            }
            // `reason`, `delay_ms`, `retry` and `of` let a tool say this as
            // a sentence ("throttled (HTTP 429), retrying in 2 s (2 of 5)");
            // `error` is the whole error for the structured log lines.
            span.in_scope(|| {
                tracing::warn!(
                    reason = %failure.summary(),
                    delay_ms = delay.as_millis() as u64,
                    retry = failures + 1,
                    of = budget,
                    error = %failure.into_error(attempt),
                    "attempt failed, retrying"
                );
            });
            clock.sleep(delay).await;
        }
    }

    /// One attempt: build the request from the spec, send it, decode the answer.
    async fn attempt<O: Operation>(
        &self,
        op: &O,
        project: Option<&str>,
    ) -> Result<O::Output, classify::Failure> {
        let inner = &*self.inner;
        let started = Instant::now();
        let api = match O::HOST {
            Host::Workspace => &inner.api,
            Host::Iam => inner.iam.as_ref().ok_or_else(|| {
                classify::Failure::Refused(Error::invalid(
                    "iam_endpoint",
                    "no IAM endpoint is configured for this client",
                ))
            })?,
        };
        let request = op
            .request(api, project.unwrap_or_default())
            .map_err(classify::Failure::Refused)?;
        let answer = inner.transport.send(request, project).await;
        let span = tracing::Span::current();
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        let outcome = answer.and_then(|answer| {
            span.record("status", answer.status);
            if let Some(id) = &answer.request_id {
                span.record("request_id", id.as_str());
            }
            crate::operation::decode(op, &answer)
        });
        match &outcome {
            Ok(_) => tracing::debug!("ok"),
            Err(f) => tracing::debug!(failure = ?f, "attempt failed"),
        }
        outcome
    }
}
