//! What `ListDesktops` tells about each desktop of the fleet: its name,
//! state, pool, project, creation date, address and tags. A pure function of
//! the seed, the desktop and "today" (creation dates are relative to it, so
//! some desktops are always new).

use chrono::{Days, NaiveDate};

use crate::fleet::Fleet;
use crate::hash::{hash, unit, uuid_like};
use crate::names::{DEPARTMENTS, department};

/// Pools some desktops belong to: (tag, name).
const POOLS: &[(u64, &str)] = &[(1, "pool-callcenter"), (2, "pool-training")];

/// The inventory record of one desktop, as `ListDesktops` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopInventory {
    /// The desktop id.
    pub desktop_id: String,
    /// The computer name, unique in the fleet (see [`Fleet::computer_name`]).
    pub computer_name: String,
    /// The assigned user; `None` for an unassigned desktop.
    pub user_name: Option<String>,
    /// The user's domain; `None` for the main domain.
    pub user_domain: Option<String>,
    /// The user's permission group on the desktop: `administrators` or `users`.
    pub user_group: Option<String>,
    /// `ACTIVE` (most), `SHUTOFF`, `HIBERNATED` or `ERROR`.
    pub status: &'static str,
    /// `CONNECTED`, `REGISTERED`, `DISCONNECTED` or `UNREGISTER`.
    pub connect_status: &'static str,
    /// The pool, for about one desktop in eight: (id, name).
    pub pool: Option<(String, String)>,
    /// `0` (the default project) for most, else one of two other ids.
    pub enterprise_project_id: String,
    /// When it was created, `yyyy-MM-ddTHH:mm:ss.000Z`; about one in twenty
    /// within the 7 days before today, the others 30 to 900 days before.
    pub created: String,
    /// The day of `created`.
    pub created_date: NaiveDate,
    /// A private address, unique in the fleet.
    pub ip_address: String,
    /// `DEDICATED`, or `SHARED` for about one in thirty.
    pub desktop_type: &'static str,
    /// `cn-north-4a` or `cn-north-4b`.
    pub availability_zone: &'static str,
    /// The machine's security identifier.
    pub machine_sid: String,
    /// Tags, `dept` always and `env` for some: (key, value).
    pub tags: Vec<(String, String)>,
}

impl Fleet {
    /// The inventory record of the desktop at `index`, with creation dates
    /// relative to `today`; `None` for an index out of range.
    pub fn inventory(&self, index: usize, today: NaiveDate) -> Option<DesktopInventory> {
        let spec = self.desktops().get(index)?;
        let key = self.key(index)?;
        let name = self.computer_name(index)?.to_string();
        let seed = self.seed();
        let h = |tag: u64| hash(&[key, tag]);
        let r = |tag: u64| unit(hash(&[key, tag]));

        let status = match r(40) {
            x if x < 0.80 => "ACTIVE",
            x if x < 0.94 => "SHUTOFF",
            x if x < 0.98 => "HIBERNATED",
            _ => "ERROR",
        };
        let connect_status = match (status, spec.username.is_some(), r(41)) {
            ("ACTIVE", true, x) if x < 0.45 => "CONNECTED",
            ("ACTIVE", true, x) if x < 0.60 => "DISCONNECTED",
            ("ACTIVE", _, _) => "REGISTERED",
            _ => "UNREGISTER",
        };
        let pool = (r(42) < 0.125).then(|| {
            let (tag, pool_name) = POOLS[(h(43) % POOLS.len() as u64) as usize];
            (
                uuid_like(hash(&[seed, 300, tag]), hash(&[seed, 301, tag])),
                pool_name.to_string(),
            )
        });
        let enterprise_project_id = match r(44) {
            x if x < 0.80 => "0".to_string(),
            x if x < 0.90 => uuid_like(hash(&[seed, 310]), hash(&[seed, 311])),
            _ => uuid_like(hash(&[seed, 312]), hash(&[seed, 313])),
        };
        let age = if r(45) < 0.05 {
            h(46) % 7
        } else {
            30 + h(46) % 871
        };
        let created_date = today - Days::new(age);
        let secs = h(47) % 86_400;
        let created = format!(
            "{}T{:02}:{:02}:{:02}.000Z",
            created_date.format("%Y-%m-%d"),
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        let n = index as u64 + 2;
        let ip_address = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
        let desktop_type = if r(48) < 1.0 / 30.0 {
            "SHARED"
        } else {
            "DEDICATED"
        };
        let availability_zone = if h(49) % 2 == 0 {
            "cn-north-4a"
        } else {
            "cn-north-4b"
        };
        let machine_sid = format!(
            "S-1-5-21-{}-{}-{}-{}",
            hash(&[seed, 320]) % 4_000_000_000,
            hash(&[seed, 321]) % 4_000_000_000,
            hash(&[seed, 322]) % 4_000_000_000,
            1000 + h(50) % 100_000
        );
        let mut tags = vec![("dept".to_string(), DEPARTMENTS[department(key)].to_string())];
        if r(51) < 0.3 {
            let env = if h(52) % 4 == 0 { "test" } else { "prod" };
            tags.push(("env".to_string(), env.to_string()));
        }
        let user_group = spec.username.as_ref().map(|_| {
            if r(53) < 0.2 {
                "administrators".to_string()
            } else {
                "users".to_string()
            }
        });
        Some(DesktopInventory {
            desktop_id: spec.id.clone(),
            computer_name: name,
            user_name: spec.username.clone(),
            user_domain: spec.user_domain.clone(),
            user_group,
            status,
            connect_status,
            pool,
            enterprise_project_id,
            created,
            created_date,
            ip_address,
            desktop_type,
            availability_zone,
            machine_sid,
            tags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_is_varied_unique_and_stable() {
        let f = Fleet::new(1, 400);
        let today = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
        let all: Vec<DesktopInventory> = (0..400).map(|i| f.inventory(i, today).unwrap()).collect();
        let names: std::collections::HashSet<&str> =
            all.iter().map(|d| d.computer_name.as_str()).collect();
        assert_eq!(names.len(), 400, "computer names are unique");
        let ips: std::collections::HashSet<&str> =
            all.iter().map(|d| d.ip_address.as_str()).collect();
        assert_eq!(ips.len(), 400, "addresses are unique");
        assert!(all.iter().any(|d| !d.computer_name.is_ascii()));
        assert!(all.iter().any(|d| d.user_name.is_none()));
        assert!(all.iter().any(|d| d.pool.is_some()));
        assert!(all.iter().any(|d| d.status == "SHUTOFF"));
        assert!(all.iter().any(|d| d.desktop_type == "SHARED"));
        assert!(all.iter().any(|d| d.enterprise_project_id != "0"));
        let recent = all
            .iter()
            .filter(|d| (today - d.created_date).num_days() < 7)
            .count();
        assert!((5..=60).contains(&recent), "recent desktops: {recent}");
        assert!(all.iter().all(|d| d.created_date <= today));
        for d in &all {
            assert_eq!(d.user_group.is_some(), d.user_name.is_some());
            assert!(d.computer_name.starts_with("WKS-"));
        }
        assert_eq!(
            f.inventory(7, today),
            Fleet::new(1, 400).inventory(7, today)
        );
        assert_eq!(f.inventory(400, today), None);
        // A larger fleet names the desktops of a smaller one alike.
        let small = Fleet::new(1, 100);
        for (i, d) in small.desktops().iter().enumerate() {
            let j = f.index_of(&d.id).unwrap();
            assert_eq!(small.computer_name(i), f.computer_name(j));
        }
    }
}
