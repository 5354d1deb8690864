//! An endpoint agent embedding iocscan: load and compile IOCs, scan this host with a progress
//! callback and a cancel flag (a time budget), print each detected IOC's card as one JSON line.
//!
//! ```sh
//! cargo run --release --example agent -- ioc-samples/demo ioc-samples/demo
//! #                                      ^ IOC path        ^ folder to walk (default /)
//! ```
//!
//! Exit status: 0 nothing detected, 1 detected, 2 no IOC could be loaded.

use iocscan::collect::file::FileOptions;
use iocscan::driver::{self, Progress, ScanOptions};
use iocscan::load;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long the agent lets one scan run before cancelling it.
const SCAN_BUDGET: Duration = Duration::from_secs(600);

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let Some(iocs) = args.next() else {
        eprintln!("usage: agent IOC_PATH [DIR]...");
        return ExitCode::from(2);
    };
    let roots: Vec<PathBuf> = args.collect();

    let loaded = load::load_ruleset(&[iocs]);
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    if loaded.ruleset.is_empty() {
        eprintln!("agent: no IOC loaded");
        return ExitCode::from(2);
    }

    // The cancel flag: a watchdog thread sets it when the budget is spent; an agent would also
    // set it on shutdown. The scan then returns what it has with `complete: false`.
    let cancel = Arc::new(AtomicBool::new(false));
    let watchdog = Arc::clone(&cancel);
    std::thread::spawn(move || {
        std::thread::sleep(SCAN_BUDGET);
        watchdog.store(true, Ordering::Relaxed);
    });

    let options = ScanOptions {
        files: FileOptions {
            roots: if roots.is_empty() { FileOptions::default().roots } else { roots },
            ..FileOptions::default()
        },
        progress: Some(Arc::new(|p: &Progress| {
            eprint!("\rfiles {}  items {}  errors {}   ", p.files, p.items, p.errors);
        })),
        cancel,
        ..ScanOptions::default()
    };
    let report = match driver::scan_host(&loaded.ruleset, &options) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("\nagent: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!();

    for card in &report.cards {
        match serde_json::to_string(card) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("agent: card {} not printable: {e}", card.id),
        }
    }
    let s = &report.summary;
    eprintln!(
        "{} IOCs, {} detected, {} files, {} errors, complete: {}",
        s.iocs_loaded, s.detected, s.files.files, s.errors, report.complete
    );
    ExitCode::from(u8::from(!report.cards.is_empty()))
}
