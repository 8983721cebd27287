//! Output formats: the `--output` target ([`Sink`]), machine rows
//! ([`RowWriter`]) and plain-text tables ([`Table`]).

mod rows;
mod sink;
mod table;

use std::io;
use std::path::PathBuf;

use clap::ValueEnum;

pub use rows::{CsvRow, Field, RowWriter, csv_field};
pub use sink::Sink;
pub use table::{Align, Layout, Table, wrapped};

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
