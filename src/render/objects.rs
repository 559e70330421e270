//! The cluster objects MCO's image-config controller reads (spec rule 1), taken from
//! Kubernetes objects already read into JSON values (the shared Kubernetes-object reader
//! converts YAML and JSON documents to [`serde_json::Value`]).

use serde_json::Value;

use super::mirrors::{MirrorRule, RuleOrigin};

/// The release image used when no ClusterVersion `version` is given (the corpus default).
///
/// ```
/// use shortnames::render::{ClusterObjects, DEFAULT_RELEASE_IMAGE};
/// // Without a ClusterVersion object, the payload protected from mirroring is this one.
/// assert_eq!(ClusterObjects::default().release_image(), DEFAULT_RELEASE_IMAGE);
/// ```
pub const DEFAULT_RELEASE_IMAGE: &str = "quay.io/openshift-release-dev/ocp-release@sha256:3f0d3e3a4b0c6a9d2c4f3e1b5a7d9c8e6f4a2b0d1c3e5f7a9b8d6c4e2f0a1b3c";

/// The inputs of one render: the Image `cluster` registry sources, the release image and
/// every mirror object, in the order they were given.
///
/// ```
/// use shortnames::render::ClusterObjects;
/// let doc = serde_json::json!({
///     "apiVersion": "config.openshift.io/v1", "kind": "ImageDigestMirrorSet",
///     "metadata": {"name": "a"},
///     "spec": {"imageDigestMirrors": [{"source": "quay.io", "mirrors": ["m.example.net/q"]}]}
/// });
/// let objects = ClusterObjects::from_documents([&doc]).unwrap();
/// assert_eq!(objects.mirror_object_count(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClusterObjects {
    pub(crate) insecure: Option<Vec<String>>,
    pub(crate) blocked: Option<Vec<String>>,
    pub(crate) allowed: Option<Vec<String>>,
    pub(crate) search: Option<Vec<String>>,
    pub(crate) release_image: Option<String>,
    /// One inner list per IDMS object.
    pub(crate) idms: Vec<Vec<MirrorRule>>,
    /// One inner list per ICSP object (policies empty).
    pub(crate) icsp: Vec<Vec<MirrorRule>>,
    pub(crate) itms: Vec<Vec<MirrorRule>>,
    image_seen: bool,
}

/// An object that does not have the shape of its kind (a field of the wrong type).
///
/// ```
/// use shortnames::render::ClusterObjects;
///
/// let doc = serde_json::json!({"apiVersion": "config.openshift.io/v1", "kind": "ImageDigestMirrorSet",
///     "metadata": {"name": "a"}, "spec": {"imageDigestMirrors": "not a list"}});
/// let e = ClusterObjects::from_documents([&doc]).unwrap_err();
/// assert_eq!((e.document(), e.field()), (0, "spec.imageDigestMirrors"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    document: usize,
    what: String,
    field: String,
    expected: &'static str,
}

impl std::fmt::Display for ObjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}: expected {}",
            self.what, self.field, self.expected
        )
    }
}

impl std::error::Error for ObjectError {}

impl ObjectError {
    /// The offending field, as a dotted path (`spec.imageDigestMirrors[0].source`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The 0-based index of the object (as given to [`ClusterObjects::from_documents`]).
    pub fn document(&self) -> usize {
        self.document
    }
}

const CONFIG_V1: &str = "config.openshift.io/v1";
const OPERATOR_V1ALPHA1: &str = "operator.openshift.io/v1alpha1";

struct Ctx<'a> {
    document: usize,
    what: &'a str,
}

impl Ctx<'_> {
    fn err(&self, field: &str, expected: &'static str) -> ObjectError {
        ObjectError {
            document: self.document,
            what: self.what.to_owned(),
            field: field.to_owned(),
            expected,
        }
    }
}

