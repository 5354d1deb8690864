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

/// Exit code: success, nothing detected (scan), every file loaded (check).
pub const EXIT_OK: u8 = 0;
/// Exit code: something detected (scan), a file rejected or a denied warning (check).
pub const EXIT_FOUND: u8 = 1;
/// Exit code: usage error, nothing loadable, output or snapshot failure.
pub const EXIT_ERROR: u8 = 2;
/// Exit code (scan, with `--fail-on-undetermined`): nothing detected, some IOC undetermined.
pub const EXIT_UNDETERMINED: u8 = 3;

fn main() -> ExitCode {
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
