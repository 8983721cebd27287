//! Sorted exports without holding them: each desktop's rows go to an
//! anonymous temporary file as they arrive, and memory keeps one small
//! record per desktop (its sort key and where its rows are). At the end the
//! records are sorted and the rows copied out in that order.

use std::cmp::Ordering;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

use chrono::NaiveDate;

/// A sort key's value; `None` (no user, never active) sorts first ascending.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    /// Hours, in hundredths.
    Number(u64),
    /// A name or user.
    Text(Option<String>),
    /// A day.
    Day(Option<NaiveDate>),
}

/// Where a desktop goes in sorted output: its key, then its id, so that
/// the order is total (ties by id, ascending either way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
    /// The value sorted on.
    pub value: SortValue,
    /// The desktop id, for ties.
    pub id: String,
}

impl Keyed {
    /// The order of two keys, the value ascending or not.
    pub fn order(&self, other: &Keyed, ascending: bool) -> Ordering {
        let by_value = self.value.cmp(&other.value);
        let by_value = if ascending {
            by_value
        } else {
            by_value.reverse()
        };
        by_value.then_with(|| self.id.cmp(&other.id))
    }
}

/// Chunks of formatted rows, kept in a temporary file until sorted.
pub struct Spool {
    file: BufWriter<File>,
    index: Vec<(Keyed, u64, usize)>,
    written: u64,
}

/// An error of the temporary file, saying what it was for.
fn context(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("the temporary file that sorts the output: {e}"),
    )
}

impl Spool {
    /// A spool in the system's temporary directory; the file has no name
    /// and is gone when the spool is (or the process ends).
    pub fn new() -> io::Result<Spool> {
        Ok(Spool {
            file: BufWriter::new(tempfile::tempfile().map_err(context)?),
            index: Vec::new(),
            written: 0,
        })
    }

    /// Keeps `rows` under `key`.
    pub fn push(&mut self, key: Keyed, rows: &[u8]) -> io::Result<()> {
        self.file.write_all(rows).map_err(context)?;
        self.index.push((key, self.written, rows.len()));
        self.written += rows.len() as u64;
        Ok(())
    }

    /// Hands every chunk to `each`, in key order (ascending or not).
    pub fn drain(
        self,
        ascending: bool,
        mut each: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let Spool {
            file, mut index, ..
        } = self;
        let mut file = file.into_inner().map_err(|e| context(e.into_error()))?;
        index.sort_by(|(a, ..), (b, ..)| a.order(b, ascending));
        let mut buf = Vec::new();
        for (_, offset, len) in index {
            file.seek(SeekFrom::Start(offset)).map_err(context)?;
            buf.resize(len, 0);
            file.read_exact(&mut buf).map_err(context)?;
            each(&buf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hours: u64, id: &str) -> Keyed {
        Keyed {
            value: SortValue::Number(hours),
            id: id.into(),
        }
    }

    fn drained(spool: Spool, ascending: bool) -> String {
        let mut out = Vec::new();
        spool
            .drain(ascending, |chunk| {
                out.extend_from_slice(chunk);
                Ok(())
            })
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn spool() -> Spool {
        let mut spool = Spool::new().unwrap();
        spool.push(key(5, "b"), b"b1\nb2\n").unwrap();
        spool.push(key(9, "a"), b"a1\n").unwrap();
        spool.push(key(5, "a"), b"").unwrap();
        spool.push(key(1, "c"), b"c1\nc2\nc3\n").unwrap();
        spool
    }

    #[test]
    fn chunks_come_back_whole_in_key_order_ties_by_id() {
        assert_eq!(drained(spool(), true), "c1\nc2\nc3\nb1\nb2\na1\n");
        // Descending keys; ties still by id ascending.
        let mut s = spool();
        s.push(key(5, "0"), b"zero\n").unwrap();
        assert_eq!(drained(s, false), "a1\nzero\nb1\nb2\nc1\nc2\nc3\n");
    }

    #[test]
    fn nothing_is_a_sort_key_first_when_ascending() {
        let text = |t: Option<&str>| SortValue::Text(t.map(str::to_string));
        assert!(text(None) < text(Some("")));
        assert!(SortValue::Day(None) < SortValue::Day(NaiveDate::from_ymd_opt(1, 1, 1)));
    }
}
