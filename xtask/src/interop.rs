//! `cargo xtask interop`: the official Python SDK against our simulator.
//!
//! Builds and starts `workspace-sim` (port 0, 250 desktops), runs
//! `xtask/python/interop_sim.py` with huaweicloudsdkworkspace 3.1.219 pointed
//! at it, and checks what the official client got: every desktop exactly
//! once, in order, with the hours of the fleet formula (days and one hourly
//! page), and a 401 `APIG.0301` with a wrong SK. It then checks the
//! successors and the desktop list through the official client: the desktop
//! and user usage metrics over 30 whole days, paged to the end, give every
//! desktop and user once with exactly the seconds (and trailing idle days)
//! that the per-day answers of the same days add up to, and the desktop list
//! names every desktop once. This proves our verifier accepts what the
//! official signer sends, query strings included. Last, the connection
//! records through the official client (`interop/records.rs`). The simulator is killed on every
//! path, and every wait is bounded.
//!
//! This module starts the simulator and the scripts; `check` and `metrics`
//! judge what the main script printed, `records` runs and judges the
//! records script, `process` bounds the children.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use crate::interop::check::check;
use crate::interop::process::{KillOnDrop, run_bounded};
use crate::workspace_root;

mod check;
mod metrics;
mod process;
mod records;

const DESKTOPS: usize = 250;
const SEED: u64 = 20_240_101;
const AK: &str = "INTEROPAK00000000001";
const SK: &str = "interop-secret-key-0123456789abcdefghij";
const PROJECT: &str = "5f1e0c6a9b8d4e2f8a7b6c5d4e3f2a1b";
const START: &str = "2024-01-01";
const END: &str = "2024-01-31";
/// The simulator's today: the metric window must lie within its latest 180 days.
const TODAY: &str = "2024-03-01";
/// Thirty whole days (January 1 to 30), the most a user-metric query takes.
const METRIC_START: &str = "2024-01-01T00:00:00Z";
const METRIC_END: &str = "2024-01-30T23:59:59Z";
const METRIC_DAYS: usize = 30;

pub fn run() -> Result<ExitCode> {
    let Some(python) = crate::python::venv()? else {
        println!("xtask interop: skipped (no Python venv with the official SDK on this machine)");
        return Ok(ExitCode::SUCCESS);
    };
    let root = workspace_root();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
        .args([
            "build",
            "-p",
            "huaweicloud-workspace-sim",
            "--bin",
            "workspace-sim",
        ])
        .current_dir(&root)
        .status()
        .context("starting cargo build of workspace-sim")?;
    ensure!(
        status.success(),
        "cargo build of workspace-sim failed ({status})"
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("debug").join("workspace-sim");

    let mut sim = KillOnDrop(
        Command::new(&bin)
            .args(["--port", "0", "--desktops", &DESKTOPS.to_string()])
            .args(["--seed", &SEED.to_string(), "--ak", AK, "--sk", SK])
            .args(["--project-id", PROJECT, "--today", TODAY])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?,
    );
    let stdout = sim.0.stdout.take().context("simulator stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next());
        // Keep draining so the simulator never blocks on a full pipe.
        for _ in lines {}
    });
    let base_url = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Some(Ok(line))) => line.trim().to_string(),
        Ok(other) => bail!("workspace-sim printed no base URL: {other:?}"),
        Err(_) => bail!("workspace-sim printed no base URL within 60 s"),
    };
    ensure!(
        base_url.starts_with("http://127.0.0.1:"),
        "unexpected first line from workspace-sim: {base_url:?}"
    );
    println!("xtask interop: workspace-sim at {base_url}");

    let script = root.join("xtask/python/interop_sim.py");
    let output = run_bounded(
        Command::new(&python)
            .arg(&script)
            .args([base_url.as_str(), AK, SK, PROJECT, START, END])
            .args([METRIC_START, METRIC_END]),
        Duration::from_secs(180),
    )?;
    let sessions = records::run(
        &python,
        &root.join("xtask/python/interop_records.py"),
        &base_url,
        [AK, SK, PROJECT],
    )?;
    drop(sim);

    let got: Value = serde_json::from_str(&output).with_context(|| {
        format!(
            "the interop script printed no JSON: {}",
            output.chars().take(500).collect::<String>()
        )
    })?;
    check(&got)?;
    println!(
        "xtask interop: the official Python SDK paged through {DESKTOPS} desktops, each once with the right hours; desktop and user metrics over {METRIC_DAYS} days agree with them; the desktop list names each desktop once; a wrong SK got 401; {sessions} connection records, each once, add up to the hours"
    );
    Ok(ExitCode::SUCCESS)
}
