//! What is inside an item's bytes: PE structure (`FileItem/PEInfo/*`) and strings
//! (`StringList/string`), computed from bytes a collector already read.
//!
//! The file collector keeps a file's bytes from the one read that hashes it (files up to
//! [`crate::limits::MAX_CONTENT_BYTES`]) and hands them here once; the process collector hands
//! over memory regions. Nothing here opens or reads anything.
//!
//! String conditions depend on the ruleset (the `strings` module explains why only strings that can
//! matter are produced), so a scan builds [`ContentProbes`] from its compiled ruleset and
//! gives them to the collectors; a snapshot collection without a ruleset has none and leaves
//! `StringList` out.

pub(crate) mod pe;
mod signature;
pub(crate) mod strings;

use crate::compile::value::Test;
use crate::compile::yara::YaraString;
use crate::compile::Ruleset;
use crate::item::{ItemKind, NotEvaluated, Value};
use crate::terms::{Field, FieldSet};
use std::sync::Arc;
use strings::{StringProbe, Strings};

pub use strings::MIN_STRING_CHARS;

/// The PE anomalies `FileItem/PEInfo/DetectedAnomalies/string` reports (see the README).
pub use pe::ANOMALIES as PE_ANOMALIES;

/// The ruleset's string searches, one per `StringList/string` term it uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContentProbes {
    pub(crate) file_strings: Option<Arc<StringProbe>>,
    pub(crate) process_strings: Option<Arc<StringProbe>>,
    /// The ruleset's YARA strings (`Yara/TextString`, ...), once each.
    pub(crate) yara: Vec<Arc<YaraString>>,
    /// The ruleset's `Yara/Yara` rules, compiled together.
    #[cfg(feature = "yara")]
    pub(crate) yara_rules: Option<Arc<crate::compile::yara_rule::Engine>>,
}

impl PartialEq for YaraString {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl ContentProbes {
    /// The probes `ruleset`'s `StringList/string` conditions need (none when it has none).
    pub fn of(ruleset: &Ruleset) -> Self {
        ContentProbes {
            file_strings: probe(ruleset, Field::FileStringListString).map(Arc::new),
            process_strings: probe(ruleset, Field::ProcessStringListString).map(Arc::new),
            yara: yara_strings(ruleset),
            #[cfg(feature = "yara")]
            yara_rules: ruleset.yara_engine().cloned(),
        }
    }
}

/// The content fields among `fields` that a whole file's `bytes` answer, as a scan computes
/// them (PE terms; `FileItem/StringList/string` with the probes of a ruleset that uses it):
/// `Ok(value)`, or why the field is not evaluated on these bytes. For an agent that has the
/// bytes already (a quarantine, an e-mail attachment) and for fuzzing.
pub fn file_values(
    bytes: &[u8],
    fields: &FieldSet,
    probes: &ContentProbes,
) -> Vec<(Field, Result<Value, NotEvaluated>)> {
    FilePlan::new(fields, probes).map_or_else(Vec::new, |plan| analyse_file(bytes, &plan).values)
}

/// True for the fields answered here (PE structure and strings, of files and processes).
pub(crate) fn from_bytes(field: Field) -> bool {
    pe::is_pe_field(field)
        || matches!(
            field,
            Field::FileStringListString
                | Field::ProcessStringListString
                | Field::FileYaraTextString
                | Field::FileYaraHexString
                | Field::FileYaraRegexString
                | Field::FileYaraRule
        )
}

/// The distinct YARA strings of the ruleset, by key.
fn yara_strings(ruleset: &Ruleset) -> Vec<Arc<YaraString>> {
    let mut strings: Vec<Arc<YaraString>> = ruleset
        .segments()
        .compiled_leaves()
        .filter_map(|l| match &l.test {
            Some(Test::Yara(string)) => Some(string.clone()),
            _ => None,
        })
        .collect();
    strings.sort_by(|a, b| a.key.cmp(&b.key));
    strings.dedup_by(|a, b| a.key == b.key);
    strings
}

/// The literal of every condition on `field`, or every string for a regex.
fn probe(ruleset: &Ruleset, field: Field) -> Option<StringProbe> {
    let mut every = false;
    let mut patterns = Vec::new();
    for leaf in ruleset.segments().compiled_leaves().filter(|l| l.field == Some(field)) {
        match &leaf.test {
            Some(Test::TextEq(p) | Test::Contains(p) | Test::StartsWith(p) | Test::EndsWith(p)) => {
                patterns.push(p.to_string())
            }
            Some(Test::Regex(_)) => every = true,
            _ => {}
        }
    }
    StringProbe::new(patterns, every)
}

/// The content fields one file's bytes answer: PE fields and its strings.
#[derive(Debug, Default)]
pub(crate) struct ContentValues {
    /// `(field, value or why not)` for each wanted content field.
    pub(crate) values: Vec<(Field, Result<Value, NotEvaluated>)>,
}

impl ContentValues {
    /// The answer for `field`, if it was computed.
    pub(crate) fn get(&self, field: Field) -> Option<&Result<Value, NotEvaluated>> {
        self.values.iter().find(|(f, _)| *f == field).map(|(_, v)| v)
    }

