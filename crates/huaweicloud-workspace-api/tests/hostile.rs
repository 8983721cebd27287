//! Hostile and broken response bodies: decoding never panics, never
//! overflows the stack, and never turns bad data into a plausible number.
//!
//! The fuzz targets in `fuzz/` (`cargo xtask fuzz`) explore the same ground
//! with coverage guidance; these cases run in every `cargo test`.

use huaweicloud_workspace_api::Hours;
use huaweicloud_workspace_api::types::{ErrorResponse, ListUsedDesktopInfoResponse};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The documented example page, compact (no trailing whitespace).
fn documented_page() -> String {
    let used = |times: [f64; 7]| -> Vec<Value> {
        times
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"date": format!("2022-12-{:02}", 9 + i), "use_time": t}))
            .collect()
    };
    json!({
        "desktop_used_info_list": [
            {"desktop_id": "c6e6dbd7-c950-471d-a6a7-01d0fb62f450",
             "used_info_list": used([12.62, 2.62, 1.02, 0.0, 0.0, 3.87, 3.56])},
            {"desktop_id": "d5367f84-1d64-498e-9b92-093002ac6ce9",
             "desktop_username": "alice",
             "used_info_list": used([10.56, 1.38, 0.0, 0.0, 0.0, 3.87, 3.56])}
        ],
        "total_count": 2
    })
    .to_string()
}

fn decode(body: &[u8]) -> Result<ListUsedDesktopInfoResponse, serde_json::Error> {
    serde_json::from_slice(body)
}

/// A page with one desktop and one period whose `use_time` is `raw` (raw JSON text).
fn page_with_use_time(raw: &str) -> String {
    format!(
        r#"{{"desktop_used_info_list":[{{"desktop_id":"d1","used_info_list":[{{"date":"2024-01-01","use_time":{raw}}}]}}],"total_count":1}}"#
    )
}

fn single_use_time(raw: &str) -> Result<Hours, serde_json::Error> {
    let page = decode(page_with_use_time(raw).as_bytes())?;
    Ok(page.desktop_used_info_list[0].used_info_list[0].use_time)
}

/// What a decoded page may hold: every value within the documented cap.
fn assert_sane(page: &ListUsedDesktopInfoResponse) {
    for desktop in &page.desktop_used_info_list {
        for used in &desktop.used_info_list {
            assert!(used.use_time.hundredths() <= Hours::MAX_DECODED * 100);
        }
        let total: Hours = desktop.used_info_list.iter().map(|u| u.use_time).sum();
        let exact: u64 = desktop
            .used_info_list
            .iter()
            .map(|u| u.use_time.hundredths())
            .sum();
        assert_eq!(total.hundredths(), exact);
    }
}

#[test]
fn the_documented_page_decodes_and_sums_exactly() {
    let page = decode(documented_page().as_bytes()).unwrap();
    let total: Hours = page
        .desktop_used_info_list
        .iter()
        .flat_map(|d| d.used_info_list.iter().map(|u| u.use_time))
        .sum();
    assert_eq!(total.to_string(), "43.06");
}

