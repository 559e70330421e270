//! `shortnames resolve`: names → candidates → endpoints, as text for people or as the corpus
//! JSON document.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::Value;
use shortnames::credentials::{CredentialDiagnostic as Diagnostic, Format as AuthFormat, Keyring};
use shortnames::{report, Resolution, Resolver};

use super::{input, vocab, Exit};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

pub use super::config_args::ConfigArgs;

#[derive(Args)]
pub struct CredentialArgs {
    /// A credentials file (auth.json / config.json format) of the namespace tier; repeat
    /// for several, in precedence order. Shows the credential of every endpoint.
    #[arg(long = "auth-file", value_name = "FILE")]
    pub auth_files: Vec<PathBuf>,
    /// The node pull secret (e.g. /var/lib/kubelet/config.json), used for an endpoint only
    /// when no --auth-file entry covers it.
    #[arg(long, value_name = "FILE")]
    pub node_auth_file: Option<PathBuf>,
}

impl CredentialArgs {
    /// The keyring, or `None` when no credential option was given. A named file that is
    /// missing or unusable as a whole is an error (as Podman fails on a missing
    /// `--authfile`): one line per file. Problems of single entries are warnings on stderr.
    pub fn keyring(&self) -> Result<Option<Keyring>, Vec<String>> {
        if self.auth_files.is_empty() && self.node_auth_file.is_none() {
            return Ok(None);
        }
        let mut b = Keyring::builder();
        for f in &self.auth_files {
            b = b.namespace_file(f, AuthFormat::DockerConfigJson);
        }
        if let Some(f) = &self.node_auth_file {
            b = b.node_file(f);
        }
        let keyring = b.build().0;
        let option_of = |d: &Diagnostic| {
            let source = d.source().map(|s| s.as_str().to_owned());
            if source.as_deref().map(Path::new) == self.node_auth_file.as_deref() {
                "--node-auth-file"
            } else {
                "--auth-file"
            }
        };
        let fatal: Vec<String> = keyring
            .diagnostics()
            .iter()
            .filter(|d| {
                matches!(
                    d,
                    Diagnostic::SourceMissing { .. } | Diagnostic::DocumentError { .. }
                )
            })
            .map(|d| match d {
                Diagnostic::SourceMissing { source } => {
                    format!(
                        "{} cannot read {source}: no such file or directory",
                        option_of(d)
                    )
                }
                _ => format!("{} {d}", option_of(d)),
            })
            .collect();
        if !fatal.is_empty() {
            return Err(fatal);
        }
        for d in keyring.diagnostics() {
            if vocab::auth_severity(d) != "note" {
                super::warn(format_args!("credentials: {d}"));
            }
        }
        Ok(Some(keyring))
    }
}

#[derive(Args)]
pub struct ResolveArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// Read names from FILE, one per line (verbatim; an empty line is the empty name).
    #[arg(long, value_name = "FILE")]
    names_from: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Image names to resolve.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
}

fn read_names(args: &ResolveArgs) -> Result<Vec<String>, String> {
    let mut names = args.names.clone();
    if let Some(path) = &args.names_from {
        let bytes = input::read_input(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("cannot read names from {}: not UTF-8", input::shown(path)))?;
        let mut lines: Vec<&str> = text.split('\n').collect();
        if text.ends_with('\n') || text.is_empty() {
            lines.pop();
        }
        names.extend(lines.into_iter().map(str::to_owned));
    }
    Ok(names)
}

/// Whether a lookup of the corpus document failed: an error, or no endpoint that a pull may
/// use (every source refused, e.g. blocked, or its credential lookup failed).
pub fn lookup_failed(lookup: &Value) -> bool {
    if !lookup["error"].is_null() {
        return true;
    }
    let usable = |s: &Value| {
        s["error"].is_null() && s.get("credentials").is_none_or(|c| c["error"].is_null())
    };
    !lookup["candidates"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["sources"].as_array().into_iter().flatten())
        .any(usable)
}

/// Whether a pull of `r` has an endpoint it may use (one not refused, e.g. as blocked).
pub fn has_usable_endpoint(r: &Resolution) -> bool {
    r.candidates.iter().any(|c| {
        c.sources
            .as_ref()
            .is_ok_and(|s| s.iter().any(|s| s.error.is_none()))
    })
}

/// Adds the `credentials` member (the vocabulary of [`vocab::pull_credentials_json`]) to
/// every source of one lookup of the corpus document.
fn add_credentials(lookup: &mut Value, resolver: &Resolver, name: &str, keyring: &Keyring) {
    let Ok(r) = resolver.resolve(name) else {
        return;
    };
    let Some(candidates) = lookup["candidates"].as_array_mut() else {
        return;
    };
    for (c, cj) in r.candidates.iter().zip(candidates) {
        let per_source = keyring.pull_source_credentials(c, None);
        let Some(sources) = cj["sources"].as_array_mut() else {
            continue;
        };
        for (s, sc) in sources.iter_mut().zip(&per_source) {
            s["credentials"] = vocab::pull_credentials_json(&sc.credentials);
        }
    }
}

