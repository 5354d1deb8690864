//! Linux audit logs (`audit.log` text, raw or `log_format = ENRICHED`).
//!
//! A line is `[node=HOST ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL): field=value ...`, with
//! the enriched interpretations (`UID="root"`) after a `\x1d` separator. The records of one
//! event share their serial: the reader gathers them into one group (records of a few events
//! may interleave; at most [`MAX_AUDIT_OPEN_GROUPS`] are kept open, an `EOE` record closes
//! one) and hands the group on as one record: `SYSCALL.pid`, `SYSCALL.exe`, ... (the fields
//! of each record type that the mapping table reads; `EUID` from the enriched part), plus `EXECVE.argv`, the arguments (quoted, hex, or
//! split `a1[0]` parts) joined by one space as the live collector joins `/proc/PID/cmdline`,
//! and `PROCTITLE.proctitle` decoded (the kernel cuts it at 128 bytes, so it is only used
//! when the EXECVE record is missing). The group's key is `EXECVE` when it holds one, else
//! its first record's type. Paths are kept as the crate writes paths (`\xNN` for bytes that
//! are not UTF-8); arguments as lossy UTF-8, as the live collector does.

use super::fields::FlatFields;
use super::{next_line, Ctx, Format, Next, ProblemCode};
use crate::limits::{MAX_AUDIT_LINE_BYTES, MAX_AUDIT_OPEN_GROUPS, MAX_AUDIT_RECORDS_PER_EVENT};
use std::collections::VecDeque;
use std::ffi::OsStr;
use std::io::BufReader;
use std::os::unix::ffi::OsStrExt;

/// One parsed line.
#[derive(Debug, PartialEq)]
struct Line<'a> {
    node: Option<&'a str>,
    kind: &'a str,
    seconds: i64,
    millis: i64,
    serial: u64,
    fields: Vec<(&'a str, Raw<'a>)>,
}

/// A field value as the line spells it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Raw<'a> {
    Quoted(&'a str),
    Bare(&'a str),
}

impl<'a> Raw<'a> {
    fn as_str(self) -> &'a str {
        match self {
            Raw::Quoted(s) | Raw::Bare(s) => s,
        }
    }

    /// An "encoded" field (exe, cwd, arguments): quoted text, or hex of the bytes; `(null)`
    /// and anything else not decodable is none.
    fn decoded(self) -> Option<Vec<u8>> {
        match self {
            Raw::Quoted(s) => Some(s.as_bytes().to_vec()),
            Raw::Bare(s) if s.len() % 2 == 0 && !s.is_empty() => hex::decode(s).ok(),
            Raw::Bare(_) => None,
        }
    }
}

/// Parses one line; `None` when it is not an audit record.
fn parse_line(line: &str) -> Option<Line<'_>> {
    let (raw, enriched) = match line.split_once('\x1d') {
        Some((raw, enriched)) => (raw, Some(enriched)),
        None => (line, None),
    };
    let mut rest = raw.trim_start();
    let mut node = None;
    if let Some(after) = rest.strip_prefix("node=") {
        let end = after.find(' ')?;
        node = Some(&after[..end]);
        rest = after[end..].trim_start();
    }
    let after = rest.strip_prefix("type=")?;
    let end = after.find(' ')?;
    let kind = &after[..end];
    let after = after[end..].trim_start().strip_prefix("msg=audit(")?;
    let close = after.find("):")?;
    let (stamp, serial) = after[..close].split_once(':')?;
    let (seconds, millis) = stamp.split_once('.').unwrap_or((stamp, "0"));
    let mut fields = parse_fields(&after[close + 2..]);
    if let Some(enriched) = enriched {
        fields.extend(parse_fields(enriched));
    }
    Some(Line {
        node,
        kind,
        seconds: seconds.parse().ok()?,
        millis: millis.parse().ok()?,
        serial: serial.parse().ok()?,
        fields,
    })
}

