//! `desktop-usage schema COMMAND` against what COMMAND really prints: every
//! field of every json and ndjson row has the declared JSON type (null only
//! where the schema allows it), the declared format and bounds, and every
//! hours number is written with exactly two decimals, as the schema says.

// Test helpers outside `#[test]` functions panic on purpose too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use common::{bare, stderr, stdout};
use serde_json::Value;
use serde_json::value::RawValue;

/// Each schema, the command whose rows it describes, and what makes that
/// command print many, varied rows from the demo fleet.
const COMMANDS: [(&str, &str, &[&str]); 13] = [
    ("report", "report", &[]),
    // Every desktop, the unused ones (no last active day) too.
    ("idle", "idle", &["--threshold", "100000"]),
    ("users-daily", "users-daily", &[]),
    ("desktops", "desktops", &[]),
    ("users", "users", &[]),
    // Today's, with failed, open and reconnected sessions.
    ("sessions", "sessions", &["--last", "1d"]),
    (
        "sessions-by-user",
        "sessions",
        &["--last", "2d", "--by", "user"],
    ),
    (
        "sessions-by-desktop",
        "sessions",
        &["--last", "2d", "--by", "desktop"],
    ),
    (
        "sessions-by-day",
        "sessions",
        &["--last", "3d", "--by", "day"],
    ),
    ("concurrency", "concurrency", &["--last", "3d"]),
    (
        "concurrency-by-hour",
        "concurrency",
        &["--last", "1d", "--by", "hour"],
    ),
    ("unused", "unused", &["--last", "2d"]),
    ("unused-users", "unused", &["--last", "2d", "--users"]),
];

/// A row as printed: each field's JSON text, untouched (`12.60` stays `12.60`).
type RawRow = BTreeMap<String, Box<RawValue>>;

