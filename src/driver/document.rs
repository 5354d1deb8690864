//! The per-host document of the machine-readable output: what `iocscan scan --format json`
//! prints for each host of a fleet (`hosts[]`), and what the Python package returns for each
//! host, built from a [`ScanReport`].
//!
//! ```text
//! {"host": "web1", "cards": [..], "results": [..not clean..], "explanations"?: [..],
//!  "summary": {..}, "errors": [{"kind"?, "subject", "message", "reason"?}]}
//! ```
//!
//! `schema/output.schema.json` is the contract (`hostReport`). This module only shapes and
//! serialises (serde); it decides nothing, and prints nothing.

use super::fleet::SourceProblem;
use super::{ScanReport, Summary};
use crate::card::Card;
use crate::collect::Reason;
use crate::item::ItemKind;
use crate::path_text::escape_owned;
use crate::verdict::{Explanation, IocResult, Verdict};
use serde::Serialize;
use std::path::Path;

/// One host of a fleet document, borrowed from its [`ScanReport`]: serialise it (serde) to
/// get exactly the output's `hosts[]` entry.
#[derive(Debug, Serialize)]
pub struct HostDocument<'a> {
    /// The host (empty when the report names none).
    pub host: &'a str,
    /// One card per detected IOC, in ruleset order.
    pub cards: &'a [Card],
    /// The IOCs that are not clean, in ruleset order ([`listed_results`]).
    pub results: Vec<&'a IocResult>,
    /// The explained IOCs (absent from the JSON when none).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub explanations: &'a [Explanation],
    /// The host's counters.
    pub summary: &'a Summary,
    /// The host's kept problems ([`ErrorRecord::of_report`]).
    pub errors: Vec<ErrorRecord>,
}

impl<'a> HostDocument<'a> {
    /// The document of one host of a fleet scan. Problems with the host's sources (files that
    /// cannot be read, skipped lines) belong to the fleet ([`SourceProblem`]), not here.
    pub fn of(report: &'a ScanReport) -> Self {
        HostDocument {
            host: report.host.as_deref().unwrap_or_default(),
            cards: &report.cards,
            results: listed_results(&report.results).collect(),
            explanations: &report.explanations,
            summary: &report.summary,
            errors: ErrorRecord::of_report(report, None),
        }
    }

    /// The document as compact JSON (as the output prints it).
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising to a string cannot fail.
        serde_json::to_string(self).unwrap_or_else(|e| unreachable!("host document: {e}"))
    }
}

/// The results a fleet's machine-readable output lists per host: the IOCs that are not
/// clean (the clean ones are counted in the host's `summary.verdicts`), so that the output
/// grows with what was found, not with hosts x IOCs.
pub fn listed_results(results: &[IocResult]) -> impl Iterator<Item = &IocResult> {
    results.iter().filter(|r| r.verdict != Verdict::Clean)
}

/// A collection problem, a skipped snapshot line or a source problem, as outputs show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    /// The item kind being collected (absent for snapshot lines and sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ItemKind>,
    /// What it is about: a path, `pid 12`, `snapshot.jsonl:7`.
    pub subject: String,
    /// What went wrong.
    pub message: String,
    /// What went wrong, typed (absent for snapshot lines and sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

impl ErrorRecord {
    /// Every kept problem of a scan, collection problems first; skipped lines are named
    /// `snapshot:line` after the snapshot scanned.
    pub fn of_report(report: &ScanReport, snapshot: Option<&Path>) -> Vec<ErrorRecord> {
        let collect = report.errors.iter().map(|e| ErrorRecord {
            kind: Some(e.kind),
            subject: e.subject.to_string(),
            message: e.message.clone(),
            reason: Some(e.reason),
        });
        let snapshot = snapshot.map(|p| escape_owned(p.as_os_str())).unwrap_or_default();
        let lines = report.snapshot_errors.iter().map(|e| ErrorRecord {
            kind: None,
            subject: format!("{snapshot}:{}", e.line),
            message: e.message.clone(),
            reason: None,
        });
        collect.chain(lines).collect()
    }
}

/// A source problem (`subject` is `file` or `file:line`).
impl From<&SourceProblem> for ErrorRecord {
    fn from(p: &SourceProblem) -> Self {
        let path = escape_owned(p.path.as_os_str());
        ErrorRecord {
            kind: None,
            subject: match p.line {
                Some(line) => format!("{path}:{line}"),
                None => path,
            },
            message: p.message.clone(),
            reason: None,
        }
    }
}

impl std::fmt::Display for ErrorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Some(kind) => write!(f, "{kind}: {}: {}", self.subject, self.message),
            None => write!(f, "{}: {}", self.subject, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::IocResult;

    #[test]
    fn keys_in_output_order_and_clean_results_left_out() {
        let mut report = ScanReport { host: Some("web1".into()), ..ScanReport::default() };
        let result = |id: &str, verdict| IocResult {
            id: id.into(),
            file: "a.ioc".into(),
            verdict,
            objects: 0,
            reasons: Vec::new(),
        };
        report.results =
            vec![result("clean", Verdict::Clean), result("unsure", Verdict::Undetermined)];
        let text = HostDocument::of(&report).to_json();
        let at = |key: &str| text.find(&format!("\"{key}\":")).expect(key);
        let order = ["host", "cards", "results", "summary", "errors"].map(at);
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(!text.contains("explanations"), "{text}");
        let json: serde_json::Value = serde_json::from_str(&text).expect("a host document is JSON");
        assert_eq!(json["results"].as_array().unwrap().len(), 1);
        assert_eq!(json["results"][0]["id"], "unsure");
    }
}
