//! The steps of [`ClientBuilder::build`], each a check or a resolution of
//! one setting, in the order `build` runs them (so the first wrong setting
//! is the one reported).

use std::sync::Arc;
use std::time::Duration;

use huaweicloud_signer::Credentials;
use reqwest::header::HeaderValue;

use super::{ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_USER_AGENT, EnvGetter};
use crate::answer::error_chain;
use crate::client::ProjectId;
use crate::concurrency::Concurrency;
use crate::credentials::{CredentialsSource, MetadataProvider};
use crate::error::Error;
use crate::region::Region;

/// The credentials to sign with, and what their source said besides.
pub(super) struct Found {
    pub(super) source: CredentialsSource,
    /// The project id of the environment or the profile.
    pub(super) project_id: Option<String>,
    /// The profile's `iam_endpoint`.
    pub(super) iam_endpoint: Option<String>,
}

impl ClientBuilder {
    /// The settings that need nothing resolved: retries, concurrency, timeouts.
    pub(super) fn check_settings(&self) -> Result<(), Error> {
        if self.retry.max_attempts == 0 {
            return Err(Error::invalid(
                "retry.max_attempts",
                "must be at least 1, got 0",
            ));
        }
        if self.concurrency == Concurrency::Fixed(0) {
            return Err(Error::invalid("concurrency", "must be at least 1, got 0"));
        }
        if self.retry.max_throttled_attempts == 0 {
            return Err(Error::invalid(
                "retry.max_throttled_attempts",
                "must be at least 1, got 0",
            ));
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
        Ok(())
    }

    /// The credentials given, else the chain's (environment, profile file),
    /// else the metadata service's (asked on first use: `build` does no
    /// network).
    pub(super) fn credentials_source(&mut self) -> Result<Found, Error> {
        if let Some(c) = self.credentials.take() {
            return Ok(Found {
                source: CredentialsSource::Static(c),
                project_id: None,
                iam_endpoint: None,
            });
        }
        let env = Arc::clone(&self.env);
        match huaweicloud_signer::chain_with_profile(move |k| env(k), self.profile.as_deref()) {
            Ok(resolved) => {
                for warning in &resolved.warnings {
                    tracing::warn!("{warning}");
                }
                Ok(Found {
                    source: CredentialsSource::Static(resolved.credentials),
                    project_id: resolved.project_id,
                    iam_endpoint: resolved.iam_endpoint,
                })
            }
            // A profile asked for by name never falls back to the metadata service.
            Err(huaweicloud_signer::CredentialsError::NotFound { tried })
                if self.profile.is_none() =>
            {
                let env = Arc::clone(&self.env);
                let address = huaweicloud_signer::metadata_endpoint(move |k| env(k));
                Ok(Found {
                    source: CredentialsSource::Metadata(MetadataProvider::new(address, tried)?),
                    project_id: None,
                    iam_endpoint: None,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The project id given (builder, then the credentials' source), else
    /// one to find through IAM for the region.
    pub(super) fn project(&self, found: &Found) -> Result<ProjectId, Error> {
        if let Some(id) = self.project_id.clone().or_else(|| found.project_id.clone()) {
            check_project_id(&id)?;
            return Ok(ProjectId::Fixed(id));
        }
        if matches!(
            found.source,
            CredentialsSource::Static(Credentials::IamToken(_))
        ) {
            return Err(Error::invalid(
                "project_id",
                "is required with an IAM token (only AK/SK can find it through IAM): set it on the builder, in HUAWEICLOUD_SDK_PROJECT_ID or in the profile's project_id",
            ));
        }
        let Some(region) = &self.region else {
            return Err(Error::invalid(
                "project_id",
                "is required without a region: set it on the builder, in HUAWEICLOUD_SDK_PROJECT_ID or in the profile's project_id, or give the region so that IAM is asked for it",
            ));
        };
        Ok(ProjectId::Discover {
            region: region.id().to_string(),
            found: tokio::sync::OnceCell::new(),
        })
    }

    /// The `User-Agent` header.
    pub(super) fn user_agent_header(&self) -> Result<HeaderValue, Error> {
        let user_agent = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        HeaderValue::from_str(user_agent).map_err(|_| {
            Error::invalid(
                "user_agent",
                "must be visible ASCII text without line breaks",
            )
        })
    }

    /// The HTTP client: the caller's, or one built with the connect
    /// timeout, the extra roots and no redirects; and the connect timeout
    /// when it is known.
    pub(super) fn http(&mut self) -> Result<(reqwest::Client, Option<Duration>), Error> {
        if let Some(client) = self.http_client.take() {
            if self.connect_timeout.is_some() || !self.root_certificates.is_empty() {
                return Err(Error::invalid(
                    "http_client",
                    "cannot be combined with connect_timeout or add_root_certificate_pem: configure the reqwest::Client itself",
                ));
            }
            return Ok((client, None));
        }
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
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        // The API never redirects; following one would send the
        // credentials to whatever host it names.
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout);
        let http = crate::tls::apply(builder, certs, &self.root_certificates)?
            .build()
            .map_err(|e| {
                Error::invalid(
                    "http_client",
                    format!("could not build the HTTP client: {}", error_chain(&e)),
                )
            })?;
        Ok((http, Some(connect_timeout)))
    }
}

/// The IAM base URL: the builder's, the profile's, the variable's, the region's.
pub(super) fn resolve_iam_endpoint(
    explicit: Option<&str>,
    from_profile: Option<String>,
    env: &EnvGetter,
    region: Option<&Region>,
) -> Result<String, Error> {
    if let Some(url) = explicit {
        return check_endpoint("iam_endpoint", url);
    }
    if let Some(url) = from_profile.filter(|u| !u.trim().is_empty()) {
        return check_endpoint("iam_endpoint (profile)", &url);
    }
    if let Some(url) = env(huaweicloud_signer::ENV_IAM_ENDPOINT).filter(|u| !u.trim().is_empty()) {
        return check_endpoint("iam_endpoint (HUAWEICLOUD_SDK_IAM_ENDPOINT)", &url);
    }
    match region {
        Some(region) => Ok(region.iam_endpoint()),
        None => Err(Error::invalid(
            "iam_endpoint",
            "is required to find the project id without a region",
        )),
    }
}

impl ClientBuilder {
    pub(super) fn resolve_endpoint(&self) -> Result<String, Error> {
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

/// The host of `url` when requests to it would go in clear to another
/// machine: `http://` on a host that is not loopback (127.0.0.0/8, `::1`,
/// `localhost`). Signed requests and security tokens then cross the
/// network unencrypted; on loopback they never leave the machine (the
/// simulator, a local proxy), so that is not warned about.
pub(crate) fn plain_http_host(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let loopback = match url.host()? {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    (!loopback).then(|| url.host_str().unwrap_or_default().to_owned())
}

/// Warns once, for all of a client's endpoints, about those in clear
/// ([`plain_http_host`]): the user asked for them, so it is no error, but
/// it must not pass without a word.
pub(super) fn warn_of_plain_http<'a>(endpoints: impl IntoIterator<Item = &'a str>) {
    let mut hosts: Vec<String> = endpoints.into_iter().filter_map(plain_http_host).collect();
    hosts.dedup();
    if !hosts.is_empty() {
        tracing::warn!(
            "plain http to {}: signed requests and tokens travel unencrypted",
            hosts.join(", ")
        );
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
    fn plain_http_is_told_apart_from_loopback_and_https() {
        for (url, host) in [
            ("http://192.0.2.1:1", Some("192.0.2.1")),
            (
                "http://workspace.example.com",
                Some("workspace.example.com"),
            ),
            ("http://[2001:db8::1]:8080", Some("[2001:db8::1]")),
            ("http://128.0.0.1", Some("128.0.0.1")),
            ("http://127.0.0.1:8080", None),
            ("http://127.255.0.9", None),
            ("http://[::1]:80", None),
            ("http://localhost:9000", None),
            ("http://LOCALHOST", None),
            ("https://192.0.2.1", None),
        ] {
            assert_eq!(plain_http_host(url).as_deref(), host, "{url}");
        }
    }

    #[test]
    fn project_ids_are_checked() {
        assert!(check_project_id("0123456789abcdef0123456789abcdef").is_ok());
        assert!(check_project_id(" ").is_err());
        assert!(check_project_id("a/b").is_err());
    }
}
