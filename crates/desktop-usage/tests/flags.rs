//! Flags and messages as a user meets them: -v, -q with --demo, --desktop
//! lists, long --last ranges, the demo's calendar, and IAM tokens from a
//! file or stdin with the plain-http warning.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::io::Write;

use chrono::{Days, NaiveDate, Utc};
use common::{Answer, bare, hand_made, start, stderr, stdout, usage_body};
use huaweicloud_workspace_sim::{Simulator, SimulatorBuilder};
use serde_json::Value;

fn fleet() -> SimulatorBuilder {
    Simulator::builder()
        .desktops(12)
        .seed(7)
        .today(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap())
}

const RANGE: [&str; 4] = ["--from", "2024-01-01", "--to", "2024-01-07"];

fn request_lines(err: &str) -> usize {
    err.lines()
        .filter(|l| l.starts_with("desktop-usage: request: HTTP 200, request id "))
        .count()
}

#[test]
fn verbose_prints_one_line_per_request_with_status_and_request_id() {
    let sim = start(fleet());
    let out = sim.cmd().args(["report"]).args(RANGE).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "", "quiet by default");
    let before = sim.sim.stats().total;

    for flag in ["-v", "-vv"] {
        let start_count = sim.sim.stats().total;
        let out = sim
            .cmd()
            .args([flag, "report", "--group-by", "hour", "--format", "csv"])
            .args(RANGE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let sent = sim.sim.stats().total - start_count;
        let err = stderr(&out);
        assert!(sent >= 1);
        assert_eq!(request_lines(&err) as u64, sent, "{flag}: {err}");
    }
    assert!(before >= 1);
}

