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
//! rayon (all cores), each host on its own through the library's per-host scan: Parquet
//! hosts read by the folder's readers of disjoint host ranges (`partitions`, projected
//! columns only), each reader on a worker; JSON Lines files parsed and scanned one per worker.
//! Prints items/s and items per CPU-second of each (CPU time is what a shared machine's
//! other load disturbs least), their ratios, and apart the Parquet read alone (one thread)
//! and the scan alone (items already read). Ruleset loading is excluded (measured apart).

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

/// A digest-shaped hex text of `len` digits, distinct per seed.
fn digest(seed: u64, len: usize) -> String {
    use sha2::Digest;
    let mut text = hex::encode(sha2::Sha256::digest(seed.to_le_bytes()));
    text.truncate(len);
    text
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

/// CPU seconds used by the process so far (user + system, every thread).
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Best wall time and best CPU time of `runs` runs (the machine may be shared: CPU time is
/// what other load disturbs least).
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let (mut wall, mut cpu) = (f64::MAX, f64::MAX);
    let mut out = None;
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_seconds());
        let r = f();
        wall = wall.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(cpu_seconds() - c);
        out = Some(r);
    }
    (wall, cpu, out.unwrap())
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
        // Disjoint host ranges, decoded and scanned on every worker.
        let parts = snapshot.partitions(&projection, 4 * rayon::current_num_threads());
        parts
            .into_par_iter()
            .map(|hosts| {
                hosts
                    .map(|host| {
                        driver::scan_host_items(ruleset, host, folder, &options).cards.len()
                    })
                    .sum::<usize>()
            })
            .sum()
    };
    let jsonl = || -> usize {
        jsonl_files
            .par_iter()
            .map(|f| driver::scan_snapshot(ruleset, f, &options).unwrap().cards.len())
            .sum()
    };
    let (read_s, read_cpu, read_items) = best(3, || {
        let snapshot = ParquetSnapshot::open(&folder).unwrap();
        let projection = Projection::of_ruleset(ruleset);
        snapshot.hosts(&projection).map(|h| h.items.len()).sum::<usize>()
    });
    assert_eq!(read_items, hosts * files);
    eprintln!(
        "  Parquet read alone, one thread: {read_s:.3} s, {read_cpu:.3} CPU-s ({:.0} items per CPU-s)",
        total / read_cpu
    );

    {
        // The scan alone, of items already read (kept in memory for this line only).
        let snapshot = ParquetSnapshot::open(&folder).unwrap();
        let held: Vec<_> = snapshot.hosts(&Projection::of_ruleset(ruleset)).collect();
        let t = Instant::now();
        let n: usize = held
            .into_par_iter()
            .map(|h| driver::scan_host_items(ruleset, h, &folder, &options).cards.len())
            .sum();
        let s = t.elapsed().as_secs_f64();
        eprintln!("  scan alone of read items, parallel: {s:.3} s ({:.0} items/s, {n})", total / s);
    }
    let (pq_s, pq_cpu, pq_cards) = best(3, || parquet(&folder));
    let (js_s, js_cpu, js_cards) = best(3, jsonl);
    assert_eq!(pq_cards, js_cards, "both forms detect the same");
    let threads = rayon::current_num_threads();
    println!(
        "parquet_fleet: {hosts} hosts x {files} file items, {} IOCs ({indicators} SHA-256), {threads} threads",
        ruleset.len()
    );
    println!(
        "  Parquet (projection) : {pq_s:.3} s {:>10.0} items/s; {pq_cpu:.3} CPU-s {:>10.0} items per CPU-s ({pq_cards} detections)",
        total / pq_s,
        total / pq_cpu
    );
    println!(
        "  JSON Lines           : {js_s:.3} s {:>10.0} items/s; {js_cpu:.3} CPU-s {:>10.0} items per CPU-s ({js_cards} detections)",
        total / js_s,
        total / js_cpu
    );
    println!(
        "  ratio JSON Lines / Parquet: {:.1}x wall, {:.1}x CPU; load average at the end: {}",
        js_s / pq_s,
        js_cpu / pq_cpu,
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
}
