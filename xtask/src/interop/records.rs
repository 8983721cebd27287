//! The connection records (`ListLoginRecordsNew`) through the official
//! Python SDK: `xtask/python/interop_records.py` pages the simulator's
//! records of five days, and every record comes once, the totals agree,
//! the SDK's model reads `tenantId`, and each desktop's successful sessions
//! of a whole day add up to its hours that day (36 s per hundredth).
//! Separate from the rest of the interop run so that it merges as one call.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use chrono::{DateTime, NaiveDate};
use huaweicloud_workspace_sim::Fleet;
use serde_json::Value;

/// The range asked: the five days before the simulator's today (2024-03-01).
const START: &str = "2024-02-25T00:00Z";
const END: &str = "2024-02-29T23:59Z";
/// The days checked whole: the first day's earliest sessions may have been
/// asked for before midnight, outside the range.
const WHOLE_DAYS: [&str; 4] = ["2024-02-26", "2024-02-27", "2024-02-28", "2024-02-29"];

/// Runs the script against the simulator at `base_url` and checks what it got.
pub(super) fn run(python: &Path, script: &Path, base_url: &str, creds: [&str; 3]) -> Result<usize> {
    let [ak, sk, project] = creds;
    let output = super::process::run_bounded(
        std::process::Command::new(python)
            .arg(script)
            .args([base_url, ak, sk, project, START, END]),
        Duration::from_secs(180),
    )?;
    let got: Value = serde_json::from_str(&output).with_context(|| {
        format!(
            "the records script printed no JSON: {}",
            output.chars().take(500).collect::<String>()
        )
    })?;
    check(&got, &Fleet::new(super::SEED, super::DESKTOPS))
}

fn secs(v: &Value) -> Option<i64> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.timestamp())
}

/// What the official client got, against the fleet; the number of records.
fn check(got: &Value, fleet: &Fleet) -> Result<usize> {
    let records = got["records"].as_array().context("records")?;
    let totals = got["totals"].as_array().context("totals")?;
    ensure!(!records.is_empty(), "no records");
    for t in totals {
        ensure!(
            t.as_u64() == Some(records.len() as u64),
            "total_count {t}, {} records paged",
            records.len()
        );
    }
    let mut ids = HashSet::new();
    let mut used: BTreeMap<(&str, NaiveDate), i64> = BTreeMap::new();
    for r in records {
        let id = r["transaction_id"]
            .as_str()
            .context("a record without transaction_id")?;
        ensure!(ids.insert(id), "record {id} came twice");
        ensure!(
            r["tenant_id"].is_string(),
            "the SDK read no tenant_id (tenantId) in {id}"
        );
        let desktop = r["desktop_id"]
            .as_str()
            .context("a record without desktop_id")?;
        let (Some(setup), Some(end)) = (
            secs(&r["connection_setup_time"]),
            secs(&r["connection_end_time"]),
        ) else {
            ensure!(
                r["connection_failure_reason"].is_string(),
                "{id} has no setup or end and no failure reason"
            );
            continue;
        };
        let day = DateTime::from_timestamp(setup, 0)
            .context("setup")?
            .date_naive();
        *used.entry((desktop, day)).or_default() += end - setup;
    }
    for day in WHOLE_DAYS {
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d")?;
        for (i, spec) in fleet.desktops().iter().enumerate() {
            let want = fleet.daily_hundredths(i, day) as i64 * 36;
            let got = used.get(&(spec.id.as_str(), day)).copied().unwrap_or(0);
            ensure!(
                got == want,
                "desktop {} on {day}: sessions add up to {got} s, its hours to {want} s",
                spec.id
            );
        }
    }
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn check_catches_doubles_a_missing_tenant_and_hours_that_disagree() {
        let fleet = Fleet::new(1, 3);
        let failed = |id: &str| {
            json!({"transaction_id": id, "tenant_id": "t", "desktop_id": fleet.desktops()[0].id,
                   "connection_start_time": "2024-02-26T08:00:00Z", "connection_failure_reason": "no"})
        };
        let twice = json!({"totals": [2], "records": [failed("a"), failed("a")]});
        assert!(
            check(&twice, &fleet)
                .unwrap_err()
                .to_string()
                .contains("came twice")
        );
        let mut no_tenant = failed("a");
        no_tenant["tenant_id"] = Value::Null;
        let got = json!({"totals": [1], "records": [no_tenant]});
        assert!(
            check(&got, &fleet)
                .unwrap_err()
                .to_string()
                .contains("tenant_id")
        );
        let short = json!({"totals": [3], "records": [failed("a")]});
        assert!(
            check(&short, &fleet)
                .unwrap_err()
                .to_string()
                .contains("total_count 3")
        );
        // Only failures: unless the fleet is idle on those days, hours are missing.
        let busy = (0..3).any(|i| {
            WHOLE_DAYS.iter().any(|d| {
                fleet.daily_hundredths(i, NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()) > 0
            })
        });
        assert!(busy);
        let only_failed = json!({"totals": [1], "records": [failed("a")]});
        assert!(
            check(&only_failed, &fleet)
                .unwrap_err()
                .to_string()
                .contains("sessions add up to 0 s")
        );
    }
}
