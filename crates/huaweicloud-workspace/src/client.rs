//! The client: configuration, signing executor, and one API call with retries.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use huaweicloud_signer::Credentials;
use huaweicloud_workspace_api::hooks::{BoxFuture, Executor, HookError, Hooks};
use huaweicloud_workspace_api::types::{
    ErrorResponse, ListUsedDesktopInfoReq, ListUsedDesktopInfoResponse,
};
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use tracing::Instrument;

use crate::error::{TimeoutScope, body_prefix};
use crate::retry::AdaptiveLimiter;
use crate::{DesktopUsageQuery, Error, Region, RetryConfig};

/// Pages fetched at the same time by default (see [`ClientBuilder::concurrency`]).
///
/// Chosen from `cargo xtask bench` (`BENCHMARKS.md`, section 6): at 8, a year
/// of 2,000 desktops behind 50 ms of latency takes within 1.1× of its floor
/// (one round trip per 8 pages), and against a 20 requests/s limit the
/// adaptive limiter keeps the 429s to about 2 % of the requests. At 16 the
/// latency-bound year is about 1.6× faster, but 6 to 7 % of the requests are
/// throttled (each wave of 429s is as large as the number of requests in
/// flight); at 32, about 20 % for little more speed; at 64 the throttled year fails
/// (three attempts are too few for a wave of 64 429s) and the latency-bound
/// one is no faster. Raise it with [`ClientBuilder::concurrency`] when the
/// account's limit is known to be high.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The largest response body read, in bytes (16 MiB). A full page of 100
/// desktops × 31 days × 24 hours is about 4 MiB; a larger body is refused as
/// [`Error::InvalidResponse`] rather than read into memory.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit for one attempt (request sent to body read).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit for one API call, all attempts and waits included.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(300);
/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str =
    concat!("huaweicloud-workspace-rs/", env!("CARGO_PKG_VERSION"));

type EnvGetter = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Configures and builds a [`Client`]; see [`Client::builder`].
pub struct ClientBuilder {
    region: Option<Region>,
    endpoint: Option<String>,
    project_id: Option<String>,
    credentials: Option<Credentials>,
    connect_timeout: Option<Duration>,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    user_agent: Option<String>,
    root_certificates: Vec<Vec<u8>>,
    retry: RetryConfig,
    concurrency: usize,
    http_client: Option<reqwest::Client>,
    env: EnvGetter,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("project_id", &self.project_id)
            .field("credentials", &self.credentials)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("user_agent", &self.user_agent)
            .field("root_certificates", &self.root_certificates.len())
            .field("retry", &self.retry)
            .field("concurrency", &self.concurrency)
            .field("http_client", &self.http_client.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            region: None,
            endpoint: None,
            project_id: None,
            credentials: None,
            connect_timeout: None,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            user_agent: None,
            root_certificates: Vec::new(),
            retry: RetryConfig::default(),
            concurrency: DEFAULT_CONCURRENCY,
            http_client: None,
            env: Arc::new(|name| std::env::var(name).ok()),
        }
    }
}

impl ClientBuilder {
    /// The region, e.g. `Region::CN_NORTH_4` or `"cn-north-4"`. Its endpoint
    /// is `https://workspace.{region}.myhuaweicloud.com`, unless the variable
    /// `HUAWEICLOUD_SDK_REGION_WORKSPACE_{REGION}` (as in the official SDKs,
    /// e.g. `..._CN_NORTH_4`) gives another URL.
    pub fn region(mut self, region: impl Into<Region>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The base URL of the service (`http` or `https`), overriding the region's.
    pub fn endpoint(mut self, url: impl AsRef<str>) -> Self {
        self.endpoint = Some(url.as_ref().to_string());
        self
    }

    /// The project id (a region's tenant). Without it, the credential source's
    /// project id is used (`HUAWEICLOUD_SDK_PROJECT_ID` or the profile's `project_id`).
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Explicit credentials. Without them, the environment
    /// (`HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`)
    /// is tried, then the profile file (`HUAWEICLOUD_SDK_CREDENTIALS_FILE` or
    /// `~/.huaweicloud/credentials`). An IAM token is sent as `X-Auth-Token`
    /// instead of signing.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Limit for one attempt, from sending to the whole body read (default 60 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Limit for one API call (one page), all attempts and backoff waits
    /// included (default 300 s).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// The `User-Agent` sent (and signed); default `huaweicloud-workspace-rs/{version}`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Trusts one more root certificate (PEM; a bundle of several is fine),
    /// beside the built-in roots.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.root_certificates.push(pem.to_vec());
        self
    }

