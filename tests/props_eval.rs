//! Property tests of the evaluator on random IOC trees and random items:
//!
//! - the indexed evaluation gives the same cards as the unindexed reference evaluation;
//! - both agree on detection with a naive recursive walk of the document tree written here
//!   from openioc.md §4, independent of the compiler's groups, triggers and indexes;
//! - the verdicts of both paths equal those of the same walk in three-valued logic;
//! - evaluation is order-independent: shuffled items give the same cards and verdicts.

use iocscan::compile::compile;
use iocscan::eval::{scan, Scanner};
use iocscan::item::{Item, ItemKind, Value};
use iocscan::model::{Indicator, IndicatorItem, IocDocument, Node};
use iocscan::terms::{self, Field, ValueType};
use iocscan::verdict::Verdict;
use proptest::prelude::*;
use std::net::IpAddr;
use std::path::Path;

/// Terms the generator uses, with an unsupported one.
const TERMS: &[&str] = &[
    "FileItem/FileName",
    "FileItem/FullPath",
    "ProcessItem/name",
    "ProcessItem/arguments",
    "PortItem/remotePort",
    "FileItem/Nope",
    "FileItem/Md5sum",
    "PortItem/remoteIP",
    "UserItem/grouplist/groupname",
];
/// Digests and addresses the generator picks from (with case and form variants).
const MD5S: &[&str] = &[
    "d41d8cd98f00b204e9800998ecf8427e",
    "D41D8CD98F00B204E9800998ECF8427E",
    "0cc175b9c0f1b6a831c399e269772661",
];
const IPS: &[&str] = &["10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1", "2001:DB8:0::1"];
const WORDS: &[&str] = &["a", "b", "ab", "A", "ba", "B b"];

#[derive(Clone, Debug)]
enum Tree {
    Leaf { term: usize, cond: usize, value: usize, negate: bool, preserve: bool },
    Ind { and: bool, children: Vec<Tree> },
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = (0..TERMS.len(), 0..5usize, 0..WORDS.len(), any::<bool>(), any::<bool>()).prop_map(
        |(term, cond, value, negate, preserve)| Tree::Leaf { term, cond, value, negate, preserve },
    );
    leaf.prop_recursive(3, 24, 3, |inner| {
        (any::<bool>(), prop::collection::vec(inner, 1..4))
            .prop_map(|(and, children)| Tree::Ind { and, children })
    })
}

/// A tree whose items are all positive equalities (`is`, not negated): one that a bundle can
/// leave dormant, when its terms are indexed by equality.
fn keyed() -> impl Strategy<Value = Tree> {
    let leaf =
        (0..TERMS.len(), 0..WORDS.len(), any::<bool>()).prop_map(|(term, value, preserve)| {
            Tree::Leaf { term, cond: 0, value, negate: false, preserve }
        });
    let tree = leaf.prop_recursive(2, 12, 3, |inner| {
        (any::<bool>(), prop::collection::vec(inner, 1..4))
            .prop_map(|(and, children)| Tree::Ind { and, children })
    });
    (any::<bool>(), prop::collection::vec(tree, 1..3))
        .prop_map(|(and, children)| Tree::Ind { and, children })
}

fn top() -> impl Strategy<Value = Tree> {
    (any::<bool>(), prop::collection::vec(tree(), 1..4))
        .prop_map(|(and, children)| Tree::Ind { and, children })
}