/// The schema `desktop-usage schema COMMAND` prints.
fn schema(command: &str) -> Value {
    let home = tempfile::tempdir().unwrap();
    let out = bare(home.path())
        .args(["schema", command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(format!("schema_{command}"), stdout(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The rows of `--demo --today 2024-03-01 COMMAND` in json and in ndjson
/// (with and without names), each with where it came from.
fn demo_rows(command: &str, extra: &[&str]) -> Vec<(String, RawRow)> {
    let mut rows = Vec::new();
    for format in ["json", "ndjson"] {
        for names in [&[][..], &["--no-names"]] {
            let home = tempfile::tempdir().unwrap();
            let out = bare(home.path())
                .args(["--demo", "--today", "2024-03-01", "-q"])
                .args(names)
                .args([command, "--format", format])
                .args(extra)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let text = stdout(&out);
            let parsed: Vec<RawRow> = if format == "json" {
                serde_json::from_str(&text).unwrap()
            } else {
                text.lines()
                    .map(|line| serde_json::from_str(line).unwrap())
                    .collect()
            };
            assert!(!parsed.is_empty(), "{command} {format}: no rows");
            let origin = format!("{command} --format {format} {}", names.join(" "));
            rows.extend(parsed.into_iter().map(|row| (origin.clone(), row)));
        }
    }
    rows
}

/// The JSON types a value is an instance of (an integer is a number too).
fn types_of(value: &Value) -> &'static [&'static str] {
    match value {
        Value::Null => &["null"],
        Value::Bool(_) => &["boolean"],
        Value::Number(n) if n.is_u64() || n.is_i64() => &["integer", "number"],
        Value::Number(_) => &["number"],
        Value::String(_) => &["string"],
        Value::Array(_) => &["array"],
        Value::Object(_) => &["object"],
    }
}

/// The declared `type` of a property, as a list.
fn declared_types(property: &Value) -> Vec<&str> {
    match &property["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
        other => panic!("a property without a type: {other}"),
    }
}

/// `12.60`, `0.00`: digits, a point, exactly two digits.
fn has_two_decimals(text: &str) -> bool {
    text.split_once('.').is_some_and(|(whole, hundredths)| {
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && hundredths.len() == 2
            && hundredths.bytes().all(|b| b.is_ascii_digit())
    })
}

/// What is wrong with one field's text against its property schema.
fn check_field(property: &Value, text: &str) -> Result<(), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let declared = declared_types(property);
    if !types_of(&value).iter().any(|t| declared.contains(t)) {
        return Err(format!("{text} is not of type {declared:?}"));
    }
    if value.is_null() {
        return Ok(());
    }
    match property["format"].as_str() {
        Some("date") => {
            let day = value.as_str().unwrap_or_default();
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map_err(|e| format!("{text} is not a date: {e}"))?;
        }
        Some("date-time") => {
            let at = value.as_str().unwrap_or_default();
            chrono::DateTime::parse_from_rfc3339(at)
                .map_err(|e| format!("{text} is not an RFC 3339 time: {e}"))?;
            if !at.ends_with('Z') {
                return Err(format!("{text} is not in UTC"));
            }
        }
        Some("uint" | "uint32" | "uint64") if !value.is_u64() => {
            return Err(format!("{text} is not an unsigned integer"));
        }
        Some("uint" | "uint32" | "uint64") | None => {}
        Some(other) => return Err(format!("format {other} is not checked by this test")),
    }
    if let Some(minimum) = property["minimum"].as_f64()
        && value.as_f64().is_none_or(|v| v < minimum)
    {
        return Err(format!("{text} is below the minimum {minimum}"));
    }
    if let Some(step) = property["multipleOf"].as_f64() {
        // The one multipleOf the rows use is the hours' hundredth, and the
        // rows write those numbers with exactly two decimals.
        assert_eq!(step, 0.01, "an unexpected multipleOf");
        if !has_two_decimals(text) {
            return Err(format!("{text} is not written with two decimals"));
        }
    }
    Ok(())
}

/// Fields the demo fleet never prints as null, though they may be null with
/// another fleet or service (a metric the service did not report).
const NEVER_NULL_IN_THE_DEMO: &[(&str, &str)] = &[
    ("report", "date"),
    ("users", "hours"),
    ("users", "login_count"),
    ("users", "login_success_count"),
    ("users", "login_fail_count"),
    ("desktops", "computer_name"),
    ("desktops", "usage_hours"),
    ("desktops", "idle_hours"),
    ("desktops", "idle_days"),
    // The simulator's records always carry these; the service may leave them out.
    ("sessions", "client_version"),
    ("sessions", "computer_name"),
    ("sessions", "desktop_id"),
    ("sessions", "start"),
    ("sessions", "terminal_type"),
    ("sessions", "user_name"),
    // 300 desktops leave no day nor hour without a session (the
    // aggregation's own tests have the empty ones).
    ("concurrency", "peak_at"),
    ("concurrency-by-hour", "peak_at"),
    // The demo's inventory names, dates and states every desktop.
    ("unused", "computer_name"),
    ("unused", "created"),
    ("unused", "status"),
];

#[test]
fn schema_matches_the_rows_types_nulls_and_two_decimals() {
    for (command, runs, extra) in COMMANDS {
        let schema = schema(command);
        assert_eq!(schema["type"], "object", "{command}");
        assert_eq!(schema["additionalProperties"], false, "{command}");
        let properties = schema["properties"].as_object().unwrap();
        let names: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        // Every field is always written, null or not.
        assert_eq!(required, names, "{command}");
        for (name, property) in properties {
            if name.contains("hours") {
                assert_eq!(property["multipleOf"], 0.01, "{command}.{name}");
                let says = property["description"].as_str().unwrap_or_default();
                assert!(says.contains("two decimals"), "{command}.{name}: {says}");
            }
        }

        let rows = demo_rows(runs, extra);
        let mut seen_null = BTreeSet::new();
        let mut seen_value = BTreeSet::new();
        for (origin, row) in &rows {
            let keys: BTreeSet<&str> = row.keys().map(String::as_str).collect();
            assert_eq!(keys, names, "{origin}");
            for (name, raw) in row {
                let text = raw.get();
                if let Err(why) = check_field(&properties[name.as_str()], text) {
                    panic!("{origin}: {name}: {why}");
                }
                if text == "null" {
                    seen_null.insert(name.as_str());
                } else {
                    seen_value.insert(name.as_str());
                }
            }
        }
        // Each field was checked on a value, and each nullable one on a
        // null too, unless the demo fleet never has one (listed above).
        assert_eq!(seen_value, names, "{command}: fields never given a value");
        let nullable: BTreeSet<&str> = properties
            .iter()
            .filter(|(_, p)| declared_types(p).contains(&"null"))
            .map(|(name, _)| name.as_str())
            .collect();
        let exempt: BTreeSet<&str> = NEVER_NULL_IN_THE_DEMO
            .iter()
            .filter(|(c, _)| *c == command)
            .map(|(_, f)| *f)
            .collect();
        let expected_nulls: BTreeSet<&str> = nullable.difference(&exempt).copied().collect();
        assert_eq!(seen_null, expected_nulls, "{command}: fields seen null");
    }
}
