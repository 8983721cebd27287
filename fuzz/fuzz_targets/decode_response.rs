//! Arbitrary bytes as a response body: decoding must never panic, and what
//! decodes must hold together (hours within bounds, exact sums, lossless
//! re-encoding, a JSON number and the same digits in a string agreeing).
#![no_main]

use huaweicloud_workspace_api::Hours;
use huaweicloud_workspace_api::types::{ErrorResponse, ListUsedDesktopInfoResponse};
use libfuzzer_sys::fuzz_target;

/// The largest value `Hours` may decode to, in hundredths.
const MAX_HUNDREDTHS: u64 = Hours::MAX_DECODED * 100;

fuzz_target!(|data: &[u8]| {
    decode_page(data);
    decode_error(data);
    decode_hours(data);
});

fn decode_page(data: &[u8]) {
    let Ok(page) = serde_json::from_slice::<ListUsedDesktopInfoResponse>(data) else {
        return;
    };
    let mut grand_total = Hours::ZERO;
    let mut exact: u128 = 0;
    for desktop in &page.desktop_used_info_list {
        let total: Hours = desktop.used_info_list.iter().map(|u| u.use_time).sum();
        for used in &desktop.used_info_list {
            let h = used.use_time.hundredths();
            assert!(h <= MAX_HUNDREDTHS, "decoded {h} hundredths, above the cap");
            exact += u128::from(h);
        }
        assert!(total.hundredths() as u128 <= exact);
        grand_total += total;
    }
    // Far below u64::MAX for any body a fuzzer can build: the sum is exact.
    assert_eq!(
        u128::from(grand_total.hundredths()),
        exact,
        "sum is not exact"
    );

    // What decoded re-encodes and decodes to the same page.
    let json = match serde_json::to_vec(&page) {
        Ok(json) => json,
        Err(err) => panic!("a decoded page does not encode: {err}"),
    };
    match serde_json::from_slice::<ListUsedDesktopInfoResponse>(&json) {
        Ok(again) => assert_eq!(
            summary(&again),
            summary(&page),
            "re-encoding changed the page"
        ),
        Err(err) => panic!("a re-encoded page does not decode: {err}"),
    }
}

fn decode_error(data: &[u8]) {
    let Ok(error) = serde_json::from_slice::<ErrorResponse>(data) else {
        return;
    };
    let json = match serde_json::to_vec(&error) {
        Ok(json) => json,
        Err(err) => panic!("a decoded error does not encode: {err}"),
    };
    match serde_json::from_slice::<ErrorResponse>(&json) {
        Ok(again) => assert_eq!(
            fields(&again),
            fields(&error),
            "re-encoding changed the error"
        ),
        Err(err) => panic!("a re-encoded error does not decode: {err}"),
    }
}

type PageSummary<'a> = (
    Option<i32>,
    Vec<(&'a str, Option<&'a str>, Vec<(&'a str, u64)>)>,
);

/// The generated types have no `PartialEq`: compare what they hold.
fn summary(page: &ListUsedDesktopInfoResponse) -> PageSummary<'_> {
    let desktops = page
        .desktop_used_info_list
        .iter()
        .map(|d| {
            let used = d
                .used_info_list
                .iter()
                .map(|u| (u.date.as_str(), u.use_time.hundredths()))
                .collect();
            (d.desktop_id.as_str(), d.desktop_username.as_deref(), used)
        })
        .collect();
    (page.total_count, desktops)
}

type ErrorFields<'a> = [Option<&'a str>; 4];

/// `ErrorResponse` has no `PartialEq`: compare its fields.
fn fields(e: &ErrorResponse) -> ErrorFields<'_> {
    [
        e.error_code.as_deref(),
        e.error_msg.as_deref(),
        e.error_detail.as_deref(),
        e.encoded_authorization_message.as_deref(),
    ]
}

fn decode_hours(data: &[u8]) {
    let as_json = serde_json::from_slice::<Hours>(data);
    if let Ok(h) = as_json {
        check_hours(h);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = text.parse::<Hours>();
    if let Ok(h) = parsed {
        check_hours(h);
    }
    // A JSON number with at most 15 significant digits survives the trip
    // through f64 with its digits intact, so it must read exactly as the
    // same digits in a string do (the documented rule).
    if let Ok(number) = as_json
        && is_plain_decimal(text)
        && significant_digits(text) <= 15
    {
        assert_eq!(
            parsed,
            Ok(number),
            "number {text} and string \"{text}\" disagree"
        );
    }
}

fn check_hours(h: Hours) {
    assert!(h.hundredths() <= MAX_HUNDREDTHS);
    let shown = h.to_string();
    assert_eq!(shown.parse::<Hours>(), Ok(h), "{shown} does not read back");
    match serde_json::to_string(&h).map(|json| serde_json::from_str::<Hours>(&json)) {
        Ok(Ok(again)) => assert_eq!(again, h),
        other => panic!("{h:?} does not round-trip through JSON: {other:?}"),
    }
}

/// `digits[.digits]`, nothing else (no sign, exponent or spaces).
fn is_plain_decimal(text: &str) -> bool {
    let (whole, frac) = text.split_once('.').unwrap_or((text, "0"));
    !whole.is_empty()
        && !frac.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Digits from the first non-zero one to the last non-zero one.
fn significant_digits(text: &str) -> usize {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_digit).collect();
    let first = digits.iter().position(|&d| d != b'0');
    let last = digits.iter().rposition(|&d| d != b'0');
    match (first, last) {
        (Some(first), Some(last)) => last - first + 1,
        _ => 0,
    }
}
