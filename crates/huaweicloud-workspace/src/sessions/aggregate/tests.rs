//! The rules of the module docs, each on the smallest records that show it.

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A successful session of `user` from `setup` to `end` (`None`: open).
fn on(user: &str, setup: &str, end: Option<&str>, rtt: Option<(u32, u32)>) -> ConnectionRecord {
    ConnectionRecord {
        id: format!("{user}{setup}"),
        user_name: Some(user.into()),
        desktop_id: Some(format!("d-{user}")),
        start: Some(t(setup) - Duration::seconds(3)),
        setup: Some(t(setup)),
        end: end.map(t),
        network_rtt_ms: rtt.map(|r| r.0),
        e2e_rtt_ms: rtt.map(|r| r.1),
        ..Default::default()
    }
}

fn failed(user: &str, start: &str) -> ConnectionRecord {
    ConnectionRecord {
        id: format!("f{user}{start}"),
        user_name: Some(user.into()),
        start: Some(t(start)),
        failed: true,
        failure_reason: Some("no".into()),
        ..Default::default()
    }
}

#[test]
fn nearest_rank_on_small_and_even_counts() {
    assert_eq!(nearest_rank(&mut [], 50), None);
    assert_eq!(nearest_rank(&mut [7], 50), Some(7));
    assert_eq!(nearest_rank(&mut [7], 95), Some(7));
    // Two values: the median is the lower (rank 1), p95 the upper (rank 2).
    assert_eq!(nearest_rank(&mut [30, 10], 50), Some(10));
    assert_eq!(nearest_rank(&mut [30, 10], 95), Some(30));
    // Four: rank 2 for the median, never an average of two.
    assert_eq!(nearest_rank(&mut [40, 10, 30, 20], 50), Some(20));
    let mut twenty: Vec<u32> = (1..=20).collect();
    assert_eq!(nearest_rank(&mut twenty, 95), Some(19));
    assert_eq!(nearest_rank(&mut twenty, 100), Some(20));
    assert_eq!(nearest_rank(&mut twenty, 0), Some(1));
}

#[test]
fn by_user_counts_failures_but_not_their_time_or_round_trips() {
    let until = t("2024-03-01T12:00:00Z");
    let mut reconnect = on(
        "a",
        "2024-03-01T09:00:00Z",
        Some("2024-03-01T09:30:00Z"),
        Some((20, 40)),
    );
    reconnect.is_reconnect = true;
    let records = [
        on(
            "a",
            "2024-03-01T08:00:00Z",
            Some("2024-03-01T09:00:00Z"),
            Some((10, 30)),
        ),
        reconnect,
        failed("a", "2024-03-01T10:00:00Z"),
        // Open: counts until `until`, and is last seen then.
        on("b", "2024-03-01T11:00:00Z", None, None),
    ];
    let users = by_user(&records, until);
    let (name, a) = &users[0];
    assert_eq!(name, "a");
    assert_eq!((a.connections, a.failed, a.reconnects), (3, 1, 1));
    assert_eq!(a.connected_seconds, 5400);
    assert_eq!(
        (a.network_rtt_p50_ms, a.network_rtt_p95_ms, a.e2e_rtt_p95_ms),
        (Some(10), Some(20), Some(40))
    );
    assert_eq!(a.last_seen, Some(t("2024-03-01T09:30:00Z")));
    let (_, b) = &users[1];
    assert_eq!((b.connected_seconds, b.last_seen), (3600, Some(until)));
    assert_eq!(b.network_rtt_p50_ms, None);
    // The failed attempt names no desktop: it is a group of its own.
    let desktops = by_desktop(&records, until);
    let keys: Vec<(&str, u64)> = desktops
        .iter()
        .map(|((id, _), t)| (id.as_str(), t.connections))
        .collect();
    assert_eq!(keys, vec![("", 1), ("d-a", 2), ("d-b", 1)]);
}

#[test]
fn a_failed_only_day_has_connections_but_no_users_time_or_peak() {
    let records = [
        on(
            "a",
            "2024-03-01T08:00:00Z",
            Some("2024-03-01T09:00:00Z"),
            None,
        ),
        failed("a", "2024-03-02T08:00:00Z"),
        failed("b", "2024-03-02T09:00:00Z"),
    ];
    let until = t("2024-03-03T00:00:00Z");
    let days = by_day(&records, until);
    assert_eq!(days.len(), 2);
    assert_eq!(
        (
            days[0].connections,
            days[0].users,
            days[0].connected_seconds
        ),
        (1, 1, 3600)
    );
    let d2 = &days[1];
    assert_eq!(
        (d2.connections, d2.failed, d2.users, d2.connected_seconds),
        (2, 2, 0, 0)
    );
    let peaks = concurrency(&records, t("2024-03-01T00:00:00Z"), until, Bucket::Day);
    assert_eq!(peaks.len(), 2);
    assert_eq!((peaks[0].peak_sessions, peaks[0].users), (1, 1));
    assert_eq!(
        (peaks[1].peak_sessions, peaks[1].peak_at, peaks[1].users),
        (0, None, 0)
    );
}

#[test]
fn back_to_back_sessions_never_overlap() {
    let records = [
        on(
            "a",
            "2024-03-01T08:00:00Z",
            Some("2024-03-01T09:00:00Z"),
            None,
        ),
        on(
            "b",
            "2024-03-01T09:00:00Z",
            Some("2024-03-01T10:00:00Z"),
            None,
        ),
        // Overlaps b by one second, from 09:59:59.
        on(
            "c",
            "2024-03-01T09:59:59Z",
            Some("2024-03-01T10:30:00Z"),
            None,
        ),
    ];
    let peaks = concurrency(
        &records,
        t("2024-03-01T00:00:00Z"),
        t("2024-03-02T00:00:00Z"),
        Bucket::Day,
    );
    assert_eq!(peaks.len(), 1);
    assert_eq!(peaks[0].peak_sessions, 2);
    assert_eq!(peaks[0].peak_at, Some(t("2024-03-01T09:59:59Z")));
    assert_eq!(peaks[0].users, 3);
    let without_c = concurrency(
        &records[..2],
        t("2024-03-01T00:00:00Z"),
        t("2024-03-02T00:00:00Z"),
        Bucket::Day,
    );
    assert_eq!(
        without_c[0].peak_sessions, 1,
        "08-09 and 09-10 are not at once"
    );
    assert_eq!(without_c[0].peak_at, Some(t("2024-03-01T08:00:00Z")));
}

#[test]
fn open_sessions_count_to_the_end_of_the_range_in_every_hour() {
    let records = [
        on("a", "2024-03-01T08:30:00Z", None, None),
        on(
            "b",
            "2024-03-01T10:15:00Z",
            Some("2024-03-01T10:45:00Z"),
            None,
        ),
    ];
    let peaks = concurrency(
        &records,
        t("2024-03-01T08:00:00Z"),
        t("2024-03-01T11:00:00Z"),
        Bucket::Hour,
    );
    let got: Vec<(u64, Option<DateTime<Utc>>, u64)> = peaks
        .iter()
        .map(|p| (p.peak_sessions, p.peak_at, p.users))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, Some(t("2024-03-01T08:30:00Z")), 1),
            // Still on: the peak is reached at the hour's first second.
            (1, Some(t("2024-03-01T09:00:00Z")), 1),
            (2, Some(t("2024-03-01T10:15:00Z")), 2),
        ]
    );
    let until = t("2024-03-01T11:00:00Z");
    assert_eq!(by_user(&records, until)[0].1.connected_seconds, 9000);
}
