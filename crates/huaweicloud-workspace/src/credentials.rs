//! Where the transport's credentials come from for each attempt: fixed
//! ones (given, environment, profile file), or the cloud server's metadata
//! service, last in the chain, whose temporary AK/SK/security token are
//! fetched on first use and again before they expire, asking the service
//! at most once every [`METADATA_REFETCH_BACKOFF`].
//!
//! Why lazily: `ClientBuilder::build` is synchronous and must not block on
//! the network. When neither the environment nor the profile file has
//! credentials, `build()` succeeds and the first request asks the metadata
//! service (connect timeout [`METADATA_CONNECT_TIMEOUT`]); if that fails the
//! request fails with [`CredentialsError::NotFound`] listing all three sources.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use huaweicloud_signer::{
    Attempt, Credentials, CredentialsError, MAX_METADATA_RESPONSE_BYTES,
    METADATA_SECURITY_KEY_PATH, METADATA_TOKEN_HEADER, METADATA_TOKEN_PATH,
    METADATA_TOKEN_TTL_HEADER, METADATA_TOKEN_TTL_SECONDS, TemporaryCredentials,
};

use crate::answer::error_chain;
use crate::classify::Failure;
use crate::error::Error;

/// The connect timeout of the metadata service: off a cloud server nothing
/// answers at its address, and the chain should give up fast.
pub(crate) const METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The limit for one metadata call, connection included.
const METADATA_CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// The credentials a transport signs with.
pub(crate) enum CredentialsSource {
    /// Given, or found in the environment or the profile file.
    Static(Credentials),
    /// The metadata service's temporary credentials.
    Metadata(MetadataProvider),
}

impl fmt::Debug for CredentialsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsSource::Static(c) => c.fmt(f),
            CredentialsSource::Metadata(p) => p.fmt(f),
        }
    }
}

impl CredentialsSource {
    /// The credentials to sign the next attempt with.
    pub(crate) async fn current(&self) -> Result<Credentials, Failure> {
        match self {
            CredentialsSource::Static(c) => Ok(c.clone()),
            CredentialsSource::Metadata(p) => p.current().await,
        }
    }
}

/// The least time between two fetches from the metadata service. Keys
/// that are due for a refresh but still valid are used meanwhile; keys
/// that could not be fetched (or came already expired) fail every attempt
/// meanwhile with the last fetch's reason, so that a broken service costs
/// one call a minute, not one call per request.
pub(crate) const METADATA_REFETCH_BACKOFF: TimeDelta = TimeDelta::seconds(60);

/// What an attempt does with the metadata service's keys, at a given time.
#[derive(Debug)]
enum Step {
    /// Sign with these.
    Use(Credentials),
    /// Ask the service.
    Fetch,
    /// Fail with the last fetch's reason: too soon to ask again.
    Fail(String),
}

/// The keys last fetched and when the service was last asked: the refresh
/// policy, with the time passed in (as `limiter.rs`), so its tests never sleep.
#[derive(Debug, Default)]
struct Cache {
    keys: Option<TemporaryCredentials>,
    /// When the service was last asked, and why that fetch failed.
    last_fetch: Option<(DateTime<Utc>, Option<String>)>,
}

impl Cache {
    fn step(&self, now: DateTime<Utc>) -> Step {
        let valid = self.keys.as_ref().filter(|k| k.expires_at() > now);
        if let Some(k) = valid.filter(|k| !k.needs_refresh(now)) {
            return Step::Use(Credentials::AccessKey(k.credentials().clone()));
        }
        match &self.last_fetch {
            Some((at, why)) if now < *at + METADATA_REFETCH_BACKOFF => match valid {
                Some(k) => Step::Use(Credentials::AccessKey(k.credentials().clone())),
                None => Step::Fail(
                    why.clone()
                        .unwrap_or_else(|| "its credentials expired".to_owned()),
                ),
            },
            _ => Step::Fetch,
        }
    }

