//! `desktops` and `users` (the metric operations), and names from the
//! inventory in `report` and `idle`, end to end against the simulator:
//! the numbers agree with the per-day operation, every row carries the
//! right computer name, a denied inventory leaves a complete report, and
//! the request counts are what the README promises.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use common::{Sim, start, stderr, stdout};
use huaweicloud_workspace_sim::{Fleet, Operation, Simulator, SimulatorBuilder};
use serde_json::Value;

const TODAY: &str = "2024-03-01";
/// 45 whole days before today.
const FROM: &str = "2024-01-15";
const TO: &str = "2024-02-28";
const SEED: u64 = 11;

fn fleet(desktops: usize) -> SimulatorBuilder {
    Simulator::builder()
        .desktops(desktops)
        .seed(SEED)
        .today(NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap())
}

fn json(sim: &Sim, args: &[&str]) -> Vec<Value> {
    let out = sim
        .cmd()
        .args(["--today", TODAY])
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The computer name of every desktop, from the simulator's fleet.
fn names(desktops: usize) -> BTreeMap<String, String> {
    let today = NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap();
    let fleet = Fleet::new(SEED, desktops);
    (0..desktops)
        .filter_map(|i| fleet.inventory(i, today))
        .map(|d| (d.desktop_id.clone(), d.computer_name.clone()))
        .collect()
}

fn hundredths(v: &Value) -> u64 {
    (v.as_f64().unwrap() * 100.0).round() as u64
}

#[test]
fn desktops_and_users_over_45_days_equal_the_per_day_totals() {
    let sim = start(fleet(40));
    let report = json(&sim, &["report", "--from", FROM, "--to", TO]);
    let mut per_desktop: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_user: BTreeMap<String, u64> = BTreeMap::new();
    for row in &report {
        let h = hundredths(&row["hours"]);
        *per_desktop
            .entry(row["desktop_id"].as_str().unwrap().into())
            .or_default() += h;
        if let Some(user) = row["desktop_username"].as_str() {
            *per_user.entry(user.into()).or_default() += h;
        }
    }

    let desktops = json(&sim, &["desktops", "--from", FROM, "--to", TO]);
    assert_eq!(desktops.len(), 40);
    let names = names(40);
    for row in &desktops {
        let id = row["desktop_id"].as_str().unwrap();
        assert_eq!(hundredths(&row["usage_hours"]), per_desktop[id], "{id}");
        assert_eq!(
            row["computer_name"].as_str(),
            Some(names[id].as_str()),
            "{id}"
        );
    }

    let users = json(&sim, &["users", "--from", FROM, "--to", TO]);
    let got: BTreeMap<String, u64> = users
        .iter()
        .map(|r| {
            (
                r["username"].as_str().unwrap().to_string(),
                hundredths(&r["hours"]),
            )
        })
        .filter(|(_, h)| *h > 0)
        .collect();
    per_user.retain(|_, h| *h > 0);
    assert_eq!(got, per_user);
    for r in &users {
        let n = |k: &str| r[k].as_u64().unwrap();
        assert_eq!(
            n("login_success_count") + n("login_fail_count"),
            n("login_count")
        );
    }
    // Two user windows (30 + 15 days), never one over 30 days (the
    // simulator would refuse it), one page each.
    assert_eq!(sim.sim.requests_for(Operation::ListUserUsageMetric), 2);
    assert_eq!(sim.sim.requests_for(Operation::ListDesktopUsageMetric), 1);
}

/// `desktops` shows the service's idle time for what it is: the days since
/// the last use, not the unused days of the range (a desktop unused in the
/// middle of the range and used on its last day shows 0).
#[test]
fn desktops_show_days_since_use_not_unused_days() {
    let sim = start(fleet(40));
    let report = json(&sim, &["report", "--from", FROM, "--to", TO]);
    let to = NaiveDate::parse_from_str(TO, "%Y-%m-%d").unwrap();
    let from = NaiveDate::parse_from_str(FROM, "%Y-%m-%d").unwrap();
    let mut used_days: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    for row in &report {
        let days = used_days
            .entry(row["desktop_id"].as_str().unwrap().into())
            .or_default();
        if hundredths(&row["hours"]) > 0 {
            days.insert(
                NaiveDate::parse_from_str(row["date"].as_str().unwrap(), "%Y-%m-%d").unwrap(),
            );
        }
    }
    let desktops = json(&sim, &["desktops", "--from", FROM, "--to", TO]);
    let mut gaps_in_the_middle = 0;
    for row in &desktops {
        let days = &used_days[row["desktop_id"].as_str().unwrap()];
        let since = days
            .last()
            .map_or((to - from).num_days() + 1, |d| (to - *d).num_days());
        let unused = (to - from).num_days() + 1 - days.len() as i64;
        gaps_in_the_middle += usize::from(unused > since);
        assert_eq!(row["idle_days"].as_i64(), Some(since), "{row}");
    }
    assert!(gaps_in_the_middle > 0, "no desktop tells the two apart");
    let out = sim
        .cmd()
        .args(["--today", TODAY, "desktops", "--from", FROM, "--to", TO])
        .output()
        .unwrap();
    let table = stdout(&out);
    let header = table.lines().nth(2).unwrap();
    assert!(
        header.contains("DAYS SINCE USE") && !header.contains("IDLE"),
        "{header}"
    );
    let help = sim.cmd().args(["desktops", "--help"]).output().unwrap();
    assert!(stdout(&help).contains("the run of unused days at the end"));
}

/// `--user` as people type it (any case) finds a user of the second domain
/// without `--domain`: the inventory says how the service stores the name.
#[test]
fn user_of_another_domain_is_found_as_typed() {
    let fleet_spec = Fleet::new(SEED, 60);
    let other = fleet_spec
        .desktops()
        .iter()
        .find(|d| d.user_domain.is_some())
        .expect("the fleet has users of a second domain");
    let user = other.username.clone().unwrap();
    let domain = other.user_domain.clone().unwrap();
    let theirs = fleet_spec
        .desktops()
        .iter()
        .filter(|d| {
            d.username.as_deref() == Some(&user) && d.user_domain.as_deref() == Some(&domain)
        })
        .count();
    let sim = start(fleet(60));
    let typed = user.to_uppercase();
    let out = sim
        .cmd()
        .args([
            "--today",
            TODAY,
            "users-daily",
            "--from",
            FROM,
            "--to",
            TO,
            "--user",
            &typed,
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["username"].as_str(), Some(user.as_str()));
    assert_eq!(rows[0]["desktops"].as_u64(), Some(theirs as u64));
    let err = stderr(&out);
    assert!(err.contains(&format!("in domain {domain}")), "{err}");
    // The same with --domain and the exact name: no lookup.
    let before = sim.sim.requests_for(Operation::ListDesktops);
    let exact = json(
        &sim,
        &[
            "users-daily",
            "--from",
            FROM,
            "--to",
            TO,
            "--user",
            &user,
            "--domain",
            &domain,
        ],
    );
    assert_eq!(exact, rows);
    assert_eq!(sim.sim.requests_for(Operation::ListDesktops), before);
}

#[test]
fn every_report_and_idle_row_carries_the_right_computer_name() {
    let sim = start(fleet(30));
    let names = names(30);
    let report = json(&sim, &["report", "--from", FROM, "--to", TO]);
    let idle = json(
        &sim,
        &["idle", "--from", FROM, "--to", TO, "--threshold", "100000"],
    );
    assert_eq!(idle.len(), 30);
    for row in report.iter().chain(&idle) {
        let id = row["desktop_id"].as_str().unwrap();
        assert_eq!(
            row["computer_name"].as_str(),
            Some(names[id].as_str()),
            "{row}"
        );
    }
    for row in &idle {
        assert!(row["status"].is_string(), "{row}");
        assert!(row["created"].is_string(), "{row}");
    }
    // One inventory pass per run: ⌈30/1000⌉ = 1 request each.
    assert_eq!(sim.sim.requests_for(Operation::ListDesktops), 2);
}

#[test]
fn names_are_right_for_more_desktops_than_are_held_while_they_are_read() {
    // 2,100 desktops: three inventory pages, read while the usage stream
    // goes on (the CLI holds up to 100 desktops meanwhile), with latency so
    // that the inventory's two rounds overlap the usage's pages.
    let sim = start(fleet(2100).latency(
        std::time::Duration::from_millis(20),
        std::time::Duration::ZERO,
    ));
    let names = names(2100);
    let report = json(&sim, &["report", "--from", "2024-02-27", "--to", TO]);
    let ids: std::collections::BTreeSet<&str> = report
        .iter()
        .map(|row| row["desktop_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2100);
    for row in &report {
        let id = row["desktop_id"].as_str().unwrap();
        assert_eq!(
            row["computer_name"].as_str(),
            Some(names[id].as_str()),
            "{row}"
        );
    }
}

#[test]
fn the_inventory_takes_one_request_per_thousand_desktops() {
    let sim = start(fleet(2100));
    let out = sim
        .cmd()
        .args([
            "--today", TODAY, "report", "--last", "1d", "--format", "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sim.sim.requests_for(Operation::ListDesktops), 3);
    // --no-names: none at all.
    let out = sim
        .cmd()
        .args([
            "--today",
            TODAY,
            "--no-names",
            "report",
            "--last",
            "1d",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sim.sim.requests_for(Operation::ListDesktops), 3);
    assert!(
        stdout(&out).lines().nth(1).unwrap().contains(",,"),
        "no names"
    );
}

#[test]
fn a_denied_inventory_leaves_a_complete_report_and_one_warning() {
    let denied = start(fleet(25).deny_inventory(true));
    let allowed = start(fleet(25));
    let run = |sim: &Sim| {
        sim.cmd()
            .args([
                "--today", TODAY, "report", "--from", FROM, "--to", TO, "--format", "csv",
            ])
            .output()
            .unwrap()
    };
    let (without, with) = (run(&denied), run(&allowed));
    assert_eq!(without.status.code(), Some(0), "{}", stderr(&without));
    let warnings: Vec<&str> = std::str::from_utf8(&without.stderr)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("desktop names are not shown"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("403"), "{}", warnings[0]);
    // The same rows, the names left empty.
    let strip_names = |csv: &str| -> Vec<String> {
        csv.lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split(',').collect();
                f.remove(1);
                f.join(",")
            })
            .collect()
    };
    assert_eq!(strip_names(&stdout(&without)), strip_names(&stdout(&with)));
    assert!(
        stdout(&without)
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(1) == Some(""))
    );
    assert_eq!(
        denied.sim.requests_for(Operation::ListDesktops),
        1,
        "not retried"
    );
}

#[test]
fn name_filters_report_and_idle_through_the_inventory() {
    let sim = start(fleet(60));
    let names = names(60);
    let rows = json(
        &sim,
        &["report", "--from", FROM, "--to", TO, "--name", "FIN"],
    );
    let wanted: Vec<&String> = names.values().filter(|n| n.contains("FIN")).collect();
    assert!(!wanted.is_empty());
    let mut got: Vec<String> = rows
        .iter()
        .map(|r| r["computer_name"].as_str().unwrap().to_string())
        .collect();
    got.dedup();
    assert_eq!(got.len(), wanted.len(), "{got:?}");
    assert!(got.iter().all(|n| n.contains("FIN")));
    // One inventory request (the name filter), then only those desktops.
    assert_eq!(sim.sim.requests_for(Operation::ListDesktops), 1);

    let out = sim
        .cmd()
        .args([
            "--today",
            TODAY,
            "idle",
            "--from",
            FROM,
            "--to",
            TO,
            "--name",
            "no-such-desktop",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no desktop's computer name contains"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn metric_commands_refuse_what_the_service_would_before_sending() {
    let sim = start(fleet(5));
    for (args, needle) in [
        (
            vec!["desktops", "--from", "2023-01-01", "--to", "2023-01-31"],
            "latest 180 days",
        ),
        (vec!["users", "--last", "400d"], "latest 180 days"),
        (
            vec!["desktops", "--min-idle-days", "181"],
            "--min-idle-days",
        ),
        (vec!["desktops", "--asc"], "--sort"),
    ] {
        let out = sim
            .cmd()
            .args(["--today", TODAY])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        // In the tool's words: the commands to run, never a library function.
        assert!(!stderr(&out).contains("()"), "{args:?}: {}", stderr(&out));
        if needle == "latest 180 days" {
            assert!(
                stderr(&out)
                    .contains("older days are in `report` and `users-daily` (the per-day usage)"),
                "{args:?}: {}",
                stderr(&out)
            );
        }
    }
    assert_eq!(sim.sim.stats().total, 0);
}
