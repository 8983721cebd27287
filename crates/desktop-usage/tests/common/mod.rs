//! The harness the binary's end-to-end tests share: a simulator on its own
//! runtime, and the binary with a cleared environment pointed at it.

// Each test binary uses its own part of the harness.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use huaweicloud_workspace_sim::{RunningSimulator, SimulatorBuilder};

/// A simulator running on its own runtime while the blocking command runs.
pub struct Sim {
    pub sim: RunningSimulator,
    _rt: tokio::runtime::Runtime,
    pub home: tempfile::TempDir,
}

/// How long any one run of the binary may take before the harness kills it,
/// so that a hang fails the test instead of blocking the suite.
pub const HARNESS_LIMIT: Duration = Duration::from_secs(120);

pub fn start(builder: SimulatorBuilder) -> Sim {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt.block_on(builder.start()).unwrap();
    Sim {
        sim,
        _rt: rt,
        home: tempfile::tempdir().unwrap(),
    }
}

/// The binary with an empty environment: no credentials, no region, and a
/// HOME without a profile file.
pub fn bare(home: &Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("desktop-usage");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        // The chain's last source, never 169.254.169.254 in tests: port 1
        // of the loopback refuses at once.
        .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
        .timeout(HARNESS_LIMIT);
    cmd
}

impl Sim {
    /// The binary pointed at this simulator, AK/SK in the environment.
    pub fn cmd(&self) -> Command {
        self.cmd_for_project(self.sim.project_id())
    }

    /// Same, with another project id.
    pub fn cmd_for_project(&self, project: &str) -> Command {
        let creds = self.sim.credentials();
        let mut cmd = bare(self.home.path());
        cmd.env("HUAWEICLOUD_SDK_AK", creds.access_key())
            .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
            .args(["--endpoint", &self.sim.base_url()])
            .args(["--project-id", project]);
        cmd
    }
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A hand-made HTTP server on 127.0.0.1 for what the simulator cannot
/// produce (hostile names, hostile error texts) or for holding a request
/// open: it answers (or holds) at most `connections` connections, and
/// reports each request's body on `requests` the moment it has arrived.
pub struct HandMade {
    pub url: String,
    pub requests: std::sync::mpsc::Receiver<String>,
}

/// What the hand-made server does with each request.
#[derive(Clone)]
pub enum Answer {
    /// This status, extra headers and body, then close.
    With(u16, Vec<(&'static str, String)>, String),
    /// Never answer; keep the connection open.
    Hold,
    /// The first answer to a POST (the usage), the second to anything else
    /// (a GET: the inventory).
    ByMethod(Box<Answer>, Box<Answer>),
}

pub fn hand_made(answer: Answer, connections: usize) -> HandMade {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(connections) {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            let mut first = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if first.is_empty() {
                    first = line.clone();
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length.min(1 << 20)];
            let _ = reader.read_exact(&mut body);
            let _ = tx.send(String::from_utf8_lossy(&body).into_owned());
            let mut stream = reader.into_inner();
            let answer = match &answer {
                Answer::ByMethod(post, _) if first.starts_with("POST ") => post.as_ref(),
                Answer::ByMethod(_, other) => other.as_ref(),
                answer => answer,
            };
            match answer {
                Answer::With(status, headers, body) => {
                    let mut head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n",
                        body.len()
                    );
                    for (name, value) in headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(body.as_bytes());
                }
                Answer::Hold | Answer::ByMethod(..) => held.push(stream),
            }
        }
        // Hold until each client goes away (its process ended).
        for mut stream in held {
            let _ = stream.read(&mut [0; 1]);
        }
    });
    HandMade { url, requests: rx }
}

/// A 200 body with these `(desktop id, user name)` desktops, each used
/// 1.50 h on 2024-01-01 and 0 on 2024-01-02.
pub fn usage_body(desktops: &[(&str, &str)]) -> String {
    let list: Vec<serde_json::Value> = desktops
        .iter()
        .map(|(id, user)| {
            serde_json::json!({
                "desktop_id": id,
                "desktop_username": user,
                "used_info_list": [
                    {"date": "2024-01-01", "use_time": 1.5},
                    {"date": "2024-01-02", "use_time": 0},
                ],
            })
        })
        .collect();
    serde_json::json!({"desktop_used_info_list": list, "total_count": desktops.len()}).to_string()
}

impl HandMade {
    /// The binary pointed at this server with made-up AK/SK.
    pub fn cmd(&self, home: &Path) -> Command {
        let mut cmd = bare(home);
        cmd.env("HUAWEICLOUD_SDK_AK", "AKHANDMADE")
            .env("HUAWEICLOUD_SDK_SK", "SKHANDMADE")
            // This server answers every request alike: no inventory request.
            .args(["--endpoint", &self.url, "--project-id", "p1", "--no-names"]);
        cmd
    }

    /// The binary pointed at this server, reading the inventory for names.
    pub fn cmd_with_names(&self, home: &Path) -> Command {
        let mut cmd = bare(home);
        cmd.env("HUAWEICLOUD_SDK_AK", "AKHANDMADE")
            .env("HUAWEICLOUD_SDK_SK", "SKHANDMADE")
            .args(["--endpoint", &self.url, "--project-id", "p1"]);
        cmd
    }

    /// The same as a plain process, for tests that signal it.
    pub fn std_cmd(&self, home: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("desktop-usage"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("HUAWEICLOUD_SDK_AK", "AKHANDMADE")
            .env("HUAWEICLOUD_SDK_SK", "SKHANDMADE")
            .args(["--endpoint", &self.url, "--project-id", "p1", "--no-names"]);
        cmd
    }

    /// Waits (bounded by the harness limit) until a request has arrived.
    pub fn next_request(&self) -> String {
        self.requests
            .recv_timeout(HARNESS_LIMIT)
            .expect("no request arrived")
    }
}
