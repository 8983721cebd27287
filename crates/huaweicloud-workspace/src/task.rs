//! Pages fetched on the runtime's worker threads.
//!
//! A query's stream is polled by its consumer, often on the thread that
//! runs `block_on` (`#[tokio::main]`), which is not a worker. Decoding a
//! page (JSON, dates, hours) costs about as much CPU as everything else
//! the consumer does, so a query whose pages are all decoded on the
//! consumer's thread runs on one core however many the runtime has. Each
//! page's request and decoding run as a task of their own instead; the
//! consumer only merges and emits. How many run at once is still bounded by
//! the query's streams (`buffered`, the merge's look-ahead), which create a
//! task only when they are polled, so memory stays bounded as before.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tracing::Instrument as _;

use crate::error::Error;

/// A spawned task's result, awaited like the future it runs; dropping it
/// aborts the task, so a dropped query stream leaves no request running.
pub(crate) struct Spawned<T> {
    handle: tokio::task::JoinHandle<Result<T, Error>>,
}

/// Runs `future` as a task of the current Tokio runtime (every request
/// needs one already: reqwest's connections run on it), in the caller's
/// tracing span.
pub(crate) fn spawn<T, F>(future: F) -> Spawned<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    Spawned {
        handle: tokio::spawn(future.in_current_span()),
    }
}

impl<T> Future for Spawned<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx).map(|joined| {
            joined.unwrap_or_else(|e| {
                if e.is_panic() {
                    // A bug in the task: the caller's panic, as if inline.
                    std::panic::resume_unwind(e.into_panic());
                }
                // Only the runtime cancels a task this handle has not aborted.
                Err(Error::Transport {
                    message: "the request's task was cancelled: the Tokio runtime is shutting down"
                        .to_string(),
                    attempts: 0,
                })
            })
        })
    }
}

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_result_comes_back_and_errors_too() {
        assert_eq!(spawn(async { Ok(7) }).await.ok(), Some(7));
        let failed = spawn(async { Err::<(), _>(Error::invalid("x", "no")) }).await;
        assert!(
            matches!(failed, Err(Error::InvalidInput { .. })),
            "{failed:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_handle_stops_the_task() {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
        let task = spawn(async move {
            let _held = tx;
            std::future::pending::<Result<(), Error>>().await
        });
        drop(task);
        // The sender is dropped with the aborted task, which closes the channel.
        let closed = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
        assert!(
            matches!(closed, Ok(None)),
            "the task ran on after its handle was dropped"
        );
    }

    #[tokio::test]
    #[should_panic(expected = "a bug")]
    async fn a_panic_in_the_task_reaches_the_caller() {
        let _ = spawn(async { panic!("a bug") as Result<(), Error> }).await;
    }
}
