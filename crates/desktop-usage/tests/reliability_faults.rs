//! Faults, end to end through the binary: nothing lost, nothing duplicated;
//! when retries run out, a loud failure with the request id and no output
//! file; a server that never answers ends in a timeout, not a hang.
//!
//! Every command runs with a cleared environment and a harness time limit
//! (`assert_cmd`'s `timeout`), so a hang fails the test instead of blocking it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use chrono::NaiveDate;
mod common;

use common::{Sim, bare, start, stderr};
use huaweicloud_workspace_sim::{FaultConfig, FaultKind, Simulator, SimulatorBuilder};

fn fleet(desktops: usize) -> SimulatorBuilder {
    Simulator::builder()
        .desktops(desktops)
        .seed(11)
        .today(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap())
}

/// 90 days (3 windows of at most 31 days).
const FROM: &str = "2024-01-01";
const TO: &str = "2024-03-30";
/// The fleet of the twenty-run tests: 200 desktops, 2 pages per window, 6
/// pages a run. (500 desktops took minutes per test of twenty runs, most
/// of it waiting out 429 backoffs, and ran close to the harness's limit on
/// a loaded machine; the one-year fault runs are `cargo xtask bench`'s.)
const DESKTOPS: usize = 200;

/// Twenty runs of the report with default settings (no `--retries`, auto
/// concurrency) against `faults`, each byte-identical to a fault-free run.
/// One faulty simulator serves all twenty, so each run meets different
/// faults (the count of requests goes on).
fn twenty_runs_match_a_clean_run(desktops: usize, faults: FaultConfig) {
    let clean = start(fleet(desktops));
    let faulty = start(fleet(desktops).faults(faults.with_slow(Duration::from_millis(50))));
    // csv: every desktop, day and hour value, one row each. The usage
    // alone: a names pass that runs out of retries only drops the names
    // (with a warning, which -q silences), which is not what this measures.
    let run = |sim: &Sim| {
        sim.cmd()
            .args([
                "-q",
                "--no-names",
                "report",
                "--from",
                FROM,
                "--to",
                TO,
                "--format",
                "csv",
            ])
            .output()
            .unwrap()
    };
    let want = run(&clean);
    assert_eq!(want.status.code(), Some(0), "{}", stderr(&want));
    let rows = String::from_utf8(want.stdout.clone())
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        rows,
        1 + desktops * 90,
        "header + one row per desktop and day"
    );
    let pages_per_run = clean.sim.stats().ok;
    for i in 1..=20 {
        let got = run(&faulty);
        assert_eq!(got.status.code(), Some(0), "run {i}: {}", stderr(&got));
        assert!(
            got.stdout == want.stdout,
            "run {i}: the output under faults differs from the fault-free run"
        );
    }
    let stats = faulty.sim.stats();
    // Faults were met in earnest, and every page of every run was answered.
    assert!(stats.faults_injected >= 20 * pages_per_run / 5, "{stats:?}");
    assert_eq!(stats.ok, 20 * pages_per_run, "{stats:?}");
}

/// 30 % of requests, at random, get a fault of any kind (429, 500, 502
/// HTML, 503, reset, slow).
#[test]
fn thirty_percent_faults_twenty_runs_give_byte_identical_output() {
    twenty_runs_match_a_clean_run(DESKTOPS, FaultConfig::new(0.3, FaultKind::ALL));
}

/// Every third request across all clients gets a fault, the kinds in turn:
/// a busy gateway, not a random one.
#[test]
fn every_third_request_faulted_twenty_runs_give_byte_identical_output() {
    twenty_runs_match_a_clean_run(DESKTOPS, FaultConfig::every(3, FaultKind::ALL));
}

/// Every third request answered 429 or 502 in turn, as in the issue that
/// asked for separate budgets: with three attempts shared, a page sometimes
/// met three busy moments and the whole report failed.
#[test]
fn every_third_request_429_or_502_twenty_runs_give_byte_identical_output() {
    twenty_runs_match_a_clean_run(
        DESKTOPS,
        FaultConfig::every(3, [FaultKind::Throttle429, FaultKind::BadGateway502Html]),
    );
}

