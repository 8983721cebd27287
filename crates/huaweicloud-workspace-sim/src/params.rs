//! Query-string parameters of the GET operations, validated one rule at a
//! time; every error is the `error_msg` of a 400 `WKS.0001` and names the
//! parameter and its rule.

use chrono::{DateTime, NaiveDateTime, Utc};
use percent_encoding::percent_decode_str;

/// The decoded `name=value` pairs of a query string, in order.
#[derive(Debug, Default)]
pub(crate) struct QueryParams {
    pairs: Vec<(String, String)>,
}

/// Prefixes every validation message, as the per-day operation does.
pub(crate) fn invalid(rule: impl std::fmt::Display) -> String {
    format!("The request is invalid: {rule}.")
}

fn decode(part: &str) -> Result<String, String> {
    // Form encoding: '+' is a space.
    let spaced = part.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| invalid("the query string is not valid UTF-8 once percent-decoded"))
}

impl QueryParams {
    /// Splits and percent-decodes a query string (`None`: no query).
    pub(crate) fn parse(query: Option<&str>) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for part in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((decode(name)?, decode(value)?));
        }
        Ok(QueryParams { pairs })
    }

    /// The first value of `name`. Later repeats are ignored, as gateways do.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// An optional text of `min..=max` characters.
    pub(crate) fn text(&self, name: &str, min: usize, max: usize) -> Result<Option<&str>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => {
                let n = v.chars().count();
                if (min..=max).contains(&n) {
                    Ok(Some(v))
                } else {
                    Err(invalid(format_args!(
                        "{name} must be {min} to {max} characters long, got {n}"
                    )))
                }
            }
        }
    }

    /// An optional integer within `min..=max`.
    pub(crate) fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(invalid(format_args!(
                    "{name} must be an integer from {min} to {max}, got {:?}",
                    truncate(v)
                ))),
            },
        }
    }

    /// An optional value out of `allowed` (exact, case-sensitive).
    pub(crate) fn one_of(
        &self,
        name: &str,
        allowed: &[&'static str],
    ) -> Result<Option<&'static str>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => allowed
                .iter()
                .find(|a| **a == v)
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    invalid(format_args!(
                        "{name} must be one of {}, got {:?}",
                        allowed.join(", "),
                        truncate(v)
                    ))
                }),
        }
    }

    /// A required UTC time, exactly `yyyy-MM-ddTHH:mm:ssZ`.
    pub(crate) fn time(&self, name: &str) -> Result<DateTime<Utc>, String> {
        let Some(v) = self.get(name).filter(|v| !v.is_empty()) else {
            return Err(invalid(format_args!("{name} is required")));
        };
        let b = v.as_bytes();
        let shaped = b.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z'
            && b.iter()
                .enumerate()
                .all(|(i, c)| [4, 7, 10, 13, 16, 19].contains(&i) || c.is_ascii_digit());
        let parsed = shaped
            .then(|| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%SZ").ok())
            .flatten();
        parsed.map(|t| t.and_utc()).ok_or_else(|| {
            invalid(format_args!(
                "{name} must be a UTC time in the form 2024-01-01T00:00:00Z, got {:?}",
                truncate(v)
            ))
        })
    }
}

/// At most 64 characters of a value quoted back in a message.
fn truncate(v: &str) -> String {
    v.chars().take(64).collect()
}

/// Case-insensitive substring match (Unicode lower case).
pub(crate) fn fuzzy(haystack: &str, needle_lower: &str) -> bool {
    haystack.to_lowercase().contains(needle_lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_validates() {
        let q = QueryParams::parse(Some(
            "start_time=2024-01-01T00%3A00%3A00Z&name=a+b%20c&limit=5&limit=7&empty&x=%E8%B4%A2",
        ))
        .unwrap();
        assert_eq!(q.get("name"), Some("a b c"));
        assert_eq!(q.get("empty"), Some(""));
        assert_eq!(q.get("x"), Some("财"));
        assert_eq!(q.int("limit", 1, 100).unwrap(), Some(5));
        assert_eq!(q.all("limit").count(), 2);
        assert_eq!(
            q.time("start_time").unwrap().to_rfc3339(),
            "2024-01-01T00:00:00+00:00"
        );
        assert!(
            q.time("end_time")
                .unwrap_err()
                .contains("end_time is required")
        );
        assert!(q.int("limit", 6, 9).unwrap_err().contains("limit must be"));
        assert!(QueryParams::parse(Some("a=%FF")).is_err());
        for bad in [
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.000Z",
            "2024-01-01 00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "+024-01-01T00:00:00Z",
        ] {
            let q = QueryParams::parse(Some(&format!("t={}", bad.replace('+', "%2B")))).unwrap();
            assert!(
                q.time("t").unwrap_err().contains("t must be a UTC time"),
                "{bad}"
            );
        }
        assert!(fuzzy("WKS-Recepção-001", "recepç"));
    }
}
