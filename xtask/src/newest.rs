//! `cargo xtask newest-deps`: the workspace builds warning-free with the
//! newest dependencies its version requirements allow, not only with
//! `Cargo.lock`.
//!
//! A user who adds the facade to their own project gets a fresh resolve, so
//! a deprecation in a new patch release of a dependency (rustls 0.23.48
//! deprecated ring's provider) reaches them before it reaches our lock file.
//! This copies the workspace to a temporary directory, runs `cargo update`
//! there (the checkout's lock file is never touched) and runs CI's clippy
//! gate ([`crate::ci::CLIPPY`]) on it. The copy builds in its own
//! target directory under `target/` so a second run is incremental and the
//! main build's artifacts are not replaced by other versions.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::workspace_root;

/// Top-level entries that are build output or VCS state, not sources.
const SKIP: &[&str] = &["target", ".git"];

/// Entry point of `cargo xtask newest-deps`.
pub fn run() -> Result<ExitCode> {
    let root = workspace_root();
    let copy = tempfile::Builder::new()
        .prefix("xtask-newest-deps-")
        .tempdir()
        .context("creating a temporary directory")?;
    copy_sources(&root, copy.path())?;

    println!("newest-deps: cargo update in a copy of the workspace");
    let status = Command::new(env!("CARGO"))
        .args(["update"])
        .current_dir(copy.path())
        .status()
        .context("starting cargo update")?;
    if !status.success() {
        bail!(
            "cargo update failed ({status}): it needs crates.io; offline, run this step where the registry is reachable"
        );
    }
    let changed = Command::new("diff")
        .arg("-u")
        .arg(root.join("Cargo.lock"))
        .arg(copy.path().join("Cargo.lock"))
        .output()
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|line| line.starts_with("+version"))
                .count()
        })
        .unwrap_or(0);
    println!("newest-deps: {changed} locked versions differ from Cargo.lock");

    let target = root.join("target").join("newest-deps");
    let status = Command::new(env!("CARGO"))
        .args(crate::ci::CLIPPY)
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(copy.path())
        .status()
        .context("starting cargo clippy")?;
    if !status.success() {
        eprintln!(
            "newest-deps: the workspace does not build warning-free with the newest compatible dependencies; \
             `cargo update` here shows the same, fix the code (or pin the dependency, saying why)"
        );
        return Ok(ExitCode::FAILURE);
    }
    println!("newest-deps: clean with the newest compatible dependencies");
    Ok(ExitCode::SUCCESS)
}

/// Copies the workspace's files, without build output, VCS state and any
/// nested `target/` (the fuzz project has its own).
fn copy_sources(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if SKIP.iter().any(|skip| name == *skip) {
            continue;
        }
        let kind = entry.file_type()?;
        let dest = to.join(&name);
        if kind.is_dir() {
            std::fs::create_dir_all(&dest)?;
            copy_sources(&entry.path(), &dest)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
        // Symlinks are skipped: the sources have none, and following one
        // could copy a whole tree from elsewhere.
    }
    Ok(())
}
