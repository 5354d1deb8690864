//! Running counters of one scan or collection, shared by the worker threads, and the
//! throttled progress callback fed from them. Nothing here collects or evaluates.

use super::{Progress, ProgressFn, PROGRESS_INTERVAL};
use crate::collect::CollectError;
use crate::eval::Scanner;
use crate::item::ItemKind;
use crate::limits::MAX_REPORTED_COLLECT_ERRORS;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// Running counters and kept problems.
pub(super) struct Tally {
    started: Instant,
    items: [AtomicU64; ItemKind::COUNT],
    errors: AtomicU64,
    bytes_hashed: AtomicU64,
    matches: AtomicU64,
    kept: Mutex<Vec<CollectError>>,
    /// Milliseconds since `started` of the last progress report.
    last_report: AtomicU64,
    progress: Option<ProgressFn>,
}

impl Tally {
    pub(super) fn new(progress: Option<ProgressFn>) -> Self {
        Tally {
            started: Instant::now(),
            items: Default::default(),
            errors: AtomicU64::new(0),
            bytes_hashed: AtomicU64::new(0),
            matches: AtomicU64::new(0),
            kept: Mutex::new(Vec::new()),
            last_report: AtomicU64::new(0),
            progress,
        }
    }

    /// Counts `n` items of `kind` handed on (to the evaluator or the snapshot).
    pub(super) fn count_items(&self, kind: ItemKind, n: u64) {
        self.items[kind.index()].fetch_add(n, Ordering::Relaxed);
        self.report(false);
    }

    /// Counts `n` items of `kind` just evaluated by `scanner`.
    pub(super) fn scanned(&self, scanner: &Scanner<'_>, kind: ItemKind, n: u64) {
        self.matches.fetch_max(scanner.matched_objects(), Ordering::Relaxed);
        self.count_items(kind, n);
    }

    /// Counts bytes of file content read for digests.
    pub(super) fn hashed(&self, bytes: u64) {
        self.bytes_hashed.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts one problem, keeping the first [`MAX_REPORTED_COLLECT_ERRORS`].
    pub(super) fn error(&self, error: CollectError) {
        let n = self.errors.fetch_add(1, Ordering::Relaxed);
        if (n as usize) < MAX_REPORTED_COLLECT_ERRORS {
            self.kept.lock().unwrap_or_else(PoisonError::into_inner).push(error);
        }
        self.report(false);
    }

    pub(super) fn errors(&self, errors: Vec<CollectError>) {
        errors.into_iter().for_each(|e| self.error(e));
    }

    /// Calls the progress callback when the interval has passed (or always with `force`).
    pub(super) fn report(&self, force: bool) {
        let Some(progress) = &self.progress else { return };
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.last_report.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= PROGRESS_INTERVAL.as_millis() as u64;
        let won = due
            && self
                .last_report
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        if force || won {
            progress(&self.progress());
        }
    }

    /// The counters as a [`Progress`] report.
    pub(super) fn progress(&self) -> Progress {
        let items = self.items.iter().map(|n| n.load(Ordering::Relaxed)).sum();
        Progress {
            files: self.items_of(ItemKind::File),
            items,
            errors: self.error_count(),
            bytes_hashed: self.bytes_hashed.load(Ordering::Relaxed),
            matches: self.matches.load(Ordering::Relaxed),
        }
    }

    /// Items of `kind` counted so far.
    pub(super) fn items_of(&self, kind: ItemKind) -> u64 {
        self.items[kind.index()].load(Ordering::Relaxed)
    }

    /// Problems counted so far (kept or not).
    pub(super) fn error_count(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Seconds since the tally was made.
    pub(super) fn elapsed_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Items counted per kind, kinds with none left out.
    pub(super) fn item_counts(&self) -> BTreeMap<ItemKind, u64> {
        ItemKind::ALL.into_iter().map(|k| (k, self.items_of(k))).filter(|(_, n)| *n > 0).collect()
    }

    /// The kept problems, sorted.
    pub(super) fn kept_errors(&self) -> Vec<CollectError> {
        let mut kept =
            std::mem::take(&mut *self.kept.lock().unwrap_or_else(PoisonError::into_inner));
        // Threads meet problems in any order; sorting makes reports comparable.
        kept.sort_by_cached_key(|e| (e.kind, e.subject.to_string(), e.message.clone()));
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::Subject;
    use std::sync::Arc;

    #[test]
    fn errors_are_counted_all_and_kept_capped() {
        let tally = Tally::new(None);
        for i in 0..MAX_REPORTED_COLLECT_ERRORS + 5 {
            let subject = Subject::path(format!("/{i}"));
            let reason = crate::collect::Reason::PermissionDenied;
            tally.error(CollectError::new(ItemKind::File, subject, reason, "denied"));
        }
        assert_eq!(tally.error_count(), MAX_REPORTED_COLLECT_ERRORS as u64 + 5);
        assert_eq!(tally.kept_errors().len(), MAX_REPORTED_COLLECT_ERRORS);
    }

    #[test]
    fn progress_is_throttled_but_forced_at_the_end() {
        let calls = Arc::new(AtomicU64::new(0));
        let seen = calls.clone();
        let callback: ProgressFn = Arc::new(move |_| {
            seen.fetch_add(1, Ordering::Relaxed);
        });
        let tally = Tally::new(Some(callback));
        for _ in 0..1000 {
            tally.count_items(ItemKind::Process, 1);
        }
        assert!(calls.load(Ordering::Relaxed) <= 2, "{}", calls.load(Ordering::Relaxed));
        tally.report(true);
        assert!(calls.load(Ordering::Relaxed) >= 1);
        assert_eq!(tally.progress().items, 1000);
        assert_eq!(tally.item_counts().get(&ItemKind::Process), Some(&1000));
    }
}
