//! `report` rows in the machine formats, written straight from what a
//! desktop holds: exact hundredths, dates as integers, and its id, name and
//! user escaped once per desktop rather than once per row. This is the
//! export's hot path (a row per desktop and period), so a row allocates
//! nothing: every desktop's rows go into one reused buffer.
//!
//! The bytes are those of [`ReportRow`](crate::rows::ReportRow) written by
//! serde (json, ndjson) and by its [`CsvRow`](crate::output::CsvRow) fields
//! (csv); the tests below hold the two paths to the same output.

use std::io;

use chrono::{Datelike, NaiveDate, Timelike};
use huaweicloud_workspace::{DesktopUsage, Hours, Period};

use crate::output::{Format, csv_field};

/// Formats the `report` rows of one desktop at a time.
pub struct ReportRows {
    format: Format,
    /// The rows of the current desktop.
    buf: Vec<u8>,
    /// Each row's first fields (id and name), up to the user.
    head: Vec<u8>,
    /// The user field of the desktop, then of each of its reassignments.
    users: Vec<u8>,
    user_ends: Vec<usize>,
}

impl ReportRows {
    /// A formatter for `format` (csv, json or ndjson).
    pub fn new(format: Format) -> Self {
        ReportRows {
            format,
            buf: Vec::new(),
            head: Vec::new(),
            users: Vec::new(),
            user_ends: Vec::new(),
        }
    }

    /// The rows of `desktop`, named `name`, in period order, as
    /// [`RowWriter::chunk`](crate::output::RowWriter::chunk) takes them. A
    /// desktop without periods has one row, with no date and 0.00 hours, so
    /// that every format shows the same desktops.
    pub fn desktop(&mut self, desktop: &DesktopUsage, name: Option<&str>) -> io::Result<&[u8]> {
        let csv = self.format == Format::Csv;
        self.buf.clear();
        self.head.clear();
        self.users.clear();
        self.user_ends.clear();
        if csv {
            csv_field(&mut self.head, &desktop.desktop_id, true);
            self.head.push(b',');
            csv_field(&mut self.head, name.unwrap_or_default(), true);
            self.head.push(b',');
        } else {
            self.head.extend_from_slice(b"{\"desktop_id\":");
            json_string(&mut self.head, &desktop.desktop_id)?;
            self.head.extend_from_slice(b",\"computer_name\":");
            json_option(&mut self.head, name)?;
            self.head.extend_from_slice(b",\"desktop_username\":");
        }
        // A reassigned desktop's rows carry the user of each period's window.
        let users = std::iter::once(desktop.username.as_deref())
            .chain(desktop.reassignments.iter().map(|a| a.username.as_deref()));
        for user in users {
            if csv {
                csv_field(&mut self.users, user.unwrap_or_default(), true);
            } else {
                json_option(&mut self.users, user)?;
            }
            self.user_ends.push(self.users.len());
        }
        if desktop.periods.is_empty() {
            self.row(0, None, Hours::ZERO)?;
        }
        for p in &desktop.periods {
            let user = match p.period.day() {
                Some(day) if !desktop.reassignments.is_empty() => desktop
                    .reassignments
                    .iter()
                    .position(|a| a.from <= day && day <= a.to)
                    .map_or(0, |i| i + 1),
                _ => 0,
            };
            self.row(user, Some(&p.period), p.hours)?;
        }
        Ok(&self.buf)
    }

    /// Appends one row: the head, the `user`-th user field, the period and the hours.
    fn row(&mut self, user: usize, period: Option<&Period>, hours: Hours) -> io::Result<()> {
        let start = user.checked_sub(1).map_or(0, |i| self.user_ends[i]);
        let user = &self.users[start..self.user_ends[user]];
        let buf = &mut self.buf;
        match self.format {
            Format::Csv => {
                buf.extend_from_slice(&self.head);
                buf.extend_from_slice(user);
                buf.push(b',');
                match period {
                    Some(Period::Other(text)) => csv_field(buf, text, true),
                    // Digits and dashes: nothing to quote or guard.
                    Some(p) => period_text(buf, p),
                    None => {}
                }
                buf.push(b',');
                hundredths(buf, hours.hundredths());
                buf.push(b'\n');
            }
            Format::Json | Format::Ndjson | Format::Table => {
                if self.format == Format::Json && !buf.is_empty() {
                    buf.extend_from_slice(b",\n  ");
                }
                buf.extend_from_slice(&self.head);
                buf.extend_from_slice(user);
                buf.extend_from_slice(b",\"date\":");
                match period {
                    Some(Period::Other(text)) => json_string(buf, text)?,
                    Some(p) => {
                        buf.push(b'"');
                        period_text(buf, p);
                        buf.push(b'"');
                    }
                    None => buf.extend_from_slice(b"null"),
                }
                buf.extend_from_slice(b",\"hours\":");
                hundredths(buf, hours.hundredths());
                buf.push(b'}');
                if self.format != Format::Json {
                    buf.push(b'\n');
                }
            }
        }
        Ok(())
    }
}

