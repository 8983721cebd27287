//! Section 9 of `cargo xtask bench` (alone: `--section 9`): a month of
//! connection records (`ListLoginRecordsNew`) for the simulator's fleet,
//! folded into `sessions --by user` and `concurrency` by the CLI and by the
//! official Python SDK paging by hand (`xtask/python/bench_records.py`),
//! against the same simulator at 50 ms latency. Both answers are compared
//! before anything is timed into the table: a disagreement fails the
//! section. The CLI's peak RSS comes from `/usr/bin/time -v`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::bench::bins::Bins;
use crate::bench::process::{Guard, drain};
use crate::bench::report::{Section, ratio, secs};
use crate::bench::sim::Sim;
use crate::bench::stats::median;
use crate::bench::{LATENCY_MS, RUN_TIMEOUT, Settings};

const SCRIPT: &str = "xtask/python/bench_records.py";
/// The simulator's today, and the CLI's (`--today`): the 30 days the
/// service keeps end with it.
const TODAY: &str = "2024-12-31";
/// The 30 whole days ending today: all the service keeps.
const RANGE: (&str, &str) = ("2024-12-02", "2024-12-31");
/// What the CLI asks for that range (the last minute is included whole)
/// and the end it counts open sessions to: `--today` makes its now the end
/// of that day.
const START_TIME: &str = "2024-12-02T00:00Z";
const END_TIME: &str = "2024-12-31T23:59Z";
const UNTIL: &str = "2025-01-01T00:00:00Z";
/// The targets of issue #29.
const TARGET_RATIO: f64 = 20.0;
const TARGET_RSS_MB: f64 = 40.0;

/// The two jobs of the section.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    ByUser,
    Concurrency,
}

impl Job {
    /// The CLI command, as the table names the job.
    fn label(self) -> &'static str {
        match self {
            Job::ByUser => "sessions --by user",
            Job::Concurrency => "concurrency",
        }
    }

    /// The CLI's arguments for the job (the range comes after them).
    fn cli_args(self) -> &'static [&'static str] {
        match self {
            Job::ByUser => &["sessions", "--by", "user"],
            Job::Concurrency => &["concurrency"],
        }
    }

    /// The job's name for `bench_records.py`.
    fn script_job(self) -> &'static str {
        match self {
            Job::ByUser => "users",
            Job::Concurrency => "concurrency",
        }
    }
}

/// One timed run: wall seconds, peak RSS (MB, when measured), requests
/// the simulator served, records paged (when the contender says), and the
/// answer in the shape both sides can be compared in.
struct Run {
    seconds: f64,
    rss_mb: Option<f64>,
    requests: u64,
    records: Option<u64>,
    answer: Value,
}

/// A fresh simulator at 50 ms whose today is [`TODAY`].
fn start_sim(bins: &Bins, fleet: u64) -> Result<Sim> {
    Sim::start_with(&bins.sim, fleet, LATENCY_MS, None, &["--today", TODAY])
}

