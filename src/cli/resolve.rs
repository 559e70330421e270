//! `shortnames resolve`: names → candidates → endpoints, as text for people or as the corpus
//! JSON document.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use shortnames::credentials::{
    CredentialDiagnostic as Diagnostic, CredentialSeverity as Severity, Format as AuthFormat,
    Keyring,
};
use shortnames::escape::{escape_controls, escape_controls_lines};
use shortnames::{report, Resolution, Resolver};

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
    /// The keyring, or `None` when no credential option was given.
    pub fn keyring(&self) -> Option<Keyring> {
        if self.auth_files.is_empty() && self.node_auth_file.is_none() {
            return None;
        }
        let mut b = Keyring::builder();
        for f in &self.auth_files {
            b = b.namespace_file(f, AuthFormat::DockerConfigJson);
        }
        if let Some(f) = &self.node_auth_file {
            b = b.node_file(f);
        }
        Some(b.build().0)
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
    /// Largest --names-from file accepted, in bytes (default 16 MiB); FILE must be a regular
    /// file (a FIFO, device or socket is refused).
    #[arg(long, value_name = "BYTES", default_value_t = NAMES_FROM_LIMIT)]
    names_from_limit: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Image names to resolve.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
}

/// Default of `--names-from-limit`: 16 MiB (about half a million names).
const NAMES_FROM_LIMIT: u64 = 16 << 20;

/// The `--names-from` file's bytes: a regular file within the limit (never blocks on a FIFO,
/// never reads a device).
fn read_names_file(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, String> {
    let shown = escape_controls(&path.to_string_lossy()).into_owned();
    let fail = |why: String| format!("cannot read names from {shown}: {why}");
    match shortnames::fs::read_limited(path, limit) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(fail("no such file or directory".to_owned())),
        Err(e @ shortnames::fs::ReadError::TooLarge { .. }) => {
            Err(fail(format!("{e} (see --names-from-limit)")))
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

/// The names to resolve: the arguments, then the lines of `--names-from` — byte strings, taken
/// verbatim (a line that is not UTF-8 is one name, which fails to parse on its own); the file
/// ends with `\n`, an empty file holds no names.
fn read_names(args: &ResolveArgs) -> Result<Vec<Vec<u8>>, String> {
    let mut names: Vec<Vec<u8>> = args.names.iter().map(|n| n.clone().into_bytes()).collect();
    if let Some(path) = &args.names_from {
        let text = read_names_file(path, args.names_from_limit)?;
        let body = text.strip_suffix(b"\n").unwrap_or(&text);
        if !text.is_empty() {
            names.extend(body.split(|&b| b == b'\n').map(<[u8]>::to_vec));
        }
    }
    Ok(names)
}

pub fn run(args: ResolveArgs) -> ExitCode {
    let names = match read_names(&args) {
        Ok(n) => n,
        Err(e) => return super::usage_error(e),
    };
    if names.is_empty() && args.names_from.is_none() {
        return super::usage_error("no names given (pass NAME... or --names-from FILE)");
    }
    let resolver = Resolver::new(&args.config.sources_or_builtin());
    let keyring = args.credentials.keyring();
    if let Some(k) = &keyring {
        for d in k.diagnostics() {
            if d.severity() >= Severity::Warning || matches!(d, Diagnostic::SourceMissing { .. }) {
                let text = d.to_string();
                eprintln!(
                    "shortnames: credentials: {}: {}",
                    d.severity(),
                    escape_controls_lines(&text)
                );
            }
        }
    }
    let mut failed = resolver.config().is_err();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            // Streamed lookup by lookup: memory stays constant however many names.
            let mut out = std::io::BufWriter::new(out);
            let _ = report::write_document(&mut out, &resolver, &names, keyring.as_ref(), |l| {
                failed |= !l["error"].is_null();
                // A credential lookup that failed (only invalid entries in the winning tier)
                // makes that endpoint fail.
                failed |= l["candidates"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|c| c["sources"].as_array().into_iter().flatten())
                    .any(|s| s["credentials"].get("error").is_some_and(|e| !e.is_null()));
            });
            let _ = writeln!(out);
            let _ = out.flush();
        }
        Format::Text => {
            if let Err(e) = resolver.config() {
                eprintln!("error: {}", e.located());
            }
            for raw in &names {
                let name = &*String::from_utf8_lossy(raw);
                match resolver.resolve_bytes(raw) {
                    Ok(r) => failed |= print_resolution(&mut out, name, &r, keyring.as_ref()),
                    Err(e) => {
                        failed = true;
                        let _ = writeln!(
                            out,
                            "{}\n  error: {}",
                            escape_controls(name),
                            escape_controls_lines(&e.to_string())
                        );
                    }
                }
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints one resolution; with a keyring, the credential of every endpoint. Returns whether
/// a credential lookup failed.
fn print_resolution(
    out: &mut impl Write,
    name: &str,
    r: &Resolution,
    keyring: Option<&Keyring>,
) -> bool {
    let mut failed = false;
    let _ = writeln!(out, "{}", escape_controls(name));
    let desc = r.description();
    if !desc.is_empty() {
        let _ = writeln!(out, "  {}", escape_controls(&desc));
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
                let _ = writeln!(out, "    error: {}", escape_controls_lines(&e.to_string()));
            }
            Ok(sources) => {
                for (j, s) in sources.iter().enumerate() {
                    let role = if s.mirror { "mirror " } else { "primary" };
                    let mut flags = String::new();
                    if s.insecure {
                        flags.push_str("  (insecure)");
                    }
                    if let Some(e) = &s.error {
                        let e = e.to_string();
                        flags.push_str(&format!("  refused: {}", escape_controls_lines(&e)));
                    }
                    let _ = writeln!(out, "    {}. {role} {}{flags}", j + 1, s.reference);
                    let Some(sc) = credentials.as_ref().and_then(|v| v.get(j)) else {
                        continue;
                    };
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
    failed
}
