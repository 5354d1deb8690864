//! [`scan_snapshot`]: the items of a saved snapshot, evaluated as if collected now.
//!
//! Lines are read one at a time and evaluated in batches; bad lines are counted and the first
//! ones kept. The snapshot format itself is [`crate::snapshot`].

use super::tally::Tally;
use super::{in_pool, needed_kinds, report, DriverError, ScanOptions, ScanReport};
use crate::collect::file::FileStats;
use crate::collect::{CollectError, Reason, Subject};
use crate::compile::Ruleset;
use crate::item::{Item, ItemKind};
use crate::limits::{MAX_REPORTED_SNAPSHOT_ERRORS, SNAPSHOT_BATCH_ITEMS};
use crate::snapshot::SnapshotReader;
use std::path::Path;

/// Scans the items saved in the snapshot at `path` instead of the live host.
///
/// Items of kinds the ruleset does not need (or `options` does not allow) are skipped; bad
/// lines are reported in [`ScanReport::snapshot_errors`] and skipped. Fails only when the file
/// cannot be opened or its header is missing or foreign ([`DriverError::Snapshot`]).
pub fn scan_snapshot(
    ruleset: &Ruleset,
    path: &Path,
    options: &ScanOptions,
) -> Result<ScanReport, DriverError> {
    let mut reader = SnapshotReader::open(path)?;
    let host = reader.header().host.clone();
    let kinds = needed_kinds(ruleset, options);
    let tally = Tally::new(options.progress.clone());
    // "Nothing detected" over data that was never collected would mislead: say what is missing.
    for &kind in kinds.iter().filter(|k| !reader.header().kinds.contains(k)) {
        let message = format!(
            "the snapshot holds no {kind} items (not collected): conditions on them were not \
             evaluated"
        );
        tally.error(CollectError::new(kind, Subject::path(path), Reason::NotCollected, message));
    }
    let mut needed = [false; ItemKind::COUNT];
    kinds.iter().for_each(|k| needed[k.index()] = true);
    let held = &reader.header().kinds;
    let scanner = super::scanner(ruleset, options, |k| options.allows(k) && held.contains(&k));
    let mut line_errors = Vec::new();
    let mut skipped_lines: u64 = 0;
    let mut batch: Vec<Item> = Vec::with_capacity(SNAPSHOT_BATCH_ITEMS);
    in_pool(options.threads, || {
        let flush = |batch: &mut Vec<Item>| {
            scanner.scan_items(batch);
            for item in batch.iter() {
                tally.scanned(&scanner, item.kind(), 1);
            }
            batch.clear();
        };
        for next in reader.by_ref() {
            if options.cancelled() {
                break;
            }
            match next {
                Ok(item) if needed[item.kind().index()] => batch.push(item),
                Ok(_) => {}
                Err(e) => {
                    skipped_lines += 1;
                    if line_errors.len() < MAX_REPORTED_SNAPSHOT_ERRORS {
                        line_errors.push(e);
                    }
                }
            }
            if batch.len() >= SNAPSHOT_BATCH_ITEMS {
                flush(&mut batch);
            }
        }
        flush(&mut batch);
    });
    tally.report(true);
    let files = FileStats { files: tally.items_of(ItemKind::File), ..FileStats::default() };
    let mut report = report(ruleset, scanner, &tally, files, !options.cancelled());
    report.summary.errors += skipped_lines;
    report.host = host;
    report.snapshot_errors = line_errors;
    Ok(report)
}
