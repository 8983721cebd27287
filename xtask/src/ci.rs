//! `cargo xtask ci`: every gate CI runs, in order.

use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

use crate::workspace_root;

/// One gate: a name to print and a command to run from the workspace root.
struct Step {
    name: &'static str,
    program: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

/// The clippy gate: every target and feature, warnings denied, with
/// incompatible_msrv (the MSRV check). `newest-deps` runs the same one.
pub const CLIPPY: &[&str] = &[
    "clippy",
    "--workspace",
    "--all-targets",
    "--all-features",
    "--",
    "-D",
    "warnings",
    "-D",
    "clippy::incompatible_msrv",
];

const STEPS: &[Step] = &[
    Step {
        name: "codegen --check",
        program: "cargo",
        args: &["xtask", "codegen", "--check"],
        env: &[],
    },
    Step {
        name: "signing vectors (official SDK)",
        program: "cargo",
        args: &["xtask", "vectors", "--check"],
        env: &[],
    },
    Step {
        name: "fmt --check",
        program: "cargo",
        args: &["fmt", "--all", "--check"],
        env: &[],
    },
    Step {
        // Also the MSRV check: clippy's incompatible_msrv lint reads
        // `rust-version` and flags any standard-library API stabilized after
        // it (no older toolchain can be installed to build with).
        name: "clippy (with incompatible_msrv: the MSRV check)",
        program: "cargo",
        args: CLIPPY,
        env: &[],
    },
    Step {
        name: "test",
        program: "cargo",
        args: &["test", "--workspace", "--all-features"],
        env: &[],
    },
    // `--all-features` above runs the TLS tests with native-tls (it wins
    // when several backends are on); these run them with each rustls backend.
    Step {
        name: "tls tests, rustls with ring (the default backend)",
        program: "cargo",
        args: &[
            "test",
            "-p",
            "integration-tests",
            "--test",
            "tls",
            "--test",
            "bad_input",
        ],
        env: &[],
    },
    Step {
        name: "tls tests, rustls with aws-lc-rs",
        program: "cargo",
        args: &[
            "test",
            "-p",
            "integration-tests",
            "--test",
            "tls",
            "--test",
            "bad_input",
            "--features",
            "huaweicloud-workspace/rustls-aws-lc",
        ],
        env: &[],
    },
    Step {
        name: "readme-check (the README's dependencies and examples build as pasted)",
        program: "cargo",
        args: &["xtask", "readme-check"],
        env: &[],
    },
    Step {
        name: "package (the library crates and the CLI, together)",
        program: "cargo",
        args: &["xtask", "package"],
        env: &[],
    },
    Step {
        name: "release-size (stripped, no debug info, at most 16 MiB)",
        program: "cargo",
        args: &["xtask", "release-size"],
        env: &[],
    },
    Step {
        name: "newest-deps (clippy after `cargo update`, in a copy)",
        program: "cargo",
        args: &["xtask", "newest-deps"],
        env: &[],
    },
    Step {
        name: "interop (official Python SDK)",
        program: "cargo",
        args: &["xtask", "interop"],
        env: &[],
    },
    Step {
        name: "doc",
        program: "cargo",
        args: &["doc", "--workspace", "--no-deps", "--all-features"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
    },
];

pub fn run() -> Result<ExitCode> {
    let root = workspace_root();
    for step in STEPS {
        println!("==> xtask ci: {}", step.name);
        let status = Command::new(step.program)
            .args(step.args)
            .envs(step.env.iter().copied())
            .current_dir(&root)
            .status()
            .with_context(|| format!("starting `{} {}`", step.program, step.args.join(" ")))?;
        if !status.success() {
            eprintln!("==> xtask ci: step `{}` failed ({status})", step.name);
            let code = status.code().unwrap_or(1).clamp(1, 255);
            return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
        }
    }
    println!("==> xtask ci: all steps passed");
    Ok(ExitCode::SUCCESS)
}
