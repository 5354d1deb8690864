//! `iocscan terms`: the term catalogue as a table, or as `schema/terms.json`.

use crate::args::{PlainFormat, TermsArgs};
use crate::EXIT_OK;
use iocscan::terms::{self, Cost};
use std::io::{self, Write};

/// Prints the catalogue.
pub fn run(args: &TermsArgs) -> io::Result<u8> {
    let mut out = io::stdout().lock();
    match args.format {
        PlainFormat::Json => out.write_all(terms::catalogue_json().as_bytes())?,
        PlainFormat::Text => table(&mut out)?,
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn table(out: &mut dyn Write) -> io::Result<()> {
    let width = terms::TERMS.iter().map(|t| t.name.len()).max().unwrap_or(4);
    writeln!(
        out,
        "{:width$}  {:7} {:8} {:5} {:5} {:11} ALSO",
        "TERM", "TYPE", "COST", "LIST", "CARD", "LINUX"
    )?;
    for t in terms::TERMS {
        let cost = match t.cost {
            Cost::Metadata => "metadata",
            Cost::Content => "content",
        };
        // The grade of a live Linux scan's value; `-` when no collector fills the term.
        let linux = if t.linux { t.grade.as_str() } else { "-" };
        let also: Vec<&str> = terms::aliases(t.field).collect();
        writeln!(
            out,
            "{:width$}  {:7} {cost:8} {:5} {:5} {linux:11} {}",
            t.name,
            t.ty.as_str(),
            yes(t.many),
            yes(t.card),
            also.join(" ")
        )?;
    }
    let linux = terms::TERMS.iter().filter(|t| t.linux).count();
    writeln!(
        out,
        "\n{} terms, {linux} answered on Linux (exact, inferred or approximate: how faithfully a \
         live scan stands in for a recorded event); recorded events are exact",
        terms::TERMS.len()
    )
}

fn yes(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "-"
    }
}
