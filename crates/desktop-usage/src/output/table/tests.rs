//! The tables' tests: alignment, escaping, fitting to a terminal, cell caps.

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
        drop_first: &[],
    };
    let mut out = Vec::new();
    table.write(&mut out, None).unwrap();
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
        drop_first: &[],
    };
    let mut out = Vec::new();
    table.write(&mut out, None).unwrap();
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

/// The columns a terminal gives `text`, per user-perceived character:
/// a flag (two regional indicators), an emoji ZWJ sequence and an
/// emoji presentation sequence (…U+FE0F) take two; a combining mark
/// none; anything else its East Asian width. Written out by hand, apart
/// from the code under test, as a terminal such as VTE or kitty counts.
fn terminal_columns(text: &str) -> usize {
    use unicode_width::UnicodeWidthChar;
    let chars: Vec<char> = text.chars().collect();
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    let mut columns = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut w = c.width().unwrap_or(0);
        i += 1;
        if regional(c) && i < chars.len() && regional(chars[i]) {
            w = 2;
            i += 1;
        }
        // What joins the character: marks, variation selectors, a ZWJ
        // and the character it joins.
        while i < chars.len() {
            let next = chars[i];
            if next == '\u{200D}' && i + 1 < chars.len() {
                w = 2;
                i += 2;
            } else if next == '\u{FE0F}' {
                w = 2;
                i += 1;
            } else if next.width() == Some(0) {
                i += 1;
            } else {
                break;
            }
        }
        columns += w;
    }
    columns
}

/// Names of every script and emoji kind, long enough that some are cut.
fn world_table() -> Table {
    let names = [
        "张伟的电脑",
        "👩\u{200d}💻 dev",
        "👨\u{200d}👩\u{200d}👧 family",
        "🇨🇳 flag 🇨🇳🇨🇳🇨🇳🇨🇳🇨🇳",
        "ＷＫＳ－ＣＥＯ",
        "cafe\u{301} e\u{301}e\u{301}e\u{301}e\u{301}",
        "ที่ทำงาน สำนักงาน",
        "❤\u{fe0f} love ❤\u{fe0f}❤\u{fe0f}",
        "👨\u{200d}👩\u{200d}👧👨\u{200d}👩\u{200d}👧👨\u{200d}👩\u{200d}👧👨\u{200d}👩\u{200d}👧",
        "한국어 이름",
    ];
    Table {
        headers: vec!["NAME", "USER", "HOURS"],
        align: vec![Align::Left, Align::Left, Align::Right],
        rows: names
            .iter()
            .map(|n| vec![n.to_string(), format!("{n}x"), "1.00".into()])
            .collect(),
        totals: None,
        drop_first: &[],
    }
}

#[test]
fn every_script_and_emoji_ends_in_one_terminal_column_whole_or_cut() {
    let table = world_table();
    for width in [None, Some(40), Some(30), Some(24)] {
        let mut out = Vec::new();
        table.write(&mut out, width).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 11, "{text}");
        // Every line ends at HOURS' right edge; and so does the USER
        // column before it (the start of `1.00`).
        let ends: BTreeSet<usize> = lines.iter().map(|l| terminal_columns(l)).collect();
        assert_eq!(ends.len(), 1, "width {width:?}, ends {ends:?}:\n{text}");
        let users: BTreeSet<usize> = lines[1..]
            .iter()
            .map(|l| terminal_columns(&l[..l.rfind("1.00").unwrap()]))
            .collect();
        assert_eq!(users.len(), 1, "width {width:?}:\n{text}");
        // A cut never splits what a person reads as one character.
        for l in &lines {
            for broken in ["\u{200d}…", "🇨…", "e…\u{301}"] {
                assert!(!l.contains(broken), "{broken:?} in {l:?}");
            }
        }
    }
}

fn fitted_lines(table: &Table, width: usize) -> String {
    let mut out = Vec::new();
    table.write(&mut out, Some(width)).unwrap();
    String::from_utf8(out).unwrap()
}

fn wide_table() -> Table {
    Table {
        headers: vec!["DESKTOP", "USER", "HOURS", "AVERAGE", "LAST"],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Whole,
        ],
        rows: vec![
            vec![
                "a-desktop-with-a-very-long-name".into(),
                "ann".into(),
                "10.00".into(),
                "5.00".into(),
                "2024-01-31".into(),
            ],
            vec![
                "short".into(),
                "bob.with.a.long.user.name".into(),
                "2.00".into(),
                "2.00".into(),
                "2024-01-02".into(),
            ],
        ],
        totals: Some(vec![
            "TOTAL (2 desktops)".into(),
            String::new(),
            "12.00".into(),
            String::new(),
            String::new(),
        ]),
        drop_first: &["AVERAGE"],
    }
}

