//! `iocscan debug model|tree`: the reader's document model (JSON) or the compiler's tree
//! (`Ruleset::dump_tree`) of IOC files, so that a surprising result can be traced to the
//! stage that made it. Diagnostics go to stderr; exit 0 when something loaded, else 2.

use crate::args::{DebugArgs, DebugStage};
use crate::common::display;
use crate::{EXIT_ERROR, EXIT_OK};
use iocscan::{compile, load};
use std::io::{self, Write};

/// Prints the asked stage.
pub fn run(args: &DebugArgs) -> io::Result<u8> {
    let loaded = load::load_paths(&args.iocs);
    for d in &loaded.diagnostics {
        eprintln!("{}", display(d));
    }
    if loaded.documents.is_empty() {
        eprintln!("iocscan: error: no IOC could be loaded");
        return Ok(EXIT_ERROR);
    }
    let mut out = io::stdout().lock();
    match args.stage {
        DebugStage::Model => {
            serde_json::to_writer_pretty(&mut out, &loaded.documents).map_err(io::Error::other)?;
            writeln!(out)?;
        }
        DebugStage::Tree => {
            let (ruleset, warnings) = compile::compile(&loaded.documents);
            for d in &warnings {
                eprintln!("{}", display(d));
            }
            out.write_all(ruleset.dump_tree().as_bytes())?;
        }
    }
    out.flush()?;
    Ok(EXIT_OK)
}
