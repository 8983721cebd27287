//! What an operation is to the client: how its request is built (from the
//! generated client, so from the spec) and how its answer is decoded. The
//! transport and the retry loop know nothing else about it.
//!
//! Adding an operation: edit the spec, `cargo xtask codegen`, then one
//! module under `ops/` with a type that implements [`Operation`]; see
//! `ARCHITECTURE.md`.

use crate::answer::Answer;
use crate::classify::{self, Failure};
use crate::error::Error;

/// The service an operation lives on: which generated client builds its
/// request (the spec's operation-level `servers`, which progenitor ignores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// Workspace, under a project id (resolved before the first attempt).
    Workspace,
    /// IAM (finding the project id): no project id, no `X-Project-Id`.
    Iam,
}

/// One call of one API operation, as the retry loop sees it.
pub(crate) trait Operation: Sync {
    /// What a successful answer decodes to.
    type Output: Send;
    /// The official operation name, for logs (`ListUsedDesktopInfo`).
    const NAME: &'static str;
    /// Where it is sent.
    const HOST: Host = Host::Workspace;

    /// Builds the request with the generated client (path, query, body
    /// from the spec); called again for every attempt. `project_id` is
    /// empty for an IAM operation.
    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
    ) -> Result<reqwest::Request, Error>;

    /// Decodes a 2xx answer's body ([`classify::check`] has passed).
    fn decode_body(&self, answer: &Answer) -> Result<Self::Output, Failure>;
}

/// The one decode path of every answer: classification, then the
/// operation's own decoding. The client, the fuzz targets and the decode
/// benchmark all come through here.
pub(crate) fn decode<O: Operation>(op: &O, answer: &Answer) -> Result<O::Output, Failure> {
    classify::check(answer)?;
    op.decode_body(answer)
}

/// Turns the generated client's refusal to build a request into an input error.
pub(crate) fn build_error(
    error: huaweicloud_workspace_api::Error<huaweicloud_workspace_api::types::ErrorResponse>,
) -> Error {
    match error {
        huaweicloud_workspace_api::Error::InvalidRequest(message) => {
            Error::invalid("request", message)
        }
        other => Error::invalid("request", other.to_string()),
    }
}
