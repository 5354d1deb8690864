//! Helpers of the tests that run the `iocscan` command: IOC documents, temporary trees,
//! scans.

// Each test binary uses its own part of these helpers.
#![allow(dead_code)]

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `iocscan` binary of this build.
pub fn iocscan() -> Command {
    Command::cargo_bin("iocscan").expect("binary built")
}

/// Writes `text` to `dir/name`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write");
    path
}

/// One condition: (term, condition, content).
pub type Cond<'a> = (&'a str, &'a str, &'a str);

fn content_type(term: &str) -> &'static str {
    iocscan::terms::lookup(term).map_or("string", |t| t.ty.as_str())
}

/// The ruleset of these IOC documents (each named `<index>.ioc`), parsed and compiled.
pub fn compiled(iocs: &[String]) -> iocscan::Ruleset {
    let docs: Vec<_> = iocs
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let file = format!("{i}.ioc");
            iocscan::parse::parse(Path::new(&file), text.as_bytes()).expect("parses").document
        })
        .collect();
    iocscan::compile(&docs).0
}

/// An OpenIOC 1.1 document with one Indicator of `operator` over `conds`.
pub fn ioc11(id: &str, operator: &str, conds: &[Cond<'_>]) -> String {
    let mut items = String::new();
    for (i, (term, condition, content)) in conds.iter().enumerate() {
        let document = term.split('/').next().unwrap_or_default();
        items.push_str(&format!(
            "      <IndicatorItem id=\"{id}-item-{i}\" condition=\"{condition}\" preserve-case=\"false\" negate=\"false\">\n\
             \x20       <Context document=\"{document}\" search=\"{term}\" type=\"mir\"/>\n\
             \x20       <Content type=\"{}\">{content}</Content>\n\
             \x20     </IndicatorItem>\n",
            content_type(term)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"{id}\" last-modified=\"2026-01-01T00:00:00\">\n\
         \x20 <metadata><short_description>test {id}</short_description><links/></metadata>\n\
         \x20 <criteria>\n\
         \x20   <Indicator operator=\"{operator}\" id=\"{id}-top\">\n{items}    </Indicator>\n\
         \x20 </criteria>\n\
         </OpenIOC>\n"
    )
}

/// An OpenIOC 1.0 document with one Indicator of `operator` over `conds`.
pub fn ioc10(id: &str, operator: &str, conds: &[Cond<'_>]) -> String {
    let mut items = String::new();
    for (i, (term, condition, content)) in conds.iter().enumerate() {
        let document = term.split('/').next().unwrap_or_default();
        items.push_str(&format!(
            "<IndicatorItem id=\"{id}-item-{i}\" condition=\"{condition}\">\
             <Context document=\"{document}\" search=\"{term}\" type=\"mir\"/>\
             <Content type=\"{}\">{content}</Content></IndicatorItem>\n",
            content_type(term)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"{id}\" last-modified=\"2026-01-01T00:00:00\">\n\
         <short_description>test {id}</short_description>\n\
         <definition><Indicator operator=\"{operator}\" id=\"{id}-top\">\n{items}</Indicator></definition>\n\
         </ioc>\n"
    )
}

/// A temporary tree: `iocs/` for IOC files, `host/` for files to scan.
pub struct Setup {
    /// The temporary directory.
    pub dir: tempfile::TempDir,
}

impl Setup {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir(dir.path().join("iocs")).expect("mkdir iocs");
        fs::create_dir(dir.path().join("host")).expect("mkdir host");
        Setup { dir }
    }

    pub fn iocs(&self) -> PathBuf {
        self.dir.path().join("iocs")
    }

    pub fn host(&self) -> PathBuf {
        self.dir.path().join("host")
    }

    pub fn ioc(&self, name: &str, text: &str) -> PathBuf {
        write(&self.iocs(), name, text)
    }

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.host().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        write(&self.host(), name, text)
    }

    /// `iocscan scan --path host --format json iocs` plus `extra` arguments.
    pub fn scan(&self, extra: &[&str]) -> Command {
        let mut cmd = iocscan();
        cmd.arg("scan").arg("--quiet").arg("--path").arg(self.host());
        cmd.args(extra).arg(self.iocs()).timeout(Duration::from_secs(120));
        cmd
    }

    /// Runs a JSON scan; returns the exit code and the document.
    pub fn scan_json(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let mut cmd = self.scan(extra);
        let out = cmd.arg("--format").arg("json").output().expect("run");
        let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: stdout {}\nstderr {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), doc)
    }
}

pub fn card_ids(doc: &serde_json::Value) -> Vec<String> {
    let cards = doc["cards"].as_array().cloned().unwrap_or_default();
    let mut ids: Vec<String> =
        cards.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect();
    ids.sort();
    ids
}

pub fn sha256_of(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// A name no other process, file or test on this machine has.
pub fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("iocscan-{tag}-{}-{nanos}", std::process::id())
}

/// A child process, killed when the test ends, however it ends.
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The ioc_writer OpenIOC-to-YARA examples of `../shared/corpus` (`None` when the corpus is
/// absent: the tests that need them say so and pass).
pub fn yara_examples() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/mandiant__ioc_writer/examples/openioc_to_yara/example_iocs");
    dir.is_dir().then_some(dir)
}

/// Copies the examples `ids` (`<id>.ioc`) of `dir` into the setup's IOC folder.
pub fn copy_examples(dir: &Path, s: &Setup, ids: &[&str]) {
    for id in ids {
        fs::copy(dir.join(format!("{id}.ioc")), s.iocs().join(format!("{id}.ioc")))
            .expect("copy example");
    }
}
