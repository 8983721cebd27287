//! One request's way through the server once it is counted: routing, the
//! body, authentication, the project, the rate limit, faults, validation
//! and the answer.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use chrono::Utc;
use http::{HeaderValue, StatusCode, header};
use subtle::ConstantTimeEq;
use tokio::time::Instant;

use super::answers::{
    BAD_GATEWAY_HTML, error, inventory_denied, json_response, projects_answer, throttled,
};
use super::auth::authenticate;
use super::conn::ConnCtl;
use super::state::{Bucket, Shared, bump};
use crate::faults::FaultKind;
use crate::hash::{hash, unit};
use crate::operation::Operation;
use crate::params::QueryParams;
use crate::{desktops, metrics, records, usage};

/// The largest body read.
const MAX_BODY: usize = 4 << 20;

pub(super) async fn respond(sim: &Arc<Shared>, conn: &ConnCtl, n: u64, req: Request) -> Response {
    let seed = sim.cfg.seed;
    let (fixed, jitter) = sim.cfg.latency;
    if !fixed.is_zero() || !jitter.is_zero() {
        let delay = fixed + jitter.mul_f64(unit(hash(&[seed, 70, n])));
        tokio::time::sleep(delay).await;
        let micros = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
        sim.counters
            .latency_micros
            .fetch_add(micros, Ordering::Relaxed);
    }

    // Routing.
    let Some((op, project)) = route(req.uri().path()).map(|(op, p)| (op, p.to_string())) else {
        bump(&sim.counters.not_found);
        return error(
            StatusCode::NOT_FOUND,
            "APIG.0101",
            "The API does not exist or has not been published in the environment.",
            None,
        );
    };
    if req.method() != op.method() {
        bump(&sim.counters.method_not_allowed);
        let allowed = op.method();
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "APIG.0101",
            &format!(
                "The API does not exist for method {}: use {allowed}.",
                req.method()
            ),
            None,
        );
        if let Ok(v) = HeaderValue::from_str(allowed.as_str()) {
            r.headers_mut().insert(header::ALLOW, v);
        }
        return r;
    }
    bump(&sim.counters.per_operation[op.index()]);

    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            bump(&sim.counters.validation_rejected);
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "WKS.0001",
                &format!("The request is invalid: the body is larger than {MAX_BODY} bytes."),
                None,
            );
        }
    };

    // Authentication.
    let identity = match authenticate(sim, &parts, &body) {
        Ok(id) => id,
        Err(resp) => {
            bump(&sim.counters.auth_failed);
            return *resp;
        }
    };
    // IAM's project list is asked before the project id is known.
    if op != Operation::KeystoneListProjects
        && project
            .as_bytes()
            .ct_eq(sim.cfg.project_id.as_bytes())
            .unwrap_u8()
            != 1
    {
        bump(&sim.counters.forbidden);
        return error(
            StatusCode::FORBIDDEN,
            "APIG.0302",
            "The IAM user is not authorized to access the API: the project id in the path is not the credentials' project.",
            None,
        );
    }

    // Rate limit.
    if let Some(per_second) = sim.cfg.rate_limit
        && !take_token(sim, &identity, per_second)
    {
        bump(&sim.counters.throttled);
        return throttled();
    }

    // Faults.
    let faults = &sim.cfg.faults;
    let kinds: &[FaultKind] = if faults.kinds.is_empty() {
        &FaultKind::ALL
    } else {
        &faults.kinds
    };
    let fault = match faults.pattern {
        Some(pattern) => {
            let i = sim.faultable.fetch_add(1, Ordering::Relaxed) + 1;
            pattern
                .fault_index(i)
                .map(|f| kinds[(f % kinds.len() as u64) as usize])
        }
        None => (faults.rate > 0.0 && unit(hash(&[seed, 50, n])) < faults.rate)
            .then(|| kinds[(hash(&[seed, 51, n]) % kinds.len() as u64) as usize]),
    };
    if let Some(kind) = fault {
        bump(&sim.counters.faults_injected);
        match kind {
            FaultKind::Throttle429 => return throttled(),
            FaultKind::Internal500 => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "WKS.9999",
                    "Internal server error.",
                    None,
                );
            }
            FaultKind::BadGateway502Html => {
                let mut r = Response::new(Body::from(BAD_GATEWAY_HTML));
                *r.status_mut() = StatusCode::BAD_GATEWAY;
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                return r;
            }
            FaultKind::Unavailable503Empty => {
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                return r;
            }
            FaultKind::ResetConnection => {
                conn.reset.store(true, Ordering::Relaxed);
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                return r;
            }
            FaultKind::SlowResponse => tokio::time::sleep(faults.slow).await,
        }
    }

    if op == Operation::ListDesktops && sim.cfg.deny_inventory {
        bump(&sim.counters.forbidden);
        return inventory_denied(seed, n);
    }

    // Validation and the answer, off the async workers: a page of a year
    // takes milliseconds of CPU, and computed inline it held up the cheap
    // answers behind it (a 429 came back after the successes of its own
    // wave, which a real gateway, rejecting before the backend, never does).
    let today = sim.cfg.today.unwrap_or_else(|| Utc::now().date_naive());
    let params = parts.uri.query().map(str::to_owned);
    let shared = Arc::clone(sim);
    // Never closed; without a place the answer is computed all the same.
    let place = sim.computing.acquire().await.ok();
    let answer =
        tokio::task::spawn_blocking(move || answer(&shared, op, &body, params.as_deref(), today))
            .await;
    drop(place);
    match answer {
        Ok(Ok(body)) => {
            bump(&sim.counters.ok);
            json_response(StatusCode::OK, body)
        }
        Ok(Err(msg)) => {
            bump(&sim.counters.validation_rejected);
            error(StatusCode::BAD_REQUEST, "WKS.0001", &msg, None)
        }
        // A bug in the simulator: a panic, as it would have been inline.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // The runtime is shutting down.
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "WKS.9999",
            "The simulator is stopping.",
            None,
        ),
    }
}

