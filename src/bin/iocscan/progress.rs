//! The progress line on stderr (indicatif), shown only on a terminal and without `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use iocscan::driver::{Progress, ProgressFn};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

/// A spinner with running counters, or nothing when stderr is not a terminal or `quiet`.
pub struct ProgressLine {
    bar: Option<ProgressBar>,
}

impl ProgressLine {
    /// Starts the line when it should be shown.
    pub fn start(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return ProgressLine { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        ProgressLine { bar: Some(bar) }
    }

    /// The callback for `ScanOptions::progress`, when the line is shown.
    pub fn callback(&self) -> Option<ProgressFn> {
        let bar = self.bar.clone()?;
        Some(Arc::new(move |p: &Progress| bar.set_message(message(p))))
    }

    /// Removes the line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn message(p: &Progress) -> String {
    format!(
        "files {}  hashed {}  items {}  matches {}  errors {}",
        p.files,
        indicatif::HumanBytes(p.bytes_hashed),
        p.items,
        p.matches,
        p.errors
    )
}
