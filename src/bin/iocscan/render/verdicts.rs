//! Verdicts in text: one line per verdict class (the undetermined ones with their reasons
//! grouped), every IOC's line with `--results`, and the trees of `--explain`.
//!
//! ```text
//! Verdicts of 234 IOCs:
//!   1 detected
//!   169 undetermined: 160 use terms not evaluated (RegistryItem 80, processEvent 41, ...); 5 need kinds not collected (ProcessItem 5)
//!   64 clean
//!   "nothing detected" covers the clean IOCs only: --results lists every IOC, --explain ID shows how one was evaluated
//! ```

use super::escape_path;
use iocscan::verdict::{
    ExplainNode, Explanation, IocResult, Reason, Truth, Verdict, VerdictCounts,
};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// How many names a grouped reason lists before `...`.
const NAMES_SHOWN: usize = 6;

/// The verdict lines: one per verdict class, the undetermined one with its reasons grouped.
pub fn print_verdicts(
    out: &mut dyn Write,
    results: &[IocResult],
    clean_omitted: usize,
) -> io::Result<()> {
    let mut counts = VerdictCounts::of(results);
    counts.clean += clean_omitted;
    let total = results.len() + clean_omitted;
    writeln!(out, "Verdicts of {} IOC{}:", total, plural(total))?;
    writeln!(out, "  {} detected", counts.detected)?;
    if counts.undetermined == 0 {
        writeln!(out, "  0 undetermined")?;
    } else {
        let mut groups: Vec<_> = group_reasons(results).into_iter().collect();
        groups.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let parts: Vec<String> = groups
            .iter()
            .map(|(what, (iocs, names))| {
                let mut names: Vec<(&String, &usize)> = names.iter().collect();
                names.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let mut shown: Vec<String> =
                    names.iter().take(NAMES_SHOWN).map(|(n, c)| format!("{n} {c}")).collect();
                if names.len() > NAMES_SHOWN {
                    shown.push("...".into());
                }
                format!("{iocs} {what} ({})", shown.join(", "))
            })
            .collect();
        writeln!(out, "  {} undetermined: {}", counts.undetermined, parts.join("; "))?;
    }
    writeln!(out, "  {} clean", counts.clean)?;
    if counts.undetermined > 0 {
        writeln!(
            out,
            "  \"nothing detected\" covers the clean IOCs only: --results lists every IOC, \
             --explain ID shows how one was evaluated"
        )?;
    }
    Ok(())
}

/// Reason categories: how many undetermined IOCs have one, and by name how many IOCs.
type Groups = BTreeMap<&'static str, (usize, BTreeMap<String, usize>)>;

