//! The TLS backend of the HTTP client, chosen by cargo features.
//!
//! When several backend features are on (`cargo test --all-features`, or a
//! backend added without `default-features = false`), the one added on top
//! of the default wins: `native-tls`, then `rustls-aws-lc`, then `rustls`.
//!
//! The default `rustls` backend uses the ring provider without installing it
//! as the process default: a library must not take that choice from the
//! application. reqwest has no per-client provider setting, so its rustls
//! configuration is built here and handed over whole.

use crate::error::Error;

#[cfg(not(any(feature = "rustls", feature = "rustls-aws-lc", feature = "native-tls")))]
compile_error!(
    "huaweicloud-workspace needs a TLS backend: enable one of the features `rustls` (the default), `rustls-aws-lc` or `native-tls`"
);

/// The backend this build uses, as named by its cargo feature.
pub const TLS_BACKEND: &str = if cfg!(feature = "native-tls") {
    "native-tls"
} else if cfg!(feature = "rustls-aws-lc") {
    "rustls-aws-lc"
} else {
    "rustls"
};

/// A `reqwest::ClientBuilder` set up as the client this crate builds: the
/// TLS backend of this build ([`TLS_BACKEND`]) and redirects never followed
/// (a 3xx then becomes [`Error::Redirect`] instead of the credentials
/// following it to another host). Add proxies, pool or timeout settings and
/// pass the built client to
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client).
///
/// Prefer this to `reqwest::Client::builder()`: with the default `rustls`
/// feature, reqwest itself has no crypto provider and its own builder panics
/// unless the application installed a process-wide default one. For extra
/// root certificates use
/// [`ClientBuilder::add_root_certificate_pem`](crate::ClientBuilder::add_root_certificate_pem)
/// on the client this crate builds: with the default backend the TLS
/// configuration is already made here, so reqwest's own
/// `add_root_certificate` on the returned builder has no effect (the server
/// is then refused with a certificate error, never trusted more).
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    apply(builder, Vec::new(), &[])
}

/// Sets the TLS backend and the extra roots: `certs` are `pems` already
/// checked and parsed by reqwest (the default backend parses `pems` again
/// for rustls).
pub(crate) fn apply(
    builder: reqwest::ClientBuilder,
    certs: Vec<reqwest::Certificate>,
    pems: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    #[cfg(feature = "native-tls")]
    {
        let _ = pems;
        Ok(builder.tls_backend_native().tls_certs_merge(certs))
    }
    #[cfg(all(feature = "rustls-aws-lc", not(feature = "native-tls")))]
    {
        let _ = pems;
        Ok(builder.tls_backend_rustls().tls_certs_merge(certs))
    }
    #[cfg(all(
        feature = "rustls",
        not(feature = "rustls-aws-lc"),
        not(feature = "native-tls")
    ))]
    {
        drop(certs);
        Ok(builder.tls_backend_preconfigured(ring::client_config(pems)?))
    }
}

#[cfg(all(
    feature = "rustls",
    not(feature = "rustls-aws-lc"),
    not(feature = "native-tls")
))]
mod ring {
    use std::sync::Arc;

    use rustls::ClientConfig;
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    use crate::error::Error;

    /// What reqwest's own rustls backend would build (platform verifier plus
    /// the extra roots, SNI on, HTTP/1.1 by ALPN as reqwest is built here
    /// without HTTP/2), with ring unless the application installed a
    /// process-wide default provider, which reqwest would honour too.
    pub(super) fn client_config(pems: &[Vec<u8>]) -> Result<ClientConfig, Error> {
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(ring_provider()));
        let mut roots: Vec<CertificateDer<'static>> = Vec::new();
        for (i, pem) in pems.iter().enumerate() {
            for cert in CertificateDer::pem_slice_iter(pem) {
                roots.push(cert.map_err(|e| {
                    Error::invalid(
                        "root_certificate",
                        format!("PEM #{} is not valid: {e}", i + 1),
                    )
                })?);
            }
        }
        let verifier = platform_verifier(roots, Arc::clone(&provider))?;
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_setup(&e))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }

    /// ring's provider. rustls 0.23.48 deprecates it because ring has no
    /// post-quantum key exchange; it is still rustls' own, maintained
    /// provider, and this feature exists for its build time (aws-lc's C is
    /// about half a cold build again). Post-quantum key exchange
    /// (X25519MLKEM768) is the `rustls-aws-lc` feature, or any provider the
    /// application installs as the process default, which wins above. The
    /// allow is this narrow so that any other deprecation still fails
    /// `-D warnings` (CI also builds against the newest dependencies).
    #[allow(deprecated)]
    fn ring_provider() -> CryptoProvider {
        rustls::crypto::ring::default_provider()
    }

    #[cfg(not(target_os = "android"))]
    fn platform_verifier(
        roots: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<rustls_platform_verifier::Verifier, Error> {
        if roots.is_empty() {
            rustls_platform_verifier::Verifier::new(provider)
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
        }
        .map_err(|e| tls_setup(&e))
    }

    #[cfg(target_os = "android")]
    fn platform_verifier(
        roots: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<rustls_platform_verifier::Verifier, Error> {
        if !roots.is_empty() {
            return Err(Error::invalid(
                "root_certificate",
                "extra root certificates are not supported on Android with the `rustls` feature; use the system's trust store",
            ));
        }
        rustls_platform_verifier::Verifier::new(provider).map_err(|e| tls_setup(&e))
    }

    fn tls_setup(e: &rustls::Error) -> Error {
        Error::invalid("http_client", format!("could not set up TLS: {e}"))
    }
}
