//! A file to documents, cut as the Kubernetes `YAMLReader` cuts it.

use std::fmt;

use super::decode::{decode_chunk, Base};
use super::node::Node;

/// One document of a file.
///
/// ```
/// use shortnames::kube::{read_stream, ScalarStyle, Value};
///
/// let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {on: yes}}\nspec:\n  containers:\n  - image: 'alpine:3.19'\n---\n---\nkind: [oops\n";
/// let docs = read_stream(yaml);
/// let pod = docs[0].as_ref().unwrap();
/// assert_eq!((pod.index, pod.line_start, pod.line_end), (0, 1, 6));
/// assert_eq!(docs.len(), 2); // the empty chunk between the separators is no document
/// ```
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based among the file's documents (chunks without content are not documents).
    pub index: usize,
    /// First line of the document's chunk, 1-based (separators excluded).
    pub line_start: usize,
    /// Last line of the chunk.
    pub line_end: usize,
    /// The decoded document (never null).
    pub root: Node,
}

/// Why a document could not be read.
///
/// ```
/// use shortnames::kube::{read_stream, ScalarStyle, Value};
///
/// let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {on: yes}}\nspec:\n  containers:\n  - image: 'alpine:3.19'\n---\n---\nkind: [oops\n";
/// let docs = read_stream(yaml);
/// let pod = docs[0].as_ref().unwrap();
/// let e = docs[1].as_ref().unwrap_err();
/// assert_eq!(e.kind.as_str(), "yaml-syntax");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocErrorKind {
    /// The YAML (or JSON) does not parse, or does not convert to JSON.
    YamlSyntax,
    /// The chunk follows a line starting with `---` and something other than blanks or a
    /// comment (`---apiVersion: v1`). Kubernetes refuses the whole file.
    InvalidDocumentSeparator,
}

impl DocErrorKind {
    /// `yaml-syntax` or `invalid-document-separator`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DocErrorKind::YamlSyntax => "yaml-syntax",
            DocErrorKind::InvalidDocumentSeparator => "invalid-document-separator",
        }
    }
}

/// A document that could not be read, with where.
///
/// ```
/// use shortnames::kube::{read_stream, ScalarStyle, Value};
///
/// let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {on: yes}}\nspec:\n  containers:\n  - image: 'alpine:3.19'\n---\n---\nkind: [oops\n";
/// let docs = read_stream(yaml);
/// let pod = docs[0].as_ref().unwrap();
/// let e = docs[1].as_ref().unwrap_err();
/// assert_eq!((e.index, e.line_start), (1, 9));
/// assert!(!e.message.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    /// 0-based among the file's documents.
    pub index: usize,
    /// First line of the chunk.
    pub line_start: usize,
    /// Last line of the chunk.
    pub line_end: usize,
    /// What went wrong.
    pub kind: DocErrorKind,
    /// The parser's message.
    pub message: String,
    /// 1-based line where the error was found.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for DocError {}

struct Chunk {
    first_line: usize,
    last_line: usize,
    start: usize,
    end: usize,
    /// The line of the invalid separator before this chunk.
    invalid_separator: Option<usize>,
}

/// Separator lines: `---` at the start of a line. `Some(true)` when only blanks or a comment
/// follow, `Some(false)` for an invalid separator, `None` for other lines.
fn separator(line: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"---")?;
    let trimmed = rest.trim_ascii();
    Some(trimmed.is_empty() || trimmed[0] == b'#')
}

fn chunks(bytes: &[u8]) -> Vec<Chunk> {
    let mut out = Vec::new();
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut cur = Chunk {
        first_line: 1,
        last_line: 0,
        start: bom,
        end: bom,
        invalid_separator: None,
    };
    let mut line_no = 0;
    let mut pos = bom;
    while pos < bytes.len() {
        line_no += 1;
        let nl = bytes[pos..].iter().position(|&b| b == b'\n');
        let line_end = nl.map_or(bytes.len(), |n| pos + n);
        let next = nl.map_or(bytes.len(), |n| pos + n + 1);
        if let Some(valid) = separator(&bytes[pos..line_end]) {
            cur.end = pos;
            cur.last_line = line_no - 1;
            out.push(cur);
            cur = Chunk {
                first_line: line_no + 1,
                last_line: line_no,
                start: next,
                end: next,
                invalid_separator: (!valid).then_some(line_no),
            };
        }
        pos = next;
    }
    cur.end = bytes.len();
    cur.last_line = line_no;
    out.push(cur);
    out.retain(|c| c.end > c.start || c.invalid_separator.is_some());
    out
}

