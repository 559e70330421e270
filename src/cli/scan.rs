//! `shortnames scan`: the images of Kubernetes manifests as a CRI-O node resolves them.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use shortnames::scan::{fix, sarif, FileReport, NodeProfile, Outcome, ScanReport};
use shortnames::ResolutionKind;

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

/// Exit status (the scheme of every subcommand): 0 when no image or document would fail on
/// the node, 1 when one would (`summary.errors` > 0), or when a named input or the node
/// profile cannot be read or is broken, 2 for usage errors (an unknown built-in profile
/// name included).
pub fn run(args: ScanArgs) -> ExitCode {
    let profile = match load_profile(&args.node_profile) {
        Ok(p) => p,
        Err(ProfileProblem::Unknown(msg)) => return super::usage_error(msg),
        Err(ProfileProblem::Broken(msg)) => return super::failure(msg),
    };
    if args.fix && !args.dry_run && args.inputs.iter().any(|i| i == "-") {
        return super::usage_error("--fix cannot rewrite standard input (use --fix --dry-run)");
    }
    let inputs = match collect_inputs(&args.inputs) {
        Ok(i) => i,
        Err(msg) => return super::failure(msg),
    };
    // Files are scanned in parallel (one worker per CPU); results keep command-line order.
    let progress = std::sync::Mutex::new(Progress::new(inputs.len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Done>>> =
        inputs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(inputs.len())
        .max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { break };
                if let Ok(mut p) = progress.lock() {
                    p.tick(&input.shown);
                }
                let done = process(&profile, input, args.fix, args.dry_run);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(done);
                }
            });
        }
    });
    if let Ok(mut p) = progress.lock() {
        p.clear();
    }
    let mut files = Vec::with_capacity(inputs.len());
    let mut diffs = String::new();
    let mut fixed = (0usize, 0usize);
    let mut input_errors = Vec::new();
    for (slot, input) in slots.into_iter().zip(&inputs) {
        let Some(done) = slot.into_inner().ok().flatten() else {
            let msg = format!("{}: not scanned (internal error)", input.shown);
            super::error(&msg);
            input_errors.push(input_error("internal/not-scanned", input, &msg));
            continue;
        };
        for m in &done.notes {
            super::warn(m);
        }
        if let Some((kind, msg)) = &done.failed {
            super::error(msg);
            input_errors.push(input_error(kind, input, msg));
        }
        diffs.push_str(&done.diff);
        if done.edits > 0 {
            fixed.0 += done.edits;
            fixed.1 += 1;
        }
        files.extend(done.report);
    }
    let report = ScanReport::new(&profile, files);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.fix {
        let verb = if args.dry_run { "would fix" } else { "fixed" };
        super::note(format_args!(
            "{verb} {} image(s) in {} file(s)",
            fixed.0, fixed.1
        ));
    }
    let written = if args.dry_run {
        out.write_all(diffs.as_bytes())
    } else {
        match args.format {
            ScanFormat::Json => {
                serde_json::to_writer_pretty(&mut out, &report_json(&report, &input_errors))
                    .map_err(std::io::Error::other)
                    .and_then(|()| writeln!(out))
            }
            ScanFormat::Sarif => serde_json::to_writer_pretty(&mut out, &sarif::to_sarif(&report))
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out)),
            ScanFormat::Text => out.write_all(render_text(&report).as_bytes()),
        }
    };
    if let Err(e) = written {
        return super::failure(format_args!("cannot write the report: {e}"));
    }
    super::Exit::failed_if(report.summary.errors > 0 || !input_errors.is_empty()).code()
}

/// An input that could not be scanned (or, with `--fix`, rewritten), as an error object.
fn input_error(kind: &str, input: &Input, message: &str) -> Value {
    super::vocab::error_object(kind, message, Some(&input.shown), None, None)
}

/// The `shortnames-scan/v1` document: the corpus shape (../shared/scan/README.md), whose error
/// objects gain the members of the CLI's vocabulary that the README leaves open (its
/// comparison ignores keys it does not define): a document error gets `file` and `key`
/// (`null`); an image error gets `file`, `line`, `column` (the image's position) and `key`
/// (its path), and keeps `source` and its `message`, `null` where the corpus says so. Inputs
/// that could not be read are `input_errors`.
fn report_json(report: &ScanReport, input_errors: &[Value]) -> Value {
    let mut doc = serde_json::to_value(report).unwrap_or(Value::Null);
    for f in doc["files"].as_array_mut().into_iter().flatten() {
        let file = f["file"].clone();
        for d in f["documents"].as_array_mut().into_iter().flatten() {
            let e = &mut d["error"];
            if e.is_object() {
                *e = json!({
                    "kind": e["kind"], "message": e["message"], "file": file,
                    "line": e["line"], "column": e["column"], "key": null,
                });
            }
        }
        for i in f["images"].as_array_mut().into_iter().flatten() {
            let (line, column, key) = (i["line"].clone(), i["column"].clone(), i["path"].clone());
            let e = &mut i["error"];
            if e.is_object() {
                *e = json!({
                    "kind": e["kind"], "message": e["message"], "file": file,
                    "line": line, "column": column, "key": key, "source": e["source"],
                });
            }
        }
    }
    doc["input_errors"] = Value::from(input_errors);
    doc
}

