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
    /// Left, and never cut to fit a terminal: dates, times and ids, of
    /// which a part says nothing.
    Whole,
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
    /// The headers of the columns left out first when the table is wider
    /// than the terminal, least useful first (see [`Layout::fit`]).
    pub drop_first: &'static [&'static str],
}

impl Table {
    /// Writes the table with columns two spaces apart and no trailing
    /// blanks, fitted to `width` terminal columns when it is on a terminal
    /// of that width (`None`: every column, as for a file or a pipe).
    ///
    /// Cells are shown [escaped](sanitize::for_terminal) (a newline in a
    /// user name cannot split a row) and measured in terminal columns, so
    /// CJK and emoji names keep the columns aligned.
    pub fn write(&self, out: &mut impl Write, width: Option<usize>) -> io::Result<()> {
        let mut layout = Layout::new(&self.headers, self.align.clone());
        for row in &self.rows {
            layout.measure(row.iter().map(String::as_str));
        }
        if let Some(totals) = &self.totals {
            layout.keep_whole(totals.iter().map(String::as_str));
        }
        let fitted = width.map(|w| layout.fit(w, self.drop_first));
        layout.header(out)?;
        for row in &self.rows {
            layout.line(row.iter().map(String::as_str), out)?;
        }
        if let Some(totals) = &self.totals {
            layout.rule(out)?;
            layout.whole_line(totals.iter().map(String::as_str), out)?;
        }
        if let Some(note) = fitted.and_then(|f| f.note()) {
            writeln!(out, "\n{}", wrapped(&note, width))?;
        }
        Ok(())
    }
}

/// What [`Layout::fit`] changed to fit a terminal.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// The terminal's width.
    pub width: usize,
    /// The headers of the columns left out.
    pub dropped: Vec<&'static str>,
    /// The headers of the columns whose long cells end in `…`.
    pub cut: Vec<&'static str>,
}

impl Fitted {
    /// The line under the table that says what is not shown, if anything.
    pub fn note(&self) -> Option<String> {
        if self.dropped.is_empty() && self.cut.is_empty() {
            return None;
        }
        let name = |h: &&'static str| -> &'static str { if h.is_empty() { "the bars" } else { h } };
        let mut parts = Vec::new();
        if !self.dropped.is_empty() {
            let names: Vec<&str> = self.dropped.iter().map(name).collect();
            parts.push(format!("without {}", names.join(", ")));
        }
        if !self.cut.is_empty() {
            let names: Vec<&str> = self.cut.iter().map(name).collect();
            parts.push(format!("long {} cut with …", names.join(", ")));
        }
        Some(format!(
            "(fitted to {} columns: {}; a wider terminal or a file has every column, --format csv every value in full)",
            self.width,
            parts.join("; ")
        ))
    }
}

/// The widest a text cell is shown, terminal or not: more than any real
/// computer name (NetBIOS allows 15 characters, a DNS label 63) or user
/// name (AD's logon name is 20, a UPN rarely over 60), so only a hostile
/// or broken value is cut, and a megabyte name costs each row 64 columns,
/// not a megabyte. Machine formats (csv, json, ndjson) keep every value.
pub const TEXT_AT_MOST: usize = 64;
/// The same bound for ids, dates and the charts ([`Align::Whole`]), which
/// are never cut to fit a terminal: wider than a day chart or any id the
/// service hands out, so it only stops a hostile id.
pub const WHOLE_AT_MOST: usize = 128;

/// Text columns are cut to this first, before any column is left out: a
/// few long names should not cost every row a column.
const CUT_FIRST_TO: usize = 16;
/// And to this at most, once the columns that may go are gone.
const CUT_AT_MOST_TO: usize = 8;