fn group_reasons(results: &[IocResult]) -> Groups {
    let mut groups: Groups = BTreeMap::new();
    for r in results.iter().filter(|r| r.verdict == Verdict::Undetermined) {
        let mut seen: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for reason in &r.reasons {
            let (what, name) = category(reason);
            let names = seen.entry(what).or_default();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        for (what, names) in seen {
            let group = groups.entry(what).or_default();
            group.0 += 1;
            for name in names {
                *group.1.entry(name).or_default() += 1;
            }
        }
    }
    groups
}

/// A reason's category (as the line says it) and the name it is counted under.
fn category(reason: &Reason) -> (&'static str, String) {
    match reason {
        Reason::UnsupportedTerm { term, .. } => ("use terms not evaluated", family(term)),
        Reason::NeverMatchingItem { code, .. } => ("have items that never match", code.to_string()),
        Reason::KindNotCollected { kind } => ("need kinds not collected", kind.to_string()),
        Reason::FieldNotAvailable { term, .. } => ("lack fields on some objects", term.to_string()),
        Reason::NotObservable { term, .. } => {
            ("use terms a state scan cannot observe", term.to_string())
        }
        Reason::UnknownOperator { operator, .. } => ("have unknown operators", operator.clone()),
        other => ("other", other.to_string()),
    }
}

/// The family a term is counted under: its document (`RegistryItem`), its sub-structure
/// for nested terms (`FileItem/PEInfo`), or its event (`eventItem/processEvent/...` is
/// `processEvent`).
fn family(term: &str) -> String {
    let parts: Vec<&str> = term.split('/').collect();
    match parts.as_slice() {
        ["eventItem", event, ..] => event.to_string(),
        [document, sub, _, ..] => format!("{document}/{sub}"),
        [document, ..] if !document.is_empty() => document.to_string(),
        _ => "(empty term)".to_string(),
    }
}

/// Every IOC's line (`--results`).
pub fn print_results<R: std::borrow::Borrow<IocResult>>(
    out: &mut dyn Write,
    results: impl IntoIterator<Item = R>,
) -> io::Result<()> {
    for r in results {
        let r = r.borrow();
        write!(out, "{:<13}{}  {}", r.verdict.as_str(), r.id, escape_path(&r.file))?;
        if r.verdict == Verdict::Detected {
            write!(out, " ({} object{})", r.objects, plural(r.objects as usize))?;
        }
        if !r.reasons.is_empty() {
            let reasons: Vec<String> = r.reasons.iter().map(Reason::to_string).collect();
            write!(out, ": {}", reasons.join("; "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// One explained IOC.
pub fn print_explanation(out: &mut dyn Write, e: &Explanation) -> io::Result<()> {
    writeln!(out, "EXPLAIN  {}  {}", e.id, e.verdict)?;
    writeln!(out, "  file: {} (OpenIOC {})", escape_path(&e.file), e.version.as_str())?;
    for node in &e.tree {
        print_node(out, node, 1)?;
    }
    Ok(())
}

fn print_node(out: &mut dyn Write, node: &ExplainNode, depth: usize) -> io::Result<()> {
    let pad = "  ".repeat(depth);
    match node {
        ExplainNode::Indicator { id, operator, position, value, children } => {
            let id = id.as_deref().map(|i| format!(" [{i}]")).unwrap_or_default();
            writeln!(out, "{pad}{operator} at {position}{id}: {}", truth(*value))?;
            children.iter().try_for_each(|c| print_node(out, c, depth + 1))
        }
        ExplainNode::Group { kind, value, true_objects, unknown_objects, reasons, children } => {
            write!(out, "{pad}{kind} conditions on one object: {}", truth(*value))?;
            write!(out, "{}", counts(*true_objects, *unknown_objects))?;
            if !reasons.is_empty() {
                let reasons: Vec<String> = reasons.iter().map(Reason::to_string).collect();
                write!(out, " ({})", reasons.join("; "))?;
            }
            writeln!(out)?;
            children.iter().try_for_each(|c| print_node(out, c, depth + 1))
        }
        ExplainNode::Nested { operator, value, children } => {
            writeln!(out, "{pad}{operator}: {}", truth(*value))?;
            children.iter().try_for_each(|c| print_node(out, c, depth + 1))
        }
        ExplainNode::Condition { text, value, true_objects, unknown_objects, reason, .. } => {
            write!(out, "{pad}- {}: {}", super::text::one_line(text), truth(*value))?;
            write!(out, "{}", counts(*true_objects, *unknown_objects))?;
            if let Some(reason) = reason {
                write!(out, " ({reason})")?;
            }
            writeln!(out)
        }
    }
}

fn counts(true_objects: u64, unknown_objects: u64) -> String {
    let mut parts = Vec::new();
    if true_objects > 0 {
        parts.push(format!("true on {true_objects} object{}", plural(true_objects as usize)));
    }
    if unknown_objects > 0 {
        parts.push(format!(
            "unknown on {unknown_objects} object{}",
            plural(unknown_objects as usize)
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(", {}", parts.join(", "))
    }
}

fn truth(t: Truth) -> &'static str {
    match t {
        Truth::True => "true",
        Truth::Unknown => "unknown",
        Truth::False => "false",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iocscan::item::ItemKind;
    use std::path::PathBuf;

    fn result(id: &str, verdict: Verdict, reasons: Vec<Reason>) -> IocResult {
        IocResult { id: id.into(), file: PathBuf::from("x.ioc"), verdict, objects: 0, reasons }
    }

    #[test]
    fn undetermined_reasons_are_grouped_by_family() {
        let reg = |t: &str| Reason::UnsupportedTerm { term: t.into(), items: 1 };
        let results = [
            result(
                "a",
                Verdict::Undetermined,
                vec![reg("RegistryItem/Path"), reg("RegistryItem/Value")],
            ),
            result("b", Verdict::Undetermined, vec![reg("eventItem/processEvent/process")]),
            result(
                "c",
                Verdict::Undetermined,
                vec![Reason::KindNotCollected { kind: ItemKind::Process }],
            ),
            result("d", Verdict::Clean, vec![]),
        ];
        let mut out = Vec::new();
        print_verdicts(&mut out, &results, 0).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("Verdicts of 4 IOCs:\n  0 detected\n"), "{text}");
        assert!(text.contains("\n  1 clean\n"), "{text}");
        assert!(
            text.contains("3 undetermined: 2 use terms not evaluated (RegistryItem 1, processEvent 1); 1 need kinds not collected (ProcessItem 1)"),
            "{text}"
        );
    }
}