/// The CLI's ndjson rows, folded into the answer the script prints.
fn cli_answer(job: Job, stdout: &str) -> Result<(Value, Option<u64>)> {
    let rows = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).context("a CLI row"))
        .collect::<Result<Vec<_>>>()?;
    let field = |row: &Value, name: &str| -> Result<u64> {
        row[name]
            .as_u64()
            .with_context(|| format!("a CLI row without {name}: {row}"))
    };
    match job {
        Job::ByUser => {
            let (mut connections, mut failed, mut seconds) = (0, 0, 0);
            for row in &rows {
                connections += field(row, "connections")?;
                failed += field(row, "failed")?;
                seconds += field(row, "connected_seconds")?;
            }
            let answer = json!({
                "users": rows.len(),
                "connections": connections,
                "failed": failed,
                "connected_seconds": seconds,
            });
            Ok((answer, Some(connections)))
        }
        Job::Concurrency => {
            let days = rows
                .iter()
                .map(|row| {
                    let date = row["date"]
                        .as_str()
                        .with_context(|| format!("a CLI row without date: {row}"))?;
                    Ok(json!([date, field(row, "peak_sessions")?]))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((json!({ "days": days }), None))
        }
    }
}

/// One run of the CLI against a fresh simulator.
fn run_cli(bins: &Bins, fleet: u64, job: Job) -> Result<Run> {
    let sim = start_sim(bins, fleet)?;
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v")
        .arg(&bins.cli)
        .args(["--quiet", "--endpoint", &sim.url, "--today", TODAY])
        .args(job.cli_args())
        .args(["--from", RANGE.0, "--to", RANGE.1, "--format", "ndjson"]);
    sim.env(&mut cmd);
    let (seconds, stdout, stderr) = timed(cmd, "desktop-usage")?;
    let stats = sim.stop()?;
    let (answer, records) = cli_answer(job, &stdout)?;
    Ok(Run {
        seconds,
        rss_mb: Some(max_rss_mb(&stderr)?),
        requests: stats.total,
        records,
        answer,
    })
}

/// One run of the official SDK script against a fresh simulator.
fn run_official(bins: &Bins, fleet: u64, job: Job, python: &Path, root: &Path) -> Result<Run> {
    let sim = start_sim(bins, fleet)?;
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v")
        .arg(python)
        .arg(root.join(SCRIPT))
        .args([
            job.script_job(),
            &sim.url,
            &sim.ak,
            &sim.sk,
            &sim.project_id,
        ])
        .args([START_TIME, END_TIME, UNTIL]);
    sim.env(&mut cmd);
    let (seconds, stdout, stderr) = timed(cmd, "official SDK")?;
    let stats = sim.stop()?;
    let last = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .context("the official SDK printed no JSON summary")?;
    let v: Value = serde_json::from_str(last).context("the JSON summary")?;
    let records = v["records"].as_u64().context("records in the summary")?;
    // Every page must have reported the same total, and all of it paged.
    ensure!(
        v["totals"] == json!([records]),
        "the official SDK paged {records} records, the pages said {}",
        v["totals"]
    );
    Ok(Run {
        seconds,
        rss_mb: Some(max_rss_mb(&stderr)?),
        requests: stats.total,
        records: Some(records),
        answer: v["summary"].clone(),
    })
}

/// Peak RSS in MB from `/usr/bin/time -v`'s report.
fn max_rss_mb(stderr: &str) -> Result<f64> {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|kb| kb * 1024.0 / 1e6)
        .context("no peak RSS in /usr/bin/time -v's output")
}

/// Runs `cmd` to its end (bounded); its wall time, stdout and stderr.
fn timed(mut cmd: Command, what: &str) -> Result<(f64, String, String)> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut guard = Guard::spawn(cmd, what)?;
    let stdout = drain(guard.child()?.stdout.take());
    let stderr = drain(guard.child()?.stderr.take());
    let status = guard.wait(RUN_TIMEOUT)?;
    let seconds = started.elapsed().as_secs_f64();
    let err = stderr
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    if !status.success() {
        bail!("{what} failed ({status}): {}", err.trim());
    }
    let out = stdout
        .recv_timeout(Duration::from_secs(60))
        .context("reading stdout")?;
    Ok((seconds, out, err))
}

/// What a run's answer says, in a few words, for the findings.
fn describe(job: Job, answer: &Value) -> String {
    match job {
        Job::ByUser => format!(
            "{} users, {} connections ({} failed), {} s connected",
            answer["users"], answer["connections"], answer["failed"], answer["connected_seconds"]
        ),
        Job::Concurrency => {
            let days = answer["days"].as_array().map_or(&[][..], Vec::as_slice);
            let peaks: Vec<u64> = days.iter().filter_map(|d| d[1].as_u64()).collect();
            format!(
                "{} days, peaks {}..{}",
                days.len(),
                peaks.iter().min().copied().unwrap_or(0),
                peaks.iter().max().copied().unwrap_or(0)
            )
        }
    }
}

