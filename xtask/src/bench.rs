//! `cargo xtask bench [--quick]`: the facade and the CLI against the official
//! Python SDK and against the physical floor, on loopback only.
//!
//! Builds the release binaries, then for each scenario starts a fresh
//! `workspace-sim` on 127.0.0.1 (port 0, fixed seed) for every single run,
//! runs the contenders in turn, several times, and reports medians and
//! ratios; writes `BENCHMARKS.md` (machine, load, exact command, tables).
//! Scenarios:
//! 1. latency-bound, one month: 2,000 desktops, 50 ms injected latency, 31 days;
//! 2. the same over 365 days (the official SDK loops over 31-day windows by hand);
//! 3. throttled: 20 (and 5, 100) requests per second per access key, 2,000
//!    desktops, 365 days;
//! 4. decode: criterion bench `huaweicloud-workspace/benches/decode.rs`
//!    (facade vs plain serde_json) plus the official SDK's deserialization;
//! 5. exports: `report` over 365 days in every format for 2,000 and 20,000
//!    desktops: wall-clock, CPU and peak RSS (`/usr/bin/time -v`), against
//!    the table and a decode-and-write floor (`bench/exports.rs`);
//! 6. concurrency: the CLI at fixed concurrencies and `auto`, latency-bound
//!    and throttled at 5, 20 and 100 requests/s, and `auto` against the
//!    best fixed one in each (`bench/sweep.rs`);
//! 7. faults: 20 runs each at 30 % random faults and every third request
//!    faulted, default settings (`bench/sweep.rs`).
//!
//! Every child process is killed on every path (a guard kills on drop) and
//! every wait is bounded. Nothing here asserts timings: misses are reported.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::workspace_root;

mod exports;
mod metrics;
mod sweep;

const SEED: &str = "7";
const LATENCY_MS: u64 = 50;
const RATE_LIMIT: f64 = 20.0;
const PAGE_SIZE: u64 = 100;
const MONTH: (&str, &str) = ("2024-01-01", "2024-01-31");
/// 365 days (2024 is a leap year).
const YEAR: (&str, &str) = ("2024-01-01", "2024-12-30");
const YEAR_DAYS: u64 = 365;
const MONTH_DAYS: u64 = 31;
/// The longest any one contender run may take before it is killed.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);
const SIM_START_TIMEOUT: Duration = Duration::from_secs(30);
const SCRIPT: &str = "xtask/python/bench_official.py";
const OUTPUT: &str = "BENCHMARKS.md";
/// Hand-written text below this line of `BENCHMARKS.md` survives a rerun.
const NOTES_MARKER: &str = "<!-- Notes below this line are kept when the file is regenerated. -->";
/// How long to wait for the machine to go quiet (1-minute load < 1.0).
const QUIET_WAIT: Duration = Duration::from_secs(300);

struct Settings {
    quick: bool,
    runs: usize,
    fleet: u64,
}