/// The columns of a table whose rows are produced twice rather than held:
/// measured first ([`measure`](Self::measure)), then written
/// ([`line`](Self::line)), as [`Table::write`] does with rows it holds.
pub struct Layout {
    headers: Vec<&'static str>,
    align: Vec<Align>,
    widths: Vec<usize>,
    /// Columns left out to fit a terminal.
    hidden: Vec<bool>,
    /// Columns whose cells are cut to their width (with `…`) to fit.
    cut: Vec<bool>,
    /// The narrowest each column may be cut to: the totals line is never cut.
    keep: Vec<usize>,
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
            hidden: vec![false; headers.len()],
            cut: vec![false; headers.len()],
            keep: vec![0; headers.len()],
            text: String::new(),
        }
    }

    /// Measures a line that [`fit`](Self::fit) must never cut (the totals).
    pub fn keep_whole<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        self.measure_with(cells, true);
    }

    /// The width of a line, the hidden columns left out.
    fn total(&self) -> usize {
        let shown: Vec<usize> = self
            .widths
            .iter()
            .zip(&self.hidden)
            .filter(|(_, hidden)| !**hidden)
            .map(|(w, _)| *w)
            .collect();
        shown.iter().sum::<usize>() + 2 * shown.len().saturating_sub(1)
    }

    /// Fits the measured columns into `width` terminal columns: long text
    /// cells are cut to [`CUT_FIRST_TO`] columns, then the columns headed
    /// `drop_first` are left out in that order, then text is cut further,
    /// to [`CUT_AT_MOST_TO`]. Only [`Align::Left`] columns are cut: never
    /// numbers, dates or ids ([`Align::Whole`]). A table
    /// that still does not fit is written as it is (the terminal wraps it).
    /// Call after the last [`measure`](Self::measure).
    pub fn fit(&mut self, width: usize, drop_first: &[&str]) -> Fitted {
        let mut fitted = Fitted {
            width,
            ..Fitted::default()
        };
        self.cut_text(width, CUT_FIRST_TO, &mut fitted);
        for header in drop_first {
            if self.total() <= width {
                break;
            }
            if let Some(i) = self.headers.iter().position(|h| h == header)
                && !self.hidden[i]
            {
                self.hidden[i] = true;
                fitted.dropped.push(self.headers[i]);
            }
        }
        self.cut_text(width, CUT_AT_MOST_TO, &mut fitted);
        fitted.cut.retain(|h| {
            let i = self.headers.iter().position(|x| x == h);
            i.is_some_and(|i| !self.hidden[i])
        });
        fitted
    }

    /// The narrowest column `i` may be cut to: `floor`, its header, and
    /// its totals cell less the room of the empty totals cells after it
    /// (which the totals run on into).
    fn floor(&self, i: usize, floor: usize) -> usize {
        let mut room = 0;
        for j in i + 1..self.widths.len() {
            if self.hidden[j] {
                continue;
            }
            if self.keep[j] > 0 {
                break;
            }
            room += self.widths[j] + 2;
        }
        floor
            .max(shown_width(self.headers[i]))
            .max(self.keep[i].saturating_sub(room))
    }

    /// Narrows the widest text column, a column at a time, until the line
    /// fits or every text column is down to `floor` (or its header).
    fn cut_text(&mut self, width: usize, floor: usize, fitted: &mut Fitted) {
        while self.total() > width {
            let widest = (0..self.widths.len())
                .filter(|&i| {
                    !self.hidden[i]
                        && self.align[i] == Align::Left
                        && self.widths[i] > self.floor(i, floor)
                })
                .max_by_key(|&i| (self.widths[i], std::cmp::Reverse(i)));
            let Some(i) = widest else { return };
            let floor = self.floor(i, floor);
            let over = self.total() - width;
            self.widths[i] = self.widths[i].saturating_sub(over).max(floor);
            self.cut[i] = true;
            if !fitted.cut.contains(&self.headers[i]) {
                fitted.cut.push(self.headers[i]);
            }
        }
    }

    /// Widens the columns to fit a row.
    pub fn measure<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        self.measure_with(cells, false);
    }

    fn measure_with<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>, keep: bool) {
        for (i, cell) in cells.into_iter().enumerate() {
            let mut shown = shown_width(cell);
            let at_most = match self.align.get(i) {
                Some(Align::Left) => Some(TEXT_AT_MOST),
                Some(Align::Whole) => Some(WHOLE_AT_MOST),
                // Numbers are ours, never the service's text.
                Some(Align::Right) | None => None,
            };
            if !keep
                && let Some(at_most) = at_most
                && shown > at_most
            {
                shown = at_most;
                if let Some(cut) = self.cut.get_mut(i) {
                    *cut = true;
                }
            }
            if let Some(w) = self.widths.get_mut(i) {
                *w = (*w).max(shown);
            }
            if keep && let Some(k) = self.keep.get_mut(i) {
                *k = (*k).max(shown);
            }
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
        writeln!(out, "{}", "-".repeat(self.total()))
    }

    /// Writes one row, escaped and padded to the measured widths (cut
    /// where [`fit`](Self::fit) narrowed a column).
    pub fn line<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        self.write_line(cells, false, out)
    }

    /// Writes a line measured by [`keep_whole`](Self::keep_whole) (the
    /// totals): never cut; a cell wider than its column runs on into the
    /// empty cells after it.
    pub fn whole_line<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        self.write_line(cells, true, out)
    }

    fn write_line<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
        whole: bool,
        out: &mut impl Write,
    ) -> io::Result<()> {
        self.text.clear();
        let mut first = true;
        // How far the last cell ran past its column's end.
        let mut spill = 0usize;
        for (i, cell) in cells.into_iter().enumerate() {
            if self.hidden.get(i).copied().unwrap_or(false) {
                continue;
            }
            let cell = sanitize::for_terminal(cell);
            let w = self.widths.get(i).copied().unwrap_or(0);
            let cell = if !whole && self.cut.get(i).copied().unwrap_or(false) {
                cut_to(&cell, w)
            } else {
                cell
            };
            let sep = if first { 0 } else { 2 };
            first = false;
            let shown = sanitize::display_width(&cell);
            if spill > 0 && shown == 0 {
                let absorbed = spill.min(sep + w);
                spill -= absorbed;
                self.text
                    .extend(std::iter::repeat_n(' ', sep + w - absorbed));
                continue;
            }
            // A spill that reaches a cell with text only moves the rest of
            // the line right.
            self.text.extend(std::iter::repeat_n(' ', sep));
            let pad = w.saturating_sub(shown);
            match self.align.get(i).copied().unwrap_or(Align::Left) {
                Align::Left | Align::Whole => {
                    self.text.push_str(&cell);
                    self.text.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    self.text.extend(std::iter::repeat_n(' ', pad));
                    self.text.push_str(&cell);
                }
            }
            spill = shown.saturating_sub(w);
        }
        writeln!(out, "{}", self.text.trim_end())
    }
}

