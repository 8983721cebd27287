//! Where credentials come from, with the official SDKs' names: explicit values,
//! environment variables, the profile file, and a chain of env then profile.

use std::path::{Path, PathBuf};

use crate::attempts::{Attempt, AttemptedSource};
use crate::credentials::{CredentialsError, Secret, assemble};
use crate::profile::{self, ProfileOutcome};
use crate::resolved::{CredentialSource, Resolved};

/// `HUAWEICLOUD_SDK_AK`: the access key.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// `HUAWEICLOUD_SDK_SK`: the secret key.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// `HUAWEICLOUD_SDK_SECURITY_TOKEN`: the security token of temporary credentials.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// `HUAWEICLOUD_SDK_PROJECT_ID`: the project id.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`: the profile file, instead of `~/.huaweicloud/credentials`.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// `HUAWEICLOUD_SDK_PROFILE`: the profile file's section to read instead of
/// `[basic]`. Ours, not the official SDK's (which only reads `[basic]`, or
/// `[global]` for global services). Environment variable credentials still
/// come first; a section named here must exist.
pub const ENV_PROFILE: &str = "HUAWEICLOUD_SDK_PROFILE";
/// The profile file's section for regional (project-scoped) credentials: the default.
pub const PROFILE_SECTION: &str = "basic";

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn env_outcome(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Result<Resolved, Attempt>, CredentialsError> {
    let found = assemble(
        "environment",
        (ENV_AK, ENV_SK, ENV_SECURITY_TOKEN),
        non_empty(get(ENV_AK)),
        non_empty(get(ENV_SK)).map(Secret::from),
        non_empty(get(ENV_SECURITY_TOKEN)).map(Secret::from),
    )?;
    Ok(match found {
        Some(credentials) => {
            let mut resolved = Resolved::explicit(
                credentials,
                non_empty(get(ENV_PROJECT_ID)).map(|p| p.trim().to_owned()),
            );
            resolved.source = CredentialSource::Environment;
            Ok(resolved)
        }
        None => Err(Attempt {
            source: AttemptedSource::Environment {
                variables: vec![ENV_AK.to_owned(), ENV_SK.to_owned()],
            },
            reason: format!("{ENV_AK} and {ENV_SK} not set"),
        }),
    })
}

/// Credentials from `HUAWEICLOUD_SDK_*` variables read through `get` (empty counts as unset).
///
/// `Ok(None)` when neither `HUAWEICLOUD_SDK_AK` nor `HUAWEICLOUD_SDK_SK` is set;
/// an error when only one of them is, or when only the security token is.
pub fn from_env_vars(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<Resolved>, CredentialsError> {
    env_outcome(&get).map(Result::ok)
}

/// [`from_env_vars`] over the process environment.
pub fn from_env() -> Result<Option<Resolved>, CredentialsError> {
    from_env_vars(|name| std::env::var(name).ok())
}

fn found(outcome: ProfileOutcome) -> Option<Resolved> {
    match outcome {
        ProfileOutcome::Found(resolved) => Some(*resolved),
        ProfileOutcome::Absent(_) => None,
    }
}

/// Credentials from the text of a profile file (`path` is for messages and the source).
///
/// Reads section `[basic]`, keys `ak`, `sk`, `project_id`, `security_token`,
/// `iam_endpoint`, in the official SDK's dialect (see the crate's `ini`
/// module docs: `:` separators, `[DEFAULT]`, `%` interpolation, ...).
/// `Ok(None)` when there is no `[basic]` section or it has neither `ak` nor
/// `sk`; an error when the text is not such a file or only one of `ak`/`sk` is set.
pub fn from_profile_str(text: &str, path: &Path) -> Result<Option<Resolved>, CredentialsError> {
    profile::outcome(text, path, PROFILE_SECTION, false).map(found)
}

/// Like [`from_profile_str`] for a section chosen by name: a missing section
/// is [`CredentialsError::ProfileSectionMissing`] (listing the sections
/// present), and a section without `ak`/`sk` is an error too. A section whose
/// name starts with `global` gives `domain_id` instead of `project_id`.
pub fn from_profile_str_section(
    text: &str,
    path: &Path,
    section: &str,
) -> Result<Resolved, CredentialsError> {
    match profile::outcome(text, path, section, true)? {
        ProfileOutcome::Found(resolved) => Ok(*resolved),
        ProfileOutcome::Absent(attempt) => Err(CredentialsError::NotFound {
            tried: vec![attempt],
        }),
    }
}

/// Credentials from a profile file's `[basic]` section: a missing file is
/// `Ok(None)`; an unreadable, oversized ([`crate::MAX_PROFILE_BYTES`]),
/// non-regular or malformed one is an error. See [`from_profile_str`].
/// [`Resolved::warnings`] says when others can read the file.
pub fn from_profile_file(path: &Path) -> Result<Option<Resolved>, CredentialsError> {
    profile::file_outcome(path, PROFILE_SECTION, false).map(found)
}

/// [`from_profile_file`] for a section chosen by name: a missing file or section is an error.
pub fn from_profile_file_section(path: &Path, section: &str) -> Result<Resolved, CredentialsError> {
    match profile::file_outcome(path, section, true)? {
        ProfileOutcome::Found(resolved) => Ok(*resolved),
        ProfileOutcome::Absent(attempt) => Err(CredentialsError::NotFound {
            tried: vec![attempt],
        }),
    }
}

/// The profile file: `HUAWEICLOUD_SDK_CREDENTIALS_FILE` when set, else
/// `$HOME/.huaweicloud/credentials`; `None` when neither is set.
pub fn profile_path(get: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(file) = non_empty(get(ENV_CREDENTIALS_FILE)) {
        return Some(PathBuf::from(file));
    }
    non_empty(get("HOME")).map(|home| Path::new(&home).join(".huaweicloud").join("credentials"))
}

/// The chain over variables read through `get`: environment, then the profile
/// file's `[basic]` section (or the one named by `HUAWEICLOUD_SDK_PROFILE`).
/// A source that is partly set is an error, not a fallthrough; when no
/// source has credentials the error ([`CredentialsError::NotFound`]) lists
/// each one tried and why it had nothing.
pub fn chain_with(get: impl Fn(&str) -> Option<String>) -> Result<Resolved, CredentialsError> {
    chain_with_profile(get, None)
}

/// [`chain_with`] with a profile chosen by the caller (e.g. a `--profile`
/// option). With `Some(name)` only the profile file's `[name]` section is
/// read, ahead of any `HUAWEICLOUD_SDK_AK`/`SK` in the environment (the user
/// asked for that profile by name), and a missing file or section is an
/// error. With `None` it is [`chain_with`]: environment first, then the
/// section named by `HUAWEICLOUD_SDK_PROFILE` (which must then exist) or `[basic]`.
pub fn chain_with_profile(
    get: impl Fn(&str) -> Option<String>,
    profile: Option<&str>,
) -> Result<Resolved, CredentialsError> {
    if let Some(name) = profile {
        if name.trim().is_empty() {
            return Err(CredentialsError::Empty {
                field: "profile".to_owned(),
            });
        }
        let Some(path) = profile_path(&get) else {
            return Err(CredentialsError::NotFound {
                tried: vec![no_profile_path(name)],
            });
        };
        return from_profile_file_section(&path, name);
    }
    let mut tried = Vec::new();
    match env_outcome(&get)? {
        Ok(resolved) => return Ok(resolved),
        Err(attempt) => tried.push(attempt),
    }
    let named = non_empty(get(ENV_PROFILE)).map(|p| p.trim().to_owned());
    let section = named.as_deref().unwrap_or(PROFILE_SECTION);
    match profile_path(&get) {
        Some(path) => match profile::file_outcome(&path, section, named.is_some())? {
            ProfileOutcome::Found(resolved) => return Ok(*resolved),
            ProfileOutcome::Absent(attempt) => tried.push(attempt),
        },
        None => tried.push(no_profile_path(section)),
    }
    Err(CredentialsError::NotFound { tried })
}

fn no_profile_path(section: &str) -> Attempt {
    Attempt {
        source: AttemptedSource::ProfileFile {
            path: None,
            section: section.to_owned(),
        },
        reason: format!("neither {ENV_CREDENTIALS_FILE} nor HOME is set"),
    }
}

/// [`chain_with`] over the process environment.
pub fn default_chain() -> Result<Resolved, CredentialsError> {
    chain_with(|name| std::env::var(name).ok())
}
