//! The term catalogue: the single source of truth for every term iocscan evaluates.
//!
//! Each supported `Context/@search` term maps to its item kind, its [`Field`], its value
//! type, what it costs to obtain, whether it holds many values, whether cards show it, and
//! whether the Linux collectors answer it. The compiler, the collectors, snapshots, cards,
//! `iocscan terms` and `schema/terms.json` all read this table; nothing else in the crate
//! matches on term strings. Terms match exactly (case-sensitive), as the catalogue spells them.
//!
//! The rows are in `catalogue.rs`. Event terms (`eventItem/<family>/<field>`) are accepted in
//! both spellings; process sub-lists (`ProcessItem/HandleList/Handle/*`) are list columns
//! whose conditions under one AND bind one element, and so are a PE file's sections, imported
//! modules and version-info tables (`FileItem/PEInfo/Sections/Section/*`, ...). Not here:
//! PEInfo heuristics Mandiant never published (`DetectedAnomalies`, entry-point signatures)
//! and certificate details (unsupported: they never match and are warned about).

use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The type of a term's values, which decides how Content is parsed and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Text; compared case-insensitively unless `preserve-case`.
    String,
    /// MD5 digest, 32 hex digits.
    Md5,
    /// SHA-1 digest, 40 hex digits.
    Sha1,
    /// SHA-256 digest, 64 hex digits.
    Sha256,
    /// Integer (`int` and `uint64` in the catalogue; kept as `i64`).
    Int,
    /// Date and time (xs:dateTime, UTC when no zone is given).
    Date,
    /// IPv4 or IPv6 address.
    Ip,
    /// Boolean.
    Bool,
    /// Hardware (MAC) address: compared in the canonical lower-case colon form
    /// (`aa:bb:cc:dd:ee:ff`), whatever separators the IOC or the item wrote.
    Mac,
    /// Floating-point number (`float`, `double`: a PE section's entropy). `is` compares with
    /// the precision the Content is written with (`4.79` holds for 4.7853).
    Float,
}

impl ValueType {
    /// The catalogue's display-type name (`string`, `md5`, `int`, `date`, `IP`, `bool`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Md5 => "md5",
            ValueType::Sha1 => "sha1",
            ValueType::Sha256 => "sha256",
            ValueType::Int => "int",
            ValueType::Date => "date",
            ValueType::Ip => "IP",
            ValueType::Bool => "bool",
            ValueType::Mac => "mac",
            ValueType::Float => "float",
        }
    }

    /// True for the three digest types.
    pub fn is_digest(self) -> bool {
        matches!(self, ValueType::Md5 | ValueType::Sha1 | ValueType::Sha256)
    }
}

/// What it costs a collector to answer a term for one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cost {
    /// Already known from listing or metadata (name, path, size, pid, ...).
    Metadata,
    /// Needs the item's content read (file digests): asked for last, only when still needed.
    Content,
}

/// One supported term.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Term {
    /// The term, exactly as `Context/@search` spells it.
    pub name: &'static str,
    /// The field it reads (`TERMS[field as usize]` is this entry).
    #[serde(skip)]
    pub field: Field,
    /// The item kind (`Context/@document`).
    pub kind: ItemKind,
    /// The value type.
    #[serde(rename = "type")]
    pub ty: ValueType,
    /// What obtaining it costs.
    pub cost: Cost,
    /// True when one item holds a list of values (`.../grouplist/groupname`).
    pub many: bool,
    /// True when detected-IOC cards show this field for every matched object of its kind.
    pub card: bool,
    /// True when the Linux collectors fill this field.
    pub linux: bool,
    /// How faithfully a live Linux scan answers it ([`Grade::None`] when no collector does).
    pub grade: Grade,
    /// For a sub-list column (`ProcessItem/HandleList/Handle/Name`), its list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<Element>,
}

macro_rules! catalogue {
    ($( $variant:ident = $name:literal, $kind:ident, $ty:ident $(, $flag:ident)* ; )*) => {
        /// A field of an item: one per supported term, in catalogue order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u16)]
        #[allow(missing_docs)]
        pub enum Field { $($variant,)* }

        /// The catalogue, indexed by `Field as usize`.
        pub static TERMS: &[Term] = &[$(
            Term {
                name: $name,
                field: Field::$variant,
                kind: ItemKind::$kind,
                ty: ValueType::$ty,
                cost: flags::cost(&[$(flags::Flag::$flag),*]),
                many: flags::has(&[$(flags::Flag::$flag),*], flags::Flag::many),
                card: flags::has(&[$(flags::Flag::$flag),*], flags::Flag::card),
                linux: flags::has(&[$(flags::Flag::$flag),*], flags::Flag::linux),
                grade: flags::grade(&[$(flags::Flag::$flag),*]),
                element: flags::element(&[$(flags::Flag::$flag),*]),
            },
        )*];
    };
}

#[allow(non_camel_case_types)]
pub(crate) mod flags {
    use super::{Cost, Element, Grade};

