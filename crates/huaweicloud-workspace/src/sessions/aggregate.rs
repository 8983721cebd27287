//! Plain functions over connection records, so that a stream of pages, a
//! store or a test can all feed them: totals by user, by desktop and by
//! day, and concurrency (the peak of sessions at once per day or hour).
//!
//! The rules, once for all of them:
//! - a failed connection counts as a connection and a failure, never as
//!   time connected, a round trip or a session at once;
//! - a session occupies `[setup, end)`, half open: back to back sessions
//!   never overlap; a session still open lasts until the `until` given
//!   (the end of the range, or now);
//! - percentiles are by nearest rank over the successful sessions that
//!   report the round trip: the value at rank ⌈p·n/100⌉ of the sorted values;
//! - a session counts on the UTC day of its setup (a failed one, of its start).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, NaiveDate, TimeDelta, Utc};

use super::model::ConnectionRecord;

/// What the records of one user or one desktop add up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    /// Every record, failed ones included.
    pub connections: u64,
    /// The failed ones.
    pub failed: u64,
    /// The successful ones that resumed an earlier session.
    pub reconnects: u64,
    /// Setup to end of every successful session, open ones to `until`.
    pub connected_seconds: u64,
    /// The median network round trip, in milliseconds.
    pub network_rtt_p50_ms: Option<u32>,
    /// The 95th percentile of the network round trip.
    pub network_rtt_p95_ms: Option<u32>,
    /// The 95th percentile of the end-to-end round trip.
    pub e2e_rtt_p95_ms: Option<u32>,
    /// When a successful session was last on: the latest end, or `until`
    /// for one still open; `None` when none succeeded.
    pub last_seen: Option<DateTime<Utc>>,
}

/// The value at nearest rank `p` (0..=100) of `values`, which it sorts;
/// `None` for no values.
pub fn nearest_rank(values: &mut [u32], p: u32) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    let rank = (p.min(100) as usize * n).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

/// Adds records up into [`Totals`], one record at a time.
#[derive(Debug, Clone, Default)]
struct Summer {
    totals: Totals,
    network: Vec<u32>,
    e2e: Vec<u32>,
}

impl Summer {
    fn add(&mut self, r: &ConnectionRecord, until: DateTime<Utc>) {
        let t = &mut self.totals;
        t.connections += 1;
        if r.failed {
            t.failed += 1;
            return;
        }
        t.reconnects += u64::from(r.is_reconnect);
        t.connected_seconds += r.connected_seconds(until).unwrap_or(0);
        let seen = r.end.unwrap_or(until);
        t.last_seen = t.last_seen.max(Some(seen));
        self.network.extend(r.network_rtt_ms);
        self.e2e.extend(r.e2e_rtt_ms);
    }

    fn finish(mut self) -> Totals {
        self.totals.network_rtt_p50_ms = nearest_rank(&mut self.network, 50);
        self.totals.network_rtt_p95_ms = nearest_rank(&mut self.network, 95);
        self.totals.e2e_rtt_p95_ms = nearest_rank(&mut self.e2e, 95);
        self.totals
    }
}

/// [`Totals`] per key, fed one record at a time: what [`by_user`] and
/// [`by_desktop`] do, for a stream that is never held whole (it keeps
/// two round trips per successful session, not the records).
///
/// ```
/// use chrono::{DateTime, Utc};
/// use huaweicloud_workspace::ConnectionRecord;
/// use huaweicloud_workspace::sessions::aggregate::TotalsBy;
///
/// let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
/// let record = ConnectionRecord {
///     user_name: Some("alice".into()),
///     setup: Some(at("2024-06-03T09:00:00Z")),
///     end: Some(at("2024-06-03T10:30:00Z")),
///     ..Default::default()
/// };
/// let mut users = TotalsBy::user(at("2024-06-04T00:00:00Z"));
/// users.add(&record);
/// let totals = users.finish();
/// assert_eq!(totals[0].0, "alice");
/// assert_eq!(totals[0].1.connected_seconds, 5400);
/// ```
#[derive(Debug, Clone)]
pub struct TotalsBy<K> {
    until: DateTime<Utc>,
    key: fn(&ConnectionRecord) -> K,
    groups: BTreeMap<K, Summer>,
}

impl TotalsBy<String> {
    /// Per user name (records without one under `""`); open sessions
    /// last until `until`.
    pub fn user(until: DateTime<Utc>) -> Self {
        TotalsBy::new(until, |r| r.user_name.clone().unwrap_or_default())
    }
}

