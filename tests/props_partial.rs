//! Property test of partials: any split of one host's items into parts, each evaluated on
//! its own and sent through the binary form, merged in any order and grouping, finishes into
//! exactly the report of one scan over all the items (cards with their kept objects,
//! verdicts with their reasons, kinds missing, counters).

use iocscan::eval::{HostReport, HostScan, Partial, Scanner};
use iocscan::item::{Item, ItemKind, Record, Value};
use iocscan::terms::Field;
use iocscan::verdict::Verdict;
use iocscan::Ruleset;
use proptest::prelude::*;
use std::path::Path;

mod common;
use common::ioc11;

fn ruleset() -> Ruleset {
    let iocs = [
        // Host-wide AND of two kinds: true only with both items somewhere in the host.
        ioc11("and", "AND", &[("FileItem/FileName", "is", "a"), ("ProcessItem/name", "is", "b")]),
        // True on most files: more objects than a card keeps.
        ioc11("many", "OR", &[("FileItem/SizeInBytes", "greater-than", "10")]),
        // A negation and a digest: unknown where the digest is absent.
        ioc11("neg", "AND", &[("FileItem/FileName", "is", "b"), ("FileItem/Md5sum", "is", MD5)]),
        // An address that two items may print alike (IPv4 and IPv4-mapped IPv6).
        ioc11("ip", "OR", &[("PortItem/remoteIP", "is", "10.0.0.1")]),
        // Processes with and without records.
        ioc11("proc", "OR", &[("ProcessItem/name", "contains", "a")]),
        // A kind never collected: undetermined.
        ioc11("user", "OR", &[("UserItem/Username", "is", "root")]),
    ];
    common::compiled(&iocs)
}

const MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";
const WORDS: &[&str] = &["a", "b", "ab", "ba"];

fn item() -> impl Strategy<Value = Item> {
    let word = || prop::option::of(0..WORDS.len());
    prop_oneof![
        (word(), prop::option::of(0..40i64), any::<bool>()).prop_map(|(n, size, md5)| {
            let mut it = Item::new(ItemKind::File);
            if let Some(n) = n {
                it.set(Field::FileFileName, WORDS[n]);
                it.set(Field::FileFullPath, format!("/x/{}", WORDS[n]));
            }
            if let Some(size) = size {
                it.set(Field::FileSizeInBytes, size);
            }
            if md5 {
                it.set(Field::FileMd5sum, MD5);
            }
            it
        }),
        (word(), 1..50i64, prop::option::of(0..1_000_000i64)).prop_map(|(n, pid, time)| {
            let mut it = Item::new(ItemKind::Process).with(Field::ProcessPid, pid);
            if let Some(n) = n {
                it.set(Field::ProcessName, WORDS[n]);
            }
            match time {
                Some(t) => it.with_record(Record {
                    time: chrono::DateTime::from_timestamp(1_700_000_000 + t, 0),
                    source: Some("test".into()),
                }),
                None => it,
            }
        }),
        (0..3usize).prop_map(|ip| {
            let ips = ["10.0.0.1", "::ffff:10.0.0.1", "10.0.0.2"];
            let ip: std::net::IpAddr = ips[ip].parse().expect("address");
            Item::new(ItemKind::Port).with(Field::PortRemoteIp, Value::Ip(ip))
        }),
    ]
}

fn host_scan(rs: &Ruleset) -> HostScan<'_> {
    HostScan::from_scanner(Scanner::new(rs).uncollected([ItemKind::User]), "web1")
}

/// One split: items, the part of each item, the order parts merge in, and a grouping.
fn split() -> impl Strategy<Value = (Vec<Item>, Vec<usize>, Vec<usize>, bool)> {
    (1..5usize).prop_flat_map(|parts| {
        prop::collection::vec(item(), 0..260).prop_flat_map(move |items| {
            let n = items.len();
            (
                Just(items),
                prop::collection::vec(0..parts, n),
                Just((0..parts).collect::<Vec<_>>()).prop_shuffle(),
                any::<bool>(),
            )
        })
    })
}

