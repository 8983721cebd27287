//! What the official client got through the per-day operation (every
//! desktop once, in order, with the fleet's hours, by day and by hour) and
//! with a wrong SK, against the fleet the simulator serves.

use std::collections::HashSet;

use anyhow::{Context, Result, bail, ensure};
use chrono::{Days, NaiveDate};
use huaweicloud_workspace_sim::Fleet;
use serde_json::Value;

use crate::interop::metrics::check_metrics;
use crate::interop::{DESKTOPS, END, SEED, START};

/// Hundredths from the text the official client gives (`"5.47"`, `"0"`, `"12.6"`).
pub(super) fn hundredths(v: &Value) -> Result<u64> {
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

pub(super) fn check(got: &Value) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use chrono::{Days, NaiveDate};
    use huaweicloud_workspace_sim::Fleet;
    use serde_json::Value;

    use crate::interop::check::{check, hundredths};
    use crate::interop::{DESKTOPS, METRIC_DAYS, METRIC_END, METRIC_START, SEED, START};

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
