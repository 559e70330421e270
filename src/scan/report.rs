//! The scan report (`shortnames-scan/v1`): per file, its documents and its image entries.

use serde::Serialize;

use crate::kube::{self, DocError, ScalarStyle};

use super::extract::{self, ObjectRef};
use super::profile::NodeProfile;
use super::verdict::{ErrorSource, Outcome, Verdict};

/// The schema name of the JSON report.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport, SCHEMA};
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// assert_eq!(ScanReport::new(&node, vec![]).schema, SCHEMA);
/// ```
pub const SCHEMA: &str = "shortnames-scan/v1";

/// The whole report.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: quay.io/team/app:1}\n---\nkind: [oops\n";
/// let file = node.scan_bytes("web.yaml", yaml);
/// let report = ScanReport::new(&node, vec![file]);
/// assert_eq!(report.profile.name, "crio-default");
/// assert_eq!(report.summary.images, 2);
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The node profile.
    pub profile: ProfileSummary,
    /// Each file, in the order scanned.
    pub files: Vec<FileReport>,
    /// Counts.
    pub summary: Summary,
}

impl ScanReport {
    /// Assembles the report of `files` scanned against `profile`.
    pub fn new(profile: &NodeProfile, files: Vec<FileReport>) -> ScanReport {
        let mut summary = Summary::default();
        for f in &files {
            summary.add(f);
        }
        ScanReport {
            schema: SCHEMA,
            profile: ProfileSummary::of(profile),
            files,
            summary,
        }
    }
}

/// The node profile as reported.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: quay.io/team/app:1}\n---\nkind: [oops\n";
/// let file = node.scan_bytes("web.yaml", yaml);
/// let p = ScanReport::new(&node, vec![file]).profile;
/// assert_eq!(p.short_name_mode, "enforcing");
/// assert!(!p.search_registries.is_empty());
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct ProfileSummary {
    /// The name (the command-line argument as given).
    pub name: String,
    /// `enforcing` or `disabled`.
    pub short_name_mode: &'static str,
    /// The effective `unqualified-search-registries`.
    pub search_registries: Vec<String>,
    /// The node path of the file that set them.
    pub search_registries_origin: Option<String>,
}

impl ProfileSummary {
    fn of(p: &NodeProfile) -> ProfileSummary {
        ProfileSummary {
            name: p.name().to_owned(),
            short_name_mode: p.short_name_mode().as_str(),
            search_registries: p.search_registries().to_vec(),
            search_registries_origin: p.search_registries_origin().map(str::to_owned),
        }
    }
}

/// Counts over the whole report.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: quay.io/team/app:1}\n---\nkind: [oops\n";
/// let file = node.scan_bytes("web.yaml", yaml);
/// let s = ScanReport::new(&node, vec![file]).summary;
/// assert_eq!((s.images, s.short_names), (2, 1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Image entries.
    pub images: usize,
    /// Entries whose `requested` is a short name.
    pub short_names: usize,
    /// Image entries with outcome `error`, plus documents with an error.
    pub errors: usize,
}

impl Summary {
    /// Adds one file's counts.
    pub fn add(&mut self, f: &FileReport) {
        self.images += f.images.len();
        self.short_names += f
            .images
            .iter()
            .filter(|i| i.verdict.short_name == Some(true))
            .count();
        self.errors += f
            .images
            .iter()
            .filter(|i| i.verdict.outcome == Outcome::Error)
            .count()
            + f.documents.iter().filter(|d| d.error.is_some()).count();
    }
}

/// One file.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: quay.io/team/app:1}\n---\nkind: [oops\n";
/// let file = node.scan_bytes("web.yaml", yaml);
/// assert_eq!(file.file, "web.yaml");
/// assert_eq!((file.documents.len(), file.images.len()), (2, 2));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// As given (e.g. on the command line).
    pub file: String,
    /// Its documents.
    pub documents: Vec<DocumentReport>,
    /// Its image entries, in document order.
    pub images: Vec<ImageReport>,
}

/// One document of a file.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: quay.io/team/app:1}\n---\nkind: [oops\n";
/// let file = node.scan_bytes("web.yaml", yaml);
/// let d = &file.documents[0];
/// assert_eq!((d.kind.as_deref(), d.name.as_deref(), d.namespace.as_deref()), (Some("Deployment"), Some("web"), Some("prod")));
/// assert!(d.scanned && d.error.is_none());
/// assert_eq!((d.line_start, d.line_end), (1, 9));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    /// 0-based among the file's documents.
    pub index: usize,
    /// First line of the chunk.
    pub line_start: usize,
    /// Last line of the chunk.
    pub line_end: usize,
    /// `apiVersion`.
    pub api_version: Option<String>,
    /// `kind`.
    pub kind: Option<String>,
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// A workload or a List.
    pub scanned: bool,
    /// Why it could not be read.
    pub error: Option<DocumentError>,
}

