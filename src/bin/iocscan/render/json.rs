//! `--format json`: one document `{tool, host?, cards, results, explanations?, summary,
//! diagnostics, errors, complete}`, valid against `schema/output.schema.json`.

use super::{error_records, tool, ErrorRecord};
use super::{Printer, ScanOutput};
use iocscan::card::Card;
use iocscan::diag::Diagnostic;
use iocscan::driver::Summary;
use iocscan::verdict::{Explanation, IocResult};
use serde::Serialize;
use std::io::{self, Write};

/// The JSON document printer.
pub struct Json;

#[derive(Serialize)]
struct Document<'a> {
    tool: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    cards: &'a [Card],
    results: &'a [IocResult],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    explanations: &'a [Explanation],
    summary: &'a Summary,
    diagnostics: &'a [Diagnostic],
    errors: Vec<ErrorRecord>,
    complete: bool,
}

impl Printer for Json {
    fn print(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()> {
        let doc = Document {
            tool: tool(),
            host: scan.report.host.as_deref(),
            cards: &scan.report.cards,
            results: &scan.report.results,
            explanations: &scan.report.explanations,
            summary: &scan.report.summary,
            diagnostics: &scan.loaded.diagnostics,
            errors: error_records(scan),
            complete: scan.report.complete,
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}
