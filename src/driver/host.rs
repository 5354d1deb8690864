//! [`scan_host`]: the live host, collected and evaluated in one pass.
//!
//! Files stream from the walker straight into the evaluator and are never stored (each walked
//! file is evaluated as a FileItem and, when the ruleset needs it, as a fileWriteEvent: one
//! entry, one lazy read); the other kinds are collected as lists, one task per source group
//! ([`collect::groups`]: the process family shares one `/proc` pass), then evaluated.
//! Nothing is written.

use super::tally::Tally;
use super::{in_pool, needed_kinds, report, DriverError, ScanOptions, ScanReport};
use crate::collect::content::ContentProbes;
use crate::collect::file::{self, FileEntry, FileSink, FileStats, WriteEvent};
use crate::collect::{self, CollectError};
use crate::compile::Ruleset;
use crate::eval::Scanner;
use crate::item::ItemKind;
use std::sync::atomic::{AtomicBool, Ordering};

/// Feeds walked files to the evaluator.
struct ScanSink<'a, 'r> {
    scanner: &'a Scanner<'r>,
    tally: &'a Tally,
    cancel: &'a AtomicBool,
    /// Evaluate each file as a FileItem.
    files: bool,
    /// Evaluate each file as a fileWriteEvent too.
    writes: bool,
}

impl FileSink for ScanSink<'_, '_> {
    fn file(&self, entry: &FileEntry) {
        if self.files {
            self.scanner.scan_item(entry);
        }
        if self.writes {
            self.scanner.scan_item(&WriteEvent(entry));
        }
        if let Some((_, bytes, _)) = entry.hash_report() {
            self.tally.hashed(bytes);
        }
        if self.files {
            self.tally.scanned(self.scanner, ItemKind::File, 1);
        }
        if self.writes {
            self.tally.scanned(self.scanner, ItemKind::FileWriteEvent, 1);
        }
    }

    fn error(&self, error: CollectError) {
        self.tally.error(error);
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Scans the live host: collects what `ruleset` needs (within `options`) and evaluates it.
///
/// Fails only when the options are invalid (a bad exclude pattern), before anything is
/// collected; every per-item problem is in the report.
pub fn scan_host(ruleset: &Ruleset, options: &ScanOptions) -> Result<ScanReport, DriverError> {
    let kinds = needed_kinds(ruleset, options);
    let fields = ruleset.requirements().fields;
    // String conditions are searched in the bytes read: the collectors need the ruleset's.
    let probes = ContentProbes::of(ruleset);
    // Compiled before anything is collected, so that a typo fails at once.
    let walk = kinds.iter().any(|&k| collect::walked(k));
    let excludes = if walk { Some(options.files.compile_excludes()?) } else { None };
    let tally = Tally::new(options.progress.clone());
    let scanner = super::scanner(ruleset, options, |k| kinds.contains(&k) && collect::available(k));
    let mut file_stats = FileStats::default();
    in_pool(options.threads, || {
        rayon::scope(|scope| {
            for group in collect::groups(&kinds) {
                let (scanner, tally, probes) = (&scanner, &tally, &probes);
                let max_hash_bytes = options.files.max_hash_bytes;
                scope.spawn(move |_| {
                    if options.cancelled() {
                        return;
                    }
                    for (kind, collected) in
                        collect::collect_group(&group, &fields, max_hash_bytes, probes)
                    {
                        tally.errors(collected.errors);
                        scanner.scan_items(&collected.items);
                        tally.scanned(scanner, kind, collected.items.len() as u64);
                    }
                });
            }
            if let (Some(excludes), false) = (&excludes, options.cancelled()) {
                let sink = ScanSink {
                    scanner: &scanner,
                    tally: &tally,
                    cancel: &options.cancel,
                    files: kinds.contains(&ItemKind::File),
                    writes: kinds.contains(&ItemKind::FileWriteEvent),
                };
                file_stats = file::walk_with(&options.files, excludes, &fields, &probes, &sink);
            }
        });
    });
    tally.report(true);
    let report = report(ruleset, scanner, &tally, file_stats, !options.cancelled());
    Ok(ScanReport { host: crate::collect::host_name(), ..report })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::file::FileOptions;
    use crate::driver::Progress;
    use std::sync::{Arc, Mutex};

    #[test]
    fn final_progress_counts_hashed_bytes_and_matches() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir(&tree).unwrap();
        std::fs::write(tree.join("a.txt"), b"").unwrap();
        std::fs::write(tree.join("b.txt"), b"12345").unwrap();
        let ioc = dir.path().join("empty.ioc");
        std::fs::write(
            &ioc,
            "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"p\"><definition>\
             <Indicator operator=\"OR\"><IndicatorItem condition=\"is\"><Context \
             document=\"FileItem\" search=\"FileItem/Md5sum\"/>\
             <Content>d41d8cd98f00b204e9800998ecf8427e</Content></IndicatorItem></Indicator>\
             </definition></ioc>",
        )
        .unwrap();
        let loaded = crate::load::load_ruleset(&[&ioc]);
        let last = Arc::new(Mutex::new(Progress::default()));
        let keep = last.clone();
        let options = ScanOptions {
            kinds: vec![ItemKind::File],
            files: FileOptions { roots: vec![tree], ..FileOptions::default() },
            progress: Some(Arc::new(move |p: &Progress| *keep.lock().unwrap() = p.clone())),
            ..ScanOptions::default()
        };
        let report = scan_host(&loaded.ruleset, &options).unwrap();
        assert_eq!(report.cards.len(), 1);
        let last = last.lock().unwrap().clone();
        assert_eq!((last.files, last.bytes_hashed, last.matches), (2, 5, 1));
    }

    #[test]
    fn omitted_clean_results_are_still_counted() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir(&tree).unwrap();
        std::fs::write(tree.join("a.txt"), b"").unwrap();
        let ioc = |name: &str, md5: &str| {
            let path = dir.path().join(format!("{name}.ioc"));
            let xml = format!(
                "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"{name}\"><definition>\
                 <Indicator operator=\"OR\"><IndicatorItem condition=\"is\"><Context \
                 document=\"FileItem\" search=\"FileItem/Md5sum\"/>\
                 <Content>{md5}</Content></IndicatorItem></Indicator></definition></ioc>"
            );
            std::fs::write(&path, xml).unwrap();
            path
        };
        let hit = ioc("hit", "d41d8cd98f00b204e9800998ecf8427e");
        let miss = ioc("miss", "00000000000000000000000000000000");
        let loaded = crate::load::load_ruleset(&[&hit, &miss]);
        let options = |omit| ScanOptions {
            kinds: vec![ItemKind::File],
            files: FileOptions { roots: vec![tree.clone()], ..FileOptions::default() },
            omit_clean_results: omit,
            ..ScanOptions::default()
        };
        let all = scan_host(&loaded.ruleset, &options(false)).unwrap();
        let ids = |r: &ScanReport| r.results.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&all), ["hit", "miss"]);
        let some = scan_host(&loaded.ruleset, &options(true)).unwrap();
        assert_eq!(ids(&some), ["hit"]);
        assert_eq!(some.summary.verdicts.clean, 1);
        assert_eq!(some.summary.verdicts.detected, 1);
        // Every result again, the omitted clean one rebuilt in its place.
        let rebuilt: Vec<_> = some.all_results(&loaded.ruleset).map(|r| r.into_owned()).collect();
        assert_eq!(rebuilt, all.results);
        let same: Vec<_> = all.all_results(&loaded.ruleset).map(|r| r.into_owned()).collect();
        assert_eq!(same, all.results);
    }
}
