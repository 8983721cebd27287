//! `cargo xtask bench [--quick]`: the facade and the CLI against the official
//! Python SDK and against the physical floor, on loopback only.
//!
//! Builds the release binaries, then for each scenario starts a fresh
//! `workspace-sim` on 127.0.0.1 (port 0, fixed seed) for every single run,
//! runs the contenders in turn, several times, and reports medians and
//! ratios; writes `BENCHMARKS.md` (machine, load, exact command, tables).
//! Scenarios:
//! 1. latency-bound, one month: 2,000 desktops, 50 ms injected latency, 31 days;
//! 2. the same over 365 days, the official SDK looping over 31-day windows by
//!    hand (both: `bench/latency.rs`);
//! 3. throttled: 20 (and 5, 100) requests per second per access key, 2,000
//!    desktops, 365 days (`bench/throttled.rs`);
//! 4. decode: criterion bench `huaweicloud-workspace/benches/decode.rs`
//!    (facade vs plain serde_json) plus the official SDK's deserialization
//!    (`bench/decode.rs`);
//! 5. exports: `report` over 365 days in every format for 2,000 and 20,000
//!    desktops: wall-clock, CPU and peak RSS (`/usr/bin/time -v`), against
//!    the table and a decode-and-write floor (`bench/exports.rs`);
//! 6. concurrency: the CLI at fixed concurrencies and `auto`, latency-bound
//!    and throttled at 5, 20 and 100 requests/s, and `auto` against the
//!    best fixed one in each (`bench/sweep.rs`);
//! 7. faults: 20 runs each at 30 % random faults and every third request
//!    faulted, default settings (`bench/sweep.rs`);
//! 8. metrics: the desktop and user metric operations (`bench/metrics.rs`);
//! 9. connection records: a month of them through `sessions --by user` and
//!    `concurrency`, time and peak RSS (`bench/records.rs`).
//!
//! Every child process is killed on every path (a guard kills on drop) and
//! every wait is bounded. Nothing here asserts timings: misses are reported.
//!
//! This module holds the shared settings and the order of the sections; the
//! machinery they share has a module each: the release build (`bins`), the
//! machine and its load (`machine`), child processes (`process`), the
//! simulator (`sim`), the contenders of sections 1–3 (`contender`) and their
//! series of runs (`series`), statistics (`stats`) and `BENCHMARKS.md`
//! (`report`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::bench::bins::{Bins, build};
use crate::bench::contender::Contender;
use crate::bench::latency::latency_scenario;
use crate::bench::machine::{load_average, wait_for_quiet};
use crate::bench::report::{Report, Section, print_section};
use crate::bench::throttled::throttled_scenario;
use crate::workspace_root;

mod bins;
mod contender;
mod decode;
mod exports;
mod latency;
mod machine;
mod metrics;
mod process;
mod records;
mod report;
mod series;
mod sim;
mod stats;
mod sweep;
mod throttled;

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
const SCRIPT: &str = "xtask/python/bench_official.py";

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
    md.sections.push(decode::decode_scenario(
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
    md.sections.push(records::records_scenario(
        &settings,
        &bins,
        python.as_deref(),
        &root,
    )?);

    let load_after = load_average();
    let text = md.render(&settings, load_before, load_after, started.elapsed());
    let path = report::write(&text, &root, &out_dir, quick)?;
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

/// `cargo xtask bench --section 8`: the metric operations only, at the full
/// fleet size, printed (BENCHMARKS.md is left as it is).
pub fn run_metrics_only() -> Result<ExitCode> {
    run_against_official_only(metrics::metrics_scenario)
}

/// `cargo xtask bench --section 9`: the connection-record jobs only, at
/// the full fleet size, printed (BENCHMARKS.md is left as it is).
pub fn run_records_only() -> Result<ExitCode> {
    run_against_official_only(records::records_scenario)
}

/// One section that runs the CLI against the official SDK, on its own:
/// built, measured at the full fleet size (2,000 desktops, three runs) and
/// printed.
fn run_against_official_only(
    scenario: fn(&Settings, &Bins, Option<&Path>, &Path) -> Result<Section>,
) -> Result<ExitCode> {
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
    let section = scenario(&settings, &bins, python.as_deref(), &root)?;
    print_section(&section, load_before);
    Ok(ExitCode::SUCCESS)
}
