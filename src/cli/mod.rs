//! The command-line interface: one module per subcommand.

pub mod alias;
pub mod auth;
pub mod check;
pub mod config_args;
pub mod explain;
pub mod migrate;
#[cfg(feature = "oci-client")]
pub mod pull;
pub mod render;
pub mod resolve;
#[cfg(feature = "yaml")]
pub mod scan;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "shortnames",
    version,
    about = "Short-name resolution, mirrors and pull credentials, compatible with containers-registries.conf(5)"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Resolve image names into pull candidates and the endpoints to try.
    Resolve(resolve::ResolveArgs),
    /// Edit and list short-name aliases (the user alias cache shared with Podman).
    #[command(subcommand)]
    Alias(alias::AliasCommand),
    /// Pull-credential files.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Report every problem of a configuration (errors and warnings, with file:line:column).
    Check(check::CheckArgs),
    /// Show the whole decision path for one name.
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
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
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
    }
}

/// Reports a usage problem (exit status 2).
pub fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    let msg = msg.to_string();
    eprintln!(
        "shortnames: {}",
        shortnames::escape::escape_controls_lines(&msg)
    );
    ExitCode::from(2)
}
