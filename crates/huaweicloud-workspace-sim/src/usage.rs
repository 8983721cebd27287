//! `ListUsedDesktopInfo`, the per-day usage: validating a request body and
//! answering it, as the service does.

use std::fmt::Write as _;

use chrono::{Days, NaiveDate};
use serde_json::{Map, Value};

use crate::cache::DailyCache;
use crate::fleet::Fleet;
use crate::list::{self, All, Listed, Paging, Window};

/// The longest range, in days counting both ends.
pub const MAX_RANGE_DAYS: i64 = 31;
/// The length of the default range, in days counting both ends.
pub const DEFAULT_RANGE_DAYS: u64 = 15;
/// The most `desktop_ids` one request may carry.
pub const MAX_DESKTOP_IDS: usize = 2000;
/// The largest `limit`.
pub const MAX_LIMIT: i64 = 100;

/// The per-day operation's `offset` and `limit`.
const PAGING: Paging = Paging {
    max_offset: i32::MAX as i64,
    min_limit: 0,
    max_limit: MAX_LIMIT,
    default_limit: MAX_LIMIT,
};

/// A desktop by its index in the fleet: the per-day operation's items,
/// which [`Fleet::matching`] finds (by id lookups when ids are given) and
/// which are never sorted.
impl Listed for usize {}

/// Periods of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupBy {
    Day,
    Hour,
}

/// A valid request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    pub desktop_ids: Option<Vec<String>>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub group_by: GroupBy,
    pub username: Option<String>,
    pub user_domain: Option<String>,
    pub offset: usize,
    pub limit: usize,
    /// The simulator's today: later days had no use yet (hours 0).
    pub today: NaiveDate,
}

/// Parses and validates a body; the error is the `error_msg` to return with `WKS.0001`.
pub(crate) fn parse(body: &[u8], today: NaiveDate) -> Result<Query, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("The request is invalid: the body is not valid JSON ({e})."))?;
    let Value::Object(obj) = value else {
        return Err("The request is invalid: the body must be a JSON object.".to_string());
    };
    let desktop_ids = match field(&obj, "desktop_ids") {
        None => None,
        Some(Value::Array(items)) => {
            if items.len() > MAX_DESKTOP_IDS {
                return Err(format!(
                    "The request is invalid: desktop_ids has {} items, at most {MAX_DESKTOP_IDS} are allowed.",
                    items.len()
                ));
            }
            let mut ids = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => ids.push(s.clone()),
                    _ => {
                        return Err(
                            "The request is invalid: desktop_ids must be an array of strings."
                                .to_string(),
                        );
                    }
                }
            }
            Some(ids)
        }
        Some(_) => {
            return Err(
                "The request is invalid: desktop_ids must be an array of strings.".to_string(),
            );
        }
    };
    let start = date_field(&obj, "start_time")?;
    let end = date_field(&obj, "end_time")?;
    let (start, end) = match (start, end) {
        (None, None) => (today - Days::new(DEFAULT_RANGE_DAYS - 1), today),
        (Some(_), None) => {
            return Err(
                "The request is invalid: end_time is required when start_time is given."
                    .to_string(),
            );
        }
        (None, Some(_)) => {
            return Err(
                "The request is invalid: start_time is required when end_time is given."
                    .to_string(),
            );
        }
        (Some(s), Some(e)) => {
            if e < s {
                return Err(format!(
                    "The request is invalid: end_time ({e}) is earlier than start_time ({s})."
                ));
            }
            let days = (e - s).num_days() + 1;
            if days > MAX_RANGE_DAYS {
                return Err(format!(
                    "The request is invalid: the range from start_time {s} to end_time {e} covers {days} days, at most {MAX_RANGE_DAYS} are allowed."
                ));
            }
            (s, e)
        }
    };
    let group_by = match field(&obj, "group_by_type") {
        None => GroupBy::Day,
        Some(Value::String(s)) if s == "DAY" => GroupBy::Day,
        Some(Value::String(s)) if s == "HOUR" => GroupBy::Hour,
        Some(other) => {
            return Err(format!(
                "The request is invalid: group_by_type must be DAY or HOUR, got {other}."
            ));
        }
    };
    let username = string_field(&obj, "desktop_username")?;
    let user_domain = string_field(&obj, "desktop_user_domain")?;
    let Window { offset, limit } =
        PAGING.window(|name, min, max| int_field(&obj, name, min, max))?;
    Ok(Query {
        desktop_ids,
        start,
        end,
        group_by,
        username,
        user_domain,
        offset,
        limit,
        today,
    })
}

/// A field, with `null` taken as absent.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn string_field(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("The request is invalid: {name} must be a string.")),
    }
}

fn date_field(obj: &Map<String, Value>, name: &str) -> Result<Option<NaiveDate>, String> {
    let bad = |got: &Value| {
        format!("The request is invalid: {name} must be a date in yyyy-MM-dd format, got {got}.")
    };
    match field(obj, name) {
        None => Ok(None),
        Some(v @ Value::String(s)) => {
            let b = s.as_bytes();
            let shaped = b.len() == 10
                && b[4] == b'-'
                && b[7] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
            if !shaped {
                return Err(bad(v));
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| bad(v))
        }
        Some(v) => Err(bad(v)),
    }
}

fn int_field(
    obj: &Map<String, Value>,
    name: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, String> {
    match field(obj, name) {
        None => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(format!(
                "The request is invalid: {name} must be an integer from {min} to {max}, got {v}."
            )),
        },
    }
}