impl ClusterObjects {
    /// Collects the objects of `documents` (Kubernetes objects, Lists already flattened by
    /// [`crate::kube::flatten_lists`]), in order; objects of other kinds are ignored.
    pub fn from_documents<'a>(
        documents: impl IntoIterator<Item = &'a Value>,
    ) -> Result<ClusterObjects, ObjectError> {
        let mut out = ClusterObjects::default();
        for (i, doc) in documents.into_iter().enumerate() {
            out.add(i, doc)?;
        }
        Ok(out)
    }

    /// Adds the objects of `other` after these (its Image `cluster` and ClusterVersion
    /// `version`, when it has them, replace these ones).
    pub fn extend(&mut self, other: ClusterObjects) {
        if other.image_seen {
            self.image_seen = true;
            self.insecure = other.insecure;
            self.blocked = other.blocked;
            self.allowed = other.allowed;
            self.search = other.search;
        }
        if other.release_image.is_some() {
            self.release_image = other.release_image;
        }
        self.idms.extend(other.idms);
        self.icsp.extend(other.icsp);
        self.itms.extend(other.itms);
    }

    /// Every mirror rule, mutably (IDMS, ICSP, ITMS).
    pub(crate) fn rules_mut(&mut self) -> impl Iterator<Item = &mut MirrorRule> {
        self.idms
            .iter_mut()
            .chain(self.icsp.iter_mut())
            .chain(self.itms.iter_mut())
            .flatten()
    }

    /// How many IDMS, ITMS and ICSP objects were given.
    pub fn mirror_object_count(&self) -> usize {
        self.idms.len() + self.itms.len() + self.icsp.len()
    }

    /// The release image (`ClusterVersion version` `status.desired.image`), if given.
    pub fn release_image(&self) -> &str {
        self.release_image
            .as_deref()
            .unwrap_or(DEFAULT_RELEASE_IMAGE)
    }

    fn add(&mut self, index: usize, doc: &Value) -> Result<(), ObjectError> {
        let Some(obj) = doc.as_object() else {
            return Ok(());
        };
        let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = obj
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let what = format!("{kind} {name:?}");
        let ctx = Ctx {
            document: index,
            what: &what,
        };
        match (api, kind) {
            (CONFIG_V1, "ImageDigestMirrorSet") => {
                self.idms
                    .push(rules(&ctx, obj, "imageDigestMirrors", "mirrors", true)?);
            }
            (CONFIG_V1, "ImageTagMirrorSet") => {
                self.itms
                    .push(rules(&ctx, obj, "imageTagMirrors", "mirrors", true)?);
            }
            (OPERATOR_V1ALPHA1, "ImageContentSourcePolicy") => {
                self.icsp.push(rules(
                    &ctx,
                    obj,
                    "repositoryDigestMirrors",
                    "mirrors",
                    false,
                )?);
            }
            (CONFIG_V1, "Image") if name == "cluster" => {
                let sources = path(obj, &["spec", "registrySources"]);
                let list = |key: &str| -> Result<Option<Vec<String>>, ObjectError> {
                    let field = format!("spec.registrySources.{key}");
                    string_list(&ctx, sources.and_then(|s| s.get(key)), &field)
                };
                self.image_seen = true;
                self.insecure = list("insecureRegistries")?;
                self.blocked = list("blockedRegistries")?;
                self.allowed = list("allowedRegistries")?;
                self.search = list("containerRuntimeSearchRegistries")?;
            }
            (CONFIG_V1, "ClusterVersion") if name == "version" => {
                let image = path(obj, &["status", "desired", "image"]);
                self.release_image = Some(match image {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => s.clone(),
                    Some(_) => return Err(ctx.err("status.desired.image", "a string")),
                });
            }
            _ => {}
        }
        Ok(())
    }
}

fn path<'a>(obj: &'a serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    let mut cur = obj.get(keys[0])?;
    for k in &keys[1..] {
        cur = cur.get(k)?;
    }
    Some(cur)
}

fn string_list(
    ctx: &Ctx<'_>,
    v: Option<&Value>,
    field: &str,
) -> Result<Option<Vec<String>>, ObjectError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ctx.err(field, "a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ctx.err(field, "a list of strings")),
    }
}

