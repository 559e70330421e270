//! The command-line interface: one module per subcommand.
//!
//! Conventions every subcommand follows (adding one = one `Command` variant + one match arm in
//! [`run`]; use the shared helpers so the rules hold everywhere):
//!
//! * **Exit status** ([`Exit`]): 0 success; 1 the operation failed (a lookup with no usable
//!   endpoint — blocked-only included —, a broken configuration, a named input file that is
//!   missing or unusable, a check with errors, or with warnings under `--strict`); 2 usage
//!   errors only (clap's own parse errors exit 2 as well). Return `Exit::…​.code()`.
//! * **Streams**: results on stdout; every diagnostic on stderr, once, through [`error`],
//!   [`warn`] or [`note`] (one line, `shortnames: ` prefix, coloured on a terminal unless
//!   `NO_COLOR` is set; [`note`] is silenced by `--quiet`).
//! * **JSON** ([`vocab`]): every document is built with [`vocab::document`] (`"schema":
//!   "shortnames-<cmd>/v1"` first) and has a schema in `schemas/`; errors are
//!   [`vocab::error_object`]s `{kind, message, file, line, column, key}` with kinds in one
//!   kebab-case namespace (`invalid-config/toml`, `credentials/auth-not-base64`); absent
//!   values are `null`; severities are `error|warning|note`. The one exception is the corpus
//!   document of `resolve --format json`, defined by ../shared/conformance/README.md.
//! * **Inputs**: a file of names or manifests is read with [`input::read_input`] (`-` =
//!   stdin); a name is taken through [`input::image_name`] (`docker://NAME` = fully
//!   qualified, other transports refused).

pub mod alias;
pub mod auth;
pub mod check;
pub mod config_args;
pub mod explain;
pub mod input;
pub mod migrate;
#[cfg(feature = "oci-client")]
pub mod pull;
pub mod render;
pub mod resolve;
#[cfg(feature = "yaml")]
pub mod scan;
pub mod stream;
pub mod vocab;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nbehaviour targets: containers/image v5.23 (default, Podman 4 / CRI-O; resolution exactly as v5.23.1) and v5.40 (Podman 6 discovery)",
);

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success (check: no errors, and no warnings with --strict)
  1  the operation failed: a lookup with no usable endpoint (including every endpoint
     blocked), a broken configuration, a named file that is missing or unusable
     (--registries-conf, --auth-file, --node-auth-file, --names-from, ...), a check with
     errors (or warnings with --strict)
  2  usage error (unknown option, bad value, missing argument)";

#[derive(Parser)]
#[command(
    name = "shortnames",
    version,
    long_version = LONG_VERSION,
    about = "Short-name resolution, mirrors and pull credentials, compatible with containers-registries.conf(5)",
    after_help = EXIT_STATUS_HELP,
)]
pub struct Cli {
    /// Suppress notices on stderr (e.g. that the built-in defaults are in use); errors and
    /// warnings are still printed.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Resolve image names into pull candidates and the endpoints to try.
    #[command(after_help = EXIT_STATUS_HELP)]
    Resolve(resolve::ResolveArgs),
    /// Edit and list short-name aliases (the user alias cache shared with Podman).
    #[command(subcommand)]
    Alias(alias::AliasCommand),
    /// Pull-credential files.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Report every problem of a configuration (errors and warnings, with file:line:column).
    #[command(after_help = EXIT_STATUS_HELP)]
    Check(check::CheckArgs),
    /// Show the whole decision path for one name.
    #[command(after_help = EXIT_STATUS_HELP)]
    Explain(explain::ExplainArgs),
    /// Rewrite a version-1 registries.conf as the equivalent version-2 file.
    Migrate(migrate::MigrateArgs),
    /// What the Machine Config Operator lays down on OpenShift nodes, and what it costs them.
    #[command(subcommand)]
    Render(render::RenderCommand),
    /// Check the images of Kubernetes manifests against a CRI-O node's configuration.
    #[cfg(feature = "yaml")]
    Scan(scan::ScanArgs),
    /// Fetch an image's digest, media type and config from the first endpoint that has it.
    #[cfg(feature = "oci-client")]
    Inspect(pull::InspectArgs),
    /// Pull an image into an OCI image layout directory, trying every endpoint in order.
    #[cfg(feature = "oci-client")]
    Pull(pull::PullArgs),
    /// Push an OCI image layout directory (push credentials only: never the node's).
    #[cfg(feature = "oci-client")]
    Push(pull::PushArgs),
    /// Print a shell completion script (e.g. `shortnames completion bash >
    /// /usr/share/bash-completion/completions/shortnames`).
    Completion(CompletionArgs),
    /// Write the man pages (shortnames.1 and one per subcommand) into a directory.
    Man(ManArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let _ = UI.set(Ui::detect(cli.quiet));
    match cli.command {
        Command::Resolve(args) => resolve::run(args),
        Command::Alias(cmd) => alias::run(cmd),
        Command::Auth(cmd) => auth::run(cmd),
        Command::Check(args) => check::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Render(cmd) => render::run(cmd),
        #[cfg(feature = "yaml")]
        Command::Scan(args) => scan::run(args),
        #[cfg(feature = "oci-client")]
        Command::Inspect(args) => pull::inspect(args),
        #[cfg(feature = "oci-client")]
        Command::Pull(args) => pull::pull(args),
        #[cfg(feature = "oci-client")]
        Command::Push(args) => pull::push(args),
        Command::Completion(args) => completion(args),
        Command::Man(args) => man(args),
    }
}

// ---------------------------------------------------------------------------------------------
// Exit status

/// The exit status of every subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Ok,
    /// 1: the operation failed.
    Failed,
    /// 2: usage error.
    Usage,
}