#[test]
fn a_table_wider_than_the_terminal_is_fitted_and_says_how() {
    use unicode_width::UnicodeWidthStr;
    let table = wide_table();
    let mut full = Vec::new();
    table.write(&mut full, None).unwrap();
    let full = String::from_utf8(full).unwrap();
    assert!(full.lines().any(|l| l.width() > 60), "{full}");
    assert!(full.contains("AVERAGE") && !full.contains('…'), "{full}");

    // The widest name is cut first, no more than needed (and not below
    // 16): enough for 72 columns, nothing dropped.
    let text = fitted_lines(&table, 72);
    let table_lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert!(table_lines.iter().all(|l| l.width() <= 72), "{text}");
    assert!(text.contains("AVERAGE"), "{text}");
    assert!(text.contains("a-desktop-with-a…  ann"), "{text}");
    assert!(text.contains("bob.with.a.long.user.name"), "{text}");
    assert!(
        text.contains("(fitted to 72 columns: long DESKTOP cut with …;"),
        "{text}"
    );
    // Dates and numbers are never cut; the totals run on into empty cells.
    assert!(
        text.contains("2024-01-31") && text.contains("10.00"),
        "{text}"
    );
    assert!(text.contains("TOTAL (2 desktops)"), "{text}");

    // Narrower: the average goes, then names are cut to 8.
    let text = fitted_lines(&table, 44);
    let table_lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert!(table_lines.iter().all(|l| l.width() <= 44), "{text}");
    assert!(!table_lines[0].contains("AVERAGE"), "{text}");
    assert!(text.contains("without AVERAGE"), "{text}");
    assert!(text.contains("TOTAL (2 desktops)"), "{text}");
    assert!(
        text.lines().all(|l| l.width() <= 44),
        "the note is wrapped too: {text}"
    );

    // Wide enough: written as without a terminal, no note.
    let mut out = Vec::new();
    table.write(&mut out, Some(200)).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), full);
}

#[test]
fn a_huge_cell_is_cut_even_without_a_terminal_and_totals_are_not() {
    use unicode_width::UnicodeWidthStr;
    let huge = "名".repeat(100_000);
    let table = Table {
        headers: vec!["NAME", "DESKTOP ID", "HOURS"],
        align: vec![Align::Left, Align::Whole, Align::Right],
        rows: vec![
            vec![huge.clone(), "d".repeat(100_000), "1.00".into()],
            vec!["short".into(), "d2".into(), "2.00".into()],
        ],
        totals: Some(vec!["TOTAL".into(), String::new(), "3.00".into()]),
        drop_first: &[],
    };
    let mut out = Vec::new();
    table.write(&mut out, None).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].starts_with(&format!("{}…  ", "名".repeat(31))),
        "{text}"
    );
    assert!(lines[1].contains(&format!("{}…  ", "d".repeat(WHOLE_AT_MOST - 1))));
    let ends: BTreeSet<usize> = [0, 1, 2, 4].iter().map(|&i| lines[i].width()).collect();
    assert_eq!(ends.len(), 1, "{text}");
    assert_eq!(
        ends.first(),
        Some(&(TEXT_AT_MOST + 2 + WHOLE_AT_MOST + 2 + 5))
    );
    assert_eq!(
        lines[4].trim_end(),
        format!(
            "TOTAL{}3.00",
            " ".repeat(TEXT_AT_MOST + WHOLE_AT_MOST + 4 - 5 + 1)
        )
    );
}

#[test]
fn what_cannot_be_cut_is_left_whole_and_wraps() {
    let table = Table {
        headers: vec!["DESKTOP ID", "DATE"],
        align: vec![Align::Whole, Align::Whole],
        rows: vec![vec![
            "0018367a-c479-41bc-ac37-6e3876a46bcd".into(),
            "2024-01-31".into(),
        ]],
        totals: None,
        drop_first: &[],
    };
    let text = fitted_lines(&table, 30);
    assert!(
        text.contains("0018367a-c479-41bc-ac37-6e3876a46bcd  2024-01-31"),
        "{text}"
    );
    assert!(!text.contains("fitted"), "nothing was changed: {text}");
}

#[test]
fn wrapping_keeps_runs_of_spaces_and_breaks_before_words() {
    assert_eq!(
        wrapped("     191  Authentication failed.", Some(80)),
        "     191  Authentication failed."
    );
    assert_eq!(wrapped("one two three", Some(7)), "one two\nthree");
    assert_eq!(wrapped("one two three", None), "one two three");
    assert_eq!(wrapped("bad\u{1b}[2J", Some(80)), "bad\\u{1b}[2J");
}
