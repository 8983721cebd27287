//! Output formats and the atomic `--output` file.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Serialize;
use tempfile::NamedTempFile;

use crate::rows::{IdleRow, ReportRow, UserRow};

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people, with a totals line.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON array of row objects.
    Json,
    /// One JSON object per line, written as results arrive.
    Ndjson,
}

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The `--output` file cannot be created where asked (checked before any request).
    #[error("--output {path}: cannot create a file there: {source}")]
    Create {
        /// The requested output path.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// Writing failed midway.
    #[error("writing the output failed: {0}")]
    Write(#[from] io::Error),
    /// The finished temporary file could not replace the target.
    #[error("--output {path}: cannot move the finished file into place: {source}")]
    Persist {
        /// The requested output path.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
}

impl OutputError {
    /// Whether this is the reader of stdout going away (`| head`), which is no failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, OutputError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Where the rows go: stdout, or a temporary file renamed over the target on success.
///
/// A file target is written next to the target (same directory, hence same
/// file system) and only `rename`d into place by [`Sink::commit`]. Dropping
/// an uncommitted sink deletes the temporary file, so a failed run never
/// leaves a partial file and never touches the previous one.
pub struct Sink {
    kind: SinkKind,
}

enum SinkKind {
    Stdout(BufWriter<io::Stdout>),
    File {
        writer: BufWriter<NamedTempFile>,
        target: PathBuf,
    },
}

impl Sink {
    /// Opens stdout (`None`) or a temporary file for `path`.
    pub fn create(path: Option<&Path>) -> Result<Sink, OutputError> {
        let Some(target) = path else {
            return Ok(Sink {
                kind: SinkKind::Stdout(BufWriter::new(io::stdout())),
            });
        };
        let create_error = |source| OutputError::Create {
            path: target.to_path_buf(),
            source,
        };
        if target.is_dir() {
            return Err(create_error(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory",
            )));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{file_name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(create_error)?;
        Ok(Sink {
            kind: SinkKind::File {
                writer: BufWriter::new(temp),
                target: target.to_path_buf(),
            },
        })
    }

    /// Flushes and, for a file, moves it into place (atomically on one file system).
    pub fn commit(self) -> Result<(), OutputError> {
        match self.kind {
            SinkKind::Stdout(mut out) => {
                out.flush()?;
                Ok(())
            }
            SinkKind::File { writer, target } => {
                let temp = writer.into_inner().map_err(|e| e.into_error())?;
                temp.as_file().sync_all()?;
                // Keep the permissions of the file being replaced; a new file
                // gets the usual rw-r--r-- rather than the temp file's rw-------.
                let permissions = match fs::metadata(&target) {
                    Ok(meta) => Some(meta.permissions()),
                    Err(_) => default_permissions(),
                };
                if let Some(p) = permissions {
                    temp.as_file().set_permissions(p)?;
                }
                temp.persist(&target).map_err(|e| OutputError::Persist {
                    path: target.clone(),
                    source: e.error,
                })?;
                Ok(())
            }
        }
    }
}

#[cfg(unix)]
fn default_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<fs::Permissions> {
    None
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.kind {
            SinkKind::Stdout(w) => w.write(buf),
            SinkKind::File { writer, .. } => writer.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.kind {
            SinkKind::Stdout(w) => w.flush(),
            SinkKind::File { writer, .. } => writer.flush(),
        }
    }
}

/// A row type that can be written as csv as well as JSON.
pub trait CsvRow: Serialize {
    /// The header line's fields: the JSON field names.
    const HEADERS: &'static [&'static str];
    /// The fields of this row, in header order; null is an empty field.
    fn fields(&self) -> Vec<String>;
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

impl CsvRow for ReportRow {
    const HEADERS: &'static [&'static str] = &["desktop_id", "desktop_username", "date", "hours"];
    fn fields(&self) -> Vec<String> {
        vec![
            self.desktop_id.clone(),
            opt(&self.desktop_username),
            self.date.clone(),
            self.hours.0.to_string(),
        ]
    }
}

impl CsvRow for IdleRow {
    const HEADERS: &'static [&'static str] = &[
        "desktop_id",
        "desktop_username",
        "total_hours",
        "active_days",
        "last_active_day",
    ];
    fn fields(&self) -> Vec<String> {
        vec![
            self.desktop_id.clone(),
            opt(&self.desktop_username),
            self.total_hours.0.to_string(),
            self.active_days.to_string(),
            self.last_active_day
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ]
    }
}

impl CsvRow for UserRow {
    const HEADERS: &'static [&'static str] = &["username", "hours", "desktops", "active_days"];
    fn fields(&self) -> Vec<String> {
        vec![
            opt(&self.username),
            self.hours.0.to_string(),
            self.desktops.to_string(),
            self.active_days.to_string(),
        ]
    }
}

fn json_error(e: serde_json::Error) -> io::Error {
    io::Error::other(e)
}

fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
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
                let mut csv = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(&mut self.out);
                if first {
                    csv.write_record(R::HEADERS).map_err(csv_error)?;
                }
                csv.write_record(row.fields()).map_err(csv_error)?;
                csv.flush()
            }
        }
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
            (Format::Csv, false) => {
                let mut csv = csv::Writer::from_writer(&mut self.out);
                csv.write_record(R::HEADERS).map_err(csv_error)?;
                csv.flush()?;
            }
            _ => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// How a table column is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A plain-text table: a header, rows, and an optional totals line under a rule.
