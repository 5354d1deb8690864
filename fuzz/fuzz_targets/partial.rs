//! Bytes -> `eval::Partial::decode`: a partial comes from another process or machine and is
//! untrusted; decoding must never panic nor allocate beyond what the input pays for, and a
//! partial that decodes re-encodes to a partial equal to it, merges with itself, and
//! finishes (or is refused with a typed error) against a ruleset without panicking.
//!
//! The input is put after a valid header and the fixed ruleset's digest, so that the fuzzer
//! spends its time in the body rather than rediscovering the magic.
#![no_main]

use iocscan::eval::{Partial, PARTIAL_VERSION};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

const IOC: &[u8] = br#"<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="f"><criteria>
<Indicator operator="AND"><IndicatorItem condition="is"><Context document="FileItem"
search="FileItem/FileName"/><Content>a</Content></IndicatorItem><IndicatorItem condition="is">
<Context document="ProcessItem" search="ProcessItem/name"/><Content>b</Content></IndicatorItem>
</Indicator></criteria></OpenIOC>"#;

fn ruleset() -> &'static iocscan::Ruleset {
    static RS: OnceLock<iocscan::Ruleset> = OnceLock::new();
    RS.get_or_init(|| {
        let doc = iocscan::parse::parse(Path::new("f.ioc"), IOC).expect("parses").document;
        iocscan::compile(&[doc]).0
    })
}

fuzz_target!(|data: &[u8]| {
    let rs = ruleset();
    // As given (magic and version included) ...
    check(data, rs);
    // ... and after a valid header and digest.
    let mut bytes = b"IOCSPART".to_vec();
    bytes.extend_from_slice(&PARTIAL_VERSION.to_le_bytes());
    bytes.extend_from_slice(&rs.digest().0);
    bytes.extend_from_slice(data);
    check(&bytes, rs);
});

fn check(bytes: &[u8], rs: &iocscan::Ruleset) {
    let Ok(partial) = Partial::decode(bytes) else { return };
    let again = Partial::decode(&partial.encode()).expect("a decoded partial re-encodes");
    assert_eq!(again, partial);
    let mut twice = partial.clone();
    if twice.merge(again).is_ok() {
        let _ = twice.finish(rs);
    }
    let _ = partial.finish(rs);
}
