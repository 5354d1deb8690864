//! `iocscan compile`: load IOC files once and write them as a bundle
//! ([`iocscan::bundle`]); exit 0 (written) or 2 (nothing loadable, output failure).
//!
//! The bundle is written beside the output under a temporary name and renamed over it at the
//! end, so a failed run never leaves a half-written bundle where a scan would read it.

use crate::args::CompileArgs;
use crate::common::display;
use crate::render::escape_path;
use crate::{EXIT_ERROR, EXIT_OK};
use std::io::{self, BufWriter, Write};

/// Runs the compilation.
pub fn run(args: &CompileArgs) -> io::Result<u8> {
    let loaded = iocscan::load::load_paths(&args.iocs);
    // Compiled once here for its warnings: the bundle holds the documents, and every load
    // compiles them again (the same warnings then).
    let (ruleset, warnings) = iocscan::compile(&loaded.documents);
    if !args.quiet {
        for d in loaded.diagnostics.iter().chain(&warnings) {
            eprintln!("{}", display(d));
        }
    }
    if ruleset.is_empty() {
        eprintln!("iocscan: error: no IOC could be loaded; no bundle written");
        return Ok(EXIT_ERROR);
    }
    let name = args.output.file_name().map(|n| n.to_string_lossy().into_owned());
    let temp = args.output.with_file_name(format!(
        ".{}.{}.tmp",
        name.as_deref().unwrap_or("bundle"),
        std::process::id()
    ));
    let written = std::fs::File::create(&temp)
        .and_then(|f| {
            let mut out = BufWriter::new(f);
            iocscan::bundle::write(&loaded, &args.iocs, &mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, &args.output));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        eprintln!("iocscan: error: cannot write {}: {e}", escape_path(&args.output));
        return Ok(EXIT_ERROR);
    }
    if !args.quiet {
        let mut err = io::stderr().lock();
        writeln!(
            err,
            "iocscan: {} IOC(s) from {} file(s) ({} rejected, {} warning(s)) written to {}",
            ruleset.len(),
            loaded.files_seen.saturating_sub(loaded.files_rejected.len()),
            loaded.files_rejected.len(),
            loaded.diagnostics.iter().chain(&warnings).filter(|d| !d.is_error()).count(),
            escape_path(&args.output)
        )?;
    }
    Ok(EXIT_OK)
}
