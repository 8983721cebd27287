//! A Python venv under `target/` holding the official Huawei Cloud SDKs, for
//! the checks that compare us with them (signing vectors, simulator interop).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::workspace_root;

/// The official SDK packages, pinned: our interop claims are about this version.
pub const PACKAGES: &[&str] = &[
    "huaweicloudsdkcore==3.1.219",
    "huaweicloudsdkworkspace==3.1.219",
];

/// Returns the venv's python, creating the venv and installing [`PACKAGES`] when needed.
///
/// Returns `Ok(None)` (after saying why) when this machine has no usable
/// `python3 -m venv` or pip, so callers can fall back to checked-in data.
/// Under CI (`CI` set) that is an error instead: CI must never skip interop.
pub fn venv() -> Result<Option<PathBuf>> {
    let dir = workspace_root().join("target/py-venv");
    let python = dir.join("bin/python");
    let stamp = dir.join("installed.txt");
    let wanted = PACKAGES.join("\n");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(Some(python));
    }
    match create(&dir, &python) {
        Ok(()) => {
            std::fs::write(&stamp, &wanted).context("writing the venv stamp")?;
            Ok(Some(python))
        }
        Err(err) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "xtask: no Python venv with the official SDK ({err:#}); skipping the live check"
            );
            Ok(None)
        }
        Err(err) => {
            Err(err
                .context("CI must run the interop checks: python3 with venv and pip is required"))
        }
    }
}

fn create(dir: &std::path::Path, python: &std::path::Path) -> Result<()> {
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(dir)).context("python3 -m venv")?;
    }
    run(Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(PACKAGES))
    .context("pip install of the official SDK")
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!("{:?} failed: {status}", cmd.get_program());
    }
    Ok(())
}
