//! The profile file: read with a bound, checked for loose permissions, and
//! turned into credentials the way the official SDK's `ProfileCredentialProvider` does.

use std::io::Read;
use std::path::Path;

use crate::attempts::{Attempt, AttemptedSource};
use crate::credentials::{CredentialsError, Secret, assemble};
use crate::ini::{Ini, IniError};
use crate::resolved::{CredentialSource, CredentialWarning, Resolved};

/// The largest profile file read, in bytes (1 MiB). A real one is a few
/// hundred bytes; the bound is there so that a wrong path (`/dev/zero`, a log
/// file) fails at once instead of filling memory.
pub const MAX_PROFILE_BYTES: u64 = 1024 * 1024;

/// The section the official SDK reads for global (domain-scoped) credentials.
/// Sections whose name starts with `global` give `domain_id`, not `project_id`.
pub const GLOBAL_PROFILE_SECTION: &str = "global";

/// What the profile file gave for one section.
pub(crate) enum ProfileOutcome {
    Found(Box<Resolved>),
    Absent(Attempt),
}

fn profile_error(path: &Path, message: impl Into<String>) -> CredentialsError {
    CredentialsError::Profile {
        path: path.display().to_string(),
        message: message.into(),
    }
}

fn absent(path: &Path, section: &str, reason: impl Into<String>) -> ProfileOutcome {
    ProfileOutcome::Absent(Attempt {
        source: AttemptedSource::ProfileFile {
            path: Some(path.to_path_buf()),
            section: section.to_owned(),
        },
        reason: reason.into(),
    })
}

/// Reads `section` of the profile text. When `required` (a profile chosen by
/// name), a missing section or one without `ak`/`sk` is an error; otherwise
/// it is [`ProfileOutcome::Absent`] and the chain goes on, as the official
/// chain does.
pub(crate) fn outcome(
    text: &str,
    path: &Path,
    section: &str,
    required: bool,
) -> Result<ProfileOutcome, CredentialsError> {
    let syntax = |err: IniError| profile_error(path, err.to_string());
    let ini = Ini::parse(text).map_err(syntax)?;
    let Some(items) = ini.items(section).map_err(syntax)? else {
        let present = ini.section_names();
        if required {
            return Err(CredentialsError::ProfileSectionMissing {
                path: path.display().to_string(),
                section: section.to_owned(),
                present,
            });
        }
        let listed = if present.is_empty() {
            "none".to_owned()
        } else {
            present.join(", ")
        };
        return Ok(absent(
            path,
            section,
            format!("no [{section}] section (sections present: {listed})"),
        ));
    };
    // The official reader treats an empty value as unset.
    let get = |key: &str| items.get(key).filter(|v| !v.is_empty()).cloned();
    if get("idp_id").is_some() && get("id_token_file").is_some() {
        // The official SDK would then ignore ak/sk and federate through IAM.
        return Err(profile_error(
            path,
            format!(
                "[{section}] has idp_id and id_token_file (federated credentials), which this client does not support; use ak and sk"
            ),
        ));
    }
    let shown = format!("credentials file {} [{section}]", path.display());
    let Some(credentials) = assemble(
        &shown,
        ("ak", "sk", "security_token"),
        get("ak"),
        get("sk").map(Secret::from),
        get("security_token").map(Secret::from),
    )?
    else {
        if required {
            return Err(profile_error(path, format!("[{section}] has no ak and sk")));
        }
        return Ok(absent(path, section, "ak and sk not set"));
    };
    let global = section.starts_with(GLOBAL_PROFILE_SECTION);
    let mut resolved = Resolved::explicit(credentials, None);
    resolved.source = CredentialSource::Profile(path.to_path_buf());
    resolved.profile = Some(section.to_owned());
    resolved.iam_endpoint = get("iam_endpoint");
    if global {
        resolved.domain_id = get("domain_id");
    } else {
        resolved.project_id = get("project_id");
    }
    Ok(ProfileOutcome::Found(Box::new(resolved)))
}

/// What kind of thing a non-regular path is, for the error.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

fn not_regular(path: &Path, file_type: std::fs::FileType) -> CredentialsError {
    profile_error(
        path,
        format!(
            "is {}; only a regular file of at most {MAX_PROFILE_BYTES} bytes is read",
            kind_of(file_type)
        ),
    )
}

fn too_large(path: &Path) -> CredentialsError {
    CredentialsError::ProfileTooLarge {
        path: path.display().to_string(),
        limit: MAX_PROFILE_BYTES,
    }
}

/// Reads the profile file: `Ok(None)` when it does not exist. The type and
/// size are checked before opening (opening a FIFO with no writer would block
/// forever) and again on the open file; the read itself stops after
/// [`MAX_PROFILE_BYTES`] + 1 bytes whatever the metadata said.
pub(crate) fn read(
    path: &Path,
) -> Result<Option<(String, Vec<CredentialWarning>)>, CredentialsError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(profile_error(path, format!("cannot be read: {err}"))),
    };
    if !meta.is_file() {
        return Err(not_regular(path, meta.file_type()));
    }
    if meta.len() > MAX_PROFILE_BYTES {
        return Err(too_large(path));
    }
    let file = std::fs::File::open(path)
        .map_err(|err| profile_error(path, format!("cannot be read: {err}")))?;
    let meta = file
        .metadata()
        .map_err(|err| profile_error(path, format!("cannot be read: {err}")))?;
    if !meta.is_file() {
        return Err(not_regular(path, meta.file_type()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(64 * 1024));
    file.take(MAX_PROFILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| profile_error(path, format!("cannot be read: {err}")))?;
    if bytes.len() as u64 > MAX_PROFILE_BYTES {
        return Err(too_large(path));
    }
    let text = String::from_utf8(bytes).map_err(|err| {
        profile_error(
            path,
            format!(
                "is not UTF-8 text (invalid byte at offset {})",
                err.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(Some((text, permission_warnings(path, &meta))))
}

#[cfg(unix)]
fn permission_warnings(path: &Path, meta: &std::fs::Metadata) -> Vec<CredentialWarning> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o066 == 0 {
        return Vec::new();
    }
    vec![CredentialWarning::ProfilePermissions {
        path: path.to_path_buf(),
        mode,
    }]
}

#[cfg(not(unix))]
fn permission_warnings(_path: &Path, _meta: &std::fs::Metadata) -> Vec<CredentialWarning> {
    Vec::new()
}

/// Reads the file and then `section` of it. A missing file is
/// [`ProfileOutcome::Absent`] unless `required`.
pub(crate) fn file_outcome(
    path: &Path,
    section: &str,
    required: bool,
) -> Result<ProfileOutcome, CredentialsError> {
    let Some((text, warnings)) = read(path)? else {
        if required {
            return Err(profile_error(
                path,
                format!("not found (profile [{section}] was asked for)"),
            ));
        }
        return Ok(absent(path, section, "not found"));
    };
    let mut found = outcome(&text, path, section, required)?;
    if let ProfileOutcome::Found(resolved) = &mut found {
        resolved.warnings = warnings;
    }
    Ok(found)
}
