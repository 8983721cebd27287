//! Section 4 of `cargo xtask bench`: decoding one page, the facade against
//! plain serde_json (criterion) and the official SDK (timed in Python).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::bench::bins::{env_or, target_dir};
use crate::bench::process::{Guard, drain};
use crate::bench::report::{Section, ratio};
use crate::bench::{SCRIPT, Settings};

pub(super) fn criterion_median_ns(root: &Path, bench: &str) -> Result<f64> {
    let path = target_dir(root).join(format!("criterion/decode_page/{bench}/new/estimates.json"));
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let v: Value = serde_json::from_str(&text).context("criterion's estimates.json")?;
    v["median"]["point_estimate"]
        .as_f64()
        .context("no median in criterion's estimates.json")
}

pub(super) fn decode_scenario(
    s: &Settings,
    python: Option<&Path>,
    root: &Path,
    out_dir: &Path,
) -> Result<Section> {
    let title = "4. Decode";
    eprintln!("xtask bench: {title}");
    let page = out_dir.join("decode-page.json");
    let mut cmd = Command::new(env_or("CARGO", "cargo"));
    cmd.current_dir(root)
        .args([
            "bench",
            "-p",
            "huaweicloud-workspace",
            "--bench",
            "decode",
            "--",
        ])
        .env("DECODE_PAGE_OUT", &page);
    if s.quick {
        cmd.arg("--quick");
    }
    let mut guard = Guard::spawn(cmd, "cargo bench (decode)")?;
    let status = guard.wait(Duration::from_secs(1200))?;
    if !status.success() {
        bail!("cargo bench --bench decode failed: {status}");
    }
    let bytes = std::fs::metadata(&page)
        .with_context(|| format!("{} was not written", page.display()))?
        .len() as f64;
    let facade = criterion_median_ns(root, "facade")? * 1e-9;
    let plain = criterion_median_ns(root, "serde_json")? * 1e-9;
    let official = match python {
        Some(python) => {
            let mut cmd = Command::new(python);
            cmd.arg(root.join(SCRIPT))
                .arg("decode")
                .arg(&page)
                .arg(if s.quick { "0.5" } else { "5" })
                .stdout(Stdio::piped());
            let mut guard = Guard::spawn(cmd, "official SDK decode")?;
            let out = drain(guard.child()?.stdout.take());
            let status = guard.wait(Duration::from_secs(300))?;
            if !status.success() {
                bail!("bench_official.py decode failed: {status}");
            }
            let text = out
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_default();
            let v: Value = serde_json::from_str(text.lines().last().unwrap_or(""))
                .context("bench_official.py decode's JSON")?;
            v["seconds_per_decode"].as_f64()
        }
        None => None,
    };
    let mbps = |t: f64| bytes / t / 1e6;
    let mut table = String::from(
        "| decoder | median per page | MB/s | vs plain serde_json |\n|---|---:|---:|---:|\n",
    );
    let mut row = |name: &str, t: f64| {
        let _ = writeln!(
            table,
            "| {name} | {:.3} ms | {:.1} | {} |",
            t * 1e3,
            mbps(t),
            ratio(t / plain)
        );
    };
    row(
        "plain `serde_json::from_slice` into the generated types",
        plain,
    );
    row("facade (checks + conversion into `DesktopUsage`)", facade);
    if let Some(t) = official {
        row("official Python SDK `deserialize()` (timed in Python)", t);
    }
    let findings = vec![format!(
        "Target: the facade within 1.15× of plain serde_json ({}: {}).",
        ratio(facade / plain),
        if facade / plain <= 1.15 {
            "met"
        } else {
            "missed"
        }
    )];
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "One 200 body of 100 desktops × 31 days (January 2024, per day), {:.0} bytes, laid out as the \
             simulator serves it (`crates/huaweicloud-workspace/benches/decode.rs`, criterion{}; \
             the official SDK decodes the same bytes, `xtask/python/bench_official.py decode`). \
             MB/s = 10⁶ bytes per second.",
            bytes,
            if s.quick { " --quick" } else { "" }
        ),
        table,
        findings,
    })
}
