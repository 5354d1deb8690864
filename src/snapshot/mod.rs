//! Snapshots: items saved from one host, to be scanned later or elsewhere.
//!
//! A snapshot is JSON Lines. Line 1 is a [`Header`]; every further line is one item in the JSON
//! form of [`crate::item::Item`] (`{"kind": "File", "fields": {"FileItem/FullPath": ...}}`),
//! typed by the term catalogue. `schema/snapshot.schema.json` describes both line shapes.
//!
//! ```text
//! {"format":"iocscan-snapshot","version":1,"host":"web1","time":"2026-11-30T11:00:00Z","tool":"iocscan 0.1.0","kinds":["File"]}
//! {"kind":"File","fields":{"FileItem/FullPath":"/etc/passwd","FileItem/SizeInBytes":2211}}
//! ```
//!
//! Reading streams line by line: a line longer than [`crate::limits::MAX_SNAPSHOT_LINE_BYTES`]
//! is skipped without being held in memory, a line that is not a valid item is reported with
//! its number and skipped; only a missing or foreign header fails the whole file. This module
//! reads and writes the format; it collects and evaluates nothing (see [`crate::driver`]).

pub mod parquet;

use crate::item::{Item, ItemKind};
use crate::limits::MAX_SNAPSHOT_LINE_BYTES;
use crate::path_text::escape;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// The `format` value of a snapshot header.
pub const FORMAT: &str = "iocscan-snapshot";

/// The snapshot format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The first line of a snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for files this build writes.
    pub version: u32,
    /// The host name of the machine collected, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// When the collection started (RFC 3339, UTC).
    pub time: String,
    /// The program that wrote the file (`iocscan 0.1.0`).
    pub tool: String,
    /// The item kinds the collection asked for.
    pub kinds: Vec<ItemKind>,
}

impl Header {
    /// A header for a collection of `kinds` on `host` starting at `time`, written by this build.
    pub fn new(host: Option<String>, time: DateTime<Utc>, kinds: Vec<ItemKind>) -> Self {
        Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            host,
            time: time.to_rfc3339_opts(SecondsFormat::Secs, true),
            tool: crate::TOOL.to_owned(),
            kinds,
        }
    }
}

/// A snapshot file that cannot be read at all (the header is missing or foreign), or a write
/// that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Opening or reading the file failed.
    #[error("{}: cannot read snapshot: {source}", escape(path.as_os_str()))]
    Read {
        /// The snapshot file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Writing the snapshot failed.
    #[error("cannot write snapshot: {0}")]
    Write(#[source] io::Error),
    /// The first line is not an iocscan snapshot header of a version this build reads.
    #[error("{}:1: not an iocscan snapshot: {message}", escape(path.as_os_str()))]
    Header {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong with the first line.
        message: String,
    },
}

/// A snapshot line that was skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// Why it was skipped.
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Writes a snapshot: the header first, then one item per line.
#[derive(Debug)]
pub struct SnapshotWriter<W: Write> {
    out: W,
    items: u64,
}

impl<W: Write> SnapshotWriter<W> {
    /// Starts a snapshot on `out` by writing `header`.
    pub fn new(mut out: W, header: &Header) -> io::Result<Self> {
        write_json_line(&mut out, header)?;
        Ok(SnapshotWriter { out, items: 0 })
    }

    /// Appends one item.
    pub fn write_item(&mut self, item: &Item) -> io::Result<()> {
        write_json_line(&mut self.out, item)?;
        self.items += 1;
        Ok(())
    }

    /// Appends one line already encoded by [`encode_item`] (lets threads encode in parallel
    /// and only the write itself be serialised).
    pub fn write_encoded(&mut self, line: &[u8]) -> io::Result<()> {
        self.out.write_all(line)?;
        self.items += 1;
        Ok(())
    }

    /// Items written so far.
    pub fn items(&self) -> u64 {
        self.items
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One item as a snapshot line, newline included.
pub fn encode_item(item: &Item) -> io::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(item).map_err(io::Error::other)?;
    line.push(b'\n');
    Ok(line)
}

fn write_json_line<W: Write, T: Serialize>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Reads a snapshot line by line: the header at once, then items on demand.
#[derive(Debug)]
pub struct SnapshotReader<R: BufRead> {
    input: R,
    header: Header,
    /// Number of the last line read (1 = the header).
    line: u64,
    buf: Vec<u8>,
    /// Set after a read error: the rest of the input is not trusted.
    broken: bool,
}

impl SnapshotReader<BufReader<File>> {
    /// Opens the snapshot at `path` and reads its header.
    ///
    /// Only regular files are read, opened without blocking ([`crate::fsread::open_regular`]);
    /// the file is not size-capped as a whole (it is read line by line, each line capped).
    pub fn open(path: &Path) -> Result<Self, SnapshotError> {
        let file = crate::fsread::open_regular(path)
            .map_err(|source| SnapshotError::Read { path: path.to_path_buf(), source })?;
        SnapshotReader::new(BufReader::new(file), path)
    }
}

impl<R: BufRead> SnapshotReader<R> {
    /// Reads the header from `input`; `path` only names the input in errors.
    pub fn new(mut input: R, path: &Path) -> Result<Self, SnapshotError> {
        let header_err =
            |message: String| SnapshotError::Header { path: path.to_path_buf(), message };
        let mut buf = Vec::new();
        let header = match read_line_capped(&mut input, &mut buf, MAX_SNAPSHOT_LINE_BYTES) {
            Err(source) => return Err(SnapshotError::Read { path: path.to_path_buf(), source }),
            Ok(LineRead::Eof) => return Err(header_err("the file is empty".into())),
            Ok(LineRead::TooLong(n)) => {
                return Err(header_err(format!("first line is {n} bytes long")))
            }
            Ok(LineRead::Line) => parse_header(&buf).map_err(header_err)?,
        };
        Ok(SnapshotReader { input, header, line: 1, buf, broken: false })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Number of the last line read.
    pub fn line(&self) -> u64 {
        self.line
    }
}

fn parse_header(line: &[u8]) -> Result<Header, String> {
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| format!("first line is not JSON ({e})"))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(format!("first line has no `\"format\": \"{FORMAT}\"`"));
    }
    let header: Header =
        serde_json::from_value(value).map_err(|e| format!("bad header line ({e})"))?;
    if header.version != VERSION {
        return Err(format!(
            "snapshot version {} is not supported (this build reads version {VERSION})",
            header.version
        ));
    }
    Ok(header)
}

impl<R: BufRead> Iterator for SnapshotReader<R> {
    type Item = Result<Item, LineError>;

    /// The next item, or the reason the next non-empty line was skipped.
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.broken {
                return None;
            }
            let read = read_line_capped(&mut self.input, &mut self.buf, MAX_SNAPSHOT_LINE_BYTES);
            self.line += 1;
            let line = self.line;
            match read {
                Ok(LineRead::Eof) => return None,
                Err(e) => {
                    self.broken = true;
                    return Some(Err(LineError { line, message: format!("read error: {e}") }));
                }
                Ok(LineRead::TooLong(n)) => return Some(Err(too_long(line, n))),
                Ok(LineRead::Line) => match parse_item_line(line, &self.buf) {
                    Some(item) => return Some(item),
                    None => continue,
                },
            }
        }
    }
}

