//! Profile files that are not what they should be: devices, pipes, huge or
//! shared files, secrets with line breaks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::HashMap;
use std::path::Path;

use huaweicloud_signer::{
    AccessKeyCredentials, CredentialWarning, CredentialsError, MAX_PROFILE_BYTES, chain_with,
    from_env_vars, from_profile_file,
};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn dev_zero_fails_at_once_naming_the_file_and_the_limit() {
    let err = chain_with(env(&[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/dev/zero")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "credentials file /dev/zero: is a character device; only a regular file of at most {MAX_PROFILE_BYTES} bytes is read"
        )
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_without_a_writer_is_refused_without_opening_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("creds");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils) is needed for this test");
    assert!(status.success());
    // Opening it would block forever: the type is checked first.
    let err = from_profile_file(&fifo).unwrap_err();
    assert!(err.to_string().contains("is a named pipe (FIFO)"), "{err}");
}

#[test]
fn a_directory_is_refused_as_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = from_profile_file(dir.path()).unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
}

#[test]
fn a_file_past_the_limit_is_refused_and_one_at_the_limit_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    let head = "[basic]\nak = A\nsk = S\n";
    let limit = usize::try_from(MAX_PROFILE_BYTES).unwrap();
    let mut text = String::from(head);
    text.push('#');
    text.push_str(&"x".repeat(limit - head.len() - 2));
    text.push('\n');
    assert_eq!(text.len(), limit);
    std::fs::write(&path, &text).unwrap();
    assert!(from_profile_file(&path).unwrap().is_some());

    text.push('\n');
    std::fs::write(&path, &text).unwrap();
    let err = from_profile_file(&path).unwrap_err();
    assert_eq!(
        err,
        CredentialsError::ProfileTooLarge {
            path: path.display().to_string(),
            limit: MAX_PROFILE_BYTES,
        }
    );
    assert!(
        err.to_string()
            .contains("larger than the limit of 1048576 bytes")
    );

    // A sparse 24 GB file is refused from its size, without reading.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(24 * 1024 * 1024 * 1024).unwrap();
    assert!(matches!(
        from_profile_file(&path),
        Err(CredentialsError::ProfileTooLarge { .. })
    ));
}

#[test]
fn a_file_that_is_not_utf8_names_the_offset_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    std::fs::write(&path, b"[basic]\nak = A\nsk = S\xff\xfe\n").unwrap();
    let err = from_profile_file(&path).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("is not UTF-8 text (invalid byte at offset 21)"),
        "{err}"
    );
}

#[test]
fn a_bom_file_on_disk_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    std::fs::write(&path, "\u{feff}[basic]\r\nak = A\r\nsk = S\r\n").unwrap();
    assert!(from_profile_file(&path).unwrap().is_some());
}

#[cfg(unix)]
#[test]
fn a_file_others_can_read_or_write_gives_a_warning_naming_path_mode_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    std::fs::write(&path, "[basic]\nak = A\nsk = S\n").unwrap();

    set_mode(&path, 0o600);
    assert!(
        from_profile_file(&path)
            .unwrap()
            .unwrap()
            .warnings
            .is_empty()
    );
    set_mode(&path, 0o400);
    assert!(
        from_profile_file(&path)
            .unwrap()
            .unwrap()
            .warnings
            .is_empty()
    );

    for mode in [0o644, 0o640, 0o604, 0o620, 0o602] {
        set_mode(&path, mode);
        let r = from_profile_file(&path).unwrap().unwrap();
        assert_eq!(
            r.warnings,
            vec![CredentialWarning::ProfilePermissions {
                path: path.clone(),
                mode,
            }],
            "mode {mode:o}"
        );
    }
    let file = path.to_str().unwrap();
    let r = chain_with(env(&[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", file)])).unwrap();
    assert_eq!(
        r.warnings[0].to_string(),
        format!(
            "credentials file {file} has mode 0602: other users on this machine can read or change its keys; run `chmod 600 {file}`"
        )
    );
}

#[test]
fn a_secret_key_with_a_line_break_or_control_character_is_refused_by_name() {
    for sk in ["SK\n", "SK\r", "SK\r\n", "S\tK", "S\u{0}K", "SK\u{7f}"] {
        let err = AccessKeyCredentials::new("AK", sk).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sk must not contain control characters (a trailing newline or CR, a tab, ...)"
        );
        let err = from_env_vars(env(&[
            ("HUAWEICLOUD_SDK_AK", "AK"),
            ("HUAWEICLOUD_SDK_SK", sk),
        ]))
        .unwrap_err();
        assert!(
            matches!(&err, CredentialsError::Invalid { field, .. } if field == "HUAWEICLOUD_SDK_SK"),
            "{err}"
        );
    }
    // Spaces and non-ASCII are allowed in an SK (the official signer signs them).
    assert!(AccessKeyCredentials::new("AK", "sk with spaces ✓").is_ok());
}

#[test]
fn a_security_token_with_a_line_break_is_refused_by_name() {
    let keys = AccessKeyCredentials::new("AK", "SK").unwrap();
    let err = keys.clone().try_with_security_token("TOKEN\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "security_token must not contain control characters (a trailing newline or CR, a tab, ...)"
    );
    let err = keys.clone().try_with_security_token("TO KEN").unwrap_err();
    assert_eq!(
        err.to_string(),
        "security_token must be printable ASCII without spaces"
    );
    assert!(keys.try_with_security_token("TOKEN").is_ok());

    let err = from_env_vars(env(&[
        ("HUAWEICLOUD_SDK_AK", "AK"),
        ("HUAWEICLOUD_SDK_SK", "SK"),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "TOKEN\r\n"),
    ]))
    .unwrap_err();
    assert!(
        matches!(&err, CredentialsError::Invalid { field, .. } if field == "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
        "{err}"
    );
    assert!(!err.to_string().contains("TOKEN\r"));
}
