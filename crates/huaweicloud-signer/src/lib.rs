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
//!   [`from_profile_file`] (read in the official SDK's INI dialect, bounded,
//!   with warnings about loose permissions), [`default_chain`] /
//!   [`chain_with_profile`] (named profiles).
//! - The pure parts of temporary credentials from the ECS metadata service:
//!   addresses, [`TemporaryCredentials::from_metadata_response`], [`needs_refresh`].
//!
//! What it is NOT for: sending requests (the metadata service is asked by the caller), retrying, reading the clock (the time
//! is always a parameter), or the other signing algorithms of the official
//! SDK (SM3, derived AK/SK, ECDSA). It does no I/O except reading the profile
//! file and the environment in the functions that say so.

mod attempts;
mod authenticate;
mod credentials;
mod ini;
mod metadata;
mod profile;
mod resolved;
mod sign;
mod sources;
mod verify;

pub use attempts::{Attempt, AttemptedSource};
pub use credentials::{AccessKeyCredentials, Credentials, CredentialsError, Secret};
pub use metadata::{
    DEFAULT_METADATA_ENDPOINT, ENV_IAM_ENDPOINT, ENV_METADATA_ENDPOINT,
    MAX_METADATA_RESPONSE_BYTES, METADATA_SECURITY_KEY_PATH, METADATA_TOKEN_HEADER,
    METADATA_TOKEN_PATH, METADATA_TOKEN_TTL_HEADER, METADATA_TOKEN_TTL_SECONDS, MetadataError,
    REFRESH_MARGIN_SECONDS, TemporaryCredentials, metadata_endpoint, needs_refresh,
};
pub use profile::{GLOBAL_PROFILE_SECTION, MAX_PROFILE_BYTES};
pub use resolved::{CredentialSource, CredentialWarning, Resolved};
pub use sign::{
    ALGORITHM, HEADER_AUTH_TOKEN, HEADER_CONTENT_SHA256, HEADER_PROJECT_ID, HEADER_SDK_DATE,
    HEADER_SECURITY_TOKEN, SDK_DATE_FORMAT, SignError, UNSIGNED_PAYLOAD, canonical_query,
    canonical_request, canonical_uri, sign, sign_request, signature, signed_header_names,
    string_to_sign,
};
pub use sources::{
    ENV_AK, ENV_CREDENTIALS_FILE, ENV_PROFILE, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK,
    PROFILE_SECTION, chain_with, chain_with_profile, default_chain, from_env, from_env_vars,
    from_profile_file, from_profile_file_section, from_profile_str, from_profile_str_section,
    profile_path,
};
pub use verify::{
    DEFAULT_MAX_SKEW_SECONDS, ParsedAuthorization, Verified, VerifyError, VerifyOptions,
    parse_authorization, verify,
};
