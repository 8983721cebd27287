//! Secrets and credentials, redacted in every `Debug`/`Display` and zeroized on drop.

use std::fmt;

use zeroize::Zeroizing;

use crate::attempts::{self, Attempt};

/// A secret string (secret key, security token, IAM token).
///
/// `Debug` and `Display` print `***`; the memory is zeroized when the value is
/// dropped. Read the value with [`Secret::expose`], only where it is needed.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret value. Never log or print it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// True when the value is empty or only whitespace.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Why credentials could not be built or found. Never contains a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// A required value is empty or only whitespace.
    #[error("{field} must not be empty")]
    Empty {
        /// The field or variable, e.g. `ak` or `HUAWEICLOUD_SDK_SK`.
        field: String,
    },
    /// A value breaks a rule (the value itself is not shown).
    #[error("{field} {rule}")]
    Invalid {
        /// The field or variable.
        field: String,
        /// The rule it breaks, e.g. "must be printable ASCII without spaces".
        rule: &'static str,
    },
    /// One half of a pair is set and the other is not: an error, never a fallthrough.
    #[error("{source_name}: {set} is set but {missing} is not")]
    Incomplete {
        /// Where: `environment` or `credentials file <path>`.
        source_name: String,
        /// What is set, e.g. `HUAWEICLOUD_SDK_AK`.
        set: String,
        /// What is missing, e.g. `HUAWEICLOUD_SDK_SK`.
        missing: String,
    },
    /// The credentials file exists but cannot be read or parsed.
    #[error("credentials file {path}: {message}")]
    Profile {
        /// The file.
        path: String,
        /// What went wrong (I/O error or parse position; never file content).
        message: String,
    },
    /// The credentials file is larger than [`MAX_PROFILE_BYTES`] (1 MiB):
    /// it is not read (a mistyped path such as `/dev/zero` or a log file
    /// must not be read to the end).
    ///
    // These docs also show where the facade re-exports this type, and an
    // intra-doc link to a signer item the facade does not re-export then
    // renders as literal `[text]` (`cargo doc --no-deps`): an explicit URL.
    /// [`MAX_PROFILE_BYTES`]: https://docs.rs/huaweicloud-signer/latest/huaweicloud_signer/constant.MAX_PROFILE_BYTES.html
    #[error(
        "credentials file {path}: larger than the limit of {limit} bytes; is this the right file?"
    )]
    ProfileTooLarge {
        /// The file.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A profile (section) was asked for by name and the file has no such section.
    #[error(
        "credentials file {path}: no [{section}] section (sections present: {})",
        if present.is_empty() { "none".to_owned() } else { present.join(", ") }
    )]
    ProfileSectionMissing {
        /// The file.
        path: String,
        /// The section asked for.
        section: String,
        /// The sections the file has, in file order (`DEFAULT` is not one).
        present: Vec<String>,
    },
    /// No source had credentials.
    #[error("no Huawei Cloud credentials found; tried: {}", attempts::join(tried))]
    NotFound {
        /// Each source tried and why it had nothing.
        tried: Vec<Attempt>,
    },
}

/// Rules for an access key: non-empty printable ASCII, no spaces (it goes into a header).
fn check_access_key(ak: &str, field: &str) -> Result<(), CredentialsError> {
    if ak.trim().is_empty() {
        return Err(CredentialsError::Empty {
            field: field.to_owned(),
        });
    }
    if !ak.bytes().all(|b| b.is_ascii_graphic()) || ak.contains(',') {
        return Err(CredentialsError::Invalid {
            field: field.to_owned(),
            rule: "must be printable ASCII without spaces or commas",
        });
    }
    Ok(())
}

/// Rules for a secret key: non-empty, and no control characters. A trailing
/// newline or CR (a file saved on Windows, `echo` into a variable) would
/// otherwise sign with the wrong key and fail at the server as a bad signature,
/// which says nothing about the cause.
fn check_secret(secret: &Secret, field: &str) -> Result<(), CredentialsError> {
    if secret.is_blank() {
        return Err(CredentialsError::Empty {
            field: field.to_owned(),
        });
    }
    if secret.expose().chars().any(char::is_control) {
        return Err(CredentialsError::Invalid {
            field: field.to_owned(),
            rule: CONTROL_RULE,
        });
    }
    Ok(())
}

/// The rule broken by a value with a control character.
const CONTROL_RULE: &str =
    "must not contain control characters (a trailing newline or CR, a tab, ...)";

/// Rules for a security token: non-empty printable ASCII without spaces (it
/// is sent as the `X-Security-Token` header). A control character gets the
/// more telling rule, since a trailing newline is the usual cause.
pub(crate) fn check_security_token(token: &Secret, field: &str) -> Result<(), CredentialsError> {
    check_secret(token, field)?;
    if !token.expose().bytes().all(|b| b.is_ascii_graphic()) {
        return Err(CredentialsError::Invalid {
            field: field.to_owned(),
            rule: "must be printable ASCII without spaces",
        });
    }
    Ok(())
}

/// An access key (AK), secret key (SK) and optional security token (temporary credentials).
#[derive(Clone)]
pub struct AccessKeyCredentials {
    ak: String,
    sk: Secret,
    security_token: Option<Secret>,
}

