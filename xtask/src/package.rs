//! `cargo xtask package`: the library crates and the command-line tool
//! package and build as they would be published.
//!
//! They depend on each other and none is on crates.io yet, so they are
//! packaged in one `cargo package` call (`cargo package -p desktop-usage`
//! alone cannot resolve the libraries until they are published): cargo orders them by dependency and
//! verifies each one by building the extracted `.crate` against the others'
//! freshly made packages (a local overlay registry), not against the
//! checkout. `--allow-dirty` because this runs in working trees with
//! uncommitted changes; what is checked is the packages' content, not the
//! VCS state.

use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

use crate::workspace_root;

/// The crates meant for crates.io, in dependency order (cargo sorts them
/// anyway; the order is for the reader).
pub const PUBLISHED_CRATES: &[&str] = &[
    "huaweicloud-signer",
    "huaweicloud-workspace-api",
    "huaweicloud-workspace-sim",
    "huaweicloud-workspace",
    "desktop-usage",
];

/// A package bigger than this has picked up something it should not ship
/// (tests, fixtures, benches, target output).
const MAX_CRATE_BYTES: u64 = 512 * 1024;

/// Removes the copies of our crates that an earlier `cargo package`
/// extracted from its temporary registry. Cargo keeps those under
/// `$CARGO_HOME/registry/src/-<hash>/` and reuses them when the version has
/// not changed, so without this the verification builds the sources of the
/// previous run, not this checkout's.
fn forget_earlier_packages() -> Result<()> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(home) => std::path::PathBuf::from(home),
        None => match std::env::var_os("HOME") {
            Some(home) => std::path::PathBuf::from(home).join(".cargo"),
            None => return Ok(()),
        },
    };
    let Ok(registries) = std::fs::read_dir(home.join("registry").join("src")) else {
        return Ok(());
    };
    let version = env!("CARGO_PKG_VERSION");
    for registry in registries.flatten() {
        // crates.io's is `index.crates.io-<hash>`; the temporary ones have no name.
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for name in PUBLISHED_CRATES {
            let extracted = registry.path().join(format!("{name}-{version}"));
            if extracted.exists() {
                std::fs::remove_dir_all(&extracted)
                    .with_context(|| format!("removing {}", extracted.display()))?;
            }
        }
    }
    Ok(())
}

/// Entry point of `cargo xtask package`.
pub fn run() -> Result<ExitCode> {
    let root = workspace_root();
    forget_earlier_packages()?;
    let mut cmd = Command::new(env!("CARGO"));
    cmd.arg("package").arg("--allow-dirty");
    for name in PUBLISHED_CRATES {
        cmd.arg("-p").arg(name);
    }
    let status = cmd
        .current_dir(&root)
        .status()
        .context("starting cargo package")?;
    if !status.success() {
        eprintln!("package: cargo package failed");
        return Ok(ExitCode::FAILURE);
    }

    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let version = env!("CARGO_PKG_VERSION");
    let mut too_big = false;
    for name in PUBLISHED_CRATES {
        let file = target_dir
            .join("package")
            .join(format!("{name}-{version}.crate"));
        let bytes = std::fs::metadata(&file)
            .with_context(|| format!("reading {}", file.display()))?
            .len();
        println!(
            "package: {name}-{version}.crate {} KiB",
            bytes.div_ceil(1024)
        );
        if bytes > MAX_CRATE_BYTES {
            eprintln!(
                "package: {name} is {bytes} bytes, over {MAX_CRATE_BYTES}: check its `include` list"
            );
            too_big = true;
        }
    }
    Ok(if too_big {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
