//! `shortnames auth check FILE`: validates a credentials file and lists every entry and
//! problem with its location (file, key; line and column for JSON errors), never a secret.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use shortnames::credentials::{AuthFileReport as CheckReport, EntryStatus, Format as DocFormat};

use super::resolve::Format;
use super::{input, vocab, Exit};

#[derive(Subcommand)]
pub enum AuthCommand {
    /// Validate a credentials file (auth.json / config.json, or legacy .dockercfg) and list
    /// its entries and problems. Exit status 1 when it has problems or cannot be read.
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
    /// The document format of FILE (default: dockerconfigjson; a file without `"auths"`
    /// whose members are credential entries is checked as a legacy .dockercfg, with a note).
    #[arg(long = "file-format", value_enum)]
    file_format: Option<FileFormat>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(cmd: AuthCommand) -> ExitCode {
    match cmd {
        AuthCommand::Check(args) => check(args),
    }
}

/// Whether `path` holds a legacy `.dockercfg`: a JSON object without `auths` whose members
/// are objects with an `auth` (or `username`/`password`) field.
fn looks_like_dockercfg(path: &Path) -> bool {
    // Only a regular file of credential-document size is peeked at, through the library's
    // bounded non-blocking reader (the check itself applies the document limit and reports
    // it).
    let limit = shortnames::credentials::MAX_DOCUMENT_BYTES as u64;
    let Ok(Some(bytes)) = crate::fs::read_limited(path, limit) else {
        return false;
    };
    let Ok(serde_json::Value::Object(top)) = serde_json::from_slice::<serde_json::Value>(&bytes)
    else {
        return false;
    };
    !top.keys().any(|k| k.eq_ignore_ascii_case("auths"))
        && top.values().any(|v| {
            v.as_object().is_some_and(|o| {
                o.keys().any(|k| {
                    ["auth", "username", "password"].contains(&k.to_ascii_lowercase().as_str())
                })
            })
        })
}

fn check(args: CheckArgs) -> ExitCode {
    if let Err(e) = input::require_readable("auth check:", &args.file) {
        return super::failure(e);
    }
    let format = match args.file_format {
        Some(FileFormat::Dockercfg) => FileFormat::Dockercfg,
        Some(FileFormat::Dockerconfigjson) => FileFormat::Dockerconfigjson,
        None if looks_like_dockercfg(&args.file) => {
            super::note(format_args!(
                "{} has no \"auths\" object but top-level credential entries: checked as a legacy .dockercfg (choose with --file-format)",
                input::shown(&args.file)
            ));
            FileFormat::Dockercfg
        }
        None => FileFormat::Dockerconfigjson,
    };
    let (doc_format, format_name) = match format {
        FileFormat::Dockerconfigjson => (DocFormat::DockerConfigJson, "dockerconfigjson"),
        FileFormat::Dockercfg => (DocFormat::Dockercfg, "dockercfg"),
    };
    let report = CheckReport::check_file(&args.file, doc_format);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Text => {
            let text = render_text(&report);
            let _ = out.write_all(crate::escape::escape_controls_lines(&text).as_bytes());
        }
        Format::Json => {
            let doc = vocab::document("auth-check", vocab::auth_report_json(&report, format_name));
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
    }
    Exit::failed_if(!report.is_ok()).code()
}

/// Every entry with its status, every finding, then a summary line.
fn render_text(r: &CheckReport) -> String {
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut out = String::new();
    for e in r.entries() {
        let status = match &e.status {
            EntryStatus::Usable { kind, username } => match username {
                Some(u) => format!("usable ({kind}, user {u:?})"),
                None => format!("usable ({kind})"),
            },
            EntryStatus::Invalid(reason) => format!("invalid: {reason}"),
            EntryStatus::Empty => "empty (covers nothing)".to_owned(),
            EntryStatus::InvalidKey(reason) => format!("invalid key, never matches: {reason}"),
            EntryStatus::Duplicate { kept } => format!("duplicate of {kept:?}, ignored"),
        };
        let _ = std::fmt::Write::write_fmt(&mut out, format_args!("{:?}: {status}\n", e.raw_key));
    }
    let mut problems = 0;
    for d in r.diagnostics() {
        let level = vocab::auth_severity(d);
        problems += usize::from(level != "note");
        let kind = vocab::auth_kind(d);
        let label = super::paint(level, level, super::colour_stdout());
        let _ = std::fmt::Write::write_fmt(&mut out, format_args!("{label}[{kind}]: {d}\n"));
    }
    let _ = std::fmt::Write::write_fmt(
        &mut out,
        format_args!(
            "{}: {}, {} usable, {}\n",
            r.source(),
            plural(r.entries().len(), "entry").replace("entrys", "entries"),
            r.usable_entries(),
            plural(problems, "problem")
        ),
    );
    out
}
