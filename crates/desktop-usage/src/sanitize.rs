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
/// controls (the `Bidi_Control` property), the line and paragraph
/// separators, which some terminals and viewers break lines at, and every
/// character a terminal shows as nothing ([`is_invisible`]).
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
        || is_invisible(c)
}

/// Whether a character takes no room and shows no ink, so that `WKS-CEO`
/// with it and without it look the same: the format characters (general
/// category Cf: zero-width space and joiners, soft hyphen, BOM, tags, …)
/// and the other default-ignorable code points (combining grapheme joiner,
/// Hangul fillers, Mongolian free variation selectors, variation
/// selectors). Inside an emoji the joiner, the presentation selectors and
/// a flag's tags are legitimate and kept ([`for_terminal`]).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether a character starts an emoji: the blocks of the
/// `Extended_Pictographic` property, taken by range (a few neighbouring
/// symbols are included; they only decide whether a joiner or selector
/// after them is kept, and a terminal joins nothing to them anyway).
fn is_pictographic(c: char) -> bool {
    matches!(
        c,
        '\u{00A9}'
            | '\u{00AE}'
            | '\u{203C}'
            | '\u{2049}'
            | '\u{2122}'
            | '\u{2139}'
            | '\u{2194}'..='\u{21AA}'
            | '\u{231A}'..='\u{23FF}'
            | '\u{24C2}'
            | '\u{25AA}'..='\u{27BF}'
            | '\u{2934}'..='\u{2935}'
            | '\u{2B05}'..='\u{2B55}'
            | '\u{3030}'
            | '\u{303D}'
            | '\u{3297}'
            | '\u{3299}'
            | '\u{1F000}'..='\u{1FAFF}'
            | '\u{1FC00}'..='\u{1FFFD}'
    )
}

/// Whether `c`, an [invisible](is_invisible) character at `at` in the
/// grapheme cluster `cluster`, is part of a legitimate emoji and so shown
/// as is: a ZWJ between two parts of an emoji (👩‍💻), a presentation
/// selector after one (❤️, or a keycap 1️⃣), the tags of a subdivision flag
/// after 🏴. Anywhere else (a ZWJ between letters, a selector after `O`)
/// it only hides a difference.
fn belongs_to_emoji(cluster: &str, at: usize, c: char) -> bool {
    let Some(first) = cluster.chars().next() else {
        return false;
    };
    let last = at + c.len_utf8() == cluster.len();
    let keycap = matches!(first, '0'..='9' | '#' | '*') && cluster.ends_with('\u{20E3}');
    match c {
        '\u{200D}' => is_pictographic(first) && !last,
        '\u{FE0E}' | '\u{FE0F}' => is_pictographic(first) || keycap,
        '\u{E0020}'..='\u{E007F}' => first == '\u{1F3F4}',
        _ => false,
    }
}

/// Whether a character of a cluster is written escaped.
fn escaped(cluster: &str, at: usize, c: char) -> bool {
    is_unsafe(c) && !(is_invisible(c) && belongs_to_emoji(cluster, at, c))
}

/// The text with every [unsafe](is_unsafe) character written as `\u{HEX}`
/// (Rust's notation, lowercase hex: ESC is `\u{1b}`, a newline `\u{a}`, a
/// zero-width space `\u{200b}`); borrowed when there is nothing to escape.
/// The joiners and selectors inside an emoji are kept, so 👩‍💻 and 🇨🇳 stay
/// pictures. Variation selectors elsewhere (including the ideographic ones
/// after a CJK character), ZWNJ and ZWJ in Indic or Persian names, and the
/// Mongolian selectors are shown escaped too: rare in names, and exactly
/// what makes two different names look the same. json and csv keep them.
///
/// A backslash is left alone (`DOMAIN\user` stays readable), so the
/// escaped form is for reading, not for parsing back: use json for that.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let needs = |g: &str| g.char_indices().any(|(at, c)| escaped(g, at, c));
    if !text.graphemes(true).any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for g in text.graphemes(true) {
        if !needs(g) {
            out.push_str(g);
            continue;
        }
        for (at, c) in g.char_indices() {
            if escaped(g, at, c) {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            } else {
                out.push(c);
            }
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
    // Most cells (ids, numbers, dates, most names) are printable ASCII: one
    // column a byte, nothing escaped, no cluster to find. Every cell of a
    // table is measured, so this is the common path.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return text.len();
    }
    for_terminal(text).graphemes(true).map(cluster_width).sum()
}

