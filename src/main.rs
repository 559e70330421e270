//! The `shortnames` command-line tool: resolve image names the way a container runtime would.

mod cli;
// The library's leaf utilities, compiled from the same source files (one implementation):
// terminal-safe escaping and the bounded, special-file-refusing reader. They are not part of
// the library's public API.
#[allow(dead_code)]
#[path = "escape.rs"]
mod escape;
#[allow(dead_code)]
#[path = "fs.rs"]
mod fs;

use clap::Parser;

fn main() -> std::process::ExitCode {
    cli::run(cli::Cli::parse())
}
