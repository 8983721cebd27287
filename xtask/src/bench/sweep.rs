//! Sections 6 and 7 of `cargo xtask bench`: the CLI at fixed concurrencies
//! and at `auto`, latency-bound and throttled at several limits, with `auto`
//! against the best fixed concurrency in each; and the CLI's default
//! settings against injected faults, twenty runs each.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, bail};

use crate::bench::bins::Bins;
use crate::bench::contender::{Contender, Tools, run_once};
use crate::bench::machine::children_cpu_seconds;
use crate::bench::report::{Section, ratio, secs};
use crate::bench::sim::Sim;
use crate::bench::stats::median;
use crate::bench::{LATENCY_MS, PAGE_SIZE, Settings, YEAR, YEAR_DAYS};

/// The range of the fault runs: 90 days, three windows.
const FAULT_RANGE: (&str, &str) = ("2024-01-01", "2024-03-30");

/// The limits (requests per second) of the throttled columns.
const LIMITS: [f64; 3] = [5.0, 20.0, 100.0];

/// Runs of one setting at `limit`: one at 5 /s, where a run takes pages ÷
/// limit (48 s) at best; up to three above, where a run takes seconds and
/// one run's timing depends on when the first 429 meets the limiter
/// (single runs of the same setting at 100 /s spread from 1.5 s to 2.2 s).
fn throttled_runs(s: &Settings, limit: f64) -> usize {
    if limit < 20.0 { 1 } else { s.runs.clamp(1, 3) }
}

