//! Bytes -> `parse::parse` -> `compile::compile` -> evaluation over fixed items: whatever the
//! reader accepts must compile and evaluate without panicking, and the indexed evaluation must
//! agree with the unindexed reference evaluation.
#![no_main]

use iocscan::eval::{scan, Scanner};
use iocscan::item::{Item, ItemKind, Value};
use iocscan::terms::Field;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fn items() -> Vec<Item> {
    vec![
        Item::new(ItemKind::File)
            .with(Field::FileFullPath, "/tmp/evil.exe")
            .with(Field::FileFileName, "evil.exe")
            .with(Field::FileSizeInBytes, 4096)
            .with(Field::FileMd5sum, "d41d8cd98f00b204e9800998ecf8427e"),
        Item::new(ItemKind::Process)
            .with(Field::ProcessPid, 42)
            .with(Field::ProcessName, "bash")
            .with(Field::ProcessArguments, "bash -c 'curl x | sh'"),
        Item::new(ItemKind::Port)
            .with(Field::PortRemoteIp, "10.0.0.1".parse::<std::net::IpAddr>().expect("literal"))
            .with(Field::PortRemotePort, 443),
        Item::new(ItemKind::User)
            .with(Field::UserUsername, "root")
            .with(Field::UserGroupList, vec![Value::from("root"), Value::from("wheel")]),
    ]
}

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = iocscan::parse::parse(Path::new("fuzz.ioc"), data) {
        let (ruleset, _) = iocscan::compile::compile(&[parsed.document]);
        let items = items();
        let fast = scan(&ruleset, &items);
        let reference = Scanner::reference(&ruleset);
        reference.scan_items(&items);
        assert_eq!(fast.cards, reference.finish().cards);
    }
});
