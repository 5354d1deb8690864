//! `iocscan import`: telemetry (Sysmon, Linux audit, OCSF) into snapshots, and the mapping
//! table each format is read with.

use crate::args::ImportArgs;
use crate::common::ERRORS_SHOWN;
use crate::render::escape_path;
use crate::{EXIT_ERROR, EXIT_FOUND, EXIT_OK};
use iocscan::import::{self, FileReport, ImportOptions, ImportReport};
use iocscan::item::ItemKind;
use iocscan::terms::imports::{self, Convert, Format, Test};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Runs the import: exit 0 when every input was read whole, 1 when snapshots were written but
/// some input had problems, 2 when the output could not be written.
pub fn run(args: &ImportArgs) -> io::Result<u8> {
    let format = args.format.library();
    if args.mappings {
        let mut out = io::stdout().lock();
        mappings(&mut out, format)?;
        out.flush()?;
        return Ok(EXIT_OK);
    }
    let Some(output) = &args.output else {
        eprintln!("iocscan: error: -o OUT is required (a .jsonl file, or a folder)");
        return Ok(EXIT_ERROR);
    };
    let options = ImportOptions { host: args.host.clone() };
    let report = match import::import(format, &args.inputs, &options, output) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("iocscan: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    if !args.quiet {
        let mut err = io::stderr().lock();
        summary(&mut err, &report)?;
    }
    Ok(if report.clean() { EXIT_OK } else { EXIT_FOUND })
}

fn counts<K: std::fmt::Display>(map: &BTreeMap<K, u64>) -> String {
    map.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
}

/// The import summary: per input what was read, made and skipped, its first problems; then
/// the snapshots written and what their items never hold.
pub fn summary(out: &mut dyn Write, report: &ImportReport) -> io::Result<()> {
    for f in &report.files {
        file_summary(out, f)?;
    }
    let n = report.snapshots.len();
    writeln!(out, "wrote {n} snapshot{}:", if n == 1 { "" } else { "s" })?;
    for s in &report.snapshots {
        let host = s.host.as_deref().unwrap_or("no host named");
        let items = if s.items.is_empty() { "no items".to_owned() } else { counts(&s.items) };
        writeln!(out, "  {} (host {host}): {items}", escape_path(&s.path))?;
    }
    let kinds = &report.kinds;
    let names: Vec<&str> = kinds.iter().map(|k| k.document()).collect();
    writeln!(
        out,
        "collected (snapshot headers): {}; other kinds count as not collected",
        if names.is_empty() { "nothing".to_owned() } else { names.join(", ") }
    )?;
    let partial: Vec<&str> = kinds
        .iter()
        .filter(|k| matches!(k, ItemKind::File | ItemKind::Process) && !k.is_event())
        .map(|k| k.document())
        .collect();
    if !partial.is_empty() {
        writeln!(
            out,
            "  {} items come from Live Evidence queries: they hold the objects queried, not every one \
             on the host, so a clean verdict on them means \"not among those\"",
            partial.join(" and ")
        )?;
    }
    for &kind in kinds {
        let missing = import::never_provided(report.format, kind);
        if !missing.is_empty() {
            let short: Vec<&str> = missing.iter().map(|f| short_name(f.name())).collect();
            writeln!(out, "  {kind} never holds (not evaluated): {}", short.join(", "))?;
        }
    }
    Ok(())
}

fn file_summary(out: &mut dyn Write, f: &FileReport) -> io::Result<()> {
    let path = escape_path(&f.path);
    let items = f.item_count();
    let mut line = format!("{path}: {} records: {items} items", f.records);
    if items > 0 {
        line.push_str(&format!(" ({})", counts(&f.items)));
    }
    let skipped: u64 = f.skipped.values().sum();
    if skipped > 0 {
        line.push_str(&format!("; {skipped} skipped ({})", counts(&f.skipped)));
    }
    if f.problem_count > 0 {
        line.push_str(&format!("; {} problem(s)", f.problem_count));
    }
    if !f.complete {
        line.push_str("; not read to its end");
    }
    writeln!(out, "{line}")?;
    for p in f.problems.iter().take(ERRORS_SHOWN) {
        let at = p.location.as_deref().map(|l| format!("{l}: ")).unwrap_or_default();
        writeln!(out, "  {path}: {at}{}: {}", p.code.as_str(), p.message)?;
    }
    let shown = f.problems.len().min(ERRORS_SHOWN) as u64;
    if f.problem_count > shown {
        writeln!(out, "  {path}: ... {} more problems", f.problem_count - shown)?;
    }
    if !f.unconverted.is_empty() {
        writeln!(
            out,
            "  {path}: values that did not convert (left absent): {}",
            counts(&f.unconverted)
        )?;
    }
    Ok(())
}

/// `processEvent/pid` for `eventItem/processEvent/pid`.
fn short_name(term: &str) -> &str {
    term.strip_prefix("eventItem/").unwrap_or(term)
}

/// The mapping table of `format`, as `--mappings` prints it.
pub fn mappings(out: &mut dyn Write, format: Format) -> io::Result<()> {
    writeln!(
        out,
        "{format}: host from {}; time from {}",
        format.host_fields().join(" or "),
        format.time_fields().join(" or ")
    )?;
    for m in imports::mappings(format) {
        writeln!(out, "\nevent {} ({}) -> {}", m.event, m.name, m.kind)?;
        for w in m.when {
            let test = match w.test {
                Test::OneOf(values) => format!("is {}", values.join(" or ")),
                Test::NoneOf(values) => format!("is absent or not {}", values.join(" or ")),
                Test::NotIpv6 => "is absent or not an IPv6 address".to_owned(),
            };
            writeln!(out, "  when {} {test}", w.path)?;
        }
        for r in m.rules {
            let source =
                if r.source.is_empty() { "always".to_owned() } else { r.source.join(" or ") };
            let how = match r.convert {
                Convert::Same => String::new(),
                Convert::Time => " (time)".into(),
                Convert::BaseName => " (file name)".into(),
                Convert::Folder => " (folder, drive-relative)".into(),
                Convert::Directory => " (directory)".into(),
                Convert::Drive => " (drive letter)".into(),
                Convert::Extension => " (extension)".into(),
                Convert::Hash(alg) => format!(" ({alg} of the list)"),
                Convert::Registry(part, value) => {
                    let of = if value { "value" } else { "key" };
                    format!(" ({} of the {of}, HKEY_ form)", format!("{part:?}").to_lowercase())
                }
                Convert::Const(v) => format!(" = {v}"),
            };
            writeln!(out, "  {source}{how} -> {}", short_name(r.term.name()))?;
        }
        let missing: Vec<&str> = imports::not_provided(m).map(|f| short_name(f.name())).collect();
        if !missing.is_empty() {
            writeln!(out, "  not provided (not evaluated): {}", missing.join(", "))?;
        }
    }
    Ok(())
}
