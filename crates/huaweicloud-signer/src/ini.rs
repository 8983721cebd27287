//! The profile file's INI dialect, read the way the official SDK reads it:
//! Python's `configparser.ConfigParser()` with its defaults (Python 3.11
//! `RawConfigParser._read` and `BasicInterpolation`), because the same file
//! must give the same keys to both SDKs.
//!
//! What that means, rule by rule (each has a case in `xtask/python/profile_read.py`'s
//! comparison and in `tests/profile_dialect.rs`):
//! - lines end at `\n`, `\r\n` or a lone `\r` (Python's universal newlines);
//! - `key = value` or `key: value`, split at the first `=` or `:`; the key is
//!   trimmed and lower-cased, the value trimmed;
//! - whole-line comments start with `#` or `;` (after any indentation); there
//!   are no inline comments: `sk = a # b` is the value `a # b`;
//! - an indented line after a key continues its value (joined with `\n`); a
//!   blank line inside such a value is kept, trailing ones are dropped;
//! - a `[DEFAULT]` section gives every section its keys (a section's own key wins);
//! - a key twice in one section, or a section twice, is an error;
//! - a line before any section, or a line with no `=`/`:`, is an error;
//! - `%%` is `%`, `%(key)s` is the value of `key` in the section or
//!   `[DEFAULT]`, and any other `%` is an error (interpolation, applied to
//!   every key of the section read, as `ConfigParser.items` does).
//!
//! One documented difference: a UTF-8 byte order mark at the start is
//! skipped; Python with `encoding="utf-8"` keeps it and then finds no
//! section header. Notepad writes one, and refusing it helps nobody.
//!
//! Errors name lines, sections and keys, never values: a value may be a secret.

use std::collections::{HashMap, HashSet};

/// Python's `configparser.MAX_INTERPOLATION_DEPTH`.
const MAX_INTERPOLATION_DEPTH: usize = 10;

/// An interpolated value longer than this is an error: ten levels of
/// `%(a)s%(a)s` would otherwise make a 1 MiB file expand to a gigabyte.
pub(crate) const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Why the text is not a file the official reader would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IniError {
    /// A non-comment line before the first `[section]`.
    MissingSectionHeader { line: usize },
    /// Lines that are neither a section, a comment, nor `key = value`.
    Syntax { lines: Vec<usize> },
    /// `[section]` twice.
    DuplicateSection { line: usize, section: String },
    /// A key twice in one section.
    DuplicateKey {
        line: usize,
        section: String,
        key: String,
    },
    /// A `%` that is neither `%%` nor `%(key)s`, a reference to a missing key,
    /// references nested too deep, or a value that grew too long.
    Interpolation {
        section: String,
        key: String,
        rule: &'static str,
    },
}

impl std::fmt::Display for IniError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingSectionHeader { line } => write!(
                f,
                "line {line}: a key before any [section] (the profile starts with a header such as [basic])"
            ),
            Self::Syntax { lines } => {
                let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "line {}: not `key = value`, `key: value`, a [section] or a comment",
                    lines.join(", ")
                )
            }
            Self::DuplicateSection { line, section } => {
                write!(f, "line {line}: section [{section}] appears twice")
            }
            Self::DuplicateKey { line, section, key } => {
                write!(f, "line {line}: key `{key}` appears twice in [{section}]")
            }
            Self::Interpolation { section, key, rule } => {
                write!(f, "key `{key}` in [{section}]: {rule}")
            }
        }
    }
}

/// One section: keys (lower-cased) to their values, in file order.
#[derive(Debug, Default, Clone)]
struct Section {
    name: String,
    keys: Vec<(String, Vec<String>)>,
}

impl Section {
    fn find_mut(&mut self, key: &str) -> Option<&mut Vec<String>> {
        self.keys.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// A parsed profile file (values still raw: not interpolated).
#[derive(Debug, Clone)]
pub(crate) struct Ini {
    defaults: Section,
    sections: Vec<Section>,
}

/// Python's `str.isspace` (Rust's `char::is_whitespace` plus the four
/// ASCII separators U+001C..U+001F).
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// Lines as Python's universal newlines split them.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\n', '\r']) {
            None => Some(std::mem::take(&mut rest)),
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
        }
    })
}

/// `\[(?P<header>.+)\]` matched at the start: the header runs to the last `]`.
fn section_header(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('[')?;
    let end = inner.rfind(']')?;
    (end > 0).then(|| &inner[..end])
}

impl Ini {
    /// Parses the text like `ConfigParser.read_string` (strict, `=` and `:`,
    /// `#`/`;` comments, empty lines allowed in values).
    pub(crate) fn parse(text: &str) -> Result<Self, IniError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut ini = Self {
            defaults: Section {
                name: "DEFAULT".to_owned(),
                keys: Vec::new(),
            },
            sections: Vec::new(),
        };
        // Which section is current: None before the first header, Some(None) for DEFAULT.
        let mut current: Option<Option<usize>> = None;
        let mut key: Option<String> = None;
        let mut indent_level = usize::MAX;
        let mut seen_keys: HashSet<(String, String)> = HashSet::new();
        let mut bad_lines = Vec::new();