/// The run of median time (with its requests and 429s); a failed run
/// (NaN time) is returned instead, so any failure makes the setting fail.
fn median_run(mut runs: Vec<(f64, u64, u64)>) -> (f64, u64, u64) {
    if let Some(failed) = runs.iter().find(|r| r.0.is_nan()) {
        return *failed;
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs.get(runs.len() / 2)
        .copied()
        .unwrap_or((f64::NAN, 0, 0))
}

/// One row of the sweep: what the CLI did at one `--concurrency`.
struct Row {
    level: String,
    latency: f64,
    cpu: f64,
    /// Per limit: (median seconds or NaN when it failed, requests, 429s).
    throttled: Vec<(f64, u64, u64)>,
}

impl Row {
    /// Median seconds and 429s in scenario 0 (latency-bound) or 1 + i
    /// (throttled at `LIMITS[i]`).
    fn scenario(&self, scenario: usize) -> (f64, String) {
        match scenario.checked_sub(1) {
            None => (self.latency, "0".to_string()),
            Some(i) => {
                let (t, requests, throttled) = self.throttled[i];
                let share = 100.0 * throttled as f64 / requests.max(1) as f64;
                (t, format!("{throttled} ({share:.1} %)"))
            }
        }
    }
}

/// The CLI over one year at several concurrencies and at `auto`: section 6
/// (the sweep) and section 6b (`auto` against the best fixed one).
pub(super) fn concurrency_sweep(s: &Settings, bins: &Bins, root: &Path) -> Result<Vec<Section>> {
    let title = "6. Concurrency: fixed numbers and `auto`";
    eprintln!("xtask bench: {title}");
    let fleet = s.fleet;
    let levels: &[&str] = if s.quick {
        &["2", "8", "32", "auto"]
    } else {
        &["1", "2", "4", "8", "16", "32", "64", "auto"]
    };
    let windows = YEAR_DAYS.div_ceil(31);
    let pages = windows * fleet.div_ceil(PAGE_SIZE);
    let latency = LATENCY_MS as f64 / 1000.0;
    let tools = Tools {
        bins,
        python: None,
        root,
    };
    let mut rows = Vec::new();
    for &level in levels {
        let mut times = Vec::new();
        let mut cpu = Vec::new();
        for _ in 0..s.runs.min(3) {
            let sim = Sim::start(&bins.sim, fleet, LATENCY_MS, None)?;
            let before = children_cpu_seconds();
            let o = run_once(Contender::Cli, &tools, sim, YEAR, false, Some(level))?;
            let after = children_cpu_seconds();
            if let Some(e) = o.error {
                bail!("desktop-usage --concurrency {level} failed: {e}");
            }
            if o.requests != pages {
                eprintln!(
                    "xtask bench:     --concurrency {level}: {} requests, expected {pages}",
                    o.requests
                );
            }
            times.push(o.seconds);
            cpu.push(after - before);
        }
        let mut throttled = Vec::new();
        for limit in LIMITS {
            let mut runs = Vec::new();
            for _ in 0..throttled_runs(s, limit) {
                let sim = Sim::start(&bins.sim, fleet, 0, Some(limit))?;
                let t = run_once(Contender::Cli, &tools, sim, YEAR, false, Some(level))?;
                let time = if t.error.is_some() {
                    f64::NAN
                } else {
                    t.seconds
                };
                runs.push((time, t.requests, t.throttled));
            }
            throttled.push(median_run(runs));
        }
        rows.push(Row {
            level: level.to_string(),
            latency: median(&times),
            cpu: median(&cpu),
            throttled,
        });
    }

    let mut table = String::from(
        "| `--concurrency` | latency-bound: median | floor at this concurrency | vs floor | CPU time (user + sys) |",
    );
    for limit in LIMITS {
        let _ = write!(
            table,
            " {limit} /s: median | vs pages ÷ limit | 429s of requests |"
        );
    }
    table.push_str("\n|---:|---:|---:|---:|---:|");
    for _ in LIMITS {
        table.push_str("---:|---:|---:|");
    }
    table.push('\n');
    for row in &rows {
        let (floor, vs_floor) = match row.level.parse::<u64>() {
            Ok(c) => {
                let floor = latency * (1 + (pages - 1).div_ceil(c)) as f64;
                (secs(floor), ratio(row.latency / floor))
            }
            Err(_) => ("(section 2)".to_string(), "–".to_string()),
        };
        let _ = write!(
            table,
            "| {} | {} | {floor} | {vs_floor} | {} |",
            row.level,
            secs(row.latency),
            secs(row.cpu)
        );
        for (limit, &(time, requests, throttled)) in LIMITS.iter().zip(&row.throttled) {
            let _ = write!(
                table,
                " {} | {} | {throttled} of {requests} ({:.1} %) |",
                secs(time),
                ratio(time / (pages as f64 / limit)),
                100.0 * throttled as f64 / requests.max(1) as f64,
            );
        }
        table.push('\n');
    }
    let sweep = Section {
        title: title.to_string(),
        setup: format!(
            "The CLI (`report --format ndjson > /dev/null`) over one year ({} to {}) of {fleet} desktops at \
             each `--concurrency`: latency-bound ({LATENCY_MS} ms injected latency, median of {} run(s); CPU \
             time is the CLI's and the simulator's together, both children of the bench, so it shows when \
             the machine rather than the latency becomes the limit) and throttled at {} requests per \
             second (no latency; one run at 5 /s and the median of {} run(s) above, with that run's \
             requests and 429s as the simulator counts them; a `–` is a setting with a failed run).",
            YEAR.0,
            YEAR.1,
            s.runs.min(3),
            LIMITS.map(|l| l.to_string()).join(", "),
            s.runs.clamp(1, 3),
        ),
        table,
        findings: Vec::new(),
    };

    // Auto against the best fixed concurrency of each scenario.
    let mut table = String::from(
        "| scenario | best fixed | its median | `auto` median | `auto` ÷ best | `auto`'s 429s | target (≤ 1.15×) |\n|---|---:|---:|---:|---:|---:|---|\n",
    );
    let auto = rows.iter().find(|r| r.level == "auto");
    let fixed: Vec<&Row> = rows.iter().filter(|r| r.level != "auto").collect();
    let mut scenarios = vec![format!("latency-bound ({LATENCY_MS} ms), no limit")];
    scenarios.extend(LIMITS.iter().map(|l| format!("throttled at {l} /s")));
    for (scenario, name) in scenarios.iter().enumerate() {
        let pick = |r: &Row| r.scenario(scenario);
        let best = fixed
            .iter()
            .map(|r| (r, pick(r).0))
            .filter(|(_, t)| t.is_finite())
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((best_row, best_time)) = best else {
            continue;
        };
        let (auto_time, auto_429) = auto.map_or((f64::NAN, "–".to_string()), pick);
        let r = auto_time / best_time;
        let _ = writeln!(
            table,
            "| {name} | {} | {} | {} | {} | {auto_429} | {} |",
            best_row.level,
            secs(best_time),
            secs(auto_time),
            ratio(r),
            if r <= 1.15 { "met" } else { "missed" },
        );
    }
    let versus = Section {
        title: "6b. `auto` against the best fixed concurrency".to_string(),
        setup:
            "From the runs of section 6: in each scenario, the fixed concurrency with the lowest \
                median, and the default `auto` in the same scenario."
                .to_string(),
        table,
        findings: Vec::new(),
    };
    Ok(vec![sweep, versus])
}

/// Section 7: the CLI with default settings (no `--retries`, `auto`)
/// against injected faults, twenty runs in each mode; every run must
/// finish with the same rows as a clean run (the test suite checks the
/// bytes; here the row count and the exact total of hours).
pub(super) fn faults_scenario(s: &Settings, bins: &Bins, root: &Path) -> Result<Section> {
    let title = "7. Faults, default settings";
    eprintln!("xtask bench: {title}");
    // 90 days of 500 desktops (15 pages), as the test suite: random 429s
    // keep the rate limiter low (see BENCHMARKS.md's notes), so a year
    // per run would make forty runs take the better part of an hour.
    let fleet = 500;
    let range = FAULT_RANGE;
    let runs = if s.quick { 3 } else { 20 };
    let tools = Tools {
        bins,
        python: None,
        root,
    };
    let clean = run_once(
        Contender::Cli,
        &tools,
        Sim::start(&bins.sim, fleet, 0, None)?,
        range,
        true,
        None,
    )?;
    let want = (clean.desktops, clean.periods, clean.hundredths);
    let mut table = String::from(
        "| faults | runs | completed with the clean run's data | median | slowest | requests (median) | 429s (median) |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut findings = Vec::new();
    for (name, args) in [
        (
            "30 % of requests at random (429, 500, 502 HTML, 503, reset, 3 s slow)",
            ["--fault-rate", "0.3"],
        ),
        (
            "every third request across all clients, the kinds in turn",
            ["--fault-every", "3"],
        ),
    ] {
        let mut times = Vec::new();
        let mut requests = Vec::new();
        let mut throttled = Vec::new();
        let mut good = 0;
        for i in 0..runs {
            eprintln!("xtask bench:   {name}: run {}/{runs}", i + 1);
            let sim = Sim::start_with(&bins.sim, fleet, 0, None, &args)?;
            let o = run_once(Contender::Cli, &tools, sim, range, true, None)?;
            requests.push(o.requests as f64);
            throttled.push(o.throttled as f64);
            match &o.error {
                Some(e) => findings.push(format!("{name}: run {} failed: {e}", i + 1)),
                None if (o.desktops, o.periods, o.hundredths) != want => {
                    findings.push(format!("{name}: run {} returned other data", i + 1));
                }
                None => {
                    good += 1;
                    times.push(o.seconds);
                }
            }
        }
        let slowest = times.iter().copied().fold(f64::NAN, f64::max);
        let _ = writeln!(
            table,
            "| {name} | {runs} | {good} | {} | {} | {:.0} | {:.0} |",
            secs(median(&times)),
            secs(slowest),
            median(&requests),
            median(&throttled),
        );
        findings.push(format!(
            "Target ({name}): all {runs} runs complete with the clean run's data ({good}: {}).",
            if good == runs { "met" } else { "missed" }
        ));
    }
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "The CLI (`report --format ndjson`, rows read back and checked) over 90 days ({} to {}) of \
             {fleet} desktops, without latency or rate limit, with default settings (3 attempts for errors, \
             up to 10 while other requests succeed, a separate budget of 10 for 429s, `auto` concurrency); \
             a fresh simulator per run (same seed: the n-th request to arrive meets the same fault in every \
             run, but which page arrives n-th varies with the timing; the pattern counts across all \
             clients from the simulator's start). The test suite checks the same byte for \
             byte (`crates/desktop-usage/tests/reliability_faults.rs`, 90 days of 500 desktops).",
            range.0, range.1
        ),
        table,
        findings,
    })
}