fn rules(
    ctx: &Ctx<'_>,
    obj: &serde_json::Map<String, Value>,
    key: &str,
    mirrors_key: &str,
    has_policy: bool,
) -> Result<Vec<MirrorRule>, ObjectError> {
    let list = match path(obj, &["spec", key]) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ctx.err(&format!("spec.{key}"), "a list")),
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let field = |f: &str| format!("spec.{key}[{i}].{f}");
        let Some(item) = item.as_object() else {
            return Err(ctx.err(&format!("spec.{key}[{i}]"), "an object"));
        };
        let string = |f: &str| -> Result<String, ObjectError> {
            match item.get(f) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(ctx.err(&field(f), "a string")),
            }
        };
        let source = string("source")?;
        let policy = if has_policy {
            string("mirrorSourcePolicy")?
        } else {
            String::new()
        };
        let mirrors =
            string_list(ctx, item.get(mirrors_key), &field(mirrors_key))?.unwrap_or_default();
        out.push(MirrorRule {
            source,
            mirrors,
            policy,
            at: RuleOrigin {
                object: ctx.document,
                field: field("source"),
                ..RuleOrigin::default()
            },
        });
    }
    Ok(out)
}

impl ClusterObjects {
    /// Reads cluster objects from a manifest file (multi-document YAML or JSON, Lists
    /// flattened) with the shared Kubernetes reader.
    pub fn read(bytes: &[u8]) -> Result<ClusterObjects, ReadError> {
        ClusterObjects::read_named(None, bytes)
    }

    /// [`ClusterObjects::read`], remembering `name` as the file the objects come from (the
    /// diagnostics of [`check_report`](crate::render::check_report) point at it, with line and column).
    pub fn read_named(name: Option<&str>, bytes: &[u8]) -> Result<ClusterObjects, ReadError> {
        let mut docs = Vec::new();
        for doc in crate::kube::read_stream(bytes) {
            docs.push(doc.map_err(|e| ReadError {
                line: e.line,
                column: e.column,
                message: e.message.clone(),
            })?);
        }
        let nodes: Vec<&crate::kube::Node> = docs
            .iter()
            .flat_map(|d| crate::kube::flatten_lists(&d.root))
            .map(|(_, n)| n)
            .collect();
        let values: Vec<serde_json::Value> = nodes.iter().map(|n| n.to_json()).collect();
        let mut objects = ClusterObjects::from_documents(&values).map_err(|e| {
            let node = field_node(nodes[e.document()], e.field());
            ReadError {
                line: node.pos.line,
                column: node.pos.column,
                message: e.to_string(),
            }
        })?;
        let file: Option<std::sync::Arc<str>> = name.map(Into::into);
        for rule in objects.rules_mut() {
            let node = field_node(nodes[rule.at.object], &rule.at.field);
            rule.at.file = file.clone();
            rule.at.location = Some(crate::Location {
                line: node.pos.line,
                column: node.pos.column,
            });
        }
        Ok(objects)
    }
}

/// The node at a dotted path (`spec.list[0].field`), or the deepest one found on the way.
fn field_node<'a>(root: &'a crate::kube::Node, path: &str) -> &'a crate::kube::Node {
    let mut cur = root;
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        match cur.get(key) {
            Some(n) => cur = n,
            None => return cur,
        }
        for idx in indexes.split(['[', ']']).filter(|s| !s.is_empty()) {
            match idx.parse().ok().and_then(|i| cur.index(i)) {
                Some(n) => cur = n,
                None => return cur,
            }
        }
    }
    cur
}

/// A manifest that could not be read as cluster objects, with where.
///
/// ```
/// use shortnames::render::ClusterObjects;
///
/// let e = ClusterObjects::read(b"kind: [oops\n").unwrap_err();
/// assert_eq!(e.line, 2);
/// assert!(e.to_string().starts_with("2:"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ReadError {}
