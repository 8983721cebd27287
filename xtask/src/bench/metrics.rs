//! Section 8 of `cargo xtask bench`: the recommended successors of the
//! per-day operation, desktop and user metrics, each job done by the CLI
//! (`desktop-usage desktops`, `desktop-usage users`) and by the official
//! Python SDK paging by hand (and cutting the user range into 30-day
//! windows by hand), against the same simulator at 50 ms latency.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::bench::bins::Bins;
use crate::bench::process::{Guard, drain};
use crate::bench::report::{Section, ratio, secs};
use crate::bench::sim::Sim;
use crate::bench::stats::median;
use crate::bench::{LATENCY_MS, PAGE_SIZE, RUN_TIMEOUT, SCRIPT, Settings};

/// The simulator's today: the metrics reach back 180 days from it.
const TODAY: &str = "2024-12-31";
/// Desktop metrics over 30 whole days; user metrics over 90 (three windows).
const DESKTOP_RANGE: (&str, &str) = ("2024-12-01", "2024-12-30");
const USER_RANGE: (&str, &str) = ("2024-10-02", "2024-12-30");

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Desktops,
    Users,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::Desktops => "desktops",
            Kind::Users => "users",
        }
    }

    fn range(self) -> (&'static str, &'static str) {
        match self {
            Kind::Desktops => DESKTOP_RANGE,
            Kind::Users => USER_RANGE,
        }
    }

    /// The field of a CLI row that holds the hours.
    fn hours_field(self) -> &'static str {
        match self {
            Kind::Desktops => "usage_hours",
            Kind::Users => "hours",
        }
    }
}

/// One timed run: seconds, requests the simulator served, items and total
/// hundredths of an hour the contender reported.
struct Run {
    seconds: f64,
    requests: u64,
    items: u64,
    hundredths: u64,
}

fn start_sim(bins: &Bins, fleet: u64) -> Result<Sim> {
    Sim::start_with(&bins.sim, fleet, LATENCY_MS, None, &["--today", TODAY])
}

fn run_cli(bins: &Bins, fleet: u64, kind: Kind) -> Result<Run> {
    let sim = start_sim(bins, fleet)?;
    let (from, to) = kind.range();
    let mut cmd = Command::new(&bins.cli);
    cmd.args([
        "--quiet",
        "--endpoint",
        &sim.url,
        "--today",
        TODAY,
        kind.command(),
    ])
    .args(["--from", from, "--to", to, "--format", "ndjson"]);
    sim.env(&mut cmd);
    let (seconds, stdout) = timed(cmd, "desktop-usage")?;
    let stats = sim.stop()?;
    let (mut items, mut hundredths) = (0, 0);
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let row: Value = serde_json::from_str(line).context("a CLI row")?;
        items += 1;
        let hours = row[kind.hours_field()].as_f64().unwrap_or(0.0);
        hundredths += (hours * 100.0).round() as u64;
    }
    Ok(Run {
        seconds,
        requests: stats.total,
        items,
        hundredths,
    })
}

fn run_official(bins: &Bins, fleet: u64, kind: Kind, python: &Path, root: &Path) -> Result<Run> {
    let sim = start_sim(bins, fleet)?;
    let (from, to) = kind.range();
    let mut cmd = Command::new(python);
    cmd.arg(root.join(SCRIPT))
        .args([
            "metrics",
            kind.command(),
            &sim.url,
            &sim.ak,
            &sim.sk,
            &sim.project_id,
        ])
        .args([from, to]);
    sim.env(&mut cmd);
    let (seconds, stdout) = timed(cmd, "official SDK")?;
    let stats = sim.stop()?;
    let last = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .context("the official SDK printed no JSON summary")?;
    let v: Value = serde_json::from_str(last).context("the JSON summary")?;
    Ok(Run {
        seconds,
        requests: stats.total,
        items: v["desktops"].as_u64().unwrap_or(0),
        hundredths: v["hundredths"].as_u64().unwrap_or(0),
    })
}

/// Runs `cmd` to its end (bounded) and returns its wall time and stdout.
fn timed(mut cmd: Command, what: &str) -> Result<(f64, String)> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut guard = Guard::spawn(cmd, what)?;
    let stdout = drain(guard.child()?.stdout.take());
    let stderr = drain(guard.child()?.stderr.take());
    let status = guard.wait(RUN_TIMEOUT)?;
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        let text = stderr
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default();
        bail!("{what} failed ({status}): {}", text.trim());
    }
    let text = stdout
        .recv_timeout(Duration::from_secs(60))
        .context("reading stdout")?;
    Ok((seconds, text))
}

/// Section 8: each metric job by the CLI and by the official SDK.
pub(super) fn metrics_scenario(
    s: &Settings,
    bins: &Bins,
    python: Option<&Path>,
    root: &Path,
) -> Result<Section> {
    let title = "8. The recommended metrics: desktop and user usage";
    eprintln!("xtask bench: {title}");
    let fleet = s.fleet;
    let runs = s.runs.min(3);
    let mut table = String::from(
        "| job | contender | median | requests | items | total hours | vs official SDK |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    let mut findings = Vec::new();
    for kind in [Kind::Desktops, Kind::Users] {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for i in 0..runs {
            eprintln!("xtask bench:   {} run {}/{runs}", kind.command(), i + 1);
            ours.push(run_cli(bins, fleet, kind)?);
            if let Some(python) = python {
                theirs.push(run_official(bins, fleet, kind, python, root)?);
            }
        }
        let med = |xs: &[Run]| median(&xs.iter().map(|r| r.seconds).collect::<Vec<_>>());
        let official = if theirs.is_empty() {
            f64::NAN
        } else {
            med(&theirs)
        };
        let (from, to) = kind.range();
        for (label, xs) in [
            (format!("`desktop-usage {}`", kind.command()), &ours),
            ("official Python SDK 3.1.219, by hand".to_string(), &theirs),
        ] {
            let Some(first) = xs.first() else { continue };
            let m = med(xs);
            let _ = writeln!(
                table,
                "| {} {from}..{to} | {label} | {} | {} | {} | {}.{:02} | {} |",
                kind.command(),
                secs(m),
                first.requests,
                first.items,
                first.hundredths / 100,
                first.hundredths % 100,
                if label.starts_with("official") {
                    "1.00×".to_string()
                } else {
                    format!("{} faster", ratio(official / m))
                },
            );
        }
        if let (Some(a), Some(b)) = (ours.first(), theirs.first()) {
            findings.push(if (a.items, a.hundredths) == (b.items, b.hundredths) {
                format!(
                    "`{}`: the CLI and the official SDK agree: {} items, the same total to the hundredth.",
                    kind.command(),
                    a.items
                )
            } else {
                format!(
                    "`{}`: **disagreement**: CLI {} items, {} hundredths; official SDK {} items, {} hundredths.",
                    kind.command(),
                    a.items,
                    a.hundredths,
                    b.items,
                    b.hundredths
                )
            });
        }
    }
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "Simulator: {fleet} desktops, {LATENCY_MS} ms injected latency, today {TODAY}. \
             `desktops` pages ListDesktopUsageMetric over 30 whole days ({PAGE_SIZE} a page); \
             `users` pages ListUserUsageMetric over 90 days, which the service takes 30 days at a \
             time: the CLI splits and sums on its own and pages concurrently, the official SDK \
             script cuts the windows and sums the users by hand, one request after the other. \
             {runs} run(s) each; the simulator is started afresh for every run. The CLI's rows \
             are read back and summed (each item's hours are its seconds / 3600 to the \
             hundredth)."
        ),
        table,
        findings,
    })
}
