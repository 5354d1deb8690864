//! Read + scan rate of many hosts' file items, Parquet with the ruleset's projection against
//! JSON Lines, measured in one run.
//!
//! ```text
//! cargo bench --bench parquet_fleet              # 200 hosts x 10,000 files, 100,000 SHA-256 IOCs
//! cargo bench --bench parquet_fleet -- 20 2000 10000   # hosts, files per host, indicators
//! ```
//!
//! Generates (in a temporary folder) a fleet of hosts with realistic FileItems (path, name,
//! extension, size, times, owner, MD5, SHA-256), the same items as one Parquet snapshot
//! folder and as one JSON Lines file per host, and IOC files of 100 SHA-256 indicators each
//! (ten of them real files of the fleet). Then, best of 3, hosts scanned in parallel with
//! rayon (`--threads` of the pool: all cores), each host on its own through the library's
//! per-host scan: Parquet hosts read in order from the folder's reader (projected columns
//! only) and scanned as they come; JSON Lines files parsed and scanned one per worker.
//! Prints items/s of each and their ratio. Ruleset loading is excluded (measured apart).

use iocscan::driver::{self, ScanOptions};
use iocscan::item::{Item, ItemKind};
use iocscan::snapshot::parquet::{HostHeader, ParquetSnapshot, ParquetWriter, Projection};
use iocscan::snapshot::{Header, SnapshotWriter};
use iocscan::Field;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

// As the `iocscan` binary does: item building allocates many small strings.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn digest(seed: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(&format!("{x:016x}"));
    }
    out.truncate(len);
    out
}

fn file_item(host: usize, i: usize) -> Item {
    let dirs = ["usr/bin", "usr/lib/x86_64-linux-gnu", "etc", "var/log", "home/user/.cache"];
    let exts = ["so", "conf", "log", "txt", "py", ""];
    let ext = exts[i % exts.len()];
    let name = if ext.is_empty() { format!("file{i}") } else { format!("file{i}.{ext}") };
    let dir = dirs[i % dirs.len()];
    let date = chrono::DateTime::from_timestamp(1_700_000_000 + (i as i64) * 37, 0).unwrap();
    let seed = (host as u64) << 32 | i as u64;
    Item::new(ItemKind::File)
        .with(Field::FileFullPath, format!("/{dir}/{name}"))
        .with(Field::FileFilePath, format!("/{dir}"))
        .with(Field::FileFileName, name)
        .with(Field::FileFileExtension, ext)
        .with(Field::FileSizeInBytes, (i as i64 * 7919) % 1_000_000)
        .with(Field::FileModified, date)
        .with(Field::FileUsername, "root")
        .with(Field::FileMd5sum, digest(seed ^ 0x55, 32))
        .with(Field::FileSha256sum, digest(seed, 64))
}

