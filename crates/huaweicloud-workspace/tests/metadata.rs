//! Credentials from the cloud server's metadata service, last in the chain,
//! against the simulator's metadata routes (never 169.254.169.254).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::HashMap;
use std::time::Duration;

use huaweicloud_workspace::{Client, CredentialsError, Error, ErrorClass};
use huaweicloud_workspace_sim::{Operation, RunningSimulator, Simulator};

/// Nothing in the environment or a profile file; the metadata service and
/// IAM are the simulator (or `metadata` when given).
fn client(sim: &RunningSimulator, metadata: Option<String>) -> Client {
    let vars: HashMap<&str, String> = HashMap::from([
        (
            "HUAWEICLOUD_SDK_METADATA_ENDPOINT",
            metadata.unwrap_or_else(|| sim.base_url().to_string()),
        ),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", sim.base_url().to_string()),
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            "/nonexistent/huaweicloud/credentials".to_string(),
        ),
    ]);
    Client::builder()
        .region("cn-north-4")
        .endpoint(sim.base_url())
        .env(move |k| vars.get(k).cloned())
        .build()
        .unwrap()
}

#[tokio::test]
async fn without_ak_sk_the_metadata_keys_sign_and_find_the_project() {
    let sim = Simulator::builder().desktops(4).start().await.unwrap();
    let c = client(&sim, None);
    for days in 1..=3 {
        c.desktop_usage().last_days(days).send().await.unwrap();
    }
    // Valid for hours: fetched once, shared by every request.
    assert_eq!(sim.metadata_credentials_issued(), 1);
    assert_eq!(sim.requests_for(Operation::KeystoneListProjects), 1);
    assert_eq!(c.project_id(), Some(sim.project_id()));
    let debug = format!("{c:?}");
    assert!(
        !debug.contains("simtmpsk") && !debug.contains("simsecuritytoken"),
        "{debug}"
    );
}

#[tokio::test]
async fn keys_near_expiry_are_used_between_refreshes_and_no_request_fails() {
    // 30 minutes is under the 40-minute margin: due for a refresh at once,
    // but valid, so they sign every request until the service may be asked
    // again (a minute later), not one fetch per request.
    let sim = Simulator::builder()
        .desktops(4)
        .metadata_credentials_ttl(Duration::from_secs(30 * 60))
        .start()
        .await
        .unwrap();
    let c = client(&sim, None);
    for days in 1..=5 {
        c.desktop_usage().last_days(days).send().await.unwrap();
    }
    let sent = sim.requests_for(Operation::ListUsedDesktopInfo)
        + sim.requests_for(Operation::KeystoneListProjects);
    assert!(sent >= 6, "{sent}");
    assert_eq!(sim.metadata_credentials_issued(), 1);
}

#[tokio::test]
async fn without_any_source_the_error_lists_all_three() {
    let sim = Simulator::builder().desktops(1).start().await.unwrap();
    // Bound and never listening: connections are refused at once.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = format!("http://{}", socket.local_addr().unwrap());
    let c = client(&sim, Some(address.clone()));
    let e = c.desktop_usage().last_days(1).send().await.unwrap_err();
    let Error::Credentials(CredentialsError::NotFound { tried }) = &e else {
        panic!("expected NotFound, got {e:?}");
    };
    assert_eq!(tried.len(), 3, "{tried:?}");
    let text = e.to_string();
    assert!(text.contains("environment"), "{text}");
    assert!(
        text.contains("/nonexistent/huaweicloud/credentials"),
        "{text}"
    );
    assert!(text.contains(&address), "{text}");
    assert_eq!(e.class(), ErrorClass::InvalidInput);
    assert_eq!(sim.requests_for(Operation::ListUsedDesktopInfo), 0);
}