/// Each -v adds lines the one before did not print, up to -vvv (the HTTP
/// stack's connections); a fourth adds nothing.
#[test]
fn each_verbosity_level_up_to_three_adds_something_and_a_fourth_nothing() {
    let sim = start(fleet());
    // The sources of the log lines at a level: the tool's own request
    // lines, and the target of each structured line (`LEVEL target: ...`).
    let sources = |flag: &str| -> std::collections::BTreeSet<String> {
        let out = sim
            .cmd()
            .args([flag, "report", "--format", "csv"])
            .args(RANGE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stderr(&out)
            .lines()
            .map(|line| {
                if line.starts_with("desktop-usage: request:") {
                    return "request line".to_string();
                }
                let mut words = line.split_whitespace().skip(1);
                let level = words.next().unwrap_or_default();
                let target = words
                    .find(|w| w.ends_with(':') && w.contains("::"))
                    .unwrap_or_default();
                format!("{level} {target}")
            })
            .collect()
    };
    let v = sources("-v");
    let vv = sources("-vv");
    let vvv = sources("-vvv");
    assert!(v.contains("request line"), "{v:?}");
    assert!(
        vv.is_superset(&v) && vv.len() > v.len(),
        "-vv adds nothing: {vv:?}"
    );
    assert!(
        vv.iter()
            .any(|s| s.starts_with("DEBUG huaweicloud_workspace")),
        "{vv:?}"
    );
    assert!(
        vvv.is_superset(&vv) && vvv.len() > vv.len(),
        "-vvv adds nothing: {vvv:?}"
    );
    assert!(
        vvv.iter().any(|s| s.contains("hyper")),
        "no HTTP connection lines: {vvv:?}"
    );
    assert_eq!(sources("-vvvv"), vvv, "-vvvv differs from -vvv");
}

#[test]
fn demo_quiet_prints_nothing_on_stderr() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(home.path())
        .args(["--demo", "-q", "users", "--last", "2d", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(stdout(&out).starts_with("username,hours"));
}

#[test]
fn the_demo_has_no_usage_after_today() {
    let home = tempfile::tempdir().unwrap();
    let today = Utc::now().date_naive();
    let from = today - Days::new(3);
    let to = today + Days::new(5);
    let out = bare(home.path())
        .args(["--demo", "-q", "report", "--format", "json"])
        .args(["--from", &from.to_string(), "--to", &to.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let (mut past, mut future) = (0.0, 0.0);
    for row in &rows {
        let date = NaiveDate::parse_from_str(row["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let hours = row["hours"].as_f64().unwrap();
        if date > today {
            future += hours;
        } else {
            past += hours;
        }
    }
    assert_eq!(rows.len(), 300 * 9);
    assert!(past > 0.0, "the days up to today had use");
    assert_eq!(future, 0.0, "no use after today ({today})");
}

#[test]
fn desktop_ids_are_trimmed_and_split_before_sending() {
    let home = tempfile::tempdir().unwrap();
    let server = hand_made(
        Answer::With(200, vec![], usage_body(&[("d-1", "ann"), ("d-2", "bob")])),
        1,
    );
    let out = server
        .cmd(home.path())
        .args(["report", "--desktop", " d-1 ,d-2", "--from", "2024-01-01"])
        .args(["--to", "2024-01-02", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let body: Value = serde_json::from_str(&server.next_request()).unwrap();
    assert_eq!(body["desktop_ids"], serde_json::json!(["d-1", "d-2"]));
}

#[test]
fn last_reaches_past_ten_years() {
    let sim = start(fleet());
    let out = sim
        .cmd()
        .args(["users-daily", "--last", "3700d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    assert!(first.contains("(3700 days, UTC)"), "{first}");
    // 3700 days in windows of at most 31 days, one page each.
    assert_eq!(sim.sim.stats().total, 3700_u64.div_ceil(31));
}

#[test]
fn the_iam_token_comes_from_a_file_or_stdin() {
    let sim = start(fleet().iam_token("token-for-tests"));
    let expected = stdout(
        &sim.cmd()
            .args(["users-daily", "--format", "csv"])
            .args(RANGE)
            .output()
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "token-for-tests\r\n").unwrap();
    let with_token = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("desktop-usage"))
            .env_clear()
            .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
            .env("HOME", sim.home.path())
            // Ignored: the file wins.
            .env("HUAWEICLOUD_SDK_AUTH_TOKEN", "wrong-token")
            .args(["--endpoint", &sim.sim.base_url()])
            .args(["--project-id", sim.sim.project_id()])
            .args(args)
            .args(["users-daily", "--format", "csv"])
            .args(RANGE)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    for (args, stdin) in [
        (vec!["--auth-token-file", "-"], "token-for-tests\n"),
        (vec!["--auth-token-file", file.to_str().unwrap()], ""),
    ] {
        let out = with_token(&args, stdin);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), expected);
        assert_eq!(stderr(&out), "", "loopback http: no warning");
    }
    // The variable alone is used, and a wrong one is refused by the service.
    let out = with_token(&[], "");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn credentials_over_plain_http_to_another_host_are_warned_about_once() {
    let home = tempfile::tempdir().unwrap();
    // A name that cannot resolve, and a TEST-NET address that never answers
    // (one second, no retry): the run fails (exit 5) after the warning.
    for (endpoint, host) in [
        (
            "http://workspace.example.invalid:9",
            "workspace.example.invalid",
        ),
        ("http://192.0.2.1:1", "192.0.2.1"),
    ] {
        let out = bare(home.path())
            .env("HUAWEICLOUD_SDK_AK", "ak")
            .env("HUAWEICLOUD_SDK_SK", "sk")
            .args(["--endpoint", endpoint, "--timeout", "1"])
            .args(["--project-id", "p", "--retries", "0", "report"])
            .args(RANGE)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(5), "{err}");
        let warning = format!(
            "desktop-usage: warning: plain http to {host}: signed requests and tokens travel unencrypted\n"
        );
        assert_eq!(err.matches(&warning).count(), 1, "{err}");
        assert!(err.starts_with(&warning), "the warning comes first: {err}");
        assert_eq!(err.matches("plain http").count(), 1, "{err}");
    }
    // -q: errors only.
    let out = bare(home.path())
        .env("HUAWEICLOUD_SDK_AK", "ak")
        .env("HUAWEICLOUD_SDK_SK", "sk")
        .args(["-q", "--endpoint", "http://workspace.example.invalid:9"])
        .args(["--project-id", "p", "--retries", "0", "report"])
        .args(RANGE)
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn a_region_not_on_the_list_works_when_its_override_variable_is_set() {
    let sim = common::start(huaweicloud_workspace_sim::Simulator::builder().desktops(3));
    let creds = sim.sim.credentials();
    let run = |with_override: bool| {
        let mut cmd = bare(sim.home.path());
        cmd.env("HUAWEICLOUD_SDK_AK", creds.access_key())
            .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
            .args([
                "--region",
                "xx-test-9",
                "--project-id",
                sim.sim.project_id(),
            ])
            .args(["--no-names", "report", "--last", "2d", "--format", "csv"]);
        if with_override {
            cmd.env(
                "HUAWEICLOUD_SDK_REGION_WORKSPACE_XX_TEST_9",
                sim.sim.base_url(),
            );
        }
        cmd.output().unwrap()
    };
    let out = run(true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1 + 3 * 2);
    let out = run(false);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("HUAWEICLOUD_SDK_REGION_WORKSPACE_XX_TEST_9"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_clap_definition() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bare(home.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        // Every command and a few options of each, so a new one cannot be missed.
        for word in [
            "report",
            "idle",
            "desktops",
            "users-daily",
            "no-names",
            "min-idle-days",
        ] {
            assert!(text.contains(word), "{shell}: no {word}");
        }
    }
    let out = bare(home.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    let out = bare(home.path()).arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let man = stdout(&out);
    assert!(
        man.starts_with(".ie") || man.contains(".TH desktop-usage"),
        "{}",
        &man[..200.min(man.len())]
    );
    for word in ["desktops", "users\\-daily", "EXIT CODES", "\\-\\-profile"] {
        assert!(man.contains(word), "man page without {word}");
    }
}

#[test]
fn man_dir_writes_every_page_the_top_page_names() {
    let home = tempfile::tempdir().unwrap();
    // A directory that does not exist yet, as on a fresh prefix.
    let dir = home.path().join("share/man/man1");
    let out = bare(home.path())
        .args(["man", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut expected: Vec<String> = [
        "report",
        "idle",
        "desktops",
        "users",
        "users-daily",
        "sessions",
        "concurrency",
        "unused",
        "completions",
        "man",
        "schema",
    ]
    .iter()
    .map(|c| format!("desktop-usage-{c}.1"))
    .chain(["desktop-usage.1".to_owned()])
    .collect();
    expected.sort();
    // No page for `help`, and no temporary file left behind.
    assert_eq!(files, expected);

    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let top = read("desktop-usage.1");
    let printed = bare(home.path()).arg("man").output().unwrap();
    assert_eq!(
        stdout(&printed),
        top,
        "`man` prints the top page --dir writes"
    );
    // Every desktop-usage-X(1) the top page refers to is there.
    let mut named = 0;
    for (at, _) in top.match_indices("desktop\\-usage\\-") {
        let rest = &top[at..];
        let end = rest.find("(1)").unwrap();
        let file = format!("{}.1", rest[..end].replace("\\-", "-"));
        assert!(
            files.contains(&file),
            "the top page names {file}, not written"
        );
        named += 1;
    }
    assert_eq!(named, files.len() - 1, "the top page names each command");

    let report = read("desktop-usage-report.1");
    // Its own title, and desktop-usage in the footer, not "report 0.1.0".
    assert!(report.contains(".TH desktop-usage-report 1"), "{report}");
    for word in [
        "\\-\\-format",
        "\\-\\-no\\-names",
        "EXIT CODES",
        "\"desktop-usage 0.",
    ] {
        assert!(report.contains(word), "report page without {word}");
    }
    assert!(
        !report.contains("\\-\\-threshold"),
        "idle's flag on report's page"
    );
    let idle = read("desktop-usage-idle.1");
    assert!(
        idle.contains("\\-\\-threshold"),
        "idle page without --threshold"
    );
    let printed = bare(home.path()).args(["man", "idle"]).output().unwrap();
    assert_eq!(printed.status.code(), Some(0), "{}", stderr(&printed));
    assert_eq!(
        stdout(&printed),
        idle,
        "`man idle` prints the page --dir writes"
    );

    // Where man(1) renders pages (not a minimized system's stub), it renders this one.
    let rendered = std::process::Command::new("man")
        .arg("-l")
        .arg(dir.join("desktop-usage-idle.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .output();
    match rendered {
        Ok(r) if r.status.success() && stdout(&r).contains("desktop-usage-idle") => {
            let text = stdout(&r);
            assert!(text.contains("--threshold <HOURS>"), "{text}");
        }
        _ => eprintln!("no man(1) that renders pages here: not rendered"),
    }

    // Again: the pages are replaced, not an error.
    std::fs::write(dir.join("desktop-usage-idle.1"), "stale").unwrap();
    let again = bare(home.path())
        .args(["man", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(read("desktop-usage-idle.1"), idle);

    // A DIR that is a file: the output cannot be written, and the message says where.
    let file = home.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let out = bare(home.path())
        .args(["man", "--dir"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&*file.to_string_lossy()),
        "{}",
        stderr(&out)
    );
    let out = bare(home.path()).args(["man", "help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "help has no page of its own");
}

#[test]
fn a_named_profile_picks_its_section_of_the_credentials_file() {
    let sim = common::start(huaweicloud_workspace_sim::Simulator::builder().desktops(2));
    let creds = sim.sim.credentials();
    let file = sim.home.path().join("credentials");
    std::fs::write(
        &file,
        format!(
            "[basic]\nak = AKWRONG\nsk = SKWRONG\n\n[prod]\nak = {}\nsk = {}\nproject_id = {}\n",
            creds.access_key(),
            creds.secret_key().expose(),
            sim.sim.project_id()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let run = |profile: Option<&str>| {
        let mut cmd = bare(sim.home.path());
        cmd.env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file).args([
            "--endpoint",
            &sim.sim.base_url(),
            "--project-id",
            sim.sim.project_id(),
        ]);
        if let Some(p) = profile {
            cmd.args(["--profile", p]);
        }
        cmd.args(["--no-names", "report", "--last", "1d", "--format", "csv"])
            .output()
            .unwrap()
    };
    let out = run(Some("prod"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // [basic] holds wrong keys: refused by the service.
    assert_eq!(run(None).status.code(), Some(3));
    let out = run(Some("staging"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("staging"), "{}", stderr(&out));
}
