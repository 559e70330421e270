//! `shortnames migrate FILE`: rewrite a version-1 registries.conf as the equivalent
//! version-2 file (printed on stdout), or with `--check` only say whether it needs it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use shortnames::config::Migration;

#[derive(Args)]
pub struct MigrateArgs {
    /// Exit with status 1 (printing nothing on stdout) when FILE needs migrating, 0 when not.
    #[arg(long)]
    check: bool,
    /// The registries.conf to convert.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn run(args: MigrateArgs) -> ExitCode {
    let shown = args.file.to_string_lossy().into_owned();
    // The crate's bounded, non-blocking reader: a FIFO or device is refused, never read.
    let limit = shortnames::config::Limits::default().max_file_size;
    let text = match crate::fs::read_limited(&args.file, limit) {
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => return super::usage_error(format!("cannot read {shown}: invalid UTF-8")),
        },
        Ok(None) => {
            return super::usage_error(format!("cannot read {shown}: no such file or directory"))
        }
        Err(e) => return super::usage_error(format!("cannot read {shown}: {e}")),
    };
    let m = match Migration::from_text(&text, &shown) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("shortnames: {}", e.located());
            return ExitCode::from(2);
        }
    };
    if args.check {
        if m.needed {
            eprintln!(
                "shortnames: {shown} uses version-1 tables, which containers/image v5.40 \
                 (Podman 6) refuses: run `shortnames migrate {shown}`"
            );
            return ExitCode::from(1);
        }
        return ExitCode::SUCCESS;
    }
    if !m.needed {
        eprintln!("shortnames: {shown} has no version-1 tables; unchanged");
    }
    let _ = std::io::stdout().write_all(m.text.as_bytes());
    ExitCode::SUCCESS
}
