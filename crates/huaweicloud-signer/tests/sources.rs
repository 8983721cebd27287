//! Credential sources: environment, profile file, chain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use huaweicloud_signer::{
    CredentialSource, Credentials, CredentialsError, chain_with, from_env_vars, from_profile_file,
    from_profile_str, profile_path,
};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

fn ak_of(c: &Credentials) -> (&str, &str, Option<&str>) {
    match c {
        Credentials::AccessKey(a) => (
            a.access_key(),
            a.secret_key().expose(),
            a.security_token().map(|t| t.expose()),
        ),
        Credentials::IamToken(_) => panic!("expected AK/SK"),
    }
}

#[test]
fn env_with_everything() {
    let r = from_env_vars(env(&[
        ("HUAWEICLOUD_SDK_AK", "AK1"),
        ("HUAWEICLOUD_SDK_SK", "SK1"),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "TOK"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "proj1"),
    ]))
    .unwrap()
    .unwrap();
    assert_eq!(ak_of(&r.credentials), ("AK1", "SK1", Some("TOK")));
    assert_eq!(r.project_id.as_deref(), Some("proj1"));
    assert_eq!(r.source, CredentialSource::Environment);
}

#[test]
fn env_with_nothing_or_empty_values_is_none() {
    assert!(from_env_vars(env(&[])).unwrap().is_none());
    assert!(
        from_env_vars(env(&[
            ("HUAWEICLOUD_SDK_AK", ""),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "p")
        ]))
        .unwrap()
        .is_none()
    );
}

