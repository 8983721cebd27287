//! The signals that end a run early: Ctrl-C (SIGINT), SIGTERM (`kill`,
//! systemd, timeouts), SIGHUP (the terminal closed), SIGQUIT (Ctrl-\), and
//! every other signal whose default action would end the process
//! (SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGXCPU).
//!
//! Each is caught so that the run is dropped (which deletes the temporary
//! `--output` file) and the process exits with the shell's convention,
//! 128 + the signal's number. SIGXFSZ (a write past `ulimit -f`) is caught
//! and not acted on: the write then fails with "File too large", an output
//! error like a full disk. SIGKILL and SIGSTOP cannot be caught; a SIGKILL
//! leaves the temporary file (named `.NAME.XXXXXX.tmp`) behind.

use std::io;

/// A signal that ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    name: &'static str,
    number: u8,
}

impl Signal {
    /// SIGHUP (1): the terminal went away.
    pub const HANGUP: Signal = Signal::new("SIGHUP", 1);
    /// SIGINT (2): Ctrl-C.
    pub const INTERRUPT: Signal = Signal::new("SIGINT", 2);
    /// SIGQUIT (3): Ctrl-\.
    pub const QUIT: Signal = Signal::new("SIGQUIT", 3);
    /// SIGTERM (15): asked to stop.
    pub const TERMINATE: Signal = Signal::new("SIGTERM", 15);

    const fn new(name: &'static str, number: u8) -> Signal {
        Signal { name, number }
    }

    /// The signal's conventional name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The exit code a shell reports for a process the signal ended: 128 + its number.
    pub fn exit_code(self) -> u8 {
        128 + self.number
    }
}

/// Every signal that ends the process by default and can be caught, with
/// its number on Linux (the numbers a shell reports as 128 + n there).
#[cfg(unix)]
const ENDING: [Signal; 12] = [
    Signal::HANGUP,
    Signal::INTERRUPT,
    Signal::QUIT,
    Signal::new("SIGUSR1", 10),
    Signal::new("SIGUSR2", 12),
    Signal::new("SIGALRM", 14),
    Signal::TERMINATE,
    Signal::new("SIGXCPU", 24),
    Signal::new("SIGVTALRM", 26),
    Signal::new("SIGPROF", 27),
    Signal::new("SIGIO", 29),
    Signal::new("SIGPWR", 30),
];

/// SIGXFSZ: caught so that it does not kill the process; the write that
/// raised it fails with EFBIG instead.
#[cfg(unix)]
const FILE_SIZE_LIMIT: i32 = 25;

/// The handlers, installed by [`Signals::new`] (inside the runtime) and
/// waited on by [`Signals::recv`].
pub struct Signals {
    #[cfg(unix)]
    streams: Vec<(Signal, tokio::signal::unix::Signal)>,
    /// Held so that SIGXFSZ stays caught; never waited on.
    #[cfg(unix)]
    _file_size_limit: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Installs the handlers; from then on these signals no longer kill the process.
    #[cfg(unix)]
    pub fn new() -> io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut streams = Vec::with_capacity(ENDING.len());
        // The table holds Linux's numbers; elsewhere only the four whose
        // numbers POSIX fixes are caught (SIGUSR1 is 30 on macOS).
        let here = ENDING
            .into_iter()
            .filter(|s| cfg!(target_os = "linux") || matches!(s.number, 1 | 2 | 3 | 15));
        for which in here {
            let kind = SignalKind::from_raw(i32::from(which.number));
            streams.push((which, signal(kind)?));
        }
        let file_size_limit = if cfg!(target_os = "linux") {
            Some(signal(SignalKind::from_raw(FILE_SIZE_LIMIT))?)
        } else {
            None
        };
        Ok(Signals {
            streams,
            _file_size_limit: file_size_limit,
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
        Signal::INTERRUPT
    }
}
