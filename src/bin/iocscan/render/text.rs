//! `--format text`: a readable card per detected IOC, then the summary.
//!
//! ```text
//! DETECTED  d0000000-0000-4000-8000-000000000001  Demo: iocscan marker file
//!   file: ioc-samples/demo/demo-marker-file.ioc (OpenIOC 1.1)
//!   AND at 13:5 [d0000000-0000-4000-8000-000000000010] on FileItem, 1 object
//!     - FileItem/FileName is iocscan-demo-marker.txt
//!     object: FullPath=ioc-samples/demo/iocscan-demo-marker.txt SizeInBytes=118 ...
//!       observed FileItem/FileName: iocscan-demo-marker.txt
//! ```
//!
//! For several hosts, each host is a block headed `== HOST` with its cards, verdicts and
//! summary, and a fleet summary ends the output.
//!
//! Diagnostics and collection problems are not printed here: the command prints them on
//! stderr, so that stdout holds only the cards and the summary.

use super::{escape_path, verdicts, FleetOutput, FleetPrinter, Printer, ScanOutput};
use crate::common::bytes_text;
use iocscan::card::{Card, MatchedBranch, MatchedObject};
use iocscan::driver::{FleetSummary, Summary};
use iocscan::item::{ItemKind, Value};
use iocscan::load::LoadedRuleset;
use iocscan::terms::Grade;
use std::io::{self, Write};

/// The text printer.
pub struct Text;

impl Printer for Text {
    fn print(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()> {
        for card in &scan.report.cards {
            print_card(out, card)?;
            writeln!(out)?;
        }
        if scan.report.cards.is_empty() {
            writeln!(out, "No IOC detected.")?;
            writeln!(out)?;
        }
        for e in &scan.report.explanations {
            verdicts::print_explanation(out, e)?;
            writeln!(out)?;
        }
        if scan.list_results {
            verdicts::print_results(out, scan.report.all_results(&scan.loaded.ruleset))?;
            writeln!(out)?;
        }
        // A fleet's hosts list only the IOCs that are not clean: the summary counts them all.
        let v = &scan.report.summary.verdicts;
        let omitted =
            (v.detected + v.undetermined + v.clean).saturating_sub(scan.report.results.len());
        verdicts::print_verdicts(out, &scan.report.results, omitted)?;
        print_summary(out, &scan.report.summary, scan.report.complete)
    }
}

impl FleetPrinter for Text {
    fn begin_fleet(&self, _: &mut dyn Write, _: &LoadedRuleset) -> io::Result<()> {
        Ok(())
    }

