//! Plain-text tables for people.

use std::io::{self, Write};

use crate::sanitize;

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
        let mut layout = Layout::new(&self.headers, self.align.clone());
        for row in self.rows.iter().chain(self.totals.iter()) {
            layout.measure(row.iter().map(String::as_str));
        }
        layout.header(out)?;
        for row in &self.rows {
            layout.line(row.iter().map(String::as_str), out)?;
        }
        if let Some(totals) = &self.totals {
            layout.rule(out)?;
            layout.line(totals.iter().map(String::as_str), out)?;
        }
        Ok(())
    }
}

/// The columns of a table whose rows are produced twice rather than held:
/// measured first ([`measure`](Self::measure)), then written
/// ([`line`](Self::line)), as [`Table::write`] does with rows it holds.
pub struct Layout {
    headers: Vec<&'static str>,
    align: Vec<Align>,
    widths: Vec<usize>,
    /// The line being written, reused.
    text: String,
}

/// A cell's width on a terminal, as it is shown.
fn shown_width(cell: &str) -> usize {
    sanitize::display_width(&sanitize::for_terminal(cell))
}

impl Layout {
    /// Columns headed by `headers`, aligned by `align`.
    pub fn new(headers: &[&'static str], align: Vec<Align>) -> Self {
        Layout {
            headers: headers.to_vec(),
            align,
            widths: headers.iter().map(|h| shown_width(h)).collect(),
            text: String::new(),
        }
    }

    /// Widens the columns to fit a row.
    pub fn measure<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        for (w, cell) in self.widths.iter_mut().zip(cells) {
            *w = (*w).max(shown_width(cell));
        }
    }

    /// Writes the header line.
    pub fn header(&mut self, out: &mut impl Write) -> io::Result<()> {
        let headers = std::mem::take(&mut self.headers);
        let result = self.line(headers.iter().copied(), out);
        self.headers = headers;
        result
    }

    /// Writes the rule over the totals.
    pub fn rule(&self, out: &mut impl Write) -> io::Result<()> {
        let total = self.widths.iter().sum::<usize>() + 2 * self.widths.len().saturating_sub(1);
        writeln!(out, "{}", "-".repeat(total))
    }

    /// Writes one row, escaped and padded to the measured widths.
    pub fn line<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        self.text.clear();
        for (i, cell) in cells.into_iter().enumerate() {
            let cell = sanitize::for_terminal(cell);
            let w = self.widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                self.text.push_str("  ");
            }
            let pad = w.saturating_sub(sanitize::display_width(&cell));
            match self.align.get(i).copied().unwrap_or(Align::Left) {
                Align::Left => {
                    self.text.push_str(&cell);
                    self.text.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    self.text.extend(std::iter::repeat_n(' ', pad));
                    self.text.push_str(&cell);
                }
            }
        }
        writeln!(out, "{}", self.text.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

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
}