/// The body of a valid request of `op`, or why it is invalid.
fn answer(
    sim: &Shared,
    op: Operation,
    body: &[u8],
    params: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<String, String> {
    match op {
        Operation::ListUsedDesktopInfo => usage::parse(body, today)
            .map(|q| usage::answer(&sim.fleet, &sim.daily, &q, sim.cfg.string_hours)),
        Operation::ListDesktopUsageMetric => QueryParams::parse(params)
            .and_then(|q| metrics::desktops(&sim.fleet, &sim.daily, &q, today)),
        Operation::ListUserUsageMetric => QueryParams::parse(params)
            .and_then(|q| metrics::users(&sim.fleet, &sim.daily, &q, today)),
        Operation::ListDesktops => {
            QueryParams::parse(params).and_then(|q| desktops::answer(&sim.fleet, &q, today))
        }
        Operation::ListLoginRecordsNew => QueryParams::parse(params).and_then(|q| {
            // This request is counted already: the first one sees no growth.
            let asked = sim.counters.per_operation[op.index()].load(Ordering::Relaxed);
            let grown = asked.saturating_sub(1) * sim.cfg.records_growth;
            records::answer(&sim.fleet, &sim.records, &q, today, grown)
        }),
        Operation::KeystoneListProjects => {
            QueryParams::parse(params).map(|q| projects_answer(sim, q.get("name")))
        }
    }
}

/// Which operation a path names, and the project id in it.
fn route(path: &str) -> Option<(Operation, &str)> {
    let segments: Vec<&str> = path.split('/').collect();
    let (op, project) = match segments.as_slice() {
        ["", "v2", project, "desktops", "statistics", "used"] => {
            (Operation::ListUsedDesktopInfo, *project)
        }
        ["", "v2", project, "statistics", "metrics", "desktops"] => {
            (Operation::ListDesktopUsageMetric, *project)
        }
        ["", "v2", project, "statistics", "metrics", "users"] => {
            (Operation::ListUserUsageMetric, *project)
        }
        ["", "v2", project, "desktops"] => (Operation::ListDesktops, *project),
        ["", "v2", project, "connections", "desktops"] => {
            (Operation::ListLoginRecordsNew, *project)
        }
        ["", "v3", "projects"] => return Some((Operation::KeystoneListProjects, "")),
        _ => return None,
    };
    (!project.is_empty()).then_some((op, project))
}

fn take_token(sim: &Shared, identity: &str, per_second: f64) -> bool {
    let burst = per_second.max(1.0);
    let now = Instant::now();
    let mut buckets = match sim.buckets.lock() {
        Ok(b) => b,
        Err(poisoned) => poisoned.into_inner(),
    };
    let b = buckets.entry(identity.to_string()).or_insert(Bucket {
        tokens: burst,
        at: now,
    });
    let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
    b.tokens = (b.tokens + elapsed * per_second).min(burst);
    b.at = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        true
    } else {
        false
    }
}