    /// The retry policy (default: [`RetryConfig::default`], 3 attempts).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// How many requests a query keeps in flight by default (default
    /// [`DEFAULT_CONCURRENCY`]); a query can override it.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sends through this `reqwest::Client` (its own TLS, proxy, pool settings).
    /// Cannot be combined with [`connect_timeout`](Self::connect_timeout) or
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem), which
    /// configure a client this crate builds.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Reads environment variables through `get` instead of the process
    /// environment (for the credential chain and the region override); for tests.
    pub fn env(mut self, get: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Arc::new(get);
        self
    }

    /// Checks everything and builds the client.
    ///
    /// Fails with [`Error::InvalidInput`] naming the setting when one is
    /// missing or malformed, or [`Error::Credentials`] when no credentials are found.
    pub fn build(self) -> Result<Client, Error> {
        if self.retry.max_attempts == 0 {
            return Err(Error::invalid(
                "retry.max_attempts",
                "must be at least 1, got 0",
            ));
        }
        if self.concurrency == 0 {
            return Err(Error::invalid("concurrency", "must be at least 1, got 0"));
        }
        for (field, value) in [
            ("attempt_timeout", Some(self.attempt_timeout)),
            ("operation_timeout", Some(self.operation_timeout)),
            ("connect_timeout", self.connect_timeout),
        ] {
            if value == Some(Duration::ZERO) {
                return Err(Error::invalid(field, "must be longer than zero"));
            }
        }
        let endpoint = self.resolve_endpoint()?;

        let (credentials, source_project) = match self.credentials {
            Some(c) => (c, None),
            None => {
                let env = Arc::clone(&self.env);
                let resolved = huaweicloud_signer::chain_with(move |k| env(k))?;
                (resolved.credentials, resolved.project_id)
            }
        };
        let project_id = self.project_id.or(source_project).ok_or_else(|| {
            Error::invalid(
                "project_id",
                "is required: set it on the builder, in HUAWEICLOUD_SDK_PROJECT_ID or in the profile's project_id",
            )
        })?;
        check_project_id(&project_id)?;

        let user_agent = self
            .user_agent
            .unwrap_or_else(|| DEFAULT_USER_AGENT.to_string());
        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::invalid(
                "user_agent",
                "must be visible ASCII text without line breaks",
            )
        })?;

        let connect_timeout = match self.http_client {
            Some(_) => None,
            None => Some(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)),
        };
        let http = match self.http_client {
            Some(client) => {
                if self.connect_timeout.is_some() || !self.root_certificates.is_empty() {
                    return Err(Error::invalid(
                        "http_client",
                        "cannot be combined with connect_timeout or add_root_certificate_pem: configure the reqwest::Client itself",
                    ));
                }
                client
            }
            None => {
                let mut certs = Vec::new();
                for (i, pem) in self.root_certificates.iter().enumerate() {
                    let bundle = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                        Error::invalid(
                            "root_certificate",
                            format!("PEM #{} is not valid: {e}", i + 1),
                        )
                    })?;
                    if bundle.is_empty() {
                        return Err(Error::invalid(
                            "root_certificate",
                            format!("PEM #{} holds no CERTIFICATE block", i + 1),
                        ));
                    }
                    certs.extend(bundle);
                }
                let mut builder = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT));
                if !certs.is_empty() {
                    builder = builder.tls_certs_merge(certs);
                }
                builder.build().map_err(|e| {
                    Error::invalid(
                        "http_client",
                        format!("could not build the HTTP client: {}", error_chain(&e)),
                    )
                })?
            }
        };

        let executor = Arc::new(SigningExecutor {
            credentials: credentials.clone(),
            project_id: project_id.clone(),
            user_agent,
        });
        let api = huaweicloud_workspace_api::Client::new_with_client(
            &endpoint,
            http,
            Hooks::with_executor(executor),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                api,
                endpoint,
                project_id,
                credentials,
                retry: self.retry,
                limiter: AdaptiveLimiter::new(),
                attempt_timeout: self.attempt_timeout,
                operation_timeout: self.operation_timeout,
                connect_timeout,
                concurrency: self.concurrency,
            }),
        })
    }

    fn resolve_endpoint(&self) -> Result<String, Error> {
        if let Some(url) = &self.endpoint {
            return check_endpoint("endpoint", url);
        }
        let Some(region) = &self.region else {
            return Err(Error::invalid(
                "region",
                "a region (e.g. cn-north-4) or an endpoint is required",
            ));
        };
        region.check()?;
        let var = region.override_variable();
        match (self.env)(&var) {
            Some(url) if !url.trim().is_empty() => {
                // The field is named after the variable that was wrong.
                check_endpoint(
                    "region endpoint override (HUAWEICLOUD_SDK_REGION_WORKSPACE_*)",
                    url.trim(),
                )
            }
            _ => Ok(region.endpoint()),
        }
    }
}