/// Entry point of `cargo xtask bench`.
pub fn run(quick: bool) -> Result<ExitCode> {
    let settings = if quick {
        Settings {
            quick,
            runs: 1,
            fleet: 200,
        }
    } else {
        Settings {
            quick,
            runs: 5,
            fleet: 2000,
        }
    };
    let root = workspace_root();
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir).context("creating target/bench")?;

    build(&root)?;
    let bins = Bins::locate(&root)?;
    let python = match crate::python::venv()? {
        Some(p) => Some(p),
        None => {
            eprintln!("xtask bench: no official SDK venv: its columns will be empty");
            None
        }
    };

    // XTASK_BENCH_NO_WAIT=1 measures at once on a machine that stays busy
    // (the load is noted in the report either way).
    let load_before = if quick || std::env::var_os("XTASK_BENCH_NO_WAIT").is_some() {
        load_average()
    } else {
        wait_for_quiet()
    };
    let started = Instant::now();
    let mut md = Report::default();

    let month = latency_scenario(
        &settings,
        &bins,
        python.as_deref(),
        &root,
        "1. Latency-bound, one month",
        MONTH,
        MONTH_DAYS,
    )?;
    md.sections.push(month);
    let year = latency_scenario(
        &settings,
        &bins,
        python.as_deref(),
        &root,
        "2. Latency-bound, one year",
        YEAR,
        YEAR_DAYS,
    )?;
    md.sections.push(year);
    // Each throttled run takes pages ÷ limit at best (48 s at 5 /s): fewer
    // runs and contenders where the limit is low keep the bench short.
    let everyone = [
        Contender::Cli,
        Contender::Facade,
        Contender::FacadeIds,
        Contender::Official,
    ];
    let ours = [Contender::Cli, Contender::Facade];
    for (title, limit, runs, contenders) in [
        (
            "3. Throttled at 20 requests/s",
            RATE_LIMIT,
            settings.runs.min(3),
            &everyone[..],
        ),
        ("3b. Throttled at 5 requests/s", 5.0, 1, &ours[..]),
        (
            "3c. Throttled at 100 requests/s",
            100.0,
            settings.runs.min(3),
            &ours[..],
        ),
    ] {
        md.sections.push(throttled_scenario(
            &settings,
            &bins,
            python.as_deref(),
            &root,
            (title, limit, runs),
            contenders,
        )?);
    }
    md.sections.push(decode_scenario(
        &settings,
        python.as_deref(),
        &root,
        &out_dir,
    )?);
    md.sections.push(exports::exports_scenario(
        &bins,
        &root,
        export_fleets(quick),
        baseline(),
    )?);
    md.sections
        .extend(sweep::concurrency_sweep(&settings, &bins, &root)?);
    md.sections
        .push(sweep::faults_scenario(&settings, &bins, &root)?);
    md.sections.push(metrics::metrics_scenario(
        &settings,
        &bins,
        python.as_deref(),
        &root,
    )?);

    let load_after = load_average();
    let text = md.render(&settings, load_before, load_after, started.elapsed());
    let previous = std::fs::read_to_string(root.join(OUTPUT)).unwrap_or_default();
    let notes = previous
        .split_once(NOTES_MARKER)
        .map(|(_, notes)| notes.to_string())
        .unwrap_or_else(|| "\n".to_string());
    let path = if quick {
        out_dir.join("BENCHMARKS.quick.md")
    } else {
        root.join(OUTPUT)
    };
    std::fs::write(&path, format!("{text}{NOTES_MARKER}{notes}"))
        .with_context(|| format!("writing {}", path.display()))?;
    println!("{text}");
    println!("xtask bench: wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// The fleets of the exports section.
fn export_fleets(quick: bool) -> [u64; 2] {
    if quick { [200, 2000] } else { [2000, 20_000] }
}

/// `XTASK_BENCH_BASELINE`: another `desktop-usage` to compare with.
fn baseline() -> Option<PathBuf> {
    std::env::var_os("XTASK_BENCH_BASELINE").map(PathBuf::from)
}

/// `cargo xtask bench --section 5`: the exports only, printed
/// (BENCHMARKS.md is left as it is).
pub fn run_exports_only() -> Result<ExitCode> {
    let root = workspace_root();
    build(&root)?;
    let bins = Bins::locate(&root)?;
    let load_before = load_average();
    let section = exports::exports_scenario(&bins, &root, export_fleets(false), baseline())?;
    print_section(&section, load_before);
    Ok(ExitCode::SUCCESS)
}

fn print_section(section: &Section, load_before: f64) {
    println!(
        "## {}\n\n{}\n\n{}\n{}\n(1-minute load average {load_before:.2} before, {:.2} after)",
        section.title,
        section.setup,
        section.table,
        section
            .findings
            .iter()
            .map(|f| format!("- {f}"))
            .collect::<Vec<_>>()
            .join("\n"),
        load_average()
    );
}

/// `cargo xtask bench --section 8`: the metric operations only, at the full
/// fleet size, printed (BENCHMARKS.md is left as it is).
pub fn run_metrics_only() -> Result<ExitCode> {
    let settings = Settings {
        quick: false,
        runs: 3,
        fleet: 2000,
    };
    let root = workspace_root();
    build(&root)?;
    let bins = Bins::locate(&root)?;
    let python = crate::python::venv()?;
    let load_before = load_average();
    let section = metrics::metrics_scenario(&settings, &bins, python.as_deref(), &root)?;
    print_section(&section, load_before);
    Ok(ExitCode::SUCCESS)
}

fn build(root: &Path) -> Result<()> {
    let status = Command::new(env_or("CARGO", "cargo"))
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "desktop-usage",
            "-p",
            "huaweicloud-workspace-sim",
            "-p",
            "huaweicloud-workspace",
            "--bins",
            "--examples",
        ])
        .status()
        .context("running cargo build --release")?;
    if !status.success() {
        bail!("cargo build --release failed: {status}");
    }
    Ok(())
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else `target/`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(PathBuf::from(dir)))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

