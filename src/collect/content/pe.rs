//! `FileItem/PEInfo/*` from a file's bytes: headers, sections, imports, exports, the
//! Authenticode table's presence and the version-info strings, parsed with goblin.
//!
//! Why goblin: it is fuzzed upstream (`fuzz/fuzz_targets/parse.rs`), fixes the panics fuzzers
//! find, has a permissive mode meant for packed and broken malware, parses resources and
//! version info, and costs a handful of small crates (yara-x's PE module would bring a
//! compiler; pelite has no fuzzing; object declines hostile-input work). It still runs behind
//! iocscan's own guards: only buffers under [`crate::limits::MAX_CONTENT_BYTES`] reach it, only
//! files with the `MZ` and `PE\0\0` signatures, and a panic inside it is caught and turns the
//! file's PE terms into *not evaluated*.
//!
//! What a value means, where the OpenIOC catalogue is silent:
//! - `Type` is `Dll` when the COFF characteristics have IMAGE_FILE_DLL, else `Executable`.
//! - `Subsystem` is the Windows subsystem's name as Mandiant's tools print it (`Windows_GUI`,
//!   `Windows_CUI`, `Native`, ...).
//! - `PEFileRaw` and `PEFileAPI` are the header's checksum; `PEComputedAPI` the checksum
//!   recomputed over the file (the `CheckSumMappedFile` algorithm).
//! - A section's `SizeInBytes` is its raw (on-disk) size; its entropy (`Entropy/AverageValue`,
//!   and `Entropy/CurveData/float`, which iocgen writes with the same number) is the Shannon
//!   entropy in bits per byte of its raw data.
//! - Imported function names are those imported by name (ordinal-only imports count in their
//!   module's `NumberOfFunctions` but have no name).
//! - `SignatureExists` is true when the certificate table holds an entry; whether the signature
//!   verifies is never observed here.
//!
//! A file that is not a PE has no PE values: every PE term is false on it (its lists are
//! empty). A file with PE signatures that goblin cannot parse leaves them not evaluated.

use crate::item::Value;
use crate::limits::{MAX_PE_RESOURCES, MAX_PE_RESOURCE_NAME_CHARS};
use crate::terms::{Field, FieldSet};
use chrono::DateTime;
use goblin::pe::certificate_table::AttributeCertificateType;
use goblin::pe::options::ParseOptions;
use goblin::pe::PE;

/// The PE fields among `wanted`, or why there are none.
pub(crate) enum PeOutcome {
    /// Not a PE file: every wanted field is an empty list (false on every test).
    NotPe,
    /// PE signatures but unparsable (or the parser panicked): not evaluated.
    Unparsable,
    /// The values found (a wanted field the file has no value for is an empty list), and the
    /// wanted fields that could not be read from this image (a signature that does not
    /// parse).
    Values(Vec<(Field, Value)>, Vec<Field>),
}

/// True for the fields this module fills.
pub(crate) fn is_pe_field(field: Field) -> bool {
    field.name().starts_with("FileItem/PEInfo/") && field != Field::FilePeSignatureVerified
}

/// True when `bytes` start like a PE image: `MZ`, and `PE\0\0` where `e_lfanew` points.
pub(crate) fn looks_like_pe(bytes: &[u8]) -> bool {
    if bytes.len() < 0x40 || &bytes[..2] != b"MZ" {
        return false;
    }
    let at = u32::from_le_bytes([bytes[0x3c], bytes[0x3d], bytes[0x3e], bytes[0x3f]]) as usize;
    bytes.get(at..at.saturating_add(4)) == Some(b"PE\0\0")
}

/// Parses `bytes` and returns the wanted PE fields.
pub(crate) fn pe_fields(bytes: &[u8], wanted: &FieldSet) -> PeOutcome {
    if !looks_like_pe(bytes) {
        return PeOutcome::NotPe;
    }
    // goblin is fuzzed, but a crafted file may still find a panic: the file's PE terms are
    // then unknown, never a crash of the scan.
    let parsed = std::panic::catch_unwind(|| {
        let options =
            ParseOptions::default().with_parse_mode(goblin::options::ParseMode::Permissive);
        PE::parse_with_opts(bytes, &options).ok().map(|pe| values(&pe, bytes, wanted))
    });
    match parsed {
        Ok(Some((values, unread))) => PeOutcome::Values(values, unread),
        Ok(None) | Err(_) => PeOutcome::Unparsable,
    }
}

