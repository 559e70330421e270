//! `shortnames render`: the node files the Machine Config Operator generates from cluster
//! image objects, MachineConfigs that lay a file down, and what a change costs the node.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use shortnames::render::disruption::{decide, Action, Decision, FilePolicy, UserPolicy};
use shortnames::render::{
    render_registries, ClusterObjects, IgnitionFile, MachineConfig, Rendered, POLICY_JSON_PATH,
    REGISTRIES_CONF_PATH, SEARCH_DROPIN_PATH,
};

use super::Exit;

#[derive(Subcommand)]
pub enum RenderCommand {
    /// The registries.conf, policy.json and search drop-in MCO generates from IDMS, ITMS,
    /// ICSP and the `cluster` Image config.
    Registries(RegistriesArgs),
    /// The MachineConfig that lays FILE down at PATH on the nodes of a pool.
    Machineconfig(MachineConfigArgs),
    /// What the machine-config daemon does when a node's files change from one node root to
    /// another (every file below both roots is compared).
    Disruption(DisruptionArgs),
}

#[derive(Args)]
pub struct DisruptionArgs {
    /// The node root before the change.
    #[arg(long, value_name = "DIR")]
    previous: PathBuf,
    /// The node root after the change.
    #[arg(long, value_name = "DIR")]
    next: PathBuf,
    /// The cluster's node-disruption policy (a MachineConfiguration object, or its
    /// `spec.nodeDisruptionPolicy`).
    #[arg(long, value_name = "FILE")]
    disruption_policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DisruptionFormat::Text)]
    format: DisruptionFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DisruptionFormat {
    /// One sentence.
    Text,
    /// The decision as JSON (actions, drain, per-file policies, first-boot actions).
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RegistriesFormat {
    /// The files, each after a `# PATH` line; warnings on stderr.
    Files,
    /// One JSON document: error, warnings, files, machineconfig (and disruption).
    Json,
}

#[derive(Args)]
pub struct RegistriesArgs {
    /// Manifest files with the cluster objects (multi-document YAML or JSON, Lists).
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    objects: Vec<PathBuf>,
    /// The registries.conf template to start from (default: MCO's).
    #[arg(long, value_name = "FILE")]
    base: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RegistriesFormat::Files)]
    format: RegistriesFormat,
    /// Also write the node's files under DIR as a node root (DIR/etc/containers/...).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// A node root with the current files: report what the node does for the change.
    #[arg(long, value_name = "DIR")]
    previous: Option<PathBuf>,
    /// The cluster's node-disruption policy (a MachineConfiguration object, or its
    /// `spec.nodeDisruptionPolicy`), for --previous.
    #[arg(long, value_name = "FILE", requires = "previous")]
    disruption_policy: Option<PathBuf>,
    /// The pool (the MachineConfig is `99-<pool>-generated-registries`).
    #[arg(long, default_value = "worker")]
    pool: String,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum McFormat {
    Yaml,
    Json,
}

#[derive(Args)]
pub struct MachineConfigArgs {
    /// The pool (`machineconfiguration.openshift.io/role` label).
    #[arg(long)]
    role: String,
    /// The MachineConfig's name (e.g. 50-worker-shortnames).
    #[arg(long)]
    name: String,
    /// The node path of the file.
    #[arg(long)]
    path: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = McFormat::Yaml)]
    format: McFormat,
    /// Also emit the MachineConfiguration `cluster` node-disruption policy that makes the
    /// change reload CRI-O instead of rebooting.
    #[arg(long)]
    with_disruption_policy: bool,
    /// The file to lay down.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn run(cmd: RenderCommand) -> ExitCode {
    match cmd {
        RenderCommand::Registries(a) => registries(a),
        RenderCommand::Machineconfig(a) => machineconfig(a),
        RenderCommand::Disruption(a) => disruption(a),
    }
}

/// An input of `render` that cannot be used: one line on stderr (`file:line:column: what`,
/// or `cannot read FILE: why`), and an error object for a JSON document (its `message` is
/// that line).
#[derive(Debug)]
pub struct InputError {
    kind: &'static str,
    file: Option<String>,
    location: Option<(usize, usize)>,
    line: String,
}

impl InputError {
    /// A file that cannot be read (`input/unreadable`).
    fn io(path: &Path, e: std::io::Error) -> InputError {
        InputError::unreadable(path, super::input::cannot_read(path, &e))
    }

