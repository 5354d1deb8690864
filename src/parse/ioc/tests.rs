//! Unit tests of the document builder ([`super`]).

use super::*;

fn warnings(body: &str) -> Vec<Diagnostic> {
    let text =
        format!("<OpenIOC xmlns=\"{NS_1_1}\" id=\"x\"><criteria>\n{body}\n</criteria></OpenIOC>");
    read(Path::new("a.ioc"), &text).expect("reads").warnings
}

#[test]
fn a_duplicate_node_id_carries_its_first_use_as_data() {
    let w = warnings(
        "<Indicator operator=\"OR\" id=\"d\">\n  <Indicator operator=\"OR\" id=\"d\"/></Indicator>",
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].position, Some(Position::new(3, 3)));
    let related = w[0].related.as_ref().expect("related");
    assert_eq!(
        (related.file.as_path(), related.position),
        (Path::new("a.ioc"), Position::new(2, 1))
    );
    assert_eq!(w[0].note.as_deref(), Some("first used at 2:1; cards cite positions"));
}

#[test]
fn structure_warnings_stop_at_the_cap_and_say_so_once() {
    let body: String =
        (0..MAX_STRUCTURE_WARNINGS_PER_DOCUMENT + 5).map(|i| format!("<odd{i}/>")).collect();
    let w = warnings(&format!("<Indicator operator=\"OR\">{body}</Indicator>"));
    assert_eq!(w.len(), MAX_STRUCTURE_WARNINGS_PER_DOCUMENT + 1);
    assert!(w.last().unwrap().message.starts_with("more than"), "{:?}", w.last());
}
