//! What a node pulls after MCO's rollout: the rendered files laid over a node profile, resolved
//! and explained by the engine; and `check --cluster-objects`, the surprising cases as
//! diagnostics.

use super::scratch::ScratchDir;
use super::{findings, render_registries, ClusterObjects, IgnitionFile, REGISTRIES_CONF_PATH};
use crate::diagnostics::ConfigReport as CheckReport;
use crate::diagnostics::{explain, ExplainOptions, Explanation};
use crate::diagnostics::{Finding as Diagnostic, Level as Severity};
use crate::ConfigSources;

/// The node's drop-in directory.
///
/// ```
/// assert_eq!(shortnames::render::REGISTRIES_CONF_D_PATH, "/etc/containers/registries.conf.d");
/// ```
pub const REGISTRIES_CONF_D_PATH: &str = "/etc/containers/registries.conf.d";

/// The files of a built-in node profile (`openshift`, `crio-default`, ... — the profiles
/// `scan` ships), by node path.
///
/// ```
/// let files = shortnames::render::builtin_node_profile("openshift").unwrap();
/// assert!(files.iter().any(|f| f.path == "/etc/containers/registries.conf"));
/// ```
pub fn builtin_node_profile(name: &str) -> Option<Vec<IgnitionFile>> {
    let b = crate::scan::builtin::BUILTINS
        .iter()
        .find(|b| b.name == name)?;
    Some(
        b.files
            .iter()
            .map(|(rel, contents)| IgnitionFile {
                path: format!("/{rel}"),
                contents: contents.as_bytes().to_vec(),
            })
            .collect(),
    )
}

/// `profile` (node files by path) with MCO's files for `objects` laid over it: the generated
/// files replace the profile's, the profile's registries.conf is the template MCO starts from.
///
/// ```
/// use shortnames::render::{builtin_node_profile, node_files_over, ClusterObjects, REGISTRIES_CONF_PATH};
///
/// let node = builtin_node_profile("openshift").unwrap();
/// let objects = ClusterObjects::read(b"apiVersion: config.openshift.io/v1
/// kind: ImageTagMirrorSet
/// metadata: {name: a}
/// spec:
///   imageTagMirrors:
///   - {source: quay.io/ns, mirrors: [m.example.net/ns]}
/// ").unwrap();
/// let files = node_files_over(&objects, &node).unwrap();
/// let conf = files.iter().find(|f| f.path == REGISTRIES_CONF_PATH).unwrap();
/// assert!(String::from_utf8_lossy(&conf.contents).contains("m.example.net/ns"));
/// ```
pub fn node_files_over(
    objects: &ClusterObjects,
    profile: &[IgnitionFile],
) -> Result<Vec<IgnitionFile>, super::RenderError> {
    let base = profile
        .iter()
        .find(|f| f.path == REGISTRIES_CONF_PATH)
        .map(|f| f.contents.as_slice());
    let rendered = render_registries(objects, base);
    if let Some(e) = rendered.error() {
        return Err(e.clone());
    }
    let mut out: Vec<IgnitionFile> = profile.to_vec();
    for f in rendered.node_files(base) {
        match out.iter_mut().find(|o| o.path == f.path) {
            Some(o) => *o = f,
            None => out.push(f),
        }
    }
    Ok(out)
}

/// Explains how a node resolves `name` once MCO has rendered `objects` over `profile`
/// (messages show node paths; the short-name mode is CRI-O's, from the profile's crio.conf
/// files as `scan` reads them).
///
/// ```
/// use shortnames::diagnostics::ExplainOptions;
/// use shortnames::render::{builtin_node_profile, explain_on_node, ClusterObjects};
///
/// let objects = ClusterObjects::read(b"apiVersion: config.openshift.io/v1
/// kind: ImageDigestMirrorSet
/// metadata: {name: a}
/// spec: {imageDigestMirrors: [{source: registry.redhat.io, mirrors: [m.example.net/rh]}]}
/// ").unwrap();
/// let profile = builtin_node_profile("openshift").unwrap();
/// let digest = "@sha256:3f0d3e3a4b0c6a9d2c4f3e1b5a7d9c8e6f4a2b0d1c3e5f7a9b8d6c4e2f0a1b3c";
/// let e = explain_on_node(&objects, &profile, &format!("registry.redhat.io/ubi9{digest}"), &ExplainOptions::default()).unwrap();
/// assert_eq!(e.sources()[0], format!("m.example.net/rh/ubi9{digest}"));
/// ```
pub fn explain_on_node(
    objects: &ClusterObjects,
    profile: &[IgnitionFile],
    name: &str,
    options: &ExplainOptions,
) -> Result<Explanation, String> {
    let files = node_files_over(objects, profile).map_err(|e| e.to_string())?;
    let dir = ScratchDir::new().map_err(|e| format!("creating a scratch node root: {e}"))?;
    for f in &files {
        let path = dir.path().join(f.path.trim_start_matches('/'));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &f.contents).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let mut sources = ConfigSources::new()
        .fs_root(dir.path())
        .registries_conf(REGISTRIES_CONF_PATH)
        .registries_conf_d(REGISTRIES_CONF_D_PATH);
    // CRI-O decides the short-name mode on a node (its crio.conf, as `scan` reads it).
    if let Ok(node) = crate::scan::NodeProfile::from_root("node", dir.path()) {
        sources = sources.short_name_mode(node.short_name_mode());
    }
    Ok(explain(&sources, name, options))
}

/// `check --cluster-objects`: MCO's error and warnings for `objects` and the surprising
/// cases of [`findings`], as a check report over `files` (the manifests' names).
///
/// ```
/// use shortnames::render::{findings, render_registries, ClusterObjects};
///
/// // An insecure scope without a port never covers a source with one.
/// let objects = ClusterObjects::read(b"apiVersion: config.openshift.io/v1
/// kind: ImageDigestMirrorSet
/// metadata: {name: a}
/// spec:
///   imageDigestMirrors:
///   - source: registry.example.com:5000/ns
///     mirrors: [m.example.net/ns]
/// ---
/// apiVersion: config.openshift.io/v1
/// kind: Image
/// metadata: {name: cluster}
/// spec:
///   registrySources:
///     insecureRegistries: [registry.example.com]
/// ").unwrap();
/// let rendered = render_registries(&objects, None);
/// let _ = rendered;
/// let report = shortnames::render::check_report(&objects, None, &["idms.yaml".to_owned()]);
/// assert_eq!(report.warnings().next().unwrap().kind, "render/port-scope-mismatch");
/// ```
pub fn check_report(
    objects: &ClusterObjects,
    base: Option<&[u8]>,
    files: &[String],
) -> CheckReport {
    let rendered = render_registries(objects, base);
    let mut report = CheckReport {
        files: files.to_vec(),
        ..CheckReport::default()
    };
    let file = files.join(", ");
    if let Some(e) = rendered.error() {
        report.findings.push(
            Diagnostic::new(Severity::Error, "render/mco-refuses", e.message())
                .at(file.clone(), None)
                .with_help("MCO keeps the nodes' current files until this is fixed"),
        );
    }
    for f in findings(objects, &rendered) {
        let mut d = Diagnostic::new(Severity::Warning, format!("render/{}", f.kind), f.message)
            .at(f.file.clone().unwrap_or_else(|| file.clone()), f.location);
        if f.kind == "payload-protection-drop" {
            if let Some(w) = rendered.warnings().first() {
                d = d.with_help(format!("MCO logs: {w}"));
            }
        }
        report.findings.push(d);
    }
    report
}
