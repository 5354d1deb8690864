//! Where imported items go: one JSON Lines snapshot per host.
//!
//! `-o OUT` ending in `.jsonl` is one snapshot file, for an import whose records all name one
//! host (a second host is an error: one snapshot is one host, whose AND conditions combine
//! host-wide). Any other `OUT` is a folder (created if missing) holding `<host>.jsonl` per
//! host: the host name with every byte outside `A-Z a-z 0-9 - .` (and a leading `.`) written
//! `%XX`, so no name can leave the folder or collide; records naming no host (and no `--host`
//! given) go to `_unknown.jsonl`, whose header has no host.
//!
//! Items are first written to a `.part` file beside the snapshot; the snapshot (header line,
//! then the items) replaces any earlier file only when the import finishes, since the header
//! names the kinds collected, which an OCSF import only knows at the end.

use super::ItemSink;
use crate::item::{Item, ItemKind};
use crate::limits::MAX_IMPORT_OPEN_SNAPSHOTS;
use crate::path_text::escape;
use crate::snapshot::{encode_item, Header};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// An import whose output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Creating or writing an output file or folder failed.
    #[error("{}: cannot write: {source}", escape(path.as_os_str()))]
    Output {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

impl ImportError {
    /// The error's stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Output { .. } => "output",
        }
    }
}

/// One snapshot written.
#[derive(Clone, Debug, Serialize)]
pub struct Written {
    /// The host its header names.
    pub host: Option<String>,
    /// The file.
    #[serde(serialize_with = "crate::path_text::serialize")]
    pub path: PathBuf,
    /// Items written, by kind.
    pub items: BTreeMap<ItemKind, u64>,
}

struct HostFile {
    host: Option<String>,
    path: PathBuf,
    part: PathBuf,
    writer: Option<BufWriter<File>>,
    items: BTreeMap<ItemKind, u64>,
}

/// The snapshots of one import, being written (see the module docs for the layout).
pub struct SnapshotOutput {
    /// `Some(file)` for a one-file output, `None` for a folder.
    file: Option<PathBuf>,
    folder: PathBuf,
    hosts: HashMap<Option<String>, HostFile>,
    open: usize,
}

fn out_err(path: &Path) -> impl FnOnce(io::Error) -> ImportError + '_ {
    move |source| ImportError::Output { path: path.to_path_buf(), source }
}

impl SnapshotOutput {
    /// Prepares the output at `out`: a `.jsonl` file, or a folder (created if missing).
    pub fn create(out: &Path) -> Result<Self, ImportError> {
        let one_file = out.extension().is_some_and(|e| e == "jsonl") && !out.is_dir();
        if one_file {
            let folder =
                out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if !folder.is_dir() {
                let source = io::Error::new(io::ErrorKind::NotFound, "no such folder");
                return Err(ImportError::Output { path: folder.to_path_buf(), source });
            }
            let folder = folder.to_path_buf();
            return Ok(SnapshotOutput {
                file: Some(out.to_path_buf()),
                folder,
                hosts: HashMap::new(),
                open: 0,
            });
        }
        fs::create_dir_all(out).map_err(out_err(out))?;
        Ok(SnapshotOutput { file: None, folder: out.to_path_buf(), hosts: HashMap::new(), open: 0 })
    }

    fn host_file(&mut self, host: Option<&str>) -> io::Result<&mut HostFile> {
        let key = host.map(str::to_owned);
        if !self.hosts.contains_key(&key) {
            let path = match &self.file {
                Some(file) => {
                    if let Some(first) = self.hosts.keys().next() {
                        return Err(io::Error::other(format!(
                            "records of a second host ({}, after {}): one snapshot file holds one \
                             host; give -o a folder to get one snapshot per host",
                            host.unwrap_or("no host"),
                            first.as_deref().unwrap_or("no host")
                        )));
                    }
                    file.clone()
                }
                None => self.folder.join(file_name(host)),
            };
            let mut part = path.clone().into_os_string();
            part.push(".part");
            let part = PathBuf::from(part);
            File::create(&part)?;
            let file =
                HostFile { host: key.clone(), path, part, writer: None, items: BTreeMap::new() };
            self.hosts.insert(key.clone(), file);
        }
        if self.hosts[&key].writer.is_none() {
            if self.open >= MAX_IMPORT_OPEN_SNAPSHOTS {
                self.close_all()?;
            }
            let host = self.hosts.get_mut(&key).ok_or_else(|| io::Error::other("host"))?;
            let file = OpenOptions::new().append(true).open(&host.part)?;
            host.writer = Some(BufWriter::new(file));
            self.open += 1;
        }
        self.hosts.get_mut(&key).ok_or_else(|| io::Error::other("host"))
    }

    fn close_all(&mut self) -> io::Result<()> {
        for host in self.hosts.values_mut() {
            if let Some(mut w) = host.writer.take() {
                w.flush()?;
            }
        }
        self.open = 0;
        Ok(())
    }

