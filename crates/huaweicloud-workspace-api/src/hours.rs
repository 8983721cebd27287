//! [`Hours`]: an exact count of hundredths of an hour.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration in hours, held exactly as a whole number of hundredths.
///
/// The service documents `use_time` as a string with two decimals ("1.32"),
/// yet sends JSON numbers (`12.62`) too. `Hours` decodes both to the same
/// value, and sums without floating-point error: a year of hourly values
/// adds up to exactly what the service reported.
///
/// Decoding rules:
/// - `12.62`, `"12.62"`, `12.6`, `"12"` and `0` are accepted.
/// - More than two decimals are rounded to the nearest hundredth, halves away
///   from zero: `1.005` and `"1.005"` both become `1.01`, `2.344` becomes `2.34`.
///   A number is rounded from the shortest decimal form of the `f64` it
///   parses to, so a JSON number and the same digits in a string agree for
///   every number of up to 15 significant digits (anything the service sends).
/// - Negative values, NaN, infinities and values above [`Hours::MAX_DECODED`]
///   are decode errors. A JSON number is read by its value, whatever its
///   notation (`1e2` is 100 hours); a string must be a plain decimal
///   (`"1e2"`, `"+1"`, `"1,5"` are decode errors).
///
/// It serializes as a JSON number (`12.62`) and displays with two decimals (`12.60`).
///
/// ```
/// use huaweicloud_workspace_api::Hours;
///
/// let a: Hours = serde_json::from_str("12.62").unwrap();
/// let b: Hours = serde_json::from_str("\"12.62\"").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.hundredths(), 1262);
/// assert_eq!((a + b).to_string(), "25.24");
/// assert!(serde_json::from_str::<Hours>("-1").is_err());
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hours(u64);

/// Why a value could not be read as [`Hours`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    /// The value is below zero.
    #[error("hours must not be negative, got {0}")]
    Negative(String),
    /// The value is NaN or infinite.
    #[error("hours must be a finite number, got {0}")]
    NotFinite(String),
    /// The value is larger than [`Hours::MAX_DECODED`].
    #[error("hours must be at most {max}, got {value}")]
    TooLarge {
        /// What was received (shortened when long).
        value: String,
        /// The largest accepted value, in hours.
        max: u64,
    },
    /// The text is not a plain decimal such as `12.62`.
    #[error("hours must be a decimal number such as 12.62, got {0:?}")]
    Malformed(String),
}

impl Hours {
    /// Zero hours.
    pub const ZERO: Hours = Hours(0);

    /// The largest value accepted when decoding, in hours: far above any
    /// real period (a day has 24), yet far below where sums could overflow.
    pub const MAX_DECODED: u64 = 1_000_000;

    /// Makes a value from a whole number of hundredths of an hour.
    pub const fn from_hundredths(hundredths: u64) -> Self {
        Hours(hundredths)
    }

    /// The value as a whole number of hundredths of an hour.
    pub const fn hundredths(self) -> u64 {
        self.0
    }

    /// Whether the value is exactly zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The value as an `f64`, for display or charts; never add these up.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Adds two values, saturating at `u64::MAX` hundredths instead of overflowing.
    pub const fn saturating_add(self, other: Hours) -> Hours {
        Hours(self.0.saturating_add(other.0))
    }

    /// Reads a finite, non-negative `f64` from its shortest decimal form.
    pub fn from_f64(value: f64) -> Result<Self, HoursError> {
        if !value.is_finite() {
            return Err(HoursError::NotFinite(value.to_string()));
        }
        if value < 0.0 {
            return Err(HoursError::Negative(value.to_string()));
        }
        if value > Self::MAX_DECODED as f64 {
            return Err(too_large(&value.to_string()));
        }
        // Most values have at most two decimals. Then the nearest integer to
        // value × 100 divided back by 100 is the same f64, and, as two
        // such decimals below MAX_DECODED are far more than an ulp apart,
        // it is the shortest decimal of the value: the slow path's result,
        // without formatting the float.
        let scaled = (value * 100.0).round();
        if scaled / 100.0 == value {
            return Ok(Hours(scaled as u64));
        }
        // `Display` of an f64 is its shortest round-tripping decimal, never
        // in exponent form: the same digits a string would carry.
        parse_decimal(&value.to_string())
    }
}

fn too_large(text: &str) -> HoursError {
    let mut value: String = text.chars().take(24).collect();
    if value.len() < text.len() {
        value.push('…');
    }
    HoursError::TooLarge {
        value,
        max: Hours::MAX_DECODED,
    }
}