impl AccessKeyCredentials {
    /// AK/SK credentials. Errors name the field: `ak` when it is empty or not
    /// printable ASCII without spaces, `sk` when it is empty, blank or holds a
    /// control character (such as a trailing newline or CR).
    pub fn new(ak: impl Into<String>, sk: impl Into<Secret>) -> Result<Self, CredentialsError> {
        Self::new_named(ak.into(), sk.into(), "ak", "sk")
    }

    pub(crate) fn new_named(
        ak: String,
        sk: Secret,
        ak_field: &str,
        sk_field: &str,
    ) -> Result<Self, CredentialsError> {
        check_access_key(&ak, ak_field)?;
        check_secret(&sk, sk_field)?;
        Ok(Self {
            ak,
            sk,
            security_token: None,
        })
    }

    /// Adds a security token (temporary credentials): signing then sends and
    /// signs `X-Security-Token`. A token that is not a valid header value makes
    /// [`sign`] fail with [`SignError::InvalidSecurityToken`].
    ///
    // An explicit URL: see `CredentialsError::ProfileTooLarge`.
    /// [`sign`]: https://docs.rs/huaweicloud-signer/latest/huaweicloud_signer/fn.sign.html
    /// [`SignError::InvalidSecurityToken`]: crate::SignError::InvalidSecurityToken
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// Adds a security token after checking it: non-empty printable ASCII
    /// without spaces or control characters, else an error naming
    /// `security_token` (the token itself is never shown).
    pub fn try_with_security_token(
        self,
        token: impl Into<Secret>,
    ) -> Result<Self, CredentialsError> {
        self.try_with_security_token_named(token.into(), "security_token")
    }

    pub(crate) fn try_with_security_token_named(
        self,
        token: Secret,
        field: &str,
    ) -> Result<Self, CredentialsError> {
        check_security_token(&token, field)?;
        Ok(self.with_security_token(token))
    }

    /// The access key (AK). Not a secret: it is sent in every `Authorization` header.
    pub fn access_key(&self) -> &str {
        &self.ak
    }

    /// The secret key (SK).
    pub fn secret_key(&self) -> &Secret {
        &self.sk
    }

    /// The security token, for temporary credentials.
    pub fn security_token(&self) -> Option<&Secret> {
        self.security_token.as_ref()
    }
}

impl fmt::Debug for AccessKeyCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKeyCredentials")
            .field("access_key", &self.ak)
            .field("secret_key", &self.sk)
            .field("security_token", &self.security_token)
            .finish()
    }
}

impl fmt::Display for AccessKeyCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AK/SK credentials (access key {}", self.ak)?;
        if self.security_token.is_some() {
            f.write_str(", with security token")?;
        }
        f.write_str(")")
    }
}

/// How requests are authenticated: AK/SK signing or an IAM token in `X-Auth-Token`.
#[derive(Clone)]
pub enum Credentials {
    /// Sign every request with `SDK-HMAC-SHA256`.
    AccessKey(AccessKeyCredentials),
    /// Send an IAM token in `X-Auth-Token`.
    IamToken(Secret),
}

impl Credentials {
    /// AK/SK credentials; see [`AccessKeyCredentials::new`].
    pub fn access_key(
        ak: impl Into<String>,
        sk: impl Into<Secret>,
    ) -> Result<Self, CredentialsError> {
        AccessKeyCredentials::new(ak, sk).map(Self::AccessKey)
    }

    /// An IAM token; it must be non-empty printable ASCII without spaces.
    pub fn iam_token(token: impl Into<Secret>) -> Result<Self, CredentialsError> {
        let token = token.into();
        check_security_token(&token, "IAM token")?;
        Ok(Self::IamToken(token))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AccessKey(c) => f.debug_tuple("AccessKey").field(c).finish(),
            Self::IamToken(t) => f.debug_tuple("IamToken").field(t).finish(),
        }
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AccessKey(c) => fmt::Display::fmt(c, f),
            Self::IamToken(_) => f.write_str("IAM token (***)"),
        }
    }
}

/// Builds credentials from optional values (empty = unset). An AK without an
/// SK, an SK without an AK, or a token without both, is an error; neither is
/// `Ok(None)`. `names` are the AK, SK and token's names in this source.
pub(crate) fn assemble(
    source_name: &str,
    names: (&str, &str, &str),
    ak: Option<String>,
    sk: Option<Secret>,
    token: Option<Secret>,
) -> Result<Option<Credentials>, CredentialsError> {
    let (ak_name, sk_name, token_name) = names;
    let incomplete = |set: &str, missing: &str| CredentialsError::Incomplete {
        source_name: source_name.to_owned(),
        set: set.to_owned(),
        missing: missing.to_owned(),
    };
    let (ak, sk) = match (ak, sk) {
        (None, None) => {
            if token.is_some() {
                return Err(incomplete(token_name, &format!("{ak_name} and {sk_name}")));
            }
            return Ok(None);
        }
        (Some(_), None) => return Err(incomplete(ak_name, sk_name)),
        (None, Some(_)) => return Err(incomplete(sk_name, ak_name)),
        (Some(ak), Some(sk)) => (ak, sk),
    };
    let mut creds = AccessKeyCredentials::new_named(ak, sk, ak_name, sk_name)?;
    if let Some(token) = token {
        creds = creds.try_with_security_token_named(token, token_name)?;
    }
    Ok(Some(Credentials::AccessKey(creds)))
}
