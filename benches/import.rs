//! Importer throughput against the cost of merely reading the same input, measured in the
//! same run: the ratio is what mapping to catalogue terms and typing the values add.
//!
//! - Sysmon: `iocscan::import::read_file` over `../shared/telemetry/sysmon.evtx` (skipped when
//!   absent) vs the `evtx` crate rendering every record as XML (what the importer reads).
//! - audit: the real `audit-execve.log` repeated to 20,000 lines vs splitting the same lines
//!   into `key=value` words.
//! - OCSF: 20,000 generated Process Activity events (JSON Lines) vs `serde_json` parsing each
//!   line into a `Value`.
//!
//! `cargo bench --bench import`; the ratios are import time / baseline time per group.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use iocscan::import::{read_file, Format, ImportOptions};
use iocscan::Item;
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn shared(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/telemetry").join(name);
    path.is_file().then_some(path)
}

fn import(format: Format, path: &Path) -> usize {
    let mut sink: Vec<(Option<String>, Item)> = Vec::new();
    let report = read_file(format, path, &ImportOptions { host: Some("h".into()) }, &mut sink);
    black_box(report.records as usize + sink.len())
}

fn sysmon(c: &mut Criterion) {
    let Some(evtx) = shared("sysmon.evtx") else {
        eprintln!("import/sysmon skipped: ../shared/telemetry/sysmon.evtx is absent");
        return;
    };
    let mut g = c.benchmark_group("import/sysmon-evtx");
    g.throughput(Throughput::Bytes(std::fs::metadata(&evtx).map_or(0, |m| m.len())));
    g.bench_function("baseline: evtx crate, records as XML", |b| {
        b.iter(|| {
            let parser = evtx::EvtxParser::from_path(&evtx).expect("evtx");
            let mut parser = parser.with_configuration(evtx::ParserSettings::new().indent(false));
            black_box(parser.records().filter_map(Result::ok).map(|r| r.data.len()).sum::<usize>())
        })
    });
    g.bench_function("iocscan import", |b| b.iter(|| import(Format::Sysmon, &evtx)));
    g.finish();
}

fn lines_file(dir: &Path, name: &str, lines: &[String], count: usize) -> PathBuf {
    let path = dir.join(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    for line in lines.iter().cycle().take(count) {
        writeln!(out, "{line}").expect("write");
    }
    out.flush().expect("flush");
    path
}

fn split_words(path: &Path) -> usize {
    let input = std::io::BufReader::new(std::fs::File::open(path).expect("open"));
    let mut n = 0;
    for line in input.lines() {
        let line = line.expect("line");
        n += line.split(' ').filter(|w| w.contains('=')).count();
    }
    black_box(n)
}

fn auditd(c: &mut Criterion) {
    let Some(log) = shared("audit-execve.log") else {
        eprintln!("import/auditd skipped: ../shared/telemetry/audit-execve.log is absent");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(log).expect("read");
    // Repeated copies keep their serials, so each copy's groups come back as new events once
    // the previous copy's are handed on.
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let path = lines_file(dir.path(), "audit.log", &lines, 20_000);
    let mut g = c.benchmark_group("import/auditd");
    g.throughput(Throughput::Elements(20_000));
    g.bench_function("baseline: lines split into key=value words", |b| {
        b.iter(|| split_words(&path))
    });
    g.bench_function("iocscan import", |b| b.iter(|| import(Format::Auditd, &path)));
    g.finish();
}

fn ocsf(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#"{{"class_uid":1007,"activity_id":1,"time":{},"device":{{"uid":"host-{}","hostname":"h"}},"process":{{"pid":{i},"name":"p{i}","cmd_line":"p{i} --flag {i}","file":{{"path":"/usr/bin/p{i}","hashes":[{{"algorithm_id":1,"value":"{:032x}"}}]}},"parent_process":{{"pid":1,"name":"init"}},"user":{{"name":"u{}"}}}}}}"#,
                1_733_000_000_000_i64 + i,
                i % 10,
                i * 7919,
                i % 50
            )
        })
        .collect();
    let path = lines_file(dir.path(), "ocsf.jsonl", &lines, 20_000);
    let mut g = c.benchmark_group("import/ocsf");
    g.throughput(Throughput::Elements(20_000));
    g.bench_function("baseline: serde_json Value per line", |b| {
        b.iter(|| {
            let input = std::io::BufReader::new(std::fs::File::open(&path).expect("open"));
            let mut n = 0;
            for line in input.lines() {
                let v: serde_json::Value =
                    serde_json::from_str(&line.expect("line")).expect("json");
                n += v.as_object().map_or(0, |o| o.len());
            }
            black_box(n)
        })
    });
    g.bench_function("iocscan import", |b| b.iter(|| import(Format::Ocsf, &path)));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = sysmon, auditd, ocsf
}
criterion_main!(benches);
