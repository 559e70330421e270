//! Which objects carry pod specs and which fields of a pod spec are images (scan.md S4–S7).

use serde::Serialize;

use crate::kube::{self, Node};

/// The object (document or List item) an image belongs to.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: quay.io/team/app:1}\n---\nkind: [oops\n";
/// let file = node.scan_bytes("web.yaml", yaml);
/// let o = &file.images[0].object;
/// assert_eq!((o.api_version.as_deref(), o.kind.as_deref()), (Some("apps/v1"), Some("Deployment")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ObjectRef {
    /// `apiVersion`, when a string.
    pub api_version: Option<String>,
    /// `kind`, when a string.
    pub kind: Option<String>,
    /// `metadata.name`, when a string.
    pub name: Option<String>,
    /// `metadata.namespace`, when a string.
    pub namespace: Option<String>,
}

impl ObjectRef {
    pub(crate) fn of(node: &Node) -> ObjectRef {
        let s = |n: Option<&Node>| n.and_then(Node::as_str).map(str::to_owned);
        let meta = node.get("metadata");
        ObjectRef {
            api_version: s(node.get("apiVersion")),
            kind: s(node.get("kind")),
            name: s(meta.and_then(|m| m.get("name"))),
            namespace: s(meta.and_then(|m| m.get("namespace"))),
        }
    }
}

/// Where the pod spec sits in a workload, by kind and API group (core = `""`).
///
/// ```
/// use shortnames::scan::pod_spec_path;
/// assert_eq!(pod_spec_path("apps/v1", "Deployment"), Some(&["spec", "template", "spec"][..]));
/// assert_eq!(pod_spec_path("v1", "Pod"), Some(&["spec"][..]));
/// assert_eq!(pod_spec_path("batch/v1", "CronJob").unwrap().len(), 5);
/// assert_eq!(pod_spec_path("argoproj.io/v1alpha1", "Deployment"), None);
/// ```
pub fn pod_spec_path(api_version: &str, kind: &str) -> Option<&'static [&'static str]> {
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    const TEMPLATE: &[&str] = &["spec", "template", "spec"];
    match (kind, group) {
        ("Pod", "") => Some(&["spec"]),
        ("PodTemplate", "") => Some(&["template", "spec"]),
        ("ReplicationController", "") => Some(TEMPLATE),
        ("Deployment" | "ReplicaSet" | "DaemonSet", "apps" | "extensions") => Some(TEMPLATE),
        ("StatefulSet", "apps") => Some(TEMPLATE),
        ("Job", "batch") => Some(TEMPLATE),
        ("CronJob", "batch") => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// One image field found in a document.
#[derive(Debug, Clone)]
pub(crate) struct Site<'a> {
    pub path: String,
    pub node: &'a Node,
    pub name: Option<String>,
    pub object: ObjectRef,
}

/// Whether a document is scanned (a workload or a List), and its image fields in order.
pub(crate) fn sites(root: &Node) -> (bool, Vec<Site<'_>>) {
    let mut out = Vec::new();
    if kube::is_list(root) {
        for (prefix, item) in kube::flatten_lists(root) {
            workload_sites(item, &prefix, &mut out);
        }
        return (true, out);
    }
    let scanned = workload_sites(root, "", &mut out);
    (scanned, out)
}

/// Appends the image fields of a workload; false when `obj` is not one.
fn workload_sites<'a>(obj: &'a Node, prefix: &str, out: &mut Vec<Site<'a>>) -> bool {
    let (Some(api), Some(kind)) = (
        obj.get("apiVersion").and_then(Node::as_str),
        obj.get("kind").and_then(Node::as_str),
    ) else {
        return false;
    };
    let Some(path) = pod_spec_path(api, kind) else {
        return false;
    };
    let mut spec = Some(obj);
    for key in path {
        spec = spec.and_then(|n| n.get(key));
    }
    let Some(spec) = spec else {
        return true;
    };
    let object = ObjectRef::of(obj);
    let base = format!("{prefix}{}.", path.join("."));
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(items) = spec.get(field).and_then(Node::as_sequence) else {
            continue;
        };
        for (i, c) in items.iter().enumerate() {
            if let Some(image) = c.get("image") {
                out.push(Site {
                    path: format!("{base}{field}[{i}].image"),
                    node: image,
                    name: c.get("name").and_then(Node::as_str).map(str::to_owned),
                    object: object.clone(),
                });
            }
        }
    }
    if let Some(volumes) = spec.get("volumes").and_then(Node::as_sequence) {
        for (i, v) in volumes.iter().enumerate() {
            if let Some(reference) = v.get("image").and_then(|im| im.get("reference")) {
                out.push(Site {
                    path: format!("{base}volumes[{i}].image.reference"),
                    node: reference,
                    name: v.get("name").and_then(Node::as_str).map(str::to_owned),
                    object: object.clone(),
                });
            }
        }
    }
    true
}
