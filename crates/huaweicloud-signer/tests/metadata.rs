//! Temporary credentials from the ECS metadata service: parsing the answer
//! (hostile ones too), the refresh rule, the addresses.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use chrono::{DateTime, TimeZone, Utc};
use huaweicloud_signer::{
    Attempt, CredentialSource, Credentials, CredentialsError, MAX_METADATA_RESPONSE_BYTES,
    MetadataError, REFRESH_MARGIN_SECONDS, TemporaryCredentials, chain_with, metadata_endpoint,
    needs_refresh,
};

const SECRET: &str = "tmpSECRETvalue0123456789abcdefghij";
const TOKEN: &str = "gQpjbi1ub3J0aC00SECRETTOKENvalue=";

fn answer(expires_at: &str) -> String {
    format!(
        r#"{{"credential": {{"access": "HSTAEXAMPLE", "secret": "{SECRET}", "securitytoken": "{TOKEN}", "expires_at": "{expires_at}"}}}}"#
    )
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn parse(body: &str) -> Result<TemporaryCredentials, MetadataError> {
    TemporaryCredentials::from_metadata_response(body.as_bytes())
}

#[test]
fn the_official_answer_parses_into_signing_credentials_and_an_expiry() {
    let t = parse(&answer("2026-12-01T10:00:00.000000Z")).unwrap();
    assert_eq!(t.credentials().access_key(), "HSTAEXAMPLE");
    assert_eq!(t.credentials().secret_key().expose(), SECRET);
    assert_eq!(t.credentials().security_token().unwrap().expose(), TOKEN);
    assert_eq!(t.expires_at(), at(2026, 12, 1, 10, 0, 0));

    // Without the fraction, and with the official reader's alternative names.
    let t = parse(&format!(
        r#"{{"credentials": {{"accessKeyId": "AK2", "secretAccessKey": "{SECRET}", "securityToken": "{TOKEN}", "expiration": "2026-12-01T10:00:00Z"}}}}"#
    ))
    .unwrap();
    assert_eq!(t.credentials().access_key(), "AK2");
    assert_eq!(t.expires_at(), at(2026, 12, 1, 10, 0, 0));

    let r = t.into_resolved("http://127.0.0.1:9", Some("proj".into()));
    assert_eq!(
        r.source,
        CredentialSource::MetadataService("http://127.0.0.1:9".into())
    );
    assert_eq!(r.expires_at, Some(at(2026, 12, 1, 10, 0, 0)));
    assert_eq!(r.project_id.as_deref(), Some("proj"));
    assert!(matches!(r.credentials, Credentials::AccessKey(_)));
}

#[test]
fn refresh_when_under_forty_minutes_remain() {
    assert_eq!(REFRESH_MARGIN_SECONDS, 40 * 60);
    let t = parse(&answer("2026-12-01T10:00:00.000000Z")).unwrap();
    assert!(!t.needs_refresh(at(2026, 12, 1, 9, 0, 0)));
    assert!(
        !t.needs_refresh(at(2026, 12, 1, 9, 20, 0)),
        "exactly 40 minutes left"
    );
    assert!(t.needs_refresh(at(2026, 12, 1, 9, 20, 1)));
    assert!(t.needs_refresh(at(2026, 12, 1, 11, 0, 0)), "expired");
    assert!(needs_refresh(
        at(2000, 1, 1, 0, 0, 0),
        at(2026, 1, 1, 0, 0, 0)
    ));
}

#[test]
fn missing_or_empty_fields_are_named() {
    let cases = [
        (r#"{}"#, "credential.access"),
        (r#"[]"#, "credential"),
        (r#"{"credential": "x"}"#, "credential"),
        (
            r#"{"credential": {"secret": "s", "securitytoken": "t", "expires_at": "2026-12-01T10:00:00Z"}}"#,
            "credential.access",
        ),
        (
            r#"{"credential": {"access": "a", "secret": "", "securitytoken": "t", "expires_at": "2026-12-01T10:00:00Z"}}"#,
            "credential.secret",
        ),
        (
            r#"{"credential": {"access": "a", "secret": 5, "securitytoken": "t", "expires_at": "2026-12-01T10:00:00Z"}}"#,
            "credential.secret",
        ),
        (
            r#"{"credential": {"access": "a", "secret": "s", "expires_at": "2026-12-01T10:00:00Z"}}"#,
            "credential.securitytoken",
        ),
        (
            r#"{"credential": {"access": "a", "secret": "s", "securitytoken": "t"}}"#,
            "credential.expires_at",
        ),
    ];
    for (body, field) in cases {
        assert_eq!(
            parse(body).unwrap_err(),
            MetadataError::Missing { field },
            "{body}"
        );
    }
}

#[test]
fn bad_dates_are_refused() {
    for date in [
        "2026-12-01",
        "2026-12-01T10:00:00.000000",
        "2026-13-01T10:00:00.000000Z",
        "2026-02-30T10:00:00.000000Z",
        "tomorrow",
        "2026-12-01T10:00:00.000000+08:00",
    ] {
        let err = parse(&answer(date)).unwrap_err();
        assert!(
            matches!(err, MetadataError::BadExpiry { .. }),
            "{date}: {err}"
        );
        assert_eq!(
            err.to_string(),
            "metadata answer: `credential.expires_at` is not a UTC time like 2026-12-01T10:00:00.000000Z"
        );
    }
    let err = parse(&answer(&"9".repeat(1000))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "metadata answer: `credential.expires_at` is too long to be a time"
    );
}

#[test]
fn huge_and_non_json_answers_are_refused_without_quoting_them() {
    let huge = format!(
        r#"{{"credential": {{"access": "{}"}}}}"#,
        "A".repeat(MAX_METADATA_RESPONSE_BYTES)
    );
    assert!(matches!(
        parse(&huge).unwrap_err(),
        MetadataError::TooLarge { .. }
    ));

    let err = parse(&format!("<html>{SECRET}</html>")).unwrap_err();
    assert_eq!(err, MetadataError::NotJson { line: 1, column: 1 });
    let err = parse(&format!(r#"{{"credential": {{"secret": "{SECRET}""#)).unwrap_err();
    assert!(matches!(err, MetadataError::NotJson { .. }));
    assert!(!err.to_string().contains(SECRET));
}

#[test]
fn bad_credential_values_are_refused_by_field() {
    let body = answer("2026-12-01T10:00:00Z").replace(SECRET, r"secret\n");
    let err = parse(&body).unwrap_err();
    assert_eq!(
        err.to_string(),
        "metadata answer: credential.secret must not contain control characters (a trailing newline or CR, a tab, ...)"
    );
    let body = answer("2026-12-01T10:00:00Z").replace(TOKEN, "tok en");
    let err = parse(&body).unwrap_err();
    assert!(matches!(
        err,
        MetadataError::Invalid(CredentialsError::Invalid { ref field, .. }) if field == "credential.securitytoken"
    ));
    let body = answer("2026-12-01T10:00:00Z").replace("HSTAEXAMPLE", "HS TA");
    assert!(
        parse(&body)
            .unwrap_err()
            .to_string()
            .contains("credential.access")
    );
}

#[test]
fn secrets_never_show_in_debug_display_or_errors() {
    let t = parse(&answer("2026-12-01T10:00:00.000000Z")).unwrap();
    let shown = format!("{t:?} {t} {:?}", t.clone().into_resolved("http://x", None));
    assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("HSTAEXAMPLE"));
    assert!(shown.contains("2026-12-01T10:00:00Z"));

    let broken = [
        answer("not a date"),
        answer("2026-12-01T10:00:00Z").replace("HSTAEXAMPLE", ""),
        format!(r#"{{"credential": {{"access": ["{SECRET}"], "secret": "{SECRET}"}}}}"#),
        format!(r#"{{"credential": "{SECRET}"}}"#),
    ];
    for body in broken {
        let err = parse(&body).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains(SECRET) && !text.contains(TOKEN), "{text}");
    }
}

#[test]
fn the_endpoint_comes_from_the_variable_else_the_link_local_address() {
    let get = |v: Option<&'static str>| {
        move |k: &str| {
            (k == "HUAWEICLOUD_SDK_METADATA_ENDPOINT")
                .then(|| v.map(str::to_owned))
                .flatten()
        }
    };
    assert_eq!(metadata_endpoint(get(None)), "http://169.254.169.254");
    assert_eq!(metadata_endpoint(get(Some("  "))), "http://169.254.169.254");
    assert_eq!(
        metadata_endpoint(get(Some("http://127.0.0.1:8080/ "))),
        "http://127.0.0.1:8080"
    );
    assert_eq!(
        huaweicloud_signer::METADATA_TOKEN_PATH,
        "/meta-data/latest/api/token"
    );
    assert_eq!(
        huaweicloud_signer::METADATA_SECURITY_KEY_PATH,
        "/openstack/latest/securitykey"
    );
    assert_eq!(huaweicloud_signer::METADATA_TOKEN_TTL_SECONDS, 21600);
}

#[test]
fn a_caller_can_add_the_metadata_attempt_to_the_chain_error() {
    let err = chain_with(|_| None).unwrap_err();
    let CredentialsError::NotFound { mut tried } = err else {
        panic!("{err}")
    };
    tried.push(Attempt::metadata_service(
        "http://169.254.169.254",
        "no answer within 3 s",
    ));
    let err = CredentialsError::NotFound { tried };
    assert_eq!(
        err.to_string(),
        "no Huawei Cloud credentials found; tried: environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK not set; \
         credentials file [basic]: neither HUAWEICLOUD_SDK_CREDENTIALS_FILE nor HOME is set; \
         metadata service http://169.254.169.254: no answer within 3 s"
    );
}
