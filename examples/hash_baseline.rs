//! The "physical limit" baseline for file scans: reads every regular file under a root once
//! and hashes it with SHA-256, with nothing else (no IOCs, no items, no policy).
//!
//! ```text
//! cargo run --release --example hash_baseline -- [--walk-only] [--collector] [--threads N] ROOT
//! ```
//!
//! Traversal: one rayon task per directory (`std::fs::read_dir`), one per file to hash, one
//! reused read buffer per thread. `--walk-only` instead takes one `lstat` per entry and reads
//! nothing: the baseline of a name/path/size-only scan. `--collector` does the same work
//! through iocscan's file collector (`collect::file::walk`, asking SHA-256, or name, path and
//! size with `--walk-only`), to measure the collector's own overhead against the baseline.
//! Prints `files`, `bytes` and the time.

use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

const BUFFER_BYTES: usize = iocscan::limits::HASH_BUFFER_BYTES;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; BUFFER_BYTES]);
}

struct Totals {
    files: AtomicU64,
    bytes: AtomicU64,
    /// XOR of the first digest bytes, so the hashing cannot be optimised away.
    mix: AtomicU64,
}

fn main() {
    let mut walk_only = false;
    let mut collector = false;
    let mut threads = 0;
    let mut root = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--walk-only" => walk_only = true,
            "--collector" => collector = true,
            "--threads" => threads = args.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            _ => root = Some(PathBuf::from(arg)),
        }
    }
    let Some(root) = root else {
        eprintln!("usage: hash_baseline [--walk-only] [--collector] [--threads N] ROOT");
        std::process::exit(2);
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("hash_baseline: {e}");
            std::process::exit(1);
        }
    };
    let totals =
        Totals { files: AtomicU64::new(0), bytes: AtomicU64::new(0), mix: AtomicU64::new(0) };
    let start = Instant::now();
    if collector {
        pool.install(|| through_collector(root, walk_only, &totals));
    } else {
        pool.install(|| rayon::scope(|s| s.spawn(|s| walk_dir(s, root, walk_only, &totals))));
    }
    println!(
        "files {} bytes {} seconds {:.3} mix {}",
        totals.files.load(Relaxed),
        totals.bytes.load(Relaxed),
        start.elapsed().as_secs_f64(),
        totals.mix.load(Relaxed) & 0xff
    );
}

fn walk_dir<'s>(s: &rayon::Scope<'s>, dir: PathBuf, walk_only: bool, totals: &'s Totals) {
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries.flatten() {
        let Ok(file_type) = entry.file_type() else { continue };
        let path = entry.path();
        if file_type.is_dir() {
            s.spawn(move |s| walk_dir(s, path, walk_only, totals));
        } else if walk_only {
            if let Ok(meta) = entry.metadata() {
                totals.files.fetch_add(1, Relaxed);
                totals.mix.fetch_xor(meta.len(), Relaxed);
            }
        } else if file_type.is_file() {
            s.spawn(move |_| hash(&path, totals));
        }
    }
}

fn hash(path: &Path, totals: &Totals) {
    let Ok(mut file) = std::fs::File::open(path) else { return };
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        while let Ok(n) = file.read(&mut buffer) {
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            total += n as u64;
        }
    });
    let digest = hasher.finalize();
    totals.files.fetch_add(1, Relaxed);
    totals.bytes.fetch_add(total, Relaxed);
    totals.mix.fetch_xor(u64::from(digest[0]), Relaxed);
}

/// The same work through iocscan's collector.
fn through_collector(root: PathBuf, walk_only: bool, totals: &Totals) {
    use iocscan::collect::file::{walk, FileEntry, FileOptions, FileSink};
    use iocscan::collect::CollectError;
    use iocscan::item::{ItemView, Lookup, Value};
    use iocscan::terms::Field;

    struct Sink<'t>(&'t Totals, Field);
    impl FileSink for Sink<'_> {
        fn file(&self, entry: &FileEntry) {
            if let Lookup::Value(Value::Str(hex)) = entry.lookup(self.1) {
                self.0.mix.fetch_xor(u64::from(hex.as_bytes()[0]), Relaxed);
            }
            if let Lookup::Value(Value::Int(size)) = entry.lookup(Field::FileSizeInBytes) {
                self.0.mix.fetch_xor(*size as u64, Relaxed);
            }
        }
        fn error(&self, _: CollectError) {}
    }

    let fields = if walk_only {
        [Field::FileFullPath, Field::FileFileName, Field::FileSizeInBytes].into_iter().collect()
    } else {
        [Field::FileSha256sum].into_iter().collect()
    };
    let field = if walk_only { Field::FileFileName } else { Field::FileSha256sum };
    let options = FileOptions { roots: vec![root], ..FileOptions::default() };
    match walk(&options, &fields, &Sink(totals, field)) {
        Ok(stats) => {
            totals.files.store(stats.files, Relaxed);
            totals.bytes.store(stats.bytes_read, Relaxed);
        }
        Err(e) => eprintln!("hash_baseline: {e}"),
    }
}