    /// `path` cannot be read; `line` says why (`cannot read FILE: why`).
    fn unreadable(path: &Path, line: String) -> InputError {
        InputError {
            kind: "input/unreadable",
            file: Some(super::input::shown(path)),
            location: None,
            line,
        }
    }

    /// A problem in the contents of a file, at a place when known.
    fn at(
        kind: &'static str,
        path: &Path,
        location: Option<(usize, usize)>,
        message: String,
    ) -> InputError {
        let file = super::input::shown(path);
        let line = match location {
            Some((l, c)) => format!("{file}:{l}:{c}: {message}"),
            None => format!("{file}: {message}"),
        };
        InputError {
            kind,
            file: Some(file),
            location,
            line,
        }
    }

    fn other(kind: &'static str, message: String) -> InputError {
        InputError {
            kind,
            file: None,
            location: None,
            line: message,
        }
    }

    /// Whether the problem is in the contents of an input (reported in the JSON document too),
    /// not a file that cannot be read or written (one line on stderr, nothing on stdout, as
    /// for every named file that cannot be used).
    pub fn in_contents(&self) -> bool {
        !matches!(self.kind, "input/unreadable" | "output/unwritable")
    }

    /// The error object.
    pub fn json(&self) -> Value {
        super::vocab::error_object(
            self.kind,
            &self.line,
            self.file.as_deref(),
            self.location,
            None,
        )
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.line)
    }
}

/// Largest manifest, policy or node file read (as `scan`).
const MAX_INPUT: u64 = 256 << 20;

/// Reads a named file through the CLI's one input reader (bounded, non-blocking: a FIFO or
/// device is refused, never waited on).
fn read(path: &Path) -> Result<Vec<u8>, InputError> {
    super::input::read_file_limited(path, MAX_INPUT)
        .map_err(|line| InputError::unreadable(path, line))
}

/// [`read`] where a missing file (or a symbolic link to none) is `None`.
fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>, InputError> {
    super::input::read_file_if_present(path, MAX_INPUT)
        .map_err(|line| InputError::unreadable(path, line))
}

/// Reads and merges the cluster objects of several manifest files, in order.
pub fn read_objects(files: &[PathBuf]) -> Result<ClusterObjects, InputError> {
    let mut all = ClusterObjects::default();
    for f in files {
        let bytes = read(f)?;
        let name = f.display().to_string();
        let objs = ClusterObjects::read_named(Some(&name), &bytes).map_err(|e| {
            InputError::at(
                "render/invalid-objects",
                f,
                Some((e.line, e.column)),
                e.message,
            )
        })?;
        all.extend(objs);
    }
    Ok(all)
}

/// Exit status 1 when MCO refuses the objects or an input cannot be used; with `--format
/// json` the document is printed either way, except when a file cannot be read at all.
fn registries(args: RegistriesArgs) -> ExitCode {
    let json = args.format == RegistriesFormat::Json;
    let refused = |e: InputError| {
        super::error(&e);
        if json && e.in_contents() {
            print_json(&registries_failure_json(&e));
        }
        Exit::Failed.code()
    };
    let objects = match read_objects(&args.objects) {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    let base = match &args.base {
        None => None,
        Some(p) => match read(p) {
            Ok(s) => Some(s),
            Err(e) => return refused(e),
        },
    };
    let rendered = render_registries(&objects, base.as_deref());
    let node_files = rendered.node_files(base.as_deref());
    // When MCO refuses, nothing changes on the nodes: there is no disruption to report.
    let decision = match &args.previous {
        Some(_) if rendered.error().is_some() => None,
        None => None,
        Some(dir) => match previous_decision(dir, &node_files, args.disruption_policy.as_deref()) {
            Ok(d) => Some(d),
            Err(e) => return refused(e),
        },
    };
    if let Some(dir) = &args.out {
        if rendered.error().is_none() {
            if let Err(e) = write_node_root(dir, &node_files) {
                return refused(e);
            }
        }
    }
    if let Some(e) = rendered.error() {
        super::error(e.message());
    }
    match args.format {
        RegistriesFormat::Json => {
            print_json(&registries_json(
                &rendered,
                &node_files,
                &args.pool,
                decision.as_ref(),
            ));
        }
        RegistriesFormat::Files if rendered.error().is_none() => {
            for w in rendered.warnings() {
                super::warn(w);
            }
            if rendered.files().is_empty() {
                super::note("MCO generates no file: the nodes keep the template's files");
            }
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for f in rendered.files() {
                let _ = writeln!(out, "# {}", f.path);
                let _ = out.write_all(&f.contents);
                if !f.contents.ends_with(b"\n") {
                    let _ = writeln!(out);
                }
            }
            if let Some(d) = &decision {
                super::note(format_args!("node: {}", d.describe()));
            }
        }
        RegistriesFormat::Files => {}
    }
    Exit::failed_if(rendered.error().is_some()).code()
}

fn print_json(doc: &Value) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = serde_json::to_writer_pretty(&mut out, doc);
    let _ = writeln!(out);
}

