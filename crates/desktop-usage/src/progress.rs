//! The progress bar on stderr, shown only to a person watching a terminal.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar on screen, if any, so that a warning can be written above it
/// instead of into it.
static ON_SCREEN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `write` (which writes whole lines on stderr) with the bar hidden,
/// then draws the bar again below the lines.
pub fn above(write: impl FnOnce()) {
    let bar = ON_SCREEN.lock().ok().and_then(|bar| bar.clone());
    match bar {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// Requests done out of planned, drawn on stderr; invisible unless stderr is a terminal and not `-q`.
/// It also tells when the first page was answered (see [`Progress::first_page`]).
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    answered: Arc<tokio::sync::Notify>,
}

impl Progress {
    /// A bar that draws only when stderr is a terminal and `quiet` is off.
    pub fn new(quiet: bool) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
            if let Ok(mut on_screen) = ON_SCREEN.lock() {
                *on_screen = Some(bar.clone());
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        let style = ProgressStyle::with_template(
            "{spinner} {msg} {pos}/{len} requests [{bar:30}] {elapsed}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message("fetching");
        Progress {
            bar,
            answered: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Records that `done` requests of `planned` (when known) have completed.
    pub fn update(&self, done: u64, planned: Option<u64>) {
        if let Some(planned) = planned {
            self.bar.set_length(planned.max(done));
        }
        self.bar.set_position(done);
        if done > 0 {
            // Kept until awaited, if nobody waits yet.
            self.answered.notify_one();
        }
    }

    /// Completes once a page has been answered: the credentials work, so
    /// another operation of the run may start without risking a second bad
    /// signature (five in a row lock an access key). Awaited once per run.
    pub async fn first_page(&self) {
        self.answered.notified().await;
    }

    /// Removes the bar before results or errors are printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
        if let Ok(mut on_screen) = ON_SCREEN.lock() {
            on_screen.take();
        }
    }
}
