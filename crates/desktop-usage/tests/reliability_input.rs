//! Bad input, table-driven: each case exits 2 with one line on stderr that
//! names the flag (or variable, or file) and the rule it broke, prints
//! nothing on stdout, and sends no request (the simulator's counters stay at zero).
//!
//! Complements `tests/cli.rs` (`bad_usage_exits_2_and_sends_nothing`,
//! `missing_settings_exit_2`) and the facade's table in
//! `tests/tests/bad_input.rs` at the workspace root.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::Path;
use std::time::Duration;

use huaweicloud_workspace_sim::{RunningSimulator, Simulator};

/// One bad input: what to run, what to change in the environment, and the
/// words the error line must contain (the field, then the rule).
struct Case {
    name: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    /// Remove these variables (e.g. the SK, to test an AK alone).
    unset: Vec<&'static str>,
    field: &'static str,
    rule: &'static str,
}

fn case(name: &'static str, args: &[&str], field: &'static str, rule: &'static str) -> Case {
    Case {
        name,
        args: args.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        unset: Vec::new(),
        field,
        rule,
    }
}

impl Case {
    fn env(mut self, name: &'static str, value: impl Into<String>) -> Case {
        self.env.push((name, value.into()));
        self
    }

    fn unset(mut self, name: &'static str) -> Case {
        self.unset.push(name);
        self
    }
}

const RANGE: [&str; 4] = ["--from", "2024-01-01", "--to", "2024-01-07"];

