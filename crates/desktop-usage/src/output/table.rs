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
        // Two passes over the cells, escaping each time, rather than an
        // escaped copy of a table that may have 20,000 rows.
        let width = |cell: &str| sanitize::display_width(&sanitize::for_terminal(cell));
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in self.rows.iter().chain(self.totals.iter()) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(cell));
            }
        }
        let mut text = String::new();
        let mut line =
            |cells: &mut dyn Iterator<Item = &str>, out: &mut dyn Write| -> io::Result<()> {
                text.clear();
                for (i, cell) in cells.enumerate() {
                    let cell = sanitize::for_terminal(cell);
                    let w = widths.get(i).copied().unwrap_or(0);
                    if i > 0 {
                        text.push_str("  ");
                    }
                    let pad = w.saturating_sub(sanitize::display_width(&cell));
                    match self.align.get(i).copied().unwrap_or(Align::Left) {
                        Align::Left => {
                            text.push_str(&cell);
                            text.extend(std::iter::repeat_n(' ', pad));
                        }
                        Align::Right => {
                            text.extend(std::iter::repeat_n(' ', pad));
                            text.push_str(&cell);
                        }
                    }
                }
                writeln!(out, "{}", text.trim_end())
            };
        line(&mut self.headers.iter().copied(), out)?;
        for row in &self.rows {
            line(&mut row.iter().map(String::as_str), out)?;
        }
        if let Some(totals) = &self.totals {
            let total_width = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
            writeln!(out, "{}", "-".repeat(total_width))?;
            line(&mut totals.iter().map(String::as_str), out)?;
        }
        Ok(())
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
