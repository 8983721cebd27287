//! Client configuration: regions, endpoint overrides, the credential chain,
//! clear errors for anything missing or malformed, and no secret in `Debug`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::HashMap;
use std::time::Duration;

use huaweicloud_workspace::{Client, Credentials, Error, ErrorClass, Region, RetryConfig};
use huaweicloud_workspace_sim::{RunningSimulator, Simulator};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn creds() -> Credentials {
    Credentials::access_key("AKBUILDER", "SK-very-secret-value").unwrap()
}

fn field_of(err: Error) -> &'static str {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn a_region_gives_its_endpoint() {
    let c = Client::builder()
        .region(Region::CN_NORTH_4)
        .project_id(PROJECT)
        .credentials(creds())
        .env(env(&[]))
        .build()
        .unwrap();
    assert_eq!(
        c.endpoint(),
        "https://workspace.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(c.project_id(), Some(PROJECT));

    let c = Client::builder()
        .region("xx-future-9")
        .project_id(PROJECT)
        .credentials(creds())
        .env(env(&[]))
        .build()
        .unwrap();
    assert_eq!(
        c.endpoint(),
        "https://workspace.xx-future-9.myhuaweicloud.com"
    );
}

#[test]
fn the_official_region_override_variable_wins_over_the_region() {
    let c = Client::builder()
        .region(Region::AP_SOUTHEAST_1)
        .project_id(PROJECT)
        .credentials(creds())
        .env(env(&[(
            "HUAWEICLOUD_SDK_REGION_WORKSPACE_AP_SOUTHEAST_1",
            "http://127.0.0.1:9999/",
        )]))
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "http://127.0.0.1:9999");

    // An explicit endpoint wins over both.
    let c = Client::builder()
        .region(Region::AP_SOUTHEAST_1)
        .endpoint("https://example.test")
        .project_id(PROJECT)
        .credentials(creds())
        .env(env(&[(
            "HUAWEICLOUD_SDK_REGION_WORKSPACE_AP_SOUTHEAST_1",
            "http://127.0.0.1:9999",
        )]))
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://example.test");

    // A malformed override is an error naming the variable.
    let err = Client::builder()
        .region(Region::AP_SOUTHEAST_1)
        .project_id(PROJECT)
        .credentials(creds())
        .env(env(&[(
            "HUAWEICLOUD_SDK_REGION_WORKSPACE_AP_SOUTHEAST_1",
            "ftp://x",
        )]))
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("HUAWEICLOUD_SDK_REGION_WORKSPACE"),
        "{err}"
    );
}

/// A simulator that lets in only `ak`/`sk`, for project `project`.
async fn simulator_for(ak: &str, sk: &str, project: &str) -> RunningSimulator {
    Simulator::builder()
        .desktops(3)
        .access_key(ak, sk)
        .project_id(project)
        .start()
        .await
        .unwrap()
}

/// What the environment holds besides the test's own variables: no home,
/// and a metadata service that refuses at once (never the real address).
const NOTHING_ELSE: [(&str, &str); 2] = [
    ("HOME", "/nonexistent-home-for-test"),
    ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1"),
];

/// The desktops of one day of usage: `client` signed with the keys and
/// asked for the project the simulator accepts, or this is an error.
async fn desktops_seen(client: &Client) -> Result<usize, Error> {
    let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let report = client.desktop_usage().range(day..=day).send().await?;
    Ok(report.desktops.len())
}