    /// Keeps what a fetch at `now` brought; keys that are already expired
    /// are refused here, as a failed fetch.
    fn record(
        &mut self,
        now: DateTime<Utc>,
        fetched: Result<TemporaryCredentials, String>,
    ) -> Result<Credentials, String> {
        let fetched = fetched.and_then(|keys| {
            if keys.expires_at() <= now {
                Err(format!(
                    "it answered with credentials that expired at {} (now {}): not used",
                    keys.expires_at().format("%Y-%m-%dT%H:%M:%SZ"),
                    now.format("%Y-%m-%dT%H:%M:%SZ"),
                ))
            } else {
                Ok(keys)
            }
        });
        match fetched {
            Ok(keys) => {
                let out = Credentials::AccessKey(keys.credentials().clone());
                self.keys = Some(keys);
                self.last_fetch = Some((now, None));
                Ok(out)
            }
            Err(why) => {
                self.last_fetch = Some((now, Some(why.clone())));
                Err(why)
            }
        }
    }
}

/// Fetches, keeps and refreshes the metadata service's credentials; one per
/// client, shared by its clones (it lives in the transport).
pub(crate) struct MetadataProvider {
    http: reqwest::Client,
    address: String,
    /// What the chain tried before, for the error when this fails too.
    tried: Vec<Attempt>,
    /// Held across a fetch, so concurrent callers make one call.
    cached: tokio::sync::Mutex<Cache>,
}

