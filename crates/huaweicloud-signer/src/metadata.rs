//! Temporary credentials from the ECS metadata service: the addresses, the
//! answer's format and the refresh rule. Only the pure parts: the signer
//! sends nothing; the caller does the two requests and hands the answer here.
//!
//! The official core SDK (`huaweicloudsdkcore` 3.1.219, `auth/internal.py`
//! `MetadataAccessor`, `auth/credentials.py`) does, when no AK/SK is found:
//! 1. `PUT {endpoint}`[`METADATA_TOKEN_PATH`] with
//!    [`METADATA_TOKEN_TTL_HEADER`]`: 21600`; 200 gives a session token in the
//!    body, 404/405/503 mean "no token" (go on without one);
//! 2. `GET {endpoint}`[`METADATA_SECURITY_KEY_PATH`] with
//!    [`METADATA_TOKEN_HEADER`] when there is a token; the body is
//!    `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`,
//!    parsed by [`TemporaryCredentials::from_metadata_response`];
//! 3. before each request, refreshes when less than [`REFRESH_MARGIN_SECONDS`]
//!    remain ([`needs_refresh`]).

use std::fmt;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::credentials::{AccessKeyCredentials, Credentials, CredentialsError, Secret};
use crate::resolved::{CredentialSource, Resolved};

/// `HUAWEICLOUD_SDK_METADATA_ENDPOINT`: the metadata service's base URL,
/// instead of [`DEFAULT_METADATA_ENDPOINT`]. Ours (the official SDK has the
/// address built in): tests and the simulator must never reach 169.254.169.254.
pub const ENV_METADATA_ENDPOINT: &str = "HUAWEICLOUD_SDK_METADATA_ENDPOINT";
/// The ECS metadata service's address.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";
/// Path of step 1, `PUT`: a session token for the metadata service.
pub const METADATA_TOKEN_PATH: &str = "/meta-data/latest/api/token";
/// Header of step 1: how long the session token lives, in seconds.
pub const METADATA_TOKEN_TTL_HEADER: &str = "X-Metadata-Token-Ttl-Seconds";
/// Value of [`METADATA_TOKEN_TTL_HEADER`]: six hours, as the official SDK asks.
pub const METADATA_TOKEN_TTL_SECONDS: u32 = 6 * 60 * 60;
/// Path of step 2, `GET`: the temporary AK/SK and security token.
pub const METADATA_SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
/// Header of step 2 carrying the session token from step 1.
pub const METADATA_TOKEN_HEADER: &str = "X-Metadata-Token";
/// `HUAWEICLOUD_SDK_IAM_ENDPOINT`: the IAM endpoint used to find the project
/// id (`GET {iam}/v3/projects?name={region}`). The official SDK takes the
/// profile's `iam_endpoint` ([`Resolved::iam_endpoint`]) first, then this
/// variable, then `https://iam.{region}.myhuaweicloud.com` for regions IAM
/// serves, else `https://iam.myhuaweicloud.com`.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// Temporary credentials are refreshed when fewer than this many seconds
/// remain: the official SDK's `_DEFAULT_EXPIRATION_THRESHOLD_SECONDS` (40 minutes).
pub const REFRESH_MARGIN_SECONDS: i64 = 40 * 60;

/// The largest metadata answer accepted, in bytes. A real one is about 2 KiB
/// (the security token is most of it).
pub const MAX_METADATA_RESPONSE_BYTES: usize = 64 * 1024;

/// The longest `expires_at` text looked at (a real one has 27 characters).
const MAX_EXPIRES_AT_LEN: usize = 64;

/// The metadata service's base URL: [`ENV_METADATA_ENDPOINT`] read through
/// `get` when set (trimmed, without a trailing `/`), else [`DEFAULT_METADATA_ENDPOINT`].
pub fn metadata_endpoint(get: impl Fn(&str) -> Option<String>) -> String {
    get(ENV_METADATA_ENDPOINT)
        .map(|v| v.trim().trim_end_matches('/').to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_METADATA_ENDPOINT.to_owned())
}

/// True when credentials expiring at `expires_at` should be fetched again at
/// `now`: fewer than [`REFRESH_MARGIN_SECONDS`] remain (or they have expired).
pub fn needs_refresh(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    expires_at.signed_duration_since(now) < TimeDelta::seconds(REFRESH_MARGIN_SECONDS)
}

/// Why a metadata answer was refused. Never contains a secret or any text of the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The answer is longer than [`MAX_METADATA_RESPONSE_BYTES`].
    #[error("metadata answer: {len} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON (only the position is given).
    #[error("metadata answer: not JSON (line {line}, column {column})")]
    NotJson {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
    },
    /// A field is missing, empty or not a string.
    #[error("metadata answer: `{field}` is missing, empty or not a string")]
    Missing {
        /// The field, e.g. `credential.secret`.
        field: &'static str,
    },
    /// `expires_at` is not a time like `2026-12-01T10:00:00.000000Z`.
    #[error("metadata answer: `credential.expires_at` {rule}")]
    BadExpiry {
        /// What is wrong with it.
        rule: &'static str,
    },
    /// A credential field breaks a rule (e.g. a control character in `secret`).
    #[error("metadata answer: {0}")]
    Invalid(#[from] CredentialsError),
}

