//! Arbitrary bytes as a 200 body through the decoders of the metric and
//! inventory operations (`huaweicloud_workspace::decode::{desktop_metrics_page,
//! user_metrics_page, desktops_page, login_records_page}`, the functions a query runs on every
//! answer): never a panic, and an accepted page holds at most `limit` items,
//! each with a non-empty id, once, and metric values that are whole,
//! non-negative and exact; a connection record that failed has no setup
//! or a reason, and none ends before it began.
#![no_main]

use std::collections::HashSet;

use huaweicloud_workspace::{Answer, decode};
use libfuzzer_sys::fuzz_target;

/// 2^53: the largest whole number an f64 holds exactly.
const MAX_EXACT: u64 = 1 << 53;

fuzz_target!(|data: &[u8]| {
    let answer = Answer::ok(data.to_vec());
    for limit in [1, 100] {
        if let Ok(page) = decode::desktop_metrics_page(&answer, limit) {
            assert!(
                page.items.len() <= limit as usize,
                "more desktops than the limit"
            );
            let mut seen = HashSet::new();
            for d in &page.items {
                assert!(!d.desktop_id.trim().is_empty(), "empty id accepted");
                assert!(seen.insert(&d.desktop_id), "desktop twice in a page");
                for v in [d.usage_seconds, d.idle_seconds].into_iter().flatten() {
                    assert!(v <= MAX_EXACT, "{v} s is not exact");
                }
            }
        }
        if let Ok(page) = decode::user_metrics_page(&answer, limit) {
            assert!(
                page.items.len() <= limit as usize,
                "more users than the limit"
            );
            let mut seen = HashSet::new();
            for u in &page.items {
                assert!(!u.username.trim().is_empty(), "empty user name accepted");
                assert!(seen.insert(&u.username), "user twice in a page");
                for v in [u.usage_seconds, u.login_count, u.login_fail_count]
                    .into_iter()
                    .flatten()
                {
                    assert!(v <= MAX_EXACT, "{v} is not exact");
                }
            }
        }
        if let Ok(page) = decode::desktops_page(&answer, limit) {
            assert!(
                page.items.len() <= limit as usize,
                "more desktops than the limit"
            );
            let mut seen = HashSet::new();
            for d in &page.items {
                assert!(!d.desktop_id.trim().is_empty(), "empty id accepted");
                assert!(seen.insert(&d.desktop_id), "desktop twice in a page");
            }
        }
        if let Ok(page) = decode::login_records_page(&answer, limit) {
            assert!(
                page.items.len() <= limit as usize,
                "more records than the limit"
            );
            let mut seen = HashSet::new();
            for r in &page.items {
                assert!(seen.insert(&r.id), "record twice in a page");
                assert_eq!(r.failed, r.setup.is_none() || r.failure_reason.is_some());
                if let (Some(from), Some(to)) = (r.setup.or(r.start), r.end) {
                    assert!(to >= from, "a record ends before it began");
                }
            }
        }
    }
});
