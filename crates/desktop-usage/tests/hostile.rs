//! A hostile service and hostile surroundings: names and error texts full of
//! terminal escapes, spreadsheet formulas, special output files, closed
//! pipes, and signals. Each test names the class of defect it guards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Answer, HandMade, hand_made, start, stderr, stdout, usage_body};
use huaweicloud_workspace_sim::Simulator;
use serde_json::Value;

const RANGE: [&str; 4] = ["--from", "2024-01-01", "--to", "2024-01-02"];

/// Names a real console accepts and a terminal would obey.
const HOSTILE: [(&str, &str); 7] = [
    ("d-title", "\u{1b}]0;pwned\u{7}"),
    ("d-clear\u{1b}[2J", "clear"),
    ("d-row", "evil\nTOTAL (99 desktops)  1 user  999.00"),
    ("d-cjk", "张伟"),
    ("d-emoji", "🎉party"),
    ("d-rtl", "rtl\u{202e}gnp.exe"),
    ("d-misc", "nul\u{0}bs\u{8}cr\rdel\u{7f}"),
];

fn hostile_server(connections: usize) -> HandMade {
    hand_made(Answer::With(200, vec![], usage_body(&HOSTILE)), connections)
}

/// No character a terminal would act on, other than the line ends.
fn assert_inert(what: &str, text: &str) {
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(
            !(bidi || c.is_control() && c != '\n'),
            "{what}: {:?} reached the terminal in {text:?}",
            c
        );
    }
}

/// The binary as a plain process (assert_cmd's captures stdout and stderr).
fn plain(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("desktop-usage"));
    cmd.env_clear()
        .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
        .env("HOME", home);
    cmd
}

/// The same, pointed at a simulator.
fn against(sim: &common::Sim) -> Command {
    let creds = sim.sim.credentials();
    let mut cmd = plain(sim.home.path());
    cmd.env("HUAWEICLOUD_SDK_AK", creds.access_key())
        .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
        .args(["--endpoint", &sim.sim.base_url()])
        .args(["--project-id", sim.sim.project_id()]);
    cmd
}

// ------------------------------------------------ terminal escapes

