//! Sysmon events from EVTX files (through the `evtx` crate) and from the XML Windows tools
//! export (`wevtutil qe /f:xml`: `<Event>` elements one after another; Event Viewer "Save as
//! XML": the same inside `<Events>`; UTF-8, or UTF-16 with a byte-order mark).
//!
//! Both become the same record: the `<Data Name="...">` values of `EventData` by name, plus
//! `System.Computer`, `System.EventID`, `System.Provider`, `System.TimeCreated`; the event id
//! is the mapping key. EVTX records are rendered as XML by the crate and read by the same XML
//! reader, so both forms map identically. Events of other providers (a Security log) are
//! counted and skipped. A damaged EVTX chunk or record is reported and the parser goes on with
//! the next; a panic inside the parser ends that file (reported), never the import.

use super::fields::FlatFields;
use super::{error_chain, Ctx, ProblemCode};
use crate::limits::MAX_IMPORT_RECORD_BYTES;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

/// The provider name of Sysmon events.
pub const PROVIDER: &str = "Microsoft-Windows-Sysmon";

/// The first bytes of an EVTX file.
const EVTX_MAGIC: &[u8; 8] = b"ElfFile\0";

/// Reads one Sysmon input: EVTX when it starts with the EVTX magic, XML otherwise.
pub(crate) fn read<R: Read + Seek>(mut file: R, ctx: &mut Ctx<'_>) {
    let mut magic = [0u8; 8];
    let n = read_up_to(&mut file, &mut magic);
    if let Err(e) = file.seek(SeekFrom::Start(0)) {
        ctx.fail(ProblemCode::Unreadable, format!("cannot read: {e}"));
        return;
    }
    match n {
        Ok(8) if &magic == EVTX_MAGIC => read_evtx(file, ctx),
        Ok(_) => read_xml(BufReader::new(file), ctx),
        Err(e) => ctx.fail(ProblemCode::Unreadable, format!("cannot read: {e}")),
    }
}

fn read_up_to<R: Read>(file: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn read_evtx<R: Read + Seek>(file: R, ctx: &mut Ctx<'_>) {
    let parser = match evtx::EvtxParser::from_read_seek(file) {
        Ok(p) => p,
        Err(e) => {
            ctx.fail(
                ProblemCode::NotFormat,
                format!("not a readable EVTX file: {}", error_chain(&e)),
            );
            return;
        }
    };
    // Chunks past the header's count are the file's preallocated, unused space: Windows
    // never wrote them, so failing to parse them is no damage.
    let used_chunks = u64::from(parser.header().chunk_count);
    let settings = evtx::ParserSettings::new().indent(false);
    let mut parser = parser.with_configuration(settings);
    let mut records = parser.records();
    let mut index: u64 = 0;
    loop {
        // The parser is third-party code over hostile bytes: a panic in it ends this file,
        // never the import.
        let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| records.next()));
        index += 1;
        match next {
            Err(_) => {
                let message = format!(
                    "the EVTX parser failed after {} records: the rest of the file was skipped",
                    index - 1
                );
                ctx.truncated(None, message);
                return;
            }
            Ok(None) => return,
            Ok(Some(Err(evtx::err::EvtxError::FailedToParseChunk { chunk_id, .. })))
                if chunk_id >= used_chunks =>
            {
                ctx.note("EVTX chunks past the header's chunk count (unused space)".into());
            }
            Ok(Some(Err(e))) => {
                ctx.problem(ProblemCode::BadRecord, None, format!("skipped: {}", error_chain(&e)))
            }
            Ok(Some(Ok(record))) => {
                let location = Some(format!("record {}", record.event_record_id));
                if record.data.len() > MAX_IMPORT_RECORD_BYTES {
                    let message = format!(
                        "{} bytes of XML, more than the {MAX_IMPORT_RECORD_BYTES}-byte limit: skipped",
                        record.data.len()
                    );
                    ctx.problem(ProblemCode::RecordTooLarge, location, message);
                    continue;
                }
                let mut events = 0;
                let outcome = parse_events(record.data.as_bytes(), &mut |event| {
                    events += 1;
                    hand_on(event, ctx)
                });
                match outcome {
                    Err(e) => ctx.problem(ProblemCode::BadRecord, location, e),
                    Ok(()) if events == 0 => ctx.problem(
                        ProblemCode::BadRecord,
                        location,
                        "the record holds no <Event>".into(),
                    ),
                    Ok(()) => {}
                }
                if ctx.stopped() {
                    return;
                }
            }
        }
    }
}

