//! Huawei Cloud credentials and `SDK-HMAC-SHA256` (AK/SK) request signing.
//!
//! What it is for:
//! - [`Credentials`]: AK/SK (with an optional security token) or an IAM token,
//!   redacted in every `Debug`/`Display` and zeroized on drop ([`Secret`]).
//! - [`sign`] / [`sign_request`]: sign an `http` request plus its exact body bytes
//!   byte-for-byte as the official `huaweicloudsdkcore` 3.1.219 signer does
//!   (checked against vectors produced by it, `tests/vectors.json`).
//! - [`verify`]: recompute and check a signature, with typed reasons, for the simulator.
//! - Credential sources with the official SDKs' names: [`from_env`],
//!   [`from_profile_file`], [`default_chain`].
//!
//! What it is NOT for: sending requests, retrying, reading the clock (the time
//! is always a parameter), or the other signing algorithms of the official
//! SDK (SM3, derived AK/SK, ECDSA). It does no I/O except reading the profile
//! file and the environment in the functions that say so.

mod credentials;
mod sign;
mod sources;
mod verify;

pub use credentials::{AccessKeyCredentials, Credentials, CredentialsError, Secret};
pub use sign::{
    ALGORITHM, HEADER_AUTH_TOKEN, HEADER_CONTENT_SHA256, HEADER_PROJECT_ID, HEADER_SDK_DATE,
    HEADER_SECURITY_TOKEN, SDK_DATE_FORMAT, SignError, UNSIGNED_PAYLOAD, canonical_query,
    canonical_request, canonical_uri, sign, sign_request, signature, signed_header_names,
    string_to_sign,
};
pub use sources::{
    CredentialSource, ENV_AK, ENV_CREDENTIALS_FILE, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK,
    PROFILE_SECTION, Resolved, chain_with, default_chain, from_env, from_env_vars,
    from_profile_file, from_profile_str, profile_path,
};
pub use verify::{
    DEFAULT_MAX_SKEW_SECONDS, ParsedAuthorization, Verified, VerifyError, VerifyOptions,
    parse_authorization, verify,
};
