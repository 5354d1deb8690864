//! Criterion benchmarks of the file collector over a generated tree (warm page cache):
//! walk only (names, path, size) and walk + SHA-256 of every file.
//!
//! `cargo bench --bench file_scan`. Cross-tool ratios (against a minimal rayon + sha2 reader,
//! `sha256sum`, and the full `iocscan scan`) are measured by `benches/compare.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use iocscan::collect::file::{walk, FileEntry, FileOptions, FileSink, FileStats};
use iocscan::collect::CollectError;
use iocscan::item::{ItemView, Lookup};
use iocscan::terms::{Field, FieldSet};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Files in the generated tree and their spread.
const FILES: usize = 6_000;
const FILES_PER_DIR: usize = 15;

/// Looks up `field` on every file, as an evaluator with one term would.
struct Sink {
    field: Field,
    values: AtomicU64,
}

impl FileSink for Sink {
    fn file(&self, entry: &FileEntry) {
        if let Lookup::Value(v) = entry.lookup(self.field) {
            black_box(v);
            self.values.fetch_add(1, Relaxed);
        }
    }
    fn error(&self, error: CollectError) {
        black_box(error);
    }
}

/// A deterministic tree: many small files, some medium, a few of a few MB (~60 MiB in all).
fn make_tree(root: &Path) -> std::io::Result<u64> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut total = 0;
    let mut dirs = vec![root.to_path_buf()];
    for i in 0..FILES / FILES_PER_DIR {
        let parent = dirs[(next() as usize) % dirs.len()].clone();
        let dir = parent.join(format!("d{i}"));
        std::fs::create_dir(&dir)?;
        dirs.push(dir);
    }
    for i in 0..FILES {
        let size = match next() % 1000 {
            0 => (1 << 20) + next() % (4 << 20),
            1..=25 => (32 << 10) + next() % (256 << 10),
            26..=250 => (4 << 10) + next() % (28 << 10),
            _ => next() % (4 << 10),
        };
        let content: Vec<u8> = (0..size).map(|_| next() as u8).collect();
        let dir = &dirs[(next() as usize) % dirs.len()];
        std::fs::write(dir.join(format!("f{i}.dat")), content)?;
        total += size;
    }
    Ok(total)
}

fn scan(root: &Path, fields: &[Field], field: Field) -> FileStats {
    let options = FileOptions { roots: vec![root.to_path_buf()], ..FileOptions::default() };
    let fields: FieldSet = fields.iter().copied().collect();
    let sink = Sink { field, values: AtomicU64::new(0) };
    match walk(&options, &fields, &sink) {
        Ok(stats) => stats,
        Err(e) => panic!("walk: {e}"),
    }
}

fn file_scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let bytes = make_tree(dir.path()).unwrap_or_else(|e| panic!("tree: {e}"));
    let root = dir.path();
    let mut group = c.benchmark_group("file_scan");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(FILES as u64));
    let names = [Field::FileFullPath, Field::FileFileName, Field::FileSizeInBytes];
    group.bench_function("walk_names_size", |b| {
        b.iter(|| scan(root, &names, Field::FileSizeInBytes))
    });
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("walk_sha256", |b| {
        b.iter(|| {
            let stats = scan(root, &[Field::FileSha256sum], Field::FileSha256sum);
            assert_eq!(stats.bytes_read, bytes);
            stats
        })
    });
    group.finish();
}

criterion_group!(benches, file_scan);
criterion_main!(benches);