/// A document that could not be read.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: quay.io/team/app:1}\n---\nkind: [oops\n";
/// let file = node.scan_bytes("web.yaml", yaml);
/// let e = file.documents[1].error.as_ref().unwrap();
/// assert_eq!(e.kind, "yaml-syntax");
/// assert!(!file.documents[1].scanned);
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct DocumentError {
    /// `yaml-syntax` or `invalid-document-separator`.
    pub kind: &'static str,
    /// The parser's message.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One image field.
///
/// ```
/// use shortnames::scan::{NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: quay.io/team/app:1}\n---\nkind: [oops\n";
/// let file = node.scan_bytes("web.yaml", yaml);
/// let i = &file.images[1];
/// assert_eq!((i.path.as_str(), i.line, i.column), ("spec.template.spec.containers[1].image", 9, 26));
/// assert_eq!((i.name.as_deref(), i.image.as_str()), (Some("b"), Some("quay.io/team/app:1")));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct ImageReport {
    /// `documents[].index`.
    pub document: usize,
    /// The field's path from the document root.
    pub path: String,
    /// 1-based line of the value's text.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The workload (or List item) it belongs to.
    pub object: ObjectRef,
    /// The container's (or image volume's) name.
    pub name: Option<String>,
    /// The value as written.
    pub image: serde_json::Value,
    /// The node's answer.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Byte range of the value's text in the file.
    #[serde(skip)]
    pub span: (usize, usize),
    /// How the value was written (scalars).
    #[serde(skip)]
    pub style: Option<ScalarStyle>,
}

impl NodeProfile {
    /// Scans one manifest file (YAML stream or JSON): every document, every image field of
    /// every workload, each checked against this node.
    ///
    /// ```
    /// use shortnames::scan::{NodeProfile, Outcome};
    /// let node = NodeProfile::builtin("kubeadm-ubuntu-2025-09").unwrap().unwrap();
    /// let f = node.scan_bytes("app.yaml", b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: alpine\n");
    /// assert_eq!(f.images.len(), 1);
    /// let i = &f.images[0];
    /// assert_eq!((i.path.as_str(), i.line, i.column), ("spec.containers[0].image", 6, 12));
    /// assert_eq!(i.verdict.candidates, ["docker.io/library/alpine:latest", "quay.io/alpine:latest"]);
    /// assert_eq!(i.verdict.outcome, Outcome::Error);
    /// ```
    pub fn scan_bytes(&self, file: &str, bytes: &[u8]) -> FileReport {
        let mut documents = Vec::new();
        let mut images = Vec::new();
        for doc in kube::read_stream(bytes) {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    documents.push(error_document(&e));
                    continue;
                }
            };
            let (scanned, sites) = extract::sites(&doc.root);
            let obj = ObjectRef::of(&doc.root);
            documents.push(DocumentReport {
                index: doc.index,
                line_start: doc.line_start,
                line_end: doc.line_end,
                api_version: obj.api_version,
                kind: obj.kind,
                name: obj.name,
                namespace: obj.namespace,
                scanned,
                error: None,
            });
            for site in sites {
                let node = site.node;
                let verdict = match node.as_str() {
                    Some(s) => self.check(s),
                    None if node.is_null() => {
                        Verdict::refused(ErrorSource::KubernetesApi, "empty-image")
                    }
                    None => Verdict::refused(ErrorSource::KubernetesApi, "not-a-string"),
                };
                images.push(ImageReport {
                    document: doc.index,
                    path: site.path,
                    line: node.pos.line,
                    column: node.pos.column,
                    object: site.object,
                    name: site.name,
                    image: node.to_json(),
                    verdict,
                    span: (node.pos.start, node.pos.end),
                    style: node.style,
                });
            }
        }
        FileReport {
            file: file.to_owned(),
            documents,
            images,
        }
    }
}

fn error_document(e: &DocError) -> DocumentReport {
    DocumentReport {
        index: e.index,
        line_start: e.line_start,
        line_end: e.line_end,
        api_version: None,
        kind: None,
        name: None,
        namespace: None,
        scanned: false,
        error: Some(DocumentError {
            kind: e.kind.as_str(),
            message: e.message.clone(),
            line: e.line,
            column: e.column,
        }),
    }
}
