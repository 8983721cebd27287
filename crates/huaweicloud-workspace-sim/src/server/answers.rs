//! The answers the server builds: JSON bodies, the service's error shapes,
//! IAM's project list and the faults' pages.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use super::state::Shared;
use crate::hash::hash;

pub(super) fn error_body(code: &str, msg: &str, detail: Option<&str>) -> String {
    let mut v = serde_json::json!({ "error_code": code, "error_msg": msg });
    if let (Some(d), Some(obj)) = (detail, v.as_object_mut()) {
        obj.insert("error_detail".to_string(), d.into());
    }
    v.to_string()
}

pub(super) fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

pub(super) fn error(status: StatusCode, code: &str, msg: &str, detail: Option<&str>) -> Response {
    json_response(status, error_body(code, msg, detail))
}

/// IAM's project list: the simulator's project when `name` is its region,
/// nothing for any other name.
pub(super) fn projects_answer(sim: &Shared, name: Option<&str>) -> String {
    let projects = if name == Some(sim.cfg.region.as_str()) {
        vec![serde_json::json!({
            "id": sim.cfg.project_id,
            "name": sim.cfg.region,
            "domain_id": "simdomain0000000000000000000000",
            "enabled": true,
        })]
    } else {
        Vec::new()
    };
    serde_json::json!({ "projects": projects }).to_string()
}

/// The 403 of a policy that allows the statistics but not the desktop list.
pub(super) fn inventory_denied(seed: u64, n: u64) -> Response {
    let reason = format!(
        "{{\"action\":\"workspace:desktops:list\",\"decision\":\"deny\",\"request\":\"{:016x}\"}}",
        hash(&[seed, 91, n])
    );
    let body = serde_json::json!({
        "error_code": "WKS.0003",
        "error_msg": "Policy doesn't allow workspace:desktops:list to be performed.",
        "encoded_authorization_message": base64(reason.as_bytes()),
    });
    json_response(StatusCode::FORBIDDEN, body.to_string())
}

/// Standard base64 with padding (no dependency for a dozen lines).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(super) const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

pub(super) fn throttled() -> Response {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute",
        None,
    )
}
