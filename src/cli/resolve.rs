//! `shortnames resolve`: names → candidates → endpoints, as text for people or as the corpus
//! JSON document.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::escape::{escape_controls, escape_controls_lines};
use clap::{Args, ValueEnum};
use serde_json::Value;
use shortnames::credentials::{
    CredentialDiagnostic as Diagnostic, Format as AuthFormat, Keyring, KeyringBuilder,
};
use shortnames::{Resolution, Resolver};

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
        self.load(Keyring::builder()).map(Some)
    }

    /// The files of the options loaded into `b` (with the same rules as [`Self::keyring`]),
    /// e.g. a builder that also forwards an explicit credential to mirrors.
    pub fn load(&self, mut b: KeyringBuilder) -> Result<Keyring, Vec<String>> {
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
        Ok(keyring)
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

/// The names to resolve: the arguments, then the lines of `--names-from` — byte strings, taken
/// verbatim (a line that is not UTF-8 is one name, which fails to parse on its own); the file
/// ends with `\n`, an empty file holds no names. The file is read by the library's bounded,
/// non-blocking reader (regular files only, at most `--names-from-limit` bytes).
fn read_names(args: &ResolveArgs) -> Result<Vec<Vec<u8>>, String> {
    let mut names: Vec<Vec<u8>> = args.names.iter().map(|n| n.clone().into_bytes()).collect();
    if let Some(path) = &args.names_from {
        let text = input::read_input_limited(path, args.names_from_limit).map_err(|e| {
            // As every option naming a file: `--names-from cannot read FILE: why`.
            let e = format!("--names-from {e}");
            if e.contains("larger than the limit") {
                format!("{e} (see --names-from-limit)")
            } else {
                e
            }
        })?;
        let body = text.strip_suffix(b"\n").unwrap_or(&text);
        if !text.is_empty() {
            names.extend(body.split(|&b| b == b'\n').map(<[u8]>::to_vec));
        }
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

pub fn run(args: ResolveArgs) -> ExitCode {
    let names = match read_names(&args) {
        Ok(n) => n,
        Err(e) => return super::failure(e),
    };
    if names.is_empty() && args.names_from.is_none() {
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
            // name; `docker://` is a transport of the command line, see input::image_name),
            // streamed lookup by lookup: memory stays constant however many names.
            let mut out = std::io::BufWriter::new(out);
            let each = |l: &Value| failed |= lookup_failed(l);
            let _ =
                super::stream::write_document(&mut out, &resolver, &names, keyring.as_ref(), each);
            let _ = writeln!(out);
            let _ = out.flush();
        }
        Format::Text => {
            for raw in &names {
                let given = &*String::from_utf8_lossy(raw);
                // A UTF-8 name may carry the `docker://` transport; other bytes are a name.
                let name: Vec<u8> = match std::str::from_utf8(raw) {
                    Ok(text) => match input::image_name(text) {
                        Ok(n) => n.into_bytes(),
                        Err(e) => {
                            failed = true;
                            super::error(e);
                            continue;
                        }
                    },
                    Err(_) => raw.clone(),
                };
                match resolver.resolve_bytes(&name) {
                    Ok(r) => {
                        let (credential_failed, usable) =
                            print_resolution(&mut out, given, &r, keyring.as_ref());
                        failed |= credential_failed;
                        if !usable {
                            failed = true;
                            super::error(format_args!(
                                "{}: no usable endpoint: every endpoint is refused",
                                escape_controls(given)
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