impl TotalsBy<(String, String)> {
    /// Per desktop, keyed `(desktop_id, computer_name)` (absent ones as
    /// `""`); open sessions last until `until`.
    pub fn desktop(until: DateTime<Utc>) -> Self {
        TotalsBy::new(until, |r| {
            (
                r.desktop_id.clone().unwrap_or_default(),
                r.computer_name.clone().unwrap_or_default(),
            )
        })
    }
}

impl<K: Ord> TotalsBy<K> {
    fn new(until: DateTime<Utc>, key: fn(&ConnectionRecord) -> K) -> Self {
        TotalsBy {
            until,
            key,
            groups: BTreeMap::new(),
        }
    }

    /// Counts one record.
    pub fn add(&mut self, r: &ConnectionRecord) {
        self.groups
            .entry((self.key)(r))
            .or_default()
            .add(r, self.until);
    }

    /// The totals, sorted by key.
    pub fn finish(self) -> Vec<(K, Totals)> {
        self.groups
            .into_iter()
            .map(|(k, s)| (k, s.finish()))
            .collect()
    }
}

/// Totals per user name (records without one under `""`), sorted by name.
pub fn by_user<'a>(
    records: impl IntoIterator<Item = &'a ConnectionRecord>,
    until: DateTime<Utc>,
) -> Vec<(String, Totals)> {
    let mut totals = TotalsBy::user(until);
    records.into_iter().for_each(|r| totals.add(r));
    totals.finish()
}

/// Totals per desktop, keyed `(desktop_id, computer_name)` (absent ones
/// as `""`), sorted by id.
pub fn by_desktop<'a>(
    records: impl IntoIterator<Item = &'a ConnectionRecord>,
    until: DateTime<Utc>,
) -> Vec<((String, String), Totals)> {
    let mut totals = TotalsBy::desktop(until);
    records.into_iter().for_each(|r| totals.add(r));
    totals.finish()
}

/// What the records of one UTC day add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotals {
    /// The day.
    pub date: NaiveDate,
    /// Every record of the day, failed ones included.
    pub connections: u64,
    /// The failed ones.
    pub failed: u64,
    /// Distinct users with a successful session that day.
    pub users: u64,
    /// Setup to end of the day's successful sessions (whole, on their setup day).
    pub connected_seconds: u64,
}

/// User names as small numbers: a bucket's distinct users are a set of
/// them, not of copies of the names.
#[derive(Debug, Clone, Default)]
struct Interner {
    ids: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(name.to_owned(), id);
        id
    }
}

/// [`DayTotals`] per UTC day, fed one record at a time: what [`by_day`]
/// does, for a stream that is never held whole.
#[derive(Debug, Clone)]
pub struct DayTotalsBy {
    until: DateTime<Utc>,
    names: Interner,
    days: BTreeMap<NaiveDate, (DayTotals, HashSet<u32>)>,
}

impl DayTotalsBy {
    /// Open sessions last until `until`.
    pub fn new(until: DateTime<Utc>) -> Self {
        DayTotalsBy {
            until,
            names: Interner::default(),
            days: BTreeMap::new(),
        }
    }

    /// Counts one record, on the day of its setup (a failed one, of its
    /// start; one with neither is not counted).
    pub fn add(&mut self, r: &ConnectionRecord) {
        let Some(at) = (if r.failed { r.start } else { r.setup }) else {
            return;
        };
        let date = at.date_naive();
        let (day, users) = self.days.entry(date).or_insert_with(|| {
            let t = DayTotals {
                date,
                connections: 0,
                failed: 0,
                users: 0,
                connected_seconds: 0,
            };
            (t, HashSet::new())
        });
        day.connections += 1;
        if r.failed {
            day.failed += 1;
            return;
        }
        day.connected_seconds += r.connected_seconds(self.until).unwrap_or(0);
        if let Some(u) = &r.user_name {
            users.insert(self.names.id(u));
        }
    }

    /// The days, in order; days without records are absent.
    pub fn finish(self) -> Vec<DayTotals> {
        self.days
            .into_values()
            .map(|(mut d, users)| {
                d.users = users.len() as u64;
                d
            })
            .collect()
    }
}

/// Totals per UTC day, in order; days without records are absent.
pub fn by_day<'a>(
    records: impl IntoIterator<Item = &'a ConnectionRecord>,
    until: DateTime<Utc>,
) -> Vec<DayTotals> {
    let mut days = DayTotalsBy::new(until);
    records.into_iter().for_each(|r| days.add(r));
    days.finish()
}

/// The buckets of [`concurrency`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// UTC days.
    Day,
    /// UTC hours.
    Hour,
}

impl Bucket {
    fn len(self) -> TimeDelta {
        match self {
            Bucket::Day => TimeDelta::days(1),
            Bucket::Hour => TimeDelta::hours(1),
        }
    }

