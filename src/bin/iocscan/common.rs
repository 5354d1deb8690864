//! What more than one subcommand uses: the progress line and Ctrl-C of a long run, output
//! files, diagnostic and size text, how many problems stderr shows.

use crate::interrupt;
use crate::progress::ProgressLine;
use crate::render::escape_path;
use iocscan::diag::Diagnostic;
use iocscan::driver::ProgressFn;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Collection problems printed on stderr (scan in text mode, collect); the rest are counted.
pub const ERRORS_SHOWN: usize = 20;

/// A long run's progress line (when shown) and its cancel flag, which Ctrl-C sets.
pub struct Live {
    line: ProgressLine,
    cancel: Arc<AtomicBool>,
}

impl Live {
    /// Shows the progress line (unless `quiet` or stderr is not a terminal) and routes Ctrl-C
    /// to the cancel flag.
    pub fn start(quiet: bool) -> Self {
        let cancel = Arc::new(AtomicBool::new(false));
        interrupt::install(cancel.clone());
        Live { line: ProgressLine::start(quiet), cancel }
    }

    /// The options' `progress` callback.
    pub fn progress(&self) -> Option<ProgressFn> {
        self.line.callback()
    }

    /// The options' `cancel` flag.
    pub fn cancel(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// Removes the progress line.
    pub fn finish(&self) {
        self.line.finish();
    }
}

/// Creates the output file at `path`; the error names it.
pub fn create(path: &Path) -> io::Result<File> {
    File::create(path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", escape_path(path))))
}

/// A diagnostic's `file:line:col: code: message` (its `Display` escapes the path).
pub fn display(d: &Diagnostic) -> String {
    d.to_string()
}

/// Bytes in binary units (`1.5 MiB`).
pub fn bytes_text(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_in_binary_units() {
        assert_eq!(bytes_text(12), "12 B");
        assert_eq!(bytes_text(1536), "1.5 KiB");
        assert_eq!(bytes_text(200 << 20), "200.0 MiB");
    }
}
