//! IOC bundles through the real command and the library: `iocscan compile` writes one, and
//! `check`, `scan` and `load_ruleset` take it wherever they take IOC paths (by its magic,
//! whatever its name), with the same IOCs, diagnostics and ruleset digest as the XML; a
//! damaged bundle or one of another version is refused whole with an error naming it.

mod common;

use common::{ioc11, iocscan, write};
use std::path::{Path, PathBuf};

/// IOC files: the demo's, one with a warning, one rejected.
fn iocs(dir: &Path) -> PathBuf {
    let d = dir.join("iocs");
    std::fs::create_dir(&d).unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples/demo");
    for e in std::fs::read_dir(&demo).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "ioc") {
            std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
        }
    }
    write(&d, "warn.ioc", &ioc11("warn", "OR", &[("FileItem/Nope", "is", "x")]));
    write(&d, "broken.ioc", "<OpenIOC");
    d
}

fn compile(iocs: &Path, out: &Path) {
    iocscan().args(["compile", "--quiet", "-o"]).arg(out).arg(iocs).assert().code(0);
}

fn run(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out = iocscan().args(args).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code(), text(out.stdout), text(out.stderr))
}

#[test]
fn a_bundle_loads_as_its_files_did() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    // Named like an IOC file and put in a folder: the magic decides, not the name.
    let folder = dir.path().join("bundles");
    std::fs::create_dir(&folder).unwrap();
    let bundle = folder.join("all.ioc");
    compile(&iocs, &bundle);

    let check =
        |p: &Path| run(&["check".as_ref(), "--format".as_ref(), "json".as_ref(), p.as_os_str()]);
    let (from_xml, from_bundle) = (check(&iocs), check(&folder));
    assert_eq!(from_xml.0, Some(1), "a file is rejected");
    assert_eq!(from_bundle.0, from_xml.0);
    assert_eq!(from_bundle.1, from_xml.1);

    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples/demo");
    let scan = |p: &Path| {
        let (code, out, _) = run(&[
            "scan".as_ref(),
            "--quiet".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            "--items".as_ref(),
            "file".as_ref(),
            "--path".as_ref(),
            tree.as_os_str(),
            p.as_os_str(),
        ]);
        let mut doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        doc["summary"]["elapsed_seconds"] = 0.into();
        (code, doc)
    };
    let (xml, bundled) = (scan(&iocs), scan(&bundle));
    assert_eq!(xml.0, Some(1));
    assert_eq!(bundled, xml);

    let lib_xml = iocscan::load_ruleset(&[&iocs]);
    let lib_bundle = iocscan::load_ruleset(&[&bundle]);
    assert_eq!(lib_bundle.ruleset.digest(), lib_xml.ruleset.digest());
    assert_eq!(lib_bundle.diagnostics, lib_xml.diagnostics);
    assert_eq!(lib_bundle.files_seen, lib_xml.files_seen);
    assert_eq!(lib_bundle.files_rejected, lib_xml.files_rejected);
}

#[test]
fn a_damaged_bundle_is_refused_whole_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    let bundle = dir.path().join("all.bundle");
    compile(&iocs, &bundle);
    let good = std::fs::read(&bundle).unwrap();

    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    std::fs::write(&bundle, &flipped).unwrap();
    let (code, _, err) = run(&[
        "scan".as_ref(),
        "--snapshot".as_ref(),
        dir.path().join("none.jsonl").as_os_str(),
        bundle.as_os_str(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("all.bundle") && err.contains("digest does not match"), "{err}");
    assert!(err.contains("no IOC could be loaded"), "{err}");

    let mut version = good.clone();
    version[8] = 7;
    std::fs::write(&bundle, &version).unwrap();
    let other = dir.path().join("other.ioc");
    std::fs::write(&other, ioc11("other", "OR", &[("FileItem/FileName", "is", "x")])).unwrap();
    // The other IOC paths still load.
    let loaded = iocscan::load_ruleset(&[&bundle, &other]);
    assert_eq!(loaded.ruleset.len(), 1);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.file, bundle);
    assert!(d.message.contains("version 7 is not supported"), "{d}");
    assert_eq!(loaded.files_rejected, std::slice::from_ref(&bundle));

    std::fs::write(&bundle, &good[..good.len() / 2]).unwrap();
    let loaded = iocscan::load_ruleset(&[&bundle]);
    assert!(loaded.ruleset.is_empty());
    assert!(loaded.diagnostics[0].message.contains("damaged"), "{}", loaded.diagnostics[0]);
}

