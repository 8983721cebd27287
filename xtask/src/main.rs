//! Project automation, run as `cargo xtask <command>`.
//!
//! What it is for: regenerating the low-level client from the OpenAPI spec,
//! checking that the checked-in generated code has not drifted, and running
//! every gate CI runs, in CI's order. What it is not for: anything a user of
//! the SDK needs; it is never published.

mod bench;
mod ci;
mod codegen;
mod fuzz;
mod interop;
mod newest;
mod package;
mod profiles;
mod python;
mod readme_check;
mod release;
mod vectors;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--check]   regenerate the generated client from openapi/ (--check: fail on drift)
  vectors [--check]   sign the test cases with the official SDK into
                      crates/huaweicloud-signer/tests/vectors.json (--check: fail on difference,
                      and compare profile-file reading with the official reader)
  interop             the official Python SDK against a running workspace-sim
  bench [--quick]     benchmarks against the official SDK and the floor; writes BENCHMARKS.md
                      (--quick: small fleet, one run, to target/bench/BENCHMARKS.quick.md)
  bench --section N   one section only (5: the exports, 8: the metric operations, 9: the
                      connection records), printed, BENCHMARKS.md untouched (5 reads
                      XTASK_BENCH_BASELINE=<older desktop-usage>)
  readme-check        build the README's [dependencies] block and library examples as pasted
  package             cargo package the library crates and the CLI together (verified by
                      building them)
  release-size        build the CLI as `cargo install` does; fail on debug info, symbols, > 16 MiB
  newest-deps         clippy -D warnings on a copy of the workspace after `cargo update`
                      (the newest compatible dependencies, as a fresh resolve gets them)
  ci                  run every gate CI runs, in order, stopping at the first failure
  fuzz [--seconds N]  run each fuzz target in fuzz/ for N seconds (default 30); fails on a crash
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    let (cmd, rest) = match args.split_first() {
        Some((cmd, rest)) => (cmd.as_str(), rest),
        None => {
            eprint!("{USAGE}");
            return Ok(ExitCode::from(2));
        }
    };
    match cmd {
        "codegen" => match rest {
            [] => codegen::write().map(|()| ExitCode::SUCCESS),
            [flag] if flag == "--check" => codegen::check(),
            _ => bail!("codegen takes only --check\n{USAGE}"),
        },
        "bench" => match rest {
            [] => bench::run(false),
            [flag] if flag == "--quick" => bench::run(true),
            [flag, n] if flag == "--section" && n == "5" => bench::run_exports_only(),
            [flag, n] if flag == "--section" && n == "8" => bench::run_metrics_only(),
            [flag, n] if flag == "--section" && n == "9" => bench::run_records_only(),
            _ => bail!("bench takes --quick, --section 5, 8 or 9\n{USAGE}"),
        },
        "vectors" => match rest {
            [] => vectors::write().map(|()| ExitCode::SUCCESS),
            [flag] if flag == "--check" => vectors::check(),
            _ => bail!("vectors takes only --check\n{USAGE}"),
        },
        "interop" => {
            if !rest.is_empty() {
                bail!("interop takes no arguments\n{USAGE}");
            }
            interop::run()
        }
        "readme-check" => {
            if !rest.is_empty() {
                bail!("readme-check takes no arguments\n{USAGE}");
            }
            readme_check::run()
        }
        "package" => {
            if !rest.is_empty() {
                bail!("package takes no arguments\n{USAGE}");
            }
            package::run()
        }
        "release-size" => {
            if !rest.is_empty() {
                bail!("release-size takes no arguments\n{USAGE}");
            }
            release::run()
        }
        "newest-deps" => {
            if !rest.is_empty() {
                bail!("newest-deps takes no arguments\n{USAGE}");
            }
            newest::run()
        }
        "ci" => {
            if !rest.is_empty() {
                bail!("ci takes no arguments\n{USAGE}");
            }
            ci::run()
        }
        "fuzz" => fuzz::run(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
