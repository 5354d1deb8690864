//! Ctrl-C: the first one asks the running scan (or collection) to stop and report what it
//! has, marked incomplete; a second one exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Exit status of a process ended by a second Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: i32 = 130;

/// Routes Ctrl-C to `cancel`. Failing to install the handler (another one is installed) only
/// means Ctrl-C keeps its default effect, so the error is ignored.
pub fn install(cancel: Arc<AtomicBool>) {
    let _ = ctrlc::set_handler(move || {
        if cancel.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED);
        }
        eprintln!(
            "\niocscan: interrupted: finishing with what was scanned (Ctrl-C again to abort)"
        );
    });
}