/// Reads every document of a manifest file (YAML stream or JSON).
///
/// Each `---` chunk is decoded on its own; chunks with no content (blank lines, comments) or a
/// null one (`~`) are not documents. A chunk that does not decode gives an `Err` entry with the
/// location, and reading goes on with the next chunk. Invalid UTF-8 is reported the same way.
///
/// ```
/// let docs = shortnames::kube::read_stream(b"# c\n---\na: 1\n---\n~\n---\n{\"b\": [2]}\n");
/// let ok: Vec<_> = docs.iter().map(|d| d.as_ref().unwrap()).collect();
/// assert_eq!(ok.len(), 2);
/// assert_eq!((ok[0].index, ok[0].line_start, ok[0].line_end), (0, 3, 3));
/// assert_eq!((ok[1].index, ok[1].line_start), (1, 7));
/// assert_eq!(ok[1].root.to_json(), serde_json::json!({"b": [2]}));
/// ```
pub fn read_stream(bytes: &[u8]) -> Vec<Result<Document, DocError>> {
    let mut out = Vec::new();
    for c in chunks(bytes) {
        let index = out.len();
        let error = |kind, message: String, line, column| DocError {
            index,
            line_start: c.first_line,
            line_end: c.last_line,
            kind,
            message,
            line,
            column,
        };
        if let Some(line) = c.invalid_separator {
            out.push(Err(error(
                DocErrorKind::InvalidDocumentSeparator,
                "invalid document separator".into(),
                line,
                1,
            )));
            continue;
        }
        let raw = &bytes[c.start..c.end];
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t,
            Err(e) => {
                let valid = &raw[..e.valid_up_to()];
                let line = c.first_line + valid.iter().filter(|&&b| b == b'\n').count();
                let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let column = String::from_utf8_lossy(&valid[line_start..])
                    .chars()
                    .count()
                    + 1;
                out.push(Err(error(
                    DocErrorKind::YamlSyntax,
                    "invalid UTF-8".into(),
                    line,
                    column,
                )));
                continue;
            }
        };
        let base = Base {
            line: c.first_line,
            byte: c.start,
        };
        match decode_chunk(text, base) {
            Ok(None) => {}
            Ok(Some(root)) => out.push(Ok(Document {
                index,
                line_start: c.first_line,
                line_end: c.last_line,
                root,
            })),
            Err(f) => out.push(Err(error(
                DocErrorKind::YamlSyntax,
                f.message,
                f.line,
                f.column,
            ))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators() {
        assert_eq!(separator(b"---"), Some(true));
        assert_eq!(separator(b"---   # c"), Some(true));
        assert_eq!(separator(b"--- \r"), Some(true));
        assert_eq!(separator(b"---apiVersion: v1"), Some(false));
        assert_eq!(separator(b"----"), Some(false));
        assert_eq!(separator(b" ---"), None);
    }

    #[test]
    fn malformed_then_more() {
        let docs = read_stream(b"a: 1\n---\nb: [\n---\nc: 3\n---x\nd: 4\n");
        assert_eq!(docs.len(), 4);
        assert!(docs[0].is_ok());
        let e = docs[1].as_ref().unwrap_err();
        assert_eq!(e.kind, DocErrorKind::YamlSyntax);
        assert!(e.line >= 2 && e.line <= 4, "{e:?}");
        assert_eq!(
            docs[2].as_ref().unwrap().root.to_json(),
            serde_json::json!({"c": 3})
        );
        let e = docs[3].as_ref().unwrap_err();
        assert_eq!(e.kind, DocErrorKind::InvalidDocumentSeparator);
        assert_eq!((e.line, e.column, e.line_start, e.line_end), (6, 1, 7, 7));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let docs = read_stream(b"a: 1\n---\nb: \xff\n---\nc: 3\n");
        let e = docs[1].as_ref().unwrap_err();
        assert_eq!((e.line, e.column), (3, 4));
        assert!(docs[2].is_ok());
    }

    #[test]
    fn positions_and_merge_keys() {
        let text = "base: &b\n  image: &i \"x:1\"\n  name: b\nm:\n  <<: *b\n  name: m\nnn: !!str   5000\no: |\n  block\np:\nq: *i\n";
        let docs = read_stream(text.as_bytes());
        let root = &docs[0].as_ref().unwrap().root;
        let m = root.get("m").unwrap();
        assert_eq!(m.get("name").unwrap().as_str(), Some("m"));
        let img = m.get("image").unwrap();
        assert_eq!((img.pos.line, img.pos.column), (2, 13));
        assert_eq!(&text[img.pos.start..img.pos.end], "\"x:1\"");
        let n = root.get("nn").unwrap();
        assert_eq!(n.as_str(), Some("5000"));
        assert_eq!((n.pos.line, n.pos.column), (7, 13));
        let o = root.get("o").unwrap();
        assert_eq!((o.pos.line, o.pos.column), (8, 4));
        let p = root.get("p").unwrap();
        assert!(p.is_null());
        assert_eq!((p.pos.line, p.pos.column), (10, 1));
        // YAML 1.1: the key `y` is the boolean true, spelled "true" in JSON.
        assert!(root.get("true").is_none());
        let q = root.get("q").unwrap();
        assert_eq!((q.pos.line, q.pos.column), (2, 13));
    }

    #[test]
    fn spans_cover_exactly_the_value_text() {
        let text = "a: 'x:1'   # c\nb: \"y\\\"z\"  # c\nc: plain:1   # c\nd: {k: 'it''s', l: m}\ne: [\"q\" , r]\n";
        let docs = read_stream(text.as_bytes());
        let root = &docs[0].as_ref().unwrap().root;
        let raw = |n: &Node| &text[n.pos.start..n.pos.end];
        assert_eq!(raw(root.get("a").unwrap()), "'x:1'");
        assert_eq!(raw(root.get("b").unwrap()), "\"y\\\"z\"");
        assert_eq!(raw(root.get("c").unwrap()), "plain:1");
        let d = root.get("d").unwrap();
        assert_eq!(raw(d.get("k").unwrap()), "'it''s'");
        assert_eq!(raw(d.get("l").unwrap()), "m");
        let e = root.get("e").unwrap();
        assert_eq!(raw(e.index(0).unwrap()), "\"q\"");
        assert_eq!(raw(e.index(1).unwrap()), "r");
    }

    #[test]
    fn non_ascii_columns_count_characters() {
        let text = "é: ü\nimage: &ä x\n";
        let docs = read_stream(text.as_bytes());
        let root = &docs[0].as_ref().unwrap().root;
        let img = root.get("image").unwrap();
        assert_eq!((img.pos.line, img.pos.column), (2, 11));
        assert_eq!(&text[img.pos.start..img.pos.end], "x");
    }

    #[test]
    fn deep_nesting_fails_cleanly() {
        let deep = "- ".repeat(100_000) + "x\n";
        let docs = read_stream(deep.as_bytes());
        assert!(docs[0]
            .as_ref()
            .unwrap_err()
            .message
            .contains("nests deeper"));
        let flow = "a: ".to_string() + &"[".repeat(50_000) + &"]".repeat(50_000);
        assert!(read_stream(flow.as_bytes())[0].is_err());
    }

    #[test]
    fn repeated_keys_keep_the_last_value_in_first_place() {
        let docs = read_stream(b"a: 1\nb: 2\na: 3\n");
        let root = &docs[0].as_ref().unwrap().root;
        assert_eq!(root.to_json(), serde_json::json!({"a": 3, "b": 2}));
        let keys: Vec<&str> = root
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, _, _)| k)
            .collect();
        assert_eq!(keys, ["a", "b"]);
    }

    #[test]
    fn alias_bomb_fails_cleanly() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        let docs = read_stream(s.as_bytes());
        assert!(docs[0].as_ref().unwrap_err().message.contains("nodes"));
    }
}