/// What scanning (and fixing) one file gave.
struct Done {
    report: Option<FileReport>,
    diff: String,
    edits: usize,
    /// Images `--fix` left alone, and why (warnings).
    notes: Vec<String>,
    /// Why the file could not be read (`input/unreadable`) or rewritten
    /// (`output/unwritable`): an error.
    failed: Option<(&'static str, String)>,
}

/// Reads, scans and (with `fix`) rewrites one input.
fn process(profile: &NodeProfile, input: &Input, fix: bool, dry_run: bool) -> Done {
    let mut done = Done {
        report: None,
        diff: String::new(),
        edits: 0,
        notes: Vec::new(),
        failed: None,
    };
    let bytes = match read_input(input) {
        Ok(b) => b,
        Err(msg) => {
            done.failed = Some(("input/unreadable", msg));
            return done;
        }
    };
    let mut report = profile.scan_bytes(&input.shown, &bytes);
    if fix {
        let outcome = fix::apply(&bytes, &report);
        for skipped in &outcome.skipped {
            done.notes.push(format!("{}: {skipped}", input.shown));
        }
        if outcome.changed() {
            if dry_run {
                done.diff = fix::unified_diff(&input.shown, &bytes, &outcome.fixed);
            } else if let Some(path) = &input.path {
                if let Err(e) = write_in_place(path, &outcome.fixed) {
                    let why = super::input::why(&e);
                    done.failed = Some((
                        "output/unwritable",
                        format!("cannot rewrite {}: {why}", input.shown),
                    ));
                    return done;
                }
            }
            done.edits = outcome.edits;
            // Report the file as it now stands (or would).
            report = profile.scan_bytes(&input.shown, &outcome.fixed);
        }
    }
    done.report = Some(report);
    done
}

/// Why `--node-profile` cannot be used.
enum ProfileProblem {
    /// Not a built-in name, and no such directory: a usage error.
    Unknown(String),
    /// A profile that cannot be read or whose configuration is broken.
    Broken(String),
}

/// A built-in name, or a directory (an argument with a `/`, or `.`/`..`, or a name that is not
/// built in but names a directory).
fn load_profile(arg: &str) -> Result<NodeProfile, ProfileProblem> {
    let broken = |e: shortnames::scan::ProfileError| ProfileProblem::Broken(e.to_string());
    let looks_like_path = arg.contains('/') || arg == "." || arg == "..";
    if !looks_like_path {
        if let Some(p) = NodeProfile::builtin(arg) {
            return p.map_err(broken);
        }
        if !Path::new(arg).is_dir() {
            return Err(ProfileProblem::Unknown(format!(
                "unknown node profile {arg:?} (built-in: {}; or give a directory laid out like a node root)",
                NodeProfile::builtin_names().join(", ")
            )));
        }
    }
    NodeProfile::from_root(arg, Path::new(arg)).map_err(broken)
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
        let meta = std::fs::metadata(p).map_err(|e| super::input::cannot_read(p, &e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk_manifests(p, &mut found).map_err(|e| super::input::cannot_read(p, &e))?;
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

/// Reads a regular file (or stdin) with the size limit, through the one input reader of the
/// CLI (bounded and non-blocking: FIFOs and devices are refused, never opened to block). The
/// error is one line naming the input (`cannot read FILE: why`).
fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    match &input.path {
        None => super::input::read_input_limited(Path::new("-"), MAX_MANIFEST),
        Some(path) => super::input::read_file_limited(path, MAX_MANIFEST),
    }
}

/// Replaces `path`'s contents atomically (a temporary file in the same directory, renamed
/// over it), keeping its permissions; a symbolic link is followed, so the link stays a link.
fn write_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = &std::fs::canonicalize(path)?;
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

/// A one-line progress indicator on a terminal's stderr, redrawn at most ten times a second.
struct Progress {
    total: usize,
    done: usize,
    on: bool,
    shown: bool,
    last: Option<std::time::Instant>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            done: 0,
            on: total >= PROGRESS_FROM && std::io::stderr().is_terminal(),
            shown: false,
            last: None,
        }
    }

    /// One more file is being scanned.
    fn tick(&mut self, name: &str) {
        self.done += 1;
        if !self.on
            || self
                .last
                .is_some_and(|t| t.elapsed() < std::time::Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(std::time::Instant::now());
        let name: String = printable(name).chars().take(60).collect();
        eprint!("\r\x1b[Kscanning {}/{}: {name}", self.done, self.total);
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
            let origin = printable(v.origin.as_deref().unwrap_or("?"));
            let how = match (v.resolution, v.candidates.as_slice()) {
                (Some(ResolutionKind::Alias), [c]) => {
                    format!("is an alias on this node ({origin}): it pulls {c}")
                }
                (_, [c]) => format!("resolves through the only search registry ({origin}) to {c}"),
                (_, cs) => format!(
                    "is tried on each search registry in turn ({origin}): {}",
                    cs.join(", ")
                ),
            };
            let _ = writeln!(
                s,
                "{head}: warning: short name {shown:?} ({what} {container}) {how}"
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