#[test]
fn env_with_half_a_pair_is_an_error_naming_both_variables() {
    let err = from_env_vars(env(&[("HUAWEICLOUD_SDK_AK", "AK1")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment: HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"
    );
    let err = from_env_vars(env(&[("HUAWEICLOUD_SDK_SK", "SK1")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment: HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not"
    );
    let err = from_env_vars(env(&[("HUAWEICLOUD_SDK_SECURITY_TOKEN", "T")])).unwrap_err();
    assert!(err.to_string().contains(
        "HUAWEICLOUD_SDK_SECURITY_TOKEN is set but HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK is not"
    ));
}

#[test]
fn env_with_a_bad_access_key_names_the_variable() {
    let err = from_env_vars(env(&[
        ("HUAWEICLOUD_SDK_AK", "A K"),
        ("HUAWEICLOUD_SDK_SK", "S"),
    ]))
    .unwrap_err();
    assert!(
        matches!(err, CredentialsError::Invalid { ref field, .. } if field == "HUAWEICLOUD_SDK_AK")
    );
}

#[test]
fn profile_basic_section() {
    let text = "\
# comment
[other]
ak = NOPE
sk = NOPE

[basic]
AK = AKP
sk = s3cr=t;#\\x with=signs
project_id = projP
security_token = TOKP
";
    let r = from_profile_str(text, Path::new("/etc/creds"))
        .unwrap()
        .unwrap();
    // Keys are case-insensitive like configparser; values kept verbatim (no escapes, no inline comments).
    assert_eq!(
        ak_of(&r.credentials),
        ("AKP", "s3cr=t;#\\x with=signs", Some("TOKP"))
    );
    assert_eq!(r.project_id.as_deref(), Some("projP"));
    assert_eq!(
        r.source,
        CredentialSource::Profile(PathBuf::from("/etc/creds"))
    );
}

#[test]
fn profile_without_basic_or_keys_is_none() {
    assert!(
        from_profile_str("[global]\nak=a\nsk=b\n", Path::new("/c"))
            .unwrap()
            .is_none()
    );
    assert!(
        from_profile_str("[basic]\nproject_id=p\n", Path::new("/c"))
            .unwrap()
            .is_none()
    );
    assert!(from_profile_str("", Path::new("/c")).unwrap().is_none());
}

#[test]
fn profile_with_half_a_pair_or_bad_syntax_is_an_error() {
    let err = from_profile_str("[basic]\nak = A\n", Path::new("/c")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "credentials file /c [basic]: ak is set but sk is not"
    );
    let err = from_profile_str("[basic\nak = A\n", Path::new("/c")).unwrap_err();
    assert!(matches!(err, CredentialsError::Profile { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "credentials file /c: line 1: a key before any [section] (the profile starts with a header such as [basic])"
    );
}

#[test]
fn profile_file_missing_is_none_and_present_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    assert!(from_profile_file(&path).unwrap().is_none());
    std::fs::write(&path, "[basic]\nak=AKF\nsk=SKF\n").unwrap();
    let r = from_profile_file(&path).unwrap().unwrap();
    assert_eq!(ak_of(&r.credentials), ("AKF", "SKF", None));
    // A directory cannot be read as a file: an error, not "missing".
    assert!(from_profile_file(dir.path()).is_err());
}

#[test]
fn profile_path_prefers_the_variable_then_home() {
    assert_eq!(
        profile_path(env(&[
            ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/x/c"),
            ("HOME", "/h")
        ])),
        Some(PathBuf::from("/x/c"))
    );
    assert_eq!(
        profile_path(env(&[("HOME", "/h")])),
        Some(PathBuf::from("/h/.huaweicloud/credentials"))
    );
    assert_eq!(profile_path(env(&[])), None);
}

#[test]
fn chain_prefers_env_then_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creds");
    std::fs::write(&path, "[basic]\nak=AKF\nsk=SKF\nproject_id=pf\n").unwrap();
    let file = path.to_str().unwrap();

    let r = chain_with(env(&[
        ("HUAWEICLOUD_SDK_AK", "AKE"),
        ("HUAWEICLOUD_SDK_SK", "SKE"),
        ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", file),
    ]))
    .unwrap();
    assert_eq!(r.source, CredentialSource::Environment);

    let r = chain_with(env(&[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", file)])).unwrap();
    assert_eq!(r.source, CredentialSource::Profile(path.clone()));
    assert_eq!(ak_of(&r.credentials).0, "AKF");
    assert_eq!(r.project_id.as_deref(), Some("pf"));

    // An AK without an SK stops the chain even though the profile has credentials.
    let err = chain_with(env(&[
        ("HUAWEICLOUD_SDK_AK", "AKE"),
        ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", file),
    ]))
    .unwrap_err();
    assert!(matches!(err, CredentialsError::Incomplete { .. }));
}

#[test]
fn chain_error_lists_what_was_tried_and_missing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_str().unwrap();
    let err = chain_with(env(&[("HOME", home)])).unwrap_err();
    let CredentialsError::NotFound { tried } = &err else {
        panic!("{err}")
    };
    assert_eq!(tried.len(), 2);
    let text = err.to_string();
    assert!(
        text.contains("environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK not set"),
        "{text}"
    );
    assert!(
        text.contains(".huaweicloud/credentials [basic]: not found"),
        "{text}"
    );

    let err = chain_with(env(&[])).unwrap_err();
    assert!(
        err.to_string()
            .contains("neither HUAWEICLOUD_SDK_CREDENTIALS_FILE nor HOME is set")
    );
}

#[test]
fn explicit_constructors_name_the_field() {
    let err = Credentials::access_key(" ", "sk").unwrap_err();
    assert_eq!(err.to_string(), "ak must not be empty");
    let err = Credentials::access_key("AK", "  ").unwrap_err();
    assert_eq!(err.to_string(), "sk must not be empty");
    let err = Credentials::iam_token("").unwrap_err();
    assert_eq!(err.to_string(), "IAM token must not be empty");
}

#[test]
fn chain_error_carries_typed_attempts() {
    use huaweicloud_signer::{Attempt, AttemptedSource};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creds");
    std::fs::write(&path, "[other]\nak=A\nsk=S\n").unwrap();
    let err = chain_with(env(&[(
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        path.to_str().unwrap(),
    )]))
    .unwrap_err();
    let CredentialsError::NotFound { tried } = err else {
        panic!("{err}")
    };
    assert_eq!(
        tried,
        vec![
            Attempt {
                source: AttemptedSource::Environment {
                    variables: vec!["HUAWEICLOUD_SDK_AK".into(), "HUAWEICLOUD_SDK_SK".into()],
                },
                reason: "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK not set".into(),
            },
            Attempt {
                source: AttemptedSource::ProfileFile {
                    path: Some(path.clone()),
                    section: "basic".into(),
                },
                reason: "no [basic] section (sections present: other)".into(),
            },
        ]
    );
}

#[test]
fn profile_named_by_the_variable_comes_after_env_and_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creds");
    std::fs::write(
        &path,
        "[basic]\nak=AKB\nsk=SKB\n[dev]\nak=AKD\nsk=SKD\nproject_id=pd\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();

    let r = chain_with(env(&[
        ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", file),
        ("HUAWEICLOUD_SDK_PROFILE", "dev"),
    ]))
    .unwrap();
    assert_eq!(ak_of(&r.credentials).0, "AKD");
    assert_eq!(r.profile.as_deref(), Some("dev"));
    assert_eq!(r.project_id.as_deref(), Some("pd"));

    // Environment keys still come first, as with [basic].
    let r = chain_with(env(&[
        ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", file),
        ("HUAWEICLOUD_SDK_PROFILE", "dev"),
        ("HUAWEICLOUD_SDK_AK", "AKE"),
        ("HUAWEICLOUD_SDK_SK", "SKE"),
    ]))
    .unwrap();
    assert_eq!(r.source, CredentialSource::Environment);

    let err = chain_with(env(&[
        ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", file),
        ("HUAWEICLOUD_SDK_PROFILE", "prod"),
    ]))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("credentials file {file}: no [prod] section (sections present: basic, dev)")
    );

    // A profile asked for in a file that does not exist is an error, not a fallthrough.
    let missing = dir.path().join("nope");
    let err = chain_with(env(&[
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            missing.to_str().unwrap(),
        ),
        ("HUAWEICLOUD_SDK_PROFILE", "dev"),
    ]))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("not found (profile [dev] was asked for)"),
        "{err}"
    );
}

#[test]
fn a_profile_chosen_by_the_caller_wins_over_env() {
    use huaweicloud_signer::chain_with_profile;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creds");
    std::fs::write(&path, "[basic]\nak=AKB\nsk=SKB\n[dev]\nak=AKD\nsk=SKD\n").unwrap();
    let file = path.to_str().unwrap();
    let pairs = [
        ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", file),
        ("HUAWEICLOUD_SDK_AK", "AKE"),
        ("HUAWEICLOUD_SDK_SK", "SKE"),
        ("HUAWEICLOUD_SDK_PROFILE", "basic"),
    ];
    let vars = env(&pairs);
    let r = chain_with_profile(&vars, Some("dev")).unwrap();
    assert_eq!(ak_of(&r.credentials).0, "AKD");
    assert_eq!(r.source, CredentialSource::Profile(path.clone()));
    // None is the plain chain: env first.
    assert_eq!(
        chain_with_profile(&vars, None).unwrap().source,
        CredentialSource::Environment
    );

    let err = chain_with_profile(&vars, Some("prod")).unwrap_err();
    assert!(
        matches!(err, CredentialsError::ProfileSectionMissing { .. }),
        "{err}"
    );
    let err = chain_with_profile(&vars, Some(" ")).unwrap_err();
    assert_eq!(err.to_string(), "profile must not be empty");
    let err = chain_with_profile(env(&[]), Some("dev")).unwrap_err();
    assert!(
        err.to_string().contains(
            "credentials file [dev]: neither HUAWEICLOUD_SDK_CREDENTIALS_FILE nor HOME is set"
        ),
        "{err}"
    );
}
