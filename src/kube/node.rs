//! The decoded tree: values as Kubernetes sees them, each with the position of its text.

/// Where a node's own text is: after any `&anchor` and `!tag` (and the blanks or comments
/// between them and the value); a quoted scalar starts at its quote, a block scalar at its `|`
/// or `>`. For a value left empty (`image:`), the position of its key. For an alias, the
/// anchored node's position.
///
/// ```
/// use shortnames::kube::{read_stream, ScalarStyle, Value};
///
/// let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {on: yes}}\nspec:\n  containers:\n  - image: 'alpine:3.19'\n---\n---\nkind: [oops\n";
/// let docs = read_stream(yaml);
/// let pod = docs[0].as_ref().unwrap();
/// let image = pod.root.get("spec").unwrap().get("containers").unwrap().index(0).unwrap().get("image").unwrap();
/// // The quoted value starts at its quote; byte offsets cover its text.
/// assert_eq!((image.pos.line, image.pos.column), (6, 12));
/// assert_eq!(&yaml[image.pos.start..image.pos.end], b"'alpine:3.19'");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset of the text's first byte in the file.
    pub start: usize,
    /// Byte offset one past the text's last byte (`start` for a value with no text).
    pub end: usize,
}

/// How a scalar was written.
///
/// ```
/// use shortnames::kube::{read_stream, ScalarStyle, Value};
///
/// let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {on: yes}}\nspec:\n  containers:\n  - image: 'alpine:3.19'\n---\n---\nkind: [oops\n";
/// let docs = read_stream(yaml);
/// let pod = docs[0].as_ref().unwrap();
/// let image = pod.root.get("spec").unwrap().get("containers").unwrap().index(0).unwrap().get("image").unwrap();
/// assert_eq!(image.style, Some(ScalarStyle::SingleQuoted));
/// assert_eq!(pod.root.get("kind").unwrap().style, Some(ScalarStyle::Plain));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted.
    Plain,
    /// `'single'`.
    SingleQuoted,
    /// `"double"`.
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

/// A node's value, with the types `sigs.k8s.io/yaml` gives (YAML 1.1 scalars).
///
/// ```
/// use shortnames::kube::{read_stream, ScalarStyle, Value};
///
/// let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {on: yes}}\nspec:\n  containers:\n  - image: 'alpine:3.19'\n---\n---\nkind: [oops\n";
/// let docs = read_stream(yaml);
/// let pod = docs[0].as_ref().unwrap();
/// // YAML 1.1, as sigs.k8s.io/yaml: `on` and `yes` are booleans (the key becomes "true").
/// let labels = pod.root.get("metadata").unwrap().get("labels").unwrap();
/// assert_eq!(labels.get("true").unwrap().value, Value::Bool(true));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null`, or nothing.
    Null,
    /// `true`, `yes`, `on`, ... (YAML 1.1).
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// A float (`1.5`, `.inf`, `1e3`).
    Float(f64),
    /// A string.
    String(String),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping with string keys (merge keys already applied).
    Mapping(Mapping),
}

/// A mapping: keys as strings (as the YAML-to-JSON conversion makes them), in document order,
/// merge keys flattened (explicit keys beat merged ones; earlier merge sources beat later
/// ones), a repeated key keeping its last value.
///
/// ```
/// use shortnames::kube::{read_stream, ScalarStyle, Value};
///
/// let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {on: yes}}\nspec:\n  containers:\n  - image: 'alpine:3.19'\n---\n---\nkind: [oops\n";
/// let docs = read_stream(yaml);
/// let pod = docs[0].as_ref().unwrap();
/// let metadata = pod.root.get("metadata").unwrap().as_mapping().unwrap();
/// let keys: Vec<&str> = metadata.iter().map(|(k, _, _)| k).collect();
/// assert_eq!(keys, ["name", "labels"]);
/// assert_eq!(metadata.get("name").unwrap().as_str(), Some("a"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mapping {
    pub(crate) entries: Vec<(String, Pos, Node)>,
}

impl Mapping {
    /// The value of `key` (exact, case-sensitive match).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, v)| v)
    }

    /// The entries in order: key, position of the key's text, value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Pos, &Node)> {
        self.entries.iter().map(|(k, p, v)| (k.as_str(), p, v))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One decoded node.
///
/// ```
/// use shortnames::kube::{read_stream, ScalarStyle, Value};
///
/// let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {on: yes}}\nspec:\n  containers:\n  - image: 'alpine:3.19'\n---\n---\nkind: [oops\n";
/// let docs = read_stream(yaml);
/// let pod = docs[0].as_ref().unwrap();
/// assert_eq!(pod.root.get("kind").unwrap().as_str(), Some("Pod"));
/// assert_eq!(pod.root.get("spec").unwrap().get("containers").unwrap().as_sequence().unwrap().len(), 1);
/// assert_eq!(pod.root.to_json()["metadata"]["name"], "a");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where its text is.
    pub pos: Pos,
    /// For scalars, how it was written (`None` for collections).
    pub style: Option<ScalarStyle>,
}

impl Node {
    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping, if this is one.
    pub fn as_mapping(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Mapping(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(s) => Some(s),
            _ => None,
        }
    }

    /// `self[key]` for a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping().and_then(|m| m.get(key))
    }

    /// `self[i]` for a sequence.
    pub fn index(&self, i: usize) -> Option<&Node> {
        self.as_sequence().and_then(|s| s.get(i))
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value as JSON, as `sigs.k8s.io/yaml`'s YAML-to-JSON conversion gives it. JSON has no
    /// infinities or NaN: those floats become `null`.
    ///
    /// ```
    /// let docs = shortnames::kube::read_stream(b"a: yes\nb: 0x10\nc: '1'\nd: [1.5, ~]\n");
    /// let v = docs[0].as_ref().unwrap().root.to_json();
    /// assert_eq!(v, serde_json::json!({"a": true, "b": 16, "c": "1", "d": [1.5, null]}));
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::UInt(u) => J::from(*u),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.clone()),
            Value::Sequence(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Mapping(m) => J::Object(
                m.entries
                    .iter()
                    .map(|(k, _, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}