/// A line for stderr: [escaped](for_terminal), and a line longer than
/// [`LINE_AT_MOST`] characters loses its middle, with a `…` that says how
/// much: our own words open a message and the request id closes it, so
/// both ends are kept and what goes is the service's text in between.
pub fn shortened(text: &str) -> Cow<'_, str> {
    let text = for_terminal(text);
    let count = text.chars().count();
    if count <= LINE_AT_MOST {
        return text;
    }
    let (mut head, mut chars) = (0, 0);
    for (at, g) in text.grapheme_indices(true) {
        chars += g.chars().count();
        if chars > LINE_HEAD {
            break;
        }
        head = at + g.len();
    }
    let (mut tail, mut chars) = (text.len(), 0);
    for (at, g) in text.grapheme_indices(true).rev() {
        chars += g.chars().count();
        if chars > LINE_TAIL || at < head {
            break;
        }
        tail = at;
    }
    let cut = text[head..tail].chars().count();
    Cow::Owned(format!(
        "{} …({cut} characters not shown)… {}",
        text[..head].trim_end(),
        text[tail..].trim_start()
    ))
}

/// The longest line [`shortened`] leaves whole: a few lines of a terminal,
/// more than any message of ours with a real service text in it (and an
/// error stays one line, whatever the service sent: a megabyte of
/// `error_msg` would otherwise fill the scroll-back).
pub const LINE_AT_MOST: usize = 1000;
/// What a shortened line keeps of its start.
const LINE_HEAD: usize = 600;
/// And of its end: the request id and our advice after the service's text.
const LINE_TAIL: usize = 300;

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
    fn invisible_characters_are_shown_but_emoji_keep_their_joiners() {
        for (text, shown) in [
            ("WKS-CEO\u{200b}", "WKS-CEO\\u{200b}"),
            ("WKS-CEO\u{2060}", "WKS-CEO\\u{2060}"),
            ("WKS-\u{ad}CEO", "WKS-\\u{ad}CEO"),
            ("\u{feff}WKS-CEO", "\\u{feff}WKS-CEO"),
            ("WKS-CEO\u{e0001}\u{e0041}", "WKS-CEO\\u{e0001}\\u{e0041}"),
            ("WKS-CEO\u{34f}", "WKS-CEO\\u{34f}"),
            ("WKS-CEO\u{180e}", "WKS-CEO\\u{180e}"),
            ("W\u{200d}KS", "W\\u{200d}KS"),
            ("CEO\u{fe0f}", "CEO\\u{fe0f}"),
            // A joiner that joins nothing after an emoji hides a difference too.
            ("👩\u{200d} x", "👩\\u{200d} x"),
        ] {
            assert_eq!(for_terminal(text), shown, "{text:?}");
        }
        for emoji in [
            "👩\u{200d}💻",
            "👨\u{200d}👩\u{200d}👧",
            "❤\u{fe0f}",
            "1\u{fe0f}\u{20e3}",
            "🇨🇳",
            // England's flag: black flag, tags, cancel tag.
            "🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}",
        ] {
            assert!(matches!(for_terminal(emoji), Cow::Borrowed(_)), "{emoji:?}");
        }
    }

    #[test]
    fn long_lines_lose_their_middle_and_keep_both_ends() {
        let line = format!("ours: {} (request id r-1)", "y".repeat(1 << 20));
        let short = shortened(&line);
        assert!(short.chars().count() <= LINE_AT_MOST, "{}", short.len());
        assert!(short.starts_with("ours: yyy"), "{short}");
        assert!(short.ends_with("yyy (request id r-1)"), "{short}");
        assert!(short.contains("characters not shown"), "{short}");
        // Escaped first, and not cut inside a cluster.
        let line = format!("a\u{1b}{}", "e\u{301}".repeat(2000));
        let short = shortened(&line);
        assert!(short.starts_with("a\\u{1b}e\u{301}"), "{short}");
        assert!(!short.contains(" \u{301}") && !short.contains("…\u{301}"));
        assert_eq!(shortened("short"), "short");
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
        assert_eq!(display_width("a\u{7f}b"), "a\\u{7f}b".len());
        // The printable-ASCII shortcut measures as the cluster path does.
        let ascii: String = (0x20u8..0x7f).map(char::from).collect();
        assert_eq!(
            display_width(&ascii),
            for_terminal(&ascii)
                .graphemes(true)
                .map(cluster_width)
                .sum::<usize>()
        );
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
