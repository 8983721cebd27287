//! `sessions`, `concurrency` and `unused` end to end against the
//! simulator: each table as a person reads it, every format, the numbers
//! against the per-day usage and the inventory, and the 30-day refusal
//! that sends nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use common::{Sim, start, stderr, stdout};
use huaweicloud_workspace_sim::{Operation, Simulator, SimulatorBuilder};
use serde_json::Value;

/// The run's today: with `--today`, now is the end of that day.
const TODAY: &str = "2024-01-31";
/// A past day, whole.
const DAY: &str = "2024-01-29";

fn fleet(desktops: usize) -> SimulatorBuilder {
    Simulator::builder()
        .desktops(desktops)
        .seed(5)
        .today(NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap())
}

fn run(sim: &Sim, args: &[&str]) -> std::process::Output {
    sim.cmd()
        .args(["--today", TODAY])
        .args(args)
        .output()
        .unwrap()
}

fn json(sim: &Sim, args: &[&str]) -> Vec<Value> {
    let out = run(sim, &[args, &["--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn table(sim: &Sim, args: &[&str]) -> String {
    let out = run(sim, &[args, &["--chart", "never"]].concat());
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn each_table_as_a_person_reads_it() {
    let sim = start(fleet(6));
    let day = ["--from", DAY, "--to", DAY];
    insta::assert_snapshot!(
        "sessions_table",
        table(&sim, &[&["sessions"][..], &day].concat())
    );
    for by in ["user", "desktop", "day"] {
        let args = [&["sessions", "--last", "3d", "--by", by][..]].concat();
        insta::assert_snapshot!(format!("sessions_by_{by}_table"), table(&sim, &args));
    }
    insta::assert_snapshot!(
        "sessions_failed_table",
        table(&sim, &["sessions", "--last", "30d", "--failed"])
    );
    insta::assert_snapshot!("concurrency_table", table(&sim, &["concurrency"]));
    let out = run(&sim, &["concurrency", "--last", "3d", "--chart", "always"]);
    insta::assert_snapshot!("concurrency_chart", stdout(&out));
    insta::assert_snapshot!(
        "concurrency_by_hour_table",
        table(&sim, &[&["concurrency", "--by", "hour"][..], &day].concat())
    );
    insta::assert_snapshot!("unused_table", table(&sim, &["unused", "--last", "3d"]));
    insta::assert_snapshot!(
        "unused_users_table",
        table(&sim, &["unused", "--last", "3d", "--users"])
    );
}

#[test]
fn machine_formats_carry_the_same_rows() {
    let sim = start(fleet(3));
    for format in ["csv", "json", "ndjson"] {
        for (name, args) in [
            ("sessions", &["sessions", "--from", DAY, "--to", DAY][..]),
            (
                "sessions_by_user",
                &["sessions", "--last", "3d", "--by", "user"],
            ),
            ("concurrency", &["concurrency", "--last", "3d"]),
        ] {
            let out = run(&sim, &[args, &["--format", format]].concat());
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            insta::assert_snapshot!(format!("{name}_{format}"), stdout(&out));
        }
    }
}

/// The sessions of a past day add up, per desktop, to that day's hours in
/// `report` (the simulator's records are made of its hours, to the second):
/// the two operations tell one story.
#[test]
fn sessions_of_a_day_add_up_to_its_hours() {
    let sim = start(fleet(25));
    let day = ["--from", DAY, "--to", DAY];
    let report = json(&sim, &[&["report"][..], &day].concat());
    let hours: BTreeMap<String, u64> = report
        .iter()
        .map(|r| {
            let h = (r["hours"].as_f64().unwrap() * 100.0).round() as u64;
            (r["desktop_id"].as_str().unwrap().to_string(), h * 36)
        })
        .filter(|(_, s)| *s > 0)
        .collect();
    let by_desktop = json(&sim, &[&["sessions", "--by", "desktop"][..], &day].concat());
    let seconds: BTreeMap<String, u64> = by_desktop
        .iter()
        .map(|r| {
            (
                r["desktop_id"].as_str().unwrap().to_string(),
                r["connected_seconds"].as_u64().unwrap(),
            )
        })
        .filter(|(_, s)| *s > 0)
        .collect();
    assert!(!seconds.is_empty());
    assert_eq!(seconds, hours);

    // One row per record: the durations add up to the same, the failed
    // ones have none, and the per-user and per-day totals agree.
    let records = json(&sim, &[&["sessions"][..], &day].concat());
    let total: u64 = records
        .iter()
        .filter_map(|r| r["duration_seconds"].as_u64())
        .sum();
    assert_eq!(total, hours.values().sum::<u64>());
    let failed = records.iter().filter(|r| r["failed"] == true).count();
    assert!(failed > 0, "the fleet has failed connections");
    for r in records.iter().filter(|r| r["failed"] == true) {
        assert!(
            r["duration_seconds"].is_null() && r["setup"].is_null(),
            "{r}"
        );
    }
    let by_user = json(&sim, &[&["sessions", "--by", "user"][..], &day].concat());
    let user_seconds: u64 = by_user
        .iter()
        .map(|r| r["connected_seconds"].as_u64().unwrap())
        .sum();
    let connections: u64 = by_user
        .iter()
        .map(|r| r["connections"].as_u64().unwrap())
        .sum();
    assert_eq!((user_seconds, connections), (total, records.len() as u64));
    let by_day = json(&sim, &[&["sessions", "--by", "day"][..], &day].concat());
    assert_eq!(by_day.len(), 1, "{by_day:?}");
    assert_eq!(by_day[0]["connected_seconds"].as_u64(), Some(total));
    assert_eq!(by_day[0]["failed"].as_u64(), Some(failed as u64));

    // --failed keeps exactly the failed ones.
    let only = json(&sim, &[&["sessions", "--failed"][..], &day].concat());
    assert_eq!(only.len(), failed);
}

/// Today's sessions still open have no end and count up to the end of
/// the range; no session is ever on twice, and the peak never exceeds
/// the desktops (one session per desktop at a time in the fleet).
#[test]
fn open_sessions_and_peaks() {
    let sim = start(fleet(25));
    let today = ["--from", TODAY, "--to", TODAY];
    let records = json(&sim, &[&["sessions"][..], &today].concat());
    let open: Vec<&Value> = records
        .iter()
        .filter(|r| r["failed"] == false && r["end"].is_null())
        .collect();
    assert!(!open.is_empty(), "the fleet leaves sessions open today");
    for r in &open {
        let setup: chrono::DateTime<chrono::Utc> = r["setup"].as_str().unwrap().parse().unwrap();
        let until: chrono::DateTime<chrono::Utc> = "2024-02-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            r["duration_seconds"].as_u64(),
            Some((until - setup).num_seconds() as u64)
        );
    }
    let peaks = json(&sim, &["concurrency", "--last", "7d"]);
    assert_eq!(peaks.len(), 7);
    for p in &peaks {
        let peak = p["peak_sessions"].as_u64().unwrap();
        assert!(
            peak <= 25 && peak <= p["users"].as_u64().unwrap().max(peak),
            "{p}"
        );
        assert_eq!(p["peak_at"].is_null(), peak == 0, "{p}");
    }
    let hourly = json(
        &sim,
        &[&["concurrency", "--by", "hour"][..], &today].concat(),
    );
    assert_eq!(hourly.len(), 24);
    // A day's peak is its hours' highest, first reached at the same second.
    let day = json(&sim, &[&["concurrency"][..], &today].concat());
    let best = hourly
        .iter()
        .max_by_key(|h| {
            (
                h["peak_sessions"].as_u64(),
                std::cmp::Reverse(h["hour"].as_u64()),
            )
        })
        .unwrap();
    assert_eq!(day[0]["peak_sessions"], best["peak_sessions"]);
    assert_eq!(day[0]["peak_at"], best["peak_at"]);
}

/// `unused` is the inventory less every desktop with a successful session.
#[test]
fn unused_is_the_inventory_less_the_connected() {
    let sim = start(fleet(40));
    let range = ["--last", "5d"];
    let used: BTreeSet<String> = json(&sim, &[&["sessions"][..], &range].concat())
        .iter()
        .filter(|r| r["failed"] == false)
        .map(|r| r["desktop_id"].as_str().unwrap().to_string())
        .collect();
    let unused = json(&sim, &[&["unused"][..], &range].concat());
    let unused_ids: BTreeSet<String> = unused
        .iter()
        .map(|r| r["desktop_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!unused_ids.is_empty());
    assert!(used.is_disjoint(&unused_ids));
    assert_eq!(used.len() + unused_ids.len(), 40);
    let users: BTreeSet<String> = json(&sim, &[&["sessions"][..], &range].concat())
        .iter()
        .filter(|r| r["failed"] == false)
        .filter_map(|r| r["user_name"].as_str().map(str::to_lowercase))
        .collect();
    for u in json(&sim, &[&["unused", "--users"][..], &range].concat()) {
        let name = u["user_name"].as_str().unwrap().to_lowercase();
        assert!(!users.contains(&name), "{name} connected");
        assert!(u["desktops"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn a_range_older_than_30_days_is_refused_before_sending() {
    let sim = start(fleet(3));
    let file = sim.home.path().join("out.csv");
    for args in [
        &["sessions", "--last", "31d"][..],
        &["sessions", "--from", "2024-01-01", "--to", "2024-01-02"],
        &["concurrency", "--last", "45d"],
        &["unused", "--last", "31d"],
    ] {
        let out = sim
            .cmd()
            .args(["--today", TODAY])
            .args(args)
            .arg("--output")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("keeps connection records for 30 days only")
                && err.contains("the earliest day it can answer is 2024-01-02"),
            "{err}"
        );
        assert!(!file.exists(), "{args:?} created the output file");
    }
    assert_eq!(sim.sim.requests_for(Operation::ListLoginRecordsNew), 0);
    assert_eq!(sim.sim.requests_for(Operation::ListDesktops), 0);
    // The 30th day back is still answered.
    let out = run(
        &sim,
        &[
            "sessions", "--last", "30d", "--by", "day", "--format", "csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\n2024-01-02,"), "{}", stdout(&out));
}
