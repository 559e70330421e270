//! `shortnames inspect|pull|push` (feature `oci-client`): real registry operations through
//! the endpoints and credentials `resolve` shows.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use serde_json::{json, Value};
use shortnames::credentials::{Credential, Explicit, Keyring, Secret};
use shortnames::pull::{Attempt, Inspected, Platform, Progress, PullError, PullOptions, Puller};
use shortnames::{Reference, Resolver};

use super::resolve::{ConfigArgs, CredentialArgs, Format};
use super::{vocab, Exit};

#[derive(Args)]
pub struct RegistryArgs {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    credentials: CredentialArgs,
    /// An explicit credential for this request (as a CRI PullImageRequest carries), bound to
    /// the registry host of NAME (docker.io for a short name, as the kubelet does): other
    /// search registries and mirrors on other hosts never get it. Visible to other local
    /// users in the process list; prefer --auth-file on shared machines.
    #[arg(long, value_name = "USER:PASS")]
    creds: Option<String>,
    /// Also send the --creds credential to the mirrors of NAME (never to other candidates).
    #[arg(long)]
    forward_creds_to_mirrors: bool,
    /// Seconds to wait for a connection, and for each read, per endpoint.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
}

#[derive(Args)]
pub struct InspectArgs {
    #[command(flatten)]
    registry: RegistryArgs,
    /// The platform chosen from an image index (os/arch[/variant]; default: this machine's).
    #[arg(long, value_name = "PLATFORM")]
    platform: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The image name (short or fully qualified).
    #[arg(value_name = "NAME")]
    name: String,
}

#[derive(Args)]
pub struct PullArgs {
    #[command(flatten)]
    registry: RegistryArgs,
    /// The platform chosen from an image index (os/arch[/variant]; default: this machine's).
    #[arg(long, value_name = "PLATFORM")]
    platform: Option<String>,
    /// The OCI image layout directory to write (created if needed).
    #[arg(long, value_name = "DIR")]
    dest: PathBuf,
    /// The image name (short or fully qualified).
    #[arg(value_name = "NAME")]
    name: String,
}

#[derive(Args)]
pub struct PushArgs {
    #[command(flatten)]
    registry: RegistryArgs,
    /// The OCI image layout directory to push (its only manifest, or the one annotated with
    /// the destination's tag).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The fully-qualified destination.
    #[arg(value_name = "NAME")]
    name: String,
}

/// Everything an operation needs.
struct Setup {
    puller: Puller,
    explicit: Option<Explicit>,
    runtime: tokio::runtime::Runtime,
}

/// Why an operation could not start: already reported on stderr; with the error object for a
/// JSON document when the configuration is broken. A usage error (exit status 2) or a named
/// file that cannot be used (1: `--auth-file`, `--user-aliases`, ...) has none: one line on
/// stderr, nothing on stdout, as for every subcommand.
struct NotStarted {
    code: ExitCode,
    error: Option<Value>,
}

impl NotStarted {
    fn usage(msg: impl std::fmt::Display) -> NotStarted {
        NotStarted {
            code: super::usage_error(msg),
            error: None,
        }
    }

    fn failed(msg: impl std::fmt::Display) -> NotStarted {
        NotStarted {
            code: super::failure(msg),
            error: None,
        }
    }
}

fn setup(r: &RegistryArgs, name: &str, platform: Option<&str>) -> Result<Setup, NotStarted> {
    // Named files must exist and be usable (as for every subcommand), before anything else.
    if let Err(e) = r.config.require_readable() {
        return Err(NotStarted::failed(e));
    }
    let resolver = Resolver::new(&r.config.sources_or_builtin());
    if let Err(e) = resolver.config() {
        super::error(super::error_line(&e));
        return Err(NotStarted {
            code: Exit::Failed.code(),
            error: Some(vocab::error_json(&e)),
        });
    }
    let builder = Keyring::builder().forward_explicit_to_mirrors(r.forward_creds_to_mirrors);
    let keyring = match r.credentials.load(builder) {
        Ok(k) => k,
        Err(lines) => {
            for l in &lines {
                super::error(l);
            }
            return Err(NotStarted {
                code: Exit::Failed.code(),
                error: None,
            });
        }
    };
    let explicit = match &r.creds {
        None => None,
        Some(c) => Some(explicit_for(name, c).map_err(NotStarted::usage)?),
    };
    let mut options = PullOptions::default().timeouts(
        Duration::from_secs(r.timeout.max(1)),
        Duration::from_secs(r.timeout.max(1)),
    );
    if let Some(p) = platform {
        let parsed = Platform::parse(p).ok_or_else(|| {
            NotStarted::usage(format!("--platform {p:?}: expected os/arch[/variant]"))
        })?;
        options = options.platform(parsed);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| NotStarted::failed(format_args!("cannot start the I/O runtime: {e}")))?;
    Ok(Setup {
        puller: Puller::new(Arc::new(resolver), Arc::new(keyring)).options(options),
        explicit,
        runtime,
    })
}