    #[derive(Clone, Copy, PartialEq, Eq)]
    pub enum Flag {
        /// Shown in cards.
        card,
        /// Filled by the Linux collectors.
        linux,
        /// A list of values.
        many,
        /// Needs the content read.
        content,
        /// A state scan infers the value.
        inferred,
        /// A state scan approximates the value.
        approximate,
        /// A column of `ProcessItem/HandleList/Handle`.
        handle,
        /// A column of `ProcessItem/SectionList/MemorySection`.
        section,
        /// A column of `ProcessItem/PortList/PortItem`.
        port,
        /// A column of `FileItem/PEInfo/Sections/Section`.
        pesection,
        /// A column of `FileItem/PEInfo/ImportedModules/Module`.
        peimport,
        /// A column of `FileItem/PEInfo/VersionInfoList/VersionInfoItem`.
        peversion,
        /// A column of `FileItem/PEInfo/ResourceInfoList/ResourceInfoItem`.
        peresource,
    }

    pub const fn has(flags: &[Flag], f: Flag) -> bool {
        let mut i = 0;
        while i < flags.len() {
            if flags[i] as u8 == f as u8 {
                return true;
            }
            i += 1;
        }
        false
    }

    pub const fn grade(flags: &[Flag]) -> Grade {
        if !has(flags, Flag::linux) {
            Grade::None
        } else if has(flags, Flag::inferred) {
            Grade::Inferred
        } else if has(flags, Flag::approximate) {
            Grade::Approximate
        } else {
            Grade::Exact
        }
    }

    pub const fn element(flags: &[Flag]) -> Option<Element> {
        if has(flags, Flag::handle) {
            Some(Element::Handle)
        } else if has(flags, Flag::section) {
            Some(Element::MemorySection)
        } else if has(flags, Flag::port) {
            Some(Element::ProcessPort)
        } else if has(flags, Flag::pesection) {
            Some(Element::PeSection)
        } else if has(flags, Flag::peimport) {
            Some(Element::PeImport)
        } else if has(flags, Flag::peversion) {
            Some(Element::PeVersion)
        } else if has(flags, Flag::peresource) {
            Some(Element::PeResource)
        } else {
            None
        }
    }

    pub const fn cost(flags: &[Flag]) -> Cost {
        if has(flags, Flag::content) {
            Cost::Content
        } else {
            Cost::Metadata
        }
    }
}

mod catalogue;
pub mod imports;
mod kinds;
pub use catalogue::{Field, TERMS};
pub use kinds::{Element, Grade, ItemKind};

impl Field {
    /// This field's catalogue entry.
    pub fn term(self) -> &'static Term {
        &TERMS[self as usize]
    }

    /// The term name, e.g. `FileItem/Md5sum`.
    pub fn name(self) -> &'static str {
        self.term().name
    }

    /// The item kind the field belongs to.
    pub fn kind(self) -> ItemKind {
        self.term().kind
    }

    /// The field's value type.
    pub fn value_type(self) -> ValueType {
        self.term().ty
    }
}

/// Other spellings of catalogue terms: real IOCs write them, and they mean the same field.
/// Every event term is also spelled without its `eventItem/` prefix, as HX exports do.
const ALIASES: &[(&str, Field)] = &[
    ("ProcessItem/cmdLine", Field::ProcessArguments),
    // iocgen writes version-info terms without their list (`VersionInfoItem/CompanyName`).
    ("FileItem/PEInfo/VersionInfoItem/Language", Field::FilePeVersionLanguage),
    ("FileItem/PEInfo/VersionInfoItem/Comments", Field::FilePeVersionComments),
    ("FileItem/PEInfo/VersionInfoItem/CompanyName", Field::FilePeVersionCompanyName),
    ("FileItem/PEInfo/VersionInfoItem/FileDescription", Field::FilePeVersionFileDescription),
    ("FileItem/PEInfo/VersionInfoItem/FileVersion", Field::FilePeVersionFileVersion),
    ("FileItem/PEInfo/VersionInfoItem/InternalName", Field::FilePeVersionInternalName),
    ("FileItem/PEInfo/VersionInfoItem/LegalCopyright", Field::FilePeVersionLegalCopyright),
    ("FileItem/PEInfo/VersionInfoItem/LegalTrademarks", Field::FilePeVersionLegalTrademarks),
    ("FileItem/PEInfo/VersionInfoItem/OriginalFilename", Field::FilePeVersionOriginalFilename),
    ("FileItem/PEInfo/VersionInfoItem/PrivateBuild", Field::FilePeVersionPrivateBuild),
    ("FileItem/PEInfo/VersionInfoItem/ProductName", Field::FilePeVersionProductName),
    ("FileItem/PEInfo/VersionInfoItem/ProductVersion", Field::FilePeVersionProductVersion),
    ("FileItem/PEInfo/VersionInfoItem/SpecialBuild", Field::FilePeVersionSpecialBuild),
];

/// Every spelling a term is looked up by.
fn spellings() -> &'static HashMap<&'static str, Field> {
    static SPELLINGS: OnceLock<HashMap<&'static str, Field>> = OnceLock::new();
    SPELLINGS.get_or_init(|| {
        let mut map: HashMap<&'static str, Field> =
            TERMS.iter().map(|t| (t.name, t.field)).collect();
        for t in TERMS {
            if let Some(short) =
                t.name.strip_prefix("eventItem/").filter(|_| t.kind != ItemKind::Event)
            {
                map.insert(short, t.field);
            }
        }
        map.extend(ALIASES.iter().copied());
        map
    })
}

