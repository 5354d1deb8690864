//! `Yara/Yara`: a whole YARA rule text written as an IndicatorItem's Content (ioc_writer's
//! converter copies it verbatim into its output), evaluated by the yara-x engine.
//!
//! Only with the cargo feature `yara`: the engine (wasmtime and cranelift, rules compile to
//! native code) more than triples build time and binary size, so the default build leaves such
//! items unsupported with a warning that names the feature ([`super::lower`]).
//!
//! Each distinct source is one namespace of ONE [`yara_x::Rules`] for the whole ruleset, built
//! once when the ruleset is compiled; the item holds on a file when any rule of its namespace
//! matches the file's bytes, scanned in the one content pass over them
//! ([`crate::collect::content`]). A source that does not compile is checked alone first, so its
//! error is the item's warning and the other sources still build. Not here: the native YARA
//! strings (`Yara/TextString`, ... in [`super::yara`]), which need no engine.

use crate::item::NotEvaluated;
use crate::limits::{MAX_YARA_MATCHES_PER_PATTERN, MAX_YARA_SOURCE_BYTES, YARA_SCAN_TIMEOUT};
use sha2::{Digest, Sha256};
use std::fmt;

/// One `Yara/Yara` item's source, checked to compile.
#[derive(Debug)]
pub(crate) struct YaraRule {
    /// Its namespace in the ruleset's engine, from the source's digest (equal sources share
    /// one): a file's `Yara/Yara` value lists the namespaces with a matching rule.
    pub(crate) key: String,
    source: String,
}

impl YaraRule {
    /// Checks that `source` compiles on its own; the error is yara-x's first diagnostic.
    pub(crate) fn build(source: &str) -> Result<YaraRule, String> {
        if source.len() > MAX_YARA_SOURCE_BYTES {
            return Err(format!(
                "YARA rule text of {} bytes is longer than the limit of {MAX_YARA_SOURCE_BYTES}",
                source.len()
            ));
        }
        let mut compiler = yara_x::Compiler::new();
        compiler.add_source(source).map_err(|e| diagnostic(&e.to_string()))?;
        let digest = Sha256::digest(source.as_bytes());
        let key = format!("rule_{}", hex::encode(&digest[..12]));
        Ok(YaraRule { key, source: source.to_string() })
    }
}

/// yara-x's report, cut to one line: its title and where (`error[E001]: syntax error at
/// line:5:1: expecting ...`).
fn diagnostic(report: &str) -> String {
    let mut lines = report.lines().map(str::trim).filter(|l| !l.is_empty());
    let title = lines.next().unwrap_or("does not compile").to_string();
    let rest: Vec<&str> = lines.collect();
    let at = rest.iter().find_map(|l| l.strip_prefix("--> ")).map(str::trim);
    // The label under the source line: `| ^^^ expecting ...`.
    let label = rest
        .iter()
        .filter_map(|l| l.strip_prefix('|'))
        .map(|l| l.trim_start_matches([' ', '^', '-', '|']).trim())
        .find(|l| !l.is_empty());
    match (at, label) {
        (Some(at), Some(label)) => format!("{title} at {at}: {label}"),
        (Some(at), None) => format!("{title} at {at}"),
        _ => title,
    }
}

/// The ruleset's `Yara/Yara` sources compiled together, shareable across threads.
pub(crate) struct Engine {
    rules: yara_x::Rules,
    /// The namespaces built, sorted (identity for comparisons and `Debug`).
    keys: Vec<String>,
}

impl Engine {
    /// One engine for `rules` (distinct by key, each already checked); `None` when there
    /// are none.
    pub(crate) fn build<'a>(rules: impl IntoIterator<Item = &'a YaraRule>) -> Option<Engine> {
        let mut compiler = yara_x::Compiler::new();
        let mut keys = Vec::new();
        for rule in rules {
            compiler.new_namespace(&rule.key);
            // Checked alone already; a source that fails here is left out (never matches).
            if compiler.add_source(rule.source.as_str()).is_ok() {
                keys.push(rule.key.clone());
            }
        }
        keys.sort_unstable();
        (!keys.is_empty()).then(|| Engine { rules: compiler.build(), keys })
    }

    /// The namespaces with a rule that matches `bytes` (a whole file), sorted; not evaluated
    /// when the scan runs past [`YARA_SCAN_TIMEOUT`].
    pub(crate) fn scan(&self, bytes: &[u8]) -> Result<Vec<String>, NotEvaluated> {
        // A scanner is a wasm instance over the shared rules: cheap next to a file's read,
        // and per call it needs no thread-local state tied to the rules' lifetime.
        let mut scanner = yara_x::Scanner::new(&self.rules);
        scanner.set_timeout(YARA_SCAN_TIMEOUT);
        scanner.max_matches_per_pattern(MAX_YARA_MATCHES_PER_PATTERN);
        let results = match scanner.scan(bytes) {
            Ok(results) => results,
            Err(yara_x::errors::ScanError::Timeout) => return Err(NotEvaluated::TimedOut),
            Err(_) => return Err(NotEvaluated::Unparsable),
        };
        let mut found: Vec<String> =
            results.matching_rules().map(|r| r.namespace().to_string()).collect();
        found.sort_unstable();
        found.dedup();
        Ok(found)
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine").field("namespaces", &self.keys).finish()
    }
}

impl PartialEq for Engine {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_in_their_own_namespace() {
        let pe = YaraRule::build(
            "rule IsPE { condition: uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x4550 }",
        )
        .expect("compiles");
        let text =
            YaraRule::build("rule T { strings: $a = \"evil\" condition: $a }").expect("compiles");
        // The same rule name in another source: namespaces keep them apart.
        let same =
            YaraRule::build("rule T { strings: $a = \"good\" condition: $a }").expect("compiles");
        let engine = Engine::build([&pe, &text, &same]).expect("engine");
        let mut image = vec![0u8; 0x48];
        image[..2].copy_from_slice(b"MZ");
        image[0x3c] = 0x40;
        image[0x40..0x44].copy_from_slice(b"PE\0\0");
        assert_eq!(engine.scan(&image), Ok(vec![pe.key.clone()]));
        let mut want = vec![text.key.clone(), same.key.clone()];
        want.sort_unstable();
        assert_eq!(engine.scan(b"good and evil"), Ok(want));
        assert_eq!(engine.scan(b"neither"), Ok(Vec::new()));
    }

    #[test]
    fn compile_errors_are_one_line() {
        let err = YaraRule::build("rule Broken { condition: $missing }").expect_err("error");
        assert!(err.contains("error") && !err.contains('\n'), "{err}");
        let err = YaraRule::build("rule { condition: true }").expect_err("syntax error");
        assert!(err.contains("line:1"), "{err}");
    }
}