impl fmt::Debug for MetadataProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataProvider")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl MetadataProvider {
    /// A provider asking the service at `address` (no trailing `/`).
    pub(crate) fn new(address: String, tried: Vec<Attempt>) -> Result<Self, Error> {
        // Never through a proxy: the address is link-local.
        let http = crate::tls::http_client_builder()?
            .no_proxy()
            .connect_timeout(METADATA_CONNECT_TIMEOUT)
            .timeout(METADATA_CALL_TIMEOUT)
            .build()
            .map_err(|e| {
                Error::invalid(
                    "http_client",
                    format!(
                        "could not build the metadata HTTP client: {}",
                        error_chain(&e)
                    ),
                )
            })?;
        Ok(MetadataProvider {
            http,
            address,
            tried,
            cached: tokio::sync::Mutex::new(Cache::default()),
        })
    }

    async fn current(&self) -> Result<Credentials, Failure> {
        let mut cached = self.cached.lock().await;
        let now = Utc::now();
        let why = match cached.step(now) {
            Step::Use(c) => return Ok(c),
            Step::Fail(why) => why,
            Step::Fetch => match cached.record(now, self.fetch().await) {
                Ok(c) => {
                    tracing::debug!(address = %self.address, "temporary credentials from the metadata service");
                    return Ok(c);
                }
                Err(why) => why,
            },
        };
        match cached.keys.as_ref() {
            // A failed refresh of keys still valid: keep signing with them.
            Some(c) if c.expires_at() > now => {
                tracing::warn!(address = %self.address, "could not refresh the metadata service's credentials: {why}");
                Ok(Credentials::AccessKey(c.credentials().clone()))
            }
            Some(_) => Err(Failure::Transport {
                message: format!(
                    "the metadata service's credentials ({}) expired and could not be refreshed: {why}",
                    self.address
                ),
            }),
            None => {
                let mut tried = self.tried.clone();
                tried.push(Attempt::metadata_service(&self.address, why));
                Err(Failure::Refused(Error::Credentials(
                    CredentialsError::NotFound { tried },
                )))
            }
        }
    }

    /// One token call (optional) and one security-key call; the reason of a
    /// failure, never a secret.
    async fn fetch(&self) -> Result<TemporaryCredentials, String> {
        let token = self
            .http
            .put(format!("{}{METADATA_TOKEN_PATH}", self.address))
            .header(
                METADATA_TOKEN_TTL_HEADER,
                METADATA_TOKEN_TTL_SECONDS.to_string(),
            )
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let token = match token.status().as_u16() {
            // No session tokens there: go on without.
            404 | 405 | 503 => None,
            s if (200..300).contains(&s) => {
                let body = read_capped(token).await?;
                let text = String::from_utf8(body)
                    .map_err(|_| "the session token is not text".to_string())?;
                Some(text.trim().to_string())
            }
            s => return Err(format!("the token call answered HTTP {s}")),
        };
        let mut request = self
            .http
            .get(format!("{}{METADATA_SECURITY_KEY_PATH}", self.address));
        if let Some(token) = token {
            let mut value = reqwest::header::HeaderValue::from_str(&token)
                .map_err(|_| "the session token is not a valid header value".to_string())?;
            value.set_sensitive(true);
            request = request.header(METADATA_TOKEN_HEADER, value);
        }
        let answer = request.send().await.map_err(|e| describe(&e))?;
        let status = answer.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(format!("the security key call answered HTTP {status}"));
        }
        let body = read_capped(answer).await?;
        TemporaryCredentials::from_metadata_response(&body).map_err(|e| e.to_string())
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_connect() && e.is_timeout() {
        format!(
            "no connection within {} s (not on a cloud server?)",
            METADATA_CONNECT_TIMEOUT.as_secs()
        )
    } else if e.is_timeout() {
        format!("no answer within {} s", METADATA_CALL_TIMEOUT.as_secs())
    } else {
        error_chain(e)
    }
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > MAX_METADATA_RESPONSE_BYTES {
            return Err(format!(
                "the answer is larger than {MAX_METADATA_RESPONSE_BYTES} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(expires_at: &str) -> TemporaryCredentials {
        let body = format!(
            r#"{{"credential":{{"access":"AKTMP","secret":"SKTMP","securitytoken":"tok","expires_at":"{expires_at}"}}}}"#
        );
        TemporaryCredentials::from_metadata_response(body.as_bytes()).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn keys_that_came_expired_are_refused_and_not_asked_again_for_a_minute() {
        let mut cache = Cache::default();
        let now = at("2026-01-01T00:00:00Z");
        assert!(matches!(cache.step(now), Step::Fetch));
        let why = cache
            .record(now, Ok(keys("1970-01-01T00:00:00.000000Z")))
            .unwrap_err();
        assert!(why.contains("expired at 1970-01-01T00:00:00Z"), "{why}");
        for later in ["2026-01-01T00:00:01Z", "2026-01-01T00:00:59Z"] {
            assert!(
                matches!(cache.step(at(later)), Step::Fail(w) if w == why),
                "{later}"
            );
        }
        assert!(matches!(
            cache.step(at("2026-01-01T00:01:00Z")),
            Step::Fetch
        ));
    }

    #[test]
    fn a_failed_fetch_is_not_repeated_within_the_backoff() {
        let mut cache = Cache::default();
        let now = at("2026-01-01T00:00:00Z");
        cache.record(now, Err("refused".to_owned())).unwrap_err();
        assert!(matches!(cache.step(at("2026-01-01T00:00:30Z")), Step::Fail(w) if w == "refused"));
        assert!(matches!(
            cache.step(at("2026-01-01T00:01:00Z")),
            Step::Fetch
        ));
    }

    #[test]
    fn keys_due_for_refresh_but_valid_are_used_between_fetches() {
        let mut cache = Cache::default();
        let now = at("2026-01-01T00:00:00Z");
        // Ten minutes left: under the refresh margin.
        cache
            .record(now, Ok(keys("2026-01-01T00:10:00.000000Z")))
            .unwrap();
        assert!(matches!(
            cache.step(at("2026-01-01T00:00:30Z")),
            Step::Use(_)
        ));
        assert!(matches!(
            cache.step(at("2026-01-01T00:01:00Z")),
            Step::Fetch
        ));
        // Fresh keys are used without asking.
        cache
            .record(now, Ok(keys("2026-01-01T12:00:00.000000Z")))
            .unwrap();
        assert!(matches!(
            cache.step(at("2026-01-01T06:00:00Z")),
            Step::Use(_)
        ));
    }
}
