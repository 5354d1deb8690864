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
