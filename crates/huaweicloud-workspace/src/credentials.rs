//! Where the transport's credentials come from for each attempt: fixed
//! ones (given, environment, profile file), or the cloud server's metadata
//! service, last in the chain, whose temporary AK/SK/security token are
//! fetched on first use and again before they expire.
//!
//! Why lazily: `ClientBuilder::build` is synchronous and must not block on
//! the network. When neither the environment nor the profile file has
//! credentials, `build()` succeeds and the first request asks the metadata
//! service (connect timeout [`METADATA_CONNECT_TIMEOUT`]); if that fails the
//! request fails with [`CredentialsError::NotFound`] listing all three sources.

use std::fmt;
use std::time::Duration;

use chrono::Utc;
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

/// Fetches, keeps and refreshes the metadata service's credentials; one per
/// client, shared by its clones (it lives in the transport).
pub(crate) struct MetadataProvider {
    http: reqwest::Client,
    address: String,
    /// What the chain tried before, for the error when this fails too.
    tried: Vec<Attempt>,
    /// Held across a fetch, so concurrent callers make one call.
    cached: tokio::sync::Mutex<Option<TemporaryCredentials>>,
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
            cached: tokio::sync::Mutex::new(None),
        })
    }

    async fn current(&self) -> Result<Credentials, Failure> {
        let mut cached = self.cached.lock().await;
        let now = Utc::now();
        if let Some(c) = cached.as_ref()
            && !c.needs_refresh(now)
        {
            return Ok(Credentials::AccessKey(c.credentials().clone()));
        }
        match self.fetch().await {
            Ok(fresh) => {
                tracing::debug!(
                    address = %self.address,
                    expires_at = %fresh.expires_at(),
                    "temporary credentials from the metadata service"
                );
                let out = Credentials::AccessKey(fresh.credentials().clone());
                *cached = Some(fresh);
                Ok(out)
            }
            // A failed refresh of keys still valid: keep signing with them.
            Err(why) => match cached.as_ref() {
                Some(c) if c.expires_at() > now => {
                    tracing::warn!(address = %self.address, "could not refresh the metadata service's credentials: {why}");
                    Ok(Credentials::AccessKey(c.credentials().clone()))
                }
                Some(_) => Err(Failure::Transport {
                    message: format!(
                        "the metadata service's credentials expired and could not be refreshed: {why}"
                    ),
                }),
                None => {
                    let mut tried = self.tried.clone();
                    tried.push(Attempt::metadata_service(&self.address, why));
                    Err(Failure::Refused(Error::Credentials(
                        CredentialsError::NotFound { tried },
                    )))
                }
            },
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
