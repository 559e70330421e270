//! `shortnames check`: every problem of a configuration, located, as errors and warnings.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;
use shortnames::diagnostics::{check, CheckOptions, ConfigReport};

use super::resolve::{ConfigArgs, Format};

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Fail (exit status 1) on warnings too, not only on errors.
    #[arg(long)]
    strict: bool,
    /// Check what MCO renders from these cluster objects (IDMS, ITMS, ICSP, Image `cluster`)
    /// instead of a registries.conf (repeat for several files).
    #[arg(long, value_name = "FILE")]
    cluster_objects: Vec<std::path::PathBuf>,
}

/// Exit status 0 when clean, 1 with errors (or warnings with `--strict`); the report goes to
/// stdout, in full, either way.
pub fn run(args: CheckArgs) -> ExitCode {
    if let Err(e) = args.config.require_readable() {
        return super::failure(e);
    }
    let report = if args.cluster_objects.is_empty() {
        check(
            &args.config.sources_or_builtin(),
            &CheckOptions::default().profile(args.config.profile.into()),
        )
    } else {
        match super::render::cluster_objects_report(&args.cluster_objects) {
            Ok(r) => r,
            Err(e) => {
                // Objects that do not parse are the check's finding too (a file that cannot
                // be read at all is one line on stderr only, as everywhere).
                super::error(&e);
                if args.format == Format::Json && e.in_contents() {
                    let mut finding = e.json();
                    finding["severity"] = json!("error");
                    finding["help"] = serde_json::Value::Null;
                    finding["notes"] = json!([]);
                    let doc = super::vocab::document(
                        "check",
                        json!({
                            "ok": false,
                            "strict": args.strict,
                            "files": [],
                            "errors": 1,
                            "warnings": 0,
                            "notes": 0,
                            "findings": [finding],
                        }),
                    );
                    let _ = writeln!(std::io::stdout(), "{doc:#}");
                }
                return super::Exit::Failed.code();
            }
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let doc = report_json(&report, args.strict);
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
        Format::Text => {
            let colour = super::colour_stdout();
            for d in &report.findings {
                // Escaped before colouring: the colour codes are ours, the text may not be.
                let text = report.sources.render(d);
                let text = crate::escape::escape_controls_lines(&text).into_owned();
                let text = match text.split_once('[') {
                    Some((level, rest)) if colour => {
                        format!("{}[{rest}", super::paint(level, d.level.as_str(), true))
                    }
                    _ => text,
                };
                let _ = writeln!(out, "{text}");
            }
            let summary = report.summary();
            let _ = writeln!(out, "{}", crate::escape::escape_controls_lines(&summary));
        }
    }
    super::Exit::failed_if(report.failed(args.strict)).code()
}

/// The `shortnames-check/v1` document.
pub fn report_json(report: &ConfigReport, strict: bool) -> serde_json::Value {
    super::vocab::document(
        "check",
        json!({
            "ok": !report.failed(strict),
            "strict": strict,
            "files": report.files,
            "errors": report.errors().count(),
            "warnings": report.warnings().count(),
            "notes": report.notes().count(),
            "findings": report.findings.iter().map(super::vocab::finding_json).collect::<Vec<_>>(),
        }),
    )
}
