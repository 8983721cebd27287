//! `cargo xtask release-size`: the binary `cargo install` gives is built
//! with the release profile and checked for what the profile promises: no
//! debug info, symbols stripped, and a size the README can quote.

use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

use crate::workspace_root;

/// Over this, something large came in (the tool was 57 MB with line
/// tables; stripped it is under 10 MiB).
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Sections a binary with debug info or a symbol table has; a stripped one
/// has none of them. (The names alone are no test: std's backtrace code
/// holds them as strings, to look the sections up.)
const UNSTRIPPED: [&str; 3] = [".debug_info", ".debug_line", ".symtab"];

/// Entry point of `cargo xtask release-size`.
pub fn run() -> Result<ExitCode> {
    let root = workspace_root();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--locked", "-p", "desktop-usage"])
        .current_dir(&root)
        .status()
        .context("starting cargo build --release")?;
    if !status.success() {
        eprintln!("release-size: cargo build --release failed ({status})");
        return Ok(ExitCode::FAILURE);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("release").join("desktop-usage");
    let size = std::fs::metadata(&binary)
        .with_context(|| format!("reading {}", binary.display()))?
        .len();
    let mib = size as f64 / (1024.0 * 1024.0);
    println!(
        "release-size: {} is {size} bytes ({mib:.1} MiB)",
        binary.display()
    );
    // binutils' readelf lists the section headers (binutils comes with gcc,
    // which the build needs anyway).
    let sections = Command::new("readelf")
        .args(["--section-headers", "--wide"])
        .arg(&binary)
        .output()
        .context("running readelf (Debian's binutils)")?;
    if !sections.status.success() {
        eprintln!("release-size: readelf failed ({})", sections.status);
        return Ok(ExitCode::FAILURE);
    }
    let listing = String::from_utf8_lossy(&sections.stdout);
    let mut ok = true;
    for name in UNSTRIPPED {
        if listing.split_whitespace().any(|word| word == name) {
            eprintln!(
                "release-size: the binary has a {name} section: the release profile should strip it"
            );
            ok = false;
        }
    }
    if size > MAX_BYTES {
        eprintln!(
            "release-size: over {MAX_BYTES} bytes: what made it grow? (and the README quotes the size)"
        );
        ok = false;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