/// One item line: `None` when it is blank, else the item or why the line is skipped.
pub fn parse_item_line(line: u64, bytes: &[u8]) -> Option<Result<Item, LineError>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let item = serde_json::from_slice::<Item>(bytes);
    Some(item.map_err(|e| LineError { line, message: e.to_string() }))
}

/// Item lines read ahead as raw bytes, so that threads can parse them apart
/// ([`SnapshotReader::read_lines`], then [`parse_item_line`] on each of [`LineChunk::lines`]).
#[derive(Debug, Default)]
pub struct LineChunk {
    bytes: Vec<u8>,
    /// Per line: its number and where it is in `bytes`.
    spans: Vec<(u64, usize, usize)>,
    /// Lines that could not be read (too long, read error).
    pub errors: Vec<LineError>,
}

impl LineChunk {
    /// The lines read, with their numbers.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = (u64, &[u8])> + '_ {
        self.spans.iter().map(|&(n, start, end)| (n, &self.bytes[start..end]))
    }
}

impl<R: BufRead> SnapshotReader<R> {
    /// Reads up to `max_lines` more lines into `chunk` (emptied first), each capped as
    /// [`Iterator::next`] caps it; false once the input is exhausted and nothing was read.
    pub fn read_lines(&mut self, max_lines: usize, chunk: &mut LineChunk) -> bool {
        chunk.bytes.clear();
        chunk.spans.clear();
        chunk.errors.clear();
        while chunk.spans.len() + chunk.errors.len() < max_lines && !self.broken {
            let read = read_line_capped(&mut self.input, &mut self.buf, MAX_SNAPSHOT_LINE_BYTES);
            self.line += 1;
            let line = self.line;
            match read {
                Ok(LineRead::Eof) => {
                    self.broken = true;
                    self.line -= 1;
                }
                Ok(LineRead::Line) => {
                    let start = chunk.bytes.len();
                    chunk.bytes.extend_from_slice(&self.buf);
                    chunk.spans.push((line, start, chunk.bytes.len()));
                }
                Ok(LineRead::TooLong(n)) => chunk.errors.push(too_long(line, n)),
                Err(e) => {
                    self.broken = true;
                    chunk.errors.push(LineError { line, message: format!("read error: {e}") });
                }
            }
        }
        !chunk.spans.is_empty() || !chunk.errors.is_empty()
    }
}

