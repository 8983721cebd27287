//! `ListLoginRecordsNew`: the fleet's connection records, derived from its
//! hours so the two agree. Each used hour of a desktop is one session (two,
//! the second a reconnect, for some) whose setup-to-end time is exactly its
//! hundredths times 36 s, so a day's successful sessions add up to the
//! day's hours to the second. Some attempts fail (no setup, a reason; some
//! on days without any use); on `today` the last session of about one
//! desktop in three is still open (no end: what it will have used is
//! already in today's hours). Only the latest 30 days are kept.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Utc};

use crate::fleet::Fleet;
use crate::hash::{hash, unit};
use crate::list::{self, Filter, Listed, Paging};
use crate::params::{QueryParams, fuzzy, invalid};

/// The largest `limit` of `ListLoginRecordsNew`.
pub const RECORDS_MAX_LIMIT: i64 = 1000;
/// How many days of records the simulator keeps, as the service does.
pub const RECORDS_RETENTION_DAYS: u64 = 30;

const PAGING: Paging = Paging {
    max_offset: 2_147_483_646,
    min_limit: 0,
    max_limit: RECORDS_MAX_LIMIT,
    default_limit: 20,
};

const TERMINALS: &[&str] = &[
    "Windows 10",
    "Windows 11",
    "macOS",
    "Linux",
    "Android",
    "iOS",
];
const CLIENTS: &[&str] = &["1.8.00005", "24.3.0", "24.9.1"];
const REASONS: &[&str] = &[
    "The desktop is not ready.",
    "Authentication failed.",
    "The network connection timed out.",
];

/// One record, small until its page is rendered.
#[derive(Debug, Clone, Copy)]
struct Rec {
    desktop: usize,
    /// Seconds since the epoch.
    start: i64,
    setup: Option<i64>,
    end: Option<i64>,
    reconnect: bool,
    /// Into [`REASONS`], for a failed attempt.
    reason: Option<usize>,
    rtt: Option<(u32, u32)>,
    /// Tells apart the records of one desktop and day (and the growth).
    tag: u64,
}

/// The newest first, then by tag: a total order, stable over pages.
impl Listed for Rec {}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Filters {
    from: i64,
    to: i64,
    user: Option<String>,
    computer: Option<String>,
    terminal: Option<String>,
    project: Option<String>,
}

impl Filter<Rec> for Filters {
    fn keep(&self, r: &Rec) -> bool {
        (self.from..=self.to).contains(&r.start)
    }
}

fn minute(q: &QueryParams, name: &str) -> Result<Option<i64>, String> {
    let Some(v) = q.get(name) else {
        return Ok(None);
    };
    let shaped = v.len() == 17 && v.as_bytes().get(16) == Some(&b'Z');
    shaped
        .then(|| NaiveDateTime::parse_from_str(&v[..16], "%Y-%m-%dT%H:%M").ok())
        .flatten()
        .map(|t| Some(t.and_utc().timestamp()))
        .ok_or_else(|| {
            let shown: String = v.chars().take(64).collect();
            invalid(format_args!(
                "{name} must be yyyy-MM-ddTHH:mmZ, got {shown:?}"
            ))
        })
}

fn filters(q: &QueryParams, today: NaiveDate) -> Result<Filters, String> {
    let lower = |name: &str| -> Result<Option<String>, String> {
        Ok(q.text(name, 0, 255)?
            .filter(|v| !v.is_empty())
            .map(str::to_lowercase))
    };
    let day_start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp())
    };
    let (from, to) = match (minute(q, "start_time")?, minute(q, "end_time")?) {
        (None, None) => (
            day_start(today - Days::new(RECORDS_RETENTION_DAYS - 1)),
            day_start(today) + 86_399,
        ),
        (Some(_), None) => return Err(invalid("end_time is required when start_time is given")),
        (None, Some(_)) => return Err(invalid("start_time is required when end_time is given")),
        (Some(s), Some(e)) if e < s => {
            return Err(invalid("end_time is earlier than start_time"));
        }
        // The end's minute is included whole.
        (Some(s), Some(e)) => (s, e + 59),
    };
    Ok(Filters {
        from,
        to,
        user: lower("user_name")?,
        computer: lower("computer_name")?,
        terminal: lower("terminal_type")?,
        project: q
            .text("enterprise_project_id", 0, 255)?
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
    })
}

