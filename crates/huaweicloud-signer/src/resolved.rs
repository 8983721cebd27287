//! What a credential source resolved to: the credentials, what the source
//! said besides, and where they came from. Below every source (environment,
//! profile file, metadata service), so that each builds one without the
//! sources importing one another.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::credentials::Credentials;

/// Where resolved credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Given by the caller.
    Explicit,
    /// `HUAWEICLOUD_SDK_*` environment variables.
    Environment,
    /// The profile file at this path.
    Profile(PathBuf),
    /// The ECS metadata service at this address (temporary credentials).
    MetadataService(String),
}

/// Credentials, what the source said besides, and where they came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The credentials.
    pub credentials: Credentials,
    /// The project id (`HUAWEICLOUD_SDK_PROJECT_ID` or the profile's
    /// `project_id`), when set. Never read from a `[global...]` section, like
    /// the official SDK.
    pub project_id: Option<String>,
    /// The profile's `domain_id`, read only from a `[global...]` section (as the official SDK does).
    pub domain_id: Option<String>,
    /// The profile's `iam_endpoint`, for finding the project id through IAM.
    /// The official SDK prefers it to [`crate::ENV_IAM_ENDPOINT`].
    pub iam_endpoint: Option<String>,
    /// The profile file's section the credentials came from.
    pub profile: Option<String>,
    /// When temporary credentials expire (metadata service); see [`crate::needs_refresh`].
    pub expires_at: Option<DateTime<Utc>>,
    /// Things to tell the user (e.g. a profile file others can read). The
    /// signer logs nothing itself.
    pub warnings: Vec<CredentialWarning>,
    /// The source.
    pub source: CredentialSource,
}

impl Resolved {
    /// Explicit credentials.
    pub fn explicit(credentials: Credentials, project_id: Option<String>) -> Self {
        Self {
            credentials,
            project_id,
            domain_id: None,
            iam_endpoint: None,
            profile: None,
            expires_at: None,
            warnings: Vec::new(),
            source: CredentialSource::Explicit,
        }
    }
}

/// Something the caller should tell the user about, without failing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialWarning {
    /// The profile file can be read or written by the group or by others (unix).
    ProfilePermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits, e.g. `0o644`.
        mode: u32,
    },
}

impl fmt::Display for CredentialWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ProfilePermissions { path, mode } => write!(
                f,
                "credentials file {} has mode {mode:04o}: other users on this machine can read or change its keys; run `chmod 600 {}`",
                path.display(),
                path.display()
            ),
        }
    }
}