/// Temporary AK/SK and security token from the metadata service, with their expiry.
#[derive(Clone)]
pub struct TemporaryCredentials {
    credentials: AccessKeyCredentials,
    expires_at: DateTime<Utc>,
}

/// Takes the first of `names` that is a non-empty string out of `map` (the
/// official reader's `a or b or c`); moved, not copied, so the secret has one home.
fn take_string(map: &mut serde_json::Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match map.get_mut(*name) {
        Some(Value::String(s)) if !s.is_empty() => Some(std::mem::take(s)),
        _ => None,
    })
}

impl TemporaryCredentials {
    /// Parses the body of `GET /openstack/latest/securitykey`.
    ///
    /// Like the official reader, it looks in `credential` (or `credentials`,
    /// or the top level) for `access` (or `accessKeyId`, `access_key_id`),
    /// `secret` (or `secretAccessKey`, `secret_access_key`), `securitytoken`
    /// (or `securityToken`, `security_token`) and `expires_at` (or
    /// `expiration`). All four are required. `expires_at` is UTC
    /// (`%Y-%m-%dT%H:%M:%S.%fZ`; the fraction may be left out). The official SDK reads
    /// it with `time.mktime`, as local time: a bug we do not copy.
    pub fn from_metadata_response(body: &[u8]) -> Result<Self, MetadataError> {
        if body.len() > MAX_METADATA_RESPONSE_BYTES {
            return Err(MetadataError::TooLarge {
                len: body.len(),
                limit: MAX_METADATA_RESPONSE_BYTES,
            });
        }
        let mut value: Value =
            serde_json::from_slice(body).map_err(|err| MetadataError::NotJson {
                line: err.line(),
                column: err.column(),
            })?;
        let Some(top) = value.as_object_mut() else {
            return Err(MetadataError::Missing {
                field: "credential",
            });
        };
        let inner = ["credential", "credentials"]
            .iter()
            .find(|k| top.contains_key(**k))
            .copied();
        let map = match inner {
            Some(key) => match top.get_mut(key) {
                Some(Value::Object(map)) => map,
                _ => {
                    return Err(MetadataError::Missing {
                        field: "credential",
                    });
                }
            },
            None => top,
        };
        let missing = |field| MetadataError::Missing { field };
        let access = take_string(map, &["access", "accessKeyId", "access_key_id"])
            .ok_or_else(|| missing("credential.access"))?;
        let secret = take_string(map, &["secret", "secretAccessKey", "secret_access_key"])
            .map(Secret::from)
            .ok_or_else(|| missing("credential.secret"))?;
        let token = take_string(map, &["securitytoken", "securityToken", "security_token"])
            .map(Secret::from)
            .ok_or_else(|| missing("credential.securitytoken"))?;
        let expires = take_string(map, &["expires_at", "expiration"])
            .ok_or_else(|| missing("credential.expires_at"))?;
        let expires_at = parse_expires_at(&expires)?;
        let credentials = AccessKeyCredentials::new_named(
            access,
            secret,
            "credential.access",
            "credential.secret",
        )?
        .try_with_security_token_named(token, "credential.securitytoken")?;
        Ok(Self {
            credentials,
            expires_at,
        })
    }

    /// The temporary AK/SK with their security token.
    pub fn credentials(&self) -> &AccessKeyCredentials {
        &self.credentials
    }

    /// When they expire.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// True when they should be fetched again at `now`; see [`needs_refresh`].
    pub fn needs_refresh(&self, now: DateTime<Utc>) -> bool {
        needs_refresh(self.expires_at, now)
    }

    /// As resolved credentials from the metadata service at `address`, with
    /// [`Resolved::expires_at`] set.
    pub fn into_resolved(self, address: impl Into<String>, project_id: Option<String>) -> Resolved {
        let mut resolved = Resolved::explicit(Credentials::AccessKey(self.credentials), project_id);
        resolved.expires_at = Some(self.expires_at);
        resolved.source = CredentialSource::MetadataService(address.into());
        resolved
    }
}

fn parse_expires_at(text: &str) -> Result<DateTime<Utc>, MetadataError> {
    if text.len() > MAX_EXPIRES_AT_LEN {
        return Err(MetadataError::BadExpiry {
            rule: "is too long to be a time",
        });
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.fZ")
        .map(|naive| naive.and_utc())
        .map_err(|_| MetadataError::BadExpiry {
            rule: "is not a UTC time like 2026-12-01T10:00:00.000000Z",
        })
}

impl fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryCredentials")
            .field("credentials", &self.credentials)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl fmt::Display for TemporaryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "temporary credentials (access key {}, expire at {})",
            self.credentials.access_key(),
            self.expires_at.format("%Y-%m-%dT%H:%M:%SZ")
        )
    }
}