/// The `shortnames-render-registries/v1` document. Its `error`, `warnings` and `files` are
/// what ../shared/render/README.md compares (`error.message` exactly: MCO's text); the error
/// object is in the CLI's vocabulary (kind `render/mco-refuses`, as `check --cluster-objects`
/// names the same refusal) plus `cause`, MCO's innermost error. `node_files` and
/// `machineconfig` are `null` when MCO refuses, `disruption` without `--previous`.
fn registries_json(
    rendered: &Rendered,
    node_files: &[IgnitionFile],
    pool: &str,
    decision: Option<&Decision>,
) -> Value {
    let by_path = |files: &[IgnitionFile]| -> serde_json::Map<String, Value> {
        files
            .iter()
            .map(|f| {
                let text = String::from_utf8_lossy(&f.contents).into_owned();
                (f.path.clone(), Value::String(text))
            })
            .collect()
    };
    let error = rendered.error().map(|e| {
        let mut v = super::vocab::error_object("render/mco-refuses", e.message(), None, None, None);
        v["cause"] = json!(e.cause());
        v
    });
    let ok = error.is_none();
    super::vocab::document(
        "render-registries",
        json!({
            "error": error,
            "warnings": rendered.warnings(),
            "files": by_path(rendered.files()),
            "node_files": ok.then(|| Value::Object(by_path(node_files))),
            "machineconfig": ok.then(|| {
                let mc = rendered.machine_config(pool);
                json!({
                    "name": mc.name,
                    "ignition_raw": shortnames::render::ignition_json(&mc.files),
                })
            }),
            "disruption": decision.map(Decision::to_json),
        }),
    )
}

/// The `shortnames-render-registries/v1` document when an input is invalid (e.g. a YAML
/// error, with its place): nothing is rendered.
fn registries_failure_json(e: &InputError) -> Value {
    let mut error = e.json();
    error["cause"] = Value::Null;
    super::vocab::document(
        "render-registries",
        json!({
            "error": error,
            "warnings": [],
            "files": {},
            "node_files": null,
            "machineconfig": null,
            "disruption": null,
        }),
    )
}

/// Writes `files` under `dir` as a node root; removes MCO's search drop-in when it is not
/// generated any more.
fn write_node_root(dir: &Path, files: &[IgnitionFile]) -> Result<(), InputError> {
    if std::fs::canonicalize(dir).is_ok_and(|d| d == Path::new("/")) {
        return Err(InputError::other(
            "usage/out-is-root",
            format!(
                "--out {}: refusing to overwrite this host's /etc/containers (give a directory for a node root)",
                super::input::shown(dir)
            ),
        ));
    }
    let unwritable = |p: &Path, e: std::io::Error| {
        let why = super::input::why(&e);
        InputError::at("output/unwritable", p, None, format!("cannot write: {why}"))
    };
    let target = |p: &str| dir.join(p.trim_start_matches('/'));
    for f in files {
        let path = target(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| unwritable(parent, e))?;
        }
        std::fs::write(&path, &f.contents).map_err(|e| unwritable(&path, e))?;
    }
    std::fs::create_dir_all(target("/etc/containers/registries.conf.d"))
        .map_err(|e| unwritable(dir, e))?;
    if !files.iter().any(|f| f.path == SEARCH_DROPIN_PATH) {
        let stale = target(SEARCH_DROPIN_PATH);
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|e| unwritable(&stale, e))?;
        }
    }
    Ok(())
}

fn previous_decision(
    dir: &Path,
    new_files: &[IgnitionFile],
    policy: Option<&Path>,
) -> Result<Decision, InputError> {
    let mut old = BTreeMap::new();
    for p in [REGISTRIES_CONF_PATH, POLICY_JSON_PATH, SEARCH_DROPIN_PATH] {
        let path = dir.join(p.trim_start_matches('/'));
        if let Some(b) = read_if_present(&path)? {
            old.insert(p.to_owned(), b);
        }
    }
    let new: BTreeMap<String, Vec<u8>> = new_files
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect();
    let user = match policy {
        None => UserPolicy::default(),
        Some(p) => read_user_policy(p)?,
    };
    decide(&old, &new, &user).map_err(|e| InputError::other("render/disruption", e))
}