    /// Every wanted field of `fields` answered `why` (content not read).
    pub(crate) fn none(fields: &[Field], why: NotEvaluated) -> Self {
        ContentValues { values: fields.iter().map(|f| (*f, Err(why))).collect() }
    }
}

/// What a walk answers from each file's bytes, decided once per walk.
#[derive(Debug, PartialEq)]
pub(crate) struct FilePlan {
    /// The content fields asked.
    pub(crate) fields: FieldSet,
    /// The same, as a list.
    pub(crate) list: Vec<Field>,
    /// The PE fields among them.
    pe: Vec<Field>,
    /// The ruleset's string search, when `FileItem/StringList/string` is asked.
    strings: Option<Arc<StringProbe>>,
    /// The ruleset's YARA strings whose terms are asked.
    yara: Vec<Arc<YaraString>>,
    /// The ruleset's `Yara/Yara` rules, when the term is asked.
    #[cfg(feature = "yara")]
    yara_rules: Option<Arc<crate::compile::yara_rule::Engine>>,
}

impl FilePlan {
    /// The plan for the file fields among `fields` answered from bytes (`None`: nothing to
    /// keep the bytes for). `StringList` needs the probe of a ruleset.
    pub(crate) fn new(fields: &FieldSet, probes: &ContentProbes) -> Option<Self> {
        let mut asked = FieldSet::new();
        for field in fields.iter().filter(|f| from_bytes(*f) && f.kind() == ItemKind::File) {
            asked.insert(field);
        }
        if probes.file_strings.is_none() {
            asked.remove(Field::FileStringListString);
        }
        let list: Vec<Field> = asked.iter().collect();
        let pe = list.iter().copied().filter(|f| pe::is_pe_field(*f)).collect();
        let strings =
            probes.file_strings.clone().filter(|_| asked.contains(Field::FileStringListString));
        let yara: Vec<Arc<YaraString>> =
            probes.yara.iter().filter(|y| asked.contains(y.field)).cloned().collect();
        #[cfg(feature = "yara")]
        let yara_rules = probes.yara_rules.clone().filter(|_| asked.contains(Field::FileYaraRule));
        (!list.is_empty()).then_some(FilePlan {
            fields: asked,
            list,
            pe,
            strings,
            yara,
            #[cfg(feature = "yara")]
            yara_rules,
        })
    }
}

/// Answers the plan's PE fields and `FileItem/StringList/string` from a whole file's `bytes`.
pub(crate) fn analyse_file(bytes: &[u8], plan: &FilePlan) -> ContentValues {
    let mut out = ContentValues::default();
    let (pe_wanted, wanted) = (&plan.pe, &plan.fields);
    if !pe_wanted.is_empty() {
        match pe::pe_fields(bytes, wanted) {
            pe::PeOutcome::NotPe => {
                out.values.extend(pe_wanted.iter().map(|f| (*f, Ok(Value::List(Vec::new())))));
            }
            pe::PeOutcome::Unparsable => {
                out.values.extend(pe_wanted.iter().map(|f| (*f, Err(NotEvaluated::Unparsable))));
            }
            pe::PeOutcome::Values(values, unread) => {
                out.values.extend(values.into_iter().map(|(f, v)| (f, Ok(v))));
                out.values.extend(unread.into_iter().map(|f| (f, Err(NotEvaluated::Unparsable))));
            }
        }
    }
    // Each YARA term's value: the keys of its strings found (an empty list: none found). The
    // entry point is looked up once, and only for a string placed relative to it.
    let mut entry_point = None;
    let mut entry = || *entry_point.get_or_insert_with(|| pe::entry_point_offset(bytes));
    for field in [Field::FileYaraTextString, Field::FileYaraHexString, Field::FileYaraRegexString] {
        if wanted.contains(field) {
            let found = plan
                .yara
                .iter()
                .filter(|y| y.field == field && y.holds_with(bytes, &mut entry))
                .map(|y| Value::Str(y.key.clone()))
                .collect();
            out.values.push((field, Ok(Value::List(found))));
        }
    }
    // `Yara/Yara`: the namespaces whose rules match, from one scan of the same bytes.
    #[cfg(feature = "yara")]
    if let Some(engine) = &plan.yara_rules {
        let found =
            engine.scan(bytes).map(|keys| Value::List(keys.into_iter().map(Value::Str).collect()));
        out.values.push((Field::FileYaraRule, found));
    }
    if let Some(probe) = &plan.strings {
        let mut found = Strings::default();
        probe.scan(bytes, &mut found);
        out.values.push((Field::FileStringListString, string_list(found)));
    }
    out
}

/// The found strings as a list value, or not evaluated when some were dropped.
pub(crate) fn string_list(found: Strings) -> Result<Value, NotEvaluated> {
    if found.overflow {
        return Err(NotEvaluated::TooManyStrings);
    }
    Ok(Value::List(found.into_sorted().into_iter().map(Value::Str).collect()))
}