fn xml(t: &Tree, next: &mut usize) -> String {
    *next += 1;
    let id = *next;
    match t {
        Tree::Leaf { term, cond, value, negate, preserve } => {
            let search = TERMS[*term];
            let conds = ["is", "contains", "starts-with", "ends-with", "matches"];
            let (cond, content, ty) = match search {
                "PortItem/remotePort" => (
                    ["is", "greater-than", "less-than", "is", "is"][*cond],
                    (*value as i64 * 100).to_string(),
                    "int",
                ),
                "FileItem/Md5sum" => (
                    ["is", "contains", "is", "starts-with", "is"][*cond],
                    if *cond % 2 == 1 {
                        "D41D".to_string()
                    } else {
                        MD5S[*value % MD5S.len()].to_string()
                    },
                    "md5",
                ),
                "PortItem/remoteIP" => (
                    ["is", "ends-with", "is", "contains", "is"][*cond],
                    if *cond % 2 == 1 {
                        ".1".to_string()
                    } else {
                        IPS[*value % IPS.len()].to_string()
                    },
                    "IP",
                ),
                _ if *cond == 4 => ("matches", format!("^{}", WORDS[*value]), "string"),
                _ => (conds[*cond], WORDS[*value].to_string(), "string"),
            };
            let doc = search.split('/').next().unwrap_or_default();
            format!(
                r#"<IndicatorItem id="i{id}" condition="{cond}" negate="{negate}" preserve-case="{preserve}"><Context document="{doc}" search="{search}" type="mir"/><Content type="{ty}">{content}</Content></IndicatorItem>"#
            )
        }
        Tree::Ind { and, children } => {
            let op = if *and { "AND" } else { "OR" };
            let inner: String = children.iter().map(|c| xml(c, next)).collect();
            format!(r#"<Indicator id="n{id}" operator="{op}">{inner}</Indicator>"#)
        }
    }
}

fn documents(tops: &[Tree]) -> Vec<IocDocument> {
    tops.iter()
        .enumerate()
        .map(|(i, t)| {
            let body = xml(t, &mut 0);
            let text = format!(
                r#"<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="ioc{i}"><criteria>{body}</criteria></OpenIOC>"#
            );
            let file = format!("p{i:02}.ioc");
            iocscan::parse::parse(Path::new(&file), text.as_bytes())
                .unwrap_or_else(|e| panic!("{e}: {text}"))
                .document
        })
        .collect()
}

fn item() -> impl Strategy<Value = Item> {
    let word = || prop::option::of(0..WORDS.len());
    prop_oneof![
        (word(), word(), prop::option::of(0..MD5S.len())).prop_map(|(n, p, m)| {
            let mut it = Item::new(ItemKind::File);
            if let Some(m) = m {
                it.set(Field::FileMd5sum, MD5S[m].to_lowercase());
            }
            if let Some(n) = n {
                it.set(Field::FileFileName, WORDS[n]);
            }
            if let Some(p) = p {
                it.set(Field::FileFullPath, format!("/x/{}", WORDS[p]));
            }
            it
        }),
        (word(), word()).prop_map(|(n, a)| {
            let mut it = Item::new(ItemKind::Process);
            if let Some(n) = n {
                it.set(Field::ProcessName, WORDS[n]);
            }
            if let Some(a) = a {
                it.set(Field::ProcessArguments, format!("{} -x", WORDS[a]));
            }
            it
        }),
        (prop::option::of(0..6i64), prop::option::of(0..IPS.len())).prop_map(|(p, ip)| {
            let mut it = Item::new(ItemKind::Port);
            if let Some(p) = p {
                it.set(Field::PortRemotePort, p * 100);
            }
            if let Some(ip) = ip {
                it.set(Field::PortRemoteIp, IPS[ip].parse::<std::net::IpAddr>().expect("valid"));
            }
            it
        }),
        prop::collection::vec(0..WORDS.len(), 0..3).prop_map(|groups| {
            let list: Vec<Value> = groups.iter().map(|g| Value::from(WORDS[*g])).collect();
            Item::new(ItemKind::User).with(Field::UserGroupList, list)
        }),
    ]
}

// ---- The naive oracle: openioc.md §4 straight from the document tree. ----

/// The kind of a supported leaf, `None` for an unsupported one.
fn leaf_kind(leaf: &IndicatorItem) -> Option<ItemKind> {
    terms::lookup(&leaf.context.search).map(|t| t.kind)
}

fn leaf_on(leaf: &IndicatorItem, item: &Item) -> bool {
    let Some(term) = terms::lookup(&leaf.context.search) else { return false };
    if term.kind != item.kind() {
        return false;
    }
    let Some(value) = item.get(term.field) else { return false };
    let preserve = leaf.preserve_case.as_deref() == Some("true") && term.ty == ValueType::String;
    let raw = value.each().iter().any(|v| scalar_on(leaf, v, preserve));
    raw != (leaf.negate.as_deref() == Some("true"))
}

fn scalar_on(leaf: &IndicatorItem, value: &Value, preserve: bool) -> bool {
    let want = leaf.content.text.as_str();
    let cond = leaf.condition.as_str();
    match value {
        Value::Str(s) => {
            let (s, w) = if preserve {
                (s.clone(), want.to_string())
            } else {
                (s.to_lowercase(), want.to_lowercase())
            };
            match cond {
                "is" => s == w,
                "contains" => s.contains(&w),
                "starts-with" => s.starts_with(&w),
                "ends-with" => s.ends_with(&w),
                // The generator's patterns are `^word` with no other regex syntax.
                "matches" => s.starts_with(w.trim_start_matches('^')),
                other => panic!("generator made {other}"),
            }
        }
        Value::Int(n) => {
            let w: i64 = want.parse().expect("generated integer");
            match cond {
                "is" => *n == w,
                "greater-than" => *n > w,
                "less-than" => *n < w,
                other => panic!("generator made {other}"),
            }
        }
        Value::Ip(ip) => {
            let ip = ip.to_canonical();
            let text = ip.to_string();
            match cond {
                "is" => want.parse::<IpAddr>().map(|w| w.to_canonical()) == Ok(ip),
                "contains" => text.contains(want),
                "ends-with" => text.ends_with(want),
                other => panic!("generator made {other}"),
            }
        }
        other => panic!("generator made {other:?}"),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Purity {
    Const,
    Kind(ItemKind),
    Mixed,
}

fn purity(node: &Node) -> Purity {
    match node {
        Node::Item(leaf) => leaf_kind(leaf).map_or(Purity::Const, Purity::Kind),
        Node::Indicator(ind) => {
            ind.children.iter().fold(Purity::Const, |acc, c| match (acc, purity(c)) {
                (Purity::Const, p) | (p, Purity::Const) => p,
                (Purity::Kind(a), Purity::Kind(b)) if a == b => Purity::Kind(a),
                _ => Purity::Mixed,
            })
        }
    }
}

fn combine(and: bool, mut values: impl Iterator<Item = bool>) -> bool {
    if and {
        values.all(|v| v)
    } else {
        values.any(|v| v)
    }
}

/// A single-kind subtree on one item.
fn on_item(node: &Node, item: &Item) -> bool {
    match node {
        Node::Item(leaf) => leaf_on(leaf, item),
        Node::Indicator(ind) => {
            combine(ind.operator == "AND", ind.children.iter().map(|c| on_item(c, item)))
        }
    }
}

/// An Indicator host-wide: children of one kind bind to one item, kinds combine host-wide.
fn host(ind: &Indicator, items: &[Item]) -> bool {
    let and = ind.operator == "AND";
    let mut values = Vec::new();
    for kind in ItemKind::ALL {
        let members: Vec<&Node> =
            ind.children.iter().filter(|c| purity(c) == Purity::Kind(kind)).collect();
        if !members.is_empty() {
            values.push(
                items
                    .iter()
                    .filter(|i| i.kind() == kind)
                    .any(|i| combine(and, members.iter().map(|m| on_item(m, i)))),
            );
        }
    }
    for child in &ind.children {
        match (purity(child), child) {
            (Purity::Const, _) => values.push(false),
            (Purity::Mixed, Node::Indicator(sub)) => values.push(host(sub, items)),
            _ => {}
        }
    }
    combine(and, values.into_iter())
}

fn oracle(doc: &IocDocument, items: &[Item]) -> bool {
    doc.criteria.iter().any(|top| match purity(&Node::Indicator(top.clone())) {
        Purity::Kind(kind) => items
            .iter()
            .filter(|i| i.kind() == kind)
            .any(|i| on_item(&Node::Indicator(top.clone()), i)),
        _ => host(top, items),
    })
}

// ---- The same oracle in three-valued logic (None: unknown), for the verdicts. ----

fn leaf_on3(leaf: &IndicatorItem, item: &Item) -> Option<bool> {
    let term = terms::lookup(&leaf.context.search)?;
    item.get(term.field)?;
    Some(leaf_on(leaf, item))
}

fn combine3(and: bool, values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let (mut any_unknown, mut any) = (false, false);
    for v in values {
        any = true;
        match v {
            Some(b) if b != and => return Some(b),
            None => any_unknown = true,
            _ => {}
        }
    }
    if !any {
        return Some(false);
    }
    if any_unknown {
        None
    } else {
        Some(and)
    }
}

/// A subtree on one item (`None` for the item: a subtree without supported leaves).
fn on_item3(node: &Node, item: Option<&Item>) -> Option<bool> {
    match node {
        Node::Item(leaf) => item.and_then(|i| leaf_on3(leaf, i)),
        Node::Indicator(ind) => {
            combine3(ind.operator == "AND", ind.children.iter().map(|c| on_item3(c, item)))
        }
    }
}

/// Some item true, else some item unknown, else false.
fn best(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut out = Some(false);
    for v in values {
        match v {
            Some(true) => return Some(true),
            None => out = None,
            _ => {}
        }
    }
    out
}

fn host3(ind: &Indicator, items: &[Item]) -> Option<bool> {
    let and = ind.operator == "AND";
    let mut values = Vec::new();
    for kind in ItemKind::ALL {
        let members: Vec<&Node> =
            ind.children.iter().filter(|c| purity(c) == Purity::Kind(kind)).collect();
        if !members.is_empty() {
            let on = |i: &Item| combine3(and, members.iter().map(|m| on_item3(m, Some(i))));
            values.push(best(items.iter().filter(|i| i.kind() == kind).map(on)));
        }
    }
    for child in &ind.children {
        match (purity(child), child) {
            (Purity::Const, _) => values.push(on_item3(child, None)),
            (Purity::Mixed, Node::Indicator(sub)) => values.push(host3(sub, items)),
            _ => {}
        }
    }
    combine3(and, values.into_iter())
}

fn oracle3(doc: &IocDocument, items: &[Item]) -> Verdict {
    let tops = doc.criteria.iter().map(|top| match purity(&Node::Indicator(top.clone())) {
        Purity::Kind(kind) => best(
            items
                .iter()
                .filter(|i| i.kind() == kind)
                .map(|i| on_item3(&Node::Indicator(top.clone()), Some(i))),
        ),
        _ => host3(top, items),
    });
    match combine3(false, tops) {
        Some(true) => Verdict::Detected,
        Some(false) => Verdict::Clean,
        None => Verdict::Undetermined,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn indexed_equals_reference_and_naive_walk(
        tops in prop::collection::vec(top(), 1..5),
        items in prop::collection::vec(item(), 0..12),
    ) {
        let docs = documents(&tops);
        let (ruleset, _) = compile(&docs);
        let fast = scan(&ruleset, &items);
        let reference = Scanner::reference(&ruleset);
        reference.scan_items(&items);
        let slow = reference.finish();
        prop_assert_eq!(&fast.cards, &slow.cards);
        let detected: Vec<String> = fast.cards.iter().map(|c| c.id.clone()).collect();
        let expected: Vec<String> =
            docs.iter().filter(|d| oracle(d, &items)).map(|d| d.id.clone()).collect();
        prop_assert_eq!(detected, expected);
        // Verdicts (and their reasons): the same on both paths, and the three-valued oracle's.
        prop_assert_eq!(&fast.results, &slow.results);
        let verdicts: Vec<Verdict> = fast.results.iter().map(|r| r.verdict).collect();
        let expected: Vec<Verdict> = docs.iter().map(|d| oracle3(d, &items)).collect();
        prop_assert_eq!(verdicts, expected);
    }

    /// A bundle's ruleset, whose runs of exact-match IOCs stay dormant until an item needs
    /// them, scans exactly as the documents compiled: cards, results (verdicts, reasons) and
    /// counters, and has the same digest.
    #[test]
    fn a_bundle_with_dormant_runs_scans_as_its_documents(
        tops in prop::collection::vec(prop_oneof![top(), keyed(), keyed()], 1..8),
        items in prop::collection::vec(item(), 0..12),
    ) {
        let docs = documents(&tops);
        let (ruleset, _) = compile(&docs);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.bundle");
        let loaded = iocscan::load::Loaded { documents: docs, ..Default::default() };
        let file = std::fs::File::create(&path).unwrap();
        iocscan::bundle::write(&loaded, &[], std::io::BufWriter::new(file)).unwrap();
        let bundled = iocscan::bundle::load(&path).unwrap().ruleset;
        let (a, b) = (scan(&ruleset, &items), scan(&bundled, &items));
        prop_assert_eq!(&a.cards, &b.cards);
        prop_assert_eq!(&a.results, &b.results);
        prop_assert_eq!(&a.stats, &b.stats);
        prop_assert_eq!(ruleset.digest(), bundled.digest());
        // Once everything is compiled, the two are the same ruleset.
        prop_assert_eq!(ruleset.dump_tree(), bundled.dump_tree());
        prop_assert_eq!(bundled.dormant(), 0);
    }

    #[test]
    fn evaluation_is_order_independent(
        tops in prop::collection::vec(top(), 1..4),
        items in prop::collection::vec(item(), 0..12),
        seed in any::<u64>(),
    ) {
        let (ruleset, _) = compile(&documents(&tops));
        let mut shuffled = items.clone();
        // A seeded Fisher-Yates shuffle.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let a = scan(&ruleset, &items);
        let b = scan(&ruleset, &shuffled);
        prop_assert_eq!(a.cards, b.cards);
        prop_assert_eq!(a.results, b.results);
        prop_assert_eq!(a.stats, b.stats);
    }
}

/// Fixed items touching every kind the samples use.
fn fixed_items() -> Vec<Item> {
    vec![
        Item::new(ItemKind::File)
            .with(Field::FileFullPath, "/tmp/evil.exe")
            .with(Field::FileFileName, "evil.exe")
            .with(Field::FileSizeInBytes, 4096)
            .with(Field::FileMd5sum, "d41d8cd98f00b204e9800998ecf8427e"),
        Item::new(ItemKind::Process).with(Field::ProcessName, "bash").with(Field::ProcessPid, 1),
        Item::new(ItemKind::Port).with(Field::PortRemotePort, 443),
    ]
}

/// Every IOC file of the test data and the samples (and the replayed fuzz inputs) compiles,
/// and both evaluation paths agree on it.
#[test]
fn test_data_and_fuzz_inputs_evaluate_alike_on_both_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/data/good", "tests/data/fuzz", "ioc-samples"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    let mut compiled = 0;
    for file in files {
        let Ok(bytes) = std::fs::read(&file) else { continue };
        let Ok(parsed) = iocscan::parse::parse(&file, &bytes) else { continue };
        let (ruleset, _) = compile(&[parsed.document]);
        let items = fixed_items();
        let reference = Scanner::reference(&ruleset);
        reference.scan_items(&items);
        assert_eq!(scan(&ruleset, &items).cards, reference.finish().cards, "{}", file.display());
        compiled += 1;
    }
    assert!(compiled >= 20, "only {compiled} files compiled");
}
