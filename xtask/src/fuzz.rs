//! `cargo xtask fuzz [--seconds N]`: a bounded libFuzzer run of every target in `fuzz/`.
//!
//! Builds with `cargo fuzz` (installed when missing) under `RUSTC_BOOTSTRAP=1`,
//! since the stable toolchain refuses the `-Z` sanitizer flags otherwise, into
//! `fuzz/target` so the main `target/` is not rebuilt with sanitizers. Each
//! target starts from its checked-in seeds (`fuzz/seeds/<target>`) plus the
//! corpus of earlier runs (`fuzz/corpus/<target>`, git-ignored), runs with
//! debug assertions (so arithmetic overflow is a crash) for the given time,
//! and the command fails when any target finds a crash, naming the input
//! libFuzzer saved.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

use crate::workspace_root;

/// The targets in `fuzz/fuzz_targets`, in the order they run.
const TARGETS: &[&str] = &[
    "decode_response",
    "decode_page",
    "decode_listings",
    "parse_authorization",
];

/// Seconds each target runs for when `--seconds` is not given.
const DEFAULT_SECONDS: u64 = 30;

/// A single input taking longer than this is reported as a hang (a failure).
const INPUT_TIMEOUT_SECONDS: u64 = 10;

/// What one target's run left behind.
struct Outcome {
    target: &'static str,
    runs: Option<u64>,
    crashes: Vec<PathBuf>,
    success: bool,
}

/// Parses the arguments after `fuzz` and runs every target.
pub fn run(args: &[String]) -> Result<ExitCode> {
    let seconds = parse_seconds(args)?;
    let root = workspace_root();
    let fuzz_dir = root.join("fuzz");
    ensure_cargo_fuzz()?;

    let mut outcomes = Vec::new();
    for &target in TARGETS {
        println!("==> xtask fuzz: {target} for {seconds} s");
        outcomes.push(run_target(&fuzz_dir, target, seconds)?);
    }

    println!("==> xtask fuzz: summary");
    let mut failed = false;
    for outcome in &outcomes {
        let runs = outcome
            .runs
            .map_or_else(|| "unknown".to_owned(), |n| n.to_string());
        let corpus = count_files(&fuzz_dir.join("corpus").join(outcome.target));
        if outcome.success && outcome.crashes.is_empty() {
            println!(
                "    {}: ok, {runs} executions, corpus of {corpus} inputs",
                outcome.target
            );
        } else {
            failed = true;
            println!("    {}: FAILED after {runs} executions", outcome.target);
            for crash in &outcome.crashes {
                println!(
                    "      crash input: {} (reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz -a {} {})",
                    crash.display(),
                    outcome.target,
                    crash.display()
                );
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn parse_seconds(args: &[String]) -> Result<u64> {
    match args {
        [] => Ok(DEFAULT_SECONDS),
        [flag, value] if flag == "--seconds" => match value.parse::<u64>() {
            Ok(0) | Err(_) => bail!("--seconds must be a whole number above 0, got {value:?}"),
            Ok(n) => Ok(n),
        },
        _ => bail!("fuzz takes only --seconds N"),
    }
}

/// Installs cargo-fuzz unless `cargo fuzz --version` already works.
fn ensure_cargo_fuzz() -> Result<()> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    println!("==> xtask fuzz: installing cargo-fuzz (once)");
    let status = Command::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .context("starting `cargo install cargo-fuzz`")?;
    if !status.success() {
        bail!("`cargo install cargo-fuzz --locked` failed ({status})");
    }
    Ok(())
}

fn run_target(fuzz_dir: &Path, target: &'static str, seconds: u64) -> Result<Outcome> {
    let corpus = fuzz_dir.join("corpus").join(target);
    let seeds = fuzz_dir.join("seeds").join(target);
    let artifacts = fuzz_dir.join("artifacts").join(target);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    if !seeds.is_dir() {
        bail!("no seed directory {}", seeds.display());
    }
    let before = list_files(&artifacts);

    let mut child = Command::new("cargo")
        .arg("fuzz")
        .arg("run")
        .arg("--fuzz-dir")
        .arg(fuzz_dir)
        .arg("--target-dir")
        .arg(fuzz_dir.join("target"))
        .arg("--release")
        .arg("--debug-assertions")
        .arg(target)
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
        .arg("-print_final_stats=1")
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(fuzz_dir)
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting `cargo fuzz run {target}`"))?;

    // libFuzzer reports on stderr: pass it through, keeping what we need.
    let mut runs = None;
    let mut written = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line.context("reading the fuzzer's output")?;
            eprintln!("{line}");
            if let Some(n) = done_runs(&line) {
                runs = Some(n);
            } else if let Some(n) = stat_runs(&line) {
                runs = Some(n);
            }
            if let Some(path) = line.split("Test unit written to ").nth(1) {
                written.push(PathBuf::from(path.trim()));
            }
        }
    }
    let status = child.wait().context("waiting for cargo fuzz")?;

    let mut crashes = written;
    for path in list_files(&artifacts) {
        if !before.contains(&path) && !crashes.contains(&path) {
            crashes.push(path);
        }
    }
    Ok(Outcome {
        target,
        runs,
        crashes,
        success: status.success(),
    })
}

/// `Done 729523 runs in 21 second(s)`.
fn done_runs(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("Done ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// `stat::number_of_executed_units: 729523` (from `-print_final_stats=1`).
fn stat_runs(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("stat::number_of_executed_units:")?;
    rest.trim().parse().ok()
}

fn list_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn count_files(dir: &Path) -> usize {
    list_files(dir).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_default_and_flag() {
        assert_eq!(parse_seconds(&[]).unwrap(), DEFAULT_SECONDS);
        let args = ["--seconds".to_owned(), "5".to_owned()];
        assert_eq!(parse_seconds(&args).unwrap(), 5);
        for bad in [
            &["--seconds", "0"][..],
            &["--seconds", "x"],
            &["--secs", "5"],
            &["5"],
        ] {
            let args: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
            assert!(parse_seconds(&args).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reads_execution_counts_from_libfuzzer_output() {
        assert_eq!(done_runs("Done 729523 runs in 21 second(s)"), Some(729_523));
        assert_eq!(
            stat_runs("stat::number_of_executed_units: 208227"),
            Some(208_227)
        );
        assert_eq!(done_runs("#2 INITED cov: 12"), None);
    }
}
