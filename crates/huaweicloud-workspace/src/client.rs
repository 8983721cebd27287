//! The client: what every query shares, and the one retry loop every
//! operation goes through ([`Client::call`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tracing::Instrument;

use crate::classify::{self, Retry};
use crate::error::TimeoutScope;
use crate::operation::{Host, Operation};
use crate::retry::AdaptiveLimiter;
use crate::transport::Transport;
use crate::{ClientBuilder, DesktopUsageQuery, Error, RetryConfig};

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
/// [`RetryConfig::with_adaptive`] turns it off.
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
    pub(crate) concurrency: usize,
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

    /// The default number of requests a query keeps in flight.
    pub fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    /// One operation, with retries, within the operation timeout.
    pub(crate) async fn call<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        // Outside the operation timeout: the IAM call has its own.
        let project = match O::HOST {
            Host::Workspace => Some(Box::pin(self.resolve_project_id()).await?),
            Host::Iam => None,
        };
        let attempts = AtomicU32::new(0);
        let timeout = self.inner.operation_timeout;
        match tokio::time::timeout(timeout, self.call_with_retries(op, project, &attempts)).await {
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
    ) -> Result<O::Output, Error> {
        let inner = &*self.inner;
        let retry = &inner.retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            attempts.store(attempt, Ordering::Relaxed);
            let admitted = if retry.adaptive {
                inner.limiter.acquire().await
            } else {
                Instant::now()
            };
            let span = tracing::info_span!(
                "workspace.request",
                operation = O::NAME,
                attempt,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let outcome = self.attempt(op, project).instrument(span.clone()).await;
            let failure = match outcome {
                Ok(output) => {
                    if retry.adaptive {
                        inner.limiter.on_success();
                    }
                    return Ok(output);
                }
                Err(failure) => failure,
            };
            let kind = failure.retry();
            if kind == Retry::Throttle && retry.adaptive {
                inner.limiter.on_throttle(admitted);
            }
            if kind == Retry::Never || attempt >= retry.max_attempts {
                return Err(failure.into_error(attempt));
            }
            let delay = retry.backoff(
                attempt,
                kind == Retry::Throttle,
                failure.retry_after(chrono::Utc::now()),
            );
            span.in_scope(|| {
                tracing::warn!(
                    error = %failure.into_error(attempt),
                    delay_ms = delay.as_millis() as u64,
                    "attempt failed, retrying"
                );
            });
            tokio::time::sleep(delay).await;
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