struct Bins {
    sim: PathBuf,
    cli: PathBuf,
    facade: PathBuf,
}

impl Bins {
    fn locate(root: &Path) -> Result<Bins> {
        let release = target_dir(root).join("release");
        let bins = Bins {
            sim: release.join("workspace-sim"),
            cli: release.join("desktop-usage"),
            facade: release.join("examples/bench_report"),
        };
        for p in [&bins.sim, &bins.cli, &bins.facade] {
            if !p.exists() {
                bail!("{} is missing after the build", p.display());
            }
        }
        Ok(bins)
    }
}

// ---------------------------------------------------------------------------
// Machine and load.

fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// Waits (bounded) until the 1-minute load average is under 1.0.
fn wait_for_quiet() -> f64 {
    let deadline = Instant::now() + QUIET_WAIT;
    loop {
        let load = load_average();
        if load.is_nan() || load < 1.0 || Instant::now() >= deadline {
            if load >= 1.0 {
                eprintln!(
                    "xtask bench: load average still {load:.2} after {} s; measuring anyway (noted in the report)",
                    QUIET_WAIT.as_secs()
                );
            }
            return load;
        }
        eprintln!("xtask bench: load average {load:.2}, waiting for < 1.0 ...");
        std::thread::sleep(Duration::from_secs(10));
    }
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| {
                    v.split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<u64>().ok())
                })
        })
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    let rustc = command_line_output("rustc", &["--version"]);
    format!(
        "{cores} cores ({model}), {:.1} GiB memory, Linux {kernel}, {rustc}",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}

fn command_line_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Processes.

/// A child process killed (and reaped) when dropped.
struct Guard {
    child: Option<Child>,
    what: String,
}

impl Guard {
    fn spawn(mut cmd: Command, what: &str) -> Result<Guard> {
        let child = cmd.spawn().with_context(|| format!("starting {what}"))?;
        Ok(Guard {
            child: Some(child),
            what: what.to_string(),
        })
    }

    fn child(&mut self) -> Result<&mut Child> {
        self.child
            .as_mut()
            .with_context(|| format!("{} already reaped", self.what))
    }

    /// Waits up to `timeout` for the exit; kills it then.
    fn wait(&mut self, timeout: Duration) -> Result<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child()?.try_wait()? {
                self.child = None;
                return Ok(status);
            }
            if Instant::now() >= deadline {
                self.kill();
                bail!(
                    "{} took longer than {} s: killed",
                    self.what,
                    timeout.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads a pipe to its end on a thread, so the child never blocks on it.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut p) = pipe {
            let mut bytes = Vec::new();
            let _ = p.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        let _ = tx.send(text);
    });
    rx
}

