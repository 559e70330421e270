//! `shortnames explain NAME`: the whole decision path for one name.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;
use shortnames::diagnostics::{explain, ExplainOptions, Explanation};
use shortnames::Resolver;

use super::resolve::{has_usable_endpoint, ConfigArgs, Format};
use super::{input, vocab, Exit};

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
    /// The image name (`docker://NAME` is taken as fully qualified, as Podman does).
    #[arg(value_name = "NAME")]
    name: String,
}

/// Exit status 1 when the name does not resolve or no endpoint may be used (e.g. every one
/// is blocked), as the pull would fail.
pub fn run(args: ExplainArgs) -> ExitCode {
    let name = match input::image_name(&args.name) {
        Ok(n) => n,
        Err(e) => return super::failure(e),
    };
    if let Err(e) = args.config.require_readable() {
        return super::failure(e);
    }
    let options = ExplainOptions::default().profile(args.config.profile.into());
    let (e, usable) = if args.cluster_objects.is_empty() {
        let sources = args.config.sources_or_builtin();
        let e = explain(&sources, &name, &options);
        let usable = e.error.is_none()
            && Resolver::new(&sources)
                .resolve(&name)
                .is_ok_and(|r| has_usable_endpoint(&r));
        (e, usable)
    } else {
        let on_node = super::render::explain_on_node(
            &args.cluster_objects,
            args.node_profile
                .as_deref()
                .or(args.config.sysroot.as_deref()),
            &name,
            &options,
        );
        match on_node {
            // The rendered node is in memory: only the resolution error decides here.
            Ok(e) => {
                let usable = e.error.is_none();
                (e, usable)
            }
            Err(e) => {
                super::error(&e);
                if args.format == Format::Json && e.in_contents() {
                    let doc = vocab::document(
                        "explain",
                        json!({
                            "name": name,
                            "ok": false,
                            "error": e.json(),
                            "sources": [],
                            "steps": [],
                        }),
                    );
                    let _ = writeln!(std::io::stdout(), "{doc:#}");
                }
                return Exit::Failed.code();
            }
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &explanation_json(&e, usable));
            let _ = writeln!(out);
        }
        Format::Text => {
            let _ = write!(out, "{e}");
        }
    }
    if let Some(err) = &e.error {
        super::error(super::error_line(err));
    } else if !usable {
        super::error(format_args!(
            "{}: no usable endpoint: every endpoint is refused",
            args.name
        ));
    }
    Exit::failed_if(!usable).code()
}

/// The `shortnames-explain/v1` document: the library's steps and sources, with `ok` and the
/// error in the CLI's vocabulary.
pub fn explanation_json(e: &Explanation, usable: bool) -> serde_json::Value {
    let lib = e.to_json();
    vocab::document(
        "explain",
        json!({
            "name": e.name,
            "ok": usable,
            "error": e.error.as_ref().map(vocab::error_json),
            "sources": lib["sources"],
            "steps": lib["steps"],
        }),
    )
}
