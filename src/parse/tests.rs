//! Reader tests: the reference's minimal 1.0 and 1.1 documents, the quirks of real files, and
//! every error with its position.

use super::*;
use crate::model::{Node, Version};
use crate::source::Position;

const MIN_1_0: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="11111111-2222-3333-4444-555555555555"
     last-modified="2024-01-01T00:00:00">
  <short_description>example</short_description>
  <authored_date>2024-01-01T00:00:00</authored_date>
  <definition>
    <Indicator operator="OR" id="a0000000-0000-0000-0000-000000000001">
      <IndicatorItem id="a0000000-0000-0000-0000-000000000002" condition="is">
        <Context document="FileItem" search="FileItem/Md5sum" type="mir"/>
        <Content type="md5">d41d8cd98f00b204e9800998ecf8427e</Content>
      </IndicatorItem>
      <Indicator operator="AND" id="a0000000-0000-0000-0000-000000000003">
        <IndicatorItem id="a0000000-0000-0000-0000-000000000004" condition="is">
          <Context document="FileItem" search="FileItem/FileName" type="mir"/>
          <Content type="string">evil.exe</Content>
        </IndicatorItem>
        <IndicatorItem id="a0000000-0000-0000-0000-000000000005" condition="isnot">
          <Context document="FileItem" search="FileItem/PEInfo/DigitalSignature/SignatureExists" type="mir"/>
          <Content type="string">true</Content>
          <Comment>typed string</Comment>
        </IndicatorItem>
      </Indicator>
    </Indicator>
  </definition>
</ioc>
"#;

const MIN_1_1: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="11111111-2222-3333-4444-555555555555"
         last-modified="2024-01-01T00:00:00" published-date="0001-01-01T00:00:00">
  <metadata>
    <short_description>example</short_description>
    <description>two
lines</description>
    <keywords>k1 k2</keywords>
    <authored_by>me</authored_by>
    <authored_date>2024-01-01T00:00:00</authored_date>
    <links><link rel="family" href="http://x/">BLACKSTAR</link></links>
  </metadata>
  <criteria>
    <Indicator operator="OR" id="a1">
      <IndicatorItem id="a2" condition="is" preserve-case="false" negate="false">
        <Context document="FileItem" search="FileItem/Md5sum" type="mir"/>
        <Content type="md5">d41d8cd98f00b204e9800998ecf8427e</Content>
      </IndicatorItem>
    </Indicator>
    <Indicator operator="AND" id="a3">
      <IndicatorItem id="a5" condition="is" preserve-case="true" negate="true">
        <Context document="FileItem" search="FileItem/PEInfo/DigitalSignature/SignatureExists" type="mir"/>
        <Content type="bool">true</Content>
      </IndicatorItem>
    </Indicator>
  </criteria>
  <parameters>
    <param id="b1" ref-id="a5" name="comment">
      <value type="string">former 1.0 Comment element</value>
    </param>
  </parameters>
</OpenIOC>
"#;

fn ok(text: &str) -> Parsed {
    match parse(Path::new("t.ioc"), text.as_bytes()) {
        Ok(p) => p,
        Err(d) => panic!("rejected: {d}"),
    }
}

fn err(bytes: &[u8]) -> Diagnostic {
    match parse(Path::new("t.ioc"), bytes) {
        Ok(p) => panic!("accepted: {:?}", p.document),
        Err(d) => d,
    }
}

fn item(node: &Node) -> &crate::model::IndicatorItem {
    match node {
        Node::Item(i) => i,
        Node::Indicator(_) => panic!("not an item: {node:?}"),
    }
}

fn indicator(node: &Node) -> &crate::model::Indicator {
    match node {
        Node::Indicator(i) => i,
        Node::Item(_) => panic!("not an indicator: {node:?}"),
    }
}

/// A 1.1 document around `indicators` (the inside of `criteria`).
fn doc11(indicators: &str) -> String {
    format!(
        "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"x\"><criteria>{indicators}</criteria></OpenIOC>"
    )
}

