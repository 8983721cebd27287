//! The seam between the generated client and whoever sends its requests.
//!
//! The generated [`Client`](crate::Client) carries a [`Hooks`] value. Before a
//! request leaves, [`pre_hook`] hands it to the installed [`Executor`]'s
//! [`prepare`](Executor::prepare) (the facade signs there, on the exact body
//! bytes); the request is then sent through [`Executor::execute`] (the facade
//! records the status and request id there, which the generated error type
//! drops for non-JSON bodies, and caps the body size). Without an executor,
//! requests go out unchanged through the `reqwest::Client`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use progenitor_client::{ClientHooks, OperationInfo};

/// A boxed, sendable future, as [`Executor::execute`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why [`Executor::prepare`] refused to let a request go out.
///
/// The generated client reports it as `Error::Custom` with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HookError(pub String);

/// Prepares and sends the requests of a [`Client`](crate::Client).
pub trait Executor: Send + Sync + fmt::Debug + 'static {
    /// Changes the request just before it is sent: add headers, sign.
    ///
    /// Runs once per attempt, so a retried request is prepared afresh.
    fn prepare(&self, request: &mut reqwest::Request) -> Result<(), HookError>;

    /// Sends the prepared request. The default sends it as it is.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(client.execute(request))
    }
}

/// The inner value of the generated client: an optional [`Executor`].
#[derive(Clone, Debug, Default)]
pub struct Hooks {
    executor: Option<Arc<dyn Executor>>,
}

impl Hooks {
    /// No executor: requests go out as the generated client builds them.
    pub fn none() -> Self {
        Self::default()
    }

    /// Routes every request through `executor`.
    pub fn with_executor(executor: Arc<dyn Executor>) -> Self {
        Self {
            executor: Some(executor),
        }
    }
}

/// Called by the generated code before each request; delegates to [`Executor::prepare`].
pub async fn pre_hook(hooks: &Hooks, request: &mut reqwest::Request) -> Result<(), HookError> {
    match &hooks.executor {
        Some(executor) => executor.prepare(request),
        None => Ok(()),
    }
}

impl ClientHooks<Hooks> for crate::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.inner.executor {
            Some(executor) => executor.execute(&self.client, request).await,
            None => self.client.execute(request).await,
        }
    }
}
