//! `shortnames scan`: the images of Kubernetes manifests as a CRI-O node resolves them.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use shortnames::scan::{fix, sarif, FileReport, NodeProfile, Outcome, ScanReport};

/// Largest manifest file read, in bytes.
const MAX_MANIFEST: u64 = 256 << 20;

/// Show a progress line on a terminal from this many files on.
const PROGRESS_FROM: usize = 10;

/// The `--format` values.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ScanFormat {
    /// For people: findings grouped by file, `file:line:col`, a summary.
    Text,
    /// The `shortnames-scan/v1` document.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other CI systems).
    Sarif,
}

#[derive(Args)]
pub struct ScanArgs {
    /// The node to check against: a built-in profile (crio-default, openshift,
    /// kubeadm-ubuntu, kubeadm-ubuntu-2025-09) or a directory laid out like a node root
    /// (`/` checks this host).
    #[arg(long, value_name = "NAME|DIR", default_value = "crio-default")]
    node_profile: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    format: ScanFormat,
    /// Rewrite each short image name in place to its fully-qualified suggestion.
    #[arg(long)]
    fix: bool,
    /// With --fix: change nothing, print a unified diff of what would change.
    #[arg(long, requires = "fix")]
    dry_run: bool,
    /// Manifest files (any extension), directories (their *.yaml, *.yml, *.json files,
    /// recursively) or `-` for standard input.
    #[arg(value_name = "FILE|DIR|-", required = true)]
    inputs: Vec<String>,
}

/// One input file: how it is shown and where it is read from (`None` = stdin).
struct Input {
    shown: String,
    path: Option<PathBuf>,
}

pub fn run(args: ScanArgs) -> ExitCode {
    let profile = match load_profile(&args.node_profile) {
        Ok(p) => p,
        Err(msg) => return super::usage_error(msg),
    };
    if args.fix && !args.dry_run && args.inputs.iter().any(|i| i == "-") {
        return super::usage_error("--fix cannot rewrite standard input (use --fix --dry-run)");
    }
    let inputs = match collect_inputs(&args.inputs) {
        Ok(i) => i,
        Err(msg) => return super::usage_error(msg),
    };
    let mut progress = Progress::new(inputs.len());
    let mut files = Vec::with_capacity(inputs.len());
    let mut diffs = String::new();
    let mut fixed = (0usize, 0usize);
    let mut read_failed = false;
    for (n, input) in inputs.iter().enumerate() {
        progress.show(n, &input.shown);
        let bytes = match read_input(input) {
            Ok(b) => b,
            Err(msg) => {
                progress.clear();
                eprintln!("shortnames: {}: {msg}", input.shown);
                read_failed = true;
                continue;
            }
        };
        let mut report = profile.scan_bytes(&input.shown, &bytes);
        if args.fix {
            let outcome = fix::apply(&bytes, &report);
            for skipped in &outcome.skipped {
                progress.clear();
                eprintln!("shortnames: {}: {skipped}", input.shown);
            }
            if outcome.changed() {
                fixed.0 += outcome.edits;
                fixed.1 += 1;
                if args.dry_run {
                    diffs.push_str(&fix::unified_diff(&input.shown, &bytes, &outcome.fixed));
                } else if let Some(path) = &input.path {
                    if let Err(e) = write_in_place(path, &outcome.fixed) {
                        progress.clear();
                        eprintln!("shortnames: {}: {e}", input.shown);
                        read_failed = true;
                        continue;
                    }
                }
                // Report the files as they now stand (or would).
                report = profile.scan_bytes(&input.shown, &outcome.fixed);
            }
        }
        files.push(report);
    }
    progress.clear();
    let report = ScanReport::new(&profile, files);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.fix {
        let verb = if args.dry_run { "would fix" } else { "fixed" };
        eprintln!(
            "shortnames: {verb} {} image(s) in {} file(s)",
            fixed.0, fixed.1
        );
    }
    let written = if args.dry_run {
        out.write_all(diffs.as_bytes())
    } else {
        match args.format {
            ScanFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out)),
            ScanFormat::Sarif => serde_json::to_writer_pretty(&mut out, &sarif::to_sarif(&report))
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out)),
            ScanFormat::Text => out.write_all(render_text(&report).as_bytes()),
        }
    };
    if written.is_err() || read_failed {
        return ExitCode::from(2);
    }
    ExitCode::from(u8::from(report.summary.errors > 0))
}

/// A built-in name, or a directory (an argument with a `/`, or `.`/`..`, or a name that is not
/// built in but names a directory).
fn load_profile(arg: &str) -> Result<NodeProfile, String> {
    let looks_like_path = arg.contains('/') || arg == "." || arg == "..";
    if !looks_like_path {
        if let Some(p) = NodeProfile::builtin(arg) {
            return p.map_err(|e| e.to_string());
        }
        if !Path::new(arg).is_dir() {
            return Err(format!(
                "unknown node profile {arg:?} (built-in: {}; or give a directory laid out like a node root)",
                NodeProfile::builtin_names().join(", ")
            ));
        }
    }
    NodeProfile::from_root(arg, Path::new(arg)).map_err(|e| e.to_string())
}