    fn host(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()> {
        writeln!(out, "== {}", one_line(scan.report.host.as_deref().unwrap_or_default()))?;
        self.print(out, scan)?;
        writeln!(out)
    }

    fn end_fleet(&self, out: &mut dyn Write, fleet: &FleetOutput<'_>) -> io::Result<()> {
        print_fleet_summary(out, &fleet.report.summary, fleet.report.complete)
    }
}

/// The fleet summary block, after every host.
pub fn print_fleet_summary(
    out: &mut dyn Write,
    s: &FleetSummary,
    complete: bool,
) -> io::Result<()> {
    writeln!(
        out,
        "Fleet: {} host{}, {} with detections, {} undetermined, {} clean; {} detection{} of {} IOC{} loaded",
        s.hosts,
        plural(s.hosts as u64),
        s.hosts_detected,
        s.hosts_undetermined,
        s.hosts - s.hosts_detected - s.hosts_undetermined,
        s.detections,
        plural(s.detections as u64),
        s.iocs_loaded,
        plural(s.iocs_loaded as u64)
    )?;
    writeln!(
        out,
        "  items evaluated: {} from {} source{}, problems: {}, time: {:.2} s",
        s.items,
        s.sources,
        plural(s.sources as u64),
        s.problems,
        s.elapsed_seconds
    )?;
    if !complete {
        writeln!(out, "  INCOMPLETE: the scan was cancelled before it ended")?;
    }
    Ok(())
}

/// One card.
pub fn print_card(out: &mut dyn Write, card: &Card) -> io::Result<()> {
    let m = &card.metadata;
    write!(out, "DETECTED  {}", card.id)?;
    if let Some(short) = &m.short_description {
        write!(out, "  {short}")?;
    }
    writeln!(out)?;
    let version = card.version.as_str();
    writeln!(out, "  file: {} (OpenIOC {version})", escape_path(&card.file))?;
    let fields = [
        ("description", &m.description),
        ("author", &m.authored_by),
        ("authored", &m.authored_date),
        ("modified", &m.last_modified),
        ("keywords", &m.keywords),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            writeln!(out, "  {label}: {}", one_line(value))?;
        }
    }
    for link in &m.links {
        let rel = link.rel.as_deref().unwrap_or("link");
        writeln!(out, "  {rel}: {}", one_line(&link.value))?;
    }
    let mut previous: Option<&MatchedBranch> = None;
    for branch in &card.branches {
        // An Indicator mixing documents is one host-wide branch plus one item-scoped group per
        // document, all at the Indicator's position: the groups read as parts of it.
        let part_of_previous = branch.kind.is_some()
            && previous.is_some_and(|p| p.kind.is_none() && p.position == branch.position);
        print_branch(out, branch, part_of_previous)?;
        previous = Some(branch);
    }
    Ok(())
}

fn print_branch(out: &mut dyn Write, b: &MatchedBranch, part_of_previous: bool) -> io::Result<()> {
    let mut pad = "  ".repeat(b.depth as usize + 1);
    let objects = |b: &MatchedBranch| {
        let s = if b.total_objects == 1 { "" } else { "s" };
        format!("{} object{s}", b.total_objects)
    };
    if let (true, Some(kind)) = (part_of_previous, b.kind) {
        pad.push_str("  ");
        writeln!(out, "{pad}{kind} conditions, {}", objects(b))?;
    } else {
        write!(out, "{pad}{} at {}", b.operator, b.position)?;
        if let Some(id) = &b.indicator_id {
            write!(out, " [{id}]")?;
        }
        if let Some(kind) = b.kind {
            write!(out, " on {kind}, {}", objects(b))?;
        }
        writeln!(out)?;
    }
    for c in &b.conditions {
        write!(out, "{pad}  - {}", one_line(&c.text))?;
        if let Some(comment) = &c.comment {
            write!(out, "  # {}", one_line(comment))?;
        }
        writeln!(out)?;
    }
    for object in &b.objects {
        print_object(out, &pad, object)?;
    }
    let shown = b.objects.len() as u64;
    if b.total_objects > shown {
        writeln!(out, "{pad}  ... and {} more objects", b.total_objects - shown)?;
    }
    Ok(())
}

fn print_object(out: &mut dyn Write, pad: &str, object: &MatchedObject) -> io::Result<()> {
    write!(out, "{pad}  object:")?;
    if let Some(record) = object.item.record() {
        // A recorded event: when and from where, before its values.
        if let Some(time) = record.time {
            write!(out, " time={}", value_text(&Value::Date(time)))?;
        }
        if let Some(source) = &record.source {
            write!(out, " source={}", one_line(source))?;
        }
    }
    for (field, value) in object.item.values().filter(|(f, _)| f.term().card) {
        // The kind is on the branch line; the short name keeps the line readable.
        let name = field.name().split_once('/').map_or(field.name(), |(_, rest)| rest);
        write!(out, " {name}={}", value_text(value))?;
    }
    writeln!(out)?;
    for e in &object.evidence {
        write!(out, "{pad}    observed {}: {}", e.term, value_text(&e.observed))?;
        if e.grade != Grade::Exact {
            // A state scan standing in for an event: say how far to trust it.
            write!(out, " ({}, from the host's state)", e.grade.as_str())?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// A value as one line of text: its `Display` (lists as `[a, b]`, addresses canonical).
fn value_text(value: &Value) -> String {
    one_line(&value.to_string())
}

/// `text` with control characters (newlines in descriptions, escapes in hostile values)
/// shown escaped, so that one value never spans or rewrites terminal lines.
pub fn one_line(text: &str) -> String {
    let text = text.trim();
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

/// The summary block.
pub fn print_summary(out: &mut dyn Write, s: &Summary, complete: bool) -> io::Result<()> {
    writeln!(
        out,
        "Summary: {} IOC{} loaded, {} detected, {} unsupported item{}",
        s.iocs_loaded,
        plural(s.iocs_loaded as u64),
        s.detected,
        s.unsupported_items,
        plural(s.unsupported_items as u64)
    )?;
    if !s.items.is_empty() {
        let parts: Vec<String> = s.items.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(out, "  items evaluated: {}", parts.join(", "))?;
    }
    let f = &s.files;
    if f.files > 0 || f.directories > 0 {
        writeln!(
            out,
            "  files: {} walked in {} folder{}, {} hashed ({} read), {} excluded, {} mounts skipped",
            f.files,
            f.directories,
            plural(f.directories),
            f.hashed,
            bytes_text(f.bytes_read),
            f.excluded,
            f.skipped_mounts
        )?;
    }
    for (kind, span) in &s.recorded {
        let time = |t: &Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or("?".to_string(), |t| value_text(&Value::Date(t)))
        };
        writeln!(
            out,
            "  recorded {kind}: {} record{} from {} to {}",
            span.records,
            plural(span.records),
            time(&span.first),
            time(&span.last)
        )?;
    }
    let kinds =
        |kinds: &[ItemKind]| kinds.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ");
    if !s.state_events.is_empty() {
        writeln!(
            out,
            "  state scan ({}): events that left no present state are not covered",
            kinds(&s.state_events)
        )?;
    }
    if !s.not_collected.is_empty() {
        writeln!(
            out,
            "  not collected: {} (the IOCs ask for them; their conditions are unknown)",
            kinds(&s.not_collected)
        )?;
    }
    writeln!(
        out,
        "  not evaluated: {}, errors: {}, time: {:.2} s",
        s.not_evaluated, s.errors, s.elapsed_seconds
    )?;
    if !complete {
        writeln!(out, "  INCOMPLETE: the scan was cancelled before it ended")?;
    }
    Ok(())
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iocscan::card::{CardMetadata, Evidence, MatchedCondition};
    use iocscan::item::{Item, ItemKind};
    use iocscan::model::Version;
    use iocscan::source::Position;
    use iocscan::terms::Field;

    fn card() -> Card {
        let item = Item::new(ItemKind::File)
            .with(Field::FileFullPath, "/tmp/evil.exe")
            .with(Field::FileFileName, "evil.exe")
            .with(Field::FileSizeInBytes, 12);
        Card {
            id: "ioc-1".into(),
            file: "x/a.ioc".into(),
            version: Version::V1_1,
            metadata: CardMetadata {
                short_description: Some("Evil file".into()),
                description: Some("line one\nline two".into()),
                ..CardMetadata::default()
            },
            branches: vec![MatchedBranch {
                indicator_id: Some("i1".into()),
                operator: "AND".into(),
                position: Position::new(9, 5),
                depth: 0,
                kind: Some(ItemKind::File),
                conditions: vec![MatchedCondition {
                    item_id: Some("c1".into()),
                    position: Position::new(10, 7),
                    text: "FileItem/FileName is evil.exe".into(),
                    comment: Some("dropper".into()),
                }],
                objects: vec![MatchedObject {
                    item,
                    evidence: vec![Evidence {
                        item_id: Some("c1".into()),
                        term: "FileItem/FileName",
                        observed: Value::from("evil.exe"),
                        grade: iocscan::terms::Grade::Exact,
                    }],
                }],
                total_objects: 3,
            }],
        }
    }

    #[test]
    fn card_shows_identity_conditions_objects_and_evidence() {
        let mut out = Vec::new();
        print_card(&mut out, &card()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let expected = "\
DETECTED  ioc-1  Evil file
  file: x/a.ioc (OpenIOC 1.1)
  description: line one\\nline two
  AND at 9:5 [i1] on FileItem, 3 objects
    - FileItem/FileName is evil.exe  # dropper
    object: FullPath=/tmp/evil.exe SizeInBytes=12
      observed FileItem/FileName: evil.exe
    ... and 2 more objects
";
        assert_eq!(text, expected);
    }

    #[test]
    fn groups_of_a_mixed_indicator_read_as_its_parts() {
        let mut card = card();
        let group = card.branches[0].clone();
        let host_wide = MatchedBranch {
            kind: None,
            conditions: Vec::new(),
            objects: Vec::new(),
            total_objects: 0,
            ..group.clone()
        };
        card.branches = vec![host_wide, group];
        let mut out = Vec::new();
        print_card(&mut out, &card).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                "  AND at 9:5 [i1]\n    FileItem conditions, 3 objects\n      - FileItem/"
            ),
            "{text}"
        );
    }

    #[test]
    fn summary_mentions_incomplete_scans() {
        let mut s = Summary { iocs_loaded: 1, detected: 1, ..Summary::default() };
        s.items.insert(ItemKind::Process, 7);
        let mut out = Vec::new();
        print_summary(&mut out, &s, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("Summary: 1 IOC loaded, 1 detected, 0 unsupported items\n"));
        assert!(text.contains("items evaluated: ProcessItem 7"), "{text}");
        assert!(text.contains("INCOMPLETE"), "{text}");
        assert!(!text.contains("files:"), "{text}");
    }

    #[test]
    fn empty_scans_say_so() {
        let loaded = iocscan::load::load_ruleset::<&str>(&[]);
        let report = iocscan::driver::ScanReport { complete: true, ..Default::default() };
        let scan =
            ScanOutput { loaded: &loaded, report: &report, snapshot: None, list_results: false };
        let mut out = Vec::new();
        Text.print(&mut out, &scan).unwrap();
        let text = String::from_utf8(out).unwrap();
        // The verdict counts say what "nothing detected" covers, before the summary.
        let verdicts = "No IOC detected.\n\nVerdicts of 0 IOCs:\n  0 detected\n";
        assert!(text.starts_with(verdicts), "{text}");
        assert!(text.contains("  0 clean\nSummary: 0 IOCs loaded"), "{text}");
    }

    #[test]
    fn values_print_as_conditions_search_them() {
        // The bug: `contains "10.0."` matched the canonical text `10.0.0.1` while the card
        // printed `::ffff:10.0.0.1`.
        let mapped = Value::Ip("::ffff:10.0.0.1".parse().unwrap());
        assert_eq!(value_text(&mapped), "10.0.0.1");
        let list = Value::List(vec![Value::from("a\nb"), mapped]);
        assert_eq!(value_text(&list), "[a\\nb, 10.0.0.1]");
    }
}
