//! The simulated fleet: desktops, their users, and how many hours each one is
//! used in every hour of every day. Everything here is a pure function of the
//! seed, so a test can recompute exactly what the simulator answers.

use chrono::NaiveDate;

use crate::day::{DayParams, Profile};
use crate::hash::{hash, unit, uuid_like};
use crate::names::NameCounters;

/// One simulated desktop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopSpec {
    /// The desktop id, shaped like a real one (a random UUID).
    pub id: String,
    /// The user the desktop is assigned to; `None` for an unassigned desktop.
    pub username: Option<String>,
    /// The user's domain; `None` for the main domain (and for unassigned desktops).
    pub user_domain: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Desktop {
    spec: DesktopSpec,
    key: u64,
    profile: Profile,
    /// The computer name; see [`crate::names`].
    name: String,
}

/// A deterministic fleet of desktops: a pure function of `(seed, desktops)`.
///
/// Desktops are kept in their stable order, sorted by id, which is also the
/// order the simulator pages in. [`Fleet::hourly_hundredths`] and
/// [`Fleet::daily_hundredths`] give the usage the simulator reports.
///
/// ```
/// use huaweicloud_workspace_sim::Fleet;
/// use chrono::NaiveDate;
///
/// let fleet = Fleet::new(7, 20);
/// assert_eq!(fleet.desktops().len(), 20);
/// let day = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
/// let sum: u64 = (0..24).map(|h| fleet.hourly_hundredths(0, day, h)).sum();
/// assert_eq!(fleet.daily_hundredths(0, day), sum);
/// assert_eq!(Fleet::new(7, 20), fleet);
/// ```
#[derive(Debug, Clone)]
pub struct Fleet {
    seed: u64,
    desktops: Vec<Desktop>,
    specs: Vec<DesktopSpec>,
}

impl PartialEq for Fleet {
    fn eq(&self, other: &Self) -> bool {
        self.seed == other.seed && self.specs == other.specs
    }
}

impl Eq for Fleet {}

const FIRST_NAMES: &[&str] = &[
    "wei", "fang", "li", "jun", "min", "hui", "ana", "joao", "maria", "pedro", "lucas", "sofia",
    "ahmed", "fatima", "omar", "leila", "james", "emma", "olivia", "noah", "mei", "chen", "yuki",
    "arjun", "priya", "ivan", "elena", "kemal", "ayse", "thabo",
];
const LAST_NAMES: &[&str] = &[
    "wang", "zhang", "liu", "chen", "yang", "huang", "silva", "santos", "oliveira", "souza",
    "hassan", "ali", "smith", "jones", "brown", "li", "zhao", "sato", "patel", "kumar", "petrov",
    "yilmaz", "demir", "nkosi", "garcia", "lopez",
];
/// The secondary domain some users belong to.
const OTHER_DOMAIN: &str = "branch.example.com";

impl Fleet {
    /// Builds the fleet of `desktops` desktops for `seed`.
    ///
    /// The first `n` desktops generated for a seed are the same whatever the
    /// fleet size, so a larger fleet contains a smaller one.
    pub fn new(seed: u64, desktops: usize) -> Self {
        let mut out = Vec::with_capacity(desktops);
        let mut user_no = 0u64;
        let mut current: Option<(String, Option<String>)> = None;
        let mut used_names = std::collections::HashSet::new();
        let mut names = NameCounters::default();
        for i in 0..desktops as u64 {
            let id = uuid_like(hash(&[seed, 1, i]), hash(&[seed, 2, i]));
            let key = hash(&[seed, 3, i]);
            let roll = unit(hash(&[key, 10]));
            // About 8% unassigned, 17% another desktop of the previous user.
            let user = if roll < 0.08 {
                None
            } else if roll < 0.25 && current.is_some() {
                current.clone()
            } else {
                user_no += 1;
                let h = hash(&[seed, 4, user_no]);
                let first = FIRST_NAMES[(h % FIRST_NAMES.len() as u64) as usize];
                let last = LAST_NAMES[((h >> 16) % LAST_NAMES.len() as u64) as usize];
                let mut name = format!("{first}.{last}");
                let mut k = 2;
                while used_names.contains(&name) {
                    name = format!("{first}.{last}{k}");
                    k += 1;
                }
                used_names.insert(name.clone());
                let domain = (unit(hash(&[h, 5])) < 0.1).then(|| OTHER_DOMAIN.to_string());
                current = Some((name, domain));
                current.clone()
            };
            let profile = match &user {
                None => Profile::Idle,
                Some(_) => {
                    let p = unit(hash(&[key, 11]));
                    let start = hash(&[key, 12]);
                    // Office start in UTC for users at UTC+8, UTC+3, UTC+1 or UTC-3, 8 or 9 local.
                    let offsets = [-8i32, -3, -1, 3];
                    let local = 8 + (start % 2) as i32;
                    let office =
                        (local + offsets[((start >> 8) % 4) as usize]).rem_euclid(24) as u32;
                    if p < 0.10 {
                        Profile::Idle
                    } else if p < 0.75 {
                        Profile::Office { start: office }
                    } else if p < 0.85 {
                        Profile::Shift {
                            start: (office + 12) % 24,
                        }
                    } else if p < 0.90 {
                        Profile::AlwaysOn
                    } else {
                        Profile::Occasional
                    }
                }
            };
            let (username, user_domain) = match user {
                Some((u, d)) => (Some(u), d),
                None => (None, None),
            };
            out.push(Desktop {
                spec: DesktopSpec {
                    id,
                    username,
                    user_domain,
                },
                key,
                profile,
                name: names.next(key),
            });
        }
        out.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        let specs = out.iter().map(|d| d.spec.clone()).collect();
        Fleet {
            seed,
            desktops: out,
            specs,
        }
    }

