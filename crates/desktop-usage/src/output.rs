//! Output formats and the atomic `--output` file.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Serialize;
use tempfile::NamedTempFile;

use crate::sanitize;

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

/// Where the rows go: stdout, a file written in place, or a temporary file
/// renamed over the target on success.
///
/// A regular file target is written next to the target (same directory,
/// hence same file system) and only `rename`d into place by
/// [`Sink::commit`]. Dropping an uncommitted sink deletes the temporary
/// file, so a failed run never leaves a partial file and never touches the
/// previous one. A symlink is followed: the temporary file goes beside the
/// link's final target and replaces it, and the link stays a link.
///
/// What is not a regular file (`/dev/null`, a named pipe, a terminal,
/// `/dev/stdout`) cannot be replaced by a rename without destroying it, so
/// it is opened and written in place, as a shell's `>` would.
pub struct Sink {
    kind: SinkKind,
}

enum SinkKind {
    Stdout(BufWriter<io::Stdout>),
    InPlace {
        writer: BufWriter<fs::File>,
        target: PathBuf,
    },
    File {
        writer: BufWriter<NamedTempFile>,
        /// What the user typed, for messages.
        target: PathBuf,
        /// The file the temporary file replaces: `target` with its symlinks followed.
        real: PathBuf,
    },
}

/// How many symlinks are followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Where a path really leads: a regular file (or nothing yet) to replace by
/// rename, or something to write in place.
enum Resolved {
    Replace(PathBuf),
    InPlace,
}

/// Follows `target`'s symlinks by hand (a dangling link still names the file to create).
fn resolve(target: &Path) -> io::Result<Resolved> {
    let mut path = target.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Resolved::Replace(path)),
            Err(e) => return Err(e),
        };
        if meta.file_type().is_symlink() {
            let link = fs::read_link(&path)?;
            // /dev/stdout, /dev/fd/N, /proc/self/fd/N name a file that is
            // already open (perhaps with >>): only writing through them
            // keeps the shell's redirection.
            if link.starts_with("/proc") || link.starts_with("/dev/fd") {
                return Ok(Resolved::InPlace);
            }
            path = match path.parent() {
                Some(dir) if link.is_relative() => dir.join(link),
                _ => link,
            };
            continue;
        }
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory",
            ));
        }
        return Ok(if meta.is_file() {
            Resolved::Replace(path)
        } else {
            Resolved::InPlace
        });
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links in a row"
    )))
}

impl Sink {
    /// Opens stdout (`None` or `-`), the device or pipe `path` names, or a
    /// temporary file for `path`.
    pub fn create(path: Option<&Path>) -> Result<Sink, OutputError> {
        let target = match path {
            Some(p) if p != Path::new("-") => p,
            _ => {
                return Ok(Sink {
                    kind: SinkKind::Stdout(BufWriter::new(io::stdout())),
                });
            }
        };
        let create_error = |source| OutputError::Create {
            path: target.to_path_buf(),
            source,
        };
        let real = match resolve(target).map_err(create_error)? {
            Resolved::Replace(real) => real,
            Resolved::InPlace => {
                // Append: through /dev/stdout this keeps a `>>`; on a device
                // or a pipe it makes no difference.
                let file = fs::OpenOptions::new()
                    .append(true)
                    .open(target)
                    .map_err(create_error)?;
                return Ok(Sink {
                    kind: SinkKind::InPlace {
                        writer: BufWriter::new(file),
                        target: target.to_path_buf(),
                    },
                });
            }
        };
        let dir = match real.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let file_name = real
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
                real,
            },
        })
    }

    /// A write error, naming the --output file it happened on.
    fn context(&self, e: io::Error) -> io::Error {
        match &self.kind {
            SinkKind::Stdout(_) => e,
            SinkKind::InPlace { target, .. } | SinkKind::File { target, .. } => {
                with_path(target, e)
            }
        }
    }

    /// Flushes and, for a file, moves it into place (atomically on one file system).
    pub fn commit(self) -> Result<(), OutputError> {
        match self.kind {
            SinkKind::Stdout(mut out) => {
                out.flush()?;
                Ok(())
            }
            SinkKind::InPlace { mut writer, target } => {
                writer.flush().map_err(|e| with_path(&target, e))?;
                Ok(())
            }
            SinkKind::File {
                writer,
                target,
                real,
            } => {
                let temp = writer
                    .into_inner()
                    .map_err(|e| with_path(&target, e.into_error()))?;
                temp.as_file()
                    .sync_all()
                    .map_err(|e| with_path(&target, e))?;
                // Keep the permissions of the file being replaced; a new file
                // gets the usual rw-r--r-- rather than the temp file's rw-------.
                let permissions = match fs::metadata(&real) {
                    Ok(meta) => Some(meta.permissions()),
                    Err(_) => default_permissions(),
                };
                if let Some(p) = permissions {
                    temp.as_file()
                        .set_permissions(p)
                        .map_err(|e| with_path(&target, e))?;
                }
                temp.persist(&real).map_err(|e| OutputError::Persist {
                    path: target.clone(),
                    source: e.error,
                })?;
                Ok(())
            }
        }
    }
}

fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("--output {}: {e}", path.display()))
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
        let result = match &mut self.kind {
            SinkKind::Stdout(w) => w.write(buf),
            SinkKind::InPlace { writer, .. } => writer.write(buf),
            SinkKind::File { writer, .. } => writer.write(buf),
        };
        result.map_err(|e| self.context(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = match &mut self.kind {
            SinkKind::Stdout(w) => w.flush(),
            SinkKind::InPlace { writer, .. } => writer.flush(),
            SinkKind::File { writer, .. } => writer.flush(),
        };
        result.map_err(|e| self.context(e))
    }
}

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

/// Writes one csv record (RFC 4180, `\n` line ends). A field is quoted
/// when it holds a comma, a quote or a line break, and a text field that a
/// spreadsheet would run as a formula is prefixed with `'` and quoted.
fn write_csv_record<'a>(
    out: &mut impl Write,
    fields: impl IntoIterator<Item = (&'a str, bool)>,
) -> io::Result<()> {
    let mut line = String::new();
    for (i, (text, is_text)) in fields.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let guard = is_text && sanitize::needs_formula_guard(text);
        if guard || text.contains([',', '"', '\n', '\r']) {
            line.push('"');
            if guard {
                line.push('\'');
            }
            line.push_str(&text.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(text);
        }
    }
    line.push('\n');
    out.write_all(line.as_bytes())
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
    ///
    /// Cells are shown [escaped](sanitize::for_terminal) (a newline in a
    /// user name cannot split a row) and measured in terminal columns, so
    /// CJK and emoji names keep the columns aligned.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let shown = |cells: &[String]| -> Vec<String> {
            cells
                .iter()
                .map(|c| sanitize::for_terminal(c).into_owned())
                .collect()
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| shown(r)).collect();
        let totals: Option<Vec<String>> = self.totals.as_deref().map(shown);
        let width = sanitize::display_width;
        let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
        for row in rows.iter().chain(totals.iter()) {
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
        line(&headers, out)?;
        for row in &rows {
            line(row, out)?;
        }
        if let Some(totals) = &totals {
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
    use crate::rows::{ReportRow, TwoDecimals};
    use huaweicloud_workspace::Hours;
    use std::collections::BTreeSet;

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

    #[test]
    fn table_escapes_controls_and_aligns_wide_text() {
        let table = Table {
            headers: vec!["USER", "HOURS"],
            align: vec![Align::Left, Align::Right],
            rows: vec![
                vec!["张伟".into(), "1.00".into()],
                vec!["🎉party".into(), "2.00".into()],
                vec!["ann\nTOTAL  99.00".into(), "3.00".into()],
                vec!["\u{1b}]0;pwn\u{7}\u{1b}[2J\u{202e}x".into(), "4.00".into()],
            ],
            totals: None,
        };
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "USER                                 HOURS\n\
             张伟                                  1.00\n\
             🎉party                               2.00\n\
             ann\\u{a}TOTAL  99.00                  3.00\n\
             \\u{1b}]0;pwn\\u{7}\\u{1b}[2J\\u{202e}x   4.00\n"
        );
        // Every line ends in the same terminal column.
        use unicode_width::UnicodeWidthStr;
        let widths: BTreeSet<usize> = text.lines().map(|l| l.width()).collect();
        assert_eq!(widths.len(), 1, "{text}");
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
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
            assert!(OutputError::Write(err).is_broken_pipe());
        }
    }

    #[test]
    fn dash_is_stdout() {
        let dir = tempfile::tempdir().unwrap();
        let sink = Sink::create(Some(Path::new("-"))).unwrap();
        assert!(matches!(sink.kind, SinkKind::Stdout(_)));
        let sink = Sink::create(Some(&dir.path().join("-"))).unwrap();
        assert!(matches!(sink.kind, SinkKind::File { .. }), "./- is a file");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_in_place_and_kept() {
        use std::os::unix::fs::FileTypeExt;
        let mut sink = Sink::create(Some(Path::new("/dev/null"))).unwrap();
        assert!(matches!(sink.kind, SinkKind::InPlace { .. }));
        sink.write_all(b"rows\n").unwrap();
        sink.commit().unwrap();
        assert!(
            fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );

        // A symlink to a device: in place too, the link untouched.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("null-link");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        let sink = Sink::create(Some(&link)).unwrap();
        assert!(matches!(sink.kind, SinkKind::InPlace { .. }));
        sink.commit().unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_device_is_an_output_error_naming_the_file() {
        let mut sink = Sink::create(Some(Path::new("/dev/full"))).unwrap();
        sink.write_all(b"rows\n").unwrap();
        let err = sink.commit().unwrap_err();
        assert!(matches!(err, OutputError::Write(_)), "{err}");
        assert!(!err.is_broken_pipe());
        let text = err.to_string();
        assert!(text.contains("--output /dev/full"), "{text}");
        assert!(text.contains("No space left"), "{text}");
        assert_eq!(crate::run::Failure::Output(err).exit_code(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        fs::create_dir(&real_dir).unwrap();
        let target = real_dir.join("report.csv");
        fs::write(&target, "old\n").unwrap();
        let link = dir.path().join("latest.csv");
        // A relative link, resolved against the link's directory.
        std::os::unix::fs::symlink("real/report.csv", &link).unwrap();
        // And a link to that link.
        let link2 = dir.path().join("latest2.csv");
        std::os::unix::fs::symlink(&link, &link2).unwrap();

        let mut sink = Sink::create(Some(&link2)).unwrap();
        sink.write_all(b"new\n").unwrap();
        // The temporary file is beside the target, not the link.
        assert_eq!(fs::read_dir(&real_dir).unwrap().count(), 2);
        sink.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        for l in [&link, &link2] {
            assert!(fs::symlink_metadata(l).unwrap().file_type().is_symlink());
        }
        assert_eq!(fs::read_dir(&real_dir).unwrap().count(), 1);

        // A dangling link names the file to create.
        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink("real/new.csv", &dangling).unwrap();
        let mut sink = Sink::create(Some(&dangling)).unwrap();
        sink.write_all(b"x\n").unwrap();
        sink.commit().unwrap();
        assert_eq!(fs::read_to_string(real_dir.join("new.csv")).unwrap(), "x\n");
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );

        // A loop is refused up front.
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let err = Sink::create(Some(&a)).err().unwrap();
        assert!(matches!(err, OutputError::Create { .. }), "{err}");
    }
}