    fn start_of(self, t: DateTime<Utc>) -> DateTime<Utc> {
        t.duration_trunc(self.len()).unwrap_or(t)
    }
}

/// The peak of one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peak {
    /// When the bucket starts (a day at 00:00, or an hour).
    pub bucket: DateTime<Utc>,
    /// The most successful sessions on at once in the bucket.
    pub peak_sessions: u64,
    /// The first second the peak is reached; `None` when it is 0.
    pub peak_at: Option<DateTime<Utc>>,
    /// Distinct users with a successful session in the bucket.
    pub users: u64,
}

/// The peaks of [`concurrency`], fed one record at a time: it keeps two
/// instants per successful session and the distinct users per bucket,
/// not the records.
#[derive(Debug, Clone)]
pub struct Concurrency {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    first: DateTime<Utc>,
    step: TimeDelta,
    peaks: Vec<Peak>,
    names: Interner,
    users: Vec<HashSet<u32>>,
    // (time, +1 or -1): ends sort before starts at the same second, which
    // is what makes the sessions half open.
    events: Vec<(DateTime<Utc>, i8)>,
}

impl Concurrency {
    /// Every bucket of `[from, until)`; open sessions last until `until`,
    /// and what lies outside the range is cut off.
    pub fn new(from: DateTime<Utc>, until: DateTime<Utc>, bucket: Bucket) -> Self {
        let step = bucket.len();
        let first = bucket.start_of(from);
        let count = if until > first {
            usize::try_from((until - first).num_seconds() / step.num_seconds() + 1).unwrap_or(0)
        } else {
            0
        };
        let peaks: Vec<Peak> = (0..count)
            .map(|i| Peak {
                bucket: first + step * i32::try_from(i).unwrap_or(i32::MAX),
                peak_sessions: 0,
                peak_at: None,
                users: 0,
            })
            .take_while(|p| p.bucket < until)
            .collect();
        Concurrency {
            from,
            until,
            first,
            step,
            users: vec![HashSet::new(); peaks.len()],
            peaks,
            names: Interner::default(),
            events: Vec::new(),
        }
    }

    fn index(&self, t: DateTime<Utc>) -> usize {
        usize::try_from((t - self.first).num_seconds() / self.step.num_seconds()).unwrap_or(0)
    }

    /// Counts one record (failed ones never count).
    pub fn add(&mut self, r: &ConnectionRecord) {
        let (false, Some(setup)) = (r.failed, r.setup) else {
            return;
        };
        let (start, end) = (
            setup.max(self.from),
            r.end.unwrap_or(self.until).min(self.until),
        );
        if start >= end {
            return;
        }
        self.events.push((start, 1));
        self.events.push((end, -1));
        if let Some(u) = r.user_name.as_deref() {
            let id = self.names.id(u);
            let (a, b) = (self.index(start), self.index(end - Duration::seconds(1)));
            for set in self.users.iter_mut().take(b + 1).skip(a) {
                set.insert(id);
            }
        }
    }

    /// The peak of every bucket, zeros included, in order.
    pub fn finish(mut self) -> Vec<Peak> {
        self.events.sort_unstable();
        let mut level = 0i64;
        let mut i = 0;
        while i < self.events.len() {
            let t = self.events[i].0;
            while i < self.events.len() && self.events[i].0 == t {
                level += i64::from(self.events[i].1);
                i += 1;
            }
            // The level holds on [t, next event): the bucket of t reaches
            // it at t, every later bucket it covers at its own start.
            let next = self.events.get(i).map_or(self.until, |e| e.0);
            let on = u64::try_from(level).unwrap_or(0);
            let (a, b) = (self.index(t), self.index(next - Duration::seconds(1)));
            for (k, p) in self.peaks.iter_mut().enumerate().take(b + 1).skip(a) {
                if on > p.peak_sessions {
                    p.peak_sessions = on;
                    p.peak_at = Some(if k == a { t } else { p.bucket });
                }
            }
        }
        for (p, u) in self.peaks.iter_mut().zip(&self.users) {
            p.users = u.len() as u64;
        }
        self.peaks
    }
}

/// The peak of sessions at once in every bucket of `[from, until)`, zeros
/// included, in order; open sessions last until `until`, and what lies
/// outside the range is cut off.
pub fn concurrency<'a>(
    records: impl IntoIterator<Item = &'a ConnectionRecord>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    bucket: Bucket,
) -> Vec<Peak> {
    let mut peaks = Concurrency::new(from, until, bucket);
    records.into_iter().for_each(|r| peaks.add(r));
    peaks.finish()
}

#[cfg(test)]
mod tests;
