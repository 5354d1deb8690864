//! `schema/terms.json` is generated from the term catalogue; this test fails when it is stale.
//! Regenerate with `UPDATE_GOLDENFILES=1 cargo test --test schema_terms`.

use std::path::Path;

#[test]
fn terms_json_matches_the_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/terms.json");
    let generated = iocscan::terms::catalogue_json();
    if std::env::var_os("UPDATE_GOLDENFILES").is_some() {
        std::fs::write(&path, &generated).expect("write schema/terms.json");
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "schema/terms.json is stale: run `UPDATE_GOLDENFILES=1 cargo test --test schema_terms`"
    );
}

#[test]
fn terms_json_lists_every_term_with_its_type() {
    let doc: serde_json::Value =
        serde_json::from_str(&iocscan::terms::catalogue_json()).expect("valid JSON");
    let terms = doc["terms"].as_array().expect("terms array");
    assert_eq!(terms.len(), iocscan::terms::TERMS.len());
    let md5 = terms.iter().find(|t| t["name"] == "FileItem/Md5sum").expect("md5 term");
    assert_eq!(md5["kind"], "File");
    assert_eq!(md5["type"], "md5");
    assert_eq!(md5["cost"], "content");
}