#[test]
fn minimal_1_0() {
    let p = ok(MIN_1_0);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let d = &p.document;
    assert_eq!(d.version, Version::V1_0);
    assert_eq!(d.id, "11111111-2222-3333-4444-555555555555");
    assert_eq!(d.position, Position::new(2, 1));
    assert_eq!(d.last_modified.as_deref(), Some("2024-01-01T00:00:00"));
    assert_eq!(d.metadata.short_description.as_deref(), Some("example"));
    assert_eq!(d.metadata.authored_date.as_deref(), Some("2024-01-01T00:00:00"));
    assert_eq!(d.criteria.len(), 1);
    let top = &d.criteria[0];
    assert_eq!((top.operator.as_str(), top.position), ("OR", Position::new(7, 5)));
    assert_eq!(top.children.len(), 2);
    let md5 = item(&top.children[0]);
    assert_eq!(md5.id.as_deref(), Some("a0000000-0000-0000-0000-000000000002"));
    assert_eq!(md5.condition, "is");
    assert_eq!(md5.position, Position::new(8, 7));
    assert_eq!(md5.context.document, "FileItem");
    assert_eq!(md5.context.search, "FileItem/Md5sum");
    assert_eq!(md5.context.context_type.as_deref(), Some("mir"));
    assert_eq!(md5.context.position, Some(Position::new(9, 9)));
    assert_eq!(md5.content.content_type.as_deref(), Some("md5"));
    assert_eq!(md5.content.text, "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(md5.content.position, Some(Position::new(10, 9)));
    let and = indicator(&top.children[1]);
    assert_eq!(and.operator, "AND");
    let not = item(&and.children[1]);
    assert_eq!(not.condition, "isnot");
    assert_eq!(not.comment.as_deref(), Some("typed string"));
    assert_eq!(not.negate, None);
}

#[test]
fn minimal_1_1() {
    let p = ok(MIN_1_1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let d = &p.document;
    assert_eq!(d.version, Version::V1_1);
    assert_eq!(d.published_date.as_deref(), Some("0001-01-01T00:00:00"));
    let m = &d.metadata;
    assert_eq!(m.description.as_deref(), Some("two\nlines"));
    assert_eq!(m.keywords.as_deref(), Some("k1 k2"));
    assert_eq!(m.authored_by.as_deref(), Some("me"));
    assert_eq!(m.links.len(), 1);
    assert_eq!(m.links[0].rel.as_deref(), Some("family"));
    assert_eq!(m.links[0].href.as_deref(), Some("http://x/"));
    assert_eq!(m.links[0].value, "BLACKSTAR");
    assert_eq!(d.criteria.len(), 2);
    let neg = item(&d.criteria[1].children[0]);
    assert_eq!(neg.negate.as_deref(), Some("true"));
    assert_eq!(neg.preserve_case.as_deref(), Some("true"));
    assert_eq!(d.parameters.len(), 1);
    let param = &d.parameters[0];
    assert_eq!(param.id.as_deref(), Some("b1"));
    assert_eq!(param.ref_id.as_deref(), Some("a5"));
    assert_eq!(param.name, "comment");
    assert_eq!(param.value, "former 1.0 Comment element");
    assert_eq!(param.value_type.as_deref(), Some("string"));
}

#[test]
fn bom_crlf_and_comments_everywhere() {
    let text =
        MIN_1_0.replace('\n', "\r\n").replacen("<ioc ", "<!-- licence\r\n text -->\r\n<ioc ", 1);
    let text = format!("<!-- before the declaration -->{text}").replace(
        "<IndicatorItem id=\"a0000000-0000-0000-0000-000000000002\"",
        "<!-- inside --><IndicatorItem id=\"a0000000-0000-0000-0000-000000000002\"",
    );
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let p = parse(Path::new("t.ioc"), &bytes).unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.document.position, Position::new(4, 1));
    assert_eq!(p.document.criteria[0].position, Position::new(9, 5));
}

#[test]
fn mixed_line_ends_count_lines() {
    let text = doc11("\r<Indicator operator=\"OR\">\r\n\n  <IndicatorItem condition=\"is\"><Context/><Content/></IndicatorItem></Indicator>");
    let p = ok(&text);
    let top = &p.document.criteria[0];
    assert_eq!(top.position.line, 2);
    assert_eq!(item(&top.children[0]).position, Position::new(4, 3));
}

#[test]
fn utf16_document() {
    let text = MIN_1_1.replace("utf-8", "utf-16");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let p = parse(Path::new("t.ioc"), &bytes).unwrap();
    assert_eq!(p.document.version, Version::V1_1);
    assert_eq!(p.document.criteria[0].position, Position::new(14, 5));
}

#[test]
fn content_keeps_whitespace_and_resolves_references() {
    let text = doc11(
        "<Indicator operator=\"OR\"><IndicatorItem condition=\"contains\"><Context document=\"FileItem\" search=\"FileItem/FullPath\"/>\
         <Content type=\"string\">  a &amp; b &lt;c&gt; &#x41;&#66; <![CDATA[<d>]]>\n</Content></IndicatorItem></Indicator>",
    );
    let p = ok(&text);
    assert_eq!(item(&p.document.criteria[0].children[0]).content.text, "  a & b <c> AB <d>\n");
}

#[test]
fn children_in_any_order_and_items_without_ids() {
    let text = doc11(
        "<Indicator operator=\"AND\">\
           <Indicator operator=\"OR\"><IndicatorItem condition=\"is\"><Context/><Content>1</Content></IndicatorItem></Indicator>\
           <IndicatorItem condition=\"is\"><Context/><Content>2</Content></IndicatorItem>\
           <Indicator operator=\"OR\" id=\"\"><IndicatorItem condition=\"is\"><Context/><Content>3</Content></IndicatorItem></Indicator>\
         </Indicator>",
    );
    let p = ok(&text);
    let top = &p.document.criteria[0];
    assert_eq!(top.id, None);
    assert!(matches!(top.children[0], Node::Indicator(_)));
    assert_eq!(item(&top.children[1]).content.text, "2");
    assert_eq!(item(&top.children[1]).id, None);
    assert_eq!(indicator(&top.children[2]).id, None);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn value_attribute_when_content_is_empty() {
    let text = doc11(
        "<Indicator operator=\"OR\">\
           <IndicatorItem condition=\"is\"><Context/><Content type=\"md5\" value=\"abc\"/></IndicatorItem>\
           <IndicatorItem condition=\"is\"><Context/><Content value=\"ignored\">text</Content></IndicatorItem>\
         </Indicator>",
    );
    let p = ok(&text);
    let c = &p.document.criteria[0].children;
    assert_eq!(item(&c[0]).content.text, "abc");
    assert_eq!(item(&c[1]).content.text, "text");
}

#[test]
fn odd_context_type_is_kept() {
    let text = doc11("<Indicator operator=\"OR\"><IndicatorItem condition=\"is\"><Context document=\"ProcessItem\" search=\"ProcessItem/name\" type=\"volatility\"/><Content>x</Content></IndicatorItem></Indicator>");
    let p = ok(&text);
    assert_eq!(
        item(&p.document.criteria[0].children[0]).context.context_type.as_deref(),
        Some("volatility")
    );
}

#[test]
fn unknown_elements_warn_once_per_kind() {
    let text = doc11(
        "<Indicator operator=\"OR\"><Foo/><Foo><Bar/></Foo><Baz/>\
         <IndicatorItem condition=\"is\"><Context/><Content>x<b>y</b>z</Content><Extra/></IndicatorItem></Indicator>",
    );
    let p = ok(&text);
    let msgs: Vec<String> = p.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(msgs.len(), 4, "{msgs:#?}");
    assert!(p.warnings.iter().all(|w| w.code == Code::Structure));
    assert!(msgs[0].contains("unknown element `Foo` in Indicator"), "{msgs:#?}");
    assert!(msgs[1].contains("`Baz`"));
    assert!(msgs[2].contains("`b` in text element"));
    assert!(msgs[3].contains("`Extra` in IndicatorItem"));
    assert_eq!(item(&p.document.criteria[0].children[0]).content.text, "xz");
}

#[test]
fn missing_context_and_second_content_warn() {
    let text = doc11("<Indicator operator=\"OR\"><IndicatorItem condition=\"is\"><Content>1</Content><Content>2</Content></IndicatorItem><IndicatorItem condition=\"is\"><Content>3</Content></IndicatorItem></Indicator>");
    let p = ok(&text);
    let msgs: Vec<String> = p.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        msgs,
        [
            "IndicatorItem with a second `Content`; the first is used",
            "IndicatorItem without `Context`"
        ]
    );
    assert_eq!(item(&p.document.criteria[0].children[0]).content.text, "1");
}

#[test]
fn odd_namespace_warns_and_reads() {
    let p = ok("<ioc id=\"x\"><definition><Indicator operator=\"OR\"/></definition></ioc>");
    assert_eq!(p.document.version, Version::V1_0);
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].message.contains("no namespace"), "{}", p.warnings[0]);
    let p = ok("<o:OpenIOC xmlns:o=\"urn:other\" id=\"x\"><o:criteria><o:Indicator operator=\"OR\"/></o:criteria></o:OpenIOC>");
    assert_eq!(p.document.version, Version::V1_1);
    assert!(p.warnings[0].message.contains("`urn:other`"));
}