/// The desktop's terminal: (type, client version, terminal key).
fn terminal(key: u64, day: u64) -> (&'static str, &'static str, u64) {
    // Most users keep one terminal; one day in five they use another.
    let t = if unit(hash(&[key, 60, day])) < 0.2 {
        hash(&[key, 61, day])
    } else {
        hash(&[key, 61])
    };
    (
        TERMINALS[(t % TERMINALS.len() as u64) as usize],
        CLIENTS[((t >> 8) % CLIENTS.len() as u64) as usize],
        t,
    )
}

/// Every record of desktop `i` whose setup (or failed start) is on `date`.
fn day_records(fleet: &Fleet, i: usize, date: NaiveDate, today: NaiveDate, out: &mut Vec<Rec>) {
    let Some(key) = fleet.key(i) else { return };
    let day = date.num_days_from_ce() as u64;
    let midnight = date
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp());
    let base_rtt = 8 + (hash(&[key, 70]) % 60) as u32;
    let rtt = |tag: u64| {
        let h = hash(&[key, 71, day, tag]);
        let net = base_rtt + (h % 25) as u32;
        (net, net + 12 + ((h >> 16) % 40) as u32)
    };
    let first = out.len();
    let mut prev_used = false;
    for hour in 0..24u32 {
        let p = fleet.hourly_hundredths(i, date, hour);
        let tag = u64::from(hour) * 4;
        let h = hash(&[key, 72, day, u64::from(hour)]);
        if p == 0 {
            prev_used = false;
            // Now and then an attempt on a desktop nobody uses that hour.
            if fleet.desktops()[i].username.is_some() && h % 1000 < 2 {
                let start = midnight + i64::from(hour) * 3600 + (h >> 20) as i64 % 3000;
                out.push(failed(i, start, h, tag + 3));
            }
            continue;
        }
        let d = (p * 36) as i64;
        let slack = 3600 - d;
        let hour_start = midnight + i64::from(hour) * 3600;
        let split = slack >= 60 && d >= 600 && unit(hash(&[h, 1])) < 0.15;
        let gap = if split { 30 + (h >> 40) as i64 % 30 } else { 0 };
        let offset = (h >> 8) as i64 % (slack - gap + 1);
        let setup = hour_start + offset;
        let asked = |setup: i64, n: u64| setup - 2 - (hash(&[h, n]) % 9) as i64;
        if unit(hash(&[h, 2])) < 0.04 {
            out.push(failed(
                i,
                asked(setup, 3) - 60 - (h >> 30) as i64 % 240,
                h,
                tag + 3,
            ));
        }
        let parts: &[(i64, i64)] = if split {
            &[(setup, d / 2), (setup + d / 2 + gap, d - d / 2)]
        } else {
            &[(setup, d)]
        };
        for (n, &(setup, len)) in parts.iter().enumerate() {
            let tag = tag + n as u64;
            out.push(Rec {
                desktop: i,
                start: asked(setup, 4 + n as u64),
                setup: Some(setup),
                end: Some(setup + len),
                reconnect: n > 0 || prev_used,
                reason: None,
                rtt: Some(rtt(tag)),
                tag,
            });
        }
        prev_used = true;
    }
    if date == today
        && unit(hash(&[key, 73, day])) < 1.0 / 3.0
        && let Some(last) = out[first..].iter_mut().rev().find(|r| r.setup.is_some())
    {
        last.end = None;
    }
}

fn failed(desktop: usize, start: i64, h: u64, tag: u64) -> Rec {
    Rec {
        desktop,
        start,
        setup: None,
        end: Some(start + 5 + (h >> 50) as i64 % 25),
        reconnect: false,
        reason: Some((h % REASONS.len() as u64) as usize),
        rtt: None,
        tag,
    }
}

/// What a query's records depend on besides the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    filters: Filters,
    today: NaiveDate,
    grown: u64,
}

/// The sorted records of the latest query: a client paging a month of a
/// large fleet asks for the same records hundreds of times, and deriving
/// them costs far more than rendering a page, so without it the
/// simulator's CPU, not the latency, sets the pace. One query only, so
/// the memory stays that of one range.
#[derive(Debug, Default)]
pub(crate) struct RecordsCache {
    latest: Mutex<Option<(Key, Arc<Derived>)>>,
}