fn merged(
    rs: &Ruleset,
    items: &[Item],
    part_of: &[usize],
    order: &[usize],
    tree: bool,
) -> HostReport {
    let partials: Vec<Partial> = (0..order.len())
        .map(|p| {
            let scan = host_scan(rs);
            let mine: Vec<Item> = items
                .iter()
                .zip(part_of)
                .filter(|(_, q)| **q == p)
                .map(|(i, _)| i.clone())
                .collect();
            scan.add("web1", &mine).expect("same host");
            // Through the wire form, as between machines.
            Partial::decode(&scan.partial().encode()).expect("decodes")
        })
        .collect();
    let mut ordered: Vec<Partial> = order.iter().map(|p| partials[*p].clone()).collect();
    let whole = if tree {
        // Pairwise, as an engine's tree of merges would.
        while ordered.len() > 1 {
            let mut next = Vec::new();
            let mut it = ordered.into_iter();
            while let Some(mut a) = it.next() {
                if let Some(b) = it.next() {
                    a.merge(b).expect("same host and ruleset");
                }
                next.push(a);
            }
            ordered = next;
        }
        ordered.pop()
    } else {
        ordered.into_iter().reduce(|mut a, b| {
            a.merge(b).expect("same host and ruleset");
            a
        })
    };
    match whole {
        Some(p) => p.finish(rs).expect("same ruleset"),
        None => host_scan(rs).finish(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_split_merged_in_any_order_is_one_scan((items, part_of, order, tree) in split()) {
        let rs = ruleset();
        let one = host_scan(&rs);
        one.add("web1", &items).expect("same host");
        let one = one.finish();
        let parts = merged(&rs, &items, &part_of, &order, tree);
        prop_assert_eq!(&parts, &one);
        // And one host scan is the plain evaluator's scan.
        let plain = {
            let s = Scanner::new(&rs).uncollected([ItemKind::User]);
            s.scan_items(&items);
            s.finish()
        };
        prop_assert_eq!(&one.cards, &plain.cards);
        prop_assert_eq!(&one.results, &plain.results);
        prop_assert_eq!(&one.stats, &plain.stats);
    }
}

#[test]
fn the_split_exercises_what_it_claims() {
    // Enough files for the card cap, both halves of the host-wide AND, records.
    let rs = ruleset();
    let mut items: Vec<Item> =
        (0..250).map(|i| Item::new(ItemKind::File).with(Field::FileSizeInBytes, 11 + i)).collect();
    items.push(Item::new(ItemKind::File).with(Field::FileFileName, "a"));
    items.push(Item::new(ItemKind::Process).with(Field::ProcessName, "b"));
    let part_of: Vec<usize> = (0..items.len()).map(|i| i % 3).collect();
    let report = merged(&rs, &items, &part_of, &[2, 0, 1], false);
    let ids: Vec<&str> = report.cards.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["and", "many"]);
    let many = &report.cards[1].branches[0];
    assert_eq!(many.total_objects, 250);
    assert_eq!(many.objects.len(), iocscan::limits::MAX_OBJECTS_PER_BRANCH);
    assert_eq!(report.not_collected, [ItemKind::User]);
    let one = host_scan(&rs);
    one.add("web1", &items).expect("same host");
    assert_eq!(report, one.finish());
}

#[test]
fn other_hosts_and_other_rulesets_are_refused() {
    let rs = ruleset();
    let other = {
        let text = ioc11("x", "OR", &[("FileItem/FileName", "is", "a")]);
        let doc = iocscan::parse::parse(Path::new("x.ioc"), text.as_bytes()).expect("parses");
        iocscan::compile(&[doc.document]).0
    };
    let items = [Item::new(ItemKind::File).with(Field::FileFileName, "a")];
    let scan = host_scan(&rs);
    let err = scan.add("db1", &items).unwrap_err();
    assert_eq!(err.code(), "partial-wrong-host");
    let mut web = host_scan(&rs).partial();
    let db = HostScan::new(&rs, "db1").partial();
    assert_eq!(web.merge(db).unwrap_err().code(), "partial-wrong-host");
    let foreign = HostScan::new(&other, "web1").partial();
    assert_eq!(web.clone().merge(foreign.clone()).unwrap_err().code(), "partial-wrong-ruleset");
    assert_eq!(foreign.finish(&rs).unwrap_err().code(), "partial-wrong-ruleset");
    let mut scan = host_scan(&rs);
    assert_eq!(
        scan.absorb(HostScan::new(&other, "web1").partial()).unwrap_err().code(),
        "partial-wrong-ruleset"
    );
    assert!(scan.absorb(web).is_ok());
}

#[test]
fn two_loads_of_the_same_files_agree_and_a_change_differs() {
    assert_eq!(ruleset().digest(), ruleset().digest());
    let one = |content: &str| {
        let text = ioc11("x", "OR", &[("FileItem/FileName", "is", content)]);
        let doc = iocscan::parse::parse(Path::new("x.ioc"), text.as_bytes()).expect("parses");
        iocscan::compile(&[doc.document]).0.digest()
    };
    assert_eq!(one("a"), one("a"));
    assert_ne!(one("a"), one("b"));
}

#[test]
fn bad_bytes_are_typed_errors() {
    let rs = ruleset();
    let scan = host_scan(&rs);
    scan.add("web1", &[Item::new(ItemKind::File).with(Field::FileSizeInBytes, 99)]).unwrap();
    let good = scan.partial().encode();
    assert_eq!(Partial::decode(b"nope").unwrap_err().code(), "partial-not-a-partial");
    let mut version = good.clone();
    version[8] = 9;
    assert_eq!(Partial::decode(&version).unwrap_err().code(), "partial-version");
    for cut in 12..good.len() {
        assert_eq!(Partial::decode(&good[..cut]).unwrap_err().code(), "partial-corrupt", "{cut}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(Partial::decode(&longer).unwrap_err().code(), "partial-corrupt");
    assert!(Partial::decode(&good).is_ok());
}

#[test]
fn a_host_lacking_a_field_costs_a_few_bytes_per_ioc_left_unknown() {
    // 2,000 digest IOCs and a host whose file has no digest: every IOC is left unknown for
    // lack of the same field. The partial says so once, not once per IOC (a Spark shuffle
    // carries one such partial per host and chunk).
    let iocs: Vec<String> = (0..2000)
        .map(|i| ioc11(&format!("h{i}"), "OR", &[("FileItem/Md5sum", "is", &format!("{i:032x}"))]))
        .collect();
    let rs = common::compiled(&iocs);
    let scan = HostScan::new(&rs, "web1");
    scan.add("web1", &[Item::new(ItemKind::File).with(Field::FileFileName, "a")]).unwrap();
    let partial = scan.partial();
    let bytes = partial.encode();
    assert!(bytes.len() < 2000 * 4, "{} bytes for 2,000 unknown IOCs", bytes.len());
    let report = Partial::decode(&bytes).unwrap().finish(&rs).unwrap();
    assert_eq!(report, partial.finish(&rs).unwrap());
    let undetermined = report.results.iter().filter(|r| r.verdict == Verdict::Undetermined);
    assert_eq!(undetermined.count(), 2000);
}
