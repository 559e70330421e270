//! `shortnames auth check FILE`: validates a credentials file and lists its problems with
//! their locations (file, key; line and column for JSON errors), never a secret value.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use shortnames::credentials::{check_file, Format as DocFormat};

use super::resolve::Format;

#[derive(Subcommand)]
pub enum AuthCommand {
    /// Validate a credentials file (auth.json / config.json, or legacy .dockercfg) and list
    /// its entries and problems. Exit status 1 when it has problems.
    Check(CheckArgs),
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FileFormat {
    /// `{"auths": {...}}` (docker config.json, containers auth.json, kubernetes.io/dockerconfigjson).
    Dockerconfigjson,
    /// Legacy `~/.dockercfg` (kubernetes.io/dockercfg): the entries at the top level.
    Dockercfg,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The credentials file to check.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The document format of FILE.
    #[arg(long = "file-format", value_enum, default_value_t = FileFormat::Dockerconfigjson)]
    file_format: FileFormat,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(cmd: AuthCommand) -> ExitCode {
    match cmd {
        AuthCommand::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let format = match args.file_format {
        FileFormat::Dockerconfigjson => DocFormat::DockerConfigJson,
        FileFormat::Dockercfg => DocFormat::Dockercfg,
    };
    let report = check_file(&args.file, format);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Text => {
            let text = report.render_text();
            let _ = out.write_all(shortnames::escape::escape_controls_lines(&text).as_bytes());
        }
        Format::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &report.to_json());
            let _ = writeln!(out);
        }
    }
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