#[test]
fn duplicate_node_ids_warn_at_the_second() {
    let text = doc11("<Indicator operator=\"OR\" id=\"d\">\n<IndicatorItem id=\"d\" condition=\"is\"><Context/><Content/></IndicatorItem>\n<IndicatorItem id=\"d\" condition=\"is\"><Context/><Content/></IndicatorItem></Indicator>");
    let p = ok(&text);
    let dups: Vec<_> = p.warnings.iter().filter(|w| w.code == Code::DuplicateNodeId).collect();
    assert_eq!(dups.len(), 2);
    assert_eq!(dups[0].position, Some(Position::new(2, 1)));
    assert_eq!(dups[1].position, Some(Position::new(3, 1)));
    assert!(dups[0].note.as_deref().unwrap_or_default().contains("1:74"), "{}", dups[0]);
}

#[test]
fn metadata_directly_under_a_1_1_root_is_kept() {
    let p = ok("<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"x\"><short_description>s</short_description><criteria><Indicator operator=\"OR\"/></criteria></OpenIOC>");
    assert_eq!(p.document.metadata.short_description.as_deref(), Some("s"));
    assert!(p.warnings.is_empty());
}

fn assert_error(bytes: &[u8], code: Code, position: Option<Position>, needle: &str) {
    let d = err(bytes);
    assert_eq!(d.code, code, "{d}");
    assert_eq!(d.position, position, "{d}");
    assert!(d.message.contains(needle), "{d}");
}