fn read_xml<R: Read>(input: BufReader<R>, ctx: &mut Ctx<'_>) {
    let mut input = input;
    let utf16 = match input.fill_buf() {
        Ok(head) => utf16_order(head),
        Err(e) => {
            ctx.fail(ProblemCode::Unreadable, format!("cannot read: {e}"));
            return;
        }
    };
    let mut events = 0u64;
    let outcome = match utf16 {
        Some(encoding) => {
            let reader = BufReader::new(Utf16Reader::new(input, encoding));
            parse_events(reader, &mut |event| {
                events += 1;
                hand_on(event, ctx)
            })
        }
        None => parse_events(input, &mut |event| {
            events += 1;
            hand_on(event, ctx)
        }),
    };
    match outcome {
        Err(e) if events == 0 => ctx.fail(ProblemCode::NotFormat, format!("not Sysmon XML: {e}")),
        Err(e) => ctx.truncated(None, format!("{e}: the rest of the file was skipped")),
        Ok(()) if events == 0 && ctx.report.records == 0 => ctx.fail(
            ProblemCode::NotFormat,
            "no <Event> element: not an EVTX or Sysmon XML file".into(),
        ),
        Ok(()) => {}
    }
}

/// Maps one parsed event (or reports why it was not read); false to stop.
fn hand_on(event: Result<FlatFields, (u64, String)>, ctx: &mut Ctx<'_>) -> bool {
    let fields = match event {
        Ok(fields) => fields,
        Err((at, message)) => {
            ctx.problem(ProblemCode::RecordTooLarge, Some(format!("byte {at}")), message);
            return !ctx.stopped();
        }
    };
    if let Some(provider) = fields.text("System.Provider").filter(|p| *p != PROVIDER) {
        ctx.skip(format!("provider {provider}: not a Sysmon event"));
        return true;
    }
    let event = fields.text("System.EventID").unwrap_or("").trim().to_owned();
    ctx.record(&event, &fields)
}

/// Where the reader is inside one `<Event>`.
#[derive(Default)]
struct Building {
    fields: FlatFields,
    /// The element whose text is being collected, and its field name.
    capture: Option<String>,
    text: String,
    start: u64,
    too_large: bool,
}

/// Reads `<Event>` elements from `input`, calling `each` with every one (or with the byte
/// offset and reason of one that was skipped); `each` returns false to stop. Fails on XML
/// that cannot be read further.
fn parse_events<R: BufRead>(
    input: R,
    each: &mut dyn FnMut(Result<FlatFields, (u64, String)>) -> bool,
) -> Result<(), String> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut current: Option<Building> = None;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Eof => return Ok(()),
            Event::Start(e) if e.local_name().as_ref() == b"Event" && current.is_none() => {
                current = Some(Building { start: position, ..Building::default() });
            }
            Event::Start(e) => {
                if let Some(b) = current.as_mut() {
                    if within(b, position) {
                        start_element(b, &e, false);
                    }
                }
            }
            Event::Empty(e) => {
                if let Some(b) = current.as_mut() {
                    if within(b, position) {
                        start_element(b, &e, true);
                    }
                }
            }
            Event::Text(t) => {
                if let Some(b) = current.as_mut().filter(|b| b.capture.is_some()) {
                    let text =
                        t.unescape().map_err(|e| format!("XML error at byte {position}: {e}"))?;
                    push_text(b, &text);
                }
            }
            Event::CData(t) => {
                if let Some(b) = current.as_mut().filter(|b| b.capture.is_some()) {
                    push_text(b, &String::from_utf8_lossy(&t));
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"Event" => {
                if let Some(b) = current.take() {
                    let size = reader.buffer_position().saturating_sub(b.start);
                    let keep_going = if b.too_large || size > MAX_IMPORT_RECORD_BYTES as u64 {
                        let why = format!(
                            "an <Event> of {size} bytes or more, over the \
                             {MAX_IMPORT_RECORD_BYTES}-byte limit: skipped"
                        );
                        each(Err((b.start, why)))
                    } else {
                        each(Ok(b.fields))
                    };
                    if !keep_going {
                        return Ok(());
                    }
                }
            }
            Event::End(_) => {
                if let Some(b) = current.as_mut().filter(|b| !b.too_large) {
                    if let Some(name) = b.capture.take() {
                        let text = std::mem::take(&mut b.text);
                        b.fields.push(name, text);
                    }
                }
            }
            _ => {}
        }
        buf.clear();
    }
}

/// False once the event being read is past the record cap: it is then only skipped to its
/// end, its fields dropped, so one huge event cannot hold memory.
fn within(b: &mut Building, position: u64) -> bool {
    if !b.too_large && position.saturating_sub(b.start) > MAX_IMPORT_RECORD_BYTES as u64 {
        b.too_large = true;
        b.fields = FlatFields::default();
        b.text = String::new();
        b.capture = None;
    }
    !b.too_large
}

fn push_text(b: &mut Building, text: &str) {
    if b.text.len() + text.len() > MAX_IMPORT_RECORD_BYTES {
        b.too_large = true;
        return;
    }
    b.text.push_str(text);
}