pub struct Table {
    /// Column headers.
    pub headers: Vec<&'static str>,
    /// Alignment per column.
    pub align: Vec<Align>,
    /// Body rows.
    pub rows: Vec<Vec<String>>,
    /// Totals line, printed under a rule.
    pub totals: Option<Vec<String>>,
}

impl Table {
    /// Writes the table with columns two spaces apart and no trailing blanks.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in self.rows.iter().chain(self.totals.iter()) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(cell));
            }
        }
        let line = |cells: &[String], out: &mut dyn Write| -> io::Result<()> {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                if i > 0 {
                    text.push_str("  ");
                }
                let pad = " ".repeat(w.saturating_sub(width(cell)));
                match self.align.get(i).copied().unwrap_or(Align::Left) {
                    Align::Left => {
                        text.push_str(cell);
                        text.push_str(&pad);
                    }
                    Align::Right => {
                        text.push_str(&pad);
                        text.push_str(cell);
                    }
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        line(&headers, out)?;
        for row in &self.rows {
            line(row, out)?;
        }
        if let Some(totals) = &self.totals {
            let total_width = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
            writeln!(out, "{}", "-".repeat(total_width))?;
            line(totals, out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::TwoDecimals;
    use huaweicloud_workspace_api::Hours;

    fn row(id: &str, user: Option<&str>, h: u64) -> ReportRow {
        ReportRow {
            desktop_id: id.into(),
            desktop_username: user.map(Into::into),
            date: "2024-01-02".into(),
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
            "desktop_id,desktop_username,date,hours\nd1,\"a,b\",2024-01-02,12.60\nd2,,2024-01-02,0.05\n"
        );
        assert_eq!(
            render(Format::Json, &rows),
            "[\n  {\"desktop_id\":\"d1\",\"desktop_username\":\"a,b\",\"date\":\"2024-01-02\",\"hours\":12.60},\n  {\"desktop_id\":\"d2\",\"desktop_username\":null,\"date\":\"2024-01-02\",\"hours\":0.05}\n]\n"
        );
        assert_eq!(
            render(Format::Ndjson, &rows),
            "{\"desktop_id\":\"d1\",\"desktop_username\":\"a,b\",\"date\":\"2024-01-02\",\"hours\":12.60}\n{\"desktop_id\":\"d2\",\"desktop_username\":null,\"date\":\"2024-01-02\",\"hours\":0.05}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&render(Format::Json, &rows)).unwrap();
        assert_eq!(parsed[0]["hours"], serde_json::json!(12.6));
    }

    #[test]
    fn empty_results_are_still_valid() {
        assert_eq!(render(Format::Json, &[]), "[]\n");
        assert_eq!(
            render(Format::Csv, &[]),
            "desktop_id,desktop_username,date,hours\n"
        );
        assert_eq!(render(Format::Ndjson, &[]), "");
    }

    #[test]
    fn table_aligns_and_totals() {
        let table = Table {
            headers: vec!["ID", "HOURS"],
            align: vec![Align::Left, Align::Right],
            rows: vec![
                vec!["a".into(), "1.00".into()],
                vec!["bbbb".into(), "10.00".into()],
            ],
            totals: Some(vec!["TOTAL".into(), "11.00".into()]),
        };
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID     HOURS\na       1.00\nbbbb   10.00\n------------\nTOTAL  11.00\n"
        );
    }

    #[test]
    fn failed_file_output_leaves_nothing_and_keeps_previous() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        fs::write(&target, "previous\n").unwrap();
        {
            let mut sink = Sink::create(Some(&target)).unwrap();
            sink.write_all(b"partial").unwrap();
            sink.flush().unwrap();
            // dropped without commit: a failed run
        }
        assert_eq!(fs::read_to_string(&target).unwrap(), "previous\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut sink = Sink::create(Some(&target)).unwrap();
        sink.write_all(b"new\n").unwrap();
        sink.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn output_in_missing_directory_fails_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let err = Sink::create(Some(&dir.path().join("nope/out.csv")))
            .err()
            .unwrap();
        assert!(matches!(err, OutputError::Create { .. }), "{err}");
        let err = Sink::create(Some(dir.path())).err().unwrap();
        assert!(matches!(err, OutputError::Create { .. }), "{err}");
    }
}
