//! [`scan_snapshot`]: the items of a saved snapshot, evaluated as if collected now.
//!
//! A JSON Lines file is read a line at a time and evaluated in batches; bad lines are counted
//! and the first ones kept. A Parquet snapshot folder of one host is read with the ruleset's
//! projection and evaluated by [`scan_host_items`], which also takes any one host's items
//! read elsewhere. The formats themselves are [`crate::snapshot`]'s.

use super::tally::Tally;
use super::{in_pool, needed_kinds, report, DriverError, ScanOptions, ScanReport};
use crate::collect::file::FileStats;
use crate::collect::{CollectError, Reason, Subject};
use crate::compile::Ruleset;
use crate::item::{Item, ItemKind};
use crate::limits::{MAX_REPORTED_SNAPSHOT_ERRORS, SNAPSHOT_BATCH_ITEMS};
use crate::snapshot::parquet::{HostItems, ParquetError, ParquetSnapshot, Projection, MANIFEST};
use crate::snapshot::SnapshotReader;
use std::path::Path;

/// Scans the items saved in the snapshot at `path` instead of the live host: a JSON Lines
/// file, or a Parquet snapshot folder holding one host ([`crate::snapshot::parquet`]).
///
/// Items of kinds the ruleset does not need (or `options` does not allow) are skipped; bad
/// lines are reported in [`ScanReport::snapshot_errors`] and skipped, bad Parquet rows,
/// columns and files in [`ScanReport::errors`]. Fails only when the file cannot be opened or
/// its header is missing or foreign ([`DriverError::Snapshot`]), or the folder is not a
/// Parquet snapshot of one host ([`DriverError::Parquet`]).
pub fn scan_snapshot(
    ruleset: &Ruleset,
    path: &Path,
    options: &ScanOptions,
) -> Result<ScanReport, DriverError> {
    if path.is_dir() {
        return scan_parquet(ruleset, path, options);
    }
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
    let needed = kind_flags(&kinds);
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

fn kind_flags(kinds: &[ItemKind]) -> [bool; ItemKind::COUNT] {
    let mut flags = [false; ItemKind::COUNT];
    kinds.iter().for_each(|k| flags[k.index()] = true);
    flags
}

/// Scans a Parquet snapshot folder of one host.
fn scan_parquet(
    ruleset: &Ruleset,
    dir: &Path,
    options: &ScanOptions,
) -> Result<ScanReport, DriverError> {
    let snapshot = ParquetSnapshot::open(dir)?;
    let several = |what: String| ParquetError::Open {
        path: dir.to_path_buf(),
        message: format!(
            "{what}: a folder without a `snapshot.json` header is scanned as one host (name \
             the folder that holds it to scan it host by host)"
        ),
    };
    if let Some(m) = snapshot.manifest().filter(|m| m.hosts.len() > 1) {
        return Err(several(format!("{} hosts in {}", m.hosts.len(), MANIFEST)).into());
    }
    let kinds = needed_kinds(ruleset, options);
    let projection = Projection::of_ruleset(ruleset).retain_kinds(|k| kinds.contains(&k));
    let mut hosts = snapshot.hosts(&projection);
    let open_errors = hosts.take_open_errors();
    let host = match hosts.next() {
        Some(host) => host,
        None => HostItems {
            host: String::new(),
            kinds: match snapshot.manifest() {
                Some(_) => Vec::new(),
                None => snapshot.kinds_with_files(),
            },
            items: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
        },
    };
    if let Some(second) = hosts.next() {
        return Err(several(format!("rows of hosts `{}` and `{}`", host.host, second.host)).into());
    }
    let mut report = scan_host_items(ruleset, host, dir, options);
    report.summary.errors += open_errors.len() as u64;
    let mut errors: Vec<CollectError> = open_errors.iter().map(collect_error).collect();
    errors.append(&mut report.errors);
    errors.truncate(crate::limits::MAX_REPORTED_COLLECT_ERRORS);
    report.errors = errors;
    Ok(report)
}

/// A Parquet problem as a collection problem of its kind, about its file.
fn collect_error(e: &ParquetError) -> CollectError {
    let reason = match e {
        ParquetError::File { .. } => Reason::NotCollected,
        _ => Reason::Other,
    };
    let subject = Subject::path(e.path().unwrap_or(Path::new("")));
    // Display names the path first: the message is what follows it.
    let text = e.to_string();
    let message = text.split_once(": ").map_or(text.as_str(), |(_, m)| m).to_owned();
    CollectError::new(e.kind().unwrap_or(ItemKind::File), subject, reason, message)
}

/// Scans one host's items, read from a snapshot (`source` names it in errors) or an
/// importer: [`HostItems::kinds`] says what was collected, so that conditions on the other
/// kinds the ruleset needs are not evaluated (and reported). Items of kinds the ruleset does
/// not need (or `options` does not allow) are skipped; the host's read problems are counted
/// and reported. Called from a rayon worker (hosts scanned in parallel), it runs on that
/// worker's pool and [`ScanOptions::threads`] is not used.
pub fn scan_host_items(
    ruleset: &Ruleset,
    host: HostItems,
    source: &Path,
    options: &ScanOptions,
) -> ScanReport {
    let kinds = needed_kinds(ruleset, options);
    let tally = Tally::new(options.progress.clone());
    for &kind in kinds.iter().filter(|k| !host.kinds.contains(k)) {
        let message = format!(
            "the snapshot holds no {kind} items (not collected): conditions on them were not \
             evaluated"
        );
        tally.error(CollectError::new(kind, Subject::path(source), Reason::NotCollected, message));
    }
    host.errors.iter().for_each(|e| tally.error(collect_error(e)));
    let needed = kind_flags(&kinds);
    let held = &host.kinds;
    let scanner = super::scanner(ruleset, options, |k| options.allows(k) && held.contains(&k));
    let work = || {
        for batch in host.items.chunks(SNAPSHOT_BATCH_ITEMS) {
            if options.cancelled() {
                break;
            }
            let wanted = |i: &&Item| needed[i.kind().index()];
            if batch.iter().all(|i| wanted(&i)) {
                scanner.scan_items(batch);
            } else {
                batch.iter().filter(wanted).for_each(|i| scanner.scan_item(i));
            }
            for item in batch.iter().filter(wanted) {
                tally.scanned(&scanner, item.kind(), 1);
            }
        }
    };
    // Hosts scanned in parallel already run on a pool's workers: a pool of its own per host
    // would only add threads (each with fresh allocator pages) to wait for.
    if rayon::current_thread_index().is_some() {
        work();
    } else {
        in_pool(options.threads, work);
    }
    tally.report(true);
    let files = FileStats { files: tally.items_of(ItemKind::File), ..FileStats::default() };
    let mut report = report(ruleset, scanner, &tally, files, !options.cancelled());
    report.summary.errors += host.error_count - host.errors.len() as u64;
    report.host = Some(host.host).filter(|h| !h.is_empty());
    report
}