/// Looks a term up by its exact spelling (or an accepted alias: `processEvent/process` is
/// `eventItem/processEvent/process`).
pub fn lookup(name: &str) -> Option<&'static Term> {
    spellings().get(name).map(|f| f.term())
}

/// The catalogue's spelling of a term written in another case (`FileItem/Md5Sum`), if any.
pub fn suggest(name: &str) -> Option<&'static str> {
    spellings().iter().find(|(s, _)| s.eq_ignore_ascii_case(name)).map(|(_, f)| f.name())
}

/// The other spellings accepted for `field` (for `iocscan terms`).
pub fn aliases(field: Field) -> impl Iterator<Item = &'static str> {
    let short = field.name().strip_prefix("eventItem/").filter(|_| field.kind() != ItemKind::Event);
    short.into_iter().chain(ALIASES.iter().filter(move |(_, f)| *f == field).map(|(a, _)| *a))
}

/// The terms of one item kind, in catalogue order.
pub fn of_kind(kind: ItemKind) -> impl Iterator<Item = &'static Term> {
    TERMS.iter().filter(move |t| t.kind == kind)
}

/// The catalogue as published in `schema/terms.json` (pretty JSON, trailing newline).
///
/// `{"format": "iocscan-terms", "version": 1, "terms": [{"name", "kind", "type", "cost",
/// "many", "card", "linux"}, ...]}`; a test keeps the published file in step with the code.
pub fn catalogue_json() -> String {
    #[derive(Serialize)]
    struct Catalogue {
        format: &'static str,
        version: u32,
        terms: &'static [Term],
    }
    let doc = Catalogue { format: "iocscan-terms", version: 1, terms: TERMS };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A set of [`Field`]s (a bit set over the catalogue).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FieldSet([u64; 8]);

const _: () = assert!(TERMS.len() <= 512, "FieldSet holds 512 fields");

impl FieldSet {
    /// The empty set.
    pub const fn new() -> Self {
        FieldSet([0; 8])
    }

    /// Every field of the catalogue.
    pub fn all() -> Self {
        TERMS.iter().map(|t| t.field).collect()
    }

    /// Adds `field`.
    pub fn insert(&mut self, field: Field) {
        let i = field as usize;
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// Removes `field`.
    pub fn remove(&mut self, field: Field) {
        let i = field as usize;
        self.0[i / 64] &= !(1 << (i % 64));
    }

    /// True when `field` is in the set.
    pub fn contains(&self, field: Field) -> bool {
        let i = field as usize;
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == [0; 8]
    }

    /// True when some field of `kind` is in the set.
    pub fn has_kind(&self, kind: ItemKind) -> bool {
        self.iter().any(|f| f.kind() == kind)
    }

    /// The fields, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = Field> + '_ {
        TERMS.iter().map(|t| t.field).filter(|f| self.contains(*f))
    }
}

impl FromIterator<Field> for FieldSet {
    fn from_iter<I: IntoIterator<Item = Field>>(iter: I) -> Self {
        let mut set = FieldSet::new();
        iter.into_iter().for_each(|f| set.insert(f));
        set
    }
}

impl std::fmt::Debug for FieldSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter().map(Field::name)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_field() {
        for (i, t) in TERMS.iter().enumerate() {
            assert_eq!(t.field as usize, i, "{}", t.name);
        }
    }

    #[test]
    fn names_are_unique_and_start_with_their_document() {
        let mut seen = std::collections::HashSet::new();
        for t in TERMS {
            assert!(seen.insert(t.name), "duplicate {}", t.name);
            let name = t.name.strip_prefix("eventItem/").filter(|_| t.kind != ItemKind::Event);
            let doc = name.unwrap_or(t.name).split('/').next().unwrap();
            let doc = if t.kind == ItemKind::Event { "eventItem" } else { doc };
            // The converter's `Yara` pseudo-document describes the scanned file.
            let doc = if doc == "Yara" && t.kind == ItemKind::File { "FileItem" } else { doc };
            assert_eq!(doc, t.kind.document(), "{}", t.name);
        }
    }

    #[test]
    fn field_set_membership() {
        let set: FieldSet = [Field::FileMd5sum, Field::UserUsername].into_iter().collect();
        assert!(set.contains(Field::FileMd5sum) && !set.contains(Field::FileSha1sum));
        assert!(set.has_kind(ItemKind::User) && !set.has_kind(ItemKind::Port));
        assert_eq!(set.iter().count(), 2);
        assert_eq!(FieldSet::all().iter().count(), TERMS.len());
    }

    #[test]
    fn suggestions_fix_case_only() {
        assert_eq!(lookup("FileItem/Md5Sum").map(|t| t.name), None);
        assert_eq!(suggest("FileItem/Md5Sum"), Some("FileItem/Md5sum"));
        assert_eq!(suggest("FileItem/Nope"), None);
    }
}