impl Exit {
    /// `Failed` when `failed`, else `Ok`.
    pub fn failed_if(failed: bool) -> Exit {
        if failed {
            Exit::Failed
        } else {
            Exit::Ok
        }
    }

    /// The process exit code.
    pub fn code(self) -> ExitCode {
        ExitCode::from(match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
        })
    }
}

/// Reports a usage problem (exit status 2).
pub fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    error(msg);
    Exit::Usage.code()
}

/// Reports that the operation failed (exit status 1).
pub fn failure(msg: impl std::fmt::Display) -> ExitCode {
    error(msg);
    Exit::Failed.code()
}

// ---------------------------------------------------------------------------------------------
// Diagnostics on stderr

struct Ui {
    quiet: bool,
    colour_stderr: bool,
    colour_stdout: bool,
}

static UI: OnceLock<Ui> = OnceLock::new();

impl Ui {
    fn detect(quiet: bool) -> Ui {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ui {
            quiet,
            colour_stderr: !no_color && std::io::stderr().is_terminal(),
            colour_stdout: !no_color && std::io::stdout().is_terminal(),
        }
    }
}

fn ui() -> &'static Ui {
    UI.get_or_init(|| Ui::detect(false))
}

/// Whether results on stdout may be coloured (a terminal, `NO_COLOR` unset).
pub fn colour_stdout() -> bool {
    ui().colour_stdout
}

/// `text` in the colour of `severity` (`error`, `warning`, `note`) when `on`.
pub fn paint(text: &str, severity: &str, on: bool) -> String {
    if !on {
        return text.to_owned();
    }
    let code = match severity {
        "error" => "1;31",
        "warning" => "1;33",
        "note" => "1;36",
        _ => "1",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn emit(severity: &str, msg: &dyn std::fmt::Display) {
    let label = paint(&format!("{severity}:"), severity, ui().colour_stderr);
    // Names and file contents reach messages: control characters are shown escaped.
    let msg = msg.to_string();
    let msg = crate::escape::escape_controls_lines(&msg);
    eprintln!("shortnames: {label} {msg}");
}

/// One error line on stderr.
pub fn error(msg: impl std::fmt::Display) {
    emit("error", &msg);
}

/// A library error as one line: its message, prefixed with `file:line:column` unless the
/// message already names the file.
pub fn error_line(e: &shortnames::Error) -> String {
    match e.file() {
        Some(f) if e.message().contains(f) => e.message().to_owned(),
        _ => e.located().to_string(),
    }
}

/// One warning line on stderr.
pub fn warn(msg: impl std::fmt::Display) {
    emit("warning", &msg);
}

/// Whether `--quiet` was given (notices and progress are dropped).
#[cfg(feature = "oci-client")]
pub fn quiet() -> bool {
    ui().quiet
}

/// One notice on stderr, unless `--quiet`.
pub fn note(msg: impl std::fmt::Display) {
    if !ui().quiet {
        emit("note", &msg);
    }
}

// ---------------------------------------------------------------------------------------------
// Completions and man pages

#[derive(Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args)]
struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Args)]
struct ManArgs {
    /// The directory to write the pages into (created if missing), e.g.
    /// /usr/local/share/man/man1.
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: std::path::PathBuf,
}

fn completion(args: CompletionArgs) -> ExitCode {
    use clap_complete::{generate, shells};
    let mut cmd = Cli::command();
    let mut out = std::io::stdout();
    match args.shell {
        Shell::Bash => generate(shells::Bash, &mut cmd, "shortnames", &mut out),
        Shell::Zsh => generate(shells::Zsh, &mut cmd, "shortnames", &mut out),
        Shell::Fish => generate(shells::Fish, &mut cmd, "shortnames", &mut out),
    }
    Exit::Ok.code()
}

fn man(args: ManArgs) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        return failure(format_args!(
            "cannot create {}: {e}",
            input::shown(&args.dir)
        ));
    }
    match clap_mangen::generate_to(Cli::command(), &args.dir) {
        Ok(()) => {
            note(format_args!(
                "man pages written to {}",
                input::shown(&args.dir)
            ));
            Exit::Ok.code()
        }
        Err(e) => failure(format_args!(
            "cannot write man pages to {}: {e}",
            input::shown(&args.dir)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_only_when_on() {
        assert_eq!(paint("error:", "error", false), "error:");
        assert_eq!(paint("error:", "error", true), "\x1b[1;31merror:\x1b[0m");
        assert_eq!(paint("note:", "note", true), "\x1b[1;36mnote:\x1b[0m");
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Exit::failed_if(true), Exit::Failed);
        assert_eq!(Exit::failed_if(false), Exit::Ok);
    }

    #[test]
    fn command_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
