//! What the commands that read one list do around their query: the output
//! opened before anything is sent (a bad path fails first), the session
//! closed however the query ends, and the rows written as they come or as
//! one table at the end.

use std::io::Write;
use std::pin::pin;

use chrono::NaiveDate;
use futures::StreamExt;
use serde::Serialize;

use crate::cli::OutputArgs;
use crate::cli::global::GlobalArgs;
use crate::failure::Failure;
use crate::output::{CsvRow, Format, RowWriter, Sink, Table};
use crate::session::Session;

/// The output and the client of one run.
pub struct Run {
    /// The day taken as today.
    pub today: NaiveDate,
    /// Where the rows go.
    pub sink: Sink,
    /// The client.
    pub session: Session,
}

impl Run {
    /// Opens the output, then the session (nothing is sent yet). Resolve
    /// the range before: a bad one must not even create the file.
    pub async fn open(global: &GlobalArgs, output: &OutputArgs) -> Result<Run, Failure> {
        let today = global.today();
        let sink = Sink::create(output.output.as_deref())?;
        let session = Session::open(global, today).await?;
        Ok(Run {
            today,
            sink,
            session,
        })
    }

    /// Runs `body` on the output, closes the session, and commits the
    /// output only when the body succeeded (a failed run leaves no half file).
    pub async fn finish(
        self,
        body: impl AsyncFnOnce(Sink) -> Result<Sink, Failure>,
    ) -> Result<(), Failure> {
        let result = body(self.sink).await;
        self.session.close().await;
        result?.commit()?;
        Ok(())
    }
}

/// The caption of a table over whole UTC days.
pub fn caption(what: &str, (from, to): (NaiveDate, NaiveDate), demo: bool) -> String {
    let days = (to - from).num_days() + 1;
    let unit = if days == 1 { "day" } else { "days" };
    let mut text = format!("{what}, {from} to {to} ({days} {unit}, UTC)");
    if demo {
        text.push_str(" [SIMULATED DATA]");
    }
    text
}

/// How a table is made of the rows: the table, and lines written under it.
pub struct TableOf<R> {
    /// The table of all rows.
    pub table: fn(&[R]) -> Table,
    /// Lines under the table (shown escaped: they may hold what the
    /// service sent).
    pub after: Vec<String>,
}

impl<R> TableOf<R> {
    /// A table with nothing under it.
    pub fn plain(table: fn(&[R]) -> Table) -> Self {
        TableOf {
            table,
            after: Vec::new(),
        }
    }
}

/// Writes rows as they come (json, ndjson, csv) or as a table at the end.
pub async fn write<R: CsvRow + Serialize>(
    rows: impl futures::Stream<Item = Result<R, Failure>>,
    format: Format,
    mut sink: Sink,
    caption: String,
    table: TableOf<R>,
) -> Result<Sink, Failure> {
    let mut rows = pin!(rows);
    if format == Format::Table {
        let mut all = Vec::new();
        while let Some(row) = rows.next().await {
            all.push(row?);
        }
        let width = sink.terminal_width();
        writeln!(sink, "{}", crate::output::wrapped(&caption, width))?;
        writeln!(sink)?;
        (table.table)(&all).write(&mut sink, width)?;
        if !table.after.is_empty() {
            writeln!(sink)?;
        }
        for line in &table.after {
            writeln!(sink, "{}", crate::output::wrapped(line, width))?;
        }
        sink.flush()?;
        return Ok(sink);
    }
    let mut writer = RowWriter::new(format, sink);
    while let Some(row) = rows.next().await {
        writer.row(&row?)?;
    }
    Ok(writer.finish::<R>()?)
}
