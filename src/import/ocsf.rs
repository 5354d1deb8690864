//! OCSF events as JSON: one event per line (JSON Lines), or a file holding one JSON array of
//! events (read element by element, never whole).
//!
//! An event's mapping key is its `class_uid`; the mapping reads it through [`Fields`] over the
//! JSON value, so the same table applies to any other row source with the same attribute
//! paths (a Parquet row: see [`super::fields`]). Each event is capped in bytes
//! ([`MAX_IMPORT_RECORD_BYTES`]) and nesting ([`MAX_OCSF_JSON_DEPTH`]); an event over a cap or
//! not JSON is reported and skipped (in an array, a broken element ends the file: JSON cannot
//! be resynchronised inside an array).

use super::fields::Fields;
use super::{next_line, Ctx, Next, ProblemCode};
use crate::limits::{MAX_IMPORT_RECORD_BYTES, MAX_OCSF_JSON_DEPTH};
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

pub(crate) fn read<R: Read>(file: R, ctx: &mut Ctx<'_>) {
    let mut input = BufReader::with_capacity(256 * 1024, file);
    let first = loop {
        match input.fill_buf() {
            Err(e) => {
                ctx.fail(ProblemCode::Unreadable, format!("cannot read: {e}"));
                return;
            }
            Ok([]) => break None,
            Ok(chunk) => {
                let skip = chunk.iter().take_while(|b| b.is_ascii_whitespace()).count();
                if skip < chunk.len() {
                    let first = chunk[skip];
                    input.consume(skip);
                    break Some(first);
                }
                let len = chunk.len();
                input.consume(len);
            }
        }
    };
    match first {
        None => ctx.fail(ProblemCode::NotFormat, "empty: no OCSF event".into()),
        Some(b'[') => read_array(input, ctx),
        Some(b'{') => read_lines(input, ctx),
        Some(other) => ctx.fail(
            ProblemCode::NotFormat,
            format!(
                "starts with `{}`: neither JSON Lines nor a JSON array of OCSF events",
                other.escape_ascii()
            ),
        ),
    }
}

/// Maps one event (`location` names it in problems); false to stop.
pub(crate) fn event(value: &serde_json::Value, location: String, ctx: &mut Ctx<'_>) -> bool {
    if depth(value) > MAX_OCSF_JSON_DEPTH {
        let message = format!("nested deeper than {MAX_OCSF_JSON_DEPTH} levels: skipped");
        ctx.problem(ProblemCode::RecordTooLarge, Some(location), message);
        return !ctx.stopped();
    }
    if !value.is_object() {
        ctx.problem(ProblemCode::BadRecord, Some(location), "not a JSON object: skipped".into());
        return !ctx.stopped();
    }
    record(value, location, ctx)
}

/// Maps one OCSF event of any source (a JSON value, a Parquet row) by its `class_uid`; false
/// to stop.
pub(crate) fn record(event: &dyn Fields, location: String, ctx: &mut Ctx<'_>) -> bool {
    let class = event.get("class_uid").map(|s| s.text().trim().to_owned());
    match class {
        Some(key) if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) => {
            ctx.record(&key, event)
        }
        Some(_) => {
            let message = "`class_uid` is not a number: skipped".into();
            ctx.problem(ProblemCode::BadRecord, Some(location), message);
            !ctx.stopped()
        }
        None => {
            ctx.skip("no class_uid: not an OCSF event".into());
            true
        }
    }
}

/// Nesting depth of a JSON value (a scalar is 0).
fn depth(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn read_lines<R: Read>(mut input: BufReader<R>, ctx: &mut Ctx<'_>) {
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    loop {
        line += 1;
        match next_line(&mut input, &mut buf, MAX_IMPORT_RECORD_BYTES, line, ctx) {
            Next::End => return,
            Next::Skip => {}
            Next::Line => match serde_json::from_slice::<serde_json::Value>(&buf) {
                Err(e) => ctx.problem(
                    ProblemCode::BadRecord,
                    Some(format!("line {line}")),
                    format!("not JSON ({e}): skipped"),
                ),
                Ok(value) => {
                    if !event(&value, format!("line {line}"), ctx) {
                        return;
                    }
                }
            },
        }
        if ctx.stopped() {
            return;
        }
    }
}

/// Counts the bytes read and refuses to read more than the record cap past the start of the
/// element being read.
struct Capped<R> {
    inner: R,
    pos: Rc<Cell<u64>>,
    start: Rc<Cell<u64>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos.get() - self.start.get() > MAX_IMPORT_RECORD_BYTES as u64 {
            return Err(io::Error::other(format!(
                "an array element of more than {MAX_IMPORT_RECORD_BYTES} bytes"
            )));
        }
        let n = self.inner.read(buf)?;
        self.pos.set(self.pos.get() + n as u64);
        Ok(n)
    }
}

struct Elements<'c, 's> {
    ctx: &'c mut Ctx<'s>,
    pos: Rc<Cell<u64>>,
    start: Rc<Cell<u64>>,
    index: u64,
}

impl<'de> Visitor<'de> for &mut Elements<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of OCSF events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.start.set(self.pos.get());
            let Some(value) = seq.next_element::<serde_json::Value>()? else { return Ok(()) };
            self.index += 1;
            if !event(&value, format!("element {}", self.index), self.ctx) {
                return Ok(());
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for &mut Elements<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

fn read_array<R: Read>(input: BufReader<R>, ctx: &mut Ctx<'_>) {
    let pos = Rc::new(Cell::new(0));
    let start = Rc::new(Cell::new(0));
    let reader = Capped { inner: input, pos: pos.clone(), start: start.clone() };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut elements = Elements { ctx, pos, start, index: 0 };
    if let Err(e) = (&mut elements).deserialize(&mut de) {
        if !elements.ctx.stopped() {
            let location = Some(format!("element {}", elements.index + 1));
            elements.ctx.truncated(location, format!("{e}: the rest of the array was skipped"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_containers() {
        assert_eq!(depth(&serde_json::json!(1)), 0);
        assert_eq!(depth(&serde_json::json!({"a": {"b": [1]}})), 3);
    }
}
