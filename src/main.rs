//! The `shortnames` command-line tool.
fn main() {}
