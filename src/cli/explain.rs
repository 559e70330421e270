//! `shortnames explain NAME`: the whole decision path for one name.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use shortnames::diagnostics::{explain, ExplainOptions};

use super::resolve::{ConfigArgs, Format};

#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The image name.
    #[arg(value_name = "NAME")]
    name: String,
}

pub fn run(args: ExplainArgs) -> ExitCode {
    let e = explain(
        &args.config.sources_or_builtin(),
        &args.name,
        &ExplainOptions::default().profile(args.config.profile.into()),
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &e.to_json());
            let _ = writeln!(out);
        }
        Format::Text => {
            let _ = write!(out, "{e}");
        }
    }
    if e.error.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
