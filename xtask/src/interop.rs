//! `cargo xtask interop`: the official Python SDK against our simulator.
//!
//! Builds and starts `workspace-sim` (port 0, 250 desktops), runs
//! `xtask/python/interop_sim.py` with huaweicloudsdkworkspace 3.1.219 pointed
//! at it, and checks what the official client got: every desktop exactly
//! once, in order, with the hours of the fleet formula (days and one hourly
//! page), and a 401 `APIG.0301` with a wrong SK. It then checks the
//! successors and the desktop list through the official client: the desktop
//! and user usage metrics over 30 whole days, paged to the end, give every
//! desktop and user once with exactly the seconds (and trailing idle days)
//! that the per-day answers of the same days add up to, and the desktop list
//! names every desktop once. This proves our verifier accepts what the
//! official signer sends, query strings included. The simulator is killed on every
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
/// The simulator's today: the metric window must lie within its latest 180 days.
const TODAY: &str = "2024-03-01";
/// Thirty whole days (January 1 to 30), the most a user-metric query takes.
const METRIC_START: &str = "2024-01-01T00:00:00Z";
const METRIC_END: &str = "2024-01-30T23:59:59Z";
const METRIC_DAYS: usize = 30;

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
            .args(["--project-id", PROJECT, "--today", TODAY])
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
            .args([base_url.as_str(), AK, SK, PROJECT, START, END])
            .args([METRIC_START, METRIC_END]),
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
        "xtask interop: the official Python SDK paged through {DESKTOPS} desktops, each once with the right hours; desktop and user metrics over {METRIC_DAYS} days agree with them; the desktop list names each desktop once; a wrong SK got 401"
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

    check_metrics(got)?;

    let wrong = &got["wrong_sk"];
    ensure!(
        wrong["status_code"].as_u64() == Some(401) && wrong["error_code"] == "APIG.0301",
        "a wrong SK should get 401 APIG.0301, got {wrong}"
    );
    Ok(())
}

/// A whole number of seconds (or a count) from the official client's float.
fn whole(v: &Value, what: &str) -> Result<u64> {
    let f = v.as_f64().with_context(|| format!("{what} is {v}"))?;
    ensure!(
        f >= 0.0 && f.fract() == 0.0 && f < 9.0e15,
        "{what} is {f}, not a whole number"
    );
    Ok(f as u64)
}

/// Each id once, and exactly the expected set.
fn once_each<'a>(
    ids: impl Iterator<Item = &'a str>,
    want: &HashSet<&str>,
    what: &str,
) -> Result<()> {
    let ids: Vec<&str> = ids.collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    ensure!(
        unique.len() == ids.len(),
        "{what}: {} came more than once",
        ids.len() - unique.len()
    );
    ensure!(
        &unique == want,
        "{what}: got {} of {} expected",
        unique.len(),
        want.len()
    );
    Ok(())
}

