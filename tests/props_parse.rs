//! Property tests: the reader and the loader never panic on mutated samples, and whatever the
//! reader accepts satisfies the model's invariants.
//!
//! Seeds are the files of `tests/data/good` and `tests/data/errors`; mutations are byte flips,
//! truncation, insertion of random bytes or XML fragments, deep nesting and repetition.

use iocscan::load::load_paths;
use iocscan::model::{Indicator, Node};
use iocscan::parse::{parse, Parsed};
use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn seed_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["tests/data/good", "tests/data/errors", "tests/data/errors/duplicate-ioc-id"] {
        let Ok(entries) = fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "ioc" || e == "xml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn seeds() -> Vec<Vec<u8>> {
    seed_files().iter().filter_map(|p| fs::read(p).ok()).collect()
}

/// XML-ish fragments that steer mutations towards interesting parser states.
const FRAGMENTS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "&",
    "&amp;",
    "&#x0;",
    "&#xFFFFFFFF;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    "<Indicator operator=\"OR\">",
    "</Indicator>",
    "<IndicatorItem id=\"a\" condition=\"is\">",
    "<Context/>",
    "<Content>",
    "</Content>",
    "\"",
    "'",
    "xmlns:p=\"urn:x\"",
    "\u{FEFF}",
    "\r",
    "\0",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Fragment(usize, usize),
    Repeat(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 0..FRAGMENTS.len()).prop_map(|(i, f)| Mutation::Fragment(i, f)),
        (any::<usize>(), 1usize..64, 1usize..50).prop_map(|(i, l, n)| Mutation::Repeat(i, l, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match m {
        Mutation::Flip(i, x) => {
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] ^= x;
            }
        }
        Mutation::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
        Mutation::Insert(i, b) => {
            let i = at(*i, bytes.len());
            bytes.splice(i..i, b.iter().copied());
        }
        Mutation::Fragment(i, f) => {
            let i = at(*i, bytes.len());
            bytes.splice(i..i, FRAGMENTS[*f].bytes());
        }
        Mutation::Repeat(i, len, n) => {
            let start = at(*i, bytes.len());
            let end = (start + len).min(bytes.len());
            let chunk = bytes[start..end].to_vec();
            for _ in 0..*n {
                bytes.splice(start..start, chunk.iter().copied());
            }
        }
    }
}

/// What an accepted document must satisfy.
fn check_invariants(parsed: &Parsed) {
    let doc = &parsed.document;
    assert!(!doc.id.trim().is_empty());
    assert!(!doc.criteria.is_empty());
    assert!(doc.position.line >= 1 && doc.position.column >= 1);
    let mut stack: Vec<(&Indicator, usize)> = doc.criteria.iter().map(|i| (i, 1)).collect();
    while let Some((ind, depth)) = stack.pop() {
        assert!(depth <= iocscan::limits::MAX_NESTING);
        assert!(ind.position.line >= 1 && ind.position.column >= 1);
        for child in &ind.children {
            match child {
                Node::Indicator(i) => stack.push((i, depth + 1)),
                Node::Item(item) => assert!(item.position.line >= 1),
            }
        }
    }
    assert!(parsed.warnings.iter().all(|w| !w.is_error()));
}

#[test]
fn seeds_are_present_and_good_ones_parse() {
    assert!(seed_files().len() >= 10, "seed files missing");
    for entry in fs::read_dir("tests/data/good").expect("tests/data/good").flatten() {
        let bytes = fs::read(entry.path()).expect("read");
        match parse(&entry.path(), &bytes) {
            Ok(p) => check_invariants(&p),
            Err(d) => panic!("{d}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_mutations(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let mut bytes = seed.get(&seeds).clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        if let Ok(parsed) = parse(Path::new("m.ioc"), &bytes) {
            check_invariants(&parsed);
        }
    }

    #[test]
    fn parse_never_panics_on_deep_nesting(
        depth in 0usize..400,
        open in prop::sample::select(vec!["<Indicator operator=\"AND\">", "<x>", "<IndicatorItem>", "<Content>"]),
        closed in any::<bool>(),
    ) {
        let mut text = String::from("<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"d\"><criteria>");
        text.push_str(&open.repeat(depth));
        if closed {
            let name = open.trim_start_matches('<').split([' ', '>']).next().unwrap_or("x");
            text.push_str(&format!("</{name}>").repeat(depth));
            text.push_str("</criteria></OpenIOC>");
        }
        if let Ok(parsed) = parse(Path::new("deep.ioc"), text.as_bytes()) {
            check_invariants(&parsed);
        }
    }

    #[test]
    fn parse_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(Path::new("r.ioc"), &bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn loader_never_panics(
        files in prop::collection::vec((any::<prop::sample::Index>(), prop::collection::vec(mutation(), 0..4), any::<bool>()), 1..6),
    ) {
        let seeds = seeds();
        let dir = tempfile::tempdir().expect("tmp dir");
        for (n, (seed, mutations, nested)) in files.iter().enumerate() {
            let mut bytes = seed.get(&seeds).clone();
            for m in mutations {
                apply(&mut bytes, m);
            }
            let folder = if *nested { dir.path().join("sub") } else { dir.path().to_path_buf() };
            fs::create_dir_all(&folder).expect("mkdir");
            fs::write(folder.join(format!("f{n}.ioc")), bytes).expect("write");
        }
        let c = load_paths(&[dir.path()]);
        prop_assert_eq!(c.files_seen, files.len());
        prop_assert_eq!(c.documents.len() + c.files_rejected.len(), files.len());
        let mut ids: Vec<&str> = c.documents.iter().map(|d| d.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        prop_assert_eq!(before, ids.len(), "ids are unique across the collection");
    }
}

#[test]
fn fuzz_inputs_replay() {
    let mut replayed = 0;
    for entry in fs::read_dir("tests/data/fuzz").expect("tests/data/fuzz").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = fs::read(&path).expect("read");
        if let Ok(parsed) = parse(&path, &bytes) {
            check_invariants(&parsed);
        }
        replayed += 1;
    }
    assert!(replayed > 0, "no fuzz input to replay");
}
