//! Child processes that cannot outlive the bench or block it.

use std::io::Read;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A child process killed (and reaped) when dropped.
pub(super) struct Guard {
    child: Option<Child>,
    what: String,
}

impl Guard {
    pub(super) fn spawn(mut cmd: Command, what: &str) -> Result<Guard> {
        let child = cmd.spawn().with_context(|| format!("starting {what}"))?;
        Ok(Guard {
            child: Some(child),
            what: what.to_string(),
        })
    }

    pub(super) fn child(&mut self) -> Result<&mut Child> {
        self.child
            .as_mut()
            .with_context(|| format!("{} already reaped", self.what))
    }

    /// Waits up to `timeout` for the exit; kills it then.
    pub(super) fn wait(&mut self, timeout: Duration) -> Result<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child()?.try_wait()? {
                self.child = None;
                return Ok(status);
            }
            if Instant::now() >= deadline {
                self.kill();
                bail!(
                    "{} took longer than {} s: killed",
                    self.what,
                    timeout.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    pub(super) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads a pipe to its end on a thread, so the child never blocks on it.
pub(super) fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut p) = pipe {
            let mut bytes = Vec::new();
            let _ = p.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        let _ = tx.send(text);
    });
    rx
}