#[test]
fn service_text_in_tables_is_escaped_and_columns_stay_aligned() {
    use unicode_width::UnicodeWidthStr;
    let home = tempfile::tempdir().unwrap();
    for command in ["report", "idle", "users-daily"] {
        let server = hostile_server(1);
        let mut cmd = server.cmd(home.path());
        cmd.arg(command).args(RANGE);
        if command == "idle" {
            cmd.args(["--threshold", "5"]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        assert_inert(command, &text);
        let lines: Vec<&str> = text.lines().collect();
        // caption, blank, header, one line per desktop (or user), then the footer
        let body: Vec<&str> = lines[3..3 + HOSTILE.len()].to_vec();
        assert!(
            body.iter().any(|l| l.contains("\\u{1b}]0;pwned\\u{7}")),
            "{text}"
        );
        assert!(body.iter().any(|l| l.contains("evil\\u{a}TOTAL")), "{text}");
        // The HOURS column (report: third, users: second) ends in one
        // terminal column on every line, CJK and emoji included.
        let hours_end: BTreeSet<usize> = std::iter::once(lines[2])
            .chain(body.iter().copied())
            .map(|l| {
                let at = l.find(" 1.50").or_else(|| l.find("HOURS")).unwrap();
                let end = at + l[at..].find(['0', 'S']).unwrap() + 1;
                l[..end].width()
            })
            .collect();
        assert_eq!(hours_end.len(), 1, "{command}: misaligned:\n{text}");
    }
}

#[test]
fn service_error_texts_are_escaped_on_stderr() {
    let home = tempfile::tempdir().unwrap();
    let body = serde_json::json!({
        "error_code": "WKS.0001",
        "error_msg": "bad\u{1b}]0;pwned\u{7}\nsecond line\u{202e}txt.exe",
    })
    .to_string();
    // 400: the error line itself. 500 with one retry: a retry warning
    // first (which says only "HTTP 500"), then the error with the text.
    for (status, retries) in [(400, "0"), (500, "1")] {
        let server = hand_made(Answer::With(status, vec![], body.clone()), 2);
        let out = server
            .cmd(home.path())
            .args(["--retries", retries, "report"])
            .args(RANGE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        let err = stderr(&out);
        assert_inert("stderr", &err);
        // (the library already turns the line break into a space)
        assert!(err.contains("bad\\u{1b}]0;pwned\\u{7}"), "{err}");
        assert!(err.contains("line\\u{202e}txt.exe"), "{err}");
        if retries == "0" {
            assert_eq!(err.lines().count(), 1, "{err}");
        } else {
            assert!(err.contains("retrying"), "{err}");
        }
    }
}

// ------------------------------------------------ huge texts

/// `n` desktops whose user names are a mebibyte each (and differ).
fn megabyte_names(n: usize) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| (format!("d{i}"), format!("{i}-huge-{}", "x".repeat(1 << 20))))
        .collect()
}

#[test]
fn a_megabyte_name_is_cut_in_tables_and_kept_whole_in_csv() {
    let home = tempfile::tempdir().unwrap();
    let names = megabyte_names(5);
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .map(|(d, u)| (d.as_str(), u.as_str()))
        .collect();
    let body = usage_body(&pairs);
    let run = |args: &[&str]| {
        let server = hand_made(Answer::With(200, vec![], body.clone()), 1);
        let out = server
            .cmd(home.path())
            .args(args)
            .args(RANGE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        out
    };
    for args in [
        &["report"][..],
        &["users-daily"],
        &["idle", "--threshold", "5"],
    ] {
        let out = run(args);
        // Piped, not a terminal: the cap holds all the same.
        assert!(
            out.stdout.len() < 20_000,
            "{args:?}: {} bytes of table for 5 desktops",
            out.stdout.len()
        );
        let text = stdout(&out);
        for i in 1..=5 {
            assert!(
                text.contains(&format!("{i}-huge-xxxx")),
                "{args:?}:\n{text}"
            );
        }
        assert!(text.contains("x…"), "{args:?}:\n{text}");
        let widest = text.lines().map(str::len).max().unwrap();
        assert!(widest < 200, "{args:?}: a line of {widest} bytes");
    }
    // csv and json: every name whole.
    let csv = stdout(&run(&["report", "--format", "csv"]));
    let json: Vec<Value> =
        serde_json::from_str(&stdout(&run(&["report", "--format", "json"]))).unwrap();
    for (_, name) in &names {
        assert!(csv.contains(&format!(",{name},")), "a name was cut in csv");
        assert!(json.iter().any(|r| r["desktop_username"] == name.as_str()));
    }
}

#[test]
fn a_megabyte_error_message_is_shortened_on_stderr_keeping_both_ends() {
    let home = tempfile::tempdir().unwrap();
    let message = format!("start-of-text {} end-of-text", "y".repeat(1 << 20));
    let body = serde_json::json!({"error_code": "WKS.0001", "error_msg": message}).to_string();
    let headers = vec![("x-request-id", "req-huge-1".to_string())];
    // 400: the service's error. 401 from IAM, asked for the project id.
    for iam in [false, true] {
        let status = if iam { 401 } else { 400 };
        let server = hand_made(Answer::With(status, headers.clone(), body.clone()), 2);
        let mut cmd = if iam {
            let mut cmd = common::bare(home.path());
            cmd.env("HUAWEICLOUD_SDK_AK", "AKHANDMADE")
                .env("HUAWEICLOUD_SDK_SK", "SKHANDMADE")
                .env("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", &server.url)
                .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", &server.url)
                .args(["--region", "cn-north-4", "--no-names"]);
            cmd
        } else {
            server.cmd(home.path())
        };
        let out = cmd
            .args(["--retries", "0", "report"])
            .args(RANGE)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(
            matches!(out.status.code(), Some(3 | 4)),
            "{}",
            &err[..err.len().min(300)]
        );
        assert!(
            err.len() < 2_000,
            "iam {iam}: {} bytes on stderr",
            err.len()
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        // Our words and the request id, whole; the service's text cut.
        assert!(err.starts_with("desktop-usage: error: "), "{err}");
        assert!(err.contains("start-of-text yyy"), "{err}");
        assert!(err.contains("characters not shown"), "{err}");
        assert!(err.contains("(request id req-huge-1)"), "{err}");
        if !iam {
            assert!(err.contains("yyy end-of-text"), "{err}");
        }
    }
}

// ------------------------------------------------ names that look alike

#[test]
fn names_that_differ_only_in_invisible_characters_show_as_different_rows() {
    use unicode_width::UnicodeWidthStr;
    let invisible = [
        "\u{200b}",
        "\u{2060}",
        "\u{ad}",
        "\u{feff}",
        "\u{e0001}",
        "\u{e0041}",
        "\u{34f}",
        "\u{180e}",
        "\u{200d}",
        "\u{fe0f}",
    ];
    let mut users: Vec<String> = vec!["WKS-CEO".into()];
    users.extend(invisible.iter().map(|c| format!("WKS-CEO{c}")));
    users.push("WK\u{200d}S-CEO".into());
    // Emoji keep their joiners and selectors: pictures, not escapes.
    users.extend([
        "👩\u{200d}💻 dev".into(),
        "❤\u{fe0f} ops".into(),
        "🇨🇳 cn".into(),
    ]);
    let ids: Vec<String> = (0..users.len()).map(|i| format!("d{i}")).collect();
    let pairs: Vec<(&str, &str)> = ids
        .iter()
        .zip(&users)
        .map(|(d, u)| (d.as_str(), u.as_str()))
        .collect();
    let server = hand_made(Answer::With(200, vec![], usage_body(&pairs)), 1);
    let home = tempfile::tempdir().unwrap();
    let out = server
        .cmd(home.path())
        .arg("users-daily")
        .args(RANGE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let body: Vec<&str> = lines[3..3 + users.len()].to_vec();
    // What a terminal shows of each row: its bytes less what takes no room.
    let seen: BTreeSet<String> = body
        .iter()
        .map(|l| {
            l.chars()
                .filter(|c| !invisible.contains(&c.to_string().as_str()))
                .collect()
        })
        .collect();
    assert_eq!(seen.len(), users.len(), "rows that look alike:\n{text}");
    for shown in [
        "WKS-CEO\\u{200b} ",
        "WKS-CEO\\u{e0001} ",
        "WKS-CEO\\u{34f} ",
        "WKS-CEO\\u{180e} ",
        "WK\\u{200d}S-CEO ",
        "👩\u{200d}💻 dev ",
        "❤\u{fe0f} ops ",
        "🇨🇳 cn ",
    ] {
        assert!(
            body.iter().any(|l| l.starts_with(shown)),
            "{shown:?} not shown:\n{text}"
        );
    }
    // Nothing invisible is left outside the emoji.
    for line in &body[..users.len() - 3] {
        assert!(line.is_ascii(), "{line:?}");
    }
    let ends: BTreeSet<usize> = body.iter().map(|l| l.width()).collect();
    assert_eq!(ends.len(), 1, "misaligned:\n{text}");
}

// ------------------------------------------------ spreadsheet formulas

#[test]
fn csv_disarms_formulas_and_json_stays_exact() {
    let home = tempfile::tempdir().unwrap();
    let names = [
        ("=d1", "=1+1"),
        ("d2", "+cmd|' /C calc'!A0"),
        ("d3", "@SUM(A1:A9)"),
        ("d4", "-2+3"),
        ("d5", "\tx"),
        ("d6", "\rx"),
        ("d7", "plain,name"),
    ];
    let body = usage_body(&names);
    let run = |format: &str, command: &str| {
        let server = hand_made(Answer::With(200, vec![], body.clone()), 1);
        let out = server
            .cmd(home.path())
            .args([command, "--format", format])
            .args(RANGE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let csv = run("csv", "report");
    for expected in [
        "\"'=d1\",,\"'=1+1\",2024-01-01,1.50\n",
        "d2,,\"'+cmd|' /C calc'!A0\",2024-01-01,1.50\n",
        "d3,,\"'@SUM(A1:A9)\",2024-01-02,0.00\n",
        "d4,,\"'-2+3\",2024-01-01,1.50\n",
        "d5,,\"'\tx\",2024-01-01,1.50\n",
        "d6,,\"'\rx\",2024-01-01,1.50\n",
        "d7,,\"plain,name\",2024-01-01,1.50\n",
    ] {
        assert!(csv.contains(expected), "{expected:?} not in\n{csv}");
    }
    let users = run("csv", "users-daily");
    assert!(users.contains("\"'-2+3\",1.50,1,1\n"), "{users}");
    // json and ndjson: the names exactly as the service sent them.
    let json: Vec<Value> = serde_json::from_str(&run("json", "report")).unwrap();
    let ndjson: Vec<Value> = run("ndjson", "report")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for rows in [&json, &ndjson] {
        assert_eq!(rows.len(), names.len() * 2);
        for (id, name) in names {
            assert!(
                rows.iter()
                    .any(|r| r["desktop_id"] == id && r["desktop_username"] == name),
                "{name:?}"
            );
        }
    }
}

// ------------------------------------------------ special output files

#[cfg(target_os = "linux")]
#[test]
fn output_to_a_full_device_exits_1_and_keeps_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let sim = start(Simulator::builder().desktops(3));
    let out = sim
        .cmd()
        .args(["report", "--output", "/dev/full", "--format", "csv"])
        .args(RANGE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--output /dev/full") && err.contains("No space left"),
        "{err}"
    );
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[cfg(unix)]
#[test]
fn output_dash_and_dev_stdout_are_stdout_and_a_fifo_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let sim = start(Simulator::builder().desktops(3));
    let dir = tempfile::tempdir().unwrap();
    let expected = stdout(
        &sim.cmd()
            .args(["report", "--format", "csv"])
            .args(RANGE)
            .output()
            .unwrap(),
    );
    assert!(expected.lines().count() > 3);
    for target in ["-", "/dev/stdout"] {
        let out = sim
            .cmd()
            .current_dir(dir.path())
            .args(["report", "--format", "csv", "--output", target])
            .args(RANGE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out), expected, "{target}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file named - was created"
    );

    let fifo = dir.path().join("rows.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = sim
        .cmd()
        .args([
            "report",
            "--format",
            "csv",
            "--output",
            fifo.to_str().unwrap(),
        ])
        .args(RANGE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(reader.join().unwrap(), expected);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let sim = start(Simulator::builder().desktops(3));
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = sim
        .cmd()
        .args([
            "report",
            "--format",
            "json",
            "--output",
            link.to_str().unwrap(),
        ])
        .args(RANGE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let rows: Vec<Value> = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(rows.len(), 3 * 2);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

// ------------------------------------------------ broken stdout

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_or_stderr_is_an_error_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for kind in ["report", "idle", "users-daily"] {
        let out = plain(home.path())
            .args(["schema", kind])
            .stdout(full())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "schema {kind}: {}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("No space left"), "{}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
    }
    let sim = start(Simulator::builder().desktops(3));
    for format in ["table", "csv", "json", "ndjson"] {
        let out = against(&sim)
            .args(["report", "--format", format])
            .args(RANGE)
            .stdout(full())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
    }
    // stderr full too: a usage error still exits 2, silently.
    let out = plain(home.path())
        .args(["report", "--format", "xml"])
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_reader_that_leaves_early_is_not_an_error_in_any_format() {
    // Enough rows (over 64 KiB, a pipe's buffer) that the tool is still
    // writing when the reader goes: the write fails with a broken pipe.
    let sim = start(Simulator::builder().desktops(200).seed(3));
    for format in ["table", "csv", "json", "ndjson"] {
        let mut child = against(&sim)
            .args(["report", "--group-by", "hour", "--format", format])
            .args(["--from", "2024-01-01", "--to", "2024-01-03"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -1`
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{format}");
    }
}

// ------------------------------------------------ a slow inventory

/// Names are optional: an inventory that never answers costs the report
/// one attempt's time (`--timeout`), not its retries, and the report is
/// written with ids and a warning saying why the names are missing.
#[test]
fn an_inventory_that_does_not_answer_costs_the_names_not_the_report() {
    let home = tempfile::tempdir().unwrap();
    let usage = Answer::With(200, vec![], usage_body(&[("d1", "ann"), ("d2", "bob")]));
    // One usage request, then inventory attempts held open.
    let server = hand_made(Answer::ByMethod(Box::new(usage), Box::new(Answer::Hold)), 6);
    let out = server
        .cmd_with_names(home.path())
        .args(["--timeout", "2", "report", "--format", "csv"])
        .args(RANGE)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "desktop names are not shown: the desktop list did not answer within 2 s (--timeout)"
        ),
        "{err}"
    );
    let rows = stdout(&out);
    assert!(rows.contains("d1,") && rows.contains("d2,"), "{rows}");
    // The usage request and at most two inventory attempts (one, and the
    // retry that may start as the attempt times out), not all three.
    let mut requests = 0;
    while server.requests.try_recv().is_ok() {
        requests += 1;
    }
    assert!(requests <= 3, "{requests} requests");
}

// ------------------------------------------------ signals

/// A write past `ulimit -f` is an output error (exit 1) saying so, and
/// leaves the previous file and nothing else: SIGXFSZ does not kill the
/// process with the temporary file beside it.
#[cfg(target_os = "linux")]
#[test]
fn a_file_size_limit_is_a_write_error_not_a_killed_process() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.csv");
    std::fs::write(&file, "previous\n").unwrap();
    let sim = start(Simulator::builder().desktops(40));
    let creds = sim.sim.credentials();
    // `ulimit -f 4`: 4 blocks of 1 KiB (bash) or 512 bytes (dash) at
    // most, less than a month of 40 desktops' rows.
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 4 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin!("desktop-usage"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
        .env("HUAWEICLOUD_SDK_AK", creds.access_key())
        .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
        .args(["--endpoint", &sim.sim.base_url()])
        .args(["--project-id", sim.sim.project_id()])
        .args(["report", "--from", "2024-01-01", "--to", "2024-01-31"])
        .args(["--format", "csv", "--output", file.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("File too large"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "previous\n");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["report.csv"], "a temporary file is left");
}

#[cfg(unix)]
#[test]
fn every_catchable_signal_removes_the_temporary_file_and_exits_128_plus_n() {
    let home = tempfile::tempdir().unwrap();
    for (signal, code, with_file) in [
        ("INT", 130, true),
        ("TERM", 143, true),
        ("HUP", 129, true),
        ("QUIT", 131, true),
        ("USR1", 138, true),
        ("USR2", 140, true),
        ("ALRM", 142, true),
        ("VTALRM", 154, true),
        ("PROF", 155, true),
        ("IO", 157, true),
        ("PWR", 158, true),
        ("XCPU", 152, true),
        ("INT", 130, false),
        ("TERM", 143, false),
    ] {
        let server = hand_made(Answer::Hold, 1);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.csv");
        std::fs::write(&file, "previous\n").unwrap();
        let mut cmd = server.std_cmd(home.path());
        cmd.args(["report", "--format", "csv"]).args(RANGE);
        if with_file {
            cmd.args(["--output", file.to_str().unwrap()]);
        }
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The request is in flight (so the temporary file exists): signal.
        server.next_request();
        if with_file {
            assert_eq!(
                std::fs::read_dir(dir.path()).unwrap().count(),
                2,
                "temp file"
            );
        }
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "SIG{signal}: {err}");
        assert!(err.contains(&format!("SIG{signal}")), "{err}");
        assert_eq!(err.contains("--output"), with_file, "{err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "previous\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            ["report.csv"],
            "SIG{signal}: a temporary file is left"
        );
    }
}

/// A service whose list repeats itself, and one whose desktop was used
/// longer than the range lasts, are invalid answers: exit 4, in a few
/// requests, never a table of impossible hours.
#[test]
fn a_list_that_repeats_itself_or_an_impossible_duration_exits_4() {
    let repeating = r#"{"count":10000000,"items":[{"resource_id":"d1","metric":[{"metric_name":"desktop_usage","metric_value":3600}]}]}"#;
    let impossible = r#"{"count":1,"items":[{"resource_id":"d1","metric":[{"metric_name":"desktop_usage","metric_value":9007199254740993}]}]}"#;
    for (body, says) in [
        (repeating, "the list repeats itself"),
        (impossible, "more than the 2592000 s"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let server = hand_made(Answer::With(200, vec![], body.to_owned()), 50);
        let out = server
            .cmd(home.path())
            .args(["--retries", "0", "desktops", "--last", "30d"])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{err}");
        assert!(err.contains(says), "{err}");
        assert_eq!(stdout(&out), "", "no rows from an invalid answer");
        let requests = server.requests.try_iter().count();
        assert!(requests <= 5, "{requests} requests");
    }
}
