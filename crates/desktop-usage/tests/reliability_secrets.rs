//! Secrets never reach the output: with `-vvv` and `RUST_LOG=trace` (every
//! crate, dependencies included, at trace level), across a successful run,
//! an authentication failure and transport failures, neither the secret key,
//! the security token nor the IAM token appears anywhere in stdout or stderr.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use huaweicloud_workspace_sim::{FaultConfig, FaultKind, RunningSimulator, Simulator};

const AK: &str = "AKSECRETSTEST0000001";
const SK: &str = "SKsecret-7c1d9e2b4a6f8e0d1c3b5a7f9e1d3c5b";
const SECURITY_TOKEN: &str = "STsecret-token-5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b";
const IAM_TOKEN: &str = "IAMsecret-MIIEXAMPLEtoken-2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a";

/// The three secrets, plus recognisable slices of them (a log that cut or
/// wrapped a value must not leak half of it either).
fn needles() -> Vec<String> {
    let mut out = Vec::new();
    for secret in [SK, SECURITY_TOKEN, IAM_TOKEN] {
        out.push(secret.to_string());
        out.push(secret[secret.len() - 24..].to_string());
    }
    out
}

fn start(faults: Option<FaultKind>) -> (RunningSimulator, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut builder = Simulator::builder()
        .desktops(4)
        .access_key(AK, SK)
        .security_token(SECURITY_TOKEN)
        .iam_token(IAM_TOKEN);
    if let Some(kind) = faults {
        builder = builder.faults(FaultConfig::new(1.0, [kind]).with_slow(Duration::from_secs(30)));
    }
    let sim = rt.block_on(builder.start()).unwrap();
    (sim, rt)
}

#[derive(Clone, Copy, Debug)]
enum Auth {
    /// AK/SK and a security token, from the environment.
    Keys { sk: &'static str },
    /// An IAM token, from the environment.
    Token(&'static str),
}

/// Runs a report with every log on; returns the exit code and stdout + stderr.
fn run(endpoint: &str, project: &str, auth: Auth) -> (Option<i32>, String) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("desktop-usage");
    cmd.env_clear()
        .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("RUST_LOG", "trace")
        .timeout(Duration::from_secs(60));
    match auth {
        Auth::Keys { sk } => {
            cmd.env("HUAWEICLOUD_SDK_AK", AK)
                .env("HUAWEICLOUD_SDK_SK", sk)
                .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", SECURITY_TOKEN);
        }
        Auth::Token(token) => {
            cmd.env("HUAWEICLOUD_SDK_AUTH_TOKEN", token);
        }
    }
    let out = cmd
        .args(["-vvv", "--endpoint", endpoint, "--project-id", project])
        .args(["--retries", "1", "--timeout", "1"])
        .args([
            "report",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-03",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn assert_clean(what: &str, text: &str) {
    for needle in needles() {
        assert!(
            !text.contains(&needle),
            "{what}: a secret ({} characters) leaked into the output",
            needle.len()
        );
    }
}

#[test]
fn no_secret_in_any_output_at_trace_level() {
    let keys = Auth::Keys { sk: SK };
    let token = Auth::Token(IAM_TOKEN);
    let wrong_sk = Auth::Keys {
        sk: "SKsecret-wrong-0000000000000000000000000000",
    };

    let (ok, _rt) = start(None);
    let url = ok.base_url();
    let project = ok.project_id().to_string();
    let mut runs = vec![
        (
            "success, AK/SK + security token",
            run(&url, &project, keys),
            0,
        ),
        ("success, IAM token", run(&url, &project, token), 0),
        ("auth failure, wrong SK", run(&url, &project, wrong_sk), 3),
        (
            "auth failure, wrong IAM token",
            run(&url, &project, Auth::Token("IAMsecret-wrong")),
            3,
        ),
    ];
    let stats = ok.stats();
    // Each success reads the inventory too; a refused run sends nothing more.
    assert_eq!((stats.ok, stats.auth_failed), (4, 2), "{stats:?}");

    for kind in [FaultKind::ResetConnection, FaultKind::SlowResponse] {
        let (sim, _rt) = start(Some(kind));
        let url = sim.base_url();
        runs.push(("transport failure, AK/SK", run(&url, &project, keys), 5));
        runs.push((
            "transport failure, IAM token",
            run(&url, &project, token),
            5,
        ));
        assert!(sim.stats().faults_injected >= 4);
    }
    // A port nobody listens on: connection refused.
    let (_bound, port) = refusing_port();
    let refused = format!("http://127.0.0.1:{port}");
    runs.push((
        "connection refused, AK/SK",
        run(&refused, &project, keys),
        5,
    ));
    runs.push((
        "connection refused, IAM token",
        run(&refused, &project, token),
        5,
    ));

    for (what, (code, text), want) in &runs {
        assert_eq!(*code, Some(*want), "{what}");
        // The logs really were on: trace lines from our crates and from dependencies.
        assert!(
            text.contains("TRACE") || text.contains("DEBUG"),
            "{what}: no logs"
        );
        assert_clean(what, text);
    }
    // The request spans were logged, so the headers had every chance to show.
    let (_, (_, success), _) = &runs[0];
    assert!(success.contains("workspace.request"), "{success}");
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