/// Parses `digits[.digits]`, rounding past two decimals, halves away from zero.
fn parse_decimal(text: &str) -> Result<Hours, HoursError> {
    let trimmed = text.trim();
    let malformed = || HoursError::Malformed(text.chars().take(40).collect());
    if let Some(rest) = trimmed.strip_prefix('-') {
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            // "-0" and "-0.00" are zero written oddly, not a negative duration.
            if rest.bytes().all(|b| b == b'0' || b == b'.') && rest.bytes().any(|b| b == b'0') {
                return parse_decimal(rest);
            }
            return Err(HoursError::Negative(trimmed.to_string()));
        }
        return Err(malformed());
    }
    let (whole, frac) = match trimmed.split_once('.') {
        Some((w, f)) => (w, f),
        None => (trimmed, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) {
        return Err(malformed());
    }
    if trimmed.ends_with('.') {
        return Err(malformed());
    }
    let whole_digits = whole.trim_start_matches('0');
    // More than 7 significant whole digits is above MAX_DECODED for sure.
    if whole_digits.len() > 7 {
        return Err(too_large(trimmed));
    }
    let whole_value: u64 = if whole_digits.is_empty() {
        0
    } else {
        whole_digits.parse().map_err(|_| malformed())?
    };
    let frac_bytes = frac.as_bytes();
    let digit = |i: usize| frac_bytes.get(i).map_or(0, |b| u64::from(b - b'0'));
    let mut hundredths = whole_value * 100 + digit(0) * 10 + digit(1);
    if digit(2) >= 5 {
        hundredths += 1;
    }
    if hundredths > Hours::MAX_DECODED * 100 {
        return Err(too_large(trimmed));
    }
    Ok(Hours(hundredths))
}

impl FromStr for Hours {
    type Err = HoursError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_decimal(s)
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand into the stack, not with `format!`: exports and
        // reports display every period, and an allocation per value was a
        // tenth of a year's report. `u64::MAX` hundredths are 18 whole
        // digits, the point and two decimals.
        let (mut whole, cents) = (self.0 / 100, self.0 % 100);
        let mut buf = [0u8; 24];
        // Both digits of `cents` are below 10: the casts cannot truncate.
        buf[21..].copy_from_slice(&[b'.', b'0' + (cents / 10) as u8, b'0' + (cents % 10) as u8]);
        let mut at = 21;
        loop {
            at -= 1;
            buf[at] = b'0' + (whole % 10) as u8;
            whole /= 10;
            if whole == 0 {
                break;
            }
        }
        // Only ASCII digits and a point were written.
        f.pad(std::str::from_utf8(&buf[at..]).unwrap_or_default())
    }
}

impl fmt::Debug for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hours({self})")
    }
}

impl Add for Hours {
    type Output = Hours;

    /// Saturates instead of overflowing: `u64` hundredths hold 1.8e17 hours.
    fn add(self, rhs: Hours) -> Hours {
        self.saturating_add(rhs)
    }
}

impl std::ops::AddAssign for Hours {
    fn add_assign(&mut self, rhs: Hours) {
        *self = self.saturating_add(rhs);
    }
}

impl Sum for Hours {
    fn sum<I: Iterator<Item = Hours>>(iter: I) -> Hours {
        iter.fold(Hours::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Hours> for Hours {
    fn sum<I: Iterator<Item = &'a Hours>>(iter: I) -> Hours {
        iter.copied().sum()
    }
}

impl Serialize for Hours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Exact for every value below 2^53 hundredths; the shortest decimal
        // of the quotient is the two-decimal text.
        serializer.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HoursVisitor)
    }
}

struct HoursVisitor;

