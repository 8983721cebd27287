//! The first day of a new user (issue #34): what a typo, a second domain,
//! a completion or a man page looks like from the shell.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use chrono::NaiveDate;
use common::{Sim, start, stderr, stdout};
use huaweicloud_workspace_sim::Simulator;

const RANGE: [&str; 4] = ["--from", "2024-01-01", "--to", "2024-01-07"];

fn sim() -> Sim {
    start(
        Simulator::builder()
            .desktops(12)
            .seed(7)
            .today(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap()),
    )
}

/// The id of one desktop the simulator knows.
fn known_id(sim: &Sim) -> String {
    let out = sim
        .cmd()
        .args(["report", "--format", "ndjson"])
        .args(RANGE)
        .output()
        .unwrap();
    let first: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    first["desktop_id"].as_str().unwrap().to_string()
}

#[test]
fn idle_fails_and_names_desktop_ids_the_service_does_not_know() {
    let sim = sim();
    let known = known_id(&sim);
    let typo = "0000dead-beef-0000-0000-000000000000";
    let out = sim
        .cmd()
        .args(["idle", "--threshold", "1000", "--desktop"])
        .arg(format!("{known},{typo}"))
        .args(RANGE)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert!(err.contains(typo) && !err.contains(&known), "{err}");
    assert!(err.contains("not known to the service"), "{err}");
    // The known desktop's row is still written.
    assert!(
        stdout(&out).contains("1 of 1 desktop used"),
        "{}",
        stdout(&out)
    );

    // Every id known: success.
    let out = sim
        .cmd()
        .args(["idle", "--desktop", &known])
        .args(RANGE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn report_warns_about_unknown_desktop_ids_and_succeeds() {
    let sim = sim();
    let out = sim
        .cmd()
        .args(["report", "--desktop", "nope", "--format", "csv"])
        .args(RANGE)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "warning: 1 desktop id given with --desktop is not known to the service: nope"
        ),
        "{err}"
    );
    // -q: no warnings.
    let out = sim
        .cmd()
        .args(["-q", "report", "--desktop", "nope"])
        .args(RANGE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}
