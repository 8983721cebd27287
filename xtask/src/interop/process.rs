//! The interop run's child processes: killed on every path, waited on for a
//! bounded time.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

/// Kills the child when dropped, so no path leaves the simulator running.
pub(super) struct KillOnDrop(pub(super) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs a command with piped stdout, killing it after `limit`; returns its stdout.
pub(super) fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<String> {
    let mut child = KillOnDrop(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the interop script")?,
    );
    let mut stdout = child.0.stdout.take().context("script stdout")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.0.try_wait().context("waiting for the script")? {
            break status;
        }
        if Instant::now() >= deadline {
            bail!(
                "the interop script did not finish within {} s",
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = match reader.join() {
        Ok(r) => r.context("reading the script's output")?,
        Err(_) => bail!("the thread reading the script's output panicked"),
    };
    ensure!(status.success(), "the interop script failed ({status})");
    Ok(text)
}
