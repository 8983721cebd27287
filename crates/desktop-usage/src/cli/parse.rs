//! Parsers of flag values, each naming its rule in the error.

use chrono::NaiveDate;
use huaweicloud_workspace::{Concurrency, Hours};

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| "expected a UTC date written YYYY-MM-DD, e.g. 2024-01-31".to_string())
}

pub(crate) fn parse_days(text: &str) -> Result<u32, String> {
    let rule = "expected a number of days followed by d, at least 1d, e.g. 45d";
    let digits = text.strip_suffix('d').ok_or_else(|| rule.to_string())?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(rule.to_string());
    }
    // Any length the calendar allows: how far back is checked against today.
    match digits.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(rule.to_string()),
    }
}

/// One desktop id, trimmed (a pasted `" d-1 "` means `d-1`).
pub(crate) fn parse_desktop_id(text: &str) -> Result<String, String> {
    let id = text.trim();
    if id.is_empty() {
        return Err("a desktop id cannot be empty or blank".to_string());
    }
    Ok(id.to_string())
}

pub(crate) fn parse_hours(text: &str) -> Result<Hours, String> {
    text.parse::<Hours>().map_err(|e| e.to_string())
}

/// `auto`, or a number of requests in 1..=256.
pub(crate) fn parse_concurrency(text: &str) -> Result<Concurrency, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(Concurrency::Auto);
    }
    match text.parse::<u64>() {
        Ok(n @ 1..=256) => Ok(Concurrency::Fixed(n as usize)),
        Ok(n) => Err(format!("{n} is not in 1..=256 (or `auto`)")),
        Err(e) => Err(format!("{e}: expected `auto` or a number in 1..=256")),
    }
}
