//! `shortnames check`: every problem of a configuration, located, as errors and warnings.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use shortnames::diagnostics::{check, CheckOptions};

use super::resolve::{ConfigArgs, Format};

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with status 1 when there are warnings (and no errors).
    #[arg(long)]
    strict: bool,
    /// Check what MCO renders from these cluster objects (IDMS, ITMS, ICSP, Image `cluster`)
    /// instead of a registries.conf (repeat for several files).
    #[arg(long, value_name = "FILE")]
    cluster_objects: Vec<std::path::PathBuf>,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let report = if args.cluster_objects.is_empty() {
        check(
            &args.config.sources_or_builtin(),
            &CheckOptions::default().profile(args.config.profile.into()),
        )
    } else {
        match super::render::cluster_objects_report(&args.cluster_objects) {
            Ok(r) => r,
            Err(code) => return code,
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &report.to_json());
            let _ = writeln!(out);
        }
        Format::Text => {
            let text = report.render_text();
            let _ = out.write_all(shortnames::escape::escape_controls_lines(&text).as_bytes());
        }
    }
    ExitCode::from(report.exit_code(args.strict))
}
