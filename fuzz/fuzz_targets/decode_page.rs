//! Arbitrary bytes as a 200 body through the facade's page decoding
//! (`huaweicloud_workspace::decode::desktop_usage_page`, the function a query
//! runs on every answer: the status and `error_code` checks, serde into the
//! generated types, then the strict checks and conversion):
//! never a panic, and a page that is accepted holds exactly the hours the
//! body carried.
#![no_main]

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use huaweicloud_workspace::{Answer, GroupBy, Hours, MAX_PAGE_SIZE, Period, decode};
use huaweicloud_workspace_api::types::ListUsedDesktopInfoResponse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The spec's example week, and no window at all.
    let week = NaiveDate::from_ymd_opt(2022, 12, 9).zip(NaiveDate::from_ymd_opt(2022, 12, 15));
    for (window, limit) in [(week, MAX_PAGE_SIZE), (None, 2)] {
        check(data, window, limit);
    }
});

fn check(data: &[u8], window: Option<(NaiveDate, NaiveDate)>, limit: u32) {
    let Ok(page) = decode::desktop_usage_page(&Answer::ok(data.to_vec()), window, GroupBy::Day, limit)
    else {
        return;
    };
    let mentions_error_code = data.windows(12).any(|w| w == b"\"error_code\"");
    assert!(
        !mentions_error_code,
        "a 200 body with error_code was accepted"
    );
    let raw: ListUsedDesktopInfoResponse = match serde_json::from_slice(data) {
        Ok(raw) => raw,
        Err(err) => panic!("the facade accepted a body the generated types reject: {err}"),
    };
    assert!(
        page.desktops.len() <= limit as usize,
        "more desktops than the limit"
    );
    assert_eq!(
        page.total_count,
        raw.total_count
            .map(|n| u64::try_from(n).unwrap_or(u64::MAX)),
        "total_count changed"
    );

    // Every (desktop, period) of the body, once: accepted duplicates must agree.
    let mut expected: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for desktop in &raw.desktop_used_info_list {
        for used in &desktop.used_info_list {
            let key = (desktop.desktop_id.as_str(), used.date.as_str());
            let h = used.use_time.hundredths();
            if let Some(previous) = expected.insert(key, h) {
                assert_eq!(previous, h, "conflicting duplicate {key:?} was accepted");
            }
        }
    }
    let mut seen = HashSet::new();
    let mut got_total: u64 = 0;
    for desktop in &page.desktops {
        assert!(
            !desktop.desktop_id.trim().is_empty(),
            "empty desktop_id accepted"
        );
        assert!(
            seen.insert(desktop.desktop_id.as_str()),
            "desktop twice in a page"
        );
        for pair in desktop.periods.windows(2) {
            assert!(
                pair[0].period < pair[1].period,
                "periods not sorted and unique"
            );
        }
        for p in &desktop.periods {
            let Period::Day(day) = p.period else {
                panic!("a period that is not a day was accepted: {}", p.period);
            };
            if let Some((start, end)) = window {
                assert!(start <= day && day <= end, "period outside the window");
            }
            assert!(p.hours.hundredths() <= 2400, "more than 24 h in a day accepted");
        }
        got_total += desktop.total_hours().hundredths();
    }
    let raw_desktops: HashSet<&str> = raw
        .desktop_used_info_list
        .iter()
        .map(|d| d.desktop_id.as_str())
        .collect();
    assert_eq!(seen, raw_desktops, "desktops dropped or invented");
    let expected_total: u64 = expected.values().sum();
    assert_eq!(
        Hours::from_hundredths(got_total),
        Hours::from_hundredths(expected_total),
        "the page's hours differ from the body's"
    );
}