fn report(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["report".to_string()];
    args.extend(RANGE.iter().map(|s| s.to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn cases(dir: &Path) -> Vec<Case> {
    let malformed_profile = dir.join("malformed.ini");
    std::fs::write(&malformed_profile, "[basic\nak = AKX\n").unwrap();
    let half_profile = dir.join("half.ini");
    std::fs::write(&half_profile, "[basic]\nak = AKPROFILEONLY\n").unwrap();
    let empty_token = dir.join("empty-token");
    std::fs::write(&empty_token, "\n").unwrap();
    let unreadable = dir.join("a-directory");
    std::fs::create_dir_all(&unreadable).unwrap();
    let p = |path: &Path| path.to_str().unwrap().to_string();
    let with = |name, extra: &[&str], field, rule| {
        let mut c = case(name, &[], field, rule);
        c.args = report(extra);
        c
    };
    vec![
        // Dates and ranges.
        case(
            "malformed date",
            &["report", "--from", "2024-1-01", "--to", "2024-01-07"],
            "--from",
            "YYYY-MM-DD",
        ),
        case(
            "impossible date",
            &["report", "--from", "2024-02-30", "--to", "2024-03-07"],
            "--from",
            "YYYY-MM-DD",
        ),
        case(
            "month 13",
            &["report", "--from", "2024-01-01", "--to", "2024-13-01"],
            "--to",
            "YYYY-MM-DD",
        ),
        case(
            "date with a time",
            &["report", "--from", "2024-01-01T00:00", "--to", "2024-01-07"],
            "--from",
            "YYYY-MM-DD",
        ),
        case(
            "start after end",
            &["report", "--from", "2024-01-08", "--to", "2024-01-07"],
            "--from/--to",
            "after",
        ),
        case(
            "--from without --to",
            &["report", "--from", "2024-01-01"],
            "--to",
            "required",
        ),
        case(
            "--last 0d",
            &["report", "--last", "0d"],
            "--last",
            "at least 1d",
        ),
        case(
            "--last abc",
            &["report", "--last", "abc"],
            "--last",
            "number of days",
        ),
        case(
            "--last without d",
            &["report", "--last", "45"],
            "--last",
            "followed by d",
        ),
        case(
            "--last negative",
            &["report", "--last=-3d"],
            "--last",
            "number of days",
        ),
        case(
            "--last and --from",
            &[
                "report",
                "--last",
                "3d",
                "--from",
                "2024-01-01",
                "--to",
                "2024-01-02",
            ],
            "--last",
            "cannot be used with",
        ),
        // Filters.
        with("empty desktop id", &["--desktop", ""], "--desktop", "empty"),
        with(
            "whitespace desktop id",
            &["--desktop", "d1", "--desktop", "  \t"],
            "--desktop",
            "blank",
        ),
        with("blank user", &["--user", " "], "--user", "blank"),
        with(
            "domain without user",
            &["--domain", "corp"],
            "--domain",
            "--user <NAME> is required",
        ),
        case(
            "negative threshold",
            &["idle", "--threshold=-1"],
            "--threshold",
            "negative",
        ),
        case(
            "threshold not a number",
            &["idle", "--threshold", "abc"],
            "--threshold",
            "decimal",
        ),
        case(
            "threshold NaN",
            &["idle", "--threshold", "NaN"],
            "--threshold",
            "decimal",
        ),
        with(
            "unknown --group-by",
            &["--group-by", "week"],
            "--group-by",
            "possible values",
        ),
        with(
            "unknown --format",
            &["--format", "xml"],
            "--format",
            "possible values",
        ),
        // Connection settings.
        case(
            "empty endpoint",
            &["--endpoint", "", "report"],
            "--endpoint",
            "URL",
        ),
        case(
            "malformed endpoint",
            &["--endpoint", "http//missing-colon", "report"],
            "--endpoint",
            "not a URL",
        ),
        case(
            "endpoint with a non-http scheme",
            &["--endpoint", "ftp://127.0.0.1/", "report"],
            "--endpoint",
            "scheme must be http or https",
        ),
        case(
            "endpoint with a query",
            &["--endpoint", "http://127.0.0.1:1/?a=b", "report"],
            "--endpoint",
            "query",
        ),
        case(
            "endpoint with a password",
            &["--endpoint", "http://u:p@127.0.0.1:1", "report"],
            "--endpoint",
            "user name or password",
        ),
        case(
            "malformed project id",
            &["--project-id", "a/b", "report"],
            "--project-id",
            "letters, digits",
        ),
        case(
            "concurrency 0",
            &["--concurrency", "0", "report"],
            "--concurrency",
            "1..=256",
        ),
        case(
            "concurrency 257",
            &["--concurrency", "257", "report"],
            "--concurrency",
            "1..=256",
        ),
        case(
            "concurrency neither auto nor a number",
            &["--concurrency", "fast", "report"],
            "--concurrency",
            "expected `auto` or a number in 1..=256",
        ),
        case(
            "timeout 0",
            &["--timeout", "0", "report"],
            "--timeout",
            "1..=3600",
        ),
        case(
            "timeout not a number",
            &["--timeout", "5s", "report"],
            "--timeout",
            "invalid digit",
        ),
        case(
            "retries 21",
            &["--retries", "21", "report"],
            "--retries",
            "0..=20",
        ),
        // Credentials and profile.
        case("AK without SK", &["report"], "HUAWEICLOUD_SDK_SK", "is not")
            .unset("HUAWEICLOUD_SDK_SK"),
        case("SK without AK", &["report"], "HUAWEICLOUD_SDK_AK", "is not")
            .unset("HUAWEICLOUD_SDK_AK"),
        case(
            "AK with a space",
            &["report"],
            "HUAWEICLOUD_SDK_AK",
            "without spaces",
        )
        .env("HUAWEICLOUD_SDK_AK", "AK WITH SPACE"),
        case("blank SK", &["report"], "HUAWEICLOUD_SDK_SK", "is not")
            .env("HUAWEICLOUD_SDK_SK", "   "),
        case(
            "empty IAM token file",
            &["--auth-token-file", &p(&empty_token), "report"],
            "--auth-token-file",
            "empty",
        ),
        case(
            "IAM token file too long",
            &["--auth-token-file", "/dev/zero", "report"],
            "--auth-token-file",
            "longer than 64 KiB",
        ),
        case(
            "missing IAM token file",
            &[
                "--auth-token-file",
                &p(&dir.join("no-such-token")),
                "report",
            ],
            "--auth-token-file",
            "cannot read",
        ),
        case(
            "--auth-token on the command line",
            &["--auth-token", "s3cret-token", "report"],
            "--auth-token",
            "--auth-token-file",
        ),
        case(
            "--auth-token= on the command line",
            &["report", "--auth-token=s3cret-token"],
            "HUAWEICLOUD_SDK_AUTH_TOKEN",
            "shell history",
        ),
        case(
            "--last past the calendar",
            &["report", "--last", "4000000000d"],
            "--last",
            "the first day the calendar can hold",
        ),
        with(
            "comma-separated empty desktop id",
            &["--desktop", "d1,,d2"],
            "--desktop",
            "empty",
        ),
        case(
            "unreadable profile file",
            &["report"],
            "credentials file",
            "a-directory",
        )
        .unset("HUAWEICLOUD_SDK_AK")
        .unset("HUAWEICLOUD_SDK_SK")
        .env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", p(&unreadable)),
        case(
            "malformed profile file",
            &["report"],
            "credentials file",
            "malformed.ini",
        )
        .unset("HUAWEICLOUD_SDK_AK")
        .unset("HUAWEICLOUD_SDK_SK")
        .env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", p(&malformed_profile)),
        case(
            "profile with an AK and no SK",
            &["report"],
            "half.ini",
            "sk",
        )
        .unset("HUAWEICLOUD_SDK_AK")
        .unset("HUAWEICLOUD_SDK_SK")
        .env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", p(&half_profile)),
    ]
}

fn start() -> (RunningSimulator, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(Simulator::builder().desktops(3).start())
        .unwrap();
    (sim, rt)
}

#[test]
fn every_bad_input_exits_2_names_the_field_and_rule_and_sends_nothing() {
    let (sim, _rt) = start();
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let creds = sim.credentials();
    let cases = cases(dir.path());
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for c in &cases {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("desktop-usage");
        cmd.env_clear()
            .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("HUAWEICLOUD_SDK_AK", creds.access_key())
            .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
            .timeout(Duration::from_secs(60));
        for name in &c.unset {
            cmd.env_remove(name);
        }
        for (name, value) in &c.env {
            cmd.env(name, value);
        }
        // Every case points at the simulator, unless it sets its own endpoint.
        if !c.args.iter().any(|a| a == "--endpoint") {
            cmd.args(["--endpoint", &sim.base_url()]);
        }
        if !c.args.iter().any(|a| a == "--project-id") {
            cmd.args(["--project-id", sim.project_id()]);
        }
        let out = cmd.args(&c.args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let line = err.trim_end();
        let problems = [
            (
                out.status.code() != Some(2),
                format!("exit {:?}", out.status.code()),
            ),
            (!out.stdout.is_empty(), "something on stdout".to_string()),
            (line.lines().count() != 1, "not one line".to_string()),
            (
                !line.starts_with("desktop-usage: error: "),
                "no error prefix".to_string(),
            ),
            (
                !line.contains(c.field),
                format!("the field {:?} is not named", c.field),
            ),
            (
                !line.to_lowercase().contains(&c.rule.to_lowercase()),
                format!("the rule {:?} is not stated", c.rule),
            ),
        ];
        let leaked = (
            line.contains("s3cret-token"),
            "the token was echoed".to_string(),
        );
        for (bad, what) in problems.into_iter().chain([leaked]) {
            if bad {
                wrong.push(format!("{}: {what}: {line}", c.name));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(sim.stats().total, 0, "a bad input sent a request");
}

#[test]
fn a_missing_project_id_and_an_unknown_region_send_nothing_either() {
    // These two need the endpoint or project id left out, so they run apart.
    let (sim, _rt) = start();
    let home = tempfile::tempdir().unwrap();
    let creds = sim.credentials();
    let run = |args: &[&str]| {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("desktop-usage");
        cmd.env_clear()
            .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("HUAWEICLOUD_SDK_AK", creds.access_key())
            .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
            .timeout(Duration::from_secs(60));
        let out = cmd.args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&["--endpoint", &sim.base_url(), "report"]);
    assert!(
        err.contains("--project-id") && err.contains("required"),
        "{err}"
    );
    // In the CLI's words: the library's "builder" means nothing here.
    assert!(
        !err.contains("builder") && err.contains("HUAWEICLOUD_SDK_PROJECT_ID"),
        "{err}"
    );
    let err = run(&[
        "--region",
        "mars-1",
        "--project-id",
        sim.project_id(),
        "report",
    ]);
    assert!(
        err.contains("--region") && err.contains("not a known region"),
        "{err}"
    );
    assert_eq!(sim.stats().total, 0);
}

/// `--threshold -1` and `--last -3d` (with a space) were taken by the parser
/// as unknown flags: exit 2, but the message named neither the option nor
/// the rule (`unexpected argument '-1' found`). Fixed in the CLI with
/// `allow_negative_numbers`/`allow_hyphen_values` on those options.
/// The `--threshold=-1` forms are in the table above.
#[test]
fn a_negative_value_after_a_space_names_its_option() {
    let (sim, _rt) = start();
    let home = tempfile::tempdir().unwrap();
    let creds = sim.credentials();
    for (args, field, rule) in [
        (
            &["idle", "--threshold", "-1"][..],
            "--threshold",
            "negative",
        ),
        (&["report", "--last", "-3d"][..], "--last", "number of days"),
    ] {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("desktop-usage");
        let out = cmd
            .env_clear()
            .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
            .env("HOME", home.path())
            .env("HUAWEICLOUD_SDK_AK", creds.access_key())
            .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
            .args([
                "--endpoint",
                &sim.base_url(),
                "--project-id",
                sim.project_id(),
            ])
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(field) && err.contains(rule), "{args:?}: {err}");
    }
    assert_eq!(sim.stats().total, 0);
}