/// The file offset of the entry point of a PE image (`None`: not a PE, unparsable, or an
/// entry point outside the file's sections and headers), for YARA's `entrypoint`.
pub(crate) fn entry_point_offset(bytes: &[u8]) -> Option<u64> {
    if !looks_like_pe(bytes) {
        return None;
    }
    let rva = std::panic::catch_unwind(|| {
        let options =
            ParseOptions::default().with_parse_mode(goblin::options::ParseMode::Permissive);
        let pe = PE::parse_with_opts(bytes, &options).ok()?;
        rva_to_offset(&pe, pe.entry)
    });
    rva.ok().flatten().filter(|offset| *offset < bytes.len() as u64)
}

/// The file offset of the relative virtual address `rva`: through the section whose virtual
/// range holds it; before the first section the headers are mapped as they are in the file.
fn rva_to_offset(pe: &PE<'_>, rva: u32) -> Option<u64> {
    let mapped = pe.sections.iter().find_map(|s| {
        let size = s.virtual_size.max(s.size_of_raw_data);
        let inside = rva >= s.virtual_address && rva - s.virtual_address < size;
        inside.then(|| u64::from(s.pointer_to_raw_data) + u64::from(rva - s.virtual_address))
    });
    let first = pe.sections.iter().map(|s| s.virtual_address).min().unwrap_or(u32::MAX);
    mapped.or_else(|| (rva < first).then_some(u64::from(rva)))
}

