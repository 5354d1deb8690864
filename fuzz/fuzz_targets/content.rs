//! Bytes -> `collect::content::file_values`: a file's content is whatever is on the scanned
//! disk, malware crafted against parsers included. PE parsing (goblin behind iocscan's
//! guards) and the string search must never panic or hang, and give typed values.
#![no_main]

use iocscan::collect::content::{file_values, ContentProbes};
use iocscan::terms::{FieldSet, TERMS};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

/// A ruleset with string conditions of every kind (a regex makes every string a candidate).
fn probes() -> &'static (ContentProbes, ContentProbes) {
    static PROBES: OnceLock<(ContentProbes, ContentProbes)> = OnceLock::new();
    PROBES.get_or_init(|| {
        let ioc = |cond: &str, content: &str| {
            format!(
                "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"f\"><definition>\
                 <Indicator operator=\"OR\" id=\"t\"><IndicatorItem id=\"a\" condition=\"{cond}\">\
                 <Context document=\"FileItem\" search=\"FileItem/StringList/string\" type=\"mir\"/>\
                 <Content type=\"string\">{content}</Content></IndicatorItem></Indicator>\
                 </definition></ioc>"
            )
        };
        let probe = |text: String| {
            let parsed = iocscan::parse::parse(Path::new("f.ioc"), text.as_bytes()).expect("ioc");
            let (ruleset, _) = iocscan::compile(&[parsed.document]);
            ContentProbes::of(&ruleset)
        };
        (probe(ioc("contains", "kernel32")), probe(ioc("matches", "^[A-Z]:\\\\")))
    })
}

fuzz_target!(|data: &[u8]| {
    let fields: FieldSet = TERMS.iter().map(|t| t.field).collect();
    let (literal, every) = probes();
    for probes in [literal, every] {
        for (field, value) in file_values(data, &fields, probes) {
            assert!(field.term().kind == iocscan::ItemKind::File);
            if let Ok(value) = value {
                let _ = value.to_string();
            }
        }
    }
});