        for (index, line) in lines(text).enumerate() {
            let number = index + 1;
            let value = py_strip(line);
            let comment = value.starts_with('#') || value.starts_with(';');
            if value.is_empty() || comment {
                // A blank line inside a value is kept (joined later); a comment is not,
                // and neither ends the value.
                if !comment
                    && let (Some(cur), Some(k)) = (current, key.as_deref())
                    && let Some(values) = ini.section_mut(cur).find_mut(k)
                {
                    values.push(String::new());
                }
                continue;
            }
            let cur_indent = line.chars().take_while(|c| py_space(*c)).count();
            if let (Some(cur), Some(k)) = (current, key.as_deref())
                && cur_indent > indent_level
            {
                if let Some(values) = ini.section_mut(cur).find_mut(k) {
                    values.push(value.to_owned());
                }
                continue;
            }
            indent_level = cur_indent;
            if let Some(name) = section_header(value) {
                key = None;
                if name == "DEFAULT" {
                    current = Some(None);
                    continue;
                }
                if ini.sections.iter().any(|s| s.name == name) {
                    return Err(IniError::DuplicateSection {
                        line: number,
                        section: name.to_owned(),
                    });
                }
                ini.sections.push(Section {
                    name: name.to_owned(),
                    keys: Vec::new(),
                });
                current = Some(Some(ini.sections.len() - 1));
                continue;
            }
            let Some(cur) = current else {
                return Err(IniError::MissingSectionHeader { line: number });
            };
            let Some(at) = value.find(['=', ':']) else {
                bad_lines.push(number);
                continue;
            };
            let name = py_strip(&value[..at]).to_lowercase();
            if name.is_empty() {
                bad_lines.push(number);
            }
            let section_name = ini.section_mut(cur).name.clone();
            if !seen_keys.insert((section_name.clone(), name.clone())) {
                return Err(IniError::DuplicateKey {
                    line: number,
                    section: section_name,
                    key: name,
                });
            }
            let val = py_strip(&value[at + 1..]).to_owned();
            ini.section_mut(cur).keys.push((name.clone(), vec![val]));
            key = Some(name);
        }
        if !bad_lines.is_empty() {
            return Err(IniError::Syntax { lines: bad_lines });
        }
        Ok(ini)
    }

    fn section_mut(&mut self, which: Option<usize>) -> &mut Section {
        match which.and_then(|i| self.sections.get_mut(i)) {
            Some(section) => section,
            None => &mut self.defaults,
        }
    }

    /// The section names, in file order (`DEFAULT` is not one, as in configparser).
    pub(crate) fn section_names(&self) -> Vec<String> {
        self.sections.iter().map(|s| s.name.clone()).collect()
    }

    /// Every key of `section` with `[DEFAULT]`'s keys underneath, values
    /// joined and interpolated, like `ConfigParser.items(section)`.
    /// `Ok(None)` when there is no such section.
    pub(crate) fn items(&self, section: &str) -> Result<Option<HashMap<String, String>>, IniError> {
        let Some(own) = self.sections.iter().find(|s| s.name == section) else {
            return Ok(None);
        };
        let mut raw: HashMap<String, String> = HashMap::new();
        // configparser's order (defaults first), so the first bad key is the one reported.
        let mut order: Vec<&str> = Vec::new();
        for (k, v) in self.defaults.keys.iter().chain(own.keys.iter()) {
            if raw.insert(k.clone(), join(v)).is_none() {
                order.push(k);
            }
        }
        let mut out = HashMap::with_capacity(raw.len());
        for k in order {
            let mut accum = String::new();
            if let Some(v) = raw.get(k) {
                interpolate(&raw, section, k, v, &mut accum, 1)?;
            }
            out.insert(k.to_owned(), accum);
        }
        Ok(Some(out))
    }
}

/// A multi-line value: lines joined with `\n`, trailing whitespace dropped.
fn join(values: &[String]) -> String {
    values.join("\n").trim_end_matches(py_space).to_owned()
}

/// `BasicInterpolation._interpolate_some`.
fn interpolate(
    map: &HashMap<String, String>,
    section: &str,
    key: &str,
    mut rest: &str,
    accum: &mut String,
    depth: usize,
) -> Result<(), IniError> {
    let fail = |rule| IniError::Interpolation {
        section: section.to_owned(),
        key: key.to_owned(),
        rule,
    };
    if depth > MAX_INTERPOLATION_DEPTH {
        return Err(fail(
            "`%(name)s` references nested more than 10 deep (configparser's limit)",
        ));
    }
    while !rest.is_empty() {
        let Some(p) = rest.find('%') else {
            push_bounded(accum, rest).map_err(fail)?;
            return Ok(());
        };
        push_bounded(accum, &rest[..p]).map_err(fail)?;
        rest = &rest[p..];
        if let Some(after) = rest.strip_prefix("%%") {
            push_bounded(accum, "%").map_err(fail)?;
            rest = after;
        } else if let Some(after) = rest.strip_prefix("%(") {
            // `%\(([^)]+)\)s`
            let close = after.find(')').filter(|&c| c > 0);
            let Some(close) = close.filter(|&c| after[c + 1..].starts_with('s')) else {
                return Err(fail(
                    "`%(` must be `%(name)s` (write `%%` for a literal `%`; the official SDK reads values through configparser's interpolation)",
                ));
            };
            let name = after[..close].to_lowercase();
            rest = &after[close + 2..];
            let Some(value) = map.get(&name) else {
                return Err(fail(
                    "`%(name)s` names a key that is not in the section or [DEFAULT] (write `%%` for a literal `%`)",
                ));
            };
            if value.contains('%') {
                interpolate(map, section, key, value, accum, depth + 1)?;
            } else {
                push_bounded(accum, value).map_err(fail)?;
            }
        } else {
            return Err(fail(
                "a `%` must be followed by `%` or `(name)s`: write `%%` for a literal `%` (the official SDK reads values through configparser's interpolation)",
            ));
        }
    }
    Ok(())
}

fn push_bounded(accum: &mut String, s: &str) -> Result<(), &'static str> {
    if accum.len() + s.len() > MAX_VALUE_BYTES {
        return Err("the value grows past 64 KiB through `%(name)s` references");
    }
    accum.push_str(s);
    Ok(())
}