    /// The seed the fleet was built from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The desktops in their stable order (sorted by id), the order of paging.
    pub fn desktops(&self) -> &[DesktopSpec] {
        &self.specs
    }

    /// The position of the desktop with this id in [`Fleet::desktops`].
    pub fn index_of(&self, desktop_id: &str) -> Option<usize> {
        self.specs
            .binary_search_by(|d| d.id.as_str().cmp(desktop_id))
            .ok()
    }

    /// The computer name of the desktop at `index` (e.g. `WKS-FIN-042`);
    /// unique in the fleet, and a few hold non-ASCII text.
    pub fn computer_name(&self, index: usize) -> Option<&str> {
        self.desktops.get(index).map(|d| d.name.as_str())
    }

    /// The per-desktop key the inventory is derived from.
    pub(crate) fn key(&self, index: usize) -> Option<u64> {
        self.desktops.get(index).map(|d| d.key)
    }

    /// Whether the desktop at `index` is never used (0 h in every period).
    pub fn is_idle(&self, index: usize) -> bool {
        self.desktops
            .get(index)
            .is_some_and(|d| d.profile == Profile::Idle)
    }

    /// Indices (into [`Fleet::desktops`], in order) of the desktops a query
    /// with these filters returns, before paging: exactly what the simulator
    /// counts in `total_count`.
    ///
    /// `desktop_ids`: only these ids (unknown ids are ignored). `username`:
    /// only desktops of that user in `user_domain`, where `None` means the
    /// main domain (users of other domains need the domain given).
    pub fn matching(
        &self,
        desktop_ids: Option<&[String]>,
        username: Option<&str>,
        user_domain: Option<&str>,
    ) -> Vec<usize> {
        let by_user = |d: &DesktopSpec| match username {
            None => true,
            Some(u) => d.username.as_deref() == Some(u) && d.user_domain.as_deref() == user_domain,
        };
        match desktop_ids {
            Some(ids) => {
                let mut idx: Vec<usize> = ids.iter().filter_map(|id| self.index_of(id)).collect();
                idx.sort_unstable();
                idx.dedup();
                idx.retain(|&i| by_user(&self.specs[i]));
                idx
            }
            None => (0..self.specs.len())
                .filter(|&i| by_user(&self.specs[i]))
                .collect(),
        }
    }

    /// Hundredths of an hour (0..=100) the desktop at `index` was used during
    /// the hour starting at `hour`:00 UTC on `date`. 0 for an index out of range
    /// or an hour above 23.
    pub fn hourly_hundredths(&self, index: usize, date: NaiveDate, hour: u32) -> u64 {
        match self.desktops.get(index) {
            Some(d) if hour < 24 => {
                let day = DayParams::new(d.key, d.profile, date);
                day.hour(hour)
            }
            _ => 0,
        }
    }

