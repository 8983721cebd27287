//! Machine formats (csv, json, ndjson), row by row or in chunks of rows
//! formatted beforehand.

use std::io::{self, Write};

use serde::Serialize;

use super::Format;
use crate::sanitize;

/// One csv field: text from the service (guarded against spreadsheet
/// formulas) or a number we formatted ourselves (written exactly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// Text that came from the service (ids, names, period labels).
    Text(String),
    /// A number or date we wrote ourselves.
    Number(String),
}

/// A row type that can be written as csv as well as JSON.
pub trait CsvRow: Serialize {
    /// The header line's fields: the JSON field names.
    const HEADERS: &'static [&'static str];
    /// The fields of this row, in header order; null is an empty field.
    fn fields(&self) -> Vec<Field>;
}

/// Appends one csv field (RFC 4180): quoted when it holds a comma, a
/// quote or a line break; a text field (`is_text`: it came from the
/// service) that a spreadsheet would run as a formula is prefixed with `'`
/// and quoted.
pub fn csv_field(out: &mut Vec<u8>, text: &str, is_text: bool) {
    let guard = is_text && sanitize::needs_formula_guard(text);
    if guard || text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        if guard {
            out.push(b'\'');
        }
        for (i, part) in text.split('"').enumerate() {
            if i > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(part.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

/// Writes one csv record (`\n` line ends) of [`csv_field`]s.
fn write_csv_record<'a>(
    out: &mut impl Write,
    fields: impl IntoIterator<Item = (&'a str, bool)>,
) -> io::Result<()> {
    let mut line = Vec::new();
    for (i, (text, is_text)) in fields.into_iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        csv_field(&mut line, text, is_text);
    }
    line.push(b'\n');
    out.write_all(&line)
}

fn csv_row(out: &mut impl Write, fields: &[Field]) -> io::Result<()> {
    write_csv_record(
        out,
        fields.iter().map(|f| match f {
            Field::Text(t) => (t.as_str(), true),
            Field::Number(n) => (n.as_str(), false),
        }),
    )
}

fn csv_headers(out: &mut impl Write, headers: &[&str]) -> io::Result<()> {
    write_csv_record(out, headers.iter().map(|h| (*h, false)))
}

/// serde_json's error back into the io error it wraps, so that a reader
/// leaving (`| head -1`) is still seen as a broken pipe.
fn json_error(e: serde_json::Error) -> io::Error {
    io::Error::from(e)
}

/// Writes rows in a machine format (csv, json or ndjson) as they come.
///
/// ndjson rows are flushed as they are written; json opens the array on the
/// first row and closes it in [`RowWriter::finish`].
pub struct RowWriter<W: Write> {
    format: Format,
    out: W,
    started: bool,
}

impl<W: Write> RowWriter<W> {
    /// A writer for `format`, which must not be [`Format::Table`].
    pub fn new(format: Format, out: W) -> Self {
        debug_assert!(format != Format::Table, "tables are rendered whole");
        RowWriter {
            format,
            out,
            started: false,
        }
    }

    /// Writes one row.
    pub fn row<R: CsvRow>(&mut self, row: &R) -> io::Result<()> {
        let first = !self.started;
        self.started = true;
        match self.format {
            Format::Ndjson | Format::Table => {
                serde_json::to_writer(&mut self.out, row).map_err(json_error)?;
                self.out.write_all(b"\n")
            }
            Format::Json => {
                self.out
                    .write_all(if first { b"[\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut self.out, row).map_err(json_error)
            }
            Format::Csv => {
                if first {
                    csv_headers(&mut self.out, R::HEADERS)?;
                }
                csv_row(&mut self.out, &row.fields())
            }
        }
    }

    /// Writes rows formatted beforehand, in this writer's format: each row
    /// ends in `\n` (csv, ndjson), or rows are joined by `,\n  ` (json).
    /// The json array's brackets and commas between chunks, and the csv
    /// header, are this writer's. An empty chunk writes nothing.
    pub fn chunk<R: CsvRow>(&mut self, rows: &[u8]) -> io::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let first = !self.started;
        self.started = true;
        match self.format {
            Format::Json => self
                .out
                .write_all(if first { b"[\n  " } else { b",\n  " })?,
            Format::Csv if first => csv_headers(&mut self.out, R::HEADERS)?,
            _ => {}
        }
        self.out.write_all(rows)
    }

    /// Flushes what was written so far (ndjson streams desktop by desktop).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Ends the output (closes the json array, or writes the csv header of an
    /// empty result) and gives the destination back.
    pub fn finish<R: CsvRow>(mut self) -> io::Result<W> {
        match (self.format, self.started) {
            (Format::Json, true) => self.out.write_all(b"\n]\n")?,
            (Format::Json, false) => self.out.write_all(b"[]\n")?,
            (Format::Csv, false) => csv_headers(&mut self.out, R::HEADERS)?,
            _ => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{ReportRow, TwoDecimals};
    use huaweicloud_workspace::Hours;

    fn row(id: &str, user: Option<&str>, h: u64) -> ReportRow {
        ReportRow {
            desktop_id: id.into(),
            computer_name: None,
            desktop_username: user.map(Into::into),
            date: Some("2024-01-02".into()),
            hours: TwoDecimals(Hours::from_hundredths(h)),
        }
    }

    fn render(format: Format, rows: &[ReportRow]) -> String {
        let mut w = RowWriter::new(format, Vec::new());
        for r in rows {
            w.row(r).unwrap();
        }
        String::from_utf8(w.finish::<ReportRow>().unwrap()).unwrap()
    }

    #[test]
    fn machine_formats() {
        let rows = [row("d1", Some("a,b"), 1260), row("d2", None, 5)];
        assert_eq!(
            render(Format::Csv, &rows),
            "desktop_id,computer_name,desktop_username,date,hours\nd1,,\"a,b\",2024-01-02,12.60\nd2,,,2024-01-02,0.05\n"
        );
        assert_eq!(
            render(Format::Json, &rows),
            "[\n  {\"desktop_id\":\"d1\",\"computer_name\":null,\"desktop_username\":\"a,b\",\"date\":\"2024-01-02\",\"hours\":12.60},\n  {\"desktop_id\":\"d2\",\"computer_name\":null,\"desktop_username\":null,\"date\":\"2024-01-02\",\"hours\":0.05}\n]\n"
        );
        assert_eq!(
            render(Format::Ndjson, &rows),
            "{\"desktop_id\":\"d1\",\"computer_name\":null,\"desktop_username\":\"a,b\",\"date\":\"2024-01-02\",\"hours\":12.60}\n{\"desktop_id\":\"d2\",\"computer_name\":null,\"desktop_username\":null,\"date\":\"2024-01-02\",\"hours\":0.05}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&render(Format::Json, &rows)).unwrap();
        assert_eq!(parsed[0]["hours"], serde_json::json!(12.6));
    }

    #[test]
    fn empty_results_are_still_valid() {
        assert_eq!(render(Format::Json, &[]), "[]\n");
        assert_eq!(
            render(Format::Csv, &[]),
            "desktop_id,computer_name,desktop_username,date,hours\n"
        );
        assert_eq!(render(Format::Ndjson, &[]), "");
    }

    #[test]
    fn csv_disarms_formulas_in_text_from_the_service_only() {
        let rows = [
            row("=HYPERLINK(\"http://x\")", Some("+cmd|' /C calc'!A0"), 100),
            row("-d", Some("@SUM(A1)"), 0),
            row("\td", Some("\rann"), 5),
            row("d=1", Some("a-b"), 5),
        ];
        assert_eq!(
            render(Format::Csv, &rows),
            "desktop_id,computer_name,desktop_username,date,hours\n\
             \"'=HYPERLINK(\"\"http://x\"\")\",,\"'+cmd|' /C calc'!A0\",2024-01-02,1.00\n\
             \"'-d\",,\"'@SUM(A1)\",2024-01-02,0.00\n\
             \"'\td\",,\"'\rann\",2024-01-02,0.05\n\
             d=1,,a-b,2024-01-02,0.05\n"
        );
        // json stays exact: the service's text, escaped by JSON's rules only.
        let json = render(Format::Ndjson, &rows[..1]);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["desktop_username"], "+cmd|' /C calc'!A0");
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_nothing_else() {
        let rows = [row("d\n1", Some("say \"hi\""), 1), row("d", Some(""), 1)];
        assert_eq!(
            render(Format::Csv, &rows),
            "desktop_id,computer_name,desktop_username,date,hours\n\
             \"d\n1\",,\"say \"\"hi\"\"\",2024-01-02,0.01\n\
             d,,,2024-01-02,0.01\n"
        );
    }

    /// A destination that has gone away, like stdout after `| head -1`.
    struct Gone;
    impl Write for Gone {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_reader_is_a_broken_pipe_in_every_format() {
        for format in [Format::Json, Format::Ndjson, Format::Csv] {
            let mut w = RowWriter::new(format, Gone);
            let err = w.row(&row("d1", None, 1)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{format:?}");
            assert!(crate::output::OutputError::Write(err).is_broken_pipe());
        }
    }
}