/// `key=value` pairs separated by spaces; values `"quoted"` (audit never escapes inside
/// quotes: such values are written in hex), `'single quoted'` (the `msg` of user records,
/// kept whole), or bare up to the next space.
fn parse_fields(text: &str) -> Vec<(&str, Raw<'_>)> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(eq) = rest.find('=') else { break };
        let key = &rest[..eq];
        if key.contains(' ') {
            // A stray word: skip it.
            rest = &rest[key.find(' ').map_or(rest.len(), |i| i + 1)..];
            continue;
        }
        let value = &rest[eq + 1..];
        let (raw, next) = match value.as_bytes().first() {
            Some(q @ (b'"' | b'\'')) => {
                let body = &value[1..];
                match body.find(*q as char) {
                    Some(end) => (Raw::Quoted(&body[..end]), &body[end + 1..]),
                    None => (Raw::Quoted(body), ""),
                }
            }
            _ => {
                let end = value.find(' ').unwrap_or(value.len());
                (Raw::Bare(&value[..end]), &value[end..])
            }
        };
        out.push((key, raw));
        rest = next;
    }
    out
}

/// The records of one event, gathered.
#[derive(Debug)]
struct Group {
    node: Option<String>,
    serial: u64,
    millis: i64,
    first_kind: String,
    fields: FlatFields,
    args: Vec<Option<Vec<u8>>>,
    /// Hex parts of split arguments (`a1[0]`, `a1[1]`, ...), by argument.
    parts: Vec<(usize, Vec<u8>)>,
    has_execve: bool,
    closed: bool,
    /// Records added; past [`MAX_AUDIT_RECORDS_PER_EVENT`] the rest are ignored.
    records: usize,
}

impl Group {
    fn new(line: &Line<'_>) -> Self {
        Group {
            node: line.node.map(str::to_owned),
            serial: line.serial,
            millis: line.seconds.saturating_mul(1000).saturating_add(line.millis),
            first_kind: line.kind.to_owned(),
            fields: FlatFields::default(),
            args: Vec::new(),
            parts: Vec::new(),
            has_execve: false,
            closed: false,
            records: 0,
        }
    }

    /// Adds one record; false when the event already has [`MAX_AUDIT_RECORDS_PER_EVENT`].
    fn add(&mut self, line: &Line<'_>) -> bool {
        self.records += 1;
        if self.records > MAX_AUDIT_RECORDS_PER_EVENT {
            self.closed |= line.kind == "EOE";
            return false;
        }
        match line.kind {
            "EOE" => self.closed = true,
            "EXECVE" => {
                self.has_execve = true;
                for (key, value) in &line.fields {
                    self.add_arg(key, *value);
                }
            }
            "PROCTITLE" => {
                if let Some(bytes) = field(line, "proctitle").and_then(Raw::decoded) {
                    let title: Vec<u8> =
                        bytes.iter().map(|&b| if b == 0 { b' ' } else { b }).collect();
                    let title = String::from_utf8_lossy(&title).trim_end().to_owned();
                    self.fields.push("PROCTITLE.proctitle", title);
                }
            }
            kind => {
                for (key, value) in &line.fields {
                    if !needed(kind, key) {
                        continue;
                    }
                    let name = format!("{kind}.{key}");
                    if self.fields.text(&name).is_some() {
                        continue;
                    }
                    let text = match *key {
                        "exe" | "cwd" | "name" | "comm" => match value.decoded() {
                            Some(bytes) => {
                                crate::path_text::escape(OsStr::from_bytes(&bytes)).into_owned()
                            }
                            None => continue,
                        },
                        _ => value.as_str().to_owned(),
                    };
                    self.fields.push(name, text);
                }
            }
        }
        true
    }

