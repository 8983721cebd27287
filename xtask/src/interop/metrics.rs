//! The metric operations and the desktop list through the official client,
//! against the per-day answers of the same run.

use std::collections::HashSet;

use anyhow::{Context, Result, ensure};
use huaweicloud_workspace_sim::Fleet;
use serde_json::Value;

use crate::interop::check::hundredths;
use crate::interop::{DESKTOPS, METRIC_DAYS, SEED};

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
pub(super) fn check_metrics(got: &Value) -> Result<()> {
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
