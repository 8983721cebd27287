//! A `workspace-sim` on loopback for one run, and the request counts it
//! reports when stopped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::SEED;
use crate::bench::process::{Guard, drain};

const SIM_START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `workspace-sim`.
pub(super) struct Sim {
    guard: Guard,
    pub(super) url: String,
    pub(super) project_id: String,
    pub(super) ak: String,
    pub(super) sk: String,
    pub(super) desktops: u64,
    stderr: Option<mpsc::Receiver<String>>,
}

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct SimStats {
    pub(super) total: u64,
    pub(super) throttled: u64,
}

impl Sim {
    pub(super) fn start(
        bin: &Path,
        desktops: u64,
        latency_ms: u64,
        rate_limit: Option<f64>,
    ) -> Result<Sim> {
        Sim::start_with(bin, desktops, latency_ms, rate_limit, &[])
    }

    /// [`Sim::start`] with more of the simulator's options (faults).
    pub(super) fn start_with(
        bin: &Path,
        desktops: u64,
        latency_ms: u64,
        rate_limit: Option<f64>,
        extra: &[&str],
    ) -> Result<Sim> {
        let mut cmd = Command::new(bin);
        cmd.args(extra);
        cmd.args(["--port", "0", "--seed", SEED])
            .args(["--desktops", &desktops.to_string()])
            .args(["--latency-ms", &latency_ms.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(r) = rate_limit {
            cmd.args(["--rate-limit", &r.to_string()]);
        }
        let mut guard = Guard::spawn(cmd, "workspace-sim")?;
        let stdout = guard.child()?.stdout.take().context("sim stdout")?;
        let stderr = drain(guard.child()?.stderr.take());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + SIM_START_TIMEOUT;
        let mut lines = Vec::new();
        while !lines.iter().any(|l: &String| l.starts_with("desktops=")) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => lines.push(line),
                Err(_) => bail!(
                    "workspace-sim did not start within {} s",
                    SIM_START_TIMEOUT.as_secs()
                ),
            }
        }
        let field = |name: &str| -> Result<String> {
            lines
                .iter()
                .find_map(|l| l.strip_prefix(name))
                .map(str::to_string)
                .with_context(|| format!("workspace-sim printed no {name} line"))
        };
        let url = lines
            .first()
            .filter(|l| l.starts_with("http://127.0.0.1:"))
            .cloned()
            .context("workspace-sim's first line is not a loopback URL")?;
        Ok(Sim {
            url,
            project_id: field("project_id=")?,
            ak: field("ak=")?,
            sk: field("sk=")?,
            desktops,
            guard,
            stderr: Some(stderr),
        })
    }

    /// Stops the simulator with SIGINT and reads the stats it prints.
    pub(super) fn stop(mut self) -> Result<SimStats> {
        let pid = self.guard.pid().context("sim already gone")?;
        let _ = Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status();
        self.guard.wait(Duration::from_secs(10))?;
        let text = self
            .stderr
            .take()
            .and_then(|rx| rx.recv_timeout(Duration::from_secs(5)).ok())
            .unwrap_or_default();
        let number = |key: &str| -> Result<u64> {
            let at = text
                .find(key)
                .with_context(|| format!("no `{key}` in the sim's stats: {text}"))?;
            let digits: String = text[at + key.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().context("a number in the sim's stats")
        };
        Ok(SimStats {
            total: number(" total: ")?,
            throttled: number(" throttled: ")?,
        })
    }

    pub(super) fn env(&self, cmd: &mut Command) {
        cmd.env("HUAWEICLOUD_SDK_AK", &self.ak)
            .env("HUAWEICLOUD_SDK_SK", &self.sk)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", &self.project_id)
            .env_remove("HUAWEICLOUD_SDK_SECURITY_TOKEN")
            .env_remove("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
            .env_remove("HUAWEICLOUD_SDK_AUTH_TOKEN")
            .env_remove("RUST_LOG");
    }
}