#[test]
fn latin1_bytes_under_utf8_load_with_a_located_warning() {
    let bytes: &[u8] = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"x\"><metadata><short_description>caf\xE9</short_description></metadata><criteria><Indicator operator=\"OR\"/></criteria></OpenIOC>";
    let p = parse(Path::new("t.ioc"), bytes).expect("loads");
    assert_eq!(p.document.metadata.short_description.as_deref(), Some("caf\u{e9}"));
    let w = &p.warnings[0];
    assert_eq!(w.code, Code::EncodingFallback, "{w}");
    assert_eq!(w.position, Some(Position::new(2, 96)), "{w}");
    assert!(w.message.contains("read as Windows-1252"), "{w}");
}

#[test]
fn errors_with_positions() {
    assert_error(
        b"<ioc id=\"x\">\n  <b></ioc>",
        Code::Xml,
        Some(Position::new(2, 6)),
        "not well-formed",
    );
    assert_error(b"<html id=\"x\"/>", Code::Root, Some(Position::new(1, 1)), "`html`");
    assert_error(
        b"\n<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\"/>",
        Code::MissingId,
        Some(Position::new(2, 1)),
        "no `id`",
    );
    assert_error(b"<ioc id=\"  \"/>", Code::MissingId, Some(Position::new(1, 1)), "no `id`");
    assert_error(
        b"<ioc id=\"x\"><short_description/></ioc>",
        Code::NoCriteria,
        Some(Position::new(1, 1)),
        "no `definition`",
    );
    assert_error(
        b"<ioc id=\"x\"><definition/></ioc>",
        Code::NoCriteria,
        Some(Position::new(1, 1)),
        "no Indicator",
    );
    assert_error(
        b"<?xml version=\"1.0\" encoding=\"klingon\"?><ioc id=\"x\"/>",
        Code::Encoding,
        None,
        "klingon",
    );
    assert_error(b"", Code::Xml, Some(Position::new(1, 1)), "no root");
    assert_error(
        b"<ioc id=\"x\"><definition>",
        Code::Xml,
        Some(Position::new(1, 25)),
        "not closed",
    );
}