    /// Writes every snapshot (header with `kinds`, then its items) and removes the part files.
    pub fn finish(mut self, kinds: &[ItemKind]) -> Result<Vec<Written>, ImportError> {
        let folder = self.folder.clone();
        self.close_all().map_err(out_err(&folder))?;
        let mut hosts: Vec<HostFile> = self.hosts.drain().map(|(_, h)| h).collect();
        hosts.sort_by(|a, b| a.path.cmp(&b.path));
        let now = chrono::Utc::now();
        let mut written = Vec::with_capacity(hosts.len());
        for h in hosts {
            let header = Header::new(h.host.clone(), now, kinds.to_vec());
            let assemble = || -> io::Result<()> {
                let mut out = BufWriter::new(File::create(&h.path)?);
                serde_json::to_writer(&mut out, &header).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
                io::copy(&mut File::open(&h.part)?, &mut out)?;
                out.flush()?;
                fs::remove_file(&h.part)
            };
            assemble().map_err(out_err(&h.path))?;
            written.push(Written { host: h.host, path: h.path, items: h.items });
        }
        Ok(written)
    }
}

impl ItemSink for SnapshotOutput {
    fn put(&mut self, host: Option<&str>, item: Item) -> io::Result<()> {
        let line = encode_item(&item)?;
        let host = self.host_file(host)?;
        host.writer.as_mut().ok_or_else(|| io::Error::other("closed"))?.write_all(&line)?;
        *host.items.entry(item.kind()).or_insert(0) += 1;
        Ok(())
    }
}

impl Drop for SnapshotOutput {
    /// An import that did not finish leaves no part files behind.
    fn drop(&mut self) {
        for host in self.hosts.values_mut() {
            host.writer.take();
            let _ = fs::remove_file(&host.part);
        }
    }
}

/// The snapshot file name of `host` in a folder output (see the module docs).
pub fn file_name(host: Option<&str>) -> String {
    let Some(host) = host.filter(|h| !h.is_empty()) else {
        return "_unknown.jsonl".to_owned();
    };
    let mut name = String::with_capacity(host.len() + 6);
    for (i, b) in host.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b == b'-' || (b == b'.' && i > 0);
        if keep {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    // File names are at most 255 bytes: a longer encoded name keeps its start and a digest of
    // the whole host name, so two long names still differ.
    if name.len() > 200 {
        use sha2::Digest;
        let digest = hex::encode(&sha2::Sha256::digest(host.as_bytes())[..8]);
        name.truncate(200);
        name.push('~');
        name.push_str(&digest);
    }
    name.push_str(".jsonl");
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotReader;
    use crate::terms::Field;

    #[test]
    fn host_file_names_stay_in_the_folder() {
        assert_eq!(file_name(Some("WIN-01.corp.local")), "WIN-01.corp.local.jsonl");
        assert_eq!(file_name(Some("../etc/x")), "%2E.%2Fetc%2Fx.jsonl");
        assert_eq!(file_name(Some("a_b c")), "a%5Fb%20c.jsonl");
        assert_eq!(file_name(None), "_unknown.jsonl");
        assert_eq!(file_name(Some("")), "_unknown.jsonl");
        let long = "h".repeat(300);
        let name = file_name(Some(&long));
        assert!(name.len() < 255 && name.ends_with(".jsonl"), "{name}");
        assert_ne!(name, file_name(Some(&"h".repeat(301))));
    }

    #[test]
    fn one_snapshot_per_host_with_header_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("snaps");
        let mut o = SnapshotOutput::create(&out).unwrap();
        let item = |pid: i64| Item::new(ItemKind::ProcessEvent).with(Field::ProcessEvPid, pid);
        o.put(Some("a"), item(1)).unwrap();
        o.put(Some("b"), item(2)).unwrap();
        o.put(Some("a"), item(3)).unwrap();
        o.put(None, item(4)).unwrap();
        let written = o.finish(&[ItemKind::ProcessEvent]).unwrap();
        let names: Vec<_> =
            written.iter().map(|w| w.path.file_name().unwrap().to_owned()).collect();
        assert_eq!(names, ["_unknown.jsonl", "a.jsonl", "b.jsonl"]);
        let r = SnapshotReader::open(&out.join("a.jsonl")).unwrap();
        assert_eq!(r.header().host.as_deref(), Some("a"));
        assert_eq!(r.header().kinds, [ItemKind::ProcessEvent]);
        assert_eq!(r.count(), 2);
        assert_eq!(fs::read_dir(&out).unwrap().count(), 3, "no part file left");
    }

    #[test]
    fn one_file_output_refuses_a_second_host() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = SnapshotOutput::create(&dir.path().join("one.jsonl")).unwrap();
        o.put(Some("a"), Item::new(ItemKind::ProcessEvent)).unwrap();
        let err = o.put(Some("b"), Item::new(ItemKind::ProcessEvent)).unwrap_err();
        assert!(err.to_string().contains("second host"), "{err}");
        drop(o);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left behind");
    }
}
