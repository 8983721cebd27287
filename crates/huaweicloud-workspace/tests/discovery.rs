//! Finding the project id through IAM (`KeystoneListProjects`) when none is
//! given, against the simulator's IAM project list.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::HashMap;

use futures::future::try_join_all;
use huaweicloud_workspace::{Client, Credentials, Error, ErrorClass};
use huaweicloud_workspace_sim::{Operation, RunningSimulator, Simulator};

async fn simulator() -> RunningSimulator {
    Simulator::builder()
        .desktops(5)
        .region("cn-north-4")
        .start()
        .await
        .unwrap()
}

/// A client with AK/SK and a region but no project id, whose IAM and
/// Workspace endpoints are the simulator.
fn client(sim: &RunningSimulator, region: &str) -> Client {
    Client::builder()
        .region(region)
        .endpoint(sim.base_url())
        .iam_endpoint(sim.base_url())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .env(|_| None)
        .build()
        .unwrap()
}

#[tokio::test]
async fn sixteen_first_queries_at_once_make_one_iam_call() {
    let sim = simulator().await;
    let c = client(&sim, "cn-north-4");
    assert_eq!(c.project_id(), None);
    let queries = (0..16).map(|i| {
        // Clones share the lookup.
        let c = c.clone();
        async move { c.desktop_usage().last_days(1 + i % 3).send().await }
    });
    let reports = try_join_all(queries).await.unwrap();
    assert_eq!(reports.len(), 16);
    assert_eq!(sim.requests_for(Operation::KeystoneListProjects), 1);
    assert_eq!(c.project_id(), Some(sim.project_id()));
    assert_eq!(c.resolve_project_id().await.unwrap(), sim.project_id());
    // Every usage request went to the project IAM named (the sim refuses others).
    assert!(sim.requests_for(Operation::ListUsedDesktopInfo) >= 16);
    assert_eq!(sim.requests_for(Operation::KeystoneListProjects), 1);
}

#[tokio::test]
async fn a_wrong_region_is_a_typed_error_naming_it_and_the_trace_id() {
    let sim = simulator().await;
    let c = client(&sim, "cn-nowhere-7");
    let e = c.desktop_usage().last_days(1).send().await.unwrap_err();
    let Error::ProjectId {
        region,
        found,
        iam_trace_id,
    } = &e
    else {
        panic!("expected Error::ProjectId, got {e:?}");
    };
    assert_eq!((region.as_str(), *found), ("cn-nowhere-7", 0));
    let trace = iam_trace_id
        .as_deref()
        .expect("the sim sends X-IAM-Trace-Id");
    let text = e.to_string();
    assert!(
        text.contains("cn-nowhere-7") && text.contains(trace),
        "{text}"
    );
    assert!(text.contains("region"), "{text}");
    assert_eq!(e.class(), ErrorClass::InvalidInput);
    // Nothing was asked of Workspace without a project id.
    assert_eq!(sim.requests_for(Operation::ListUsedDesktopInfo), 0);
}

#[tokio::test]
async fn ak_sk_from_the_environment_and_iam_endpoint_variable_suffice() {
    let sim = simulator().await;
    let keys = sim.credentials();
    let vars: HashMap<&str, String> = HashMap::from([
        ("HUAWEICLOUD_SDK_AK", keys.access_key().to_string()),
        ("HUAWEICLOUD_SDK_SK", keys.secret_key().expose().to_string()),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", sim.base_url().to_string()),
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            "/nonexistent/creds".to_string(),
        ),
    ]);
    let c = Client::builder()
        .region("cn-north-4")
        .endpoint(sim.base_url())
        .env(move |k| vars.get(k).cloned())
        .build()
        .unwrap();
    assert_eq!(c.resolve_project_id().await.unwrap(), sim.project_id());
    c.desktop_usage().last_days(2).send().await.unwrap();
    assert_eq!(sim.requests_for(Operation::KeystoneListProjects), 1);
}

#[tokio::test]
async fn a_bad_signature_on_the_lookup_is_refused_and_not_cached() {
    let sim = simulator().await;
    let wrong = huaweicloud_workspace::AccessKeyCredentials::new(
        sim.credentials().access_key(),
        "not-the-secret",
    )
    .unwrap();
    let c = Client::builder()
        .region("cn-north-4")
        .endpoint(sim.base_url())
        .iam_endpoint(sim.base_url())
        .credentials(Credentials::AccessKey(wrong))
        .env(|_| None)
        .build()
        .unwrap();
    let e = c.resolve_project_id().await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Authentication, "{e:?}");
    assert_eq!(c.project_id(), None);
}