#[test]
fn nesting_limit() {
    let deep = crate::limits::MAX_NESTING;
    let open = "<Indicator operator=\"OR\">".repeat(deep);
    let close = "</Indicator>".repeat(deep);
    let d = err(doc11(&format!("{open}{close}")).as_bytes());
    assert_eq!(d.code, Code::Nesting, "{d}");
    // root + criteria + 62 Indicators fit; the 63rd Indicator is element 65.
    let col = 1 + doc11("").find("</criteria>").unwrap_or(0) + 62 * 25;
    assert_eq!(d.position, Some(Position::new(1, col as u32)));
    let ok_depth = deep - 2;
    let text = doc11(&format!(
        "{}{}",
        "<Indicator operator=\"OR\">".repeat(ok_depth),
        "</Indicator>".repeat(ok_depth)
    ));
    ok(&text);
    // Unknown elements count too: depth is about the stack, not the model.
    let junk = format!("<x>{}</x>", "<y>".repeat(100));
    assert_eq!(err(doc11(&junk).as_bytes()).code, Code::Nesting);
}

#[test]
fn node_limit() {
    let n = crate::limits::MAX_NODES_PER_DOCUMENT;
    let items = "<IndicatorItem/>".repeat(n);
    let d = err(doc11(&format!("<Indicator operator=\"OR\">{items}</Indicator>")).as_bytes());
    assert_eq!(d.code, Code::TooManyNodes, "{d}");
    assert!(d.position.is_some());
}

/// Inputs shaped to hit super-linear paths (all near the 3 MiB limit); each must parse in
/// time proportional to its size. The bound is generous (debug build, shared machine): the
/// quadratic versions these guard against took minutes.
#[test]
fn adversarial_shapes_stay_linear() {
    let max = crate::limits::MAX_IOC_FILE_BYTES as usize;
    let head = "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"x\"";
    let many_attrs = {
        let mut t = format!("{head}><criteria><Indicator operator=\"OR\"");
        let mut i = 0;
        while t.len() < max - 100 {
            t.push_str(&format!(" a{i}=\"\""));
            i += 1;
        }
        t + "/></criteria></OpenIOC>"
    };
    let many_ns = {
        let mut t = head.to_string();
        let mut i = 0;
        while t.len() < max / 2 {
            t.push_str(&format!(" xmlns:p{i}=\"u\""));
            i += 1;
        }
        t.push_str("><criteria><Indicator operator=\"OR\">");
        while t.len() < max - 100 {
            t.push_str("<x/>");
        }
        t + "</Indicator></criteria></OpenIOC>"
    };
    let one_line = doc11(&format!(
        "<Indicator operator=\"OR\">{}</Indicator>",
        "<IndicatorItem/>".repeat(99_000)
    ));
    let unknown_kinds = {
        let mut t = format!("{head}><criteria><Indicator operator=\"OR\">");
        let mut i = 0;
        while t.len() < max - 100 {
            t.push_str(&format!("<u{i}/>"));
            i += 1;
        }
        t + "</Indicator></criteria></OpenIOC>"
    };
    for (name, text) in
        [("attrs", many_attrs), ("ns", many_ns), ("line", one_line), ("kinds", unknown_kinds)]
    {
        let started = std::time::Instant::now();
        let result = parse(Path::new("big.ioc"), text.as_bytes());
        let took = started.elapsed();
        if let Ok(p) = &result {
            let cap = crate::limits::MAX_STRUCTURE_WARNINGS_PER_DOCUMENT + 1;
            assert!(p.warnings.len() <= cap, "{name}: {} warnings", p.warnings.len());
        }
        eprintln!("{name}: {took:?}");
        assert!(took < std::time::Duration::from_secs(20), "{name}: {took:?}");
    }
}