#[test]
fn compile_refuses_an_empty_collection_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.bundle");
    let broken = write(dir.path(), "broken.ioc", "<OpenIOC");
    let (code, _, err) =
        run(&["compile".as_ref(), "-o".as_ref(), out.as_os_str(), broken.as_os_str()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no bundle written"), "{err}");
    assert!(!out.exists());
    let (code, _, _) = run(&[
        "compile".as_ref(),
        "-o".as_ref(),
        dir.path().join("no/such/dir/b").as_os_str(),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples/demo").as_os_str(),
    ]);
    assert_eq!(code, Some(2));
}

/// Three IOCs: two hash IOCs that a bundle leaves dormant, split by one with a regex that it
/// compiles (so each hash IOC is a run of its own).
fn hash_iocs(dir: &Path) -> PathBuf {
    let d = dir.join("hashes");
    std::fs::create_dir(&d).unwrap();
    let sha = |c: char| c.to_string().repeat(64);
    write(&d, "a.ioc", &ioc11("a", "OR", &[("FileItem/Sha256sum", "is", &sha('a'))]));
    write(&d, "b.ioc", &ioc11("b", "OR", &[("FileItem/FileName", "matches", "^evil")]));
    let c = [("FileItem/Sha256sum", "is", sha('c')), ("FileItem/FileName", "is", "x.exe".into())];
    let c: Vec<(&str, &str, &str)> = c.iter().map(|(t, k, v)| (*t, *k, v.as_str())).collect();
    write(&d, "c.ioc", &ioc11("c", "AND", &c));
    d
}

fn file(name: &str, sha: char) -> iocscan::item::Item {
    use iocscan::item::{Item, ItemKind};
    use iocscan::terms::Field;
    Item::new(ItemKind::File)
        .with(Field::FileFileName, name)
        .with(Field::FileFullPath, format!("/tmp/{name}"))
        .with(Field::FileSha256sum, sha.to_string().repeat(64))
}

#[test]
fn exact_match_iocs_stay_dormant_until_an_item_holds_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = hash_iocs(dir.path());
    let bundle = dir.path().join("h.bundle");
    compile(&iocs, &bundle);
    let xml = iocscan::load_ruleset(&[&iocs]).ruleset;
    let loaded = iocscan::load_ruleset(&[&bundle]);
    let rs = &loaded.ruleset;
    assert_eq!(rs.dormant(), 2, "the two hash IOCs load as summaries");
    assert_eq!(rs.digest(), xml.digest());

    // Nothing holds a key: every verdict is known without compiling them.
    let items = [file("clean.txt", 'f')];
    let report = iocscan::eval::scan(rs, &items);
    assert_eq!(rs.dormant(), 2);
    assert_eq!(report.results, iocscan::eval::scan(&xml, &items).results);

    // `c`'s hash on a file of another name: its run wakes, it is not detected.
    let items = [file("other.exe", 'c'), file("x.exe", 'f')];
    let report = iocscan::eval::scan(rs, &items);
    assert_eq!(rs.dormant(), 1, "only the run holding the key was compiled");
    assert_eq!(report.results, iocscan::eval::scan(&xml, &items).results);
    assert!(report.cards.is_empty());

    // Both conditions on one file: detected, with the card the XML gives.
    let items = [file("x.exe", 'c'), file("evil.sh", 'f')];
    let (a, b) = (iocscan::eval::scan(rs, &items), iocscan::eval::scan(&xml, &items));
    let ids: Vec<&str> = a.cards.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["b", "c"]);
    assert_eq!(a.cards, b.cards);
    assert_eq!(rs.dormant(), 1, "`a` was never needed");

    // A file whose hash could not be computed may be `a`'s: `a` wakes, undetermined.
    use iocscan::item::{Item, ItemKind};
    let unhashed = Item::new(ItemKind::File).with(iocscan::terms::Field::FileFileName, "y");
    let (a, b) = (
        iocscan::eval::scan(rs, std::slice::from_ref(&unhashed)),
        iocscan::eval::scan(&xml, &[unhashed]),
    );
    assert_eq!(a.results, b.results);
    assert_eq!(a.results[0].verdict, iocscan::verdict::Verdict::Undetermined);
    assert_eq!(rs.dormant(), 0);
}

#[test]
fn a_dormant_run_altered_after_loading_is_undetermined_not_clean() {
    use std::os::unix::fs::FileExt;
    let dir = tempfile::tempdir().unwrap();
    let iocs = hash_iocs(dir.path());
    let bundle = dir.path().join("h.bundle");
    compile(&iocs, &bundle);
    let loaded = iocscan::load_ruleset(&[&bundle]);
    assert_eq!(loaded.ruleset.dormant(), 2);
    // The last chunk is `c`'s: damage it in place, after the load.
    let f = std::fs::OpenOptions::new().write(true).open(&bundle).unwrap();
    let len = f.metadata().unwrap().len();
    f.write_all_at(b"XXXX", len - 4).unwrap();
    let report = iocscan::eval::scan(&loaded.ruleset, &[file("x.exe", 'c')]);
    let c = report.results.iter().find(|r| r.id == "c").unwrap();
    assert_eq!(c.verdict, iocscan::verdict::Verdict::Undetermined, "{c:?}");
    let why = c.reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    assert!(why.contains("changed since it was loaded"), "{why}");
    assert!(report.cards.is_empty());
    // A fresh load refuses the file whole, naming it.
    let (code, out, err) = run(&["check".as_ref(), bundle.as_os_str()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("h.bundle") && out.contains("damaged"), "{out}{err}");
}