/// The wanted values of a parsed image, and the wanted fields it could not give.
fn values(pe: &PE<'_>, bytes: &[u8], wanted: &FieldSet) -> (Vec<(Field, Value)>, Vec<Field>) {
    let mut unread = Vec::new();
    let mut out = Vec::new();
    let mut put = |field: Field, value: Option<Value>| {
        if wanted.contains(field) {
            out.push((field, value.unwrap_or(Value::List(Vec::new()))));
        }
    };
    let coff = &pe.header.coff_header;
    let windows = pe.header.optional_header.as_ref().map(|o| &o.windows_fields);
    const IMAGE_FILE_DLL: u16 = 0x2000;
    let kind = if coff.characteristics & IMAGE_FILE_DLL != 0 { "Dll" } else { "Executable" };
    put(Field::FilePeType, Some(Value::from(kind)));
    put(Field::FilePeSubsystem, windows.and_then(|w| subsystem(w.subsystem)).map(Value::from));
    put(Field::FilePeBaseAddress, i64::try_from(pe.image_base).ok().map(Value::Int));
    put(Field::FilePeTimeStamp, date(coff.time_date_stamp));
    let raw = windows.map(|w| Value::Int(i64::from(w.check_sum)));
    put(Field::FilePeChecksumRaw, raw.clone());
    put(Field::FilePeChecksumFileApi, raw);
    if wanted.contains(Field::FilePeChecksumComputed) {
        put(Field::FilePeChecksumComputed, checksum(pe, bytes).map(|c| Value::Int(i64::from(c))));
    }
    put(Field::FilePeNumberOfSections, Some(Value::Int(i64::from(coff.number_of_sections))));
    put(Field::FilePeActualNumberOfSections, Some(Value::Int(pe.sections.len() as i64)));
    sections(pe, bytes, wanted, &mut put);
    imports(pe, &mut put);
    exports(pe, &mut put);
    put(Field::FilePeSignatureExists, Some(Value::Bool(!pe.certificates.is_empty())));
    let names = [Field::FilePeCertificateSubject, Field::FilePeCertificateIssuer];
    if names.iter().any(|f| wanted.contains(*f)) {
        // Each PKCS#7 entry's signer; an entry that does not parse leaves both unknown.
        let signers: Option<Vec<(String, String)>> = pe
            .certificates
            .iter()
            .filter(|c| c.certificate_type == AttributeCertificateType::PkcsSignedData)
            .map(|c| super::signature::signer(c.certificate))
            .collect();
        match signers {
            Some(signers) => {
                let (subjects, issuers): (Vec<Value>, Vec<Value>) =
                    signers.into_iter().map(|(s, i)| (Value::from(s), Value::from(i))).unzip();
                put(Field::FilePeCertificateSubject, Some(Value::List(subjects)));
                put(Field::FilePeCertificateIssuer, Some(Value::List(issuers)));
            }
            None => unread.extend(names.iter().filter(|f| wanted.contains(**f))),
        }
    }
    if wanted.contains(Field::FilePeDetectedAnomalies) {
        let found = anomalies(pe, bytes).into_iter().map(Value::from).collect();
        put(Field::FilePeDetectedAnomalies, Some(Value::List(found)));
    }
    version_info(pe, &mut put);
    let resource_fields =
        [Field::FilePeResourceName, Field::FilePeResourceType, Field::FilePeResourceSize];
    if resource_fields.iter().any(|f| wanted.contains(*f)) {
        match resources(pe, bytes) {
            Some(list) => {
                let (mut names, mut types, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
                for r in list {
                    names.push(Value::Str(r.name));
                    types.push(Value::Str(r.kind));
                    sizes.push(Value::Int(i64::from(r.size)));
                }
                put(Field::FilePeResourceName, Some(Value::List(names)));
                put(Field::FilePeResourceType, Some(Value::List(types)));
                put(Field::FilePeResourceSize, Some(Value::List(sizes)));
            }
            None => unread.extend(resource_fields.iter().filter(|f| wanted.contains(**f))),
        }
    }
    (out, unread)
}

/// One leaf of the resource directory.
struct Resource {
    /// The type: a standard type's `RT_` name (`RT_ICON`), a named type's name, or the
    /// number of another.
    kind: String,
    /// The resource's name, or its number.
    name: String,
    /// The size of its data in bytes.
    size: u32,
}

/// The resources of the image: the leaves of its type / name / language directory tree
/// (`None`: a directory that points outside itself or holds more than
/// [`MAX_PE_RESOURCES`]; an image without one has none).
fn resources(pe: &PE<'_>, bytes: &[u8]) -> Option<Vec<Resource>> {
    let Some(dir) = pe
        .header
        .optional_header
        .as_ref()
        .and_then(|o| o.data_directories.get_resource_table().copied())
        .filter(|d| d.size > 0)
    else {
        return Some(Vec::new());
    };
    let start = usize::try_from(rva_to_offset(pe, dir.virtual_address)?).ok()?;
    let end = start.checked_add(dir.size as usize)?.min(bytes.len());
    let tree = bytes.get(start..end)?;
    let u16_at = |o: usize| tree.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at =
        |o: usize| tree.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    // The entries of the directory at `at`: (name or id, offset, is a directory).
    let entries = |at: usize| -> Option<Vec<(Label, usize, bool)>> {
        let count = usize::from(u16_at(at + 12)?) + usize::from(u16_at(at + 14)?);
        if count > 4 * MAX_PE_RESOURCES {
            return None;
        }
        (0..count)
            .map(|i| {
                let entry = at + 16 + 8 * i;
                let (name, data) = (u32_at(entry)?, u32_at(entry + 4)?);
                let label = if name & 0x8000_0000 != 0 {
                    // A counted UTF-16LE string at that offset of the tree.
                    let at = (name & 0x7fff_ffff) as usize;
                    let len = usize::from(u16_at(at)?);
                    if len > MAX_PE_RESOURCE_NAME_CHARS {
                        return None;
                    }
                    let units: Option<Vec<u16>> =
                        (0..len).map(|k| u16_at(at + 2 + 2 * k)).collect();
                    Label::Name(String::from_utf16_lossy(&units?))
                } else {
                    Label::Id(name & 0xffff)
                };
                Some((label, (data & 0x7fff_ffff) as usize, data & 0x8000_0000 != 0))
            })
            .collect()
    };
    let mut out = Vec::new();
    // Entries visited at every level: a crafted tree can repeat one wide directory at each
    // level (no leaf to count), so the walk itself is bounded too.
    let mut visited = 0usize;
    let mut visit = |list: Vec<(Label, usize, bool)>| {
        visited += list.len();
        (visited <= 4 * MAX_PE_RESOURCES).then_some(list)
    };
    for (kind, names_at, dir) in visit(entries(0)?)? {
        if !dir {
            continue;
        }
        for (name, langs_at, dir) in visit(entries(names_at)?)? {
            // A name's languages, each a data entry (RVA, size, code page, reserved); the
            // depth is fixed at three, so a directory pointing back cannot loop.
            let leaves =
                if dir { entries(langs_at)? } else { vec![(Label::Id(0), langs_at, false)] };
            let leaves = visit(leaves)?;
            for (_, data_at, dir) in leaves {
                if dir {
                    continue;
                }
                if out.len() >= MAX_PE_RESOURCES {
                    return None;
                }
                let size = u32_at(data_at + 4)?;
                out.push(Resource { kind: kind.kind_text(), name: name.text(), size });
            }
        }
    }
    Some(out)
}

/// A resource directory entry's label.
enum Label {
    Id(u32),
    Name(String),
}

impl Label {
    fn text(&self) -> String {
        match self {
            Label::Id(id) => id.to_string(),
            Label::Name(name) => name.clone(),
        }
    }

    /// As a type: the standard types by their `RT_` names.
    fn kind_text(&self) -> String {
        const TYPES: [&str; 25] = [
            "",
            "RT_CURSOR",
            "RT_BITMAP",
            "RT_ICON",
            "RT_MENU",
            "RT_DIALOG",
            "RT_STRING",
            "RT_FONTDIR",
            "RT_FONT",
            "RT_ACCELERATOR",
            "RT_RCDATA",
            "RT_MESSAGETABLE",
            "RT_GROUP_CURSOR",
            "",
            "RT_GROUP_ICON",
            "",
            "RT_VERSION",
            "RT_DLGINCLUDE",
            "",
            "RT_PLUGPLAY",
            "RT_VXD",
            "RT_ANICURSOR",
            "RT_ANIICON",
            "RT_HTML",
            "RT_MANIFEST",
        ];
        match self {
            Label::Id(id) => match TYPES.get(*id as usize) {
                Some(name) if !name.is_empty() => (*name).to_owned(),
                _ => id.to_string(),
            },
            Label::Name(name) => name.clone(),
        }
    }
}

fn sections(
    pe: &PE<'_>,
    bytes: &[u8],
    wanted: &FieldSet,
    put: &mut impl FnMut(Field, Option<Value>),
) {
    let entropy_wanted = wanted.contains(Field::FilePeSectionEntropy)
        || wanted.contains(Field::FilePeSectionEntropyCurve);
    let (mut names, mut sizes, mut entropies) = (Vec::new(), Vec::new(), Vec::new());
    for section in &pe.sections {
        names.push(section.name().map_or(Value::List(Vec::new()), Value::from));
        sizes.push(Value::Int(i64::from(section.size_of_raw_data)));
        if entropy_wanted {
            let start = section.pointer_to_raw_data as usize;
            let end = start.saturating_add(section.size_of_raw_data as usize).min(bytes.len());
            entropies.push(Value::Float(entropy(bytes.get(start..end).unwrap_or_default())));
        }
    }
    put(Field::FilePeSectionName, Some(Value::List(names)));
    put(Field::FilePeSectionSize, Some(Value::List(sizes)));
    put(Field::FilePeSectionEntropy, Some(Value::List(entropies.clone())));
    put(Field::FilePeSectionEntropyCurve, Some(Value::List(entropies)));
}

fn imports(pe: &PE<'_>, put: &mut impl FnMut(Field, Option<Value>)) {
    // One module element per imported library, in import-directory order.
    let mut modules: Vec<(&str, i64)> = Vec::new();
    let mut functions = Vec::new();
    for import in &pe.imports {
        match modules.iter_mut().find(|(dll, _)| dll.eq_ignore_ascii_case(import.dll)) {
            Some((_, count)) => *count += 1,
            None => modules.push((import.dll, 1)),
        }
        // goblin names ordinal-only imports `ORDINAL n`: they have no name.
        if import.rva != 0 || !import.name.starts_with("ORDINAL ") {
            functions.push(Value::from(import.name.as_ref()));
        }
    }
    for lib in &pe.libraries {
        if !modules.iter().any(|(dll, _)| dll.eq_ignore_ascii_case(lib)) {
            modules.push((lib, 0));
        }
    }
    put(
        Field::FilePeImportModule,
        Some(Value::List(modules.iter().map(|(d, _)| Value::from(*d)).collect())),
    );
    put(
        Field::FilePeImportModuleFunctions,
        Some(Value::List(modules.iter().map(|(_, n)| Value::Int(*n)).collect())),
    );
    put(Field::FilePeImportFunction, Some(Value::List(functions)));
}

fn exports(pe: &PE<'_>, put: &mut impl FnMut(Field, Option<Value>)) {
    let data = pe.export_data.as_ref();
    let table = data.map(|d| &d.export_directory_table);
    put(Field::FilePeExportsDllName, data.and_then(|d| d.name).map(Value::from));
    put(Field::FilePeExportsTimeStamp, table.and_then(|t| date(t.time_date_stamp)));
    put(
        Field::FilePeExportsNumberOfFunctions,
        table.map(|t| Value::Int(i64::from(t.address_table_entries))),
    );
    put(
        Field::FilePeExportsNumberOfNames,
        table.map(|t| Value::Int(i64::from(t.number_of_name_pointers))),
    );
    let names = pe.exports.iter().filter_map(|e| e.name).map(Value::from).collect();
    put(Field::FilePeExportFunction, Some(Value::List(names)));
}

fn version_info(pe: &PE<'_>, put: &mut impl FnMut(Field, Option<Value>)) {
    let info = pe.resource_data.as_ref().and_then(|r| r.version_info.as_ref());
    // One version-info element (goblin reads the first string table).
    let one = |value: Option<String>| {
        Some(Value::List(
            info.map(|_| vec![value.map_or(Value::List(Vec::new()), Value::Str)])
                .unwrap_or_default(),
        ))
    };
    let s = info.map(|i| i.string_info);
    put(Field::FilePeVersionLanguage, one(None));
    put(Field::FilePeVersionComments, one(s.and_then(|s| s.comments())));
    put(Field::FilePeVersionCompanyName, one(s.and_then(|s| s.company_name())));
    put(Field::FilePeVersionFileDescription, one(s.and_then(|s| s.file_description())));
    put(Field::FilePeVersionFileVersion, one(s.and_then(|s| s.file_version())));
    put(Field::FilePeVersionInternalName, one(s.and_then(|s| s.internal_name())));
    put(Field::FilePeVersionLegalCopyright, one(s.and_then(|s| s.legal_copyright())));
    put(Field::FilePeVersionLegalTrademarks, one(s.and_then(|s| s.legal_trademarks())));
    put(Field::FilePeVersionOriginalFilename, one(s.and_then(|s| s.original_filename())));
    put(Field::FilePeVersionPrivateBuild, one(s.and_then(|s| s.private_build())));
    put(Field::FilePeVersionProductName, one(s.and_then(|s| s.product_name())));
    put(Field::FilePeVersionProductVersion, one(s.and_then(|s| s.product_version())));
    put(Field::FilePeVersionSpecialBuild, one(s.and_then(|s| s.special_build())));
}

/// A PE time stamp (seconds since 1970, UTC); 0 is "not set".
fn date(secs: u32) -> Option<Value> {
    (secs != 0).then(|| DateTime::from_timestamp(i64::from(secs), 0).map(Value::Date)).flatten()
}

/// The `DetectedAnomalies` iocscan decides, by the names Mandiant's tools report them under
/// (the names real IOCs use). Mandiant's other heuristics are unpublished: the compiler
/// refuses conditions on any other name rather than calling a file free of it.
pub const ANOMALIES: &[&str] = &[
    // The optional header's CheckSum is 0 (most non-driver linkers leave it so).
    "checksum_is_zero",
    // A non-zero CheckSum that differs from the one recomputed over the file.
    "checksum_mismatch",
    // Bytes after the end of the last section's raw data other than the certificate table
    // (an overlay: appended payloads, installers' archives).
    "contains_eof_data",
];

/// The [`ANOMALIES`] of a parsed image.
fn anomalies(pe: &PE<'_>, bytes: &[u8]) -> Vec<&'static str> {
    let mut found = Vec::new();
    let raw = pe.header.optional_header.as_ref().map(|o| o.windows_fields.check_sum);
    match raw {
        Some(0) => found.push("checksum_is_zero"),
        Some(raw) if checksum(pe, bytes).is_some_and(|c| c != raw) => {
            found.push("checksum_mismatch")
        }
        _ => {}
    }
    let end = pe
        .sections
        .iter()
        .map(|s| u64::from(s.pointer_to_raw_data) + u64::from(s.size_of_raw_data))
        .max()
        .unwrap_or(0);
    // The certificate table is addressed by file offset and sits at the end by design.
    let certificates = pe
        .header
        .optional_header
        .as_ref()
        .and_then(|o| o.data_directories.get_certificate_table().copied())
        .filter(|d| d.size > 0)
        .map(|d| (u64::from(d.virtual_address), u64::from(d.virtual_address) + u64::from(d.size)));
    let len = bytes.len() as u64;
    let overlay = match certificates {
        Some((start, stop)) if start >= end => start > end || stop < len,
        _ => len > end,
    };
    if end > 0 && overlay {
        found.push("contains_eof_data");
    }
    found
}

/// The subsystem's name as Mandiant's tools print it.
fn subsystem(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "Native",
        2 => "Windows_GUI",
        3 => "Windows_CUI",
        5 => "OS2_CUI",
        7 => "POSIX_CUI",
        8 => "Native_Windows",
        9 => "Windows_CE_GUI",
        10 => "EFI_Application",
        11 => "EFI_Boot_Service_Driver",
        12 => "EFI_Runtime_Driver",
        13 => "EFI_ROM",
        14 => "Xbox",
        16 => "Windows_Boot_Application",
        _ => return None,
    })
}