/// A running `workspace-sim`.
struct Sim {
    guard: Guard,
    url: String,
    project_id: String,
    ak: String,
    sk: String,
    desktops: u64,
    stderr: Option<mpsc::Receiver<String>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct SimStats {
    total: u64,
    throttled: u64,
}

impl Sim {
    fn start(bin: &Path, desktops: u64, latency_ms: u64, rate_limit: Option<f64>) -> Result<Sim> {
        Sim::start_with(bin, desktops, latency_ms, rate_limit, &[])
    }

    /// [`Sim::start`] with more of the simulator's options (faults).
    fn start_with(
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
    fn stop(mut self) -> Result<SimStats> {
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

    fn env(&self, cmd: &mut Command) {
        cmd.env("HUAWEICLOUD_SDK_AK", &self.ak)
            .env("HUAWEICLOUD_SDK_SK", &self.sk)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", &self.project_id)
            .env_remove("HUAWEICLOUD_SDK_SECURITY_TOKEN")
            .env_remove("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
            .env_remove("HUAWEICLOUD_SDK_AUTH_TOKEN")
            .env_remove("RUST_LOG");
    }
}

// ---------------------------------------------------------------------------
// Contenders.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contender {
    Cli,
    Facade,
    /// The facade given every desktop id (diagnostic: no discovery pass).
    FacadeIds,
    Official,
}

impl Contender {
    fn label(self) -> &'static str {
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
struct Tools<'a> {
    bins: &'a Bins,
    python: Option<&'a Path>,
    root: &'a Path,
}

/// What one run saw.
#[derive(Debug, Clone, Default)]
struct Outcome {
    seconds: f64,
    /// Exit failure, with the end of its stderr.
    error: Option<String>,
    desktops: Option<u64>,
    periods: Option<u64>,
    hundredths: Option<u64>,
    /// The concurrency the facade ran at: the fixed number, or under `auto`
    /// the most requests it had in flight at once (the facade example
    /// reports it).
    concurrency: Option<u64>,
    /// Seconds the contender measured itself (the official SDK: imports excluded).
    inner_seconds: Option<f64>,
    requests: u64,
    throttled: u64,
}

/// Runs one contender once against a fresh simulator.
fn run_once(
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

// ---------------------------------------------------------------------------
// Statistics and tables.

fn median(xs: &[f64]) -> f64 {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn min_max(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    xs.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// The runs of one contender in one scenario.
#[derive(Debug, Clone)]
struct Series {
    contender: Contender,
    runs: Vec<Outcome>,
}

impl Series {
    fn ok(&self) -> Vec<&Outcome> {
        self.runs.iter().filter(|o| o.error.is_none()).collect()
    }

    fn median_seconds(&self) -> f64 {
        let secs: Vec<f64> = self.ok().iter().map(|o| o.seconds).collect();
        median(&secs)
    }

    fn median_inner(&self) -> Option<f64> {
        let secs: Vec<f64> = self.ok().iter().filter_map(|o| o.inner_seconds).collect();
        (!secs.is_empty()).then(|| median(&secs))
    }

    fn median_of(&self, f: impl Fn(&Outcome) -> u64) -> f64 {
        let xs: Vec<f64> = self.runs.iter().map(|o| f(o) as f64).collect();
        median(&xs)
    }

    fn first_error(&self) -> Option<&str> {
        self.runs.iter().find_map(|o| o.error.as_deref())
    }
}

fn secs(x: f64) -> String {
    if x.is_nan() {
        "–".to_string()
    } else if x < 10.0 {
        format!("{x:.3} s")
    } else {
        format!("{x:.2} s")
    }
}

fn ratio(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}×")
    } else {
        "–".to_string()
    }
}

/// One section of the report.
struct Section {
    title: String,
    setup: String,
    table: String,
    findings: Vec<String>,
}

#[derive(Default)]
struct Report {
    sections: Vec<Section>,
}

impl Report {
    fn render(&self, s: &Settings, load_before: f64, load_after: f64, took: Duration) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmarks\n");
        let _ = writeln!(
            out,
            "Generated by `cargo xtask bench{}` (source: `xtask/src/bench.rs`); rerun it to refresh \
             the tables. Loopback only: every run gets a fresh `workspace-sim` on 127.0.0.1 (seed {SEED}); \
             contenders run in turn, {} time(s) each, and the table gives the median (min–max) wall-clock \
             time of the whole process, start-up included. The default concurrency (`auto`) is used \
             everywhere but in the sweep of section 6. Nothing in the test suites asserts timings.\n",
            if s.quick { " --quick" } else { "" },
            s.runs
        );
        let _ = writeln!(out, "- Machine: {}", machine());
        let _ = writeln!(
            out,
            "- Load (1-minute average): {load_before:.2} before, {load_after:.2} after; the run took {:.0} s.{}",
            took.as_secs_f64(),
            if load_before >= 1.0 || load_after >= 1.0 {
                " Other work was running: the figures are noisier than on a quiet machine."
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "- Command: `cargo xtask bench{}`\n",
            if s.quick { " --quick" } else { "" }
        );
        for section in &self.sections {
            let _ = writeln!(out, "## {}\n", section.title);
            let _ = writeln!(out, "{}\n", section.setup);
            let _ = writeln!(out, "{}", section.table);
            for f in &section.findings {
                let _ = writeln!(out, "- {f}");
            }
            let _ = writeln!(out);
        }
        out
    }
}

/// Checks that every contender that finished got the same answer.
fn agreement(series: &[Series]) -> Result<String> {
    let mut reference: Option<(Contender, (u64, u64, u64))> = None;
    for s in series {
        for o in s.ok() {
            let (Some(d), Some(p), Some(h)) = (o.desktops, o.periods, o.hundredths) else {
                continue;
            };
            match reference {
                None => reference = Some((s.contender, (d, p, h))),
                Some((who, r)) if r != (d, p, h) => bail!(
                    "the contenders disagree: {} saw {:?} (desktops, periods, hundredths), {} saw {:?}",
                    who.label(),
                    r,
                    s.contender.label(),
                    (d, p, h)
                ),
                Some(_) => {}
            }
        }
    }
    Ok(match reference {
        Some((_, (d, p, h))) => format!(
            "Every contender returned the same data: {d} desktops, {p} periods, {}.{:02} hours in total.",
            h / 100,
            h % 100
        ),
        None => "No contender's answer could be checked.".to_string(),
    })
}

/// Runs the contenders `runs` times in turn (plus one untimed verification
/// run of the CLI that reads its rows).
fn series(
    tools: &Tools,
    contenders: &[Contender],
    sim: &dyn Fn() -> Result<Sim>,
    range: (&str, &str),
    runs: usize,
) -> Result<(Vec<Series>, String)> {
    let mut all: Vec<Series> = contenders
        .iter()
        .map(|&c| Series {
            contender: c,
            runs: Vec::new(),
        })
        .collect();
    let mut verified = Series {
        contender: Contender::Cli,
        runs: Vec::new(),
    };
    if contenders.contains(&Contender::Cli) {
        eprintln!("xtask bench:   verification run of the CLI");
        verified
            .runs
            .push(run_once(Contender::Cli, tools, sim()?, range, true, None)?);
    }
    for i in 0..runs {
        for series in &mut all {
            if series.contender == Contender::Official && tools.python.is_none() {
                continue;
            }
            eprintln!(
                "xtask bench:   run {}/{}: {}",
                i + 1,
                runs,
                series.contender.label()
            );
            let o = run_once(series.contender, tools, sim()?, range, false, None)?;
            if let Some(e) = &o.error {
                eprintln!("xtask bench:     failed: {e}");
            }
            series.runs.push(o);
        }
    }
    // Agreement takes the CLI's verified rows in place of its timed runs.
    let mut checked: Vec<Series> = all
        .iter()
        .filter(|x| x.contender != Contender::Cli)
        .cloned()
        .collect();
    checked.push(verified);
    let check = agreement(&checked)?;
    Ok((all, check))
}

fn facade_concurrency(all: &[Series]) -> Option<u64> {
    all.iter()
        .filter(|s| s.contender == Contender::Facade)
        .flat_map(|s| s.ok())
        .find_map(|o| o.concurrency)
}

fn latency_scenario(
    s: &Settings,
    bins: &Bins,
    python: Option<&Path>,
    root: &Path,
    title: &str,
    range: (&str, &str),
    days: u64,
) -> Result<Section> {
    eprintln!("xtask bench: {title}");
    let fleet = s.fleet;
    let sim = || Sim::start(&bins.sim, fleet, LATENCY_MS, None);
    let mut contenders = vec![Contender::Cli, Contender::Facade, Contender::Official];
    if days > 31 {
        contenders.insert(2, Contender::FacadeIds);
    }
    let tools = Tools { bins, python, root };
    let (all, check) = series(&tools, &contenders, &sim, range, s.runs)?;
    let concurrency =
        facade_concurrency(&all).context("the facade example reported no concurrency")?;
    let windows = days.div_ceil(31);
    let pages = windows * fleet.div_ceil(PAGE_SIZE);
    let latency = LATENCY_MS as f64 / 1000.0;
    let floor = latency * (1 + (pages - 1).div_ceil(concurrency)) as f64;
    let official = all
        .iter()
        .find(|x| x.contender == Contender::Official)
        .map_or(f64::NAN, Series::median_seconds);

    let mut table = String::from(
        "| contender | median | min – max | requests sent | vs official SDK | vs floor |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for x in &all {
        let med = x.median_seconds();
        let (lo, hi) = min_max(&x.ok().iter().map(|o| o.seconds).collect::<Vec<_>>());
        let _ = writeln!(
            table,
            "| {} | {} | {} – {} | {:.0} | {} | {} |",
            x.contender.label(),
            secs(med),
            secs(lo),
            secs(hi),
            x.median_of(|o| o.requests),
            if x.contender == Contender::Official {
                "1.00×".to_string()
            } else {
                format!("{} faster", ratio(official / med))
            },
            ratio(med / floor),
        );
    }
    let _ = writeln!(
        table,
        "| floor: {LATENCY_MS} ms × (1 + ⌈({pages} − 1) / {concurrency}⌉) | {} | | {pages} pages | | 1.00× |",
        secs(floor)
    );
    let mut findings = vec![check];
    if let Some(x) = all.iter().find(|x| x.contender == Contender::Official)
        && let Some(inner) = x.median_inner()
    {
        findings.push(format!(
            "The official SDK spends {} of its median inside the script (paging, decoding, summing); \
             the rest is starting Python and importing the SDK.",
            secs(inner)
        ));
    }
    for x in &all {
        if let Some(e) = x.first_error() {
            findings.push(format!("{} failed: {e}", x.contender.label()));
        }
    }
    if days > 31 {
        for x in all
            .iter()
            .filter(|x| matches!(x.contender, Contender::Cli | Contender::Facade))
        {
            let med = x.median_seconds();
            findings.push(format!(
                "Target for {}: ≥ 20× faster than the official SDK ({}: {}) and within 1.3× of the floor ({}: {}).",
                x.contender.label(),
                ratio(official / med),
                if official / med >= 20.0 { "met" } else { "missed" },
                ratio(med / floor),
                if med / floor <= 1.3 { "met" } else { "missed" },
            ));
        }
    }
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "Simulator: {fleet} desktops, {LATENCY_MS} ms injected latency on every answer, range {} to {} \
             ({days} days: {windows} window(s) of at most 31 days, {pages} pages of {PAGE_SIZE} at least). \
             The CLI writes ndjson to /dev/null; the facade example streams every desktop into a sink; \
             the official SDK pages with offset/limit=100, one request after the other{}. \
             The floor is the latency times the rounds of requests the minimum number of pages needs \
             after the first request, at the concurrency the facade ran at ({concurrency}: under the \
             default `auto`, the most requests it had in flight at once).",
            range.0,
            range.1,
            if days > 31 {
                ", over 31-day windows cut by hand"
            } else {
                ""
            },
        ),
        table,
        findings,
    })
}

/// User + system CPU seconds of the reaped children so far, from /proc/self/stat.
fn children_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 (1-based) of the whole line: 14 and 15 after ')'.
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    match (ticks(13), ticks(14)) {
        (Some(u), Some(s)) => (u + s) / clock_ticks_per_second(),
        _ => f64::NAN,
    }
}

