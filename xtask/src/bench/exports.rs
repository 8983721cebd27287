//! Section 5 of `cargo xtask bench` (alone: `--section 5`): `report` over a
//! year in every format, for 2,000 and 20,000 desktops, against a simulator
//! without latency. For each run: wall-clock, the CLI's own CPU and peak RSS
//! (`/usr/bin/time -v`), and the bytes written; then each format's CPU
//! against the table's (which decodes the same pages and writes almost
//! nothing) and against a floor: serde_json decoding the same periods (the
//! criterion figure of section 4, per period) plus writing the same bytes.
//!
//! With `XTASK_BENCH_BASELINE=<path to another desktop-usage>` (say, a
//! release build of an older main) the 20,000-desktop ndjson export is also
//! run with that binary, both at `--concurrency 8` (older builds could stall
//! under `auto`), for a comparison in the same run.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::bins::Bins;
use crate::bench::decode::criterion_median_ns;
use crate::bench::process::{Guard, drain};
use crate::bench::report::{Section, ratio, secs};
use crate::bench::sim::Sim;
use crate::bench::{RUN_TIMEOUT, YEAR, YEAR_DAYS};

const FORMATS: [&str; 4] = ["table", "ndjson", "csv", "json"];
/// Periods in the decode benchmark's page (100 desktops × 31 days).
const PERIODS_PER_BENCH_PAGE: f64 = 3100.0;

/// One export, measured.
struct Run {
    wall: f64,
    cpu: f64,
    rss_mb: f64,
    bytes: u64,
}

/// Counts what a pipe carries, on a thread.
fn count<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<u64> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut n = 0u64;
        if let Some(mut p) = pipe {
            let mut buf = vec![0u8; 1 << 16];
            while let Ok(k) = p.read(&mut buf) {
                if k == 0 {
                    break;
                }
                n += k as u64;
            }
        }
        let _ = tx.send(n);
    });
    rx
}

