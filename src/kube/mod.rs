//! Kubernetes manifests: the one reader `scan` and `render` share (feature `yaml`).
//!
//! A manifest file is cut into documents the way the Kubernetes `YAMLReader` cuts it (at lines
//! starting with `---`), and each document is decoded like `sigs.k8s.io/yaml` decodes it: YAML
//! 1.1 scalars (go-yaml v2), anchors, aliases, tags and `<<` merge keys resolved. JSON
//! documents are read by the same path (JSON is YAML's flow style). Every node keeps where its
//! own text is in the file (line and column, 1-based, in characters; and the byte range), so a
//! report can point at it and a fixer can rewrite exactly those bytes.
//!
//! A document that does not parse is reported with its location, and the documents after it
//! are still read.
//!
//! ```
//! use shortnames::kube::{self, DocErrorKind};
//!
//! let text = b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: &i busybox\n---\nbad: [\n---\nkind: List\nitems: [{kind: Pod, image: *i}]\n";
//! let docs = kube::read_stream(text);
//! assert_eq!(docs.len(), 3);
//!
//! let pod = docs[0].as_ref().unwrap();
//! let image = pod.root.get("spec").unwrap().get("containers").unwrap().index(0).unwrap().get("image").unwrap();
//! assert_eq!(image.as_str(), Some("busybox"));
//! assert_eq!((image.pos.line, image.pos.column), (5, 15)); // after the anchor
//! assert_eq!(&text[image.pos.start..image.pos.end], b"busybox");
//!
//! let broken = docs[1].as_ref().unwrap_err();
//! assert_eq!(broken.kind, DocErrorKind::YamlSyntax);
//! assert_eq!((broken.line_start, broken.line_end), (7, 7));
//!
//! // Aliases are not resolved across documents (each is decoded on its own).
//! assert!(docs[2].is_err());
//!
//! // Values, as Kubernetes sees them.
//! let json = pod.root.to_json();
//! assert_eq!(json["spec"]["containers"][0]["image"], "busybox");
//! ```

mod decode;
mod node;
mod scalar;
mod stream;

pub use node::{Mapping, Node, Pos, ScalarStyle, Value};
pub use stream::{read_stream, DocError, DocErrorKind, Document};

/// Whether `node` is a List: a mapping whose `kind` is a string ending in `List` and whose
/// `items` is a sequence.
///
/// ```
/// use shortnames::kube;
/// let docs = kube::read_stream(b"kind: PodList\nitems: []\n");
/// assert!(kube::is_list(&docs[0].as_ref().unwrap().root));
/// let docs = kube::read_stream(b"kind: List\nitems: {}\n");
/// assert!(!kube::is_list(&docs[0].as_ref().unwrap().root));
/// ```
pub fn is_list(node: &Node) -> bool {
    node.get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && node.get("items").and_then(Node::as_sequence).is_some()
}

/// The objects of a document with Lists flattened, depth first, in order: each item of a List
/// (recursively) with its path prefix (`items[0].`, `items[0].items[2].`); any other node is
/// returned as itself with prefix `""`. A List itself is not returned.
///
/// ```
/// use shortnames::kube;
/// let docs = kube::read_stream(b"kind: List\nitems:\n- kind: Pod\n- kind: List\n  items: [{kind: Job}]\n");
/// let objs = kube::flatten_lists(&docs[0].as_ref().unwrap().root);
/// let got: Vec<(String, &str)> = objs.iter().map(|(p, n)| (p.clone(), n.get("kind").unwrap().as_str().unwrap())).collect();
/// assert_eq!(got, [("items[0].".to_string(), "Pod"), ("items[1].items[0].".to_string(), "Job")]);
/// ```
pub fn flatten_lists(node: &Node) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    flatten_into(node, String::new(), &mut out);
    out
}

fn flatten_into<'a>(node: &'a Node, prefix: String, out: &mut Vec<(String, &'a Node)>) {
    if is_list(node) {
        if let Some(items) = node.get("items").and_then(Node::as_sequence) {
            for (i, item) in items.iter().enumerate() {
                flatten_into(item, format!("{prefix}items[{i}]."), out);
            }
        }
    } else {
        out.push((prefix, node));
    }
}