pub fn run(args: ResolveArgs) -> ExitCode {
    let names = match read_names(&args) {
        Ok(n) => n,
        Err(e) => return super::failure(e),
    };
    if names.is_empty() {
        return super::usage_error("no names given (pass NAME... or --names-from FILE)");
    }
    if let Err(e) = args.config.require_readable() {
        return super::failure(e);
    }
    let keyring = match args.credentials.keyring() {
        Ok(k) => k,
        Err(lines) => {
            for l in &lines {
                super::error(l);
            }
            return Exit::Failed.code();
        }
    };
    let resolver = Resolver::new(&args.config.sources_or_builtin());
    let config_error = resolver.config().err();
    if let Some(e) = &config_error {
        super::error(super::error_line(e));
    }
    let mut failed = config_error.is_some();
    let mut printed: std::collections::HashSet<String> =
        config_error.iter().map(super::error_line).collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            // The corpus document, names verbatim (it is the reference library's answer per
            // name; `docker://` is a transport of the command line, see input::image_name).
            let mut doc = report::document(&resolver, &names);
            if let (Some(k), Some(lookups)) = (&keyring, doc["lookups"].as_array_mut()) {
                for (l, name) in lookups.iter_mut().zip(&names) {
                    add_credentials(l, &resolver, name, k);
                }
            }
            if let Some(k) = &keyring {
                doc["credential_diagnostics"] = k
                    .diagnostics()
                    .iter()
                    .map(vocab::auth_diagnostic_json)
                    .collect();
            }
            let lookups = doc["lookups"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            failed |= lookups.iter().any(lookup_failed);
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
        Format::Text => {
            for given in &names {
                let name = match input::image_name(given) {
                    Ok(n) => n,
                    Err(e) => {
                        failed = true;
                        super::error(e);
                        continue;
                    }
                };
                match resolver.resolve(&name) {
                    Ok(r) => {
                        let (credential_failed, usable) =
                            print_resolution(&mut out, given, &r, keyring.as_ref());
                        failed |= credential_failed;
                        if !usable {
                            failed = true;
                            super::error(format_args!(
                                "{given}: no usable endpoint: every endpoint is refused"
                            ));
                        }
                    }
                    Err(e) => {
                        failed = true;
                        // Each message once: the configuration error was printed above, and
                        // one broken user alias file fails every short name the same way.
                        let line = super::error_line(&e);
                        if printed.insert(line.clone()) {
                            super::error(line);
                        }
                    }
                }
            }
        }
    }
    Exit::failed_if(failed).code()
}

/// Prints one resolution; with a keyring, the credential of every endpoint. Returns whether
/// a credential lookup failed, and whether any endpoint is usable.
fn print_resolution(
    out: &mut impl Write,
    name: &str,
    r: &Resolution,
    keyring: Option<&Keyring>,
) -> (bool, bool) {
    let mut failed = false;
    let mut usable = false;
    let _ = writeln!(out, "{name}");
    let desc = r.description();
    if !desc.is_empty() {
        let _ = writeln!(out, "  {desc}");
    }
    for (i, c) in r.candidates.iter().enumerate() {
        let entry = match &c.registry {
            Some(reg) if reg.blocked => format!("  [registry {}, blocked]", reg.prefix),
            Some(reg) => format!("  [registry {}]", reg.prefix),
            None => String::new(),
        };
        let _ = writeln!(out, "  candidate {}: {}{entry}", i + 1, c.reference);
        let credentials = keyring.map(|k| k.pull_source_credentials(c, None));
        match &c.sources {
            Err(e) => {
                let _ = writeln!(out, "    error: {e}");
            }
            Ok(sources) => {
                for (j, s) in sources.iter().enumerate() {
                    let role = if s.mirror { "mirror " } else { "primary" };
                    let mut flags = String::new();
                    if s.insecure {
                        flags.push_str("  (insecure)");
                    }
                    if let Some(e) = &s.error {
                        flags.push_str(&format!("  refused: {e}"));
                    }
                    let _ = writeln!(out, "    {}. {role} {}{flags}", j + 1, s.reference);
                    let Some(sc) = credentials.as_ref().and_then(|v| v.get(j)) else {
                        usable |= s.error.is_none();
                        continue;
                    };
                    usable |= s.error.is_none() && sc.credentials.is_ok();
                    match &sc.credentials {
                        Ok(pc) => {
                            let more = pc.candidates().len().saturating_sub(1);
                            let rotation = if more > 0 {
                                format!("  (+{more} more to try after a 401/403)")
                            } else {
                                String::new()
                            };
                            let _ = writeln!(out, "       credentials: {pc}{rotation}");
                            for w in pc.warnings() {
                                let _ = writeln!(out, "       credential warning: {w}");
                            }
                        }
                        Err(e) => {
                            failed = true;
                            let _ = writeln!(out, "       credentials: error: {e}");
                        }
                    }
                }
            }
        }
    }
    (failed, usable)
}