/// The metrics and the desktop list against the per-day answers the same run got.
fn check_metrics(got: &Value) -> Result<()> {
    let m = &got["metrics"];
    let start =
        chrono::DateTime::parse_from_rfc3339(m["window"]["start_time"].as_str().unwrap_or(""))
            .context("metric window start")?;
    let end = chrono::DateTime::parse_from_rfc3339(m["window"]["end_time"].as_str().unwrap_or(""))
        .context("metric window end")?;
    ensure!(
        end - start <= chrono::Duration::days(30),
        "the user window is longer than 30 days"
    );

    // From the per-day answers: hundredths of the first METRIC_DAYS days, per desktop.
    let mut per_desktop = std::collections::HashMap::new();
    let mut per_user: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for d in got["desktops"].as_array().context("desktops")? {
        let days: Vec<u64> = d["used_info_list"]
            .as_array()
            .context("used_info_list")?
            .iter()
            .take(METRIC_DAYS)
            .map(|p| hundredths(&p["use_time"]))
            .collect::<Result<_>>()?;
        let id = d["desktop_id"].as_str().context("desktop_id")?;
        if let Some(u) = d["desktop_username"].as_str() {
            *per_user.entry(u).or_default() += days.iter().sum::<u64>() * 36;
        }
        per_desktop.insert(id, days);
    }
    let ids: HashSet<&str> = per_desktop.keys().copied().collect();

    let items = m["desktops"].as_array().context("metric desktops")?;
    once_each(
        items
            .iter()
            .map(|d| d["resource_id"].as_str().unwrap_or("")),
        &ids,
        "desktop metrics",
    )?;
    for c in m["desktop_counts"].as_array().context("desktop_counts")? {
        ensure!(
            c.as_u64() == Some(ids.len() as u64),
            "desktop metric count {c}"
        );
    }
    for d in items {
        let id = d["resource_id"].as_str().unwrap_or("");
        let days = &per_desktop[id];
        let usage = whole(&d["metric"]["desktop_usage"], "desktop_usage")?;
        let want = days.iter().sum::<u64>() * 36;
        ensure!(
            usage == want,
            "desktop {id}: {usage} s of use, the per-day answers add up to {want}"
        );
        let idle = whole(
            &d["metric"]["desktop_idle_duration"],
            "desktop_idle_duration",
        )?;
        let trailing = days.iter().rev().take_while(|h| **h == 0).count() as u64;
        ensure!(
            idle == trailing * 86_400,
            "desktop {id}: idle {idle} s, {trailing} idle days at the end"
        );
    }

    let users = m["users"].as_array().context("metric users")?;
    let names: HashSet<&str> = per_user.keys().copied().collect();
    once_each(
        users.iter().map(|u| u["username"].as_str().unwrap_or("")),
        &names,
        "user metrics",
    )?;
    for c in m["user_counts"].as_array().context("user_counts")? {
        ensure!(
            c.as_u64() == Some(names.len() as u64),
            "user metric count {c}"
        );
    }
    for u in users {
        let name = u["username"].as_str().unwrap_or("");
        let usage = whole(&u["metric"]["user_usage"], "user_usage")?;
        ensure!(
            usage == per_user[name],
            "user {name}: {usage} s, the per-day answers add up to {}",
            per_user[name]
        );
        let count = whole(&u["metric"]["user_login_count"], "user_login_count")?;
        let ok = whole(
            &u["metric"]["user_login_success_count"],
            "user_login_success_count",
        )?;
        let fail = whole(
            &u["metric"]["user_login_fail_count"],
            "user_login_fail_count",
        )?;
        ensure!(
            count == ok + fail,
            "user {name}: {count} logins, {ok} + {fail}"
        );
    }

    let fleet = Fleet::new(SEED, DESKTOPS);
    let inventory = m["inventory"].as_array().context("inventory")?;
    once_each(
        inventory
            .iter()
            .map(|d| d["desktop_id"].as_str().unwrap_or("")),
        &ids,
        "desktop list",
    )?;
    for t in m["inventory_totals"]
        .as_array()
        .context("inventory_totals")?
    {
        ensure!(
            t.as_u64() == Some(DESKTOPS as u64),
            "desktop list total_count {t}"
        );
    }
    for d in inventory {
        let id = d["desktop_id"].as_str().unwrap_or("");
        let i = fleet
            .index_of(id)
            .with_context(|| format!("unknown desktop {id}"))?;
        ensure!(
            d["computer_name"].as_str() == fleet.computer_name(i),
            "desktop {id}: named {}",
            d["computer_name"]
        );
        ensure!(
            d["user_name"].as_str() == fleet.desktops()[i].username.as_deref(),
            "desktop {id}: user {}",
            d["user_name"]
        );
    }
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
        let mut users: std::collections::BTreeMap<String, u64> = Default::default();
        let metric_desktops: Vec<Value> = fleet
            .desktops()
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let days: Vec<u64> = (0..METRIC_DAYS as u64)
                    .map(|k| fleet.daily_hundredths(i, start + Days::new(k)))
                    .collect();
                let usage = days.iter().sum::<u64>() * 36;
                if let Some(u) = &d.username {
                    *users.entry(u.clone()).or_default() += usage;
                }
                let idle = days.iter().rev().take_while(|h| **h == 0).count() as u64 * 86_400;
                serde_json::json!({"resource_id": d.id,
                    "metric": {"desktop_usage": usage as f64, "desktop_idle_duration": idle as f64}})
            })
            .collect();
        let users: Vec<Value> = users
            .into_iter()
            .map(|(u, usage)| {
                serde_json::json!({"username": u, "metric": {"user_usage": usage as f64,
                    "user_login_count": 3.0, "user_login_success_count": 2.0,
                    "user_login_fail_count": 1.0}})
            })
            .collect();
        let inventory: Vec<Value> = fleet
            .desktops()
            .iter()
            .enumerate()
            .map(|(i, d)| {
                serde_json::json!({"desktop_id": d.id, "computer_name": fleet.computer_name(i),
                    "user_name": d.username})
            })
            .collect();
        let metrics = serde_json::json!({
            "window": {"start_time": METRIC_START, "end_time": METRIC_END},
            "desktop_counts": [250, 250, 250], "desktops": metric_desktops,
            "user_counts": [users.len()], "users": users,
            "inventory_totals": [250, 250, 250], "inventory": inventory,
        });
        serde_json::json!({"totals": [250, 250, 250], "desktops": desktops, "hourly": hourly,
            "metrics": metrics, "wrong_sk": {"status_code": 401, "error_code": "APIG.0301"}})
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

        let mut total = good.clone();
        total["totals"][1] = 249.into();
        assert!(check(&total).is_err());

        let mut usage = good.clone();
        let old = usage["metrics"]["desktops"][4]["metric"]["desktop_usage"]
            .as_f64()
            .unwrap();
        usage["metrics"]["desktops"][4]["metric"]["desktop_usage"] = (old + 36.0).into();
        assert!(check(&usage).unwrap_err().to_string().contains("add up to"));

        let mut idle = good.clone();
        idle["metrics"]["desktops"][0]["metric"]["desktop_idle_duration"] = 1.5.into();
        assert!(check(&idle).is_err());

        let mut user = good.clone();
        let old = user["metrics"]["users"][2]["metric"]["user_usage"]
            .as_f64()
            .unwrap();
        user["metrics"]["users"][2]["metric"]["user_usage"] = (old + 1.0).into();
        assert!(check(&user).is_err());

        let mut logins = good.clone();
        logins["metrics"]["users"][0]["metric"]["user_login_count"] = 4.0.into();
        assert!(check(&logins).is_err());

        let mut twice = good.clone();
        let first = twice["metrics"]["inventory"][0].clone();
        twice["metrics"]["inventory"][1] = first;
        assert!(
            check(&twice)
                .unwrap_err()
                .to_string()
                .contains("more than once")
        );

        let mut name = good.clone();
        name["metrics"]["inventory"][3]["computer_name"] = "WKS-X-000".into();
        assert!(check(&name).is_err());

        let mut window = good;
        window["metrics"]["window"]["end_time"] = "2024-01-31T00:00:01Z".into();
        assert!(check(&window).unwrap_err().to_string().contains("30 days"));
    }
}
