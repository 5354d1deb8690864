//! Hosts evaluated in parts elsewhere (the partitions of an engine such as Spark): a scan of
//! one host's items of one kind, to hand back as a [`Partial`]; and the partials of a host,
//! in any order, finished into the report a fleet scan gives that host.
//!
//! ```text
//! part_scan(ruleset, host, kind) ─▶ HostScan ─add items─▶ .partial().encode() ─▶ bytes
//! finish_partials(ruleset, host, [Partial]) ─▶ ScanReport (as scan_fleet's, per host)
//! ```
//!
//! A part says which kind it collected: the kinds the ruleset needs that no part of the host
//! collected are not collected (their conditions unknown), as for a snapshot without them.
//!
//! OCSF lake rows (any mix of event classes and hosts) go through [`ocsf_partials`]: the
//! import's own reader and mapping ([`crate::import::ocsf_parquet::read_batches`]) turn the
//! rows into items, one scan per host seen evaluates them, and each partial says which kinds
//! the rows provide, as an import's snapshot header would
//! ([`crate::import::header_kinds`]).
//!
//! Evaluation is [`crate::eval`]'s, reading the items is the caller's (or the importer's);
//! this only sets up the scans and builds the report.

use super::tally::Tally;
use super::{report_of, scanner, wanted_kinds, ScanOptions, ScanReport};
use crate::collect::file::FileStats;
use crate::collect::{CollectError, Reason, Subject};
use crate::compile::Ruleset;
use crate::eval::{HostScan, Partial, PartialError, Scanner};
use crate::import::{self, FileReport, Format, ItemSink};
use crate::item::{Item, ItemKind};
use arrow_array::RecordBatch;
use std::collections::{BTreeMap, BTreeSet};

/// A scan of `host`'s items of `kind` (one part of the host): the other kinds the ruleset
/// needs count as not collected by this part. Only items of `kind` may be added to it.
pub fn part_scan<'r>(ruleset: &'r Ruleset, host: &str, kind: ItemKind) -> HostScan<'r> {
    let options = ScanOptions::default();
    HostScan::from_scanner(scanner(ruleset, &options, |k| k == kind), host)
}

/// True when a scan with `ruleset` reads items of `kind` at all (what a fleet scan reads of a
/// snapshot); the items of other kinds cannot change any verdict, and are not counted.
pub fn reads_kind(ruleset: &Ruleset, kind: ItemKind) -> bool {
    wanted_kinds(ruleset).contains(&kind)
}

/// Merges the partials of `host` (any order: merging is associative and commutative) and
/// decides every IOC: the report [`super::scan_fleet`] gives the host when its items are
/// read in one place (its `results` list the IOCs that are not clean; its `errors` name the
/// needed kinds no part collected; `elapsed_seconds` is the time of this call, the parts'
/// time being spent elsewhere). Refused when a partial is of another host or ruleset, or
/// corrupt.
pub fn finish_partials(
    ruleset: &Ruleset,
    host: &str,
    partials: impl IntoIterator<Item = Partial>,
) -> Result<ScanReport, PartialError> {
    let tally = Tally::new(None);
    // The neutral part: nothing evaluated, nothing collected.
    let none = Scanner::new(ruleset).uncollected(wanted_kinds(ruleset));
    let mut merged = HostScan::from_scanner(none, host).partial();
    for p in partials {
        merged.merge(p)?;
    }
    let report = merged.finish(ruleset)?;
    for kind in ItemKind::ALL {
        let n = report.stats.items[kind.index()];
        if n > 0 {
            tally.count_items(kind, n);
        }
    }
    // "Nothing detected" over data that was never collected would mislead: say what is missing.
    for &kind in &report.not_collected {
        let message = format!(
            "no part of the host holds {kind} items (not collected): conditions on them were not \
             evaluated"
        );
        tally.error(CollectError::new(kind, Subject::source(host), Reason::NotCollected, message));
    }
    let not_collected = report.not_collected.clone();
    let files = FileStats { files: tally.items_of(ItemKind::File), ..FileStats::default() };
    let mut r = report_of(ruleset, not_collected, report.into_detection(), &tally, files, true);
    r.results.retain(|r| r.verdict != crate::verdict::Verdict::Clean);
    r.host = Some(host.to_owned());
    Ok(r)
}

/// The partial scans of the hosts some OCSF rows hold ([`ocsf_partials`]).
#[derive(Debug)]
pub struct OcsfPartials {
    /// One partial per host that some row gave an item to, in host order
    /// ([`Partial::host`]); each says the kinds of [`OcsfPartials::kinds`] were collected.
    pub partials: Vec<Partial>,
    /// The kinds the rows provide: every event kind whose class some row holds, and every
    /// inventory or evidence kind some row produced an item of (the header an import of the
    /// same rows writes). Rows elsewhere of the same dataset may provide more: a caller that
    /// splits a dataset makes the union of every part's kinds count on every host (a
    /// [`part_scan`] of the kind with no items says so), as one import of it would.
    pub kinds: Vec<ItemKind>,
    /// What the import's reader made of the rows: rows read, items by kind (those of rows
    /// without a host included), rows skipped by reason, values not converted, problems
    /// (rows without a host among them, bounded).
    pub report: FileReport,
}