/// `text` shown [escaped](sanitize::for_terminal) and, on a terminal
/// `width` columns wide, broken at spaces into lines that fit (a word
/// longer than the line stays whole). Captions and notes around a fitted
/// table go through this, so the whole output fits, not only the table.
pub fn wrapped(text: &str, width: Option<usize>) -> String {
    let text = sanitize::for_terminal(text);
    let Some(width) = width else {
        return text.into_owned();
    };
    let mut out = String::new();
    let mut used = 0;
    for (i, word) in text.split(' ').enumerate() {
        let w = sanitize::display_width(word);
        if i > 0 {
            // Runs of spaces (an indent, aligned counts) are kept; a line
            // breaks only before a word that would not fit.
            if w > 0 && used > 0 && used + 1 + w > width {
                out.push('\n');
                used = 0;
            } else {
                out.push(' ');
                used += 1;
            }
        }
        out.push_str(word);
        used += w;
    }
    out
}

/// `text` (already escaped) in at most `width` terminal columns: cut with
/// `…` when longer, between grapheme clusters (a flag, an emoji sequence or
/// a letter with its marks goes whole). A wide character that would
/// straddle the edge goes too.
fn cut_to(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    use unicode_segmentation::UnicodeSegmentation;
    if sanitize::display_width(text) <= width {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = 0;
    let mut used = 0;
    for (at, g) in text.grapheme_indices(true) {
        let w = sanitize::cluster_width(g);
        if used + w + 1 > width {
            break;
        }
        end = at + g.len();
        used += w;
    }
    std::borrow::Cow::Owned(format!("{}…", &text[..end]))
}

#[cfg(test)]
mod tests;
