//! No secret ever shows in `Debug`/`Display`, at any nesting, nor in errors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use huaweicloud_signer::{
    AccessKeyCredentials, Credentials, CredentialsError, Resolved, Secret, chain_with,
    from_env_vars, from_profile_str,
};
use std::path::Path;

const SK: &str = "SK-very-secret-9f8e7d";
const TOKEN: &str = "TOKEN-very-secret-1a2b3c";
const IAM: &str = "MIIIAMTOKENsecret42";

#[allow(dead_code)]
#[derive(Debug)]
struct Config {
    name: &'static str,
    creds: Vec<Option<Credentials>>,
    ak: AccessKeyCredentials,
    secret: Option<Secret>,
    resolved: Resolved,
}

fn assert_clean(text: &str) {
    for secret in [SK, TOKEN, IAM] {
        assert!(!text.contains(secret), "secret leaked in: {text}");
    }
    // Not even a part of one.
    assert!(!text.contains("very-secret"), "secret leaked in: {text}");
    assert!(!text.contains("TOKENsecret"), "secret leaked in: {text}");
}

fn all_kinds() -> Config {
    let ak = AccessKeyCredentials::new("AKVISIBLE", SK)
        .unwrap()
        .with_security_token(TOKEN);
    Config {
        name: "nested",
        creds: vec![
            Some(Credentials::AccessKey(ak.clone())),
            Some(Credentials::iam_token(IAM).unwrap()),
            Some(Credentials::access_key("AK2", SK).unwrap()),
            None,
        ],
        ak: ak.clone(),
        secret: Some(Secret::from(SK)),
        resolved: Resolved::explicit(Credentials::AccessKey(ak), Some("proj".into())),
    }
}

#[test]
fn debug_at_any_nesting_shows_no_secret() {
    let config = all_kinds();
    let compact = format!("{config:?}");
    let pretty = format!("{config:#?}");
    assert_clean(&compact);
    assert_clean(&pretty);
    // The non-secret parts are still there, so the output is useful.
    assert!(compact.contains("AKVISIBLE"));
    assert!(compact.contains("***"));
    assert!(pretty.contains("security_token: Some("));
}

#[test]
fn display_of_every_credential_type_shows_no_secret() {
    let config = all_kinds();
    for c in config.creds.iter().flatten() {
        assert_clean(&c.to_string());
    }
    assert_clean(&config.ak.to_string());
    assert_eq!(Secret::from(SK).to_string(), "***");
    assert_eq!(format!("{:?}", Secret::from(SK)), "***");
    assert_eq!(
        config.ak.to_string(),
        "AK/SK credentials (access key AKVISIBLE, with security token)"
    );
    assert_eq!(
        Credentials::iam_token(IAM).unwrap().to_string(),
        "IAM token (***)"
    );
}

#[test]
fn expose_returns_the_value() {
    let ak = AccessKeyCredentials::new("AK", SK)
        .unwrap()
        .with_security_token(TOKEN);
    assert_eq!(ak.secret_key().expose(), SK);
    assert_eq!(ak.security_token().unwrap().expose(), TOKEN);
}

#[test]
fn signed_header_map_debug_hides_the_security_token() {
    let creds = AccessKeyCredentials::new("AK", SK)
        .unwrap()
        .with_security_token(TOKEN);
    let mut headers = http::HeaderMap::new();
    let uri: http::Uri = "https://example.com/x".parse().unwrap();
    huaweicloud_signer::sign(
        &creds,
        &http::Method::GET,
        &uri,
        &mut headers,
        b"",
        chrono::Utc::now(),
    )
    .unwrap();
    assert_clean(&format!("{headers:?}"));
    assert_eq!(headers["x-security-token"], TOKEN);
}

#[test]
fn errors_show_no_secret() {
    let mut errors: Vec<CredentialsError> = vec![
        from_env_vars(|k| (k == "HUAWEICLOUD_SDK_SK").then(|| SK.to_owned())).unwrap_err(),
        from_env_vars(|k| (k == "HUAWEICLOUD_SDK_SECURITY_TOKEN").then(|| TOKEN.to_owned()))
            .unwrap_err(),
        from_profile_str(&format!("[basic]\nsk = {SK}\n"), Path::new("/p")).unwrap_err(),
        from_profile_str(&format!("[basic]\nsk = {SK}\n[broken\n"), Path::new("/p")).unwrap_err(),
        chain_with(|k| (k == "HUAWEICLOUD_SDK_SK").then(|| SK.to_owned())).unwrap_err(),
        Credentials::iam_token(format!("{IAM} with spaces")).unwrap_err(),
    ];
    errors.push(AccessKeyCredentials::new("", SK).unwrap_err());
    for err in &errors {
        assert_clean(&err.to_string());
        assert_clean(&format!("{err:?}"));
    }
}