fn clock_ticks_per_second() -> f64 {
    command_line_output("getconf", &["CLK_TCK"])
        .parse()
        .unwrap_or(100.0)
}

/// One throttled scenario: the year against a limit of `limit` requests
/// per second, `runs` runs of each contender.
fn throttled_scenario(
    s: &Settings,
    bins: &Bins,
    python: Option<&Path>,
    root: &Path,
    (title, limit, runs): (&str, f64, usize),
    contenders: &[Contender],
) -> Result<Section> {
    eprintln!("xtask bench: {title}");
    let fleet = s.fleet;
    let sim = || Sim::start(&bins.sim, fleet, 0, Some(limit));
    let tools = Tools { bins, python, root };
    let (all, check) = series(&tools, contenders, &sim, YEAR, runs)?;
    let windows = YEAR_DAYS.div_ceil(31);
    let pages = windows * fleet.div_ceil(PAGE_SIZE);
    let floor = pages as f64 / limit;
    let mut table = String::from(
        "| contender | median | min – max | requests sent | answered 429 | share 429 | vs pages ÷ limit |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut findings = Vec::new();
    for x in &all {
        let ok = x.ok();
        let med = x.median_seconds();
        let (lo, hi) = min_max(&ok.iter().map(|o| o.seconds).collect::<Vec<_>>());
        let requests = x.median_of(|o| o.requests);
        let throttled = x.median_of(|o| o.throttled);
        let share = if requests > 0.0 {
            throttled / requests
        } else {
            f64::NAN
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} – {} | {:.0} | {:.0} | {:.1} % | {} |",
            x.contender.label(),
            secs(med),
            secs(lo),
            secs(hi),
            requests,
            throttled,
            share * 100.0,
            ratio(med / floor),
        );
        if let Some(e) = x.first_error() {
            findings.push(format!(
                "{} failed in {} of {} runs: {e}",
                x.contender.label(),
                x.runs.len() - ok.len(),
                x.runs.len()
            ));
        }
        if matches!(x.contender, Contender::Cli | Contender::Facade) && !ok.is_empty() {
            findings.push(format!(
                "Target for {}: within 1.15× of pages ÷ limit ({}: {}) with at most 5 % throttled ({:.1} %: {}).",
                x.contender.label(),
                ratio(med / floor),
                if med / floor <= 1.15 { "met" } else { "missed" },
                share * 100.0,
                if share <= 0.05 { "met" } else { "missed" },
            ));
        }
    }
    let _ = writeln!(
        table,
        "| pages ÷ limit: {pages} ÷ {limit} /s | {} | | {pages} | | | 1.00× |",
        secs(floor)
    );
    findings.insert(0, check);
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "Simulator: {fleet} desktops, no injected latency, a token bucket of {limit} requests per second \
             per access key (burst {limit}), answering 429 `APIG.0308` beyond it; range {} to {} (365 days). \
             Requests and 429s are the simulator's own counts. The bucket starts full, so the true minimum \
             is (pages − {limit}) ÷ limit, just under pages ÷ limit. The official SDK retries nothing by default. \
             {} run(s) of each contender.",
            YEAR.0, YEAR.1, runs
        ),
        table,
        findings,
    })
}

