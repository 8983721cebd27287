//! Decoding one full page: 100 desktops × 31 days, as the simulator serves it
//! (`cargo bench -p huaweicloud-workspace --bench decode`; scenario 4 of
//! `cargo xtask bench`).
//!
//! - `facade`: `decode::desktop_usage_page`, the function a query runs on
//!   every answer (the status and `error_code` checks, `serde_json` into the
//!   generated types, the strict checks and the conversion into `DesktopUsage`).
//! - `serde_json`: plain `serde_json::from_slice` into the generated
//!   `ListUsedDesktopInfoResponse`, the floor the facade is held to.
//!
//! With `DECODE_PAGE_OUT=path` set, the page body is also written there, so
//! that the official Python SDK can be timed on the same bytes.

// A benchmark harness: failing loudly on a broken setup is the point.
#![allow(clippy::expect_used, missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use huaweicloud_workspace::{Answer, GroupBy, decode};
use huaweicloud_workspace_api::types::ListUsedDesktopInfoResponse;
use huaweicloud_workspace_sim::Fleet;

/// The fleet and range of the page: the first 100 desktops of a 2,000-desktop
/// fleet (seed 7, as `cargo xtask bench` runs the simulator), January 2024.
const SEED: u64 = 7;
const FLEET: usize = 2000;
const PAGE: usize = 100;
const DAYS: u64 = 31;

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid date")
}

fn last_day() -> NaiveDate {
    first_day() + chrono::Days::new(DAYS - 1)
}

/// The body the simulator answers for offset 0, limit 100, January 2024,
/// grouped by day: the same layout, numbers written the same way.
fn page_body() -> Vec<u8> {
    let fleet = Fleet::new(SEED, FLEET);
    let mut out = String::from("{\"desktop_used_info_list\":[");
    for (i, desktop) in fleet.desktops().iter().take(PAGE).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let id = serde_json::to_string(&desktop.id).expect("a string");
        write!(out, "{{\"desktop_id\":{id}").expect("write to a String");
        if let Some(user) = &desktop.username {
            let user = serde_json::to_string(user).expect("a string");
            write!(out, ",\"desktop_username\":{user}").expect("write to a String");
        }
        out.push_str(",\"used_info_list\":[");
        for (n, day) in first_day()
            .iter_days()
            .take_while(|d| *d <= last_day())
            .enumerate()
        {
            if n > 0 {
                out.push(',');
            }
            let h = fleet.daily_hundredths(i, day);
            let (whole, frac) = (h / 100, h % 100);
            let hours = if frac == 0 {
                format!("{whole}")
            } else if frac % 10 == 0 {
                format!("{whole}.{}", frac / 10)
            } else {
                format!("{whole}.{frac:02}")
            };
            write!(
                out,
                "{{\"date\":\"{}\",\"use_time\":{hours}}}",
                day.format("%Y-%m-%d")
            )
            .expect("write to a String");
        }
        out.push_str("]}");
    }
    write!(out, "],\"total_count\":{FLEET}}}").expect("write to a String");
    out.into_bytes()
}

fn decode(c: &mut Criterion) {
    let body = page_body();
    if let Some(path) = std::env::var_os("DECODE_PAGE_OUT") {
        std::fs::write(&path, &body).expect("writing DECODE_PAGE_OUT");
    }
    // Both paths must agree before either is timed.
    let window = Some((first_day(), last_day()));
    // The answer as the transport hands it to the decoder a query runs.
    let answer = Answer::ok(body.clone());
    let page = decode::desktop_usage_page(&answer, window, GroupBy::Day, PAGE as u32)
        .expect("the facade decodes the page");
    let plain: ListUsedDesktopInfoResponse =
        serde_json::from_slice(&body).expect("serde_json decodes the page");
    assert_eq!(page.desktops.len(), PAGE);
    assert_eq!(plain.desktop_used_info_list.len(), PAGE);
    let total = |hours: &mut dyn Iterator<Item = u64>| hours.sum::<u64>();
    assert_eq!(
        total(
            &mut page
                .desktops
                .iter()
                .flat_map(|d| d.periods.iter().map(|p| p.hours.hundredths()))
        ),
        total(
            &mut plain
                .desktop_used_info_list
                .iter()
                .flat_map(|d| d.used_info_list.iter().map(|u| u.use_time.hundredths()))
        ),
    );

    let mut group = c.benchmark_group("decode_page");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("facade", |b| {
        b.iter(|| {
            decode::desktop_usage_page(black_box(&answer), window, GroupBy::Day, PAGE as u32)
                .expect("decodes")
        });
    });
    group.bench_function("serde_json", |b| {
        b.iter(|| {
            serde_json::from_slice::<ListUsedDesktopInfoResponse>(black_box(&body))
                .expect("decodes")
        });
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