/// Each kind of fault, on every attempt: the exit code, the message (with the
/// request id whenever the service answered), and no output file. Errors
/// get `--retries 1`: two attempts. A 429 has its own, larger budget while
/// the client slows down (ten attempts, seconds apart), so here `--retries 0`
/// turns all retries off: one attempt.
#[test]
fn when_retries_run_out_the_failure_is_loud_and_leaves_no_file() {
    let cases: [(FaultKind, i32, &str, bool); 6] = [
        (FaultKind::Throttle429, 4, "APIG.0308", true),
        (FaultKind::Internal500, 4, "WKS.9999", true),
        (FaultKind::BadGateway502Html, 4, "HTTP 502", true),
        (FaultKind::Unavailable503Empty, 4, "HTTP 503", true),
        // No answer: no request id to quote.
        (FaultKind::ResetConnection, 5, "network error", false),
        (FaultKind::SlowResponse, 5, "timed out", false),
    ];
    for (kind, code, says, has_request_id) in cases {
        let sim = start(
            fleet(12).faults(FaultConfig::new(1.0, [kind]).with_slow(Duration::from_secs(30))),
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.csv");
        let retries = if kind == FaultKind::Throttle429 {
            "0"
        } else {
            "1"
        };
        let out = sim
            .cmd()
            .args(["--retries", retries, "--timeout", "1"])
            .args([
                "report",
                "--from",
                FROM,
                "--to",
                "2024-01-05",
                "--format",
                "csv",
            ])
            .args(["--output", file.to_str().unwrap()])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{kind:?}: {err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("desktop-usage: error: "),
            "{kind:?}: {err}"
        );
        assert!(last.contains(says), "{kind:?}: {last}");
        assert!(last.contains("2 attempts") || code == 4, "{kind:?}: {last}");
        if has_request_id {
            let id = last
                .split("request id ")
                .nth(1)
                .map(|rest| rest.trim_end_matches(')'))
                .unwrap_or_default();
            assert!(
                id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
                "{kind:?}: no request id in {last}"
            );
        }
        assert!(out.stdout.is_empty(), "{kind:?}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{kind:?}: a failed run left a file behind"
        );
        // Every attempt of the one request faulted.
        let attempts = if kind == FaultKind::Throttle429 { 1 } else { 2 };
        assert_eq!(sim.sim.stats().faults_injected, attempts, "{kind:?}");
    }
}

/// A TCP server that accepts connections and then never says a word.
fn silent_server() -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        // Bounded: 60 s at most, then the connections are dropped.
        for _ in 0..1200 {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    });
    (url, handle)
}

#[test]
fn a_server_that_never_answers_fails_with_a_timeout_not_a_hang() {
    let (url, _server) = silent_server();
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.json");
    for retries in ["0", "1"] {
        let out = bare(home.path())
            .env("HUAWEICLOUD_SDK_AK", "AKTEST")
            .env("HUAWEICLOUD_SDK_SK", "SKTEST")
            .args(["--endpoint", &url, "--project-id", "p1"])
            .args(["--timeout", "1", "--retries", retries])
            .args(["report", "--from", FROM, "--to", TO, "--format", "json"])
            .args(["--output", file.to_str().unwrap()])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(5), "--retries {retries}: {err}");
        assert!(
            err.contains("timed out") && err.contains("1 s"),
            "--retries {retries}: {err}"
        );
        assert!(!file.exists());
    }
}

/// At the default level a retry is one sentence a person reads: what
/// failed, the wait, which retry of how many; no timestamp, level or URL.
/// From -v on, the structured line (with the whole error) is what is shown.
#[test]
fn retry_warnings_are_sentences_by_default_and_structured_lines_at_v() {
    for (kind, says) in [
        (FaultKind::Throttle429, "throttled (HTTP 429)"),
        (FaultKind::Internal500, "HTTP 500"),
    ] {
        // Three windows, three requests: the second one faults once.
        let sim = start(fleet(12).faults(FaultConfig::every(2, [kind])));
        let run = |verbosity: &[&str]| {
            let out = sim
                .cmd()
                .args(verbosity)
                .args(["--no-names", "report", "--from", FROM, "--to", TO])
                .args(["--format", "csv"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", stderr(&out));
            stderr(&out)
        };
        let err = run(&[]);
        let retries: Vec<&str> = err.lines().filter(|l| l.contains("retrying")).collect();
        assert!(!retries.is_empty(), "{kind:?}: no retry said: {err}");
        for line in retries {
            let rest = line
                .strip_prefix(&format!("desktop-usage: {says}, retrying in "))
                .unwrap_or_else(|| panic!("{kind:?}: {line}"));
            // "<n> s (<retry> of <budget>)"
            let (wait, count) = rest.split_once(" s (").unwrap_or_else(|| panic!("{line}"));
            assert!(wait.parse::<f64>().is_ok(), "{line}");
            let (retry, of) = count
                .trim_end_matches(')')
                .split_once(" of ")
                .unwrap_or_else(|| panic!("{line}"));
            assert!(
                retry.parse::<u32>().unwrap() <= of.parse::<u32>().unwrap(),
                "{line}"
            );
        }
        assert!(
            !err.contains("http://"),
            "{kind:?}: a URL at the default level: {err}"
        );
        assert!(
            !err.contains("WARN"),
            "{kind:?}: a log level at the default level: {err}"
        );

        let err = run(&["-v"]);
        let line = err
            .lines()
            .find(|l| l.contains("attempt failed, retrying"))
            .unwrap_or_else(|| panic!("{kind:?}: no structured retry line at -v: {err}"));
        assert!(line.contains("WARN"), "{line}");
        assert!(line.contains("delay_ms="), "{line}");
    }
}
