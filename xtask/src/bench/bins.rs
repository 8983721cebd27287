//! The release build the bench measures, and where its binaries are.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

pub(super) fn build(root: &Path) -> Result<()> {
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
pub(super) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(PathBuf::from(dir)))
}

pub(super) fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

pub(super) struct Bins {
    pub(super) sim: PathBuf,
    pub(super) cli: PathBuf,
    pub(super) facade: PathBuf,
}

impl Bins {
    pub(super) fn locate(root: &Path) -> Result<Bins> {
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