    /// One EXECVE field: `aN` (an argument), `aN[i]` (a part of a long one), or another
    /// (`argc`, `aN_len`: sizes only).
    fn add_arg(&mut self, key: &str, value: Raw<'_>) {
        let Some(spec) = key.strip_prefix('a') else { return };
        if let Some((index, part)) = spec.split_once('[') {
            let (Ok(index), Some(Ok(_))) =
                (index.parse::<usize>(), part.strip_suffix(']').map(str::parse::<usize>))
            else {
                return;
            };
            if index < crate::limits::MAX_IMPORT_LIST_VALUES {
                self.parts.push((index, value.decoded().unwrap_or_default()));
            }
            return;
        }
        let Ok(index) = spec.parse::<usize>() else { return };
        if index >= crate::limits::MAX_IMPORT_LIST_VALUES {
            return;
        }
        if self.args.len() <= index {
            self.args.resize(index + 1, None);
        }
        self.args[index] = value.decoded();
    }

    /// The group as one source record, and its event key.
    fn finish(mut self) -> (String, FlatFields) {
        for (index, bytes) in std::mem::take(&mut self.parts) {
            if self.args.len() <= index {
                self.args.resize(index + 1, None);
            }
            self.args[index].get_or_insert_with(Vec::new).extend(bytes);
        }
        if self.has_execve && !self.args.is_empty() {
            let args: Vec<String> = self
                .args
                .iter()
                .map(|a| String::from_utf8_lossy(a.as_deref().unwrap_or_default()).into_owned())
                .collect();
            self.fields.push("EXECVE.argv", args.join(" "));
        }
        self.fields.push("time", self.millis.to_string());
        if let Some(node) = &self.node {
            self.fields.push("node", node.clone());
        }
        let key = if self.has_execve { "EXECVE".to_owned() } else { self.first_kind };
        (key, self.fields)
    }
}

/// True when the mapping table reads `KIND.key` (or the reader's own `SYSCALL.success`).
fn needed(kind: &str, key: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static KEYS: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let mut keys: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        let paths = super::needed_paths(Format::Auditd).iter().copied();
        for (kind, key) in paths.chain(["SYSCALL.success"]).filter_map(|p| p.split_once('.')) {
            keys.entry(kind).or_default().push(key);
        }
        keys
    });
    keys.get(kind).is_some_and(|k| k.contains(&key))
}

fn field<'a>(line: &Line<'a>, name: &str) -> Option<Raw<'a>> {
    line.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

