//! `iocscan snapshot convert`: JSON Lines snapshots to a Parquet folder, or back.

use crate::args::{ConvertArgs, SnapshotArgs, SnapshotCommand};
use crate::render::escape_path;
use crate::{EXIT_ERROR, EXIT_FOUND, EXIT_OK};
use iocscan::snapshot::parquet::{self, ConvertReport};
use std::io;
use std::path::PathBuf;

/// Runs the subcommand: exit 0 when everything converted, 1 when some input, line or row
/// was skipped, 2 when nothing could be.
pub fn run(args: &SnapshotArgs) -> io::Result<u8> {
    match &args.command {
        SnapshotCommand::Convert(a) => convert(a),
    }
}

fn convert(args: &ConvertArgs) -> io::Result<u8> {
    let parquet_in = args.inputs.len() == 1 && is_parquet_folder(&args.inputs[0]);
    let outcome = if parquet_in {
        parquet::parquet_to_jsonl(&args.inputs[0], &args.output).map_err(|e| e.to_string())
    } else {
        match jsonl_inputs(&args.inputs) {
            Ok(files) => parquet::jsonl_to_parquet(&files, &args.output).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    };
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            eprintln!("iocscan: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    if !args.quiet {
        print_outcome(args, &report);
    }
    Ok(if report.problem_count > 0 { EXIT_FOUND } else { EXIT_OK })
}

/// A folder holding `snapshot.json` or a `<Kind>.parquet` file (a folder of JSON Lines files
/// is not one).
fn is_parquet_folder(path: &std::path::Path) -> bool {
    path.is_dir()
        && std::fs::read_dir(path).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name == parquet::MANIFEST || name.ends_with(".parquet")
            })
        })
}

/// The JSON Lines files named: files as given, folders' `*.jsonl` files (not recursive).
fn jsonl_inputs(inputs: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "jsonl"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

fn print_outcome(args: &ConvertArgs, report: &ConvertReport) {
    for p in report.problems.iter().take(crate::common::ERRORS_SHOWN) {
        eprintln!("iocscan: {p}");
    }
    let shown = report.problems.len().min(crate::common::ERRORS_SHOWN) as u64;
    if report.problem_count > shown {
        eprintln!("iocscan: ... {} more problems", report.problem_count - shown);
    }
    eprintln!(
        "converted {} host(s), {} item(s) into {}; {} problem(s)",
        report.hosts,
        report.items,
        escape_path(&args.output),
        report.problem_count
    );
}
