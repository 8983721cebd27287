//! How a request is authenticated with [`Credentials`]: AK/SK signing or an
//! IAM token header. Apart from `credentials.rs` so that the credential
//! types know nothing of signing, and `sign.rs` (which reads the keys) does
//! not import back.

use crate::credentials::Credentials;
use crate::sign::{HEADER_AUTH_TOKEN, SignError, sign};

impl Credentials {
    /// Authenticates a request: signs it (AK/SK) or sets `X-Auth-Token` (IAM token).
    ///
    /// `now` is only used for signing. See [`sign`] for what is signed.
    ///
    // An explicit URL: see `CredentialsError::ProfileTooLarge`.
    /// [`sign`]: https://docs.rs/huaweicloud-signer/latest/huaweicloud_signer/fn.sign.html
    pub fn authenticate(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        headers: &mut http::HeaderMap,
        body: &[u8],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), SignError> {
        match self {
            Self::AccessKey(creds) => sign(creds, method, uri, headers, body, now),
            Self::IamToken(token) => {
                let mut value = http::HeaderValue::from_str(token.expose())
                    .map_err(|_| SignError::InvalidIamToken)?;
                value.set_sensitive(true);
                headers.insert(HEADER_AUTH_TOKEN, value);
                Ok(())
            }
        }
    }
}
