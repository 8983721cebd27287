//! The cloud server's metadata service, as far as the credential chain uses
//! it: a session token (`PUT /meta-data/latest/api/token`) and temporary
//! AK/SK/security token (`GET /openstack/latest/securitykey`). Every issue
//! is a new key pair (rotation), accepted for signing until it expires, so a
//! client that kept using an expired pair would be refused.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use http::{HeaderValue, Method, StatusCode, header};
use huaweicloud_signer::{
    METADATA_SECURITY_KEY_PATH, METADATA_TOKEN_HEADER, METADATA_TOKEN_PATH, Secret,
};
use subtle::ConstantTimeEq;

use crate::hash::hash;

/// One issued temporary key pair.
pub(crate) struct Issued {
    pub(crate) sk: Secret,
    pub(crate) token: Secret,
    pub(crate) expires_at: DateTime<Utc>,
}

/// What the metadata routes have handed out.
#[derive(Default)]
pub(crate) struct MetadataState {
    issued: Mutex<HashMap<String, Issued>>,
    pub(crate) count: AtomicU64,
}

impl MetadataState {
    /// The secret key and security token of an issued access key that has
    /// not expired at `now`.
    pub(crate) fn lookup(&self, ak: &str, now: DateTime<Utc>) -> Option<(Secret, Secret)> {
        let issued = self.issued.lock().ok()?;
        issued
            .get(ak)
            .filter(|i| i.expires_at > now)
            .map(|i| (i.sk.clone(), i.token.clone()))
    }
}

/// The session token the simulator hands out and expects back.
fn session_token(seed: u64) -> String {
    format!("simmeta{:016x}", hash(&[seed, 501]))
}

/// Answers a metadata path, or `None` when `path` is not one.
pub(crate) fn answer(
    state: &MetadataState,
    seed: u64,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
    method: &Method,
    path: &str,
    headers: &http::HeaderMap,
) -> Option<(StatusCode, String)> {
    if path == METADATA_TOKEN_PATH {
        if method != Method::PUT {
            return Some((StatusCode::METHOD_NOT_ALLOWED, String::new()));
        }
        return Some((StatusCode::OK, session_token(seed)));
    }
    if path != METADATA_SECURITY_KEY_PATH {
        return None;
    }
    if method != Method::GET {
        return Some((StatusCode::METHOD_NOT_ALLOWED, String::new()));
    }
    let token_ok = headers.get(METADATA_TOKEN_HEADER).is_some_and(|t| {
        t.as_bytes()
            .ct_eq(session_token(seed).as_bytes())
            .unwrap_u8()
            == 1
    });
    if !token_ok {
        return Some((StatusCode::UNAUTHORIZED, String::new()));
    }
    let n = state.count.fetch_add(1, Ordering::Relaxed);
    let ak = format!("SIMTMPAK{:012X}", hash(&[seed, 502, n]) & 0xFFFF_FFFF_FFFF);
    let sk = format!("simtmpsk{:016x}{:016x}", hash(&[seed, 503, n]), n);
    let token = format!("simsecuritytoken{:016x}{:016x}", hash(&[seed, 504, n]), n);
    let expires_at = now + ttl;
    if let Ok(mut issued) = state.issued.lock() {
        issued.retain(|_, i| i.expires_at > now);
        issued.insert(
            ak.clone(),
            Issued {
                sk: Secret::new(sk.clone()),
                token: Secret::new(token.clone()),
                expires_at,
            },
        );
    }
    let body = serde_json::json!({
        "credential": {
            "access": ak,
            "secret": sk,
            "securitytoken": token,
            "expires_at": expires_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        }
    });
    Some((StatusCode::OK, body.to_string()))
}

/// The response of a metadata route.
pub(crate) fn response(status: StatusCode, body: String) -> axum::response::Response {
    let json = body.starts_with('{');
    let mut r = axum::response::Response::new(axum::body::Body::from(body));
    *r.status_mut() = status;
    let kind = if json {
        "application/json"
    } else {
        "text/plain"
    };
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r
}
