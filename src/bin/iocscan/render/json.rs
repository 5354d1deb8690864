//! `--format json`: one document `{tool, host?, cards, results, explanations?, summary,
//! diagnostics, errors, complete}`, valid against `schema/output.schema.json`; for several
//! hosts, `{tool, hosts: [{host, cards, results, explanations?, summary, errors}], summary,
//! diagnostics, errors, complete}` (the fleet document of the same schema).

use super::{error_records, problem_record, tool, write_json, ErrorRecord};
use super::{FleetOutput, FleetPrinter, Printer, ScanOutput};
use iocscan::card::Card;
use iocscan::diag::Diagnostic;
use iocscan::driver::{FleetSummary, HostDocument, Summary};
use iocscan::load::LoadedRuleset;
use iocscan::verdict::Explanation;
use serde::Serialize;
use std::cell::Cell;
use std::io::{self, Write};

/// The JSON document printer.
#[derive(Default)]
pub struct Json {
    /// Fleet: no host written yet (the separator before the next one).
    first: Cell<bool>,
}

#[derive(Serialize)]
struct Document<'a> {
    tool: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    cards: &'a [Card],
    results: AllResults<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    explanations: &'a [Explanation],
    summary: &'a Summary,
    diagnostics: &'a [Diagnostic],
    errors: Vec<ErrorRecord>,
    complete: bool,
}

/// Every IOC's result, the clean ones built as they are written.
struct AllResults<'a>(&'a ScanOutput<'a>);

impl Serialize for AllResults<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.report.all_results(&self.0.loaded.ruleset))
    }
}

impl Printer for Json {
    fn print(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()> {
        let doc = Document {
            tool: tool(),
            host: scan.report.host.as_deref(),
            cards: &scan.report.cards,
            results: AllResults(scan),
            explanations: &scan.report.explanations,
            summary: &scan.report.summary,
            diagnostics: &scan.loaded.diagnostics,
            errors: error_records(scan),
            complete: scan.report.complete,
        };
        write_json(out, &doc, true)?;
        out.write_all(b"\n")
    }
}

/// The end of a fleet document, after `hosts`.
#[derive(Serialize)]
struct FleetEnd<'a> {
    summary: &'a FleetSummary,
    diagnostics: &'a [Diagnostic],
    errors: Vec<ErrorRecord>,
    complete: bool,
}

/// A fleet prints `{tool, hosts: [...], summary, diagnostics, errors, complete}`, each host
/// written as soon as it is done: the document is streamed, never held whole.
impl FleetPrinter for Json {
    fn begin_fleet(&self, out: &mut dyn Write, _: &LoadedRuleset) -> io::Result<()> {
        write!(out, "{{\n  \"tool\": ")?;
        serde_json::to_writer(&mut *out, &tool()).map_err(io::Error::other)?;
        write!(out, ",\n  \"hosts\": [")?;
        self.first.set(true);
        Ok(())
    }

    fn host(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()> {
        // The library's shape of a host (the Python package returns the same).
        let doc = HostDocument::of(scan.report);
        out.write_all(if self.first.replace(false) { b"\n" } else { b",\n" })?;
        write_json(out, &doc, false)
    }

    fn end_fleet(&self, out: &mut dyn Write, fleet: &FleetOutput<'_>) -> io::Result<()> {
        let end = FleetEnd {
            summary: &fleet.report.summary,
            diagnostics: &fleet.loaded.diagnostics,
            errors: fleet.report.problems.iter().map(problem_record).collect(),
            complete: fleet.report.complete,
        };
        // The end's members follow `hosts` in the same object.
        let text = serde_json::to_string_pretty(&end).map_err(io::Error::other)?;
        let members = text.trim_start_matches('{').trim_end_matches('}').trim();
        write!(out, "\n  ],\n  {members}\n}}\n")
    }
}