/// `--creds USER:PASS`, bound to the registry host of `name` after normalization.
fn explicit_for(name: &str, creds: &str) -> Result<Explicit, String> {
    let (user, pass) = creds
        .split_once(':')
        .ok_or_else(|| "--creds: expected USER:PASS".to_owned())?;
    let host = Reference::parse_normalized(name)
        .map_err(|e| format!("{name}: {e}"))?
        .domain()
        .unwrap_or("docker.io")
        .to_owned();
    let credential = Credential::Basic {
        username: user.to_owned(),
        password: Secret::from(pass),
    };
    Explicit::new(&host, credential).map_err(|e| format!("--creds: {e}"))
}

/// One endpoint attempt; `error` is an error object whose kind is the attempt's
/// (`not-found`, `unauthorized`, `blocked`, ...).
fn attempt_json(a: &Attempt) -> Value {
    json!({
        "candidate": a.candidate,
        "endpoint": a.endpoint,
        "mirror": a.mirror,
        "insecure": a.insecure,
        "credential": a.credential,
        "error": a.error.as_ref().map(|e| vocab::error_object(e.kind().as_str(), e.message(), None, None, None)),
    })
}

/// The kind of a failed operation: `pull/resolution` (the name did not resolve; nothing
/// contacted), `pull/unauthorized` (every registry refused the credentials), `pull/input` (an
/// unusable input, e.g. the layout to push), else `pull/all-endpoints-failed`.
fn pull_error_kind(e: &PullError) -> &'static str {
    if e.is_resolution() {
        "pull/resolution"
    } else if e.is_auth() {
        "pull/unauthorized"
    } else if e.attempts().is_empty() {
        "pull/input"
    } else {
        "pull/all-endpoints-failed"
    }
}

/// The `shortnames-inspect/v1` document: what was found (members `null` on failure), every
/// attempt, and the error.
fn inspect_json(name: &str, got: Option<&Inspected>, attempts: &[Attempt], error: Value) -> Value {
    vocab::document(
        "inspect",
        json!({
            "name": name,
            "ok": error.is_null(),
            "digest": got.map(|g| &g.digest),
            "media_type": got.map(|g| &g.media_type),
            "image_digest": got.map(|g| &g.image_digest),
            "config_digest": got.map(|g| &g.config_digest),
            "config": got.map(|g| &g.config),
            "served_by": got.map(|g| attempt_json(g.served_by())),
            "attempts": attempts.iter().map(attempt_json).collect::<Vec<_>>(),
            "error": error,
        }),
    )
}

fn print_json(doc: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, doc);
    let _ = writeln!(out);
}

fn print_attempts(out: &mut impl Write, attempts: &[Attempt]) {
    let _ = writeln!(out, "  attempts:");
    for (i, a) in attempts.iter().enumerate() {
        let role = if a.mirror { "mirror" } else { "primary" };
        let _ = writeln!(out, "    {}. {role} {a}", i + 1);
    }
}

fn served_line(a: &Attempt) -> String {
    let role = if a.mirror { "mirror" } else { "primary" };
    format!("{} ({role}, {})", a.endpoint, a.credential)
}

/// Reports a failed operation: the error on stderr (one line per attempt after the first),
/// and in JSON mode the document on stdout.
fn fail(format: Format, name: &str, e: &PullError) -> ExitCode {
    super::error(e);
    if format == Format::Json {
        let first = e.to_string();
        let message = first.lines().next().unwrap_or_default();
        let error = vocab::error_object(pull_error_kind(e), message, None, None, None);
        print_json(&inspect_json(name, None, e.attempts(), error));
    }
    Exit::Failed.code()
}