fn too_long(line: u64, n: u64) -> LineError {
    let message =
        format!("line of {n} bytes is longer than the {MAX_SNAPSHOT_LINE_BYTES}-byte limit");
    LineError { line, message }
}

/// The outcome of reading one line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LineRead {
    /// A line is in the buffer (without its newline).
    Line,
    /// The line had this many bytes (or more), more than the limit; it was consumed, not kept.
    TooLong(u64),
    /// End of input.
    Eof,
}

/// Reads one line into `buf` (cleared first), keeping at most `max` bytes: a longer line is
/// consumed to its end without being stored.
pub(crate) fn read_line_capped<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<LineRead> {
    buf.clear();
    let mut total: u64 = 0;
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(match (total, too_long) {
                (0, _) => LineRead::Eof,
                (n, true) => LineRead::TooLong(n),
                _ => LineRead::Line,
            });
        }
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        total += part.len() as u64;
        if !too_long && buf.len() + part.len() > max {
            too_long = true;
            buf.clear();
        }
        if !too_long {
            buf.extend_from_slice(part);
        }
        let consumed = done.unwrap_or(chunk.len());
        input.consume(consumed);
        if done.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(if too_long { LineRead::TooLong(total) } else { LineRead::Line });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::Field;

    fn header_line() -> String {
        let h = Header::new(Some("h".into()), Utc::now(), vec![ItemKind::User]);
        serde_json::to_string(&h).unwrap()
    }

    #[test]
    fn write_then_read_round_trips() {
        let header = Header::new(Some("web1".into()), Utc::now(), vec![ItemKind::User]);
        let item = Item::new(ItemKind::User).with(Field::UserUsername, "alice");
        let mut w = SnapshotWriter::new(Vec::new(), &header).unwrap();
        w.write_item(&item).unwrap();
        w.write_encoded(&encode_item(&item).unwrap()).unwrap();
        assert_eq!(w.items(), 2);
        let bytes = w.finish().unwrap();
        let r = SnapshotReader::new(&bytes[..], Path::new("s")).unwrap();
        assert_eq!(r.header(), &header);
        let items: Vec<_> = r.collect();
        assert_eq!(items, vec![Ok(item.clone()), Ok(item)]);
    }

    #[test]
    fn bad_and_long_lines_are_skipped_with_their_numbers() {
        let long = "x".repeat(MAX_SNAPSHOT_LINE_BYTES + 10);
        let text = format!(
            "{}\n{{\"kind\":\"User\"}}\n\nnot json\n{long}\r\n{{\"kind\":\"User\",\"fields\":{{\"UserItem/userid\":\"x\"}}}}\n{{\"kind\":\"Port\"}}",
            header_line()
        );
        let r = SnapshotReader::new(text.as_bytes(), Path::new("s")).unwrap();
        let out: Vec<_> = r.collect();
        assert_eq!(out.len(), 5, "{out:?}");
        assert_eq!(out[0], Ok(Item::new(ItemKind::User)));
        let errs: Vec<u64> = out.iter().filter_map(|r| r.as_ref().err()).map(|e| e.line).collect();
        assert_eq!(errs, [4, 5, 6]);
        assert!(out[2].as_ref().unwrap_err().message.contains("longer than"));
        assert_eq!(out[4], Ok(Item::new(ItemKind::Port)));
    }

    #[test]
    fn missing_or_foreign_header_is_an_error() {
        let cases = [
            "",
            "{\"kind\":\"User\"}\n",
            "{\"format\":\"other\",\"version\":1}\n",
            "{\"format\":\"iocscan-snapshot\",\"version\":9,\"time\":\"x\",\"tool\":\"t\",\"kinds\":[]}\n",
            "garbage",
        ];
        for text in cases {
            let err = SnapshotReader::new(text.as_bytes(), Path::new("s")).unwrap_err();
            assert!(matches!(err, SnapshotError::Header { .. }), "{text}: {err}");
        }
    }

    #[test]
    fn capped_reader_handles_limits_exactly() {
        let mut buf = Vec::new();
        let mut input: &[u8] = b"abcd\nabcde\nab";
        assert_eq!(read_line_capped(&mut input, &mut buf, 4).unwrap(), LineRead::Line);
        assert_eq!(buf, b"abcd");
        assert_eq!(read_line_capped(&mut input, &mut buf, 4).unwrap(), LineRead::TooLong(5));
        assert_eq!(read_line_capped(&mut input, &mut buf, 4).unwrap(), LineRead::Line);
        assert_eq!(buf, b"ab");
        assert_eq!(read_line_capped(&mut input, &mut buf, 4).unwrap(), LineRead::Eof);
    }
}