    /// Hundredths of an hour the desktop at `index` was used on `date` (UTC):
    /// always the sum of its 24 hourly values.
    pub fn daily_hundredths(&self, index: usize, date: NaiveDate) -> u64 {
        match self.desktops.get(index) {
            Some(d) => DayParams::new(d.key, d.profile, date).daily(),
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Weekday};

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_day_is_the_sum_of_its_hours() {
        let f = Fleet::new(11, 300);
        let mut profiles = std::collections::HashSet::new();
        for (i, d) in f.desktops.iter().enumerate() {
            profiles.insert(std::mem::discriminant(&d.profile));
            for date in day(2024, 2, 20).iter_days().take(21) {
                let hours: u64 = (0..24).map(|h| f.hourly_hundredths(i, date, h)).sum();
                assert_eq!(f.daily_hundredths(i, date), hours, "desktop {i} on {date}");
            }
        }
        assert_eq!(profiles.len(), 5, "every profile is covered");
    }

    #[test]
    fn ids_are_unique_sorted_uuids() {
        let f = Fleet::new(1, 500);
        let ids: Vec<&str> = f.desktops().iter().map(|d| d.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        for id in ids {
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4");
            assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn same_seed_same_fleet_other_seed_other_fleet() {
        assert_eq!(Fleet::new(3, 50), Fleet::new(3, 50));
        assert_ne!(Fleet::new(3, 50), Fleet::new(4, 50));
    }

    #[test]
    fn larger_fleet_contains_smaller_one() {
        let small = Fleet::new(9, 100);
        let big = Fleet::new(9, 250);
        for (i, d) in small.desktops().iter().enumerate() {
            let j = big.index_of(&d.id).unwrap();
            assert_eq!(&big.desktops()[j], d);
            let date = day(2024, 5, 6);
            assert_eq!(
                small.daily_hundredths(i, date),
                big.daily_hundredths(j, date)
            );
        }
    }

    #[test]
    fn fleet_is_realistic() {
        let f = Fleet::new(1, 200);
        let unassigned = f.desktops().iter().filter(|d| d.username.is_none()).count();
        assert!(unassigned > 0, "some desktops have no user");
        let mut per_user = std::collections::HashMap::new();
        for d in f.desktops() {
            if let Some(u) = &d.username {
                *per_user.entry(u.clone()).or_insert(0) += 1;
            }
        }
        assert!(per_user.values().any(|&n| n == 1));
        assert!(
            per_user.values().any(|&n| n > 1),
            "some users have several desktops"
        );
        assert!(f.desktops().iter().any(|d| d.user_domain.is_some()));

        // A share idle all period, the others used; weekdays busier than weekends.
        let start = day(2024, 1, 1); // a Monday
        let days: Vec<NaiveDate> = (0..28).map(|i| start + chrono::Days::new(i)).collect();
        let idle = (0..200)
            .filter(|&i| days.iter().all(|&d| f.daily_hundredths(i, d) == 0))
            .count();
        assert!((10..=80).contains(&idle), "idle desktops: {idle}");
        for i in 0..200 {
            if f.is_idle(i) {
                assert!(days.iter().all(|&d| f.daily_hundredths(i, d) == 0));
            }
        }
        let total = |weekend: bool| -> u64 {
            days.iter()
                .filter(|d| matches!(d.weekday(), Weekday::Sat | Weekday::Sun) == weekend)
                .map(|&d| (0..200).map(|i| f.daily_hundredths(i, d)).sum::<u64>())
                .sum()
        };
        // Per day: 20 weekdays, 8 weekend days.
        let (weekday, weekend) = (total(false) / 20, total(true) / 8);
        assert!(
            weekday > 2 * weekend,
            "per day: weekdays {weekday}, weekends {weekend}"
        );
        // Hours stay in range.
        for i in 0..200 {
            for h in 0..24 {
                assert!(f.hourly_hundredths(i, start, h) <= 100);
            }
            assert!(f.daily_hundredths(i, start) <= 2400);
        }
    }

    #[test]
    fn matching_filters() {
        let f = Fleet::new(1, 200);
        assert_eq!(f.matching(None, None, None).len(), 200);
        let multi = f
            .desktops()
            .iter()
            .find(|d| {
                d.user_domain.is_none()
                    && d.username.is_some()
                    && f.desktops()
                        .iter()
                        .filter(|e| e.username == d.username)
                        .count()
                        > 1
            })
            .unwrap();
        let name = multi.username.clone().unwrap();
        let got = f.matching(None, Some(&name), None);
        assert!(got.len() > 1);
        for i in &got {
            assert_eq!(f.desktops()[*i].username.as_deref(), Some(name.as_str()));
        }
        let ids = vec![
            f.desktops()[5].id.clone(),
            "no-such-desktop".to_string(),
            f.desktops()[2].id.clone(),
            f.desktops()[5].id.clone(),
        ];
        assert_eq!(f.matching(Some(&ids), None, None), vec![2, 5]);
        let other = f
            .desktops()
            .iter()
            .find(|d| d.user_domain.is_some())
            .unwrap();
        let u = other.username.as_deref();
        assert!(f.matching(None, u, None).is_empty());
        assert!(!f.matching(None, u, other.user_domain.as_deref()).is_empty());
    }
}