#[test]
fn every_truncation_of_a_valid_page_is_an_error() {
    let body = documented_page();
    assert!(decode(body.as_bytes()).is_ok());
    for len in 0..body.len() {
        assert!(
            decode(&body.as_bytes()[..len]).is_err(),
            "the first {len} bytes decoded: {:?}",
            &body[..len]
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // 10_000 (or 100_000) levels would exhaust this thread's stack if any
    // decoder recursed without bound. The typed decoders stop at the first
    // value of the wrong type; untyped decoding stops at serde_json's
    // recursion limit of 128 levels.
    for depth in [10_000, 100_000] {
        let open_only = "[".repeat(depth);
        let balanced = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        let in_list = format!(
            r#"{{"desktop_used_info_list":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let in_use_time = page_with_use_time(&"[".repeat(depth));
        for body in [&open_only, &balanced, &in_list, &in_use_time] {
            assert!(decode(body.as_bytes()).is_err(), "depth {depth} decoded");
            assert!(serde_json::from_slice::<Hours>(body.as_bytes()).is_err());
        }
        for body in [&open_only, &balanced, &in_use_time] {
            assert!(serde_json::from_slice::<ErrorResponse>(body.as_bytes()).is_err());
        }
        // Nested objects under an unknown key are skipped (see below): an
        // object with no known field is an empty page at this layer.
        let page = decode(objects.as_bytes()).unwrap();
        assert!(page.desktop_used_info_list.is_empty() && page.total_count.is_none());
        assert!(serde_json::from_slice::<Hours>(objects.as_bytes()).is_err());
        for body in [&open_only, &balanced, &objects] {
            let err = serde_json::from_str::<Value>(body).expect_err("deep JSON decoded");
            assert!(
                err.to_string().contains("recursion limit exceeded"),
                "depth {depth}: {err}"
            );
        }
    }
}

#[test]
fn deep_nesting_in_an_ignored_field_is_skipped_without_recursion() {
    // Unknown fields are skipped by serde_json with an explicit stack, not
    // recursion: 50_000 levels cost no thread stack, and the fields that
    // matter are still read.
    let depth = 50_000;
    let body = format!(
        r#"{{"extra":{}{},"desktop_used_info_list":[{{"desktop_id":"d1"}}],"total_count":1}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let page = decode(body.as_bytes()).unwrap();
    assert_eq!(page.total_count, Some(1));
    assert_eq!(page.desktop_used_info_list[0].desktop_id, "d1");
    // Unbalanced, it is an error.
    let unbalanced = format!(r#"{{"extra":{},"total_count":1}}"#, "[".repeat(depth));
    assert!(decode(unbalanced.as_bytes()).is_err());
}

#[test]
fn hostile_use_time_values_are_errors() {
    for raw in [
        "-1",
        "-0.01",
        "-1e308",
        r#""-3.50""#,
        "1e308",
        "1E308",
        "1.7976931348623157e308",
        "1e400",
        "1000000.01",
        "18446744073709551616",
        r#""NaN""#,
        r#""nan""#,
        r#""inf""#,
        r#""-inf""#,
        r#""Infinity""#,
        r#""1e3""#,
        r#""0x10""#,
        r#""12,62""#,
        r#""12.62h""#,
        r#""""#,
        r#"" ""#,
        "null",
        "true",
        "[]",
        "{}",
    ] {
        assert!(
            single_use_time(raw).is_err(),
            "use_time {raw} decoded as {:?}",
            single_use_time(raw)
        );
    }
}

#[test]
fn out_of_range_total_count_is_an_error() {
    for raw in [
        "2147483648",
        "4294967296",
        "-2147483649",
        "1.5",
        r#""2""#,
        "1e3",
    ] {
        let body = format!(r#"{{"desktop_used_info_list":[],"total_count":{raw}}}"#);
        assert!(
            decode(body.as_bytes()).is_err(),
            "total_count {raw} decoded"
        );
    }
}

#[test]
fn an_error_body_with_status_200_is_an_empty_page_here() {
    // This layer cannot tell: a 2xx body carrying `error_code` decodes as an
    // empty page. The `huaweicloud-workspace` facade looks for `error_code`
    // in every 2xx body and fails the request; this test pins why it must.
    let body = br#"{"error_code":"WKS.0500","error_msg":"internal error"}"#;
    let page = decode(body).unwrap();
    assert!(page.desktop_used_info_list.is_empty());
    assert_eq!(page.total_count, None);
    let error: ErrorResponse = serde_json::from_slice(body).unwrap();
    assert_eq!(error.error_code.as_deref(), Some("WKS.0500"));
}

#[test]
fn an_object_without_known_fields_is_an_empty_page_here() {
    // Unknown fields are ignored (the service adds fields over time), so `{}`
    // or an unrelated object decode as a page with no desktops and no
    // `total_count`. Callers must not read that as "no usage": the facade
    // checks `total_count` against the desktops it received.
    for body in [
        &b"{}"[..],
        br#"{"status":"ok"}"#,
        br#"{"data":{"desktop_used_info_list":[]}}"#,
    ] {
        let page = decode(body).unwrap();
        assert!(page.desktop_used_info_list.is_empty());
        assert_eq!(page.total_count, None);
    }
}

#[test]
fn one_bad_period_fails_the_whole_page() {
    // Never a page with the bad period silently dropped.
    let body = r#"{"desktop_used_info_list":[{"desktop_id":"d1","used_info_list":[
        {"date":"2024-01-01","use_time":1.5},{"date":"2024-01-02","use_time":-2}]}],"total_count":1}"#;
    let err = decode(body.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("negative"), "{err}");
}

/// Bytes from the alphabet JSON is made of, with the page's field names.
fn jsonish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(&b"{"[..]),
        Just(&b"}"[..]),
        Just(&b"["[..]),
        Just(&b"]"[..]),
        Just(&b":"[..]),
        Just(&b","[..]),
        Just(&b"\""[..]),
        Just(&b"\\"[..]),
        Just(&b"\\u"[..]),
        Just(&b"-"[..]),
        Just(&b"."[..]),
        Just(&b"e"[..]),
        Just(&b"0"[..]),
        Just(&b"9"[..]),
        Just(&b" "[..]),
        Just(&b"null"[..]),
        Just(&b"true"[..]),
        Just(&b"\"desktop_used_info_list\""[..]),
        Just(&b"\"desktop_id\""[..]),
        Just(&b"\"used_info_list\""[..]),
        Just(&b"\"use_time\""[..]),
        Just(&b"\"date\""[..]),
        Just(&b"\"total_count\""[..]),
        Just(&b"\xff"[..]),
    ];
    proptest::collection::vec(token, 0..120).prop_map(|tokens| tokens.concat())
}