/// A query's records, and what they show of each desktop's inventory.
#[derive(Debug)]
struct Derived {
    recs: Vec<Rec>,
    seats: Vec<Option<render::Seat>>,
}

impl RecordsCache {
    fn get(&self, key: &Key) -> Option<Arc<Derived>> {
        let latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        latest
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, recs)| recs.clone())
    }

    fn put(&self, key: Key, recs: Arc<Derived>) {
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, recs));
    }
}

/// The 200 body of `ListLoginRecordsNew`, or the 400 message. `grown`
/// failed attempts arrive in the range's last minute (the newest of all),
/// as connections keep coming while a client pages.
pub(crate) fn answer(
    fleet: &Fleet,
    cache: &RecordsCache,
    q: &QueryParams,
    today: NaiveDate,
    grown: u64,
) -> Result<String, String> {
    let window = PAGING.window(|name, min, max| q.int(name, min, max))?;
    let f = filters(q, today)?;
    let key = Key {
        filters: f.clone(),
        today,
        grown,
    };
    let derived = match cache.get(&key) {
        Some(derived) => derived,
        None => {
            let derived = Arc::new(Derived {
                recs: derive(fleet, &f, today, grown),
                seats: render::Seat::all(fleet, today),
            });
            cache.put(key, derived.clone());
            derived
        }
    };
    let (total, page) = list::page(derived.recs.iter().copied(), &f, None, window);
    Ok(render::page(fleet, &derived.seats, &page, total as u64))
}

/// Every record `f` asks for (and `grown` more), newest first.
fn derive(fleet: &Fleet, f: &Filters, today: NaiveDate, grown: u64) -> Vec<Rec> {
    let kept_from = today - Days::new(RECORDS_RETENTION_DAYS - 1);
    let date_of = |t: i64| DateTime::<Utc>::from_timestamp(t, 0).map(|t| t.date_naive());
    // A day's records start up to ten minutes before its first setup.
    let first = date_of(f.from).map_or(kept_from, |d| d.max(kept_from));
    let last = date_of(f.to + 900).map_or(today, |d| d.min(today));
    let mut recs = Vec::new();
    for i in 0..fleet.desktops().len() {
        let spec = &fleet.desktops()[i];
        let name_ok = f
            .computer
            .as_deref()
            .is_none_or(|c| fleet.computer_name(i).is_some_and(|n| fuzzy(n, c)));
        let user_ok = f
            .user
            .as_deref()
            .is_none_or(|u| spec.username.as_deref().is_some_and(|n| fuzzy(n, u)));
        let project_ok = f.project.as_deref().is_none_or(|p| {
            fleet
                .inventory(i, today)
                .is_some_and(|d| d.enterprise_project_id == p)
        });
        if !(name_ok && user_ok && project_ok) {
            continue;
        }
        for date in first.iter_days().take_while(|d| *d <= last) {
            day_records(fleet, i, date, today, &mut recs);
        }
    }
    if let Some(term) = &f.terminal {
        recs.retain(|r| {
            let key = fleet.key(r.desktop).unwrap_or(0);
            fuzzy(terminal(key, r.start.div_euclid(86_400) as u64).0, term)
        });
    }
    if f.user.is_none() && f.computer.is_none() && f.terminal.is_none() && f.project.is_none() {
        let users: Vec<usize> = (0..fleet.desktops().len())
            .filter(|&i| fleet.desktops()[i].username.is_some())
            .collect();
        for n in 0..grown.min(100_000) {
            if let Some(&i) = users.get((n % users.len().max(1) as u64) as usize) {
                let h = hash(&[fleet.seed(), 90, n]);
                recs.push(failed(i, f.to - 59 + (n % 60) as i64, h, 1000 + n));
            }
        }
    }
    recs.sort_by(|a, b| {
        b.start
            .cmp(&a.start)
            .then(a.desktop.cmp(&b.desktop))
            .then(a.tag.cmp(&b.tag))
    });
    recs
}

mod render;

#[cfg(test)]
mod tests;
