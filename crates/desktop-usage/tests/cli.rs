//! End-to-end tests of the `desktop-usage` binary against an in-process simulator.
//!
//! Every command runs with a cleared environment (PATH, and HOME pointing to
//! an empty directory so no profile file is read) plus what the test sets.

// Test helpers outside `#[test]` functions panic on purpose too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::NaiveDate;
mod common;

use common::{Sim, bare, start, stderr, stdout};
use huaweicloud_workspace_sim::{FaultConfig, FaultKind, Simulator, SimulatorBuilder};
use serde_json::Value;

const FROM: &str = "2024-01-01";
const TO: &str = "2024-01-07";

fn small_fleet() -> SimulatorBuilder {
    Simulator::builder()
        .desktops(12)
        .seed(7)
        .today(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap())
}

/// Runs the binary against this test's simulator.
trait RunExt {
    /// `cmd()` running `command` over the fixed test week.
    fn run(&self, command: &str, extra: &[&str]) -> std::process::Output;
}

impl RunExt for Sim {
    fn run(&self, command: &str, extra: &[&str]) -> std::process::Output {
        self.cmd()
            .args([command, "--from", FROM, "--to", TO])
            .args(extra)
            .output()
            .unwrap()
    }
}

/// Ports and request ids change from run to run.
fn stable(text: &str) -> String {
    let port = regex_lite_replace(text, "127.0.0.1:", |c| c.is_ascii_digit(), "[PORT]");
    let mut out = String::new();
    let mut rest = port.as_str();
    // request ids look like `request id <id>`; keep the words, hide the id
    while let Some(i) = rest.find("request id ") {
        let (head, tail) = rest.split_at(i + "request id ".len());
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == ')' || c == ',' || c == ';')
            .unwrap_or(tail.len());
        out.push_str("[REQUEST-ID]");
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn regex_lite_replace(text: &str, prefix: &str, keep: impl Fn(char) -> bool, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let (head, tail) = rest.split_at(i + prefix.len());
        out.push_str(head);
        let end = tail.find(|c: char| !keep(c)).unwrap_or(tail.len());
        out.push_str(with);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------- help

#[test]
fn help_of_each_command() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["report", "--help"],
        vec!["idle", "--help"],
        vec!["users", "--help"],
        vec!["users-daily", "--help"],
        vec!["desktops", "--help"],
        vec!["sessions", "--help"],
        vec!["concurrency", "--help"],
        vec!["unused", "--help"],
        vec!["schema", "--help"],
    ] {
        let out = bare(home.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let name = format!("help_{}", args[0].trim_start_matches('-'));
        insta::assert_snapshot!(name, stdout(&out));
    }
}

// ---------------------------------------------------------------- formats

/// Runs `command` in every output format against a small fleet and
/// compares each output with its reviewed snapshot `{command}_{format}`.
fn every_format(command: &str, extra: &[&str]) {
    let sim = start(small_fleet());
    for format in ["table", "csv", "json", "ndjson"] {
        let mut args = vec!["--format", format];
        args.extend_from_slice(extra);
        let out = sim.run(command, &args);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        insta::assert_snapshot!(format!("{command}_{format}"), stdout(&out));
    }
}

#[test]
fn report_in_every_format() {
    every_format("report", &[]);
}

#[test]
fn idle_in_every_format() {
    every_format("idle", &["--threshold", "20"]);
}

#[test]
fn users_in_every_format() {
    every_format("users-daily", &[]);
}

#[test]
fn report_hours_are_the_simulators_formula() {
    let sim = start(small_fleet());
    let out = sim.run("report", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let fleet = sim.sim.fleet();
    assert_eq!(rows.len(), fleet.desktops().len() * 7);
    let mut seen = BTreeSet::new();
    for row in &rows {
        let id = row["desktop_id"].as_str().unwrap();
        let index = fleet.index_of(id).unwrap();
        let date = NaiveDate::parse_from_str(row["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let expected = fleet.daily_hundredths(index, date);
        let got = (row["hours"].as_f64().unwrap() * 100.0).round() as u64;
        assert_eq!(got, expected, "{id} {date}");
        assert_eq!(
            row["desktop_username"].as_str(),
            fleet.desktops()[index].username.as_deref()
        );
        assert!(seen.insert((id.to_string(), date)), "duplicate {id} {date}");
    }
    // Sorted by desktop id, then period.
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r["desktop_id"].to_string(), r["date"].to_string()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn hours_have_exactly_two_decimals_in_json_and_ndjson() {
    let sim = start(small_fleet());
    for format in ["json", "ndjson"] {
        let text = stdout(&sim.run("report", &["--format", format]));
        let mut count = 0;
        for part in text.split("\"hours\":").skip(1) {
            let number: String = part
                .chars()
                .take_while(|c| *c != ',' && *c != '}')
                .collect();
            let (whole, frac) = number.split_once('.').unwrap();
            assert!(
                whole.chars().all(|c| c.is_ascii_digit()) && frac.len() == 2,
                "{number}"
            );
            count += 1;
        }
        assert_eq!(count, 12 * 7, "{format}");
    }
}

#[test]
fn hourly_grouping_and_filters() {
    let sim = start(small_fleet());
    let fleet = sim.sim.fleet();
    let (index, spec) = fleet
        .desktops()
        .iter()
        .enumerate()
        .find(|(_, d)| d.username.is_some() && d.user_domain.is_none())
        .unwrap();
    let out = sim
        .cmd()
        .args([
            "report",
            "--from",
            "2024-01-02",
            "--to",
            "2024-01-02",
            "--group-by",
            "hour",
        ])
        .args(["--desktop", &spec.id, "--format", "ndjson"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 24);
    let day = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    for (hour, row) in rows.iter().enumerate() {
        assert_eq!(row["desktop_id"], spec.id.as_str());
        assert_eq!(row["date"], format!("2024-01-02 {hour:02}:00"));
        let got = (row["hours"].as_f64().unwrap() * 100.0).round() as u64;
        assert_eq!(got, fleet.hourly_hundredths(index, day, hour as u32));
    }

    // --user keeps only that user's desktops.
    let user = spec.username.clone().unwrap();
    let out = sim.run("report", &["--user", &user, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let expected = fleet
        .desktops()
        .iter()
        .filter(|d| d.username.as_deref() == Some(user.as_str()))
        .count();
    assert_eq!(rows.len(), expected * 7);
    assert!(rows.iter().all(|r| r["desktop_username"] == user.as_str()));

    // A user of another domain is found without --domain too, through the
    // inventory (a note names the domain), and with it, directly.
    let other = fleet
        .desktops()
        .iter()
        .find(|d| d.username.is_some() && d.user_domain.is_some())
        .expect("the fleet has users outside the main domain");
    let name = other.username.clone().unwrap();
    let domain = other.user_domain.clone().unwrap();
    let out = sim.run("users-daily", &["--user", &name, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        stderr(&out).contains(&format!("--domain {domain}")),
        "{}",
        stderr(&out)
    );
    let out = sim.run(
        "users-daily",
        &["--user", &name, "--domain", &domain, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let expected = fleet
        .desktops()
        .iter()
        .filter(|d| d.username == other.username && d.user_domain == other.user_domain)
        .count();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["username"], name.as_str());
    assert_eq!(rows[0]["desktops"], expected);
    assert_eq!(found, rows);
}

// ---------------------------------------------------------------- output file

#[test]
fn output_file_gets_exactly_what_stdout_would() {
    let sim = start(small_fleet());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.csv");
    std::fs::write(&file, "old contents\n").unwrap();
    let out = sim.run(
        "report",
        &["--format", "csv", "--output", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let expected = stdout(&sim.run("report", &["--format", "csv"]));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn failed_run_leaves_no_output_file() {
    let sim = start(small_fleet().faults(FaultConfig::new(
        1.0,
        [
            FaultKind::Internal500,
            FaultKind::BadGateway502Html,
            FaultKind::Unavailable503Empty,
            FaultKind::ResetConnection,
        ],
    )));
    let dir = tempfile::tempdir().unwrap();
    for format in ["json", "ndjson"] {
        let fresh = dir.path().join(format!("fresh.{format}"));
        let out = sim.run(
            "report",
            &[
                "--format",
                format,
                "--retries",
                "1",
                "--output",
                fresh.to_str().unwrap(),
            ],
        );
        let code = out.status.code();
        assert!(matches!(code, Some(4 | 5)), "{code:?}: {}", stderr(&out));
        assert!(!fresh.exists(), "a failed run created {}", fresh.display());
    }
    // Throttling too (no retry, to stay quick): exit 4, no file.
    let throttled = start(small_fleet().faults(FaultConfig::new(1.0, [FaultKind::Throttle429])));
    let fresh = dir.path().join("throttled.csv");
    let out = throttled.run(
        "users-daily",
        &[
            "--format",
            "csv",
            "--retries",
            "0",
            "--output",
            fresh.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("APIG.0308"), "{}", stderr(&out));
    assert!(!fresh.exists());

    let previous = dir.path().join("previous.json");
    std::fs::write(&previous, "[]\n").unwrap();
    let out = sim.run(
        "report",
        &["--format", "json", "--output", previous.to_str().unwrap()],
    );
    assert!(matches!(out.status.code(), Some(4 | 5)), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&previous).unwrap(), "[]\n");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["previous.json"], "no temporary file left");
    assert!(sim.sim.stats().faults_injected > 0);
}

// ---------------------------------------------------------------- errors and exit codes

#[test]
fn bad_usage_exits_2_and_sends_nothing() {
    let sim = start(small_fleet());
    let cases: &[&[&str]] = &[
        &["report", "--from", "2024-13-01", "--to", "2024-01-07"],
        &["report", "--from", "2024-01-07", "--to", "2024-01-01"],
        &["report", "--last", "45"],
        &[
            "report",
            "--last",
            "3d",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-02",
        ],
        &["idle", "--threshold", "-1"],
        &["report", "--format", "xml"],
        &["report", "--desktop", " "],
        &["bogus"],
    ];
    // No arguments at all: the help, on stderr.
    let out = bare(sim.home.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Commands:"), "{}", stderr(&out));
    // Options but no command: one line.
    let out = sim.cmd().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("requires a subcommand"),
        "{}",
        stderr(&out)
    );
    for args in cases {
        let out = sim.cmd().args(*args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out).lines().count(),
            1,
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stderr(&out).starts_with("desktop-usage: error: "));
        assert!(out.stdout.is_empty());
    }
    assert_eq!(sim.sim.stats().total, 0, "nothing was sent");
    let out = sim.cmd().args(cases[1]).output().unwrap();
    insta::assert_snapshot!("error_invalid_range", stable(&stderr(&out)));
    let out = sim.cmd().args(cases[0]).output().unwrap();
    insta::assert_snapshot!("error_bad_date", stable(&stderr(&out)));
}

#[test]
fn missing_settings_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(home.path()).args(["report"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("error_no_endpoint", stderr(&out));

    let out = bare(home.path())
        .args([
            "--endpoint",
            "http://127.0.0.1:9",
            "--project-id",
            "p",
            "report",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("HUAWEICLOUD_SDK_AK"),
        "{}",
        stderr(&out)
    );

    let dir = tempfile::tempdir().unwrap();
    let out = bare(home.path())
        .env("HUAWEICLOUD_SDK_AK", "ak")
        .env("HUAWEICLOUD_SDK_SK", "sk")
        .args([
            "--endpoint",
            "http://127.0.0.1:9",
            "--project-id",
            "p",
            "report",
        ])
        .args([
            "--output",
            dir.path().join("missing/out.csv").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--output"), "{}", stderr(&out));
}

#[test]
fn wrong_secret_key_exits_3_with_request_id() {
    let sim = start(small_fleet());
    let out = sim.run("report", &[]).status.code();
    assert_eq!(out, Some(0));
    let out = sim
        .cmd()
        .env("HUAWEICLOUD_SDK_SK", "not-the-secret")
        .args(["report", "--from", FROM, "--to", TO])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("request id"), "{err}");
    assert!(!err.contains("not-the-secret"));
    insta::assert_snapshot!("error_auth", stable(&err));
    assert_eq!(
        sim.sim.stats().auth_failed,
        1,
        "authentication failures are not retried"
    );
}

#[test]
fn wrong_project_exits_3() {
    let sim = start(small_fleet());
    let out = sim
        .cmd_for_project("ffffffffffffffffffffffffffffffff")
        .args(["report", "--from", FROM, "--to", TO])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    insta::assert_snapshot!("error_forbidden_project", stable(&stderr(&out)));
}

#[test]
fn api_error_exits_4() {
    let sim = start(small_fleet().faults(FaultConfig::new(1.0, [FaultKind::Internal500])));
    let out = sim.run("report", &["--retries", "0"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    insta::assert_snapshot!("error_api_500", stable(&stderr(&out)));

    let sim = start(small_fleet().faults(FaultConfig::new(1.0, [FaultKind::BadGateway502Html])));
    let out = sim.run("report", &["--retries", "0"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("502"), "{}", stderr(&out));
}

#[test]
fn network_errors_exit_5() {
    // A port nobody listens on: connection refused.
    let (_bound, port) = refusing_port();
    let home = tempfile::tempdir().unwrap();
    let out = bare(home.path())
        .env("HUAWEICLOUD_SDK_AK", "ak")
        .env("HUAWEICLOUD_SDK_SK", "sk")
        .args([
            "--endpoint",
            &format!("http://127.0.0.1:{port}"),
            "--project-id",
            "p",
        ])
        .args(["--retries", "0", "report", "--from", FROM, "--to", TO])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    // Answers slower than --timeout.
    let sim = start(small_fleet().faults(
        FaultConfig::new(1.0, [FaultKind::SlowResponse]).with_slow(Duration::from_secs(5)),
    ));
    let out = sim.run("report", &["--retries", "0", "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn ctrl_c_leaves_the_previous_output_file() {
    // A server that holds the request and says when it has arrived: no
    // polling, no sleeping. (tests/hostile.rs does the other signals.)
    let server = common::hand_made(common::Answer::Hold, 1);
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.ndjson");
    std::fs::write(&file, "previous\n").unwrap();
    let child = server
        .std_cmd(home.path())
        .args(["report", "--from", FROM, "--to", TO, "--format", "ndjson"])
        .args(["--output", file.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    server.next_request();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "previous\n");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["report.ndjson"], "no temporary file left");
}

#[test]
fn iam_token_is_sent_instead_of_signing() {
    let sim = start(small_fleet().iam_token("token-for-tests"));
    let out = bare(sim.home.path())
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", "token-for-tests")
        .args([
            "--endpoint",
            &sim.sim.base_url(),
            "--project-id",
            sim.sim.project_id(),
        ])
        .args(["users-daily", "--from", FROM, "--to", TO, "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        stdout(&sim.run("users-daily", &["--format", "csv"]))
    );
}

#[test]
fn secrets_never_reach_stderr() {
    let sim = start(small_fleet());
    let sk = sim.sim.credentials().secret_key().expose().to_string();
    let out = sim.run("report", &["-vvv", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&sk));
    let out = sim
        .cmd()
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", "super-secret-token")
        .args(["-vvv", "report", "--from", FROM, "--to", TO])
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("super-secret-token"));
    let help = bare(sim.home.path())
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", "super-secret-token")
        .arg("--help")
        .output()
        .unwrap();
    assert!(!stdout(&help).contains("super-secret-token"));
}

// ---------------------------------------------------------------- the README's main job

#[test]
fn readme_main_job_demo_report_last_45_days() {
    let home = tempfile::tempdir().unwrap();
    // The run reads the clock once; a run across UTC midnight sees either day.
    let before = chrono::Utc::now().date_naive();
    let out = bare(home.path())
        // Credentials in the environment are ignored by --demo.
        .env("HUAWEICLOUD_SDK_AK", "bogus")
        .env("HUAWEICLOUD_SDK_SK", "bogus")
        .args(["--demo", "report", "--last", "45d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("SIMULATION"), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let after = chrono::Utc::now().date_naive();
    let caption = |today: chrono::NaiveDate| {
        let from = today - chrono::Days::new(44);
        format!("Desktop usage, {from} to {today} (45 days, UTC), per day")
    };
    assert!(
        lines[0].starts_with(&caption(before)) || lines[0].starts_with(&caption(after)),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "");
    // Names from the inventory take the place of the ids.
    assert!(lines[2].starts_with("DESKTOP "), "{}", lines[2]);
    assert!(lines[3].starts_with("WKS-"), "{}", lines[3]);
    // header, 300 desktops, rule, totals
    assert_eq!(lines.len(), 2 + 1 + 300 + 1 + 1, "{text}");
    assert!(lines[303].chars().all(|c| c == '-'));
    assert!(
        lines[304].starts_with("TOTAL (300 desktops)"),
        "{}",
        lines[304]
    );
    let ids: BTreeSet<&str> = lines[3..303]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(ids.len(), 300);
}

#[test]
fn tables_with_charts_when_asked_and_none_off_a_terminal() {
    let sim = start(small_fleet());
    let charted = sim.run("report", &["--chart", "always"]);
    assert_eq!(charted.status.code(), Some(0), "{}", stderr(&charted));
    insta::assert_snapshot!("report_table_chart", stdout(&charted));
    let bars = sim.run("users-daily", &["--chart", "always"]);
    insta::assert_snapshot!("users_daily_table_chart", stdout(&bars));
    // The default (auto) draws nothing when stdout is not a terminal, as here.
    let plain = stdout(&sim.run("report", &[]));
    assert!(!plain.contains("DAILY"));
    assert_eq!(stdout(&sim.run("report", &["--no-chart"])), plain);
    assert_eq!(stdout(&sim.run("report", &["--chart", "never"])), plain);
}

#[test]
fn sort_orders_tables_and_machine_formats_alike() {
    let sim = start(small_fleet());
    let totals = |args: &[&str]| -> Vec<(String, u64)> {
        let mut extra = vec!["--format", "ndjson"];
        extra.extend_from_slice(args);
        let out = sim.run("report", &extra);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let mut per: Vec<(String, u64)> = Vec::new();
        for line in stdout(&out).lines() {
            let row: Value = serde_json::from_str(line).unwrap();
            let id = row["desktop_id"].as_str().unwrap().to_string();
            let h = (row["hours"].as_f64().unwrap() * 100.0).round() as u64;
            match per.last_mut() {
                Some((last, sum)) if *last == id => *sum += h,
                _ => per.push((id, h)),
            }
        }
        per
    };
    let by_hours = totals(&["--sort", "hours"]);
    assert_eq!(by_hours.len(), 12);
    assert!(
        by_hours.windows(2).all(|w| w[0].1 >= w[1].1),
        "{by_hours:?}"
    );
    let ascending = totals(&["--sort", "hours", "--asc"]);
    assert!(
        ascending.windows(2).all(|w| w[0].1 <= w[1].1),
        "{ascending:?}"
    );
    // Without --sort, the machine formats keep their documented order: by id.
    let default = totals(&[]);
    assert!(default.windows(2).all(|w| w[0].0 < w[1].0));

    let table = stdout(&sim.run("users-daily", &["--sort", "name", "--desc"]));
    let names: Vec<&str> = table
        .lines()
        .skip(3)
        .take_while(|l| !l.starts_with('-'))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut expected = names.clone();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(names, expected);
    let out = sim.run("report", &["--asc"]);
    assert_eq!(out.status.code(), Some(2), "--asc needs --sort");
}

/// A port that refuses connections while the returned socket lives: bound,
/// never listening. (A dropped listener's port could be taken meanwhile by
/// another test's server.)
fn refusing_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}