/// A JSON value shaped like a page, with arbitrary (often wrong) leaves.
fn pageish_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[-0-9.eE]{0,12}".prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    let key = prop_oneof![
        Just("desktop_used_info_list".to_owned()),
        Just("desktop_id".to_owned()),
        Just("desktop_username".to_owned()),
        Just("used_info_list".to_owned()),
        Just("date".to_owned()),
        Just("use_time".to_owned()),
        Just("total_count".to_owned()),
        Just("error_code".to_owned()),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn apply(body: &mut Vec<u8>, edit: &Edit) {
    match *edit {
        Edit::Replace(at, b) if !body.is_empty() => {
            let at = at % body.len();
            body[at] = b;
        }
        Edit::Insert(at, b) => body.insert(at % (body.len() + 1), b),
        Edit::Delete(at) if !body.is_empty() => {
            let at = at % body.len();
            body.remove(at);
        }
        _ => {}
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Delete),
    ]
}

proptest! {
    #[test]
    fn jsonish_bytes_never_panic_the_decoders(body in jsonish_bytes()) {
        if let Ok(page) = decode(&body) {
            assert_sane(&page);
        }
        let _ = serde_json::from_slice::<ErrorResponse>(&body);
        let _ = serde_json::from_slice::<Hours>(&body);
    }

    #[test]
    fn page_shaped_values_never_panic_the_decoder(value in pageish_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        if let Ok(page) = decode(&body) {
            assert_sane(&page);
        }
        let _ = serde_json::from_slice::<ErrorResponse>(&body);
    }

    #[test]
    fn edits_of_a_valid_page_never_panic_and_never_exceed_the_cap(
        edits in proptest::collection::vec(edit(), 1..8)
    ) {
        let mut body = documented_page().into_bytes();
        for e in &edits {
            apply(&mut body, e);
        }
        if let Ok(page) = decode(&body) {
            assert_sane(&page);
        }
    }

    #[test]
    fn negative_use_time_is_an_error(hundredths in 1u64..=10_000_000_000, as_string: bool) {
        let text = format!("-{}.{:02}", hundredths / 100, hundredths % 100);
        let raw = if as_string { format!("\"{text}\"") } else { text };
        prop_assert!(single_use_time(&raw).is_err(), "{raw}");
    }

    #[test]
    fn huge_use_time_is_an_error(mantissa in 1u32..10, exponent in 7u32..=308, as_string: bool) {
        let number = format!("{mantissa}e{exponent}");
        prop_assert!(single_use_time(&number).is_err(), "{number}");
        // Written out, the same magnitude is just as wrong.
        let written = format!("{mantissa}{}", "0".repeat(exponent as usize));
        let raw = if as_string { format!("\"{written}\"") } else { written };
        prop_assert!(single_use_time(&raw).is_err(), "{raw}");
    }

    #[test]
    fn nan_like_strings_are_errors(
        word in prop_oneof![
            Just("NaN"), Just("nan"), Just("-NaN"), Just("inf"), Just("-inf"),
            Just("Infinity"), Just("-Infinity"), Just("+inf"), Just("INF")
        ],
        pad in "[ \t]{0,2}",
    ) {
        let raw = format!("\"{pad}{word}{pad}\"");
        prop_assert!(single_use_time(&raw).is_err(), "{raw}");
    }

    #[test]
    fn three_decimals_round_to_hundredths(
        whole in 0u64..1_000_000,
        thousandths in 0u64..1000,
        as_string: bool,
    ) {
        let text = format!("{whole}.{thousandths:03}");
        let raw = if as_string { format!("\"{text}\"") } else { text.clone() };
        // Halves away from zero: .xy5 and above go up.
        let expected = whole * 100 + thousandths / 10 + u64::from(thousandths % 10 >= 5);
        let got = single_use_time(&raw).unwrap();
        prop_assert_eq!(got.hundredths(), expected, "{}", raw);
    }

    #[test]
    fn numbers_and_strings_agree_up_to_fifteen_digits(
        whole in 0u64..1_000_000,
        frac in "[0-9]{1,8}",
    ) {
        // 6 whole digits + 8 decimals stay within f64's 15 exact digits, so
        // the number must read exactly as the same digits in a string.
        let text = format!("{whole}.{frac}");
        let number = single_use_time(&text).unwrap();
        let string = single_use_time(&format!("\"{text}\"")).unwrap();
        prop_assert_eq!(number, string, "{}", text);
    }
}
