//! The `shortnames` command-line tool: resolve image names the way a container runtime would.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    cli::run(cli::Cli::parse())
}
