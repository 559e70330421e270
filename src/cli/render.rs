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

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("shortnames: render: {msg}");
    ExitCode::from(1)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads and merges the cluster objects of several manifest files, in order.
pub fn read_objects(files: &[PathBuf]) -> Result<ClusterObjects, String> {
    let mut all = ClusterObjects::default();
    for f in files {
        let bytes = read(f)?;
        let name = f.display().to_string();
        let objs =
            ClusterObjects::read_named(Some(&name), &bytes).map_err(|e| format!("{name}:{e}"))?;
        all.extend(objs);
    }
    Ok(all)
}

fn registries(args: RegistriesArgs) -> ExitCode {
    let objects = match read_objects(&args.objects) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let base = match &args.base {
        None => None,
        Some(p) => match read(p) {
            Ok(s) => Some(s),
            Err(e) => return fail(e),
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
            Err(e) => return fail(e),
        },
    };
    if let Some(dir) = &args.out {
        if rendered.error().is_none() {
            if let Err(e) = write_node_root(dir, &node_files) {
                return fail(e);
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        RegistriesFormat::Json => {
            let doc = registries_json(&rendered, &node_files, &args.pool, decision.as_ref());
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
        RegistriesFormat::Files => {
            if let Some(e) = rendered.error() {
                return fail(e.message());
            }
            for w in rendered.warnings() {
                eprintln!("warning: {w}");
            }
            if rendered.files().is_empty() {
                eprintln!("note: MCO generates no file: the nodes keep the template's files");
            }
            for f in rendered.files() {
                let _ = writeln!(out, "# {}", f.path);
                let _ = out.write_all(&f.contents);
                if !f.contents.ends_with(b"\n") {
                    let _ = writeln!(out);
                }
            }
            if let Some(d) = &decision {
                eprintln!("node: {}", d.describe());
            }
        }
    }
    if rendered.error().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

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
    let files = by_path(rendered.files());
    let mut doc = json!({
        "error": rendered.error().map(|e| json!({"message": e.message(), "cause": e.cause()})),
        "warnings": rendered.warnings(),
        "files": files,
    });
    if rendered.error().is_none() {
        doc["node_files"] = Value::Object(by_path(node_files));
        let mc = rendered.machine_config(pool);
        doc["machineconfig"] = json!({
            "name": mc.name,
            "ignition_raw": shortnames::render::ignition_json(&mc.files),
        });
    }
    if let Some(d) = decision {
        doc["disruption"] = d.to_json();
    }
    doc
}

/// Writes `files` under `dir` as a node root; removes MCO's search drop-in when it is not
/// generated any more.
fn write_node_root(dir: &Path, files: &[IgnitionFile]) -> Result<(), String> {
    if std::fs::canonicalize(dir).is_ok_and(|d| d == Path::new("/")) {
        return Err(format!(
            "--out {}: refusing to overwrite this host's /etc/containers (give a directory for a node root)",
            dir.display()
        ));
    }
    let target = |p: &str| dir.join(p.trim_start_matches('/'));
    for f in files {
        let path = target(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &f.contents).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    std::fs::create_dir_all(target("/etc/containers/registries.conf.d"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    if !files.iter().any(|f| f.path == SEARCH_DROPIN_PATH) {
        let stale = target(SEARCH_DROPIN_PATH);
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|e| format!("{}: {e}", stale.display()))?;
        }
    }
    Ok(())
}

fn previous_decision(
    dir: &Path,
    new_files: &[IgnitionFile],
    policy: Option<&Path>,
) -> Result<Decision, String> {
    let mut old = BTreeMap::new();
    for p in [REGISTRIES_CONF_PATH, POLICY_JSON_PATH, SEARCH_DROPIN_PATH] {
        let path = dir.join(p.trim_start_matches('/'));
        match std::fs::read(&path) {
            Ok(b) => {
                old.insert(p.to_owned(), b);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
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
    decide(&old, &new, &user)
}

/// Reads a MachineConfiguration object (or a bare `nodeDisruptionPolicy`) from YAML/JSON.
fn read_user_policy(path: &Path) -> Result<UserPolicy, String> {
    let bytes = read(path)?;
    let docs = shortnames::kube::read_stream(&bytes);
    let doc = match docs.into_iter().next() {
        None => return Ok(UserPolicy::default()),
        Some(Err(e)) => return Err(format!("{}:{e}", path.display())),
        Some(Ok(d)) => d.root.to_json(),
    };
    let policy = if doc.get("kind").and_then(Value::as_str) == Some("MachineConfiguration") {
        doc.pointer("/spec/nodeDisruptionPolicy")
            .cloned()
            .unwrap_or(Value::Null)
    } else {
        doc
    };
    UserPolicy::from_json(&policy).map_err(|e| format!("{}: {e}", path.display()))
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
        Err(e) => return fail(e),
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
            eprintln!(
                "note: when this MachineConfig is applied, each {} node will {}{how}",
                args.role,
                d.describe()
            );
        }
        Err(e) => eprintln!("note: {e}"),
    }
    ExitCode::SUCCESS
}

/// `check --cluster-objects FILE...`: what MCO renders, as a check report.
pub fn cluster_objects_report(
    files: &[PathBuf],
) -> Result<shortnames::diagnostics::ConfigReport, ExitCode> {
    let objects = read_objects(files).map_err(|e| {
        eprintln!("shortnames: check: {e}");
        ExitCode::from(2)
    })?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut report = shortnames::render::check_report(&objects, None, &names);
    for (f, name) in files.iter().zip(&names) {
        if let Ok(bytes) = std::fs::read(f) {
            report
                .sources
                .insert(name.clone(), String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(report)
}

/// The files of a node root (every file below it), or of a built-in profile when `dir` is
/// one's name (`openshift`, `crio-default`, ...).
fn read_node_profile(dir: &Path) -> Result<Vec<IgnitionFile>, String> {
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
        return Err(format!(
            "{}: no etc/containers/registries.conf or registries.conf.d in this node profile",
            dir.display()
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
) -> Result<shortnames::diagnostics::Explanation, ExitCode> {
    let fail = |e: String| {
        eprintln!("shortnames: explain: {e}");
        ExitCode::from(2)
    };
    let objects = read_objects(files).map_err(fail)?;
    let profile_files = match profile {
        Some(dir) => read_node_profile(dir).map_err(fail)?,
        None => shortnames::render::builtin_node_profile("openshift")
            .expect("the openshift profile is built in"),
    };
    shortnames::render::explain_on_node(&objects, &profile_files, name, options).map_err(|e| {
        eprintln!("shortnames: explain: {e}");
        ExitCode::from(1)
    })
}

/// Every regular file below `root`, by node path (`/etc/...`).
fn node_tree(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| format!("{}: {e}", path.display()))?;
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

fn disruption(args: DisruptionArgs) -> ExitCode {
    let run = || -> Result<Decision, String> {
        let old = node_tree(&args.previous)?;
        let new = node_tree(&args.next)?;
        let user = match &args.disruption_policy {
            None => UserPolicy::default(),
            Some(p) => read_user_policy(p)?,
        };
        decide(&old, &new, &user)
    };
    let d = match run() {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        DisruptionFormat::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &d.to_json());
            let _ = writeln!(out);
        }
        DisruptionFormat::Text => {
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
    }
    ExitCode::SUCCESS
}
