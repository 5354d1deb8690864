//! Compiler unit tests, and small builders of IOC XML shared with the evaluator's tests.

use super::tree::{GExpr, Part};
use super::*;
use crate::diag::Code;
use crate::logic::Truth;
use crate::terms::Field;
use std::path::Path;

/// A 1.1 IndicatorItem: `attrs` are extra attributes (`negate="true"`), `ty` the Content type.
pub(crate) fn item(
    id: &str,
    cond: &str,
    search: &str,
    ty: &str,
    content: &str,
    attrs: &str,
) -> String {
    let doc = search.split('/').next().unwrap_or_default();
    format!(
        r#"<IndicatorItem id="{id}" condition="{cond}" {attrs}><Context document="{doc}" search="{search}" type="mir"/><Content type="{ty}">{content}</Content></IndicatorItem>"#
    )
}

/// An Indicator.
pub(crate) fn ind(id: &str, op: &str, children: &[String]) -> String {
    format!(r#"<Indicator id="{id}" operator="{op}">{}</Indicator>"#, children.concat())
}

/// A 1.1 document with the given top-level Indicators.
pub(crate) fn doc11(id: &str, tops: &[String]) -> IocDocument {
    let xml = format!(
        r#"<?xml version="1.0"?><OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="{id}" last-modified="2024-01-01T00:00:00"><metadata><short_description>{id}</short_description><authored_date>0001-01-01T00:00:00</authored_date></metadata><criteria>{}</criteria></OpenIOC>"#,
        tops.concat()
    );
    parse_doc(&xml)
}

/// A 1.0 document whose `definition` holds `top`.
pub(crate) fn doc10(id: &str, top: &str) -> IocDocument {
    let xml = format!(
        r#"<?xml version="1.0"?><ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="{id}" last-modified="2013-01-01T00:00:00"><short_description>{id}</short_description><definition>{top}</definition></ioc>"#
    );
    parse_doc(&xml)
}

pub(crate) fn parse_doc(xml: &str) -> IocDocument {
    match crate::parse::parse(Path::new("t.ioc"), xml.as_bytes()) {
        Ok(parsed) => parsed.document,
        Err(e) => panic!("test XML does not parse: {e}\n{xml}"),
    }
}

fn codes(diags: &[Diagnostic]) -> Vec<Code> {
    diags.iter().map(|d| d.code).collect()
}

pub(crate) fn one(tops: &[String]) -> (Ruleset, Vec<Diagnostic>) {
    compile(&[doc11("x", tops)])
}

#[test]
fn hash_and_name_bind_to_one_file_group() {
    let top = ind(
        "t",
        "AND",
        &[
            item("a", "is", "FileItem/FileName", "string", "evil.exe", ""),
            item("b", "is", "FileItem/Md5sum", "md5", "d41d8cd98f00b204e9800998ecf8427e", ""),
        ],
    );
    let (rs, diags) = one(&[top]);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(rs.groups(), 1);
    assert!(rs.segments().ioc(0).tops[0].scoped);
    let req = rs.requirements();
    assert!(req.fields.contains(Field::FileMd5sum) && req.fields.contains(Field::FileFileName));
    assert!(!req.fields.contains(Field::FileSha256sum));
    // The trigger is the cheap name, not the digest: no file needs hashing up front.
    assert!(rs.kinds[0].triggers.content_triggers.is_empty());
    assert_eq!(rs.triggers.of(0), [0]);
}

#[test]
fn pure_hash_group_triggers_on_the_digest() {
    let top =
        ind("t", "OR", &[item("b", "is", "FileItem/Sha256sum", "sha256", &"ab".repeat(32), "")]);
    let (rs, _) = one(&[top]);
    assert!(rs.kinds[0].triggers.content_triggers.contains(Field::FileSha256sum));
}

#[test]
fn kinds_split_into_groups_and_nested_pure_indicators_join() {
    // AND(File ends-with .dll, OR(File md5 X, File md5 Y), Process name) -> File group of
    // three leaves, Process group of one.
    let md5 = |id, h: &str| item(id, "is", "FileItem/Md5sum", "md5", &h.repeat(16), "");
    let top = ind(
        "t",
        "AND",
        &[
            item("a", "ends-with", "FileItem/FileName", "string", ".dll", ""),
            ind("o", "OR", &[md5("b", "aa"), md5("c", "bb")]),
            item("d", "is", "ProcessItem/name", "string", "evil.exe", ""),
        ],
    );
    let (rs, _) = one(&[top]);
    assert_eq!(rs.groups(), 2);
    let file = rs.segments().groups().find(|g| g.kind == ItemKind::File).unwrap();
    assert_eq!(file.leaves.len(), 3);
    assert!(matches!(&file.expr, GExpr::Op(tree::Op::And, ch) if ch.len() == 2));
    let top = &rs.segments().ioc(0).tops[0];
    assert!(!top.scoped && top.parts.len() == 2);
}

#[test]
fn unsupported_leaf_is_false_and_does_not_break_grouping() {
    let top = ind(
        "t",
        "OR",
        &[
            item("a", "is", "FileItem/FileName", "string", "a", ""),
            item("b", "is", "FileItem/Md5Sum", "md5", &"00".repeat(16), ""),
            item("c", "is", "FileItem/FullPath", "string", "/a", ""),
        ],
    );
    let (rs, diags) = one(&[top]);
    assert_eq!(codes(&diags), vec![Code::UnsupportedTerm]);
    let note = diags[0].note.as_deref().unwrap();
    assert!(note.contains("FileItem/Md5sum") && note.contains("OR still matches"), "{note}");
    assert_eq!(rs.unsupported_items(), 1);
    assert_eq!(rs.groups(), 1);
    assert!(rs.segments().ioc(0).tops[0].scoped);
    assert!(!rs.requirements().fields.contains(Field::FileMd5sum));
}

#[test]
fn unsupported_in_and_makes_ioc_never_match() {
    let top = ind(
        "t",
        "AND",
        &[
            item("a", "is", "FileItem/FileName", "string", "a", ""),
            item("b", "is", "RegistryItem/Path", "string", "x", ""),
        ],
    );
    let (rs, diags) = one(&[top]);
    assert_eq!(codes(&diags), vec![Code::UnsupportedTerm, Code::NeverMatches]);
    assert!(diags[0].note.as_deref().unwrap().contains("AND branch can never match"));
    assert!(!rs.iocs().next().unwrap().can_match);
}

#[test]
fn every_never_matching_cause_has_its_code() {
    let cases: Vec<(String, Code)> = vec![
        (item("a", "bogus", "FileItem/FileName", "string", "a", ""), Code::UnsupportedCondition),
        (item("a", "greater-than", "FileItem/FileName", "string", "a", ""), Code::ConditionType),
        (item("a", "contains", "PortItem/isIPv6", "bool", "t", ""), Code::ConditionType),
        (item("a", "is", "FileItem/Md5sum", "md5", "xyz", ""), Code::BadContent),
        (item("a", "is", "FileItem/SizeInBytes", "int", "12kb", ""), Code::BadContent),
        (item("a", "is", "FileItem/Modified", "date", "yesterday", ""), Code::BadContent),
        (item("a", "is", "PortItem/remoteIP", "IP", "1.2.3", ""), Code::BadContent),
        (item("a", "is", "PortItem/isIPv6", "bool", "maybe", ""), Code::BadContent),
        (item("a", "is", "FileItem/FileName", "string", "", ""), Code::EmptyContent),
        (item("a", "matches", "FileItem/FileName", "string", "(", ""), Code::BadRegex),
        (
            item("a", "is", "FileItem/FileName", "string", "a", r#"negate="perhaps""#),
            Code::UnsupportedCondition,
        ),
        (item("a", "is", "eventItem/x", "string", "a", ""), Code::UnsupportedTerm),
    ];
    for (xml, code) in cases {
        let (rs, diags) = one(&[ind("t", "OR", std::slice::from_ref(&xml))]);
        assert_eq!(codes(&diags), vec![code, Code::NeverMatches], "{xml}");
        assert_eq!(rs.unsupported_items(), 1, "{xml}");
        assert!(diags[0].note.is_some(), "{xml}");
    }
}

#[test]
fn content_type_disagreement_warns_and_term_type_wins() {
    let leaf =
        item("a", "is", "FileItem/Md5sum", "string", " D41D8CD98F00B204E9800998ECF8427E ", "");
    let (rs, diags) = one(&[ind("t", "OR", &[leaf])]);
    assert_eq!(codes(&diags), vec![Code::ContentType]);
    assert!(rs.leaf_table()[0].supported());
    // A substring search on a digest typed string is text search: no warning.
    let leaf = item("a", "contains", "FileItem/Md5sum", "string", "d41d", "");
    assert!(one(&[ind("t", "OR", &[leaf])]).1.is_empty());
}

#[test]
fn other_version_conditions_are_accepted_with_a_warning() {
    let (rs, diags) =
        one(&[ind("t", "OR", &[item("a", "isnot", "FileItem/FileName", "string", "a", "")])]);
    assert_eq!(codes(&diags), vec![Code::OtherVersionCondition]);
    assert!(rs.leaf_table()[0].negate && rs.leaf_table()[0].supported());
    assert_eq!(rs.leaf_table()[0].text, "FileItem/FileName is not a");
    let ten = doc10(
        "y",
        r#"<Indicator operator="OR" id="t"><IndicatorItem id="a" condition="matches"><Context document="FileItem" search="FileItem/FileName" type="mir"/><Content type="string">a.*</Content></IndicatorItem></Indicator>"#,
    );
    let (rs, diags) = compile(&[ten]);
    assert_eq!(codes(&diags), vec![Code::OtherVersionCondition]);
    assert!(rs.leaf_table()[0].supported());
}

#[test]
fn ten_containsnot_negates_and_preserve_case_only_in_eleven() {
    let ten = doc10(
        "y",
        r#"<Indicator operator="OR" id="t"><IndicatorItem id="a" condition="containsnot" preserve-case="true"><Context document="FileItem" search="FileItem/FileName" type="mir"/><Content type="string">Ab</Content></IndicatorItem></Indicator>"#,
    );
    let (rs, diags) = compile(&[ten]);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(rs.leaf_table()[0].negate && rs.leaf_table()[0].fold);
    assert_eq!(rs.leaf_table()[0].text, "FileItem/FileName contains not Ab");
    let (rs, _) = one(&[ind(
        "t",
        "OR",
        &[item(
            "a",
            "is",
            "FileItem/FileName",
            "string",
            "Ab",
            r#"preserve-case="true" negate="true""#,
        )],
    )]);
    assert!(rs.leaf_table()[0].negate && !rs.leaf_table()[0].fold);
    // Hex stays case-insensitive whatever preserve-case says.
    let (rs, _) = one(&[ind(
        "t",
        "OR",
        &[item("a", "contains", "FileItem/Md5sum", "md5", "D41D", r#"preserve-case="true""#)],
    )]);
    assert!(rs.leaf_table()[0].fold);
}

#[test]
fn empty_indicator_and_unknown_operator_never_match() {
    let (rs, diags) = one(&[ind("t", "OR", &[])]);
    assert_eq!(codes(&diags), vec![Code::EmptyIndicator, Code::NeverMatches]);
    // Never true, whatever the groups; and false (not unknown) to the verdict: an OR of nothing.
    assert!(!rs.segments().ioc(0).tops[0].eval(&|_| true));
    assert_eq!(rs.segments().ioc(0).tops[0].eval3(&|_| Truth::True), Truth::False);
    let (rs, diags) =
        one(&[ind("t", "XOR", &[item("a", "is", "FileItem/FileName", "string", "a", "")])]);
    assert_eq!(codes(&diags), vec![Code::UnknownOperator, Code::NeverMatches]);
    // An unknown operator could mean either: unknown to the verdict.
    assert!(!rs.segments().ioc(0).tops[0].eval(&|_| true));
    assert_eq!(rs.segments().ioc(0).tops[0].eval3(&|_| Truth::True), Truth::Unknown);
}

#[test]
fn document_mismatch_warns_and_term_wins() {
    let xml = r#"<IndicatorItem id="a" condition="is"><Context document="ProcessItem" search="FileItem/FileName" type="mir"/><Content type="string">a</Content></IndicatorItem>"#;
    let (rs, diags) = one(&[ind("t", "OR", &[xml.to_string()])]);
    assert_eq!(codes(&diags), vec![Code::DocumentMismatch]);
    assert_eq!(rs.group(0).kind, ItemKind::File);
}

#[test]
fn metadata_is_kept_as_written_and_comments_attach() {
    let doc = doc10(
        "y",
        r#"<Indicator operator="OR" id="t"><IndicatorItem id="a" condition="is"><Context document="FileItem" search="FileItem/FileName" type="mir"/><Content type="string">a</Content><Comment>seen in the wild</Comment></IndicatorItem></Indicator>"#,
    );
    let (rs, _) = compile(&[doc]);
    let info = rs.iocs().next().unwrap();
    assert_eq!(info.last_modified.as_deref(), Some("2013-01-01T00:00:00"));
    assert_eq!(rs.leaf_table()[0].comment.as_deref(), Some("seen in the wild"));
    assert_eq!(rs.len(), 1);
}

#[test]
fn mixed_top_with_unsupported_part_keeps_false_part() {
    let top = ind(
        "t",
        "AND",
        &[
            item("a", "is", "FileItem/FileName", "string", "a", ""),
            item("b", "is", "ProcessItem/name", "string", "p", ""),
            item("c", "is", "Nope/x", "string", "p", ""),
        ],
    );
    let (rs, _) = one(&[top]);
    let parts = &rs.segments().ioc(0).tops[0].parts;
    assert_eq!(parts.len(), 3);
    assert!(matches!(parts[2], Part::Never(_)));
}

#[test]
fn ruleset_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Ruleset>();
}

#[test]
fn indexes_agree_with_direct_tests_on_every_type() {
    use crate::item::Value;
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let leaves = [
        ("is", "FileItem/Md5sum", "md5", md5.to_uppercase(), ""),
        ("contains", "FileItem/Md5sum", "string", "8CD9".to_string(), ""),
        ("is", "FileItem/FileName", "string", "Evil.exe".into(), ""),
        ("is", "FileItem/FileName", "string", "Evil.exe".into(), r#"preserve-case="true""#),
        ("starts-with", "FileItem/FileName", "string", "EV".into(), ""),
        ("ends-with", "FileItem/FileName", "string", "exe".into(), r#"preserve-case="true""#),
        ("contains", "FileItem/FileName", "string", "İ".into(), ""),
        ("matches", "FileItem/FileName", "string", "^e.i".into(), ""),
        ("is", "FileItem/SizeInBytes", "int", "0x10".into(), ""),
        ("is", "FileItem/SizeInBytes", "int", "1 TO 20".into(), ""),
        ("contains", "FileItem/SizeInBytes", "int", "6".into(), ""),
        ("less-than", "FileItem/SizeInBytes", "int", "17".into(), ""),
        ("is", "FileItem/Modified", "date", "2024-01-01T00:00:00".into(), ""),
        ("contains", "FileItem/Modified", "date", "t00:".into(), ""),
        (
            "starts-with",
            "FileItem/Modified",
            "date",
            "2024-01-01T".into(),
            r#"preserve-case="true""#,
        ),
        ("is", "PortItem/remoteIP", "IP", "::ffff:10.0.0.1".into(), ""),
        ("ends-with", "PortItem/remoteIP", "IP", ".1".into(), ""),
        ("is", "PortItem/isIPv6", "bool", "yes".into(), ""),
        ("is", "UserItem/grouplist/groupname", "string", "wheel".into(), ""),
    ];
    let xml: Vec<String> = leaves
        .iter()
        .enumerate()
        .map(|(i, (c, s, t, v, a))| {
            ind(&format!("t{i}"), "OR", &[item(&format!("l{i}"), c, s, t, v, a)])
        })
        .collect();
    let (rs, diags) = one(&xml);
    assert!(rs.segments().leaves().all(|l| l.supported()), "{diags:?}");
    let date = super::value::parse_date("2024-01-01T00:00:00").unwrap();
    let values = [
        Value::from(md5),
        Value::from(format!(" {} ", md5.to_uppercase())),
        Value::from("evil.exe"),
        Value::from("Evil.exe"),
        Value::from("EVIL.EXE"),
        Value::from("i̇evil"),
        Value::Int(16),
        Value::Int(6),
        Value::Int(-3),
        Value::Date(date),
        Value::Ip("10.0.0.1".parse().unwrap()),
        Value::Ip("::ffff:10.0.0.1".parse().unwrap()),
        Value::Bool(true),
        Value::Bool(false),
        Value::List(vec![Value::from("users"), Value::from("WHEEL")]),
    ];
    let mut checked = 0;
    for kind in &rs.kinds {
        for fi in &kind.fields {
            for v in &values {
                let mut got = Vec::new();
                fi.raw_matches(v, rs.leaf_table(), &mut got);
                got.sort_unstable();
                got.dedup();
                let want: Vec<u32> = fi
                    .leaves
                    .iter()
                    .copied()
                    .filter(|l| rs.leaf_table()[*l as usize].raw_match(v))
                    .collect();
                assert_eq!(got, want, "{} on {v:?}", fi.field.name());
                checked += usize::from(!want.is_empty());
            }
        }
    }
    assert!(checked >= 12, "only {checked} matching pairs");
}

#[test]
fn chunks_merge_with_consistent_ids() {
    // More documents than one compilation chunk: ids of later chunks must be shifted.
    let n = super::CHUNK_DOCUMENTS * 2 + 7;
    let docs: Vec<IocDocument> = (0..n)
        .map(|i| {
            let leaves = [
                item(&format!("n{i}"), "is", "FileItem/FileName", "string", &format!("f{i}"), ""),
                item(&format!("p{i}"), "is", "ProcessItem/name", "string", &format!("p{i}"), ""),
            ];
            doc11(&format!("d{i}"), &[ind(&format!("t{i}"), "OR", &leaves)])
        })
        .collect();
    let (rs, diags) = compile(&docs);
    assert!(diags.is_empty());
    assert_eq!((rs.len(), rs.items(), rs.groups()), (n, 2 * n, 2 * n));
    for (gid, g) in rs.segments().groups().enumerate() {
        let leaf = &rs.leaf_table()[g.leaves[0] as usize];
        assert_eq!(leaf.field.map(|f| f.kind()), Some(g.kind), "group {gid}");
    }
    // The last document's branch names its own groups, and they their own leaves.
    let last = n - 1;
    let ids: Vec<Option<String>> = rs.segments().ioc(last).tops[0]
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Group(g) => Some(rs.group(*g)),
            _ => None,
        })
        .flat_map(|g| g.leaves.iter().map(|l| rs.leaf_table()[*l as usize].item_id.clone()))
        .collect();
    assert_eq!(ids, [Some(format!("n{last}")), Some(format!("p{last}"))]);
}

/// IOC `id` (its short_description): the string `s{id}` OR the rule `names`.
fn naming(id: &str, names: &str) -> IocDocument {
    let own = item(&format!("s{id}"), "contains", "Yara/TextString", "string", "s", "");
    let other = item(&format!("r{id}"), "contains", "Yara/RuleName", "string", names, "");
    doc11(id, &[ind(&format!("t{id}"), "OR", &[own, other])])
}

#[test]
fn rule_name_cycles_are_cut_and_warned_once_per_document() {
    // A = its string OR rule B; B = its string OR rule A: each inlines the other once, then
    // stops.
    let (a, b) = (naming("A", "B"), naming("B", "A"));
    let (rs, diags) = compile(&[a, b]);
    let cycles: Vec<&Diagnostic> = diags.iter().filter(|d| d.message.contains("cycle")).collect();
    assert_eq!(cycles.len(), 2, "{diags:?}");
    assert!(cycles.iter().all(|d| d.code == Code::BadContent), "{diags:?}");
    assert_eq!(diags.len(), 2, "the inlined documents' warnings are not repeated: {diags:?}");
    // Each: its string, the other's string, and the cut reference back.
    assert_eq!(rs.items(), 6);
    assert!(rs.iocs().all(|i| i.can_match));
}

#[test]
fn rule_names_deeper_than_the_nesting_limit_are_cut() {
    // A chain D0 -> D1 -> ... each naming the next: inlining stops at the nesting limit.
    let n = crate::limits::MAX_NESTING;
    let docs: Vec<IocDocument> =
        (0..n).map(|i| naming(&format!("D{i}"), &format!("D{}", i + 1))).collect();
    let (rs, diags) = compile(&docs);
    assert!(diags.iter().any(|d| d.message.contains("nested deeper")), "{diags:?}");
    assert!(rs.iocs().all(|i| i.can_match));
}