fn export(cli: &Path, sim: &Sim, format: &str, extra: &[&str]) -> Result<Run> {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v")
        .arg(cli)
        .args(["--quiet", "--endpoint", &sim.url])
        .args(extra)
        .args([
            "report", "--from", YEAR.0, "--to", YEAR.1, "--format", format,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    sim.env(&mut cmd);
    let start = Instant::now();
    let mut guard = Guard::spawn(cmd, "/usr/bin/time -v desktop-usage")?;
    let bytes = count(guard.child()?.stdout.take());
    let err = drain(guard.child()?.stderr.take());
    let status = guard.wait(RUN_TIMEOUT)?;
    let wall = start.elapsed().as_secs_f64();
    let text = err
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    if !status.success() {
        bail!("desktop-usage report --format {format} failed: {status}: {text}");
    }
    let field = |name: &str| -> Result<f64> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .with_context(|| format!("no {name:?} in /usr/bin/time -v's output"))
    };
    Ok(Run {
        wall,
        cpu: field("User time (seconds):")? + field("System time (seconds):")?,
        rss_mb: field("Maximum resident set size (kbytes):")? * 1024.0 / 1e6,
        bytes: bytes.recv_timeout(Duration::from_secs(10)).unwrap_or(0),
    })
}

/// Seconds to write `bytes` to /dev/null in 64 KiB writes: the output half
/// of the floor.
fn write_floor(bytes: u64) -> Result<f64> {
    let mut null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .context("opening /dev/null")?;
    let chunk = vec![b'x'; 1 << 16];
    let start = Instant::now();
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        null.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    Ok(start.elapsed().as_secs_f64())
}

/// The section: every format for each fleet size.
pub(super) fn exports_scenario(
    bins: &Bins,
    root: &Path,
    fleets: [u64; 2],
    baseline: Option<PathBuf>,
) -> Result<Section> {
    let title = "5. Exports: every format, memory and CPU";
    eprintln!("xtask bench: {title}");
    if !Path::new("/usr/bin/time").exists() {
        bail!("/usr/bin/time is missing (apt-get install time)");
    }
    // serde_json's time per period, from section 4's criterion run.
    let per_period = criterion_median_ns(root, "serde_json")
        .ok()
        .map(|ns| ns * 1e-9 / PERIODS_PER_BENCH_PAGE);
    let mut table = String::from(
        "| fleet × 365 days | format | wall-clock | CLI CPU | CPU vs table | floor CPU | CPU vs floor | peak RSS | output |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut findings = Vec::new();
    let mut worst_rss: f64 = 0.0;
    let mut worst_vs_table: f64 = 0.0;
    for fleet in fleets {
        let sim = Sim::start(&bins.sim, fleet, 0, None)?;
        let mut runs = Vec::new();
        for format in FORMATS {
            runs.push((format, export(&bins.cli, &sim, format, &[])?));
        }
        let baseline_runs = match &baseline {
            Some(old) if fleet == fleets[1] => Some((
                export(old, &sim, "ndjson", &["--concurrency", "8"])?,
                export(&bins.cli, &sim, "ndjson", &["--concurrency", "8"])?,
            )),
            _ => None,
        };
        sim.stop()?;
        let table_cpu = runs[0].1.cpu;
        let periods = (fleet * YEAR_DAYS) as f64;
        for (format, run) in &runs {
            let floor = match per_period {
                Some(p) => Some(periods * p + write_floor(run.bytes)?),
                None => None,
            };
            let vs_table = run.cpu / table_cpu;
            // The target names ndjson and csv; json is written like ndjson
            // with commas, and shown too.
            if matches!(*format, "ndjson" | "csv") {
                worst_vs_table = worst_vs_table.max(vs_table);
            }
            worst_rss = worst_rss.max(run.rss_mb);
            let _ = writeln!(
                table,
                "| {fleet} | {format} | {} | {} | {} | {} | {} | {:.1} MB | {:.1} MB |",
                secs(run.wall),
                secs(run.cpu),
                ratio(vs_table),
                floor.map_or_else(|| "–".to_string(), secs),
                floor.map_or_else(|| "–".to_string(), |f| ratio(run.cpu / f)),
                run.rss_mb,
                run.bytes as f64 / 1e6,
            );
        }
        if let Some((old, new)) = baseline_runs {
            findings.push(format!(
                "{fleet} desktops as ndjson at `--concurrency 8`, in this run: the baseline binary {} wall-clock \
                 ({} CPU, {:.1} MB), this build {} ({} CPU, {:.1} MB): {} faster (target: at least 3×).",
                secs(old.wall),
                secs(old.cpu),
                old.rss_mb,
                secs(new.wall),
                secs(new.cpu),
                new.rss_mb,
                ratio(old.wall / new.wall)
            ));
        }
    }
    findings.insert(
        0,
        format!(
            "Targets: peak RSS under 40 MB in every run (largest {worst_rss:.1} MB: {}); ndjson and csv CPU at most \
             1.5× the table's (the larger of their two ratios {}: {}).",
            if worst_rss < 40.0 { "met" } else { "missed" },
            ratio(worst_vs_table),
            if worst_vs_table <= 1.5 { "met" } else { "missed" },
        ),
    );
    if per_period.is_none() {
        findings.push(
            "No floor: section 4's criterion result (`target/criterion`) was not found; run the whole bench.".to_string(),
        );
    }
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "`desktop-usage --quiet report --from {} --to {} --format F` (default `auto` concurrency) writing into a \
             pipe that only counts bytes, against a simulator without latency on the same 2 cores (its CPU is not \
             counted). CLI CPU is user + system time (`/usr/bin/time -v`). Floor CPU: serde_json decoding the same \
             number of periods (section 4's median per page of 3,100 periods, scaled) plus writing the same bytes \
             to /dev/null.",
            YEAR.0, YEAR.1
        ),
        table,
        findings,
    })
}
