//! The periods of a report: days and hours as the service labels them.

use std::cmp::Ordering;
use std::fmt;

use chrono::{Datelike as _, NaiveDate, NaiveDateTime, NaiveTime, Timelike as _};

/// The wire format of a daily period: `yyyy-MM-dd`.
pub(crate) const DAY_FORMAT: &str = "%Y-%m-%d";
/// The wire format of an hourly period: `yyyy-MM-dd HH:00` (UTC, the hour it starts).
pub(crate) const HOUR_FORMAT: &str = "%Y-%m-%d %H:%M";

/// One period of a desktop's usage, as the service labels it.
///
/// Days and hours in the documented formats are parsed; any other label is
/// kept as text by [`Period::parse`]. A query refuses a page whose periods
/// are not real days (or hours, with [`GroupBy::Hour`](crate::GroupBy::Hour)) of the asked range
/// ([`Error::InvalidResponse`](crate::Error::InvalidResponse)): hours that no
/// day shows must never be counted. Only a raw
/// [`page`](crate::DesktopUsageQuery::page) keeps [`Period::Other`] labels.
///
/// `Display` gives the service's text back (`2024-01-02`, `2024-01-02 13:00`).
/// The order is time order (a day sorts before the hours of that day); labels
/// kept as text sort after every dated period, by text.
///
/// ```
/// use huaweicloud_workspace::Period;
///
/// let day = Period::parse("2024-01-02");
/// let hour = Period::parse("2024-01-02 13:00");
/// let other = Period::parse("week 1");
/// assert_eq!(day.to_string(), "2024-01-02");
/// assert_eq!(hour.to_string(), "2024-01-02 13:00");
/// assert!(matches!(other, Period::Other(ref t) if t == "week 1"));
/// assert!(day < hour && hour < other);
/// assert_eq!(hour.day(), day.day());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Period {
    /// A whole day (UTC).
    Day(NaiveDate),
    /// The hour starting at this time (UTC, whole hour).
    Hour(NaiveDateTime),
    /// A label in no documented format, kept as the service sent it.
    Other(String),
}

impl Period {
    /// Reads a period label: `yyyy-MM-dd` is a day, `yyyy-MM-dd HH:00` an
    /// hour; anything else is kept as [`Period::Other`].
    pub fn parse(text: &str) -> Period {
        // By hand rather than with chrono's format strings: this runs for
        // every period of every page, and chrono's parse-then-format check
        // cost more than decoding the JSON around it.
        let b = text.as_bytes();
        match b.len() {
            10 => {
                if let Some(date) = parse_day(b) {
                    return Period::Day(date);
                }
            }
            16 if b[10] == b' ' && &b[13..] == b":00" => {
                if let (Some(date), Some(hour)) = (parse_day(&b[..10]), digits(&b[11..13]))
                    && let Some(at) = date.and_hms_opt(hour, 0, 0)
                {
                    return Period::Hour(at);
                }
            }
            _ => {}
        }
        Period::Other(text.to_string())
    }

    /// The day the period falls in, unless it is kept as text.
    pub fn day(&self) -> Option<NaiveDate> {
        match self {
            Period::Day(d) => Some(*d),
            Period::Hour(at) => Some(at.date()),
            Period::Other(_) => None,
        }
    }

    fn sort_key(&self) -> (u8, NaiveDateTime, u8, &str) {
        match self {
            Period::Day(d) => (0, d.and_time(NaiveTime::MIN), 0, ""),
            Period::Hour(at) => (0, *at, 1, ""),
            Period::Other(t) => (1, NaiveDateTime::MIN, 0, t.as_str()),
        }
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// As the service's text (`"2024-01-02"`, `"2024-01-02 13:00"`).
impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Period {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Period".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A day (yyyy-MM-dd) or an hour (yyyy-MM-dd HH:00), UTC."
        })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Day(d) => match day_text(*d) {
                Some(text) => f.write_str(ascii(&text)),
                None => write!(f, "{}", d.format(DAY_FORMAT)),
            },
            Period::Hour(at) => match day_text(at.date()) {
                Some(day) => {
                    let mut text = [0u8; 16];
                    text[..10].copy_from_slice(&day);
                    text[10] = b' ';
                    two_digits(&mut text[11..13], at.hour());
                    text[13] = b':';
                    two_digits(&mut text[14..16], at.minute());
                    f.write_str(ascii(&text))
                }
                None => write!(f, "{}", at.format(HOUR_FORMAT)),
            },
            Period::Other(t) => f.write_str(t),
        }
    }
}

/// `yyyy-MM-dd` for the years 0 to 9999, the formats' own range; chrono's
/// formatter, which parses its format string on every call, does the
/// rest (signed and five-digit years). By hand because a report writes
/// one label per period: chrono's way was a fifth of a consumer's time.
fn day_text(d: NaiveDate) -> Option<[u8; 10]> {
    let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    let mut text = *b"0000-00-00";
    two_digits(&mut text[0..2], year / 100);
    two_digits(&mut text[2..4], year % 100);
    two_digits(&mut text[5..7], d.month());
    two_digits(&mut text[8..10], d.day());
    Some(text)
}

