//! Decoding what the service sends, including its quirks.

use huaweicloud_workspace_api::Hours;
use huaweicloud_workspace_api::types::{DesktopUsedInfo, ListUsedDesktopInfoResponse};

/// The example response of the public documentation, byte for byte.
const SEED_RESPONSE: &str = r#"{ "desktop_used_info_list" : [ { "desktop_id" : "c6e6dbd7-c950-471d-a6a7-01d0fb62f450", "used_info_list" : [ { "date" : "2022-12-09", "use_time" : 12.62 }, { "date" : "2022-12-10", "use_time" : 2.62 }, { "date" : "2022-12-11", "use_time" : 1.02 }, { "date" : "2022-12-12", "use_time" : 0 }, { "date" : "2022-12-13", "use_time" : 0 }, { "date" : "2022-12-14", "use_time" : 3.87 }, { "date" : "2022-12-15", "use_time" : 3.56 } ] }, { "desktop_id" : "d5367f84-1d64-498e-9b92-093002ac6ce9", "used_info_list" : [ { "date" : "2022-12-09", "use_time" : 10.56 }, { "date" : "2022-12-10", "use_time" : 1.38 }, { "date" : "2022-12-11", "use_time" : 0 }, { "date" : "2022-12-12", "use_time" : 0 }, { "date" : "2022-12-13", "use_time" : 0 }, { "date" : "2022-12-14", "use_time" : 3.87 }, { "date" : "2022-12-15", "use_time" : 3.56 } ] } ], "total_count" : 2 }"#;

#[test]
fn the_documented_example_response_decodes() {
    let page: ListUsedDesktopInfoResponse = serde_json::from_str(SEED_RESPONSE).unwrap();
    assert_eq!(page.total_count, Some(2));
    let total: Hours = page
        .desktop_used_info_list
        .iter()
        .flat_map(|d| d.used_info_list.iter().map(|p| p.use_time))
        .sum();
    assert_eq!(total.to_string(), "43.06");
    insta::assert_debug_snapshot!("seed_response", page);
}

#[test]
fn use_time_as_string_or_number_is_the_same_value() {
    let number: DesktopUsedInfo =
        serde_json::from_str(r#"{"date":"2022-12-09","use_time":12.62}"#).unwrap();
    let string: DesktopUsedInfo =
        serde_json::from_str(r#"{"date":"2022-12-09","use_time":"12.62"}"#).unwrap();
    assert_eq!(number.use_time, string.use_time);
    assert_eq!(number.use_time.hundredths(), 1262);
}

#[test]
fn unknown_fields_are_ignored_and_a_missing_username_is_none() {
    let page: ListUsedDesktopInfoResponse = serde_json::from_str(
        r#"{"total_count":1,"request_id":"x","desktop_used_info_list":[
            {"desktop_id":"d1","site":"s","used_info_list":[{"date":"2022-12-09","use_time":1,"extra":true}]}]}"#,
    )
    .unwrap();
    let desktop = &page.desktop_used_info_list[0];
    assert_eq!(desktop.desktop_id, "d1");
    assert_eq!(desktop.desktop_username, None);
    assert_eq!(desktop.used_info_list[0].use_time.to_string(), "1.00");
}

#[test]
fn bad_hours_and_missing_ids_are_decode_errors_not_wrong_numbers() {
    for body in [
        r#"{"desktop_used_info_list":[{"desktop_id":"d","used_info_list":[{"date":"d","use_time":-1}]}]}"#,
        r#"{"desktop_used_info_list":[{"desktop_id":"d","used_info_list":[{"date":"d","use_time":1e308}]}]}"#,
        r#"{"desktop_used_info_list":[{"desktop_id":"d","used_info_list":[{"date":"d","use_time":"n/a"}]}]}"#,
        r#"{"desktop_used_info_list":[{"desktop_id":"d","used_info_list":[{"date":"d"}]}]}"#,
        r#"{"desktop_used_info_list":[{"used_info_list":[]}]}"#,
        r#"{"desktop_used_info_list":[{"desktop_id":"d","used_info_list":[{"date":"d","use_time":1}"#,
    ] {
        assert!(
            serde_json::from_str::<ListUsedDesktopInfoResponse>(body).is_err(),
            "{body} should not decode"
        );
    }
}