#[tokio::test]
async fn credentials_and_project_come_from_the_environment() {
    let project = "fedcba9876543210fedcba9876543210";
    let sim = simulator_for("AKENV", "SKENV-secret", project).await;
    let vars = [
        ("HUAWEICLOUD_SDK_AK", "AKENV"),
        ("HUAWEICLOUD_SDK_SK", "SKENV-secret"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", project),
    ];
    let c = Client::builder()
        .region(Region::CN_EAST_3)
        .endpoint(sim.base_url())
        .env(env(&[&vars[..], &NOTHING_ELSE[..]].concat()))
        .build()
        .unwrap();
    assert_eq!(c.project_id(), Some(project));
    // The simulator lets in only these keys: the request was signed with them.
    assert_eq!(desktops_seen(&c).await.unwrap(), 3);
    assert_eq!(sim.stats().auth_failed, 0);

    // Another secret key in the environment is the one used, and refused.
    let wrong = [
        ("HUAWEICLOUD_SDK_AK", "AKENV"),
        ("HUAWEICLOUD_SDK_SK", "SKENV-other"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", project),
    ];
    let c = Client::builder()
        .region(Region::CN_EAST_3)
        .endpoint(sim.base_url())
        .env(env(&[&wrong[..], &NOTHING_ELSE[..]].concat()))
        .build()
        .unwrap();
    let err = desktops_seen(&c).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Authentication, "{err}");
    assert_eq!(sim.stats().auth_failed, 1);

    // An explicit project id wins.
    let c = Client::builder()
        .region(Region::CN_EAST_3)
        .project_id(PROJECT)
        .env(env(&[
            ("HUAWEICLOUD_SDK_AK", "AKENV"),
            ("HUAWEICLOUD_SDK_SK", "SKENV-secret"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", project),
        ]))
        .build()
        .unwrap();
    assert_eq!(c.project_id(), Some(PROJECT));
    sim.shutdown().await;
}

#[tokio::test]
async fn credentials_come_from_the_profile_file() {
    let project = "11112222333344445555666677778888";
    let sim = simulator_for("AKFILE", "SKFILE-secret", project).await;
    let dir = tempfile_dir();
    let path = dir.join("credentials");
    std::fs::write(
        &path,
        format!("[basic]\nak = AKFILE\nsk = SKFILE-secret\nproject_id = {project}\n"),
    )
    .unwrap();
    let vars = [("HUAWEICLOUD_SDK_CREDENTIALS_FILE", path.to_str().unwrap())];
    let c = Client::builder()
        .region(Region::CN_EAST_3)
        .endpoint(sim.base_url())
        .env(env(&[&vars[..], &NOTHING_ELSE[..]].concat()))
        .build()
        .unwrap();
    assert_eq!(c.project_id(), Some(project));
    // The simulator lets in only the file's keys: the request was signed with them.
    assert_eq!(desktops_seen(&c).await.unwrap(), 3);
    assert_eq!(sim.stats().auth_failed, 0);
    let _ = std::fs::remove_dir_all(dir);
    sim.shutdown().await;
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "hw-facade-builder-{}-{}",
        std::process::id(),
        line!()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn missing_or_half_credentials_are_clear_errors() {
    // Nothing in the environment or a profile: the metadata service is
    // last in the chain, asked on the first request (tests/metadata.rs).
    let c = Client::builder()
        .region(Region::CN_EAST_3)
        .project_id(PROJECT)
        .env(env(&[
            ("HOME", "/nonexistent-home-for-test"),
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1"),
        ]))
        .build()
        .unwrap();
    assert!(format!("{c:?}").contains("MetadataProvider { address: \"http://127.0.0.1:1\""));

    let err = Client::builder()
        .region(Region::CN_EAST_3)
        .project_id(PROJECT)
        .env(env(&[("HUAWEICLOUD_SDK_AK", "AKONLY")]))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("HUAWEICLOUD_SDK_SK"), "{err}");
    // Found before anything was sent: bad input, like the CLI's exit 2.
    assert_eq!(err.class(), ErrorClass::InvalidInput);
}

#[test]
fn every_missing_or_malformed_setting_names_its_field() {
    let base = || Client::builder().credentials(creds()).env(env(&[]));
    assert_eq!(
        field_of(base().project_id(PROJECT).build().unwrap_err()),
        "region"
    );
    // Without a region, IAM cannot be asked for the project id.
    assert_eq!(
        field_of(base().endpoint("http://127.0.0.1:9").build().unwrap_err()),
        "project_id"
    );
    // Nor with an IAM token: the lookup is signed with AK/SK.
    let e = Client::builder()
        .credentials(Credentials::iam_token("token-value-secret").unwrap())
        .env(env(&[]))
        .region(Region::CN_NORTH_4)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::InvalidInput {
                field: "project_id",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("IAM token"), "{e}");
    assert!(!e.to_string().contains("token-value-secret"), "{e}");
    assert_eq!(
        field_of(
            base()
                .endpoint("not a url")
                .project_id(PROJECT)
                .build()
                .unwrap_err()
        ),
        "endpoint"
    );
    assert_eq!(
        field_of(
            base()
                .endpoint("ftp://host")
                .project_id(PROJECT)
                .build()
                .unwrap_err()
        ),
        "endpoint"
    );
    assert_eq!(
        field_of(
            base()
                .region("Not A Region")
                .project_id(PROJECT)
                .build()
                .unwrap_err()
        ),
        "region"
    );
    assert_eq!(
        field_of(
            base()
                .region(Region::CN_NORTH_4)
                .project_id("a/b")
                .build()
                .unwrap_err()
        ),
        "project_id"
    );
    let ok = || base().region(Region::CN_NORTH_4).project_id(PROJECT);
    assert_eq!(
        field_of(ok().concurrency(0).build().unwrap_err()),
        "concurrency"
    );
    assert_eq!(
        field_of(
            ok().retry(RetryConfig::default().with_max_attempts(0))
                .build()
                .unwrap_err()
        ),
        "retry.max_attempts"
    );
    assert_eq!(
        field_of(ok().attempt_timeout(Duration::ZERO).build().unwrap_err()),
        "attempt_timeout"
    );
    assert_eq!(
        field_of(ok().user_agent("bad\nagent").build().unwrap_err()),
        "user_agent"
    );
    assert_eq!(
        field_of(
            ok().add_root_certificate_pem(b"not pem")
                .build()
                .unwrap_err()
        ),
        "root_certificate"
    );
    assert_eq!(
        field_of(
            ok().http_client(own_client())
                .connect_timeout(Duration::from_secs(1))
                .build()
                .unwrap_err()
        ),
        "http_client"
    );
    assert!(ok().http_client(own_client()).build().is_ok());
}

/// A caller's own client, made the documented way (with the default `rustls`
/// feature, reqwest has no crypto provider and `reqwest::Client::new()` panics).
fn own_client() -> reqwest::Client {
    huaweicloud_workspace::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
}

#[test]
fn unknown_region_text_lists_the_known_ones() {
    let err = "mars-1".parse::<Region>().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("mars-1") && text.contains("cn-north-4"),
        "{text}"
    );
}

#[test]
fn debug_never_shows_a_secret() {
    let keys = huaweicloud_workspace::AccessKeyCredentials::new("AKDEBUG", "SK-super-secret")
        .unwrap()
        .with_security_token("TOKEN-super-secret");
    let builder = Client::builder()
        .region(Region::CN_NORTH_4)
        .project_id(PROJECT)
        .credentials(Credentials::AccessKey(keys))
        .env(env(&[]));
    let builder_text = format!("{builder:?}");
    let client = builder.build().unwrap();
    let client_text = format!("{client:?} {client:#?}");
    let query_text = format!("{:?}", client.desktop_usage().username("u"));
    let iam = Client::builder()
        .region(Region::CN_NORTH_4)
        .project_id(PROJECT)
        .credentials(Credentials::iam_token("IAM-super-secret").unwrap())
        .env(env(&[]))
        .build()
        .unwrap();
    let iam_text = format!("{iam:?}");
    for text in [&builder_text, &client_text, &query_text, &iam_text] {
        assert!(!text.contains("super-secret"), "{text}");
    }
    assert!(client_text.contains("AKDEBUG"));
}
