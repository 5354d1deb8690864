//! Engine benchmarks: parse, compile and evaluate 10, 1,000 and 100,000 generated IOCs.
//!
//! The IOC mix is what real feeds hold: file hashes (MD5 or SHA-256), name+hash ANDs, path
//! substrings, process name+arguments ANDs, and remote IP+port ANDs. Evaluation runs a fixed
//! set of 2,000 items (files, processes, connections; a few of them match) one by one on one
//! thread, so the figure is the cost per item; it should barely move with the IOC count.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use iocscan::compile::compile;
use iocscan::eval::Scanner;
use iocscan::item::{Item, ItemKind};
use iocscan::model::IocDocument;
use iocscan::terms::Field;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// A deterministic pseudo-random hex string of `len` digits.
fn hex(seed: u64, len: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(&format!("{x:016x}"));
    }
    out.truncate(len);
    out
}

fn item(id: usize, cond: &str, search: &str, ty: &str, content: &str) -> String {
    let doc = search.split('/').next().unwrap_or_default();
    format!(
        r#"<IndicatorItem id="i{id}" condition="{cond}"><Context document="{doc}" search="{search}" type="mir"/><Content type="{ty}">{content}</Content></IndicatorItem>"#
    )
}

/// The XML of generated IOC number `i`.
fn ioc_xml(i: usize) -> String {
    let n = i as u64;
    let body = match i % 5 {
        0 => format!(
            r#"<Indicator operator="OR" id="t{i}">{}{}</Indicator>"#,
            item(1, "is", "FileItem/Md5sum", "md5", &hex(n, 32)),
            item(2, "is", "FileItem/Sha256sum", "sha256", &hex(n + 7, 64)),
        ),
        1 => format!(
            r#"<Indicator operator="AND" id="t{i}">{}{}</Indicator>"#,
            item(1, "is", "FileItem/FileName", "string", &format!("dropper{i}.exe")),
            item(2, "is", "FileItem/Md5sum", "md5", &hex(n, 32)),
        ),
        2 => format!(
            r#"<Indicator operator="OR" id="t{i}">{}</Indicator>"#,
            item(1, "contains", "FileItem/FullPath", "string", &format!("/tmp/.cache{i}/")),
        ),
        3 => format!(
            r#"<Indicator operator="AND" id="t{i}">{}{}</Indicator>"#,
            item(1, "is", "ProcessItem/name", "string", &format!("miner{i}")),
            item(2, "contains", "ProcessItem/arguments", "string", &format!("--pool{i}")),
        ),
        _ => format!(
            r#"<Indicator operator="AND" id="t{i}">{}{}</Indicator>"#,
            item(
                1,
                "is",
                "PortItem/remoteIP",
                "IP",
                &format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
            ),
            item(2, "is", "PortItem/remotePort", "int", &(1024 + i % 60000).to_string()),
        ),
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="ioc-{i}" last-modified="2024-01-01T00:00:00"><metadata><short_description>generated {i}</short_description></metadata><criteria>{body}</criteria></OpenIOC>"#
    )
}

fn parse_all(xml: &[String]) -> Vec<IocDocument> {
    xml.iter()
        .enumerate()
        .filter_map(|(i, x)| {
            iocscan::parse::parse(Path::new(&format!("gen/{i:06}.ioc")), x.as_bytes()).ok()
        })
        .map(|p| p.document)
        .collect()
}

/// 2,000 items: 1,400 files, 400 processes, 200 connections; a handful match IOCs 0-9.
fn items() -> Vec<Item> {
    let mut out = Vec::new();
    for i in 0..1400u64 {
        let name =
            if i == 11 { "dropper1.exe".to_string() } else { format!("lib{i}.so.{}", i % 7) };
        let dir = if i == 12 {
            "/tmp/.cache2".to_string()
        } else {
            format!("/usr/lib/x86_64-linux-gnu/pkg{}", i % 50)
        };
        let md5 = if i == 11 {
            hex(1, 32)
        } else if i == 13 {
            hex(0, 32)
        } else {
            hex(1_000_000 + i, 32)
        };
        out.push(
            Item::new(ItemKind::File)
                .with(Field::FileFullPath, format!("{dir}/{name}"))
                .with(Field::FileFilePath, dir)
                .with(Field::FileFileName, name)
                .with(Field::FileSizeInBytes, (i * 4096) as i64)
                .with(Field::FileMd5sum, md5)
                .with(Field::FileSha256sum, hex(2_000_000 + i, 64)),
        );
    }
    for i in 0..400u64 {
        let name = if i == 3 { "miner3".to_string() } else { format!("worker-{i}") };
        out.push(
            Item::new(ItemKind::Process)
                .with(Field::ProcessPid, i as i64 + 100)
                .with(Field::ProcessName, name.clone())
                .with(Field::ProcessPath, format!("/usr/bin/{name}"))
                .with(Field::ProcessArguments, format!("/usr/bin/{name} --pool3 --threads {i}")),
        );
    }
    for i in 0..200u64 {
        let ip = if i == 4 {
            "10.0.0.4".to_string()
        } else {
            format!("192.168.{}.{}", i / 250, i % 250)
        };
        out.push(
            Item::new(ItemKind::Port)
                .with(Field::PortRemoteIp, ip.parse::<std::net::IpAddr>().expect("valid ip"))
                .with(Field::PortRemotePort, if i == 4 { 1028 } else { 443 })
                .with(Field::PortLocalPort, 40000 + i as i64)
                .with(Field::PortProtocol, "TCP"),
        );
    }
    out
}

fn engine(c: &mut Criterion) {
    let items = items();
    for &n in &[10usize, 1_000, 100_000] {
        let xml: Vec<String> = (0..n).map(ioc_xml).collect();
        let docs = parse_all(&xml);
        assert_eq!(docs.len(), n);
        let (ruleset, _) = compile(&docs);
        // Sanity: the planted items are found.
        let detected = {
            let s = Scanner::new(&ruleset);
            items.iter().for_each(|i| s.scan_item(i));
            s.finish().cards.len()
        };
        assert!(detected >= 5.min(n), "only {detected} IOCs detected");

        let mut group = c.benchmark_group(format!("engine/{n}"));
        group.sample_size(10).warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(if n >= 100_000 { 10 } else { 3 }));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("parse", n), |b| {
            b.iter_with_large_drop(|| parse_all(black_box(&xml)))
        });
        group.bench_function(BenchmarkId::new("compile", n), |b| {
            b.iter_with_large_drop(|| compile(black_box(&docs)))
        });
        group.throughput(Throughput::Elements(items.len() as u64));
        // One scanner for all iterations: the figure is the per-item work, not set-up or
        // finish (matched groups keep counting; their object lists stay capped).
        let scanner = Scanner::new(&ruleset);
        group.bench_function(BenchmarkId::new("eval-per-item", n), |b| {
            b.iter(|| {
                for item in &items {
                    scanner.scan_item(black_box(item));
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