/// Reads a MachineConfiguration object (or a bare `nodeDisruptionPolicy`) from YAML/JSON.
fn read_user_policy(path: &Path) -> Result<UserPolicy, InputError> {
    let bytes = read(path)?;
    let docs = shortnames::kube::read_stream(&bytes);
    let invalid = |location, message| {
        InputError::at("render/invalid-disruption-policy", path, location, message)
    };
    let doc = match docs.into_iter().next() {
        None => return Ok(UserPolicy::default()),
        Some(Err(e)) => return Err(invalid(Some((e.line, e.column)), e.message.clone())),
        Some(Ok(d)) => d.root.to_json(),
    };
    let policy = if doc.get("kind").and_then(Value::as_str) == Some("MachineConfiguration") {
        doc.pointer("/spec/nodeDisruptionPolicy")
            .cloned()
            .unwrap_or(Value::Null)
    } else {
        doc
    };
    UserPolicy::from_json(&policy).map_err(|e| invalid(None, e))
}

fn machineconfig(args: MachineConfigArgs) -> ExitCode {
    // Ignition refuses relative paths (MCO's ValidateMachineConfig would reject the object).
    if !args.path.starts_with('/') {
        return super::usage_error(format!(
            "render machineconfig: --path {:?} must be an absolute node path",
            args.path
        ));
    }
    let contents = match read(&args.file) {
        Ok(b) => b,
        Err(e) => return super::failure(e),
    };
    let mc = MachineConfig {
        name: args.name.clone(),
        role: args.role.clone(),
        files: vec![IgnitionFile {
            path: args.path.clone(),
            contents: contents.clone(),
        }],
    };
    let policy = UserPolicy {
        files: vec![FilePolicy {
            path: args.path.clone(),
            actions: vec![Action::Reload("crio.service".into())],
        }],
    };
    let machine_configuration = json!({
        "apiVersion": "operator.openshift.io/v1",
        "kind": "MachineConfiguration",
        "metadata": {"name": "cluster"},
        "spec": {"nodeDisruptionPolicy": {"files": [{
            "path": args.path,
            "actions": [{"type": "Reload", "reload": {"serviceName": "crio.service"}}],
        }]}},
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        McFormat::Json if args.with_disruption_policy => {
            let mc_value: Value =
                serde_json::from_str(&mc.to_json()).expect("the MachineConfig JSON is valid");
            let list = json!({"apiVersion": "v1", "kind": "List", "items": [mc_value, machine_configuration]});
            let _ = serde_json::to_writer_pretty(&mut out, &list);
            let _ = writeln!(out);
        }
        McFormat::Json => {
            let _ = writeln!(out, "{}", mc.to_json());
        }
        McFormat::Yaml => {
            let _ = out.write_all(mc.to_yaml().as_bytes());
            if args.with_disruption_policy {
                let _ = write!(
                    out,
                    "---\napiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata:\n  name: cluster\nspec:\n  nodeDisruptionPolicy:\n    files:\n    - actions:\n      - reload:\n          serviceName: crio.service\n        type: Reload\n      path: {}\n",
                    serde_json::to_string(&args.path).expect("a string serialises")
                );
            }
        }
    }
    // Say what a node of the pool does when this file appears.
    let new = BTreeMap::from([(args.path.clone(), contents)]);
    let user = if args.with_disruption_policy {
        policy
    } else {
        UserPolicy::default()
    };
    match decide(&BTreeMap::new(), &new, &user) {
        Ok(d) => {
            let how = if args.with_disruption_policy {
                " (with the MachineConfiguration policy above, merged into your `cluster` object)"
            } else {
                ""
            };
            super::note(format_args!(
                "when this MachineConfig is applied, each {} node will {}{how}",
                args.role,
                d.describe()
            ));
        }
        Err(e) => super::note(e),
    }
    Exit::Ok.code()
}

/// `check --cluster-objects FILE...`: what MCO renders, as a check report.
pub fn cluster_objects_report(
    files: &[PathBuf],
) -> Result<shortnames::diagnostics::ConfigReport, InputError> {
    let objects = read_objects(files)?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut report = shortnames::render::check_report(&objects, None, &names);
    for (f, name) in files.iter().zip(&names) {
        if let Ok(bytes) = read(f) {
            report
                .sources
                .insert(name.clone(), String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(report)
}

/// The files of a node root (every file below it), or of a built-in profile when `dir` is
/// one's name (`openshift`, `crio-default`, ...).
fn read_node_profile(dir: &Path) -> Result<Vec<IgnitionFile>, InputError> {
    if !dir.exists() {
        if let Some(files) = dir
            .to_str()
            .and_then(shortnames::render::builtin_node_profile)
        {
            return Ok(files);
        }
    }
    let files = node_tree(dir)?;
    if !files.contains_key(REGISTRIES_CONF_PATH)
        && !files
            .keys()
            .any(|k| k.starts_with(shortnames::render::REGISTRIES_CONF_D_PATH))
    {
        return Err(InputError::at(
            "input/not-a-node-profile",
            dir,
            None,
            "no etc/containers/registries.conf or registries.conf.d in this node profile".into(),
        ));
    }
    Ok(files
        .into_iter()
        .map(|(path, contents)| IgnitionFile { path, contents })
        .collect())
}

/// `explain --cluster-objects FILE... [--node-profile DIR] NAME`.
pub fn explain_on_node(
    files: &[PathBuf],
    profile: Option<&Path>,
    name: &str,
    options: &shortnames::diagnostics::ExplainOptions,
) -> Result<shortnames::diagnostics::Explanation, InputError> {
    let objects = read_objects(files)?;
    let profile_files = match profile {
        Some(dir) => read_node_profile(dir)?,
        None => shortnames::render::builtin_node_profile("openshift")
            .expect("the openshift profile is built in"),
    };
    shortnames::render::explain_on_node(&objects, &profile_files, name, options)
        .map_err(|e| InputError::other("render/node-not-rendered", e))
}

/// Every regular file below `root`, by node path (`/etc/...`).
fn node_tree(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, InputError> {
    fn walk(
        root: &Path,
        dir: &Path,
        out: &mut BTreeMap<String, Vec<u8>>,
    ) -> Result<(), InputError> {
        let entries = std::fs::read_dir(dir).map_err(|e| InputError::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| InputError::io(dir, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| InputError::io(&path, e))?;
            if kind.is_dir() {
                walk(root, &path, out)?;
            } else if kind.is_file() {
                let rel = path.strip_prefix(root).expect("below the root");
                out.insert(format!("/{}", rel.display()), read(&path)?);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out)?;
    Ok(out)
}

/// Exit status 1 when an input cannot be used; with `--format json` the document is printed
/// either way, except when a file cannot be read at all.
fn disruption(args: DisruptionArgs) -> ExitCode {
    let run = || -> Result<Decision, InputError> {
        let old = node_tree(&args.previous)?;
        let new = node_tree(&args.next)?;
        let user = match &args.disruption_policy {
            None => UserPolicy::default(),
            Some(p) => read_user_policy(p)?,
        };
        decide(&old, &new, &user).map_err(|e| InputError::other("render/disruption", e))
    };
    let result = run();
    if let Err(e) = &result {
        super::error(e);
    }
    match (args.format, &result) {
        (DisruptionFormat::Json, Err(e)) if !e.in_contents() => {}
        (DisruptionFormat::Json, _) => print_json(&disruption_json(&result)),
        (DisruptionFormat::Text, Ok(d)) => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let _ = writeln!(out, "{}: {}", d.outcome().as_str(), d.describe());
            for p in &d.per_file {
                let actions: Vec<&str> = p.actions.iter().map(Action::type_name).collect();
                let policy = if p.policy_found {
                    actions.join(", ")
                } else {
                    "no policy: reboot".to_owned()
                };
                let _ = writeln!(out, "  {}: {policy}", p.path);
            }
        }
        (DisruptionFormat::Text, Err(_)) => {}
    }
    Exit::failed_if(result.is_err()).code()
}

/// The `shortnames-render-disruption/v1` document: the decision (the fields of
/// ../shared/render/disruption.json's results, `null` when it could not be made: an invalid
/// policy) and `error`.
fn disruption_json(result: &Result<Decision, InputError>) -> Value {
    let mut body = match result {
        Ok(d) => d.to_json(),
        Err(_) => json!({
            "outcome": null,
            "actions": null,
            "drain": null,
            "diff_files": null,
            "per_file": null,
            "firstboot_actions": null,
        }),
    };
    body["error"] = match result {
        Ok(_) => Value::Null,
        Err(e) => e.json(),
    };
    super::vocab::document("render-disruption", body)
}
