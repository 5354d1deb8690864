//! Evaluator unit tests: item-scoped vs host-wide binding, negation and missing data, lazy
//! digests, cards.

use super::*;
use crate::compile::compile;
use crate::compile::tests::{doc10, doc11, ind, item as leaf};
use crate::item::{Item, NotEvaluated};
use crate::item::{Lookup, Value};
use crate::terms::Field;
use crate::verdict::{ExplainNode, Reason, Truth, Verdict};
use std::sync::atomic::AtomicUsize;

const MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

fn file(name: &str, md5: &str) -> Item {
    Item::new(ItemKind::File)
        .with(Field::FileFileName, name)
        .with(Field::FileFullPath, format!("/tmp/{name}"))
        .with(Field::FileMd5sum, md5)
}

fn detect(tops: &[String], items: &[Item]) -> Detection {
    let (rs, _) = compile(&[doc11("x", tops)]);
    let fast = scan(&rs, items);
    let slow = Scanner::reference(&rs);
    slow.scan_items(items);
    assert_eq!(fast.cards, slow.finish().cards, "indexed and reference paths disagree");
    fast
}

fn name_and_hash() -> String {
    ind(
        "t",
        "AND",
        &[
            leaf("a", "is", "FileItem/FileName", "string", "Evil.exe", ""),
            leaf("b", "is", "FileItem/Md5sum", "md5", MD5, ""),
        ],
    )
}

#[test]
fn and_binds_one_file_not_two() {
    let other = "00".repeat(16);
    let two_files = [file("evil.exe", &other), file("good.exe", MD5)];
    assert!(detect(&[name_and_hash()], &two_files).cards.is_empty());
    let one_file = [file("EVIL.EXE", MD5), file("good.exe", MD5)];
    let d = detect(&[name_and_hash()], &one_file);
    assert_eq!(d.cards.len(), 1);
    let b = &d.cards[0].branches;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].kind, Some(ItemKind::File));
    assert_eq!(b[0].total_objects, 1);
    assert_eq!(b[0].conditions.len(), 2);
    assert_eq!(b[0].conditions[1].text, format!("FileItem/Md5sum is {MD5}"));
    let ev = &b[0].objects[0].evidence;
    assert_eq!(ev[0].observed, Value::from("EVIL.EXE"));
    assert_eq!(ev[1].term, "FileItem/Md5sum");
}

#[test]
fn different_kinds_combine_host_wide() {
    let top = ind(
        "t",
        "AND",
        &[
            leaf("a", "is", "ProcessItem/name", "string", "evil.exe", ""),
            leaf("b", "is", "PortItem/remotePort", "int", "443", ""),
        ],
    );
    let proc_ = Item::new(ItemKind::Process).with(Field::ProcessName, "evil.exe");
    let port = Item::new(ItemKind::Port).with(Field::PortRemotePort, 443);
    let d = detect(std::slice::from_ref(&top), &[proc_.clone(), port]);
    assert_eq!(d.cards.len(), 1);
    let kinds: Vec<_> = d.cards[0].branches.iter().map(|b| b.kind).collect();
    assert_eq!(kinds, vec![None, Some(ItemKind::Process), Some(ItemKind::Port)]);
    assert!(detect(&[top], &[proc_]).cards.is_empty());
}