fn write_iocs(dir: &Path, indicators: usize, real: &[String]) {
    std::fs::create_dir_all(dir).unwrap();
    let per_file = 100;
    let step = (indicators / real.len().max(1)).max(1);
    for f in 0..indicators.div_ceil(per_file) {
        let mut items = String::new();
        for j in 0..per_file.min(indicators - f * per_file) {
            let n = f * per_file + j;
            let hash = match real.get(n / step) {
                Some(h) if n % step == 0 => h.clone(),
                _ => digest(0xdead_0000_0000 + n as u64, 64),
            };
            items.push_str(&format!(
                "<IndicatorItem id=\"i{n}\" condition=\"is\"><Context document=\"FileItem\" \
                 search=\"FileItem/Sha256sum\" type=\"mir\"/><Content type=\"sha256\">{hash}\
                 </Content></IndicatorItem>\n"
            ));
        }
        let xml = format!(
            "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"ioc{f}\">\
             <criteria><Indicator operator=\"OR\" id=\"top{f}\">\n{items}</Indicator>\
             </criteria></OpenIOC>\n"
        );
        std::fs::write(dir.join(format!("ioc{f:05}.ioc")), xml).unwrap();
    }
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.unwrap())
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let hosts = args.first().copied().unwrap_or(200);
    let files = args.get(1).copied().unwrap_or(10_000);
    let indicators = args.get(2).copied().unwrap_or(100_000);
    let tmp = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let folder = tmp.path().join("fleet");
    let jsonl_dir = tmp.path().join("jsonl");
    std::fs::create_dir_all(&jsonl_dir).unwrap();
    let names: Vec<String> = (0..hosts).map(|h| format!("host-{h:05}")).collect();
    let mut writer = ParquetWriter::create(&folder).unwrap();
    let mut jsonl_files = Vec::new();
    for (h, name) in names.iter().enumerate() {
        let time = "2026-12-01T00:00:00Z".to_owned();
        let kinds = vec![ItemKind::File];
        writer
            .begin_host(HostHeader {
                host: name.clone(),
                time,
                tool: "bench".into(),
                kinds: kinds.clone(),
            })
            .unwrap();
        let path = jsonl_dir.join(format!("{name}.jsonl"));
        let header = Header::new(Some(name.clone()), chrono::Utc::now(), kinds);
        let out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut jw = SnapshotWriter::new(out, &header).unwrap();
        for i in 0..files {
            let item = file_item(h, i);
            writer.write(&item).unwrap();
            jw.write_item(&item).unwrap();
        }
        jw.finish().unwrap().flush().unwrap();
        jsonl_files.push(path);
    }
    writer.finish().unwrap();
    // Ten real files, on ten hosts spread over the fleet.
    let real: Vec<String> = (0..10)
        .map(|k| {
            let item = file_item(k * hosts / 10, k * 31 % files);
            item.get(Field::FileSha256sum).unwrap().to_string()
        })
        .collect();
    let iocs = tmp.path().join("iocs");
    write_iocs(&iocs, indicators, &real);
    let size = |p: &Path| -> u64 {
        std::fs::read_dir(p).unwrap().flatten().map(|e| e.metadata().unwrap().len()).sum()
    };
    eprintln!(
        "generated {hosts} hosts x {files} files ({} items) in {:.1} s: Parquet {} MB, JSON Lines {} MB",
        hosts * files,
        t.elapsed().as_secs_f64(),
        size(&folder) / 1_000_000,
        size(&jsonl_dir) / 1_000_000
    );
    let t = Instant::now();
    let loaded = iocscan::load_ruleset(&[&iocs]);
    let ruleset = &loaded.ruleset;
    eprintln!("loaded {} IOCs in {:.2} s", ruleset.len(), t.elapsed().as_secs_f64());
    let options = ScanOptions { threads: 1, ..ScanOptions::default() };
    let total = (hosts * files) as f64;

    let parquet = |folder: &PathBuf| -> usize {
        let snapshot = ParquetSnapshot::open(folder).unwrap();
        let projection = Projection::of_ruleset(ruleset);
        let detections: usize = snapshot
            .hosts(&projection)
            .par_bridge()
            .map(|host| driver::scan_host_items(ruleset, host, folder, &options).cards.len())
            .sum();
        detections
    };
    let jsonl = || -> usize {
        jsonl_files
            .par_iter()
            .map(|f| driver::scan_snapshot(ruleset, f, &options).unwrap().cards.len())
            .sum()
    };
    let runs = if std::env::var_os("PARQUET_FLEET_READ_ONLY").is_some() { 20 } else { 3 };
    let (read_s, read_items) = best(runs, || {
        let snapshot = ParquetSnapshot::open(&folder).unwrap();
        let projection = Projection::of_ruleset(ruleset);
        snapshot.hosts(&projection).map(|h| h.items.len()).sum::<usize>()
    });
    assert_eq!(read_items, hosts * files);
    eprintln!("  Parquet read alone, one thread: {read_s:.3} s ({:.0} items/s)", total / read_s);
    if std::env::var_os("PARQUET_FLEET_READ_ONLY").is_some() {
        return;
    }
    let (pq_s, pq_cards) = best(3, || parquet(&folder));
    let (js_s, js_cards) = best(3, jsonl);
    assert_eq!(pq_cards, js_cards, "both forms detect the same");
    let threads = rayon::current_num_threads();
    println!(
        "parquet_fleet: {hosts} hosts x {files} file items, {} IOCs ({indicators} SHA-256), {threads} threads",
        ruleset.len()
    );
    println!(
        "  Parquet (projection) : {pq_s:.3} s  {:>10.0} items/s  ({pq_cards} detections)",
        total / pq_s
    );
    println!(
        "  JSON Lines           : {js_s:.3} s  {:>10.0} items/s  ({js_cards} detections)",
        total / js_s
    );
    println!("  ratio Parquet / JSON Lines: {:.1}x", js_s / pq_s);
}
