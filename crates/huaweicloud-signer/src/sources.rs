//! Where credentials come from, with the official SDKs' names: explicit values,
//! environment variables, the profile file, and a chain of env then profile.

use std::path::{Path, PathBuf};

use crate::credentials::{AccessKeyCredentials, Credentials, CredentialsError, Secret};

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
/// The profile file's section for regional (project-scoped) credentials.
pub const PROFILE_SECTION: &str = "basic";

/// Where resolved credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Given by the caller.
    Explicit,
    /// `HUAWEICLOUD_SDK_*` environment variables.
    Environment,
    /// The profile file at this path.
    Profile(PathBuf),
}

/// Credentials, the project id if the source had one, and where they came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The credentials.
    pub credentials: Credentials,
    /// The project id (`HUAWEICLOUD_SDK_PROJECT_ID` or `project_id`), when set.
    pub project_id: Option<String>,
    /// The source.
    pub source: CredentialSource,
}

impl Resolved {
    /// Explicit credentials.
    pub fn explicit(credentials: Credentials, project_id: Option<String>) -> Self {
        Self {
            credentials,
            project_id,
            source: CredentialSource::Explicit,
        }
    }
}

/// A source either found credentials or says why it has none.
enum Outcome {
    Found(Resolved),
    Absent(String),
}

impl Outcome {
    fn into_option(self) -> Option<Resolved> {
        match self {
            Self::Found(r) => Some(r),
            Self::Absent(_) => None,
        }
    }
}

/// Names of the four values in one source, for error messages.
struct Names<'a> {
    source_name: String,
    ak: &'a str,
    sk: &'a str,
    token: &'a str,
}

/// Builds credentials from optional values (empty = unset). An AK without an
/// SK, an SK without an AK, or a token without both, is an error.
fn assemble(
    names: &Names<'_>,
    ak: Option<String>,
    sk: Option<Secret>,
    token: Option<Secret>,
    project_id: Option<String>,
    source: CredentialSource,
) -> Result<Outcome, CredentialsError> {
    let incomplete = |set: &str, missing: &str| CredentialsError::Incomplete {
        source_name: names.source_name.clone(),
        set: set.to_owned(),
        missing: missing.to_owned(),
    };
    let (ak, sk) = match (ak, sk) {
        (None, None) => {
            if token.is_some() {
                return Err(incomplete(
                    names.token,
                    &format!("{} and {}", names.ak, names.sk),
                ));
            }
            return Ok(Outcome::Absent(format!(
                "{}: {} and {} not set",
                names.source_name, names.ak, names.sk
            )));
        }
        (Some(_), None) => return Err(incomplete(names.ak, names.sk)),
        (None, Some(_)) => return Err(incomplete(names.sk, names.ak)),
        (Some(ak), Some(sk)) => (ak, sk),
    };
    let mut creds = AccessKeyCredentials::new_named(ak, sk, names.ak, names.sk)?;
    if let Some(token) = token {
        if !token.expose().bytes().all(|b| b.is_ascii_graphic()) {
            return Err(CredentialsError::Invalid {
                field: names.token.to_owned(),
                rule: "must be printable ASCII without spaces",
            });
        }
        creds = creds.with_security_token(token);
    }
    Ok(Outcome::Found(Resolved {
        credentials: Credentials::AccessKey(creds),
        project_id,
        source,
    }))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn env_outcome(get: &impl Fn(&str) -> Option<String>) -> Result<Outcome, CredentialsError> {
    let names = Names {
        source_name: "environment".to_owned(),
        ak: ENV_AK,
        sk: ENV_SK,
        token: ENV_SECURITY_TOKEN,
    };
    assemble(
        &names,
        non_empty(get(ENV_AK)),
        non_empty(get(ENV_SK)).map(Secret::from),
        non_empty(get(ENV_SECURITY_TOKEN)).map(Secret::from),
        non_empty(get(ENV_PROJECT_ID)).map(|p| p.trim().to_owned()),
        CredentialSource::Environment,
    )
}

/// Credentials from `HUAWEICLOUD_SDK_*` variables read through `get` (empty counts as unset).
///
/// `Ok(None)` when neither `HUAWEICLOUD_SDK_AK` nor `HUAWEICLOUD_SDK_SK` is set;
/// an error when only one of them is, or when only the security token is.
pub fn from_env_vars(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<Resolved>, CredentialsError> {
    env_outcome(&get).map(Outcome::into_option)
}

/// [`from_env_vars`] over the process environment.
pub fn from_env() -> Result<Option<Resolved>, CredentialsError> {
    from_env_vars(|name| std::env::var(name).ok())
}

fn profile_outcome(text: &str, path: &Path) -> Result<Outcome, CredentialsError> {
    let shown = path.display().to_string();
    let options = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        ..ini::ParseOption::default()
    };
    // Only the position is reported: the parser's message may quote file content.
    let ini =
        ini::Ini::load_from_str_opt(text, options).map_err(|err| CredentialsError::Profile {
            path: shown.clone(),
            message: format!(
                "not a valid INI file (line {}, column {})",
                err.line, err.col
            ),
        })?;
    // Like Python's configparser: section names are exact, keys case-insensitive.
    let Some(section) = ini.section(Some(PROFILE_SECTION)) else {
        return Ok(Outcome::Absent(format!(
            "credentials file {shown}: no [{PROFILE_SECTION}] section"
        )));
    };
    let get = |key: &str| {
        section
            .iter()
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim().to_owned())
            .next_back()
            .filter(|v| !v.is_empty())
    };
    let names = Names {
        source_name: format!("credentials file {shown}"),
        ak: "ak",
        sk: "sk",
        token: "security_token",
    };
    assemble(
        &names,
        get("ak"),
        get("sk").map(Secret::from),
        get("security_token").map(Secret::from),
        get("project_id"),
        CredentialSource::Profile(path.to_path_buf()),
    )
}

