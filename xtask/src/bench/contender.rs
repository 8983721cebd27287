//! The contenders of sections 1 to 3 (the CLI, the facade example, the
//! official SDK's script) and one run of one of them against a fresh
//! simulator.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::bench::bins::Bins;
use crate::bench::process::{Guard, drain};
use crate::bench::sim::Sim;
use crate::bench::{RUN_TIMEOUT, SCRIPT, SEED};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Contender {
    Cli,
    Facade,
    /// The facade given every desktop id (diagnostic: no discovery pass).
    FacadeIds,
    Official,
}

impl Contender {
    pub(super) fn label(self) -> &'static str {
        match self {
            Contender::Cli => "`desktop-usage report --format ndjson`",
            Contender::Facade => "facade (`examples/bench_report.rs`)",
            Contender::FacadeIds => "diagnostic: facade given every desktop id",
            Contender::Official => "official Python SDK 3.1.219",
        }
    }
}

/// What every contender run needs.
#[derive(Clone, Copy)]
pub(super) struct Tools<'a> {
    pub(super) bins: &'a Bins,
    pub(super) python: Option<&'a Path>,
    pub(super) root: &'a Path,
}

/// What one run saw.
#[derive(Debug, Clone, Default)]
pub(super) struct Outcome {
    pub(super) seconds: f64,
    /// Exit failure, with the end of its stderr.
    pub(super) error: Option<String>,
    pub(super) desktops: Option<u64>,
    pub(super) periods: Option<u64>,
    pub(super) hundredths: Option<u64>,
    /// The concurrency the facade ran at: the fixed number, or under `auto`
    /// the most requests it had in flight at once (the facade example
    /// reports it).
    pub(super) concurrency: Option<u64>,
    /// Seconds the contender measured itself (the official SDK: imports excluded).
    pub(super) inner_seconds: Option<f64>,
    pub(super) requests: u64,
    pub(super) throttled: u64,
}

/// Runs one contender once against a fresh simulator.
pub(super) fn run_once(
    contender: Contender,
    tools: &Tools,
    sim: Sim,
    range: (&str, &str),
    verify: bool,
    concurrency: Option<&str>,
) -> Result<Outcome> {
    let Tools { bins, python, root } = *tools;
    let mut cmd = match contender {
        Contender::Cli => {
            let mut c = Command::new(&bins.cli);
            if let Some(n) = concurrency {
                c.args(["--concurrency", n]);
            }
            c.args(["--quiet", "--endpoint", &sim.url, "report"])
                .args(["--from", range.0, "--to", range.1, "--format", "ndjson"]);
            c
        }
        Contender::Facade | Contender::FacadeIds => {
            let mut c = Command::new(&bins.facade);
            if contender == Contender::FacadeIds {
                c.args(["--fleet-ids", &format!("{SEED}:{}", sim.desktops)]);
            }
            c.args(["--endpoint", &sim.url, "--from", range.0, "--to", range.1]);
            if let Some(n) = concurrency {
                c.args(["--concurrency", n]);
            }
            c
        }
        Contender::Official => {
            let Some(python) = python else {
                bail!("no Python venv");
            };
            let mut c = Command::new(python);
            c.arg(root.join(SCRIPT))
                .args(["report", &sim.url, &sim.ak, &sim.sk, &sim.project_id])
                .args([range.0, range.1]);
            c
        }
    };
    sim.env(&mut cmd);
    // The CLI's rows go to /dev/null when timed; a verification run reads them.
    let cli_to_null = contender == Contender::Cli && !verify;
    cmd.stdin(Stdio::null())
        .stdout(if cli_to_null {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut guard = Guard::spawn(cmd, contender.label())?;
    let stdout_rows = if contender == Contender::Cli && verify {
        let out = guard.child()?.stdout.take();
        Some(count_rows(out))
    } else {
        None
    };
    let stdout = if stdout_rows.is_none() {
        Some(drain(guard.child()?.stdout.take()))
    } else {
        None
    };
    let stderr = drain(guard.child()?.stderr.take());
    let status = guard.wait(RUN_TIMEOUT);
    let seconds = start.elapsed().as_secs_f64();
    let stats = sim.stop()?;
    let status = status?;
    let stdout_text = stdout
        .and_then(|rx| rx.recv_timeout(Duration::from_secs(10)).ok())
        .unwrap_or_default();
    let stderr_text = stderr
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    let mut outcome = Outcome {
        seconds,
        requests: stats.total,
        throttled: stats.throttled,
        ..Outcome::default()
    };
    if !status.success() {
        let last = stderr_text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let last: String = last.chars().take(300).collect();
        outcome.error = Some(format!("{status}: {last}"));
        return Ok(outcome);
    }
    if let Some(rows) = stdout_rows {
        let rows = rows
            .recv_timeout(Duration::from_secs(60))
            .context("reading the CLI's rows")??;
        outcome.desktops = Some(rows.desktops);
        outcome.periods = Some(rows.periods);
        outcome.hundredths = Some(rows.hundredths);
    } else if contender != Contender::Cli {
        let last = stdout_text
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'))
            .with_context(|| format!("{} printed no JSON summary", contender.label()))?;
        let v: Value = serde_json::from_str(last).context("the JSON summary")?;
        outcome.desktops = v["desktops"].as_u64();
        outcome.periods = v["periods"].as_u64();
        outcome.hundredths = v["hundredths"].as_u64();
        outcome.concurrency = v["concurrency"].as_u64();
        outcome.inner_seconds = v["seconds"].as_f64();
    }
    Ok(outcome)
}

struct Rows {
    desktops: u64,
    periods: u64,
    hundredths: u64,
}

/// Counts the CLI's ndjson rows (one per desktop and period) on a thread.
fn count_rows<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Result<Rows>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = (|| -> Result<Rows> {
            let pipe = pipe.context("no stdout pipe")?;
            let mut ids = HashSet::new();
            let (mut periods, mut hundredths) = (0u64, 0u64);
            for line in BufReader::new(pipe).lines() {
                let line = line?;
                let v: Value = serde_json::from_str(&line)
                    .with_context(|| format!("an ndjson row: {line}"))?;
                let id = v["desktop_id"]
                    .as_str()
                    .context("a row without desktop_id")?;
                if !ids.contains(id) {
                    ids.insert(id.to_string());
                }
                let hours = v["hours"].as_f64().context("a row without hours")?;
                periods += 1;
                hundredths += (hours * 100.0).round() as u64;
            }
            Ok(Rows {
                desktops: ids.len() as u64,
                periods,
                hundredths,
            })
        })();
        let _ = tx.send(result);
    });
    rx
}
