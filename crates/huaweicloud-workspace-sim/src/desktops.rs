//! `ListDesktops`: the fleet's inventory, filtered and paged in the order of
//! the per-day operation (by desktop id).

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::fleet::Fleet;
use crate::hash::{hash, mix};
use crate::inventory::DesktopInventory;
use crate::list::{self, Filter, Listed, Paging};
use crate::params::{QueryParams, fuzzy, invalid};

/// The largest (and default) `limit` of `ListDesktops`.
pub const DESKTOPS_MAX_LIMIT: i64 = 1000;
/// The most ids the `desktop_id` filter of `ListDesktops` takes.
pub const MAX_DESKTOP_ID_FILTER: usize = 100;

/// The `offset` and `limit` of `ListDesktops`.
const PAGING: Paging = Paging {
    max_offset: 2_147_483_646,
    min_limit: 0,
    max_limit: DESKTOPS_MAX_LIMIT,
    default_limit: DESKTOPS_MAX_LIMIT,
};

/// Comma-separated values, trimmed, empty ones dropped.
fn list(value: &str) -> Vec<&str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// The filters of one request; every field is "no filter" when `None`.
struct Filters<'a> {
    ids: Option<Vec<&'a str>>,
    users: Option<Vec<String>>,
    computer_name: Option<String>,
    desktop_ip: Option<&'a str>,
    status: Option<&'a str>,
    pools: Option<Vec<&'a str>>,
    enterprise_project_id: Option<&'a str>,
    types: Option<Vec<&'a str>>,
    tags: Option<Vec<(&'a str, &'a str)>>,
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.filter(|v| !v.is_empty())
}

fn filters(q: &QueryParams) -> Result<Filters<'_>, String> {
    let mut ids: Option<Vec<&str>> = None;
    for value in q.all("desktop_id") {
        ids.get_or_insert_with(Vec::new).extend(list(value));
    }
    if let Some(ids) = &ids
        && ids.len() > MAX_DESKTOP_ID_FILTER
    {
        return Err(invalid(format_args!(
            "desktop_id has {} ids, at most {MAX_DESKTOP_ID_FILTER} are allowed",
            ids.len()
        )));
    }
    let users = non_empty(q.text("user_name", 0, 1024)?)
        .map(|v| list(v).into_iter().map(str::to_lowercase).collect());
    let computer_name = non_empty(q.text("computer_name", 0, 64)?).map(str::to_lowercase);
    let desktop_ip = non_empty(q.text("desktop_ip", 0, 64)?);
    let status = non_empty(q.text("status", 0, 32)?);
    let pools = non_empty(q.text("pool_id", 0, 1024)?).map(list);
    let enterprise_project_id = non_empty(q.text("enterprise_project_id", 0, 64)?);
    let types = match non_empty(q.text("desktop_type", 0, 64)?) {
        None => None,
        Some(v) => {
            let types = list(v);
            if let Some(bad) = types.iter().find(|t| !["DEDICATED", "SHARED"].contains(t)) {
                return Err(invalid(format_args!(
                    "desktop_type must be DEDICATED or SHARED (comma-separated), got {bad:?}"
                )));
            }
            Some(types)
        }
    };
    let tags = match non_empty(q.text("tag", 0, 1024)?) {
        None => None,
        Some(v) => {
            let mut tags = Vec::new();
            for item in list(v) {
                let Some((k, val)) = item.split_once('=') else {
                    return Err(invalid(format_args!(
                        "tag must be key=value (comma-separated for several), got {item:?}"
                    )));
                };
                tags.push((k.trim(), val.trim()));
            }
            Some(tags)
        }
    };
    Ok(Filters {
        ids,
        users,
        computer_name,
        desktop_ip,
        status,
        pools,
        enterprise_project_id,
        types,
        tags,
    })
}

/// In id order (the fleet's), never sorted.
impl Listed for DesktopInventory {}

impl Filter<DesktopInventory> for Filters<'_> {
    fn keep(&self, d: &DesktopInventory) -> bool {
        self.ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&d.desktop_id.as_str()))
            && self.users.as_ref().is_none_or(|users| {
                d.user_name
                    .as_deref()
                    .is_some_and(|u| users.iter().any(|want| fuzzy(u, want)))
            })
            && self
                .computer_name
                .as_deref()
                .is_none_or(|n| fuzzy(&d.computer_name, n))
            && self.desktop_ip.is_none_or(|ip| ip == d.ip_address)
            && self.status.is_none_or(|s| s.eq_ignore_ascii_case(d.status))
            && self.pools.as_ref().is_none_or(|pools| {
                d.pool
                    .as_ref()
                    .is_some_and(|(id, _)| pools.contains(&id.as_str()))
            })
            && self
                .enterprise_project_id
                .is_none_or(|e| e == d.enterprise_project_id)
            && self
                .types
                .as_ref()
                .is_none_or(|t| t.contains(&d.desktop_type))
            && self.tags.as_ref().is_none_or(|tags| {
                tags.iter()
                    .all(|(k, v)| d.tags.iter().any(|(dk, dv)| dk == k && dv == v))
            })
    }
}

fn user_id(name: &str) -> String {
    let h = name.bytes().fold(0x11u64, |acc, b| mix(acc ^ u64::from(b)));
    format!("{:016x}{:016x}", h, hash(&[h, 1]))
}

fn render(d: DesktopInventory) -> Value {
    let mut v = json!({
        "desktop_id": d.desktop_id,
        "computer_name": d.computer_name,
        "sid": d.machine_sid,
        "status": d.status,
        "connect_status": d.connect_status,
        "enterprise_project_id": d.enterprise_project_id,
        "created": d.created,
        "ip_address": d.ip_address,
        "desktop_type": d.desktop_type,
        "availability_zone": d.availability_zone,
        "in_maintenance_mode": false,
        "tags": d.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
    });
    let Some(obj) = v.as_object_mut() else {
        return v;
    };
    if let Some((id, _)) = d.pool {
        obj.insert("pool_id".into(), id.into());
    }
    match (&d.user_name, &d.user_group) {
        (Some(user), Some(group)) => {
            obj.insert("user_name".into(), user.as_str().into());
            obj.insert("user_group".into(), group.as_str().into());
            let mut info = json!({
                "user_id": user_id(user),
                "user_name": user,
                "user_group": group,
                "type": "USER",
            });
            if let (Some(domain), Some(i)) = (&d.user_domain, info.as_object_mut()) {
                i.insert("domain".into(), domain.as_str().into());
            }
            obj.insert("attach_user_infos".into(), json!([info]));
        }
        _ => {
            obj.insert("attach_user_infos".into(), json!([]));
        }
    }
    v
}

/// The 200 body of `ListDesktops`, or the 400 message.
pub(crate) fn answer(fleet: &Fleet, q: &QueryParams, today: NaiveDate) -> Result<String, String> {
    let window = PAGING.window(|name, min, max| q.int(name, min, max))?;
    let f = filters(q)?;
    let desktops = (0..fleet.desktops().len()).filter_map(|index| fleet.inventory(index, today));
    let (total, page) = list::page(desktops, &f, None, window);
    let page: Vec<Value> = page.into_iter().map(render).collect();
    Ok(json!({ "total_count": total, "desktops": page }).to_string())
}