fn collect_inputs(args: &[String]) -> Result<Vec<Input>, String> {
    let mut out = Vec::new();
    for a in args {
        if a == "-" {
            out.push(Input {
                shown: "-".into(),
                path: None,
            });
            continue;
        }
        let p = Path::new(a);
        let meta = std::fs::metadata(p).map_err(|e| format!("{a}: {e}"))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk_manifests(p, &mut found).map_err(|e| format!("{a}: {e}"))?;
            found.sort();
            out.extend(found.into_iter().map(|path| Input {
                shown: path.to_string_lossy().into_owned(),
                path: Some(path),
            }));
        } else {
            out.push(Input {
                shown: a.clone(),
                path: Some(p.to_path_buf()),
            });
        }
    }
    Ok(out)
}

/// `*.yaml`, `*.yml` and `*.json` files under `dir`, skipping hidden entries.
fn walk_manifests(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let ty = entry.file_type()?;
        if ty.is_dir() {
            walk_manifests(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads a regular file (or stdin) with the size limit; FIFOs and devices are refused.
fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    match &input.path {
        None => {
            std::io::stdin()
                .lock()
                .take(MAX_MANIFEST + 1)
                .read_to_end(&mut buf)
                .map_err(|e| e.to_string())?;
        }
        Some(path) => {
            let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
            if !meta.is_file() {
                return Err("not a regular file".into());
            }
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_MANIFEST + 1).read_to_end(&mut buf))
                .map_err(|e| e.to_string())?;
        }
    }
    if buf.len() as u64 > MAX_MANIFEST {
        return Err(format!("larger than the limit of {MAX_MANIFEST} bytes"));
    }
    Ok(buf)
}

/// Replaces `path`'s contents atomically (a temporary file in the same directory, renamed
/// over it), keeping its permissions.
fn write_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.shortnames-fix-{}", std::process::id()));
    let perms = std::fs::metadata(path)?.permissions();
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, perms)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A one-line progress indicator on a terminal's stderr.
struct Progress {
    total: usize,
    on: bool,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            on: total >= PROGRESS_FROM && std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    fn show(&mut self, n: usize, name: &str) {
        if !self.on {
            return;
        }
        let name: String = printable(name).chars().take(60).collect();
        eprint!("\r\x1b[Kscanning {}/{}: {name}", n + 1, self.total);
        self.shown = true;
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
            self.shown = false;
        }
    }
}

/// Control characters escaped, so that manifest text cannot drive the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn render_text(report: &ScanReport) -> String {
    let mut s = String::new();
    let mut warnings = 0;
    for f in &report.files {
        let findings = text_findings(f, &mut warnings);
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{}", printable(&f.file));
        s.push_str(&findings);
        s.push('\n');
    }
    let p = &report.profile;
    let sum = &report.summary;
    let _ = writeln!(
        s,
        "{} file(s), {} image(s), {} short name(s): {} error(s), {} warning(s) on node profile {} (short_name_mode {}, search registries: {})",
        report.files.len(),
        sum.images,
        sum.short_names,
        sum.errors,
        warnings,
        printable(&p.name),
        p.short_name_mode,
        if p.search_registries.is_empty() {
            "none".to_owned()
        } else {
            p.search_registries.join(", ")
        }
    );
    s
}

fn text_findings(f: &FileReport, warnings: &mut usize) -> String {
    let mut s = String::new();
    let file = printable(&f.file);
    for d in &f.documents {
        if let Some(e) = &d.error {
            let _ = writeln!(
                s,
                "  {file}:{}:{}: error: document {} ({}): {}",
                e.line,
                e.column,
                d.index,
                e.kind,
                printable(&e.message)
            );
        }
    }
    for i in &f.images {
        let v = &i.verdict;
        let shown = match &i.image {
            serde_json::Value::String(s) => printable(s),
            other => printable(&other.to_string()),
        };
        let what = match (&i.object.kind, &i.object.name) {
            (Some(k), Some(n)) => format!("{k}/{}", printable(n)),
            (Some(k), None) => k.clone(),
            _ => "object".into(),
        };
        let container = i.name.as_deref().map(printable).unwrap_or_default();
        let head = format!("  {file}:{}:{}", i.line, i.column);
        if let (Outcome::Error, Some(e)) = (v.outcome, &v.error) {
            let reason = match &e.message {
                Some(m) => printable(m),
                None => match e.kind {
                    "empty-image" => "the API server refuses an empty image".into(),
                    "not-a-string" => "the API server refuses an image that is not a string".into(),
                    "surrounding-whitespace" => {
                        "the API server refuses an image with leading or trailing whitespace".into()
                    }
                    "invalid-image-name" => {
                        "the kubelet cannot parse this image name (InvalidImageName)".into()
                    }
                    k => k.to_owned(),
                },
            };
            let _ = writeln!(s, "{head}: error: {shown:?} ({what} {container}): {reason}");
        } else if v.short_name == Some(true) {
            *warnings += 1;
            let target = v.candidates.join(", ");
            let _ = writeln!(
                s,
                "{head}: warning: short name {shown:?} ({what} {container}) resolves through {} on this node to {target}",
                v.resolution.map_or("?", |r| r.as_str())
            );
            if v.fix.is_some() && v.fix != v.docker_hub {
                let _ = writeln!(
                    s,
                    "      note: on containerd/Docker nodes it means {}",
                    v.docker_hub.as_deref().unwrap_or("")
                );
            }
        } else {
            continue;
        }
        if let (Some(fix), Some(basis)) = (&v.fix, v.fix_basis) {
            let basis = serde_json::to_value(basis)
                .ok()
                .and_then(|b| b.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(s, "      fix: {fix} ({basis})");
        }
    }
    s
}