/// Credentials from the text of a profile file (`path` is for messages and the source).
///
/// Reads section `[basic]`, keys `ak`, `sk`, `project_id`, `security_token`.
/// `Ok(None)` when there is no `[basic]` section or it has neither `ak` nor
/// `sk`; an error when the text is not INI or only one of `ak`/`sk` is set.
pub fn from_profile_str(text: &str, path: &Path) -> Result<Option<Resolved>, CredentialsError> {
    profile_outcome(text, path).map(Outcome::into_option)
}

fn profile_file_outcome(path: &Path) -> Result<Outcome, CredentialsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => profile_outcome(&text, path),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Outcome::Absent(format!(
            "credentials file {}: not found",
            path.display()
        ))),
        Err(err) => Err(CredentialsError::Profile {
            path: path.display().to_string(),
            message: format!("cannot be read: {err}"),
        }),
    }
}

/// Credentials from a profile file: a missing file is `Ok(None)`; an
/// unreadable or malformed one is an error. See [`from_profile_str`].
pub fn from_profile_file(path: &Path) -> Result<Option<Resolved>, CredentialsError> {
    profile_file_outcome(path).map(Outcome::into_option)
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
/// file. A source that is partly set is an error, not a fallthrough; when no
/// source has credentials the error lists each one tried and what was missing.
pub fn chain_with(get: impl Fn(&str) -> Option<String>) -> Result<Resolved, CredentialsError> {
    let mut tried = Vec::new();
    match env_outcome(&get)? {
        Outcome::Found(resolved) => return Ok(resolved),
        Outcome::Absent(why) => tried.push(why),
    }
    match profile_path(&get) {
        Some(path) => match profile_file_outcome(&path)? {
            Outcome::Found(resolved) => return Ok(resolved),
            Outcome::Absent(why) => tried.push(why),
        },
        None => tried.push(format!(
            "credentials file: neither {ENV_CREDENTIALS_FILE} nor HOME is set"
        )),
    }
    Err(CredentialsError::NotFound { tried })
}

/// [`chain_with`] over the process environment.
pub fn default_chain() -> Result<Resolved, CredentialsError> {
    chain_with(|name| std::env::var(name).ok())
}
