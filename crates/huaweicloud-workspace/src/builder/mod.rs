//! Configuring a [`Client`]: region or endpoint, credentials, timeouts,
//! TLS, retries and concurrency, all checked before anything is sent.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use huaweicloud_signer::Credentials;

use crate::client::{Client, Inner, ProjectId};
use crate::concurrency::{AdaptiveConcurrency, Concurrency};
use crate::error::Error;
use crate::limiter::AdaptiveLimiter;
use crate::region::Region;
use crate::retry::{Clock, Jitter, RetryConfig, TokioClock};
use crate::transport::Transport;
use steps::resolve_iam_endpoint;

mod steps;

/// How many requests are in flight by default: [`Concurrency::Auto`] (see
/// [`ClientBuilder::concurrency`]).
///
/// It starts at [`Concurrency::AUTO_START`] (8) and adapts between
/// [`Concurrency::AUTO_MIN`] (1) and [`Concurrency::AUTO_MAX`] (64). A
/// fixed 8 was the default before: within 1.1× of its latency floor for a
/// year of 2,000 desktops behind 50 ms of latency, and few 429s under a 20
/// requests/s limit; but 32 is twice as fast where nothing throttles, and
/// where the limit is low, 8 is already too many. Auto grows while round
/// trips stay flat and shrinks on 429s and rising latency (`cargo xtask
/// bench`, `BENCHMARKS.md`, section 6, compares it with fixed numbers).
pub const DEFAULT_CONCURRENCY: Concurrency = Concurrency::Auto;
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
    concurrency: Concurrency,
    clock: Arc<dyn Clock>,
    http_client: Option<reqwest::Client>,
    profile: Option<String>,
    iam_endpoint: Option<String>,
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
            .field("profile", &self.profile)
            .field("iam_endpoint", &self.iam_endpoint)
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
            clock: Arc::new(TokioClock),
            http_client: None,
            profile: None,
            iam_endpoint: None,
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
    /// Plain `http` to a host other than loopback is allowed, with one
    /// `tracing` warning per client from [`build`](Self::build): signed
    /// requests and security tokens would travel unencrypted.
    pub fn endpoint(mut self, url: impl AsRef<str>) -> Self {
        self.endpoint = Some(url.as_ref().to_string());
        self
    }

    /// The project id (a region's tenant). Without it, the credential source's
    /// project id is used (`HUAWEICLOUD_SDK_PROJECT_ID` or the profile's
    /// `project_id`); without any, a client with AK/SK and a
    /// [`region`](Self::region) asks IAM for the region's project on its
    /// first request, as the official SDKs do ([`Client::resolve_project_id`]).
    /// With an IAM token it is required.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Explicit credentials. Without them, the environment
    /// (`HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`)
    /// is tried, then the profile file (`HUAWEICLOUD_SDK_CREDENTIALS_FILE` or
    /// `~/.huaweicloud/credentials`), then, on a cloud server, the metadata
    /// service (`HUAWEICLOUD_SDK_METADATA_ENDPOINT`, default
    /// `http://169.254.169.254`): its temporary AK/SK/security token are
    /// fetched on the first request (1 s connect timeout) and again when
    /// under 40 minutes remain; when it fails too, that request fails with
    /// [`CredentialsError::NotFound`](crate::CredentialsError::NotFound)
    /// listing all three sources. An IAM token is sent as `X-Auth-Token`
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

    /// How many requests are kept in flight (default [`DEFAULT_CONCURRENCY`],
    /// [`Concurrency::Auto`]): a number pins it per query
    /// (`.concurrency(16)`), `Concurrency::Auto` adapts it for the whole
    /// client; a query can override it.
    pub fn concurrency(mut self, concurrency: impl Into<Concurrency>) -> Self {
        self.concurrency = concurrency.into();
        self
    }

    /// Reads the time and waits through `clock` instead of the real clock
    /// and the tokio timer; for tests that look at the waits the client
    /// chose. Not part of the stable API.
    #[doc(hidden)]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sends through this `reqwest::Client` (its own TLS, proxy, pool settings).
    /// Start from [`http_client_builder`](crate::http_client_builder), which
    /// sets this build's TLS backend, or build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: a 3xx
    /// is then [`Error::Redirect`], as with the client this crate builds,
    /// instead of the credentials following the redirect to another host.
    /// Cannot be combined with [`connect_timeout`](Self::connect_timeout) or
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem), which
    /// configure a client this crate builds.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Reads the credentials from this section of the profile file (named
    /// profiles, for several accounts or regions), instead of the
    /// environment or the `HUAWEICLOUD_SDK_PROFILE` section (default
    /// `[basic]`). Ignored when [`credentials`](Self::credentials) are given.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// The IAM base URL that finds the project id when none is given.
    /// Without it: the profile's `iam_endpoint`, then
    /// `HUAWEICLOUD_SDK_IAM_ENDPOINT`, then the region's
    /// ([`Region::iam_endpoint`]), the official core SDK's order. Plain
    /// `http` is warned about as for [`endpoint`](Self::endpoint).
    pub fn iam_endpoint(mut self, url: impl AsRef<str>) -> Self {
        self.iam_endpoint = Some(url.as_ref().to_string());
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
    /// missing or malformed, or [`Error::Credentials`] when a source is
    /// malformed (none found: the metadata service is asked on first use).
    pub fn build(mut self) -> Result<Client, Error> {
        self.check_settings()?;
        let endpoint = self.resolve_endpoint()?;
        let found = self.credentials_source()?;
        let project = self.project(&found)?;
        let iam_endpoint = match &project {
            ProjectId::Fixed(_) => None,
            ProjectId::Discover { .. } => Some(resolve_iam_endpoint(
                self.iam_endpoint.as_deref(),
                found.iam_endpoint,
                &self.env,
                self.region.as_ref(),
            )?),
        };
        let user_agent = self.user_agent_header()?;
        let (http, connect_timeout) = self.http()?;
        steps::warn_of_plain_http(
            std::iter::once(endpoint.as_str()).chain(iam_endpoint.as_deref()),
        );
        let api = huaweicloud_workspace_api::Client::new_with_client(&endpoint, http.clone());
        let iam = iam_endpoint
            .map(|url| huaweicloud_workspace_api::Client::new_with_client(&url, http.clone()));
        Ok(Client {
            inner: Arc::new(Inner {
                api,
                transport: Transport {
                    http,
                    credentials: found.source,
                    user_agent,
                    attempt_timeout: self.attempt_timeout,
                    connect_timeout,
                },
                endpoint,
                project,
                iam,
                retry: self.retry,
                limiter: AdaptiveLimiter::new(self.clock.now()),
                operation_timeout: self.operation_timeout,
                concurrency: self.concurrency,
                auto: AdaptiveConcurrency::new(),
                clock: self.clock,
                jitter: Jitter::default(),
                successes: AtomicU64::new(0),
                last_success: std::sync::Mutex::new(None),
            }),
        })
    }
}
