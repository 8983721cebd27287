//! `--project-id` is optional with AK/SK and a region: the binary asks IAM
//! (here the simulator's) for the region's project, as the official SDKs do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use assert_cmd::Command;
use common::{Sim, bare, start, stderr};
use huaweicloud_workspace_sim::{Operation, Simulator};

/// The binary with only AK/SK in the environment, the region's Workspace
/// and IAM endpoints pointed at the simulator, and no project id anywhere.
fn cmd(sim: &Sim, region: &str) -> Command {
    let creds = sim.sim.credentials();
    let var = format!(
        "HUAWEICLOUD_SDK_REGION_WORKSPACE_{}",
        region.to_uppercase().replace('-', "_")
    );
    let mut cmd = bare(sim.home.path());
    cmd.env("HUAWEICLOUD_SDK_AK", creds.access_key())
        .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
        .env(var, sim.sim.base_url())
        .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", sim.sim.base_url())
        .args(["--region", region]);
    cmd
}

#[test]
fn only_ak_sk_and_a_region_find_the_project_and_say_so_at_v() {
    let sim = start(Simulator::builder().desktops(4).region("cn-north-4"));
    let out = cmd(&sim, "cn-north-4")
        .args(["-vvv", "report", "--last", "30d"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("found the project id"), "{err}");
    assert!(err.contains(sim.sim.project_id()), "{err}");
    let sk = sim.sim.credentials().secret_key().expose().to_string();
    assert!(!err.contains(&sk), "the secret key appeared at -vvv");
    assert!(!common::stdout(&out).contains(&sk));
    assert_eq!(sim.sim.requests_for(Operation::KeystoneListProjects), 1);
}

#[test]
fn a_region_iam_has_no_project_for_exits_2_naming_it() {
    let sim = start(Simulator::builder().desktops(4).region("cn-north-4"));
    let out = cmd(&sim, "cn-east-3")
        .args(["report", "--last", "30d"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cn-east-3") && err.contains("X-IAM-Trace-Id"),
        "{err}"
    );
    assert_eq!(sim.sim.requests_for(Operation::ListUsedDesktopInfo), 0);
}

/// The binary with no AK/SK anywhere: the metadata service at `metadata`.
fn metadata_cmd(sim: &Sim, metadata: &str) -> Command {
    let mut cmd = bare(sim.home.path());
    cmd.env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", metadata)
        .env(
            "HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4",
            sim.sim.base_url(),
        )
        .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", sim.sim.base_url())
        .args(["--region", "cn-north-4"]);
    cmd
}

#[test]
fn on_a_cloud_server_the_metadata_keys_sign_and_never_show_at_vvv() {
    let sim = start(Simulator::builder().desktops(4).region("cn-north-4"));
    let out = metadata_cmd(&sim, &sim.sim.base_url())
        .args(["-vvv", "report", "--last", "30d"])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(sim.sim.metadata_credentials_issued(), 1);
    let all = format!("{err}{}", common::stdout(&out));
    // Every issued secret key and security token starts so.
    for needle in ["simtmpsk", "simsecuritytoken", "simmeta"] {
        assert!(!all.contains(needle), "{needle} appeared at -vvv");
    }
}

#[test]
fn without_any_source_exits_2_listing_all_three() {
    let sim = start(Simulator::builder().desktops(1));
    let out = metadata_cmd(&sim, "http://127.0.0.1:1")
        .args(["report", "--last", "30d"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("environment"), "{err}");
    assert!(err.contains("credentials file"), "{err}");
    assert!(err.contains("metadata service http://127.0.0.1:1"), "{err}");
}
