//! Who a request is: IAM tokens, AK/SK signatures (with the security token
//! of temporary keys), and the lockout of keys after repeated failures.

use std::collections::HashMap;
use std::time::Duration;

use axum::response::Response;
use chrono::Utc;
use http::{StatusCode, header};
use huaweicloud_signer::{AccessKeyCredentials, VerifyError, VerifyOptions};
use subtle::ConstantTimeEq;
use tokio::time::Instant;

use super::answers::error;
use super::state::{Failures, Shared};
use crate::hash::hash;

/// Failures in a row that lock an access key, and for how long.
const LOCK_AFTER: u32 = 5;
const LOCK_FOR: Duration = Duration::from_secs(300);

/// The simulator's own AK/SK, with its security token when configured.
pub(super) fn credentials(shared: &Shared) -> AccessKeyCredentials {
    // The pair was validated at start, so this cannot fail; fall back to the
    // raw constructor path anyway rather than panic.
    let creds = match AccessKeyCredentials::new(shared.ak.clone(), shared.sk.clone()) {
        Ok(c) => c,
        Err(_) => unreachable_credentials(),
    };
    match &shared.cfg.security_token {
        Some(t) => creds.with_security_token(t.clone()),
        None => creds,
    }
}

#[allow(clippy::expect_used)]
fn unreachable_credentials() -> AccessKeyCredentials {
    AccessKeyCredentials::new("SIMAK", "SIMSK").expect("constant credentials are valid")
}

/// The default AK/SK for a seed.
pub(super) fn default_keys(seed: u64) -> (String, String) {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let chars = |tag: u64, n: usize| -> String {
        (0..n as u64)
            .map(|i| ALPHABET[(hash(&[seed, tag, i]) % ALPHABET.len() as u64) as usize] as char)
            .collect()
    };
    (
        format!("SIMAK{}", chars(100, 15)),
        format!("SIMSK{}", chars(101, 35)),
    )
}

/// Returns the identity to rate-limit on, or the 401 to send.
pub(super) fn authenticate(
    sim: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<String, Box<Response>> {
    let unauthorized = |code: &str, msg: &str, detail: &str| {
        Box::new(error(StatusCode::UNAUTHORIZED, code, msg, Some(detail)))
    };
    if let Some(token) = parts.headers.get("x-auth-token") {
        let got = token.as_bytes();
        for (i, t) in sim.cfg.iam_tokens.iter().enumerate() {
            if got.ct_eq(t.expose().as_bytes()).unwrap_u8() == 1 {
                return Ok(format!("iam-token#{i}"));
            }
        }
        return Err(unauthorized(
            "APIG.0301",
            "Incorrect IAM authentication information: verify token fail",
            "the X-Auth-Token is not valid",
        ));
    }

    let claimed = claimed_access_key(&parts.headers);
    if let Some(ak) = &claimed
        && sim.cfg.lockout
        && is_locked(sim, ak)
    {
        return Err(unauthorized(
            "APIG.0301",
            "Incorrect IAM authentication information: the access key is locked after repeated signature failures, retry in 5 minutes",
            "access key locked",
        ));
    }
    let now = sim.cfg.now.unwrap_or_else(Utc::now);
    let opts = VerifyOptions {
        now,
        max_skew: chrono::Duration::minutes(15),
    };
    // The metadata service's temporary keys, while they last.
    let temporary = claimed
        .as_deref()
        .filter(|ak| *ak != sim.ak)
        .and_then(|ak| sim.metadata.lookup(ak, now));
    let result = huaweicloud_signer::verify(
        &parts.method,
        &parts.uri,
        &parts.headers,
        body,
        &opts,
        |ak| {
            if ak == sim.ak {
                Some(sim.sk.clone())
            } else {
                temporary.as_ref().map(|(sk, _)| sk.clone())
            }
        },
    );
    let required_token = match &temporary {
        Some((_, token)) => Some(token),
        None => sim.cfg.security_token.as_ref(),
    };
    match result {
        Ok(verified) => {
            if let Some(token) = required_token {
                let sent = parts.headers.get("x-security-token");
                let signed = verified
                    .signed_headers
                    .iter()
                    .any(|h| h == "x-security-token");
                let equal = sent.is_some_and(|s| {
                    s.as_bytes().ct_eq(token.expose().as_bytes()).unwrap_u8() == 1
                });
                if !(signed && equal) {
                    note_failure(sim, &verified.access_key);
                    return Err(unauthorized(
                        "APIG.0301",
                        "Incorrect IAM authentication information: verify security token fail",
                        "X-Security-Token missing, unsigned or not valid",
                    ));
                }
            }
            note_success(sim, &verified.access_key);
            Ok(format!("ak:{}", verified.access_key))
        }
        Err(err) => {
            if let Some(ak) = &claimed
                && matches!(err, VerifyError::SignatureMismatch)
            {
                note_failure(sim, ak);
            }
            let detail = err.to_string();
            Err(match err {
                VerifyError::DateSkewed { .. } => unauthorized(
                    "APIG.0303",
                    "Incorrect app authentication information: the X-Sdk-Date is more than 15 minutes off",
                    &detail,
                ),
                VerifyError::MissingAuthorization => unauthorized(
                    "APIG.0301",
                    "Incorrect IAM authentication information: no Authorization or X-Auth-Token header",
                    &detail,
                ),
                _ => unauthorized(
                    "APIG.0301",
                    "Incorrect IAM authentication information: verify aksk signature fail",
                    &detail,
                ),
            })
        }
    }
}

/// The `Access=` value of the Authorization header, when it parses.
fn claimed_access_key(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    huaweicloud_signer::parse_authorization(value)
        .ok()
        .map(|p| p.access_key)
}

fn lock_failures(sim: &Shared) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
    match sim.failures.lock() {
        Ok(f) => f,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn is_locked(sim: &Shared, ak: &str) -> bool {
    let mut failures = lock_failures(sim);
    match failures.get_mut(ak) {
        Some(f) => match f.locked_until {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                *f = Failures::default();
                false
            }
            None => false,
        },
        None => false,
    }
}

fn note_failure(sim: &Shared, ak: &str) {
    if !sim.cfg.lockout {
        return;
    }
    let mut failures = lock_failures(sim);
    // Bound the map: a flood of random access keys must not grow it forever.
    if failures.len() > 10_000 && !failures.contains_key(ak) {
        return;
    }
    let f = failures.entry(ak.to_string()).or_default();
    f.in_a_row += 1;
    if f.in_a_row >= LOCK_AFTER {
        f.locked_until = Some(Instant::now() + LOCK_FOR);
    }
}

fn note_success(sim: &Shared, ak: &str) {
    if sim.cfg.lockout {
        lock_failures(sim).remove(ak);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keys_look_like_keys() {
        let (ak, sk) = default_keys(1);
        assert_eq!(ak.len(), 20);
        assert_eq!(sk.len(), 40);
        assert!(ak.starts_with("SIMAK") && sk.starts_with("SIMSK"));
        assert_eq!(default_keys(1), (ak.clone(), sk));
        assert_ne!(default_keys(2).0, ak);
    }
}
