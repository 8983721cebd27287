//! What a credential chain tried, for the error when nothing was found.

use std::fmt;
use std::path::PathBuf;

/// A place credentials were looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptedSource {
    /// Environment variables (the ones looked at).
    Environment {
        /// The variables, e.g. `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`.
        variables: Vec<String>,
    },
    /// The profile file: `None` when no path could be made (neither
    /// `HUAWEICLOUD_SDK_CREDENTIALS_FILE` nor `HOME` set).
    ProfileFile {
        /// The file.
        path: Option<PathBuf>,
        /// The section looked for.
        section: String,
    },
    /// The ECS metadata service (the signer does no network: a caller that
    /// asks it records the attempt here).
    MetadataService {
        /// The address asked, e.g. `http://169.254.169.254`.
        address: String,
    },
}

impl fmt::Display for AttemptedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Environment { .. } => f.write_str("environment"),
            Self::ProfileFile {
                path: Some(path),
                section,
            } => write!(f, "credentials file {} [{section}]", path.display()),
            Self::ProfileFile {
                path: None,
                section,
            } => write!(f, "credentials file [{section}]"),
            Self::MetadataService { address } => write!(f, "metadata service {address}"),
        }
    }
}

/// One source tried and why it gave no credentials. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Where.
    pub source: AttemptedSource,
    /// Why nothing was found there, e.g. `not found` or `HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK not set`.
    pub reason: String,
}

impl Attempt {
    /// An attempt at the metadata service at `address` that failed for `reason`.
    pub fn metadata_service(address: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            source: AttemptedSource::MetadataService {
                address: address.into(),
            },
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.reason)
    }
}

pub(crate) fn join(tried: &[Attempt]) -> String {
    tried
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
