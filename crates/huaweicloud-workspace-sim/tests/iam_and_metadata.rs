//! IAM's project list and the cloud server's metadata service, as the
//! simulator serves them for the credential chain and project id discovery.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::{DESKTOPS, client, get_signed, get_url};
use huaweicloud_signer::TemporaryCredentials;
use huaweicloud_workspace_sim::{Operation, RunningSimulator, Simulator};
use serde_json::Value;

async fn sim() -> RunningSimulator {
    Simulator::builder()
        .desktops(3)
        .region("ap-southeast-1")
        .start()
        .await
        .unwrap()
}

async fn projects(sim: &RunningSimulator, name: &str) -> (u16, Option<String>, Value) {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/v3/projects", sim.base_url()),
        [("name", name)],
    )
    .unwrap()
    .to_string();
    let resp = get_signed(&url, None, &sim.credentials()).await;
    let trace = resp
        .headers()
        .get("x-iam-trace-id")
        .map(|v| v.to_str().unwrap().to_string());
    let status = resp.status().as_u16();
    (status, trace, resp.json().await.unwrap())
}

#[tokio::test]
async fn iam_lists_one_project_for_its_region_and_none_for_others() {
    let sim = sim().await;
    let (status, trace, body) = projects(&sim, "ap-southeast-1").await;
    assert_eq!(status, 200);
    assert!(trace.is_some());
    assert_eq!(body["projects"][0]["id"], sim.project_id());
    assert_eq!(body["projects"][0]["name"], "ap-southeast-1");
    assert_eq!(body["projects"].as_array().unwrap().len(), 1);
    let (_, _, other) = projects(&sim, "cn-north-4").await;
    assert_eq!(other["projects"].as_array().unwrap().len(), 0);
    assert_eq!(sim.requests_for(Operation::KeystoneListProjects), 2);

    // The query string is signed: another name than the signed one is refused.
    let signed = format!("{}/v3/projects?name=cn-north-4", sim.base_url());
    let sent = format!("{}/v3/projects?name=ap-southeast-1", sim.base_url());
    let resp = get_signed(&signed, Some(&sent), &sim.credentials()).await;
    assert_eq!(resp.status().as_u16(), 401);
}

async fn issue(sim: &RunningSimulator) -> TemporaryCredentials {
    let base = sim.base_url();
    let token = client()
        .put(format!("{base}/meta-data/latest/api/token"))
        .header("X-Metadata-Token-Ttl-Seconds", "21600")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let body = client()
        .get(format!("{base}/openstack/latest/securitykey"))
        .header("X-Metadata-Token", token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    TemporaryCredentials::from_metadata_response(&body).unwrap()
}

#[tokio::test]
async fn metadata_keys_rotate_and_sign_with_their_security_token() {
    let sim = sim().await;
    let first = issue(&sim).await;
    let second = issue(&sim).await;
    assert_ne!(
        first.credentials().access_key(),
        second.credentials().access_key()
    );
    assert_eq!(sim.metadata_credentials_issued(), 2);
    assert!(first.credentials().security_token().is_some());

    let url = get_url(&sim, DESKTOPS, &[]);
    let ok = get_signed(&url, None, second.credentials()).await;
    assert_eq!(ok.status().as_u16(), 200);

    // Without its security token, a temporary key is refused.
    let bare = huaweicloud_signer::AccessKeyCredentials::new(
        first.credentials().access_key(),
        first.credentials().secret_key().clone(),
    )
    .unwrap();
    let refused = get_signed(&url, None, &bare).await;
    assert_eq!(refused.status().as_u16(), 401);

    // The key pair is only handed out with the session token.
    let no_token = client()
        .get(format!("{}/openstack/latest/securitykey", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 401);
    assert_eq!(sim.metadata_credentials_issued(), 2);
}
