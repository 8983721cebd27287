//! Text from the service (user names, desktop ids, error messages) made safe
//! for a terminal and for a spreadsheet.
//!
//! A user name is whatever an administrator (or an attacker) typed into the
//! cloud console, so it can hold ESC sequences that retitle or clear the
//! terminal, a newline that forges a table row, or a right-to-left override
//! that shows `exe.txt` for `txt.exe`. Everything that goes to a terminal
//! (table cells, captions, every line on stderr) passes through
//! [`for_terminal`]; machine formats stay exact (JSON escapes control
//! characters itself) except for csv's [formula guard](needs_formula_guard).

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Whether a character must not reach a terminal as is: the C0 and C1
/// controls and DEL (`char::is_control`), the Unicode bidirectional
/// controls (the `Bidi_Control` property), and the line and paragraph
/// separators, which some terminals and viewers break lines at.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// The text with every [unsafe](is_unsafe) character written as `\u{HEX}`
/// (Rust's notation, lowercase hex: ESC is `\u{1b}`, a newline `\u{a}`);
/// borrowed when there is nothing to escape.
///
/// A backslash is left alone (`DOMAIN\user` stays readable), so the
/// escaped form is for reading, not for parsing back: use json for that.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The terminal columns of one grapheme cluster: two for a flag, an emoji
/// ZWJ sequence or an emoji presentation sequence, and for East Asian wide
/// and full-width characters; a letter with combining marks as the letter.
pub fn cluster_width(cluster: &str) -> usize {
    // unicode-width's string rules already know these sequences; given one
    // cluster at a time it cannot run one sequence on into the next.
    cluster.width()
}

/// How many terminal columns the text takes once [escaped](for_terminal),
/// added up [per grapheme cluster](cluster_width).
pub fn display_width(text: &str) -> usize {
    for_terminal(text).graphemes(true).map(cluster_width).sum()
}

/// Whether a spreadsheet would run this csv field as a formula (OWASP,
/// "CSV Injection": a field starting with `=`, `+`, `-`, `@`, TAB or CR).
/// The csv writer prefixes such a text field with `'` and quotes it.
pub fn needs_formula_guard(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_shown_not_obeyed() {
        assert_eq!(
            for_terminal("\u{1b}]0;pwned\u{7}x"),
            "\\u{1b}]0;pwned\\u{7}x"
        );
        assert_eq!(for_terminal("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(
            for_terminal("bell\u{7} bs\u{8} nul\u{0} cr\r nl\n tab\t del\u{7f}"),
            "bell\\u{7} bs\\u{8} nul\\u{0} cr\\u{d} nl\\u{a} tab\\u{9} del\\u{7f}"
        );
        // C1 controls: U+009B is a one-character CSI on some terminals.
        assert_eq!(for_terminal("\u{9b}31m"), "\\u{9b}31m");
    }

    #[test]
    fn bidi_controls_are_escaped() {
        assert_eq!(for_terminal("ann\u{202e}txt.exe"), "ann\\u{202e}txt.exe");
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
        ] {
            assert!(is_unsafe(c), "{:x}", u32::from(c));
        }
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in ["alice", "DOMAIN\\bob", "张伟", "émilie", "👩‍💻 dev", ""] {
            assert!(matches!(for_terminal(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn width_counts_columns() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("张伟"), 4);
        assert_eq!(display_width("🎉"), 2);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("👨\u{200d}👩\u{200d}👧"), 2);
        assert_eq!(display_width("🇨🇳🇨🇳"), 4);
        assert_eq!(display_width("ＷＫＳ"), 6);
        assert_eq!(display_width("ที่"), 1);
        // The escaped form is what is shown, so that is what is measured.
        assert_eq!(display_width("a\u{1b}"), "a\\u{1b}".len());
    }

    #[test]
    fn formulas_are_disarmed() {
        for text in [
            "=1+1",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(needs_formula_guard(text), "{text:?}");
        }
        for text in ["alice", "a=b", " =1", "", "'quoted"] {
            assert!(!needs_formula_guard(text), "{text:?}");
        }
    }
}