/// Starts collecting an element of an event: `System` children by their name (attributes for
/// `Provider` and `TimeCreated`), `Data` by its `Name` attribute.
fn start_element(b: &mut Building, e: &BytesStart<'_>, empty: bool) {
    let attr = |name: &[u8]| {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == name)
            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
    };
    let local = e.local_name();
    let name = match local.as_ref() {
        b"Provider" => {
            if let Some(v) = attr(b"Name") {
                b.fields.push("System.Provider", v);
            }
            return;
        }
        b"TimeCreated" => {
            if let Some(v) = attr(b"SystemTime") {
                b.fields.push("System.TimeCreated", v);
            }
            return;
        }
        b"Computer" => "System.Computer".to_owned(),
        b"EventID" => "System.EventID".to_owned(),
        b"EventRecordID" => "System.EventRecordID".to_owned(),
        // Only the names the mapping table reads are kept (a ProcessCreate has two dozen).
        b"Data" => match attr(b"Name") {
            Some(n) if super::needed_paths(super::Format::Sysmon).contains(n.as_str()) => n,
            _ => return,
        },
        _ => return,
    };
    if empty {
        b.fields.push(name, "");
    } else {
        b.capture = Some(name);
        b.text.clear();
    }
}

/// The UTF-16 byte order of a file that starts with a UTF-16 byte-order mark or `<` in
/// UTF-16.
fn utf16_order(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    match head {
        [0xFF, 0xFE, ..] | [b'<', 0, ..] => Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF, ..] | [0, b'<', ..] => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// Decodes a UTF-16 stream to UTF-8 as it is read (malformed sequences become U+FFFD).
struct Utf16Reader<R: Read> {
    input: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> Utf16Reader<R> {
    fn new(input: R, encoding: &'static encoding_rs::Encoding) -> Self {
        Utf16Reader {
            input,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: vec![0; 64 * 1024],
            out: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.out.len() {
            if self.done {
                return Ok(0);
            }
            let n = self.input.read(&mut self.raw)?;
            let last = n == 0;
            self.out.clear();
            self.pos = 0;
            let need = self.decoder.max_utf8_buffer_length(n).unwrap_or(n * 3 + 16);
            self.out.resize(need, 0);
            let (_, _, written, _) =
                self.decoder.decode_to_utf8(&self.raw[..n], &mut self.out, last);
            self.out.truncate(written);
            self.done = last;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"/><EventID>1</EventID><TimeCreated SystemTime="2021-02-25T06:02:28.1134Z"/><Computer>WS-17.corp</Computer></System><EventData><Data Name="Image">C:\x &amp; y\a.exe</Data><Data Name="RuleName">-</Data><Data Name="User"/><Data Name="CommandLine"><![CDATA[a.exe -x]]></Data></EventData></Event>"#;

    #[test]
    fn an_event_becomes_flat_fields() {
        let mut got = Vec::new();
        parse_events(EVENT.as_bytes(), &mut |e| {
            got.push(e.unwrap());
            true
        })
        .unwrap();
        let f = &got[0];
        assert_eq!(f.text("System.Computer"), Some("WS-17.corp"));
        assert_eq!(f.text("System.EventID"), Some("1"));
        assert_eq!(f.text("System.Provider"), Some(PROVIDER));
        assert_eq!(f.text("Image"), Some("C:\\x & y\\a.exe"));
        assert_eq!(f.text("User"), Some(""));
        assert_eq!(f.text("RuleName"), None, "no term reads it: not kept");
        assert_eq!(f.text("CommandLine"), Some("a.exe -x"));
    }

    #[test]
    fn utf16_exports_decode() {
        let text = format!("<Events>{EVENT}{EVENT}</Events>");
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(utf16_order(&bytes), Some(encoding_rs::UTF_16LE));
        let reader = BufReader::new(Utf16Reader::new(&bytes[..], encoding_rs::UTF_16LE));
        let mut n = 0;
        parse_events(reader, &mut |e| {
            assert_eq!(e.unwrap().text("System.Computer"), Some("WS-17.corp"));
            n += 1;
            true
        })
        .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn an_event_over_the_cap_is_skipped_and_the_next_read() {
        let data = format!("<Data Name='x'>{}</Data>", "y".repeat(1000));
        let huge = EVENT.replace(
            "<EventData>",
            &format!("<EventData>{}", data.repeat(MAX_IMPORT_RECORD_BYTES / 1000)),
        );
        let text = format!("{huge}{EVENT}");
        let mut got = Vec::new();
        parse_events(text.as_bytes(), &mut |e| {
            got.push(e.map(|f| f.0.len()));
            true
        })
        .unwrap();
        assert!(matches!(got[0], Err((0, _))), "{:?}", got[0]);
        assert!(matches!(got[1], Ok(n) if n > 3), "{:?}", got[1]);
    }

    #[test]
    fn broken_xml_is_an_error_with_a_position() {
        let err = parse_events(&b"<Event><System></Event>"[..], &mut |_| true).unwrap_err();
        assert!(err.contains("XML error at byte"), "{err}");
    }
}
