//! TLS: verification is always on for https, a custom CA can be added, and
//! nothing the server did not prove is trusted.
//!
//! A TLS front (tokio-rustls, test certificates in `fixtures/`, made by
//! `fixtures/make-certs.sh`) forwards to the simulator; the simulator's
//! counters show whether a request ever got through the handshake.
//!
//! The builder has no option that turns verification off (its only TLS
//! settings are `add_root_certificate_pem`, which adds trust, and
//! `http_client`, a caller's own client): the behavioural proof is that a
//! certificate signed by an unknown CA, or for another name, is refused by
//! every client this crate builds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use huaweicloud_workspace::{Client, ClientBuilder, Credentials, Error, ErrorClass, RetryConfig};
use huaweicloud_workspace_sim::{RunningSimulator, Simulator};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const CA: &[u8] = include_bytes!("fixtures/ca.pem");
const OTHER_CA: &[u8] = include_bytes!("fixtures/other-ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("fixtures/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("fixtures/server.key");
const WRONG_NAME_CERT: &[u8] = include_bytes!("fixtures/wrong-name.pem");
const WRONG_NAME_KEY: &[u8] = include_bytes!("fixtures/wrong-name.key");

/// An https front on 127.0.0.1 that forwards each connection to `backend`.
struct TlsFront {
    url: String,
    handshakes_ok: Arc<AtomicU64>,
    handshakes_failed: Arc<AtomicU64>,
}

async fn tls_front(backend: SocketAddr, cert: &[u8], key: &[u8], host: &str) -> TlsFront {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(key).unwrap();
    // An explicit provider: with --all-features rustls has both ring and
    // aws-lc-rs, and `ServerConfig::builder()` would not know which to use.
    // ring, the default backend's provider (rustls 0.23.48 deprecates it
    // for its lack of post-quantum key exchange, which a loopback test
    // server does not need).
    #[allow(deprecated)]
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let (ok2, failed2) = (Arc::clone(&ok), Arc::clone(&failed));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let (ok, failed) = (Arc::clone(&ok2), Arc::clone(&failed2));
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    failed.fetch_add(1, Ordering::SeqCst);
                    return;
                };
                ok.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut plain) = TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    TlsFront {
        url: format!("https://{host}:{port}"),
        handshakes_ok: ok,
        handshakes_failed: failed,
    }
}

fn builder(sim: &RunningSimulator, url: &str) -> ClientBuilder {
    Client::builder()
        .endpoint(url)
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .retry(RetryConfig::default().with_base_delay(Duration::from_millis(1)))
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn report(client: &Client) -> Result<huaweicloud_workspace::UsageReport, Error> {
    client
        .desktop_usage()
        .range(d("2024-01-01")..=d("2024-01-10"))
        .send()
        .await
}

/// The refusal is a network error that says what was wrong with the certificate.
fn assert_refused(err: &Error, why: &str) {
    assert!(matches!(err, Error::Transport { .. }), "{why}: {err:?}");
    assert_eq!(err.class(), ErrorClass::Network, "{why}");
    let text = err.to_string().to_lowercase();
    assert!(text.contains("certificate"), "{why}: {text}");
}

#[tokio::test]
async fn an_unknown_ca_is_refused_and_the_added_ca_is_trusted() {
    let sim = Simulator::builder()
        .desktops(7)
        .seed(4)
        .start()
        .await
        .unwrap();
    let front = tls_front(sim.addr(), SERVER_CERT, SERVER_KEY, "127.0.0.1").await;
    let front_by_name = tls_front(sim.addr(), SERVER_CERT, SERVER_KEY, "localhost").await;

    // The built-in roots do not know the test CA: refused, nothing reaches the service.
    let client = builder(&sim, &front.url).build().unwrap();
    assert_refused(&report(&client).await.unwrap_err(), "default roots");
    // Trusting some other CA does not help either.
    let client = builder(&sim, &front.url)
        .add_root_certificate_pem(OTHER_CA)
        .build()
        .unwrap();
    assert_refused(&report(&client).await.unwrap_err(), "another CA");
    assert_eq!(
        sim.stats().total,
        0,
        "a request got through an unverified TLS session"
    );
    assert!(front.handshakes_failed.load(Ordering::SeqCst) >= 2);
    assert_eq!(front.handshakes_ok.load(Ordering::SeqCst), 0);

    // With the CA added, by IP and by name, the report is the plain-http one.
    let plain = report(&builder(&sim, &sim.base_url()).build().unwrap())
        .await
        .unwrap();
    assert_eq!(plain.desktops.len(), 7);
    for url in [&front.url, &front_by_name.url] {
        let client = builder(&sim, url)
            .add_root_certificate_pem(CA)
            .build()
            .unwrap();
        assert_eq!(report(&client).await.unwrap(), plain, "{url}");
    }
    assert!(front.handshakes_ok.load(Ordering::SeqCst) >= 1);
    assert_eq!(sim.stats().ok, 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused_even_from_the_trusted_ca() {
    let sim = Simulator::builder().desktops(3).start().await.unwrap();
    let front = tls_front(sim.addr(), WRONG_NAME_CERT, WRONG_NAME_KEY, "127.0.0.1").await;
    let client = builder(&sim, &front.url)
        .add_root_certificate_pem(CA)
        .build()
        .unwrap();
    assert_refused(&report(&client).await.unwrap_err(), "wrong name");
    assert_eq!(sim.stats().total, 0);
    assert_eq!(front.handshakes_ok.load(Ordering::SeqCst), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_ca_bundle_with_several_certificates_is_accepted() {
    let sim = Simulator::builder().desktops(2).start().await.unwrap();
    let front = tls_front(sim.addr(), SERVER_CERT, SERVER_KEY, "localhost").await;
    let mut bundle = OTHER_CA.to_vec();
    bundle.extend_from_slice(CA);
    let client = builder(&sim, &front.url)
        .add_root_certificate_pem(&bundle)
        .build()
        .unwrap();
    assert_eq!(report(&client).await.unwrap().desktops.len(), 2);
    sim.shutdown().await;
}
