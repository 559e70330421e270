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
}

pub fn run(args: CheckArgs) -> ExitCode {
    let report = check(
        &args.config.sources_or_builtin(),
        &CheckOptions::default().profile(args.config.profile.into()),
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &report.to_json());
            let _ = writeln!(out);
        }
        Format::Text => {
            let _ = out.write_all(report.render_text().as_bytes());
        }
    }
    ExitCode::from(report.exit_code(args.strict))
}