pub fn inspect(args: InspectArgs) -> ExitCode {
    let s = match setup(&args.registry, &args.name, args.platform.as_deref()) {
        Ok(s) => s,
        Err(n) => {
            if let (Format::Json, Some(error)) = (args.format, n.error) {
                print_json(&inspect_json(&args.name, None, &[], error));
            }
            return n.code;
        }
    };
    let result = s
        .runtime
        .block_on(s.puller.inspect(&args.name, s.explicit.as_ref()));
    let got = match result {
        Ok(g) => g,
        Err(e) => return fail(args.format, &args.name, &e),
    };
    match args.format {
        Format::Json => print_json(&inspect_json(
            &args.name,
            Some(&got),
            &got.attempts,
            Value::Null,
        )),
        Format::Text => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", args.name);
            let _ = writeln!(out, "  digest: {}", got.digest);
            let _ = writeln!(out, "  media type: {}", got.media_type);
            if got.image_digest != got.digest {
                let os = got.config["os"].as_str().unwrap_or("?");
                let arch = got.config["architecture"].as_str().unwrap_or("?");
                let _ = writeln!(out, "  image: {} ({os}/{arch})", got.image_digest);
            }
            let _ = writeln!(out, "  config: {}", got.config_digest);
            let _ = writeln!(out, "  served by: {}", served_line(got.served_by()));
            print_attempts(&mut out, &got.attempts);
        }
    }
    Exit::Ok.code()
}

/// Renders pull progress on stderr: a bar redrawn in place on a terminal, plain lines
/// otherwise; nothing with `--quiet`.
struct ProgressView {
    terminal: bool,
    state: Mutex<Option<(String, u64)>>,
}

impl ProgressView {
    fn show(&self, p: &Progress) {
        // `--quiet` drops progress, as `podman pull --quiet` does.
        if super::quiet() {
            return;
        }
        let mut err = std::io::stderr().lock();
        let mut last = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match p {
            Progress::Endpoint { endpoint } => {
                if self.terminal && last.is_some() {
                    let _ = writeln!(err);
                }
                *last = None;
                let _ = writeln!(err, "trying {endpoint}");
            }
            Progress::Blob {
                digest,
                received,
                total,
            } => {
                let short = digest.get(..19).unwrap_or(digest);
                if self.terminal {
                    let pct = if *total == 0 {
                        100
                    } else {
                        (received * 100 / total).min(100)
                    };
                    let filled = (pct / 5) as usize;
                    let _ = write!(
                        err,
                        "\r  {short} [{}{}] {pct:>3}% {received}/{total} bytes",
                        "=".repeat(filled),
                        " ".repeat(20 - filled)
                    );
                    if received >= total {
                        let _ = writeln!(err);
                    }
                    let _ = err.flush();
                } else if received >= total {
                    let _ = writeln!(err, "  {digest}: {received} bytes");
                }
                *last = Some((digest.clone(), *received));
            }
            _ => {}
        }
    }
}

pub fn pull(args: PullArgs) -> ExitCode {
    let s = match setup(&args.registry, &args.name, args.platform.as_deref()) {
        Ok(s) => s,
        Err(n) => return n.code,
    };
    let view = ProgressView {
        terminal: std::io::stderr().is_terminal(),
        state: Mutex::new(None),
    };
    let show = |p: &Progress| view.show(p);
    let result =
        s.runtime.block_on(
            s.puller
                .pull(&args.name, s.explicit.as_ref(), &args.dest, &show),
        );
    let got = match result {
        Ok(g) => g,
        Err(e) => return fail(Format::Text, &args.name, &e),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", args.name);
    let _ = writeln!(out, "  digest: {}", got.digest);
    if got.image_digest != got.digest {
        let _ = writeln!(out, "  image: {}", got.image_digest);
    }
    let _ = writeln!(
        out,
        "  written: {} ({} blobs, {} bytes of config and layers)",
        got.layout.display(),
        got.blobs,
        got.bytes
    );
    let _ = writeln!(out, "  served by: {}", served_line(got.served_by()));
    print_attempts(&mut out, &got.attempts);
    Exit::Ok.code()
}

pub fn push(args: PushArgs) -> ExitCode {
    let s = match setup(&args.registry, &args.name, None) {
        Ok(s) => s,
        Err(n) => return n.code,
    };
    let result = s
        .runtime
        .block_on(s.puller.push(&args.dir, &args.name, s.explicit.as_ref()));
    let got = match result {
        Ok(g) => g,
        Err(e) => return fail(Format::Text, &args.name, &e),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", got.reference);
    let _ = writeln!(out, "  digest: {}", got.digest);
    let _ = writeln!(out, "  pushed with: {}", got.served_by().credential);
    print_attempts(&mut out, &got.attempts);
    Exit::Ok.code()
}
