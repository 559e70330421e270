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
    /// Explain on a node after MCO renders these cluster objects (IDMS, ITMS, ICSP, Image
    /// `cluster`) over the node profile (repeat for several files).
    #[arg(long, value_name = "FILE")]
    cluster_objects: Vec<std::path::PathBuf>,
    /// The node profile for --cluster-objects: a node root with etc/containers, or a
    /// built-in profile's name (default: --sysroot DIR if given, else `openshift`, a node as
    /// MCO lays it down).
    #[arg(long, value_name = "DIR", requires = "cluster_objects")]
    node_profile: Option<std::path::PathBuf>,
    /// The image name.
    #[arg(value_name = "NAME")]
    name: String,
}

pub fn run(args: ExplainArgs) -> ExitCode {
    let options = ExplainOptions::default().profile(args.config.profile.into());
    let e = if args.cluster_objects.is_empty() {
        explain(&args.config.sources_or_builtin(), &args.name, &options)
    } else {
        let on_node = super::render::explain_on_node(
            &args.cluster_objects,
            args.node_profile
                .as_deref()
                .or(args.config.sysroot.as_deref()),
            &args.name,
            &options,
        );
        match on_node {
            Ok(e) => e,
            Err(code) => return code,
        }
    };
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