/// Evaluates OCSF lake rows (record batches of OCSF events as a Parquet reader or an engine
/// decodes them: struct and list columns, any classes and hosts mixed, other columns
/// ignored) for `ruleset`, host by host: the same reader and mapping as `iocscan import
/// ocsf` of the same rows, so [`finish_partials`] of a host's partial gives the report a
/// snapshot scan of that import gives the host. Items of kinds the ruleset does not read
/// are counted in the report, not evaluated. Rows without a host are problems of the
/// report, never items of another host. Never fails: unusable columns are read as absent
/// values and every problem is in the report.
pub fn ocsf_partials(ruleset: &Ruleset, batches: &[RecordBatch]) -> OcsfPartials {
    let wanted = wanted_kinds(ruleset);
    let mut scans = HostScans { ruleset, wanted: &wanted, scans: BTreeMap::new() };
    let report = import::ocsf_parquet::read_batches(batches, &mut scans);
    let produced: BTreeSet<ItemKind> = report.items.keys().copied().collect();
    let kinds = import::header_kinds(Format::Ocsf, &report.events, &produced);
    let uncollected: Vec<ItemKind> =
        wanted.iter().copied().filter(|k| !kinds.contains(k)).collect();
    let partials = scans
        .scans
        .into_values()
        .map(|mut scan| {
            scan.set_uncollected(uncollected.iter().copied());
            scan.partial()
        })
        .collect();
    OcsfPartials { partials, kinds, report }
}

/// One scan per host the import hands items of.
struct HostScans<'r, 'w> {
    ruleset: &'r Ruleset,
    wanted: &'w [ItemKind],
    scans: BTreeMap<String, HostScan<'r>>,
}

impl ItemSink for HostScans<'_, '_> {
    fn put(&mut self, host: Option<&str>, item: Item) -> std::io::Result<()> {
        // `read_batches` hands on items of rows that name a host only.
        let Some(host) = host else { return Ok(()) };
        if !self.scans.contains_key(host) {
            // A host with items of unread kinds only still gets its report, as its snapshot.
            let scan = HostScan::from_scanner(Scanner::new(self.ruleset), host);
            self.scans.insert(host.to_owned(), scan);
        }
        if self.wanted.contains(&item.kind()) {
            if let Some(scan) = self.scans.get(host) {
                scan.add_item(host, &item).map_err(std::io::Error::other)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Item;
    use crate::terms::Field;

    fn ruleset() -> Ruleset {
        // A host-wide AND: a file and a process.
        let xml = br#"<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="both"><criteria>
          <Indicator operator="AND">
            <IndicatorItem condition="is"><Context document="FileItem" search="FileItem/FileName"/>
              <Content>evil.exe</Content></IndicatorItem>
            <IndicatorItem condition="is"><Context document="ProcessItem" search="ProcessItem/name"/>
              <Content>evil</Content></IndicatorItem>
          </Indicator></criteria></OpenIOC>"#;
        let doc = crate::parse::parse(std::path::Path::new("both.ioc"), xml).unwrap().document;
        crate::compile(&[doc]).0
    }

    fn part(ruleset: &Ruleset, host: &str, kind: ItemKind, items: &[Item]) -> Partial {
        let scan = part_scan(ruleset, host, kind);
        scan.add(host, items).unwrap();
        Partial::decode(&scan.partial().encode()).unwrap()
    }

    #[test]
    fn parts_of_two_kinds_in_any_order_detect_the_host_wide_and() {
        let rules = ruleset();
        let file = [Item::new(ItemKind::File).with(Field::FileFileName, "evil.exe")];
        let process = [Item::new(ItemKind::Process).with(Field::ProcessName, "evil")];
        let a = part(&rules, "web1", ItemKind::File, &file);
        let b = part(&rules, "web1", ItemKind::Process, &process);
        let one = finish_partials(&rules, "web1", [a.clone(), b.clone()]).unwrap();
        let other = finish_partials(&rules, "web1", [b, a.clone()]).unwrap();
        assert_eq!(one.cards.len(), 1);
        assert_eq!(one.cards, other.cards);
        assert!(one.summary.not_collected.is_empty());
        // Without the process part, the process kind was never collected: undetermined.
        let alone = finish_partials(&rules, "web1", [a.clone()]).unwrap();
        assert!(alone.cards.is_empty());
        assert_eq!(alone.summary.not_collected, [ItemKind::Process]);
        assert_eq!(alone.results.len(), 1);
        assert_eq!(alone.errors[0].reason, Reason::NotCollected);
        let wrong = finish_partials(&rules, "db1", [a]).unwrap_err();
        assert_eq!(wrong.code(), "partial-wrong-host");
    }
}