fn check_endpoint(field: &'static str, text: &str) -> Result<String, Error> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| Error::invalid(field, format!("not a URL ({e}): {text:?}")))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(Error::invalid(
            field,
            format!("the scheme must be http or https, got {:?}", url.scheme()),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(
            field,
            format!("the URL has no host: {text:?}"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(
            field,
            "must not have a query string or fragment",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            field,
            "must not hold a user name or password",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn check_project_id(id: &str) -> Result<(), Error> {
    if id.trim().is_empty() {
        return Err(Error::invalid("project_id", "must not be empty or blank"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::invalid(
            "project_id",
            format!(
                "must be letters, digits, '-' or '_' (like 0123456789abcdef0123456789abcdef), got {id:?}"
            ),
        ));
    }
    Ok(())
}

/// The SDK client: cheap to clone (one `Arc`), safe to share between tasks.
///
/// Requests go through the generated client of `huaweicloud-workspace-api`;
/// each attempt is signed afresh (new `X-Sdk-Date`) on the exact body bytes,
/// with `X-Project-Id` as the official SDKs send it.
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

pub(crate) struct Inner {
    api: huaweicloud_workspace_api::Client,
    endpoint: String,
    project_id: String,
    credentials: Credentials,
    retry: RetryConfig,
    limiter: AdaptiveLimiter,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    /// The connect timeout of the HTTP client this crate built (unknown for a caller's own).
    connect_timeout: Option<Duration>,
    pub(crate) concurrency: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("project_id", &self.inner.project_id)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("operation_timeout", &self.inner.operation_timeout)
            .field("concurrency", &self.inner.concurrency)
            .finish()
    }
}

/// A decoded 2xx answer.
#[derive(Debug)]
pub(crate) struct WireResponse {
    pub(crate) body: ListUsedDesktopInfoResponse,
    pub(crate) request_id: Option<String>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Starts a desktop-usage query.
    pub fn desktop_usage(&self) -> DesktopUsageQuery {
        DesktopUsageQuery::new(self.clone())
    }

    /// The project id requests are made for.
    pub fn project_id(&self) -> &str {
        &self.inner.project_id
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

    /// One API call with retries, within the operation timeout.
    pub(crate) async fn list(
        &self,
        request: &ListUsedDesktopInfoReq,
    ) -> Result<WireResponse, Error> {
        let attempts = AtomicU32::new(0);
        match tokio::time::timeout(
            self.inner.operation_timeout,
            self.list_with_retries(request, &attempts),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                scope: TimeoutScope::Operation,
                after: self.inner.operation_timeout,
                attempts: attempts.load(Ordering::Relaxed),
            }),
        }
    }

    async fn list_with_retries(
        &self,
        request: &ListUsedDesktopInfoReq,
        attempts: &AtomicU32,
    ) -> Result<WireResponse, Error> {
        let retry = &self.inner.retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            attempts.store(attempt, Ordering::Relaxed);
            let sent_at = if retry.adaptive {
                self.inner.limiter.acquire().await
            } else {
                Instant::now()
            };
            let span = tracing::info_span!(
                "workspace.request",
                attempt,
                offset = request.offset,
                limit = request.limit,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let outcome = self.attempt(request).instrument(span.clone()).await;
            match outcome {
                Ok(response) => {
                    if retry.adaptive {
                        self.inner.limiter.on_success();
                    }
                    return Ok(response);
                }
                Err(failure) => {
                    if failure.kind == RetryKind::Throttle && retry.adaptive {
                        self.inner.limiter.on_throttle(sent_at);
                    }
                    let error = failure.error.with_attempts(attempt);
                    if failure.kind == RetryKind::Never || attempt >= retry.max_attempts {
                        return Err(error);
                    }
                    let delay = retry.backoff(
                        attempt,
                        failure.kind == RetryKind::Throttle,
                        failure.retry_after,
                    );
                    span.in_scope(|| {
                        tracing::warn!(
                            error = %error,
                            delay_ms = delay.as_millis() as u64,
                            "attempt failed, retrying"
                        );
                    });
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(&self, request: &ListUsedDesktopInfoReq) -> Result<WireResponse, Failure> {
        let slot: Slot = Arc::new(Mutex::new(AttemptRecord::default()));
        let started = Instant::now();
        let call = ATTEMPT.scope(Arc::clone(&slot), async {
            self.inner
                .api
                .list_used_desktop_info()
                .project_id(self.inner.project_id.as_str())
                .body(request.clone())
                .send()
                .await
        });
        let result = tokio::time::timeout(self.inner.attempt_timeout, call).await;
        let record = slot
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default();
        let span = tracing::Span::current();
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        if let Some(status) = record.status {
            span.record("status", status);
        }
        if let Some(id) = &record.request_id {
            span.record("request_id", id.as_str());
        }
        let outcome = match result {
            Err(_) => Err(Failure::transient(Error::Timeout {
                scope: TimeoutScope::Attempt,
                after: self.inner.attempt_timeout,
                attempts: 0,
            })),
            Ok(Ok(value)) => {
                let status = value.status().as_u16();
                let request_id =
                    header_text(value.headers(), "x-request-id").or(record.request_id.clone());
                match record.error_in_success {
                    Some(body) => Err(classify(status, body, request_id, record.retry_after)),
                    None => Ok(WireResponse {
                        body: value.into_inner(),
                        request_id,
                    }),
                }
            }
            Ok(Err(e)) => {
                let mut failure = map_progenitor(e, record);
                if let Error::Timeout {
                    scope: TimeoutScope::Connect,
                    after,
                    ..
                } = &mut failure.error
                {
                    *after = self.inner.connect_timeout.unwrap_or_default();
                }
                if let Error::Timeout {
                    scope: TimeoutScope::Attempt,
                    after,
                    ..
                } = &mut failure.error
                    && after.is_zero()
                {
                    *after = self.inner.attempt_timeout;
                }
                Err(failure)
            }
        };
        match &outcome {
            Ok(_) => tracing::debug!("ok"),
            Err(f) => tracing::debug!(error = %f.error, "attempt failed"),
        }
        outcome
    }
}

/// Whether and how a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RetryKind {
    Never,
    Transient,
    Throttle,
}

#[derive(Debug)]
struct Failure {
    error: Error,
    kind: RetryKind,
    retry_after: Option<Duration>,
}

impl Failure {
    fn never(error: Error) -> Failure {
        Failure {
            error,
            kind: RetryKind::Never,
            retry_after: None,
        }
    }

    fn transient(error: Error) -> Failure {
        Failure {
            error,
            kind: RetryKind::Transient,
            retry_after: None,
        }
    }
}

impl Error {
    /// Fills in the attempt count where the variant has one.
    fn with_attempts(mut self, n: u32) -> Error {
        match &mut self {
            Error::Throttled { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::Transport { attempts, .. } => *attempts = n,
            _ => {}
        }
        self
    }
}

fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 500 | 502 | 503 | 504)
}

/// Maps an error answer that carried the documented JSON body.
fn classify(
    status: u16,
    body: ErrorResponse,
    request_id: Option<String>,
    retry_after: Option<Duration>,
) -> Failure {
    let code = body.error_code;
    let message = body.error_msg;
    match code.as_deref() {
        Some("APIG.0303") => {
            return Failure::never(Error::ClockSkew {
                status,
                code,
                message,
                request_id,
            });
        }
        Some("APIG.0308") => {
            return Failure {
                error: Error::Throttled {
                    attempts: 0,
                    code,
                    message,
                    request_id,
                },
                kind: RetryKind::Throttle,
                retry_after,
            };
        }
        _ => {}
    }
    if status == 401 || status == 403 || code.as_deref() == Some("APIG.0301") {
        return Failure::never(Error::Authentication {
            status,
            code,
            message,
            request_id,
        });
    }
    if status == 429 {
        return Failure {
            error: Error::Throttled {
                attempts: 0,
                code,
                message,
                request_id,
            },
            kind: RetryKind::Throttle,
            retry_after,
        };
    }
    let error = Error::Api {
        status,
        code,
        message,
        detail: body.error_detail,
        encoded_authorization_message: body.encoded_authorization_message,
        request_id,
    };
    if is_retryable_status(status) {
        Failure {
            error,
            kind: RetryKind::Transient,
            retry_after,
        }
    } else {
        Failure::never(error)
    }
}

/// Maps an answer whose body could not be decoded; the status comes from the record.
fn undecodable(status: u16, reason: String, body: &str, record: &AttemptRecord) -> Failure {
    let request_id = record.request_id.clone();
    match status {
        401 | 403 => Failure::never(Error::Authentication {
            status,
            code: None,
            message: None,
            request_id,
        }),
        429 => Failure {
            error: Error::Throttled {
                attempts: 0,
                code: None,
                message: None,
                request_id,
            },
            kind: RetryKind::Throttle,
            retry_after: record.retry_after,
        },
        _ => {
            let error = Error::InvalidResponse {
                status,
                reason,
                body_prefix: body.to_string(),
                request_id,
            };
            if is_retryable_status(status) {
                Failure {
                    error,
                    kind: RetryKind::Transient,
                    retry_after: record.retry_after,
                }
            } else {
                Failure::never(error)
            }
        }
    }
}

fn map_progenitor(
    error: huaweicloud_workspace_api::Error<ErrorResponse>,
    mut record: AttemptRecord,
) -> Failure {
    use huaweicloud_workspace_api::Error as E;
    match error {
        E::ErrorResponse(value) => {
            let status = value.status().as_u16();
            let request_id =
                header_text(value.headers(), "x-request-id").or(record.request_id.take());
            classify(status, value.into_inner(), request_id, record.retry_after)
        }
        E::InvalidResponsePayload(_bytes, e) => {
            let status = record.status.unwrap_or(0);
            let reason = if record.oversize {
                format!("the body is larger than the {MAX_RESPONSE_BYTES}-byte cap")
            } else if (200..300).contains(&status) {
                format!("the body is not the documented JSON page: {e}")
            } else {
                format!("the error body is not the documented JSON: {e}")
            };
            let prefix = record.body_prefix.clone();
            undecodable(status, reason, &prefix, &record)
        }
        E::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let prefix = record.body_prefix.clone();
            undecodable(
                status,
                "an undocumented response".to_string(),
                &prefix,
                &record,
            )
        }
        E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
            if e.is_timeout() {
                let scope = if e.is_connect() {
                    TimeoutScope::Connect
                } else {
                    TimeoutScope::Attempt
                };
                Failure::transient(Error::Timeout {
                    scope,
                    after: Duration::ZERO,
                    attempts: 0,
                })
            } else {
                Failure::transient(Error::Transport {
                    message: error_chain(&e),
                    attempts: 0,
                })
            }
        }
        E::InvalidRequest(message) => Failure::never(Error::invalid("request", message)),
        E::Custom(message) => Failure::never(
            record
                .prepare_error
                .take()
                .unwrap_or(Error::Signing { message }),
        ),
    }
}

/// An error and its causes, on one line; reqwest errors carry no secrets
/// (the URL holds none either).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let s = cause.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        source = cause.source();
    }
    text
}

fn header_text(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// What the executor saw of one attempt's response.
#[derive(Debug, Default)]
struct AttemptRecord {
    status: Option<u16>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    body_prefix: String,
    oversize: bool,
    /// A 2xx body that carries an `error_code`.
    error_in_success: Option<ErrorResponse>,
    /// A typed reason `prepare` refused to let the request go.
    prepare_error: Option<Error>,
}

type Slot = Arc<Mutex<AttemptRecord>>;

tokio::task_local! {
    static ATTEMPT: Slot;
}

fn with_slot(f: impl FnOnce(&mut AttemptRecord)) {
    let _ = ATTEMPT.try_with(|slot| {
        if let Ok(mut record) = slot.lock() {
            f(&mut record);
        }
    });
}

/// Signs and sends the generated client's requests.
struct SigningExecutor {
    credentials: Credentials,
    project_id: String,
    user_agent: HeaderValue,
}

impl fmt::Debug for SigningExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningExecutor")
            .field("credentials", &self.credentials)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

impl SigningExecutor {
    fn sign(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        let project = HeaderValue::from_str(&self.project_id)
            .map_err(|_| Error::invalid("project_id", "must be a valid header value"))?;
        let headers = request.headers_mut();
        headers.insert(HeaderName::from_static("x-project-id"), project);
        if !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers.insert(USER_AGENT, self.user_agent.clone());
        match &self.credentials {
            Credentials::AccessKey(keys) => {
                let uri: http::Uri =
                    request.url().as_str().parse().map_err(|e| Error::Signing {
                        message: format!("the request URL is not a valid URI: {e}"),
                    })?;
                let method = request.method().clone();
                let mut headers = std::mem::take(request.headers_mut());
                let body: &[u8] = request.body().and_then(|b| b.as_bytes()).unwrap_or(&[]);
                let signed = huaweicloud_signer::sign(
                    keys,
                    &method,
                    &uri,
                    &mut headers,
                    body,
                    chrono::Utc::now(),
                );
                *request.headers_mut() = headers;
                signed.map_err(|e| Error::Signing {
                    message: e.to_string(),
                })
            }
            Credentials::IamToken(token) => {
                let mut value =
                    HeaderValue::from_str(token.expose()).map_err(|_| Error::Signing {
                        message: "the IAM token is not a valid header value".to_string(),
                    })?;
                value.set_sensitive(true);
                request
                    .headers_mut()
                    .insert(HeaderName::from_static("x-auth-token"), value);
                Ok(())
            }
        }
    }
}

impl Executor for SigningExecutor {
    fn prepare(&self, request: &mut reqwest::Request) -> Result<(), HookError> {
        self.sign(request).map_err(|e| {
            let message = e.to_string();
            with_slot(|r| r.prepare_error = Some(e));
            HookError(message)
        })
    }

    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(async move {
            let mut response = client.execute(request).await?;
            let status = response.status();
            let version = response.version();
            let headers = std::mem::take(response.headers_mut());
            let request_id = header_text(&headers, "x-request-id");
            let retry_after = header_text(&headers, "retry-after")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            with_slot(|r| {
                r.status = Some(status.as_u16());
                r.request_id = request_id;
                r.retry_after = retry_after;
            });
            let mut body = Vec::new();
            let mut oversize = false;
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    oversize = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            let prefix = body_prefix(&body);
            let error_in_success = if status.is_success() && !oversize && mentions_error_code(&body)
            {
                serde_json::from_slice::<ErrorResponse>(&body)
                    .ok()
                    .filter(|e| e.error_code.is_some())
            } else {
                None
            };
            if oversize {
                body.clear();
            }
            with_slot(|r| {
                r.body_prefix = prefix;
                r.oversize = oversize;
                r.error_in_success = error_in_success;
            });
            let mut rebuilt = http::Response::new(Bytes::from(body));
            *rebuilt.status_mut() = status;
            *rebuilt.version_mut() = version;
            *rebuilt.headers_mut() = headers;
            Ok(reqwest::Response::from(rebuilt))
        })
    }
}

/// Whether a body holds the key `"error_code"` (then a 2xx is read as an error).
pub(crate) fn mentions_error_code(body: &[u8]) -> bool {
    // memchr's SIMD search: comparing 12 bytes at every offset of a
    // 100-desktop page cost a tenth of decoding it.
    memchr::memmem::find(body, b"\"error_code\"").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked() {
        assert_eq!(
            check_endpoint("endpoint", "http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in ["ftp://x", "not a url", "http://x/?a=1", "https://u:p@host"] {
            let e = check_endpoint("endpoint", bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidInput {
                        field: "endpoint",
                        ..
                    }
                ),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn error_code_is_found_in_text_and_in_bytes_that_are_not_utf8() {
        assert!(mentions_error_code(br#"{"error_code":"APIG.0308"}"#));
        assert!(mentions_error_code(b"\xff\xfe{\"error_code\":1}"));
        assert!(!mentions_error_code(
            br#"{"desktop_used_info_list":[],"total_count":0}"#
        ));
        assert!(!mentions_error_code(b"\xff\"error_cod\""));
        assert!(!mentions_error_code(b""));
    }

    #[test]
    fn project_ids_are_checked() {
        assert!(check_project_id("0123456789abcdef0123456789abcdef").is_ok());
        assert!(check_project_id(" ").is_err());
        assert!(check_project_id("a/b").is_err());
    }

    #[test]
    fn classification() {
        let body = |code: &str| ErrorResponse {
            error_code: Some(code.to_string()),
            error_msg: Some("m".into()),
            ..Default::default()
        };
        assert!(matches!(
            classify(401, body("APIG.0303"), None, None).error,
            Error::ClockSkew { .. }
        ));
        let f = classify(401, body("APIG.0301"), None, None);
        assert_eq!(f.kind, RetryKind::Never);
        assert!(matches!(f.error, Error::Authentication { .. }));
        assert_eq!(
            classify(429, body("APIG.0308"), None, None).kind,
            RetryKind::Throttle
        );
        assert_eq!(
            classify(500, body("WKS.9999"), None, None).kind,
            RetryKind::Transient
        );
        assert_eq!(
            classify(400, body("WKS.0001"), None, None).kind,
            RetryKind::Never
        );
        assert_eq!(
            classify(404, body("APIG.0101"), None, None).kind,
            RetryKind::Never
        );
    }
}
