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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_takes_days() {
        assert_eq!(parse_days("45d"), Ok(45));
        assert!(parse_days("45").is_err());
        assert!(parse_days("0d").is_err());
        assert!(parse_days("-1d").is_err());
        assert!(parse_days("d").is_err());
        assert!(parse_days("99999999999d").is_err());
        // Past the old 3650-day cap: the calendar is the limit, checked later.
        assert_eq!(parse_days("3651d"), Ok(3651));
        assert_eq!(parse_days("4294967295d"), Ok(u32::MAX));
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2024-01-31").is_ok());
        assert!(parse_date("2024-1-31").is_err());
        assert!(parse_date("2024-02-30").is_err());
        assert!(parse_date("31/01/2024").is_err());
    }

    #[test]
    fn threshold_is_exact() {
        assert_eq!(parse_hours("1.5"), Ok(Hours::from_hundredths(150)));
        assert!(parse_hours("-1").is_err());
        assert!(parse_hours("abc").is_err());
    }
}