#[test]
fn negation_never_turns_missing_data_true() {
    let top = ind(
        "t",
        "OR",
        &[leaf("a", "is", "ProcessItem/path", "string", "/bin/x", r#"negate="true""#)],
    );
    let no_path = Item::new(ItemKind::Process).with(Field::ProcessName, "x");
    let d = detect(std::slice::from_ref(&top), std::slice::from_ref(&no_path));
    assert!(d.cards.is_empty());
    assert_eq!(d.stats.not_evaluated, 1);
    let other = Item::new(ItemKind::Process).with(Field::ProcessPath, "/bin/y");
    assert_eq!(detect(&[top], &[no_path, other]).cards.len(), 1);
}

#[test]
fn list_terms_match_any_element_and_show_it() {
    let top =
        ind("t", "OR", &[leaf("a", "is", "UserItem/grouplist/groupname", "string", "wheel", "")]);
    let user = Item::new(ItemKind::User)
        .with(Field::UserUsername, "bob")
        .with(Field::UserGroupList, vec![Value::from("users"), Value::from("Wheel")]);
    let d = detect(std::slice::from_ref(&top), std::slice::from_ref(&user));
    assert_eq!(d.cards[0].branches[0].objects[0].evidence[0].observed, Value::from("Wheel"));
    // Negated: true only when no element matches.
    let neg = ind(
        "t",
        "OR",
        &[leaf("a", "is", "UserItem/grouplist/groupname", "string", "wheel", r#"negate="true""#)],
    );
    assert!(detect(&[neg], &[user]).cards.is_empty());
}

/// An item that counts how often each digest is asked for.
struct Lazy {
    item: Item,
    hashed: AtomicUsize,
}

impl ItemView for Lazy {
    fn kind(&self) -> ItemKind {
        ItemKind::File
    }
    fn lookup(&self, field: Field) -> Lookup<'_> {
        if field.term().cost == crate::terms::Cost::Content {
            self.hashed.fetch_add(1, Ordering::Relaxed);
        }
        self.item.lookup(field)
    }
    fn to_item(&self, fields: &[Field]) -> Item {
        self.item.to_item(fields)
    }
}

fn lazy(name: &str) -> Lazy {
    Lazy { item: file(name, MD5), hashed: AtomicUsize::new(0) }
}

#[test]
fn digests_are_read_only_for_candidate_files() {
    let (rs, _) = compile(&[doc11("x", &[name_and_hash()])]);
    let items = [lazy("good.exe"), lazy("evil.exe")];
    let d = scan(&rs, &items);
    assert_eq!(d.cards.len(), 1);
    assert_eq!(items[0].hashed.load(Ordering::Relaxed), 0, "hashed a file not named evil.exe");
    assert!(items[1].hashed.load(Ordering::Relaxed) >= 1);
    // A pure hash group must hash every file.
    let top = ind("t", "OR", &[leaf("b", "is", "FileItem/Md5sum", "md5", MD5, "")]);
    let (rs, _) = compile(&[doc11("x", &[top])]);
    let items = [lazy("good.exe")];
    assert_eq!(scan(&rs, &items).cards.len(), 1);
    assert!(items[0].hashed.load(Ordering::Relaxed) >= 1);
}

#[test]
fn negated_names_do_not_hash_the_files_they_exclude() {
    // AND(FileName is-not good.exe, Md5sum is-not Z) has no trigger: it is tried on every
    // file, but a file named good.exe already makes it false, so its digest is never read.
    let top = ind(
        "t",
        "AND",
        &[
            leaf("a", "is", "FileItem/FileName", "string", "good.exe", r#"negate="true""#),
            leaf("b", "is", "FileItem/Md5sum", "md5", &"00".repeat(16), r#"negate="true""#),
        ],
    );
    let (rs, _) = compile(&[doc11("x", &[top])]);
    let items = [lazy("good.exe"), lazy("other.exe")];
    assert_eq!(scan(&rs, &items).cards.len(), 1);
    assert_eq!(items[0].hashed.load(Ordering::Relaxed), 0);
    assert!(items[1].hashed.load(Ordering::Relaxed) >= 1);
}

#[test]
fn too_large_to_hash_is_not_evaluated_not_false_evidence() {
    struct Big;
    impl ItemView for Big {
        fn kind(&self) -> ItemKind {
            ItemKind::File
        }
        fn lookup(&self, field: Field) -> Lookup<'_> {
            match field {
                Field::FileMd5sum => Lookup::NotEvaluated(NotEvaluated::TooLargeToHash),
                _ => Lookup::Absent,
            }
        }
        fn to_item(&self, _: &[Field]) -> Item {
            Item::new(ItemKind::File)
        }
    }
    let top = ind("t", "OR", &[leaf("b", "is", "FileItem/Md5sum", "md5", MD5, r#"negate="true""#)]);
    let (rs, _) = compile(&[doc11("x", &[top])]);
    let s = Scanner::new(&rs);
    s.scan_item(&Big);
    let d = s.finish();
    assert!(d.cards.is_empty());
    assert_eq!(d.stats.not_evaluated, 1);
    let mut one_file = [0; ItemKind::COUNT];
    one_file[ItemKind::File.index()] = 1;
    assert_eq!(d.stats.items, one_file);
}

#[test]
fn substring_prefix_suffix_regex_and_ranges() {
    let tops = [
        ind("c", "OR", &[leaf("c1", "contains", "FileItem/FullPath", "string", "/TMP/", "")]),
        ind("s", "OR", &[leaf("s1", "starts-with", "FileItem/FileName", "string", "ev", "")]),
        ind(
            "e",
            "OR",
            &[leaf(
                "e1",
                "ends-with",
                "FileItem/FileName",
                "string",
                ".exe",
                r#"preserve-case="true""#,
            )],
        ),
        ind("r", "OR", &[leaf("r1", "matches", "FileItem/FullPath", "string", r"^/tmp/e.i", "")]),
        ind("n", "OR", &[leaf("n1", "is", "FileItem/SizeInBytes", "int", "[10 TO 0x20]", "")]),
        ind("g", "OR", &[leaf("g1", "greater-than", "FileItem/SizeInBytes", "int", "100", "")]),
    ];
    let f = file("evil.EXE", MD5).with(Field::FileSizeInBytes, 32);
    let d = detect(&tops, &[f]);
    let ids: Vec<_> = d.cards[0].branches.iter().map(|b| b.indicator_id.clone().unwrap()).collect();
    assert_eq!(ids, ["c", "s", "r", "n"]);
}

#[test]
fn cards_keep_a_capped_deterministic_object_list() {
    let top = ind("t", "OR", &[leaf("a", "ends-with", "FileItem/FileName", "string", ".dll", "")]);
    let mut items: Vec<Item> = (0..250).map(|i| file(&format!("{i:03}.dll"), MD5)).collect();
    let a = detect(std::slice::from_ref(&top), &items);
    items.reverse();
    let b = detect(&[top], &items);
    assert_eq!(a.cards, b.cards);
    let branch = &a.cards[0].branches[0];
    assert_eq!(branch.total_objects, 250);
    assert_eq!(branch.objects.len(), crate::limits::MAX_OBJECTS_PER_BRANCH);
    // Objects carry the card fields and the matched field only.
    let fields: Vec<_> = branch.objects[0].item.values().map(|(f, _)| f).collect();
    assert_eq!(fields, vec![Field::FileFullPath, Field::FileFileName, Field::FileMd5sum]);
}

#[test]
fn card_identity_metadata_and_nested_branches() {
    let doc = doc10(
        "ten",
        r#"<Indicator operator="OR" id="t"><Indicator operator="AND" id="n"><IndicatorItem id="a" condition="isnot"><Context document="ProcessItem" search="ProcessItem/name" type="mir"/><Content type="string">init</Content></IndicatorItem><IndicatorItem id="b" condition="is"><Context document="PortItem" search="PortItem/remotePort" type="mir"/><Content type="int">0x1BB</Content></IndicatorItem></Indicator></Indicator>"#,
    );
    let (rs, _) = compile(&[doc]);
    let items = [
        Item::new(ItemKind::Process).with(Field::ProcessName, "bash"),
        Item::new(ItemKind::Port).with(Field::PortRemotePort, 443),
    ];
    let d = scan(&rs, &items);
    let card = &d.cards[0];
    assert_eq!((card.id.as_str(), card.version), ("ten", crate::model::Version::V1_0));
    assert_eq!(card.metadata.short_description.as_deref(), Some("ten"));
    let shape: Vec<_> =
        card.branches.iter().map(|b| (b.indicator_id.clone().unwrap(), b.depth, b.kind)).collect();
    assert_eq!(
        shape,
        [
            ("t".to_string(), 0, None),
            ("n".to_string(), 1, None),
            ("n".to_string(), 1, Some(ItemKind::Process)),
            ("n".to_string(), 1, Some(ItemKind::Port)),
        ]
    );
    assert_eq!(card.branches[2].conditions[0].text, "ProcessItem/name is not init");
}

#[test]
fn kinds_in_use_lists_only_matchable_kinds() {
    let (rs, _) = compile(&[doc11("x", &[name_and_hash()])]);
    assert_eq!(kinds_in_use(&rs), vec![ItemKind::File]);
}

#[test]
fn verdicts_tell_clean_from_undetermined() {
    let unsupported = ind(
        "u",
        "OR",
        &[
            leaf("n", "is", "FileItem/FileName", "string", "nothing.exe", ""),
            leaf("r", "is", "RegistryItem/Path", "string", "Run", ""),
        ],
    );
    let (rs, _) = compile(&[doc11("clean", &[name_and_hash()]), doc11("open", &[unsupported])]);
    let items = [file("evil.exe", &"00".repeat(16)), file("good.exe", MD5)];
    let d = scan(&rs, &items);
    let verdicts: Vec<Verdict> = d.results.iter().map(|r| r.verdict).collect();
    assert_eq!(verdicts, [Verdict::Clean, Verdict::Undetermined]);
    assert_eq!(
        d.results[1].reasons,
        [Reason::UnsupportedTerm { term: "RegistryItem/Path".into(), items: 1 }]
    );
    // Not collected: every condition on the kind is unknown.
    let s = Scanner::new(&rs).uncollected([ItemKind::File]);
    let d = s.finish();
    assert_eq!(d.results[0].verdict, Verdict::Undetermined);
    assert_eq!(d.results[0].reasons, [Reason::KindNotCollected { kind: ItemKind::File }]);
}

#[test]
fn missing_fields_are_counted_in_the_reasons() {
    let top = ind("t", "OR", &[leaf("b", "is", "FileItem/Md5sum", "md5", MD5, "")]);
    let (rs, _) = compile(&[doc11("x", &[top])]);
    let no_digest = Item::new(ItemKind::File).with(Field::FileFullPath, "/big");
    let d = scan(&rs, &[no_digest.clone(), no_digest, file("other", &"11".repeat(16))]);
    assert_eq!(d.results[0].verdict, Verdict::Undetermined);
    assert_eq!(
        d.results[0].reasons,
        [Reason::FieldNotAvailable { term: "FileItem/Md5sum", objects: 2 }]
    );
}

#[test]
fn explanations_show_each_condition_outcome() {
    let (rs, _) = compile(&[doc11("x", &[name_and_hash()])]);
    let items = [file("evil.exe", &"00".repeat(16)), file("good.exe", MD5)];
    let s = Scanner::new(&rs).explain(&["x".to_string(), "absent".to_string()]);
    s.scan_items(&items);
    let d = s.finish();
    assert_eq!(d.explanations.len(), 1);
    let e = &d.explanations[0];
    assert_eq!(e.verdict, Verdict::Clean);
    let ExplainNode::Indicator { value, children, .. } = &e.tree[0] else { panic!("{e:?}") };
    assert_eq!(*value, Truth::False);
    let ExplainNode::Group { value, true_objects, children, .. } = &children[0] else {
        panic!("{e:?}")
    };
    assert_eq!((*value, *true_objects), (Truth::False, 0));
    let ExplainNode::Nested { children, .. } = &children[0] else { panic!("{e:?}") };
    let outcome = |n: &ExplainNode| match n {
        ExplainNode::Condition { value, true_objects, .. } => (*value, *true_objects),
        other => panic!("{other:?}"),
    };
    // FileName is evil.exe held on one file, Md5sum on the other: never on the same one.
    assert_eq!(outcome(&children[0]), (Truth::True, 1));
    assert_eq!(outcome(&children[1]), (Truth::True, 1));
}

#[test]
fn evidence_is_graded_state_or_record() {
    use crate::item::Record;
    let top = ind(
        "t",
        "OR",
        &[leaf("p", "is", "eventItem/processEvent/parentProcess", "string", "sshd", "")],
    );
    let (rs, _) = compile(&[doc11("x", &[top])]);
    let state = Item::new(ItemKind::ProcessEvent).with(Field::ProcessEvParentProcess, "sshd");
    let record = state.clone().with_record(Record { time: None, source: Some("sysmon".into()) });
    let grade = |item: &Item| {
        scan(&rs, std::slice::from_ref(item)).cards[0].branches[0].objects[0].evidence[0].grade
    };
    // The current parent stands in for the parent at start: approximate; a record is exact.
    assert_eq!(grade(&state), crate::terms::Grade::Approximate);
    assert_eq!(grade(&record), crate::terms::Grade::Exact);
    let d = scan(&rs, &[record]);
    assert_eq!(d.stats.recorded[&ItemKind::ProcessEvent].records, 1);
}

#[test]
fn cards_come_right_across_compilation_chunks() {
    // More documents than one compilation chunk: the last one still detects by its own leaves.
    let n = 2 * 2048 + 7;
    let docs: Vec<_> = (0..n)
        .map(|i| {
            let leaves = [
                leaf(&format!("n{i}"), "is", "FileItem/FileName", "string", &format!("f{i}"), ""),
                leaf(&format!("p{i}"), "is", "ProcessItem/name", "string", &format!("p{i}"), ""),
            ];
            doc11(&format!("d{i}"), &[ind(&format!("t{i}"), "OR", &leaves)])
        })
        .collect();
    let (rs, _) = compile(&docs);
    // On one thread the chunks are compiled two at a time: three chunks take two waves, and
    // the ruleset is the same whatever the thread count.
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let (rs1, _) = one.install(|| compile(&docs));
    assert_eq!(rs1.digest(), rs.digest());
    let last = n - 1;
    let target = Item::new(ItemKind::Process).with(Field::ProcessName, format!("P{last}"));
    for rs in [&rs, &rs1] {
        let d = scan(rs, std::slice::from_ref(&target));
        assert_eq!(d.cards.len(), 1);
        assert_eq!(d.cards[0].id, format!("d{last}"));
        assert_eq!(d.cards[0].branches[1].conditions[0].item_id, Some(format!("p{last}")));
    }
}

#[test]
fn a_host_without_true_groups_still_reports_never_matching_parts_unknown() {
    // One clean IOC, and one whose only condition is an unsupported term (unknown, never
    // true): on a host where no group is true, the first is omitted as clean, the second
    // stays undetermined (the shortcut for hosts with every group false must not hide it).
    let clean = ind("c", "OR", &[leaf("a", "is", "FileItem/FileName", "string", "evil", "")]);
    let unsupported = ind("u", "OR", &[leaf("b", "is", "RegistryItem/Path", "string", "x", "")]);
    let (rs, _) = compile(&[doc11("a", std::slice::from_ref(&clean)), doc11("b", &[unsupported])]);
    assert!(!rs.clean_when_groups_false());
    let scanner = Scanner::new(&rs).clean_results(false);
    scanner.scan_items(&[file("good.exe", MD5)]);
    let d = scanner.finish();
    assert_eq!(d.clean_omitted, 1);
    assert_eq!(d.results.len(), 1);
    assert_eq!(d.results[0].verdict, Verdict::Undetermined);
    // Without such a part, every IOC is clean and none is walked.
    let (rs, _) = compile(&[doc11("a", &[clean])]);
    assert!(rs.clean_when_groups_false());
    let scanner = Scanner::new(&rs).clean_results(false);
    scanner.scan_items(&[file("good.exe", MD5)]);
    let d = scanner.finish();
    assert_eq!((d.clean_omitted, d.results.len(), d.cards.len()), (1, 0, 0));
}
