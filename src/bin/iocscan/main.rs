//! The `iocscan` command: parses arguments, calls the library, prints, exits.
//!
//! `main` is a table of contents: one function per subcommand, each in its own file. The
//! engine lives in the library (`iocscan::driver`); nothing here decides what matches.

mod args;
mod check;
mod collect;
mod common;
mod compile;
mod debug;
mod import;
mod interrupt;
mod progress;
mod render;
mod scan;
mod snapshot;
mod terms;

use clap::Parser;
use std::process::ExitCode;

// Loading a large IOC collection and walking a file system allocate many small, short-lived
// objects from every thread; mimalloc serves them faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its `mi_option_e` enumerator, 15 in mimalloc 2 and 3,
/// the versions `libmimalloc-sys` 0.1 builds): how long freed memory waits before it is
/// returned to the system.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

extern "C" {
    // Linked from the mimalloc the global allocator is (libmimalloc-sys builds it); the
    // `mimalloc` crate exposes no option API, and its `extended` bindings would add a
    // dependency for this one function.
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Keeps freed memory for reuse instead of returning it to the system every 10 ms (the
/// default): a scan frees and reallocates batches of items all the time, and the returns
/// and page faults that followed cost a large share of its system time (measured in
/// `benches/compare.sh`: fleet and bundle sections). Peak memory is unchanged (bounded by
/// the hosts in flight); memory is given back at exit. `MIMALLOC_PURGE_DELAY` in the
/// environment still decides when set.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set stores the value in mimalloc's option table and has no other
        // precondition; the option number is mimalloc's purge delay and -1 a documented value.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
}

/// Exit code: success, nothing detected (scan), every file loaded (check).
pub const EXIT_OK: u8 = 0;
/// Exit code: something detected (scan), a file rejected or a denied warning (check).
pub const EXIT_FOUND: u8 = 1;
/// Exit code: usage error, nothing loadable, output or snapshot failure.
pub const EXIT_ERROR: u8 = 2;
/// Exit code (scan, with `--fail-on-undetermined`): nothing detected, some IOC undetermined.
pub const EXIT_UNDETERMINED: u8 = 3;

/// Turns transparent huge pages off for this process (Linux), unless `MIMALLOC_ALLOW_THP` in
/// the environment decides. mimalloc advises huge pages for its whole arena, so the first
/// touch of any byte of a 2 MiB region makes the kernel clear all of it, and on a machine
/// whose free memory is fragmented that fault also waits for compaction. Measured in
/// `benches/compare.sh` (bundle section): a scan loading 100,000 IOCs peaked at 70 MB
/// resident instead of 31 MB and took 8% longer, and the run-to-run spread doubled. The
/// scan's working set is small and short-lived, so 4 KiB pages lose nothing.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // Best effort: a kernel without the flag (before 3.15) keeps its default.
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    no_transparent_huge_pages();
    let cli = args::Cli::parse();
    let outcome = match cli.command {
        args::Command::Check(a) => check::run(&a),
        args::Command::Scan(a) => scan::run(&a),
        args::Command::Collect(a) => collect::run(&a),
        args::Command::Compile(a) => compile::run(&a),
        args::Command::Snapshot(a) => snapshot::run(&a),
        args::Command::Terms(a) => terms::run(&a),
        args::Command::Debug(a) => debug::run(&a),
        args::Command::Import(a) => import::run(&a),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("iocscan: error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
