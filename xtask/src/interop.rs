//! `cargo xtask interop`: the official Python SDK against our simulator.
//!
//! Builds and starts `workspace-sim` (port 0, 250 desktops), runs
//! `xtask/python/interop_sim.py` with huaweicloudsdkworkspace 3.1.219 pointed
//! at it, and checks what the official client got: every desktop exactly
//! once, in order, with the hours of the fleet formula (days and one hourly
//! page), and a 401 `APIG.0301` with a wrong SK. This proves our verifier
//! accepts what the official signer sends. The simulator is killed on every
//! path, and every wait is bounded.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use chrono::{Days, NaiveDate};
use huaweicloud_workspace_sim::Fleet;
use serde_json::Value;

use crate::workspace_root;

const DESKTOPS: usize = 250;
const SEED: u64 = 20_240_101;
const AK: &str = "INTEROPAK00000000001";
const SK: &str = "interop-secret-key-0123456789abcdefghij";
const PROJECT: &str = "5f1e0c6a9b8d4e2f8a7b6c5d4e3f2a1b";
const START: &str = "2024-01-01";
const END: &str = "2024-01-31";

/// Kills the child when dropped, so no path leaves the simulator running.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run() -> Result<ExitCode> {
    let Some(python) = crate::python::venv()? else {
        println!("xtask interop: skipped (no Python venv with the official SDK on this machine)");
        return Ok(ExitCode::SUCCESS);
    };
    let root = workspace_root();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
        .args([
            "build",
            "-p",
            "huaweicloud-workspace-sim",
            "--bin",
            "workspace-sim",
        ])
        .current_dir(&root)
        .status()
        .context("starting cargo build of workspace-sim")?;
    ensure!(
        status.success(),
        "cargo build of workspace-sim failed ({status})"
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("debug").join("workspace-sim");

    let mut sim = KillOnDrop(
        Command::new(&bin)
            .args(["--port", "0", "--desktops", &DESKTOPS.to_string()])
            .args(["--seed", &SEED.to_string(), "--ak", AK, "--sk", SK])
            .args(["--project-id", PROJECT])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?,
    );
    let stdout = sim.0.stdout.take().context("simulator stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next());
        // Keep draining so the simulator never blocks on a full pipe.
        for _ in lines {}
    });
    let base_url = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Some(Ok(line))) => line.trim().to_string(),
        Ok(other) => bail!("workspace-sim printed no base URL: {other:?}"),
        Err(_) => bail!("workspace-sim printed no base URL within 60 s"),
    };
    ensure!(
        base_url.starts_with("http://127.0.0.1:"),
        "unexpected first line from workspace-sim: {base_url:?}"
    );
    println!("xtask interop: workspace-sim at {base_url}");

    let script = root.join("xtask/python/interop_sim.py");
    let output = run_bounded(
        Command::new(&python)
            .arg(&script)
            .args([base_url.as_str(), AK, SK, PROJECT, START, END]),
        Duration::from_secs(180),
    )?;
    drop(sim);

    let got: Value = serde_json::from_str(&output).with_context(|| {
        format!(
            "the interop script printed no JSON: {}",
            output.chars().take(500).collect::<String>()
        )
    })?;
    check(&got)?;
    println!(
        "xtask interop: the official Python SDK paged through {DESKTOPS} desktops, each once with the right hours; a wrong SK got 401"
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs a command with piped stdout, killing it after `limit`; returns its stdout.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<String> {
    let mut child = KillOnDrop(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the interop script")?,
    );
    let mut stdout = child.0.stdout.take().context("script stdout")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.0.try_wait().context("waiting for the script")? {
            break status;
        }
        if Instant::now() >= deadline {
            bail!(
                "the interop script did not finish within {} s",
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = match reader.join() {
        Ok(r) => r.context("reading the script's output")?,
        Err(_) => bail!("the thread reading the script's output panicked"),
    };
    ensure!(status.success(), "the interop script failed ({status})");
    Ok(text)
}

/// Hundredths from the text the official client gives (`"5.47"`, `"0"`, `"12.6"`).
fn hundredths(v: &Value) -> Result<u64> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => bail!("use_time is {other}"),
    };
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    ensure!(
        frac.len() <= 2,
        "use_time {text:?} has more than two decimals"
    );
    let whole: u64 = whole
        .parse()
        .with_context(|| format!("use_time {text:?}"))?;
    let frac: u64 = format!("{frac:0<2}")
        .parse()
        .with_context(|| format!("use_time {text:?}"))?;
    Ok(whole * 100 + frac)
}

fn check(got: &Value) -> Result<()> {
    let fleet = Fleet::new(SEED, DESKTOPS);
    let start = NaiveDate::parse_from_str(START, "%Y-%m-%d")?;
    let end = NaiveDate::parse_from_str(END, "%Y-%m-%d")?;
    let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();

    let totals = got["totals"].as_array().context("totals")?;
    ensure!(!totals.is_empty(), "no pages fetched");
    for t in totals {
        ensure!(
            t.as_u64() == Some(DESKTOPS as u64),
            "total_count {t}, expected {DESKTOPS}"
        );
    }
    let desktops = got["desktops"].as_array().context("desktops")?;
    let ids: Vec<&str> = desktops
        .iter()
        .map(|d| d["desktop_id"].as_str().unwrap_or(""))
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    ensure!(
        unique.len() == ids.len(),
        "{} desktops came more than once",
        ids.len() - unique.len()
    );
    ensure!(
        ids.len() == DESKTOPS,
        "got {} desktops, expected {DESKTOPS}",
        ids.len()
    );
    for (i, (d, spec)) in desktops.iter().zip(fleet.desktops()).enumerate() {
        ensure!(
            d["desktop_id"] == spec.id.as_str(),
            "desktop {i}: {} instead of {}",
            d["desktop_id"],
            spec.id
        );
        ensure!(
            d["desktop_username"].as_str() == spec.username.as_deref(),
            "desktop {}: user {} instead of {:?}",
            spec.id,
            d["desktop_username"],
            spec.username
        );
        let periods = d["used_info_list"].as_array().context("used_info_list")?;
        ensure!(
            periods.len() == days.len(),
            "desktop {}: {} days",
            spec.id,
            periods.len()
        );
        for (p, day) in periods.iter().zip(&days) {
            let date = day.format("%Y-%m-%d").to_string();
            ensure!(
                p["date"] == date.as_str(),
                "desktop {}: date {}",
                spec.id,
                p["date"]
            );
            let want = fleet.daily_hundredths(i, *day);
            let have = hundredths(&p["use_time"])?;
            ensure!(
                have == want,
                "desktop {} on {date}: {have} hundredths instead of {want}",
                spec.id
            );
        }
    }

    let hourly = got["hourly"].as_array().context("hourly")?;
    ensure!(
        hourly.len() == 2,
        "hourly page has {} desktops",
        hourly.len()
    );
    for (i, d) in hourly.iter().enumerate() {
        ensure!(
            d["desktop_id"] == fleet.desktops()[i].id.as_str(),
            "hourly desktop {i}"
        );
        let periods = d["used_info_list"]
            .as_array()
            .context("hourly used_info_list")?;
        ensure!(
            periods.len() == 24,
            "hourly desktop {i}: {} periods",
            periods.len()
        );
        for (h, p) in periods.iter().enumerate() {
            let hour = u32::try_from(h)?;
            let date = format!("{START} {hour:02}:00");
            ensure!(p["date"] == date.as_str(), "hourly period {}", p["date"]);
            let want = fleet.hourly_hundredths(i, start + Days::new(0), hour);
            ensure!(
                hundredths(&p["use_time"])? == want,
                "hourly {date} of desktop {i}"
            );
        }
    }

    let wrong = &got["wrong_sk"];
    ensure!(
        wrong["status_code"].as_u64() == Some(401) && wrong["error_code"] == "APIG.0301",
        "a wrong SK should get 401 APIG.0301, got {wrong}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_from_sdk_text() {
        let h = |s: &str| hundredths(&Value::String(s.to_string())).unwrap();
        assert_eq!(h("5.47"), 547);
        assert_eq!(h("0"), 0);
        assert_eq!(h("12.6"), 1260);
        assert_eq!(h("24.00"), 2400);
        assert!(hundredths(&Value::String("1.234".into())).is_err());
        assert!(hundredths(&Value::String("x".into())).is_err());
    }

    /// What a faithful run of the script prints, built from the fleet.
    fn faithful() -> Value {
        let fleet = Fleet::new(SEED, DESKTOPS);
        let start = NaiveDate::parse_from_str(START, "%Y-%m-%d").unwrap();
        let text = |h: u64| format!("{}.{:02}", h / 100, h % 100);
        let desktops: Vec<Value> = fleet
            .desktops()
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let periods: Vec<Value> = (0..31)
                    .map(|k| {
                        let day = start + Days::new(k);
                        serde_json::json!({"date": day.format("%Y-%m-%d").to_string(),
                            "use_time": text(fleet.daily_hundredths(i, day))})
                    })
                    .collect();
                serde_json::json!({"desktop_id": d.id, "desktop_username": d.username,
                    "used_info_list": periods})
            })
            .collect();
        let hourly: Vec<Value> = (0..2)
            .map(|i| {
                let periods: Vec<Value> = (0..24)
                    .map(|h| {
                        serde_json::json!({"date": format!("{START} {h:02}:00"),
                            "use_time": text(fleet.hourly_hundredths(i, start, h))})
                    })
                    .collect();
                serde_json::json!({"desktop_id": fleet.desktops()[i].id, "used_info_list": periods})
            })
            .collect();
        serde_json::json!({"totals": [250, 250, 250], "desktops": desktops, "hourly": hourly,
            "wrong_sk": {"status_code": 401, "error_code": "APIG.0301"}})
    }

    #[test]
    fn check_accepts_a_faithful_run_and_catches_each_deviation() {
        let good = faithful();
        check(&good).unwrap();

        let mut dup = good.clone();
        let first = dup["desktops"][0].clone();
        dup["desktops"][1] = first;
        assert!(
            check(&dup)
                .unwrap_err()
                .to_string()
                .contains("more than once")
        );

        let mut short = good.clone();
        short["desktops"].as_array_mut().unwrap().pop();
        assert!(check(&short).is_err());

        let mut hours = good.clone();
        let old = hundredths(&hours["desktops"][7]["used_info_list"][3]["use_time"]).unwrap();
        hours["desktops"][7]["used_info_list"][3]["use_time"] = format!("{}", old + 1).into();
        assert!(check(&hours).is_err());

        let mut hourly = good.clone();
        hourly["hourly"][1]["used_info_list"][5]["date"] = "2024-01-01 5:00".into();
        assert!(check(&hourly).is_err());

        let mut wrong = good.clone();
        wrong["wrong_sk"]["status_code"] = 200.into();
        assert!(check(&wrong).is_err());

        let mut total = good;
        total["totals"][1] = 249.into();
        assert!(check(&total).is_err());
    }
}
