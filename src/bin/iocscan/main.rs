//! The `iocscan` command: parses arguments, calls the library, prints.
fn main() {}
