//! The spec is valid OpenAPI 3.0 and every example in it decodes through the
//! generated types, so the examples can never rot.

use std::path::PathBuf;

use huaweicloud_workspace_api::Hours;
use huaweicloud_workspace_api::types::{
    AttachInstancesUserInfo, DesktopMetric, DesktopMetricSortField, DesktopTag,
    DesktopUsedHoursInfo, DesktopUsedInfo, ErrorResponse, GroupByType,
    ListDesktopUsageMetricResponse, ListDesktopsResponse, ListLoginRecordsNewResponse,
    ListUsedDesktopInfoReq, ListUsedDesktopInfoResponse, ListUserUsageMetricResponse, LoginRecord,
    MetricItem, SimpleDesktopInfo, SortType, UserMetric, UserMetricSortField,
};
use serde_json::Value;

fn spec_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/workspace.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Decodes `example` as the Rust type generated for the schema `name`.
fn decode_as(name: &str, example: &Value) -> Result<(), String> {
    fn check<T: serde::de::DeserializeOwned>(v: &Value) -> Result<(), String> {
        serde_json::from_value::<T>(v.clone())
            .map(drop)
            .map_err(|e| e.to_string())
    }
    match name {
        "ListUsedDesktopInfoReq" => check::<ListUsedDesktopInfoReq>(example),
        "ListUsedDesktopInfoResponse" => check::<ListUsedDesktopInfoResponse>(example),
        "DesktopUsedHoursInfo" => check::<DesktopUsedHoursInfo>(example),
        "DesktopUsedInfo" => check::<DesktopUsedInfo>(example),
        "ErrorResponse" => check::<ErrorResponse>(example),
        "GroupByType" => check::<GroupByType>(example),
        "UseTime" => check::<Hours>(example),
        "ListDesktopUsageMetricResponse" => check::<ListDesktopUsageMetricResponse>(example),
        "ListUserUsageMetricResponse" => check::<ListUserUsageMetricResponse>(example),
        "ListDesktopsResponse" => check::<ListDesktopsResponse>(example),
        "DesktopMetric" => check::<DesktopMetric>(example),
        "UserMetric" => check::<UserMetric>(example),
        "MetricItem" => check::<MetricItem>(example),
        "SimpleDesktopInfo" => check::<SimpleDesktopInfo>(example),
        "ListLoginRecordsNewResponse" => check::<ListLoginRecordsNewResponse>(example),
        "LoginRecord" => check::<LoginRecord>(example),
        "AttachInstancesUserInfo" => check::<AttachInstancesUserInfo>(example),
        "DesktopTag" => check::<DesktopTag>(example),
        "SortType" => check::<SortType>(example),
        "DesktopMetricSortField" => check::<DesktopMetricSortField>(example),
        "UserMetricSortField" => check::<UserMetricSortField>(example),
        other => Err(format!("no generated type is known for schema {other}")),
    }
}

fn schema_name(reference: &Value) -> &str {
    reference["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .unwrap_or_else(|| panic!("expected a $ref, got {reference}"))
}

#[test]
fn the_spec_is_openapi_3_0() {
    let spec: openapiv3::OpenAPI = serde_yaml::from_str(&spec_text()).unwrap();
    assert!(spec.openapi.starts_with("3.0."), "{}", spec.openapi);
    let op = spec.paths.paths["/v2/{project_id}/desktops/statistics/used"]
        .as_item()
        .and_then(|item| item.post.as_ref())
        .expect("the POST operation");
    assert_eq!(op.operation_id.as_deref(), Some("list_used_desktop_info"));
    assert!(op.deprecated);
    let servers = &spec.servers[0];
    let regions = &servers.variables.as_ref().unwrap()["region"].enumeration;
    assert_eq!(regions.len(), 18, "{regions:?}");
}

#[test]
fn every_example_decodes_through_the_generated_types() {
    let spec: Value = serde_yaml::from_str(&spec_text()).unwrap();
    let mut checked = Vec::new();
    let mut failures = Vec::new();

    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if let Some(example) = schema.get("example") {
            checked.push(format!("components.schemas.{name}"));
            if let Err(e) = decode_as(name, example) {
                failures.push(format!("{name}: {e}"));
            }
        }
    }
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let body = &op["requestBody"]["content"]["application/json"];
            if let Some(example) = body.get("example") {
                let name = schema_name(&body["schema"]);
                checked.push(format!("{method} {path} request"));
                if let Err(e) = decode_as(name, example) {
                    failures.push(format!("{method} {path} request: {e}"));
                }
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let content = &response["content"]["application/json"];
                if let Some(example) = content.get("example") {
                    let name = schema_name(&content["schema"]);
                    checked.push(format!("{method} {path} {status}"));
                    if let Err(e) = decode_as(name, example) {
                        failures.push(format!("{method} {path} {status}: {e}"));
                    }
                }
            }
        }
    }
    for (name, response) in spec["components"]["responses"].as_object().unwrap() {
        let content = &response["content"]["application/json"];
        if let Some(example) = content.get("example") {
            checked.push(format!("components.responses.{name}"));
            if let Err(e) = decode_as(schema_name(&content["schema"]), example) {
                failures.push(format!("components.responses.{name}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not decode: {failures:#?}"
    );
    // Every schema and both directions carry an example; losing one is a regression.
    assert!(
        checked.len() >= 20,
        "too few examples were found: {checked:#?}"
    );
}

/// The three GET operations the facade builds on: their paths, operation ids
/// (the generated builder names) and required query parameters.
#[test]
fn the_metric_and_inventory_operations_are_described() {
    let spec: openapiv3::OpenAPI = serde_yaml::from_str(&spec_text()).unwrap();
    let cases = [
        (
            "/v2/{project_id}/statistics/metrics/desktops",
            "list_desktop_usage_metric",
            &["start_time", "end_time"][..],
        ),
        (
            "/v2/{project_id}/statistics/metrics/users",
            "list_user_usage_metric",
            &["start_time", "end_time"][..],
        ),
        ("/v2/{project_id}/desktops", "list_desktops", &[][..]),
    ];
    for (path, id, required) in cases {
        let op = spec.paths.paths[path]
            .as_item()
            .and_then(|item| item.get.as_ref())
            .unwrap_or_else(|| panic!("GET {path}"));
        assert_eq!(op.operation_id.as_deref(), Some(id));
        assert!(!op.deprecated, "{id} is not deprecated");
        let mut got: Vec<String> = op
            .parameters
            .iter()
            .filter_map(|p| match p {
                openapiv3::ReferenceOr::Item(p) => Some(p.parameter_data_ref().clone()),
                openapiv3::ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix("#/components/parameters/")?;
                    match spec.components.as_ref()?.parameters.get(name)? {
                        openapiv3::ReferenceOr::Item(p) => Some(p.parameter_data_ref().clone()),
                        openapiv3::ReferenceOr::Reference { .. } => None,
                    }
                }
            })
            .filter(|d| d.required && d.name != "project_id")
            .map(|d| d.name)
            .collect();
        got.sort();
        let mut want: Vec<String> = required.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "required parameters of {id}");
    }
    // The deprecated operation points at the real successors.
    let old = spec.paths.paths["/v2/{project_id}/desktops/statistics/used"]
        .as_item()
        .and_then(|item| item.post.as_ref())
        .unwrap();
    let text = old.description.as_deref().unwrap_or("");
    assert!(
        text.contains("/v2/{project_id}/statistics/metrics/desktops"),
        "{text}"
    );
    assert!(
        text.contains("/v2/{project_id}/statistics/metrics/users"),
        "{text}"
    );
}