impl Visitor<'_> for HoursVisitor {
    type Value = Hours;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative number of hours, as a number or a decimal string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Hours, E> {
        if v > Hours::MAX_DECODED {
            return Err(E::custom(too_large(&v.to_string())));
        }
        Ok(Hours(v * 100))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Hours, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(HoursError::Negative(v.to_string()))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Hours, E> {
        Hours::from_f64(v).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Hours, E> {
        parse_decimal(v).map_err(E::custom)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Hours {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Hours".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Hours, exact to the hundredth (two decimals).",
            "type": "number",
            "minimum": 0,
            "multipleOf": 0.01
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn de(json: &str) -> Result<Hours, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn number_and_string_decode_alike() {
        for (num, text) in [("12.62", "\"12.62\""), ("0", "\"0\""), ("3.5", "\"3.50\"")] {
            assert_eq!(de(num).unwrap(), de(text).unwrap(), "{num} vs {text}");
        }
        assert_eq!(de("12.62").unwrap().hundredths(), 1262);
        assert_eq!(de("24").unwrap().hundredths(), 2400);
    }

    #[test]
    fn more_than_two_decimals_round_half_away_from_zero() {
        assert_eq!(de("1.005").unwrap().hundredths(), 101);
        assert_eq!(de("\"1.005\"").unwrap().hundredths(), 101);
        assert_eq!(de("2.344").unwrap().hundredths(), 234);
        assert_eq!(de("2.3449").unwrap().hundredths(), 234);
        assert_eq!(de("0.999").unwrap().hundredths(), 100);
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "-1",
            "-0.01",
            "\"-3\"",
            "1e308",
            "\"1e3\"",
            "\"abc\"",
            "\"\"",
            "\"1.\"",
            "\".5\"",
            "\"1,5\"",
            "\"NaN\"",
            "\"inf\"",
            "true",
            "null",
            "[]",
            "{}",
            "\"1000001\"",
            "1000001",
            "\"99999999999999999999999\"",
        ] {
            assert!(de(bad).is_err(), "{bad} should not decode");
        }
        assert!(Hours::from_f64(f64::NAN).is_err());
        assert!(Hours::from_f64(f64::INFINITY).is_err());
        assert!(Hours::from_f64(-0.5).is_err());
    }

    #[test]
    fn negative_zero_is_zero() {
        assert_eq!(de("-0.0").unwrap(), Hours::ZERO);
        assert_eq!(de("\"-0\"").unwrap(), Hours::ZERO);
    }

    #[test]
    fn serializes_as_number_and_displays_two_decimals() {
        let h = Hours::from_hundredths(1262);
        assert_eq!(serde_json::to_string(&h).unwrap(), "12.62");
        assert_eq!(Hours::from_hundredths(1260).to_string(), "12.60");
        assert_eq!(Hours::from_hundredths(5).to_string(), "0.05");
        assert_eq!(format!("{:>8}", Hours::from_hundredths(5)), "    0.05");
        assert_eq!(Hours::ZERO.to_string(), "0.00");
        assert_eq!(Hours::from_hundredths(100).to_string(), "1.00");
        assert_eq!(
            Hours::from_hundredths(u64::MAX).to_string(),
            "184467440737095516.15"
        );
    }

    #[test]
    fn sums_exactly() {
        let parts: Vec<Hours> = std::iter::repeat_n(de("0.01").unwrap(), 10_000).collect();
        assert_eq!(parts.iter().sum::<Hours>().to_string(), "100.00");
    }

    proptest::proptest! {
        #[test]
        fn round_trips_through_json(h in 0u64..=Hours::MAX_DECODED * 100) {
            let value = Hours::from_hundredths(h);
            let json = serde_json::to_string(&value).unwrap();
            proptest::prop_assert_eq!(de(&json).unwrap(), value);
            proptest::prop_assert_eq!(de(&format!("\"{value}\"")).unwrap(), value);
        }

        #[test]
        fn the_fast_path_for_floats_agrees_with_their_shortest_decimal(
            value in proptest::prop_oneof![
                (0u64..=Hours::MAX_DECODED * 100).prop_map(|h| h as f64 / 100.0),
                (0u64..=Hours::MAX_DECODED * 10_000).prop_map(|h| h as f64 / 10_000.0),
                0.0f64..=Hours::MAX_DECODED as f64,
            ]
        ) {
            // The float path against the text of the same value, which
            // never takes the fast path.
            proptest::prop_assert_eq!(
                Hours::from_f64(value).unwrap(),
                value.to_string().parse::<Hours>().unwrap()
            );
        }

        #[test]
        fn displays_like_the_arithmetic(h in proptest::prop_oneof![
            0u64..=100_000,
            proptest::num::u64::ANY,
        ]) {
            let text = format!("{}.{:02}", h / 100, h % 100);
            let value = Hours::from_hundredths(h);
            proptest::prop_assert_eq!(value.to_string(), text.clone());
            proptest::prop_assert_eq!(format!("{value:>30}"), format!("{text:>30}"));
            proptest::prop_assert_eq!(format!("{value:<30}|"), format!("{text:<30}|"));
        }

        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,40}") {
            let _ = s.parse::<Hours>();
        }
    }
}
