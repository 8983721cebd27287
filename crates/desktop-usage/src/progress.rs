//! The progress bar on stderr, shown only to a person watching a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Requests done out of planned, drawn on stderr; invisible unless stderr is a terminal and not `-q`.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar that draws only when stderr is a terminal and `quiet` is off.
    pub fn new(quiet: bool) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
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
        Progress { bar }
    }

    /// Records that `done` requests of `planned` (when known) have completed.
    pub fn update(&self, done: u64, planned: Option<u64>) {
        if let Some(planned) = planned {
            self.bar.set_length(planned.max(done));
        }
        self.bar.set_position(done);
    }

    /// Removes the bar before results or errors are printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