/// A JSON string, escaped by serde_json's rules (the same bytes as the rows
/// serde writes elsewhere).
fn json_string(out: &mut Vec<u8>, text: &str) -> io::Result<()> {
    serde_json::to_writer(out, text).map_err(io::Error::from)
}

fn json_option(out: &mut Vec<u8>, text: Option<&str>) -> io::Result<()> {
    match text {
        Some(text) => json_string(out, text),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// `12.60` from 1260: the exact hundredths, always two decimals.
pub fn hundredths(out: &mut Vec<u8>, value: u64) {
    decimal(out, value / 100);
    let cents = (value % 100) as u8;
    out.extend_from_slice(&[b'.', b'0' + cents / 10, b'0' + cents % 10]);
}

fn decimal(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

fn two_digits(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&[b'0' + (value / 10 % 10) as u8, b'0' + (value % 10) as u8]);
}

/// `YYYY-MM-DD`, as chrono's `%Y-%m-%d` writes the years the service can send.
fn date_text(out: &mut Vec<u8>, day: NaiveDate) {
    let year = day.year();
    if !(0..=9999).contains(&year) {
        // Beyond four digits chrono adds a sign; rare enough to ask it.
        out.extend_from_slice(day.format("%Y-%m-%d").to_string().as_bytes());
        return;
    }
    let year = year.unsigned_abs();
    two_digits(out, year / 100);
    two_digits(out, year % 100);
    out.push(b'-');
    two_digits(out, day.month());
    out.push(b'-');
    two_digits(out, day.day());
}

/// The period as [`Period`]'s `Display` writes it: `YYYY-MM-DD` or
/// `YYYY-MM-DD HH:MM`; a label in no known format as it came.
fn period_text(out: &mut Vec<u8>, period: &Period) {
    match period {
        Period::Day(day) => date_text(out, *day),
        Period::Hour(at) => {
            date_text(out, at.date());
            out.push(b' ');
            two_digits(out, at.hour());
            out.push(b':');
            two_digits(out, at.minute());
        }
        Period::Other(text) => out.extend_from_slice(text.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::RowWriter;
    use crate::rows::build::report_rows;
    use crate::rows::{Named, Names, ReportRow};
    use huaweicloud_workspace::{Assignment, PeriodUsage};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn usage(period: Period, hundredths: u64) -> PeriodUsage {
        PeriodUsage {
            period,
            hours: Hours::from_hundredths(hundredths),
        }
    }

    /// Desktops with everything a hostile or odd answer can hold.
    fn desktops() -> Vec<DesktopUsage> {
        let hour = |d: u32, h: u32| day(2024, 2, d).and_hms_opt(h, 0, 0).unwrap();
        vec![
            DesktopUsage {
                desktop_id: "d1".into(),
                username: Some("ann".into()),
                periods: vec![
                    usage(Period::Day(day(2024, 1, 1)), 1260),
                    usage(Period::Day(day(2024, 1, 2)), 0),
                    usage(Period::Day(day(2024, 1, 3)), 123_456_789),
                ],
                reassignments: Vec::new(),
            },
            DesktopUsage {
                desktop_id: "=cmd|' /C calc'!A0".into(),
                username: Some("say \"hi\",\n\u{1b}[2J\u{202e}张伟 🎉".into()),
                periods: vec![
                    usage(Period::Hour(hour(3, 0)), 5),
                    usage(Period::Hour(hour(3, 23)), 100),
                    usage(Period::Other("+1 \"odd\",label\u{7}".into()), 7),
                ],
                reassignments: Vec::new(),
            },
            DesktopUsage {
                desktop_id: "d3".into(),
                username: None,
                periods: Vec::new(),
                reassignments: Vec::new(),
            },
            DesktopUsage {
                desktop_id: "d4".into(),
                username: Some("bob".into()),
                periods: vec![
                    usage(Period::Day(day(2024, 1, 30)), 100),
                    usage(Period::Day(day(2024, 2, 1)), 200),
                    usage(Period::Day(day(2024, 3, 9)), 300),
                    usage(Period::Day(day(999, 3, 9)), 1),
                ],
                reassignments: vec![
                    Assignment {
                        from: day(2024, 1, 1),
                        to: day(2024, 1, 31),
                        username: Some("-alice".into()),
                    },
                    Assignment {
                        from: day(2024, 2, 1),
                        to: day(2024, 2, 29),
                        username: None,
                    },
                ],
            },
        ]
    }

    fn names() -> Names {
        let named = |id: &str, name: &str| {
            let d = Named {
                computer_name: Some(name.into()),
                ..Named::default()
            };
            (Box::from(id), d)
        };
        [named("d1", "WKS-001"), named("d4", "@SUM(A1)\r\"x\"")]
            .into_iter()
            .collect()
    }

    /// The reference: `ReportRow`s written one by one by serde and the csv fields.
    fn by_rows(format: Format, desktops: &[DesktopUsage], names: Option<&Names>) -> Vec<u8> {
        let mut w = RowWriter::new(format, Vec::new());
        for d in desktops {
            for row in report_rows(d, names) {
                w.row(&row).unwrap();
            }
        }
        w.finish::<ReportRow>().unwrap()
    }

    fn by_chunks(format: Format, desktops: &[DesktopUsage], names: Option<&Names>) -> Vec<u8> {
        let mut rows = ReportRows::new(format);
        let mut w = RowWriter::new(format, Vec::new());
        for d in desktops {
            let name = names
                .and_then(|n| n.get(d.desktop_id.as_str()))
                .and_then(|x| x.computer_name.as_deref());
            w.chunk::<ReportRow>(rows.desktop(d, name).unwrap())
                .unwrap();
        }
        w.finish::<ReportRow>().unwrap()
    }

    #[test]
    fn the_same_bytes_as_the_rows_written_by_serde_and_csv_fields() {
        let desktops = desktops();
        let names = names();
        for format in [Format::Csv, Format::Json, Format::Ndjson] {
            for names in [None, Some(&names)] {
                for n in [0, 1, desktops.len()] {
                    let expected = by_rows(format, &desktops[..n], names);
                    let got = by_chunks(format, &desktops[..n], names);
                    assert_eq!(
                        String::from_utf8_lossy(&got),
                        String::from_utf8_lossy(&expected),
                        "{format:?}, names {}, {n} desktops",
                        names.is_some()
                    );
                }
            }
        }
    }

    #[test]
    fn a_row_is_what_the_readme_shows() {
        let desktops = desktops();
        let names = names();
        let csv = by_chunks(Format::Csv, &desktops[..1], Some(&names));
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "desktop_id,computer_name,desktop_username,date,hours\n\
             d1,WKS-001,ann,2024-01-01,12.60\n\
             d1,WKS-001,ann,2024-01-02,0.00\n\
             d1,WKS-001,ann,2024-01-03,1234567.89\n"
        );
        let reassigned = by_chunks(Format::Ndjson, &desktops[3..], None);
        let users: Vec<serde_json::Value> = String::from_utf8(reassigned)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["desktop_username"].clone()
            })
            .collect();
        assert_eq!(
            users,
            [
                serde_json::json!("-alice"),
                serde_json::Value::Null,
                serde_json::json!("bob"),
                serde_json::json!("bob")
            ]
        );
    }

    #[test]
    fn hundredths_are_exact_with_two_decimals() {
        for (value, text) in [
            (0, "0.00"),
            (5, "0.05"),
            (100, "1.00"),
            (1260, "12.60"),
            (u64::MAX, "184467440737095516.15"),
        ] {
            let mut out = Vec::new();
            hundredths(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), text);
            assert_eq!(Hours::from_hundredths(value).to_string(), text);
        }
    }
}
