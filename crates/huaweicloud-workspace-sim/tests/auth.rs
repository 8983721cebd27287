//! Authentication and authorization, as the gateway does them.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::{client, parts, send_signed_at, url};
use huaweicloud_signer::AccessKeyCredentials;
use huaweicloud_workspace_sim::Simulator;

const BODY: &str = r#"{"start_time":"2024-01-01","end_time":"2024-01-02"}"#;

#[tokio::test]
async fn good_signature_is_accepted_with_given_keys() {
    let sim = Simulator::builder()
        .desktops(4)
        .access_key("MYAK0000000000000000", "my-secret-key")
        .start()
        .await
        .unwrap();
    let creds = sim.credentials();
    assert_eq!(creds.access_key(), "MYAK0000000000000000");
    assert_eq!(creds.secret_key().expose(), "my-secret-key");
    let (status, _, json) = parts(
        send_signed_at(&url(&sim), &creds, BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["total_count"], 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn default_keys_come_from_the_seed() {
    let one_desktop = |seed| Simulator::builder().seed(seed).desktops(1).start();
    let a = one_desktop(8).await.unwrap();
    let b = one_desktop(8).await.unwrap();
    let c = one_desktop(9).await.unwrap();
    let (ka, kb, kc) = (a.credentials(), b.credentials(), c.credentials());
    // Both halves of the pair: the same seed gives the same pair, another seed another.
    assert_eq!(ka.access_key(), kb.access_key());
    assert_eq!(ka.secret_key().expose(), kb.secret_key().expose());
    assert_ne!(ka.access_key(), kc.access_key());
    assert_ne!(ka.secret_key().expose(), kc.secret_key().expose());
    assert!(ka.access_key().starts_with("SIMAK"), "{}", ka.access_key());
    assert!(ka.secret_key().expose().starts_with("SIMSK"));
    assert_ne!(ka.access_key(), ka.secret_key().expose());
    // b's keys (the same as a's) are let in by a.
    let (status, _, json) = parts(
        send_signed_at(&url(&a), &kb, BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    // Keys of one simulator are refused by another.
    let (status, _, json) = parts(
        send_signed_at(&url(&a), &c.credentials(), BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(json["error_code"], "APIG.0301");
    for s in [a, b, c] {
        s.shutdown().await;
    }
}

#[tokio::test]
async fn wrong_secret_key_is_401_apig_0301() {
    let sim = Simulator::builder().desktops(2).start().await.unwrap();
    let wrong =
        AccessKeyCredentials::new(sim.credentials().access_key(), "not-the-secret").unwrap();
    let (status, has_id, json) = parts(
        send_signed_at(&url(&sim), &wrong, BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert!(has_id);
    assert_eq!(json["error_code"], "APIG.0301");
    assert!(
        json["error_msg"]
            .as_str()
            .unwrap()
            .contains("Incorrect IAM authentication")
    );
    // Never the secret in the answer.
    assert!(
        !json
            .to_string()
            .contains(sim.credentials().secret_key().expose())
    );
    assert_eq!(sim.stats().auth_failed, 1);
    assert_eq!(sim.stats().ok, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn skewed_date_is_401_apig_0303_and_fifteen_minutes_is_the_bound() {
    let now = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
    let sim = Simulator::builder()
        .desktops(2)
        .clock(now)
        .start()
        .await
        .unwrap();
    let creds = sim.credentials();
    for (offset, want) in [
        (Duration::minutes(16), 401),
        (Duration::minutes(-16), 401),
        (Duration::minutes(14), 200),
        (Duration::minutes(-14), 200),
        (Duration::zero(), 200),
    ] {
        let (status, _, json) = parts(
            send_signed_at(&url(&sim), &creds, BODY, now + offset)
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, want, "{offset} -> {json}");
        if want == 401 {
            assert_eq!(json["error_code"], "APIG.0303");
        }
    }
    // With the real clock, a signature from an hour ago is refused.
    let real = Simulator::builder().desktops(2).start().await.unwrap();
    let (status, _, json) = parts(
        send_signed_at(
            &url(&real),
            &real.credentials(),
            BODY,
            Utc::now() - Duration::hours(1),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(json["error_code"], "APIG.0303");
    sim.shutdown().await;
    real.shutdown().await;
}

#[tokio::test]
async fn tampered_body_and_missing_signature_are_refused() {
    let sim = Simulator::builder().desktops(2).start().await.unwrap();
    let creds = sim.credentials();
    let uri: http::Uri = url(&sim).parse().unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    huaweicloud_signer::sign(
        &creds,
        &http::Method::POST,
        &uri,
        &mut headers,
        BODY.as_bytes(),
        Utc::now(),
    )
    .unwrap();
    let resp = client()
        .post(url(&sim))
        .headers(headers)
        .body(BODY.replace("01-02", "01-03"))
        .send()
        .await
        .unwrap();
    let (status, _, json) = parts(resp).await;
    assert_eq!(
        (status, json["error_code"].as_str()),
        (401, Some("APIG.0301"))
    );

    let resp = client().post(url(&sim)).body(BODY).send().await.unwrap();
    let (status, has_id, json) = parts(resp).await;
    assert_eq!(
        (status, json["error_code"].as_str()),
        (401, Some("APIG.0301"))
    );
    assert!(has_id);
    sim.shutdown().await;
}

#[tokio::test]
async fn iam_tokens_in_x_auth_token() {
    let sim = Simulator::builder()
        .desktops(3)
        .iam_token("token-one")
        .iam_token("token-two")
        .start()
        .await
        .unwrap();
    for token in ["token-one", "token-two"] {
        let resp = client()
            .post(url(&sim))
            .header("x-auth-token", token)
            .header("content-type", "application/json")
            .body(BODY)
            .send()
            .await
            .unwrap();
        let (status, _, json) = parts(resp).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["total_count"], 3);
    }
    let resp = client()
        .post(url(&sim))
        .header("x-auth-token", "token-three")
        .body(BODY)
        .send()
        .await
        .unwrap();
    let (status, _, json) = parts(resp).await;
    assert_eq!(
        (status, json["error_code"].as_str()),
        (401, Some("APIG.0301"))
    );
    assert_eq!(sim.stats().auth_failed, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn another_project_is_403() {
    let sim = Simulator::builder()
        .desktops(2)
        .project_id("p1")
        .start()
        .await
        .unwrap();
    assert_eq!(sim.project_id(), "p1");
    let other = format!("{}/v2/p2/desktops/statistics/used", sim.base_url());
    let (status, has_id, json) = parts(
        send_signed_at(&other, &sim.credentials(), BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert!(has_id);
    assert_eq!(json["error_code"], "APIG.0302");
    assert_eq!(sim.stats().forbidden, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn security_token_must_be_sent_and_signed() {
    let sim = Simulator::builder()
        .desktops(2)
        .security_token("temp-token")
        .start()
        .await
        .unwrap();
    let with = sim.credentials();
    assert_eq!(
        with.security_token().map(|t| t.expose()),
        Some("temp-token")
    );
    let (status, _, json) = parts(
        send_signed_at(&url(&sim), &with, BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{json}");

    let without = AccessKeyCredentials::new(with.access_key(), with.secret_key().clone()).unwrap();
    let (status, _, json) = parts(
        send_signed_at(&url(&sim), &without, BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, json["error_code"].as_str()),
        (401, Some("APIG.0301"))
    );

    let wrong = without.clone().with_security_token("other-token");
    let (status, _, _) = parts(
        send_signed_at(&url(&sim), &wrong, BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn five_bad_signatures_in_a_row_lock_the_access_key() {
    let sim = Simulator::builder().desktops(2).start().await.unwrap();
    let good = sim.credentials();
    let bad = AccessKeyCredentials::new(good.access_key(), "wrong").unwrap();
    // Four failures, then a success resets the count.
    for _ in 0..4 {
        let r = send_signed_at(&url(&sim), &bad, BODY, Utc::now())
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = send_signed_at(&url(&sim), &good, BODY, Utc::now())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for _ in 0..5 {
        let r = send_signed_at(&url(&sim), &bad, BODY, Utc::now())
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let (status, _, json) = parts(
        send_signed_at(&url(&sim), &good, BODY, Utc::now())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401, "locked even with the right key");
    assert!(json["error_msg"].as_str().unwrap().contains("locked"));
    sim.shutdown().await;

    // Without lockout, the right key still works after many failures.
    let sim = Simulator::builder()
        .desktops(2)
        .lockout(false)
        .start()
        .await
        .unwrap();
    let bad = AccessKeyCredentials::new(sim.credentials().access_key(), "wrong").unwrap();
    for _ in 0..6 {
        send_signed_at(&url(&sim), &bad, BODY, Utc::now())
            .await
            .unwrap();
    }
    let r = send_signed_at(&url(&sim), &sim.credentials(), BODY, Utc::now())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    sim.shutdown().await;
}

#[test]
fn debug_output_never_shows_secrets() {
    let b = Simulator::builder()
        .access_key("AK1", "SECRET-SK")
        .security_token("SECRET-TOKEN")
        .iam_token("SECRET-IAM");
    let text = format!("{b:?}");
    assert!(text.contains("AK1"));
    for s in ["SECRET-SK", "SECRET-TOKEN", "SECRET-IAM"] {
        assert!(!text.contains(s), "{text}");
    }
}