/// Writes `n` (below 100) as two ASCII digits.
fn two_digits(out: &mut [u8], n: u32) {
    // Both digits are below 10, so the casts cannot truncate.
    out[0] = b'0' + (n / 10 % 10) as u8;
    out[1] = b'0' + (n % 10) as u8;
}

/// The ASCII text built by [`day_text`] and [`two_digits`].
fn ascii(text: &[u8]) -> &str {
    // Only ASCII digits, '-', ' ' and ':' are ever written, so this never
    // fails; an empty label would be the harmless answer if it did.
    std::str::from_utf8(text).unwrap_or_default()
}

/// `yyyy-MM-dd` exactly (four-digit year, two-digit month and day), a real date.
fn parse_day(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// A run of ASCII digits as a number (`None` for anything else, or an empty run).
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, DAY_FORMAT).unwrap()
    }

    /// The rule `Period::parse` implements by hand, written with chrono.
    fn parse_with_chrono(text: &str) -> Period {
        if text.len() == 10
            && let Ok(date) = NaiveDate::parse_from_str(text, DAY_FORMAT)
            && date.format(DAY_FORMAT).to_string() == text
        {
            return Period::Day(date);
        }
        if text.len() == 16
            && let Ok(at) = NaiveDateTime::parse_from_str(text, HOUR_FORMAT)
            && at.minute() == 0
            && at.format(HOUR_FORMAT).to_string() == text
        {
            return Period::Hour(at);
        }
        Period::Other(text.to_string())
    }

    #[test]
    fn period_parse_agrees_with_chrono() {
        let mut cases: Vec<String> = [
            "2024-01-01",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "2024-01-32",
            "0000-01-01",
            "9999-12-31",
            "2024-1-01",
            "2024-01-1",
            "+024-01-01",
            "-024-01-01",
            "2024/01/01",
            "2024-01-01 ",
            " 2024-01-01",
            "2024-01-0a",
            "２０２４-01-01",
            "2024-01-01 00:00",
            "2024-01-01 23:00",
            "2024-01-01 24:00",
            "2024-01-01 23:30",
            "2024-01-01 7:00 ",
            "2024-01-01T07:00",
            "2024-01-01 07:0a",
            "2024-02-30 01:00",
            "2024-01-01 +1:00",
            "",
            "week 1",
            "2024-01-01 07:00:00",
            "2024-01-01 -1:00",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let start = d("2023-12-25");
        for i in 0..800u64 {
            let day = start + chrono::Days::new(i);
            cases.push(day.format(DAY_FORMAT).to_string());
            cases.push(format!("{} {:02}:00", day.format(DAY_FORMAT), i % 26));
        }
        for case in &cases {
            assert_eq!(Period::parse(case), parse_with_chrono(case), "{case:?}");
        }
    }

    #[test]
    fn periods_parse_and_print_back() {
        for text in ["2024-01-02", "2024-12-31 23:00", "2024-02-29"] {
            let p = Period::parse(text);
            assert!(!matches!(p, Period::Other(_)), "{text}");
            assert_eq!(p.to_string(), text);
        }
        for text in [
            "2024-1-2",
            "2024-01-02 13:30",
            "2024-01-02T13:00",
            "2023-02-29",
            "",
            "2024-01-02 13:00:00",
            "x",
        ] {
            assert_eq!(
                Period::parse(text),
                Period::Other(text.to_string()),
                "{text}"
            );
            assert_eq!(Period::parse(text).to_string(), text);
        }
    }

    #[test]
    fn periods_sort_in_time_order_other_last() {
        let mut v: Vec<Period> = [
            "zz",
            "2024-01-02 01:00",
            "2024-01-02",
            "aa",
            "2024-01-01 23:00",
        ]
        .iter()
        .map(|t| Period::parse(t))
        .collect();
        v.sort();
        let texts: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "2024-01-01 23:00",
                "2024-01-02",
                "2024-01-02 01:00",
                "aa",
                "zz"
            ]
        );
    }

    #[test]
    fn display_writes_what_chrono_writes_for_any_date_and_time() {
        // Every 13th day from the year -2 to 10003 (and so every month and
        // leap day of some year), the edges of the hand-written range, and
        // hours with minutes a caller may build.
        let edges = [(-1, 12, 31), (0, 1, 1), (9999, 12, 31), (10000, 1, 1)];
        let mut days: Vec<NaiveDate> = edges
            .iter()
            .filter_map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
            .collect();
        let mut day = NaiveDate::from_ymd_opt(-2, 1, 1).unwrap();
        while day.year() <= 10003 {
            days.push(day);
            day = day + chrono::Days::new(13);
        }
        for (i, day) in days.into_iter().enumerate() {
            assert_eq!(
                Period::Day(day).to_string(),
                day.format(DAY_FORMAT).to_string()
            );
            let i = u32::try_from(i).unwrap();
            let at = day.and_hms_opt(i % 24, i % 60, 0).unwrap();
            assert_eq!(
                Period::Hour(at).to_string(),
                at.format(HOUR_FORMAT).to_string()
            );
        }
    }
}