/// Writes the 200 body for a valid query.
pub(crate) fn answer(fleet: &Fleet, cache: &DailyCache, q: &Query, string_hours: bool) -> String {
    let matching = fleet.matching(
        q.desktop_ids.as_deref(),
        q.username.as_deref(),
        q.user_domain.as_deref(),
    );
    let window = Window {
        offset: q.offset,
        limit: q.limit,
    };
    let (total, page) = list::page(matching, &All, None, window);
    let days: Vec<(NaiveDate, String)> = q
        .start
        .iter_days()
        .take_while(|d| *d <= q.end)
        .map(|d| (d, d.format("%Y-%m-%d").to_string()))
        .collect();
    let daily: Vec<std::sync::Arc<Vec<u16>>> = match q.group_by {
        GroupBy::Day if !page.is_empty() => {
            days.iter().map(|(d, _)| cache.day(fleet, *d)).collect()
        }
        _ => Vec::new(),
    };
    let periods = match q.group_by {
        GroupBy::Day => days.len(),
        GroupBy::Hour => days.len() * 24,
    };
    let mut out = String::with_capacity(64 + page.len() * (120 + periods * 40));
    out.push_str("{\"desktop_used_info_list\":[");
    for (n, &i) in page.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let d = &fleet.desktops()[i];
        out.push_str("{\"desktop_id\":");
        push_json_str(&mut out, &d.id);
        if let Some(u) = &d.username {
            out.push_str(",\"desktop_username\":");
            push_json_str(&mut out, u);
        }
        out.push_str(",\"used_info_list\":[");
        let mut first = true;
        for (k, (date, text)) in days.iter().enumerate() {
            let future = *date > q.today;
            match q.group_by {
                GroupBy::Day => {
                    let value = if future {
                        0
                    } else {
                        daily.get(k).and_then(|d| d.get(i)).copied().unwrap_or(0)
                    };
                    push_period(
                        &mut out,
                        &mut first,
                        text,
                        None,
                        u64::from(value),
                        string_hours,
                    );
                }
                GroupBy::Hour => {
                    for h in 0..24 {
                        push_period(
                            &mut out,
                            &mut first,
                            text,
                            Some(h),
                            if future {
                                0
                            } else {
                                fleet.hourly_hundredths(i, *date, h)
                            },
                            string_hours,
                        );
                    }
                }
            }
        }
        out.push_str("]}");
    }
    let _ = write!(out, "],\"total_count\":{total}}}");
    out
}

fn push_period(
    out: &mut String,
    first: &mut bool,
    date: &str,
    hour: Option<u32>,
    hundredths: u64,
    string_hours: bool,
) {
    if !*first {
        out.push(',');
    }
    *first = false;
    out.push_str("{\"date\":\"");
    out.push_str(date);
    if let Some(h) = hour {
        out.push(' ');
        push_two_digits(out, u64::from(h));
        out.push_str(":00");
    }
    out.push_str("\",\"use_time\":");
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    if string_hours {
        out.push('"');
        push_number(out, whole);
        out.push('.');
        push_two_digits(out, frac);
        out.push('"');
    } else {
        push_number(out, whole);
        if frac % 10 != 0 {
            out.push('.');
            push_two_digits(out, frac);
        } else if frac != 0 {
            out.push('.');
            push_number(out, frac / 10);
        }
    }
    out.push('}');
}

/// Appends `n` in decimal (cheaper than `write!` in this hot loop).
fn push_number(out: &mut String, n: u64) {
    if n >= 10 {
        push_number(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Appends `n` (below 100) as two digits.
fn push_two_digits(out: &mut String, n: u64) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    // serde_json's escaping, without an intermediate Value.
    match serde_json::to_string(s) {
        Ok(text) => out.push_str(&text),
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
    }

    #[test]
    fn defaults() {
        let q = parse(b"{}", today()).unwrap();
        assert_eq!(q.start, NaiveDate::from_ymd_opt(2024, 6, 16).unwrap());
        assert_eq!(q.end, today());
        assert_eq!(q.group_by, GroupBy::Day);
        assert_eq!((q.offset, q.limit), (0, 100));
        assert_eq!(q.desktop_ids, None);
    }

    #[test]
    fn nulls_are_absent() {
        let q = parse(
            br#"{"start_time":null,"end_time":null,"limit":null,"desktop_ids":null}"#,
            today(),
        )
        .unwrap();
        assert_eq!(q, parse(b"{}", today()).unwrap());
    }

    #[test]
    fn number_and_string_hours() {
        let fleet = Fleet::new(1, 3);
        let mut q = parse(
            br#"{"start_time":"2024-01-01","end_time":"2024-01-03"}"#,
            today(),
        )
        .unwrap();
        let cache = DailyCache::default();
        let n: Value = serde_json::from_str(&answer(&fleet, &cache, &q, false)).unwrap();
        let s: Value = serde_json::from_str(&answer(&fleet, &cache, &q, true)).unwrap();
        for (i, d) in n["desktop_used_info_list"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            for (j, p) in d["used_info_list"].as_array().unwrap().iter().enumerate() {
                let date = q.start + Days::new(j as u64);
                let h = fleet.daily_hundredths(i, date);
                assert_eq!(p["use_time"].as_f64().unwrap(), h as f64 / 100.0);
                let text = &s["desktop_used_info_list"][i]["used_info_list"][j]["use_time"];
                assert_eq!(
                    text.as_str().unwrap(),
                    format!("{}.{:02}", h / 100, h % 100)
                );
            }
        }
        q.group_by = GroupBy::Hour;
        let h: Value = serde_json::from_str(&answer(&fleet, &cache, &q, false)).unwrap();
        let list = h["desktop_used_info_list"][0]["used_info_list"]
            .as_array()
            .unwrap();
        assert_eq!(list.len(), 72);
        assert_eq!(list[0]["date"], "2024-01-01 00:00");
        assert_eq!(list[71]["date"], "2024-01-03 23:00");
    }
}
