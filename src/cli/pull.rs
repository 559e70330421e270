//! `shortnames inspect|pull|push` (feature `oci-client`): real registry operations through
//! the endpoints and credentials `resolve` shows.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use serde_json::{json, Value};
use shortnames::credentials::{
    Credential, CredentialDiagnostic as Diagnostic, CredentialSeverity as Severity, Explicit,
    Format as AuthFormat, Keyring, Secret,
};
use shortnames::pull::{Attempt, Platform, Progress, PullError, PullOptions, Puller};
use shortnames::{Reference, Resolver};

use super::resolve::{ConfigArgs, CredentialArgs, Format};

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

/// Everything an operation needs, or the exit code of a usage problem.
struct Setup {
    puller: Puller,
    explicit: Option<Explicit>,
    runtime: tokio::runtime::Runtime,
}

fn setup(r: &RegistryArgs, name: &str, platform: Option<&str>) -> Result<Setup, ExitCode> {
    let resolver = Resolver::new(&r.config.sources_or_builtin());
    if let Err(e) = resolver.config() {
        eprintln!("error: {}", e.located());
        return Err(ExitCode::from(1));
    }
    let mut b = Keyring::builder().forward_explicit_to_mirrors(r.forward_creds_to_mirrors);
    for f in &r.credentials.auth_files {
        b = b.namespace_file(f, AuthFormat::DockerConfigJson);
    }
    if let Some(f) = &r.credentials.node_auth_file {
        b = b.node_file(f);
    }
    let (keyring, diagnostics) = b.build();
    for d in &diagnostics {
        if d.severity() >= Severity::Warning || matches!(d, Diagnostic::SourceMissing { .. }) {
            eprintln!("shortnames: credentials: {}: {d}", d.severity());
        }
    }
    let explicit = match &r.creds {
        None => None,
        Some(c) => Some(explicit_for(name, c).map_err(super::usage_error)?),
    };
    let mut options = PullOptions::default().timeouts(
        Duration::from_secs(r.timeout.max(1)),
        Duration::from_secs(r.timeout.max(1)),
    );
    if let Some(p) = platform {
        let parsed = Platform::parse(p).ok_or_else(|| {
            super::usage_error(format!("--platform {p:?}: expected os/arch[/variant]"))
        })?;
        options = options.platform(parsed);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("shortnames: cannot start the I/O runtime: {e}");
            ExitCode::from(1)
        })?;
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

fn attempt_json(a: &Attempt) -> Value {
    json!({
        "candidate": a.candidate,
        "endpoint": a.endpoint,
        "mirror": a.mirror,
        "insecure": a.insecure,
        "credential": a.credential,
        "error": a.error.as_ref().map(|e| json!({"kind": e.kind().as_str(), "message": e.message()})),
    })
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

fn fail(format: Format, name: &str, e: &PullError) -> ExitCode {
    match format {
        Format::Json => {
            let doc = json!({
                "name": name,
                "error": e.to_string().lines().next().unwrap_or_default(),
                "attempts": e.attempts().iter().map(attempt_json).collect::<Vec<_>>(),
            });
            let mut out = std::io::stdout().lock();
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
        Format::Text => eprintln!("error: {e}"),
    }
    ExitCode::from(1)
}

pub fn inspect(args: InspectArgs) -> ExitCode {
    let s = match setup(&args.registry, &args.name, args.platform.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let result = s
        .runtime
        .block_on(s.puller.inspect(&args.name, s.explicit.as_ref()));
    let got = match result {
        Ok(g) => g,
        Err(e) => return fail(args.format, &args.name, &e),
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let doc = json!({
                "name": args.name,
                "digest": got.digest,
                "media_type": got.media_type,
                "image_digest": got.image_digest,
                "config_digest": got.config_digest,
                "config": got.config,
                "served_by": attempt_json(got.served_by()),
                "attempts": got.attempts.iter().map(attempt_json).collect::<Vec<_>>(),
            });
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
        Format::Text => {
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
    ExitCode::SUCCESS
}

/// Renders pull progress: a bar redrawn in place on a terminal, plain lines otherwise.
struct ProgressView {
    terminal: bool,
    state: Mutex<Option<(String, u64)>>,
}

impl ProgressView {
    fn show(&self, p: &Progress) {
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
        Err(code) => return code,
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
    ExitCode::SUCCESS
}

pub fn push(args: PushArgs) -> ExitCode {
    let s = match setup(&args.registry, &args.name, None) {
        Ok(s) => s,
        Err(code) => return code,
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
    ExitCode::SUCCESS
}
