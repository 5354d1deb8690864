//! `--format jsonl`: one JSON event per line, in this order: every `diagnostic` (printed
//! before the scan starts), every `card`, one `result` per loaded IOC, the `explanation`s
//! asked for, every `error`, then one `summary` (which carries `tool`, `host` and
//! `complete`).
//!
//! ```text
//! {"event":"diagnostic","severity":"warning","code":"W-bad-content",...}
//! {"event":"card","id":"...","file":"...","branches":[...],...}
//! {"event":"result","id":"...","file":"...","verdict":"undetermined","objects":0,"reasons":[...]}
//! {"event":"error","kind":"File","subject":"/root","message":"cannot read directory: ...","reason":"permission-denied"}
//! {"event":"summary","tool":"iocscan 0.1.0","complete":true,"iocs_loaded":3,...}
//! ```
//!
//! For several hosts, every event of a host carries `host` (cards, the results that are not
//! clean, explanations, errors, then its `summary`), host after host; the fleet's problems
//! follow as `error` events without `host`, then one `fleet` event (`tool`, `complete` and
//! the fleet summary).

use super::{error_records, fleet_results, problem_record, tool, write_json};
use super::{FleetOutput, FleetPrinter, Printer, ScanOutput};
use iocscan::driver::{FleetSummary, Summary};
use iocscan::load::LoadedRuleset;
use serde::Serialize;
use std::io::{self, Write};

/// The JSON Lines printer.
pub struct JsonLines;

#[derive(Serialize)]
struct Event<'a, T: Serialize> {
    event: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

#[derive(Serialize)]
struct SummaryEvent<'a> {
    tool: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    complete: bool,
    #[serde(flatten)]
    summary: &'a Summary,
}

fn line<T: Serialize>(out: &mut dyn Write, event: &'static str, body: &T) -> io::Result<()> {
    write_json(out, &Event { event, body }, false)?;
    out.write_all(b"\n")
}

impl Printer for JsonLines {
    /// The diagnostics, at once: a consumer sees them before a long scan ends.
    fn begin(&self, out: &mut dyn Write, loaded: &LoadedRuleset) -> io::Result<()> {
        for d in &loaded.diagnostics {
            line(out, "diagnostic", d)?;
        }
        out.flush()
    }

    fn print(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()> {
        for card in &scan.report.cards {
            line(out, "card", card)?;
        }
        for result in scan.report.all_results(&scan.loaded.ruleset) {
            line(out, "result", &*result)?;
        }
        for explanation in &scan.report.explanations {
            line(out, "explanation", explanation)?;
        }
        for e in error_records(scan) {
            line(out, "error", &e)?;
        }
        let summary = SummaryEvent {
            tool: tool(),
            host: scan.report.host.as_deref(),
            complete: scan.report.complete,
            summary: &scan.report.summary,
        };
        line(out, "summary", &summary)
    }
}

/// An event of one host of a fleet.
#[derive(Serialize)]
struct HostEvent<'a, T: Serialize> {
    event: &'static str,
    host: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

fn host_line<T: Serialize>(
    out: &mut dyn Write,
    event: &'static str,
    host: &str,
    body: &T,
) -> io::Result<()> {
    write_json(out, &HostEvent { event, host, body }, false)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct FleetEvent<'a> {
    tool: String,
    complete: bool,
    #[serde(flatten)]
    summary: &'a FleetSummary,
}

impl FleetPrinter for JsonLines {
    fn begin_fleet(&self, out: &mut dyn Write, loaded: &LoadedRuleset) -> io::Result<()> {
        self.begin(out, loaded)
    }

    fn host(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()> {
        let host = scan.report.host.as_deref().unwrap_or_default();
        for card in &scan.report.cards {
            host_line(out, "card", host, card)?;
        }
        for result in fleet_results(&scan.report.results) {
            host_line(out, "result", host, result)?;
        }
        for explanation in &scan.report.explanations {
            host_line(out, "explanation", host, explanation)?;
        }
        for e in error_records(scan) {
            host_line(out, "error", host, &e)?;
        }
        let summary = SummaryEvent {
            tool: tool(),
            host: None,
            complete: scan.report.complete,
            summary: &scan.report.summary,
        };
        host_line(out, "summary", host, &summary)
    }

    fn end_fleet(&self, out: &mut dyn Write, fleet: &FleetOutput<'_>) -> io::Result<()> {
        for p in &fleet.report.problems {
            line(out, "error", &problem_record(p))?;
        }
        let event = FleetEvent {
            tool: tool(),
            complete: fleet.report.complete,
            summary: &fleet.report.summary,
        };
        line(out, "fleet", &event)
    }
}