pub(crate) fn read<R: std::io::Read>(file: R, ctx: &mut Ctx<'_>) {
    let mut input = BufReader::with_capacity(256 * 1024, file);
    let mut buf = Vec::new();
    let mut open: VecDeque<Group> = VecDeque::new();
    let mut line_no: u64 = 0;
    let mut good: u64 = 0;
    let flush = |group: Group, ctx: &mut Ctx<'_>| {
        let (key, fields) = group.finish();
        if key == "SYSCALL" && fields.text("SYSCALL.success") == Some("no") {
            ctx.skip("SYSCALL with success=no: a failed call, nothing ran".into());
            return true;
        }
        ctx.record(&key, &fields)
    };
    loop {
        line_no += 1;
        match next_line(&mut input, &mut buf, MAX_AUDIT_LINE_BYTES, line_no, ctx) {
            Next::End => break,
            Next::Skip => {}
            Next::Line => {
                let text = String::from_utf8_lossy(&buf);
                let Some(line) = parse_line(&text) else {
                    ctx.problem(
                        ProblemCode::BadRecord,
                        Some(format!("line {line_no}")),
                        "not an audit record (`type=... msg=audit(...):`): skipped".into(),
                    );
                    if good == 0 && line_no >= 10 {
                        ctx.fail(
                            ProblemCode::NotFormat,
                            "no audit record in the first 10 lines: not an audit log".into(),
                        );
                        return;
                    }
                    continue;
                };
                good += 1;
                let found = open
                    .iter()
                    .position(|g| g.serial == line.serial && g.node.as_deref() == line.node);
                let index = match found {
                    Some(i) => i,
                    None => {
                        if open.len() >= MAX_AUDIT_OPEN_GROUPS {
                            if let Some(oldest) = open.pop_front() {
                                if !flush(oldest, ctx) {
                                    return;
                                }
                            }
                        }
                        open.push_back(Group::new(&line));
                        open.len() - 1
                    }
                };
                if !open[index].add(&line) && open[index].records == MAX_AUDIT_RECORDS_PER_EVENT + 1
                {
                    let message = format!(
                        "event {} has more than {MAX_AUDIT_RECORDS_PER_EVENT} records: the rest \
                         of them were ignored",
                        line.serial
                    );
                    ctx.problem(
                        ProblemCode::RecordTooLarge,
                        Some(format!("line {line_no}")),
                        message,
                    );
                }
                if open[index].closed {
                    if let Some(group) = open.remove(index) {
                        if !flush(group, ctx) {
                            return;
                        }
                    }
                }
            }
        }
    }
    while let Some(group) = open.pop_front() {
        if !flush(group, ctx) {
            return;
        }
    }
    if good == 0 && !ctx.stopped() {
        ctx.fail(ProblemCode::NotFormat, "no audit record: not an audit log".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(lines: &[&str]) -> (String, FlatFields) {
        let parsed: Vec<Line<'_>> = lines.iter().map(|l| parse_line(l).unwrap()).collect();
        let mut g = Group::new(&parsed[0]);
        for l in &parsed {
            g.add(l);
        }
        g.finish()
    }

    #[test]
    fn an_event_keeps_at_most_its_record_cap() {
        let line = "type=CWD msg=audit(1.0:7): cwd=\"/\"";
        let parsed = parse_line(line).unwrap();
        let mut g = Group::new(&parsed);
        let added = (0..MAX_AUDIT_RECORDS_PER_EVENT + 5).filter(|_| g.add(&parsed)).count();
        assert_eq!(added, MAX_AUDIT_RECORDS_PER_EVENT);
    }

    #[test]
    fn lines_parse_with_node_and_enriched_fields() {
        let l = parse_line("node=web1 type=SYSCALL msg=audit(1700000000.123:42): pid=7 exe=\"/bin/ls\" key=(null)\x1dUID=\"root\"").unwrap();
        assert_eq!(
            (l.node, l.kind, l.seconds, l.millis, l.serial),
            (Some("web1"), "SYSCALL", 1700000000, 123, 42)
        );
        assert_eq!(field(&l, "exe"), Some(Raw::Quoted("/bin/ls")));
        assert_eq!(field(&l, "key"), Some(Raw::Bare("(null)")));
        assert_eq!(field(&l, "UID"), Some(Raw::Quoted("root")));
        assert!(parse_line("hello world").is_none());
        assert!(parse_line("type=X msg=audit(abc:1): a=b").is_none());
    }

    #[test]
    fn execve_groups_decode_hex_and_split_arguments() {
        let (key, f) = group(&[
            "type=SYSCALL msg=audit(1700000000.5:9): success=yes pid=10 ppid=1 exe=2F746D702F612062 uid=0\x1dUID=\"root\"",
            "type=EXECVE msg=audit(1700000000.5:9): argc=3 a0=\"sh\" a1=\"-c\" a2_len=8 a2[0]=6563686F a2[1]=20686921",
            "type=CWD msg=audit(1700000000.5:9): cwd=\"/tmp\"",
            "type=PROCTITLE msg=audit(1700000000.5:9): proctitle=7368002D63",
        ]);
        assert_eq!(key, "EXECVE");
        assert_eq!(f.text("EXECVE.argv"), Some("sh -c echo hi!"));
        assert_eq!(f.text("SYSCALL.exe"), Some("/tmp/a b"));
        assert_eq!(f.text("SYSCALL.UID"), Some("root"));
        assert_eq!(f.text("PROCTITLE.proctitle"), Some("sh -c"));
        assert_eq!(f.text("CWD.cwd"), None, "no term reads it: not kept");
        assert_eq!(f.text("time"), Some("1700000000005"));
    }
}