/// The image checksum as `CheckSumMappedFile` computes it: the one's-complement-style sum of
/// the file's 16-bit words, skipping the checksum field, folded to 16 bits, plus the length.
fn checksum(pe: &PE<'_>, bytes: &[u8]) -> Option<u32> {
    let header = pe.header.dos_header.pe_pointer as usize;
    // Signature (4) + COFF header (20) + 64 bytes into the optional header.
    let field = header.checked_add(4 + 20 + 64)?;
    if field + 4 > bytes.len() {
        return None;
    }
    let mut sum: u64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        if i == field {
            i += 4;
            continue;
        }
        let lo = u64::from(bytes[i]);
        let hi = bytes.get(i + 1).map_or(0, |b| u64::from(*b));
        sum += lo | (hi << 8);
        sum = (sum & 0xffff) + (sum >> 16);
        i += 2;
    }
    sum = (sum & 0xffff) + (sum >> 16);
    u32::try_from((sum & 0xffff) + bytes.len() as u64).ok()
}

/// Shannon entropy of `data` in bits per byte (0 for no data).
pub(crate) fn entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_and_constant_data() {
        assert_eq!(entropy(&[]), 0.0);
        assert_eq!(entropy(&[7; 100]), 0.0);
        let all: Vec<u8> = (0..=255).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-12);
        assert!((entropy(b"abab") - 1.0).abs() < 1e-12);
    }

    #[test]
    fn only_pe_signatures_reach_the_parser() {
        assert!(!looks_like_pe(b"MZ"));
        let mut bytes = vec![0u8; 0x84];
        bytes[..2].copy_from_slice(b"MZ");
        assert!(!looks_like_pe(&bytes));
        bytes[0x3c] = 0x80;
        bytes[0x80..0x84].copy_from_slice(b"PE\0\0");
        assert!(looks_like_pe(&bytes));
        // Signatures but no COFF header after them: unknown, never a panic.
        let all = FieldSet::from_iter([Field::FilePeType]);
        assert!(matches!(pe_fields(&bytes, &all), PeOutcome::Unparsable));
        assert!(matches!(pe_fields(b"#!/bin/sh\n", &all), PeOutcome::NotPe));
    }
}