/// Section 9: each job by the CLI and by the official SDK, answers checked.
pub(super) fn records_scenario(
    s: &Settings,
    bins: &Bins,
    python: Option<&Path>,
    root: &Path,
) -> Result<Section> {
    let title = "9. Connection records: sessions --by user and concurrency";
    eprintln!("xtask bench: {title}");
    if !Path::new("/usr/bin/time").exists() {
        bail!("/usr/bin/time is missing (apt-get install time)");
    }
    let fleet = s.fleet;
    let runs = s.runs.min(3);
    let mut table = String::from(
        "| job | contender | median | requests | records | peak RSS | vs official SDK |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    let mut findings = Vec::new();
    let mut worst_rss: f64 = 0.0;
    // NaN until both contenders ran: no official SDK, no ratio.
    let mut worst_ratio = f64::NAN;
    for job in [Job::ByUser, Job::Concurrency] {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for i in 0..runs {
            eprintln!("xtask bench:   {} run {}/{runs}", job.label(), i + 1);
            ours.push(run_cli(bins, fleet, job)?);
            if let Some(python) = python {
                theirs.push(run_official(bins, fleet, job, python, root)?);
            }
        }
        // Every run must give the same answer, and the official SDK's.
        let want = &ours.first().context("no run of the CLI")?.answer;
        for (who, r) in ours
            .iter()
            .map(|r| ("the CLI", r))
            .chain(theirs.iter().map(|r| ("the official SDK", r)))
        {
            if &r.answer != want {
                bail!(
                    "`{}`: {who} answered {}, the CLI's first run {}",
                    job.label(),
                    r.answer,
                    want
                );
            }
        }
        let records = theirs
            .first()
            .and_then(|r| r.records)
            .or(ours.first().and_then(|r| r.records));
        let med = |xs: &[Run]| median(&xs.iter().map(|r| r.seconds).collect::<Vec<_>>());
        let official = if theirs.is_empty() {
            f64::NAN
        } else {
            med(&theirs)
        };
        let rss = |xs: &[Run]| xs.iter().filter_map(|r| r.rss_mb).fold(f64::NAN, f64::max);
        let ours_rss = rss(&ours);
        worst_rss = worst_rss.max(ours_rss);
        let this_ratio = official / med(&ours);
        worst_ratio = if worst_ratio.is_nan() || this_ratio.is_nan() {
            this_ratio
        } else {
            worst_ratio.min(this_ratio)
        };
        for (label, xs) in [
            (format!("`desktop-usage {}`", job.label()), &ours),
            ("official Python SDK 3.1.219, by hand".to_string(), &theirs),
        ] {
            let Some(first) = xs.first() else { continue };
            let m = med(xs);
            let _ = writeln!(
                table,
                "| {} {}..{} | {label} | {} | {} | {} | {:.1} MB | {} |",
                job.label(),
                RANGE.0,
                RANGE.1,
                secs(m),
                first.requests,
                records.map_or_else(|| "–".to_string(), |n| n.to_string()),
                rss(xs),
                if label.starts_with("official") {
                    "1.00×".to_string()
                } else {
                    format!("{} faster", ratio(official / m))
                },
            );
        }
        findings.push(if theirs.is_empty() {
            format!(
                "`{}`: no official SDK venv: the CLI alone ({}).",
                job.label(),
                describe(job, want)
            )
        } else {
            format!(
                "`{}`: the CLI and the official SDK agree in every run: {}.",
                job.label(),
                describe(job, want)
            )
        });
    }
    findings.push(format!(
        "Targets: at least {TARGET_RATIO:.0}× faster than the official SDK in both jobs \
         (slower of the two: {}, {}); the CLI's peak RSS under {TARGET_RSS_MB:.0} MB in every \
         run (largest {worst_rss:.1} MB: {}).",
        ratio(worst_ratio),
        if worst_ratio.is_nan() {
            "not measured"
        } else if worst_ratio >= TARGET_RATIO {
            "met"
        } else {
            "missed"
        },
        if worst_rss < TARGET_RSS_MB {
            "met"
        } else {
            "missed"
        }
    ));
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "Simulator: {fleet} desktops, {LATENCY_MS} ms injected latency, today {TODAY}; the \
             30 days it keeps ({}..{}, `--today {TODAY}`), every record of them paged with \
             ListLoginRecordsNew at limit 1000. The CLI folds the records as they arrive (pages \
             concurrent after the first); the official SDK script pages one request after the \
             other and folds each page the same way (per user: connections, failed, connected \
             seconds; concurrency: each day's peak of sessions on at once on [setup, end), \
             failed ones never). Both answers are compared (users and totals; every day's \
             peak) and must agree. {runs} run(s) each under `/usr/bin/time -v`; a fresh \
             simulator for every run.",
            RANGE.0, RANGE.1
        ),
        table,
        findings,
    })
}