fn criterion_median_ns(root: &Path, bench: &str) -> Result<f64> {
    let path = target_dir(root).join(format!("criterion/decode_page/{bench}/new/estimates.json"));
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let v: Value = serde_json::from_str(&text).context("criterion's estimates.json")?;
    v["median"]["point_estimate"]
        .as_f64()
        .context("no median in criterion's estimates.json")
}

fn decode_scenario(
    s: &Settings,
    python: Option<&Path>,
    root: &Path,
    out_dir: &Path,
) -> Result<Section> {
    let title = "4. Decode";
    eprintln!("xtask bench: {title}");
    let page = out_dir.join("decode-page.json");
    let mut cmd = Command::new(env_or("CARGO", "cargo"));
    cmd.current_dir(root)
        .args([
            "bench",
            "-p",
            "huaweicloud-workspace",
            "--bench",
            "decode",
            "--",
        ])
        .env("DECODE_PAGE_OUT", &page);
    if s.quick {
        cmd.arg("--quick");
    }
    let mut guard = Guard::spawn(cmd, "cargo bench (decode)")?;
    let status = guard.wait(Duration::from_secs(1200))?;
    if !status.success() {
        bail!("cargo bench --bench decode failed: {status}");
    }
    let bytes = std::fs::metadata(&page)
        .with_context(|| format!("{} was not written", page.display()))?
        .len() as f64;
    let facade = criterion_median_ns(root, "facade")? * 1e-9;
    let plain = criterion_median_ns(root, "serde_json")? * 1e-9;
    let official = match python {
        Some(python) => {
            let mut cmd = Command::new(python);
            cmd.arg(root.join(SCRIPT))
                .arg("decode")
                .arg(&page)
                .arg(if s.quick { "0.5" } else { "5" })
                .stdout(Stdio::piped());
            let mut guard = Guard::spawn(cmd, "official SDK decode")?;
            let out = drain(guard.child()?.stdout.take());
            let status = guard.wait(Duration::from_secs(300))?;
            if !status.success() {
                bail!("bench_official.py decode failed: {status}");
            }
            let text = out
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_default();
            let v: Value = serde_json::from_str(text.lines().last().unwrap_or(""))
                .context("bench_official.py decode's JSON")?;
            v["seconds_per_decode"].as_f64()
        }
        None => None,
    };
    let mbps = |t: f64| bytes / t / 1e6;
    let mut table = String::from(
        "| decoder | median per page | MB/s | vs plain serde_json |\n|---|---:|---:|---:|\n",
    );
    let mut row = |name: &str, t: f64| {
        let _ = writeln!(
            table,
            "| {name} | {:.3} ms | {:.1} | {} |",
            t * 1e3,
            mbps(t),
            ratio(t / plain)
        );
    };
    row(
        "plain `serde_json::from_slice` into the generated types",
        plain,
    );
    row("facade (checks + conversion into `DesktopUsage`)", facade);
    if let Some(t) = official {
        row("official Python SDK `deserialize()` (timed in Python)", t);
    }
    let findings = vec![format!(
        "Target: the facade within 1.15× of plain serde_json ({}: {}).",
        ratio(facade / plain),
        if facade / plain <= 1.15 {
            "met"
        } else {
            "missed"
        }
    )];
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "One 200 body of 100 desktops × 31 days (January 2024, per day), {:.0} bytes, laid out as the \
             simulator serves it (`crates/huaweicloud-workspace/benches/decode.rs`, criterion{}; \
             the official SDK decodes the same bytes, `xtask/python/bench_official.py decode`). \
             MB/s = 10⁶ bytes per second.",
            bytes,
            if s.quick { " --quick" } else { "" }
        ),
        table,
        findings,
    })
}
