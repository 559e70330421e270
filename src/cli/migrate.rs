//! `shortnames migrate FILE`: rewrite a version-1 registries.conf as the equivalent
//! version-2 file (printed on stdout), or with `--check` only say whether it needs it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use shortnames::config::Migration;

use super::Exit;

#[derive(Args)]
pub struct MigrateArgs {
    /// Exit with status 1 (printing nothing on stdout) when FILE needs migrating, 0 when not.
    #[arg(long)]
    check: bool,
    /// The registries.conf to convert.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Exit status 1 when FILE cannot be read or converted (a broken configuration), or with
/// `--check` when it needs migrating; diagnostics through the CLI's one output path.
pub fn run(args: MigrateArgs) -> ExitCode {
    let shown = super::input::shown(&args.file);
    // The crate's bounded, non-blocking reader: a FIFO or device is refused, never read.
    let limit = shortnames::config::Limits::default().max_file_size;
    let text = match super::input::read_file_limited(&args.file, limit) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => return super::failure(format_args!("cannot read {shown}: invalid UTF-8")),
        },
        Err(e) => return super::failure(e),
    };
    let m = match Migration::from_text(&text, &args.file.to_string_lossy()) {
        Ok(m) => m,
        Err(e) => return super::failure(super::error_line(&e)),
    };
    if args.check {
        if m.needed {
            return super::failure(format_args!(
                "{shown} uses version-1 tables, which containers/image v5.40 \
                 (Podman 6) refuses: run `shortnames migrate {shown}`"
            ));
        }
        return Exit::Ok.code();
    }
    if !m.needed {
        super::note(format_args!("{shown} has no version-1 tables; unchanged"));
    }
    match std::io::stdout().write_all(m.text.as_bytes()) {
        Ok(()) => Exit::Ok.code(),
        Err(e) => super::failure(format_args!("cannot write the converted file: {e}")),
    }
}
