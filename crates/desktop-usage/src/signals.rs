//! The signals that end a run early: Ctrl-C (SIGINT), SIGTERM (`kill`,
//! systemd, timeouts), SIGHUP (the terminal closed) and SIGQUIT (Ctrl-\).
//!
//! Each is caught so that the run is dropped (which deletes the temporary
//! `--output` file) and the process exits with the shell's convention,
//! 128 + the signal's number.

use std::io;

/// A signal that ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGHUP (1): the terminal went away.
    Hangup,
    /// SIGINT (2): Ctrl-C.
    Interrupt,
    /// SIGQUIT (3): Ctrl-\.
    Quit,
    /// SIGTERM (15): asked to stop.
    Terminate,
}

impl Signal {
    /// The signal's conventional name.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Hangup => "SIGHUP",
            Signal::Interrupt => "SIGINT",
            Signal::Quit => "SIGQUIT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The exit code a shell reports for a process the signal ended: 128 + its number.
    pub fn exit_code(self) -> u8 {
        128 + match self {
            Signal::Hangup => 1,
            Signal::Interrupt => 2,
            Signal::Quit => 3,
            Signal::Terminate => 15,
        }
    }
}

/// The handlers, installed by [`Signals::new`] (inside the runtime) and
/// waited on by [`Signals::recv`].
pub struct Signals {
    #[cfg(unix)]
    streams: [(Signal, tokio::signal::unix::Signal); 4],
}

impl Signals {
    /// Installs the handlers; from then on these signals no longer kill the process.
    #[cfg(unix)]
    pub fn new() -> io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            streams: [
                (Signal::Hangup, signal(SignalKind::hangup())?),
                (Signal::Interrupt, signal(SignalKind::interrupt())?),
                (Signal::Quit, signal(SignalKind::quit())?),
                (Signal::Terminate, signal(SignalKind::terminate())?),
            ],
        })
    }

    /// Only Ctrl-C exists here.
    #[cfg(not(unix))]
    pub fn new() -> io::Result<Signals> {
        Ok(Signals {})
    }

    /// The first of the signals to arrive.
    #[cfg(unix)]
    pub async fn recv(&mut self) -> Signal {
        let waits = self.streams.iter_mut().map(|(which, stream)| {
            Box::pin(async move {
                if stream.recv().await.is_none() {
                    // The handler is gone (cannot happen while `self` lives): never fire.
                    std::future::pending::<()>().await;
                }
                *which
            })
        });
        futures::future::select_all(waits).await.0
    }

    /// The first Ctrl-C.
    #[cfg(not(unix))]
    pub async fn recv(&mut self) -> Signal {
        let _ = tokio::signal::ctrl_c().await;
        Signal::Interrupt
    }
}
