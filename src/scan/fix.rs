//! `--fix`: each short image name rewritten in place to its fully-qualified suggestion,
//! touching only the bytes of that name (scan.md S14).
//!
//! Quoting style, comments, key order, anchors and everything else stay as they are. An
//! aliased value is rewritten once, at its anchor. Fully-qualified names and entries without a
//! `fix` are never changed, so a second run changes nothing.
//!
//! ```
//! use shortnames::scan::{fix, NodeProfile};
//! let node = NodeProfile::builtin("kubeadm-ubuntu").unwrap().unwrap();
//! let text = b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: 'nginx:1.27' # web\n  - image: quay.io/x/y\n";
//! let report = node.scan_bytes("pod.yaml", text);
//! let out = fix::apply(text, &report);
//! assert_eq!(out.edits, 1);
//! assert_eq!(String::from_utf8(out.fixed.clone()).unwrap(),
//!     "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: 'docker.io/library/nginx:1.27' # web\n  - image: quay.io/x/y\n");
//! let again = fix::apply(&out.fixed, &node.scan_bytes("pod.yaml", &out.fixed));
//! assert!(!again.changed());
//! ```

use std::fmt::Write as _;

use crate::kube::ScalarStyle;

use super::report::FileReport;

/// One replacement: bytes `start..end` of the file become `replacement`.
///
/// ```
/// use shortnames::scan::{fix, NodeProfile};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: alpine:3.19\n";
/// let file = node.scan_bytes("pod.yaml", yaml);
/// let (edits, skipped) = fix::edits(yaml, &file);
/// assert!(skipped.is_empty());
/// let e = &edits[0];
/// assert_eq!((&yaml[e.start..e.end], e.replacement.as_str()), (&b"alpine:3.19"[..], "docker.io/library/alpine:3.19"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// First byte replaced.
    pub start: usize,
    /// One past the last byte replaced.
    pub end: usize,
    /// The new text.
    pub replacement: String,
}

/// The result of fixing one file.
///
/// ```
/// use shortnames::scan::{fix, NodeProfile};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: alpine:3.19\n";
/// let file = node.scan_bytes("pod.yaml", yaml);
/// let out = fix::apply(yaml, &file);
/// assert!(out.changed() && out.edits == 1);
/// assert!(String::from_utf8(out.fixed).unwrap().ends_with("image: docker.io/library/alpine:3.19\n"));
/// ```
#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The file with every edit applied.
    pub fixed: Vec<u8>,
    /// How many image strings were rewritten.
    pub edits: usize,
    /// Entries with a fix that could not be rewritten in place, with why (e.g. a
    /// double-quoted value written with escapes).
    pub skipped: Vec<String>,
}

impl FixOutcome {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        self.edits > 0
    }
}

/// The edits that rewrite every image entry of `report` that has a `fix`, in file order, one
/// per distinct value text (an alias shares its anchor's), plus the entries that cannot be
/// rewritten in place.
///
/// ```
/// use shortnames::scan::{fix, NodeProfile};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: alpine:3.19\n";
/// let file = node.scan_bytes("pod.yaml", yaml);
/// assert_eq!(fix::edits(yaml, &file).0.len(), 1);
/// ```
pub fn edits(bytes: &[u8], report: &FileReport) -> (Vec<Edit>, Vec<String>) {
    let mut out: Vec<Edit> = Vec::new();
    let mut skipped = Vec::new();
    for image in &report.images {
        let (Some(new), Some(old)) = (&image.verdict.fix, image.image.as_str()) else {
            continue;
        };
        let (start, end) = image.span;
        if out
            .iter()
            .any(|e| e.start <= start && start < e.end.max(e.start + 1))
        {
            continue;
        }
        match locate(bytes, start, end, image.style, old) {
            Some((s, e)) => out.push(Edit {
                start: s,
                end: e,
                replacement: new.clone(),
            }),
            None => skipped.push(format!(
                "{}:{}: cannot rewrite {old:?} in place (write {new} by hand)",
                image.line, image.column
            )),
        }
    }
    out.sort_by_key(|e| e.start);
    (out, skipped)
}

/// Applies [`edits`] to `bytes`.
///
/// ```
/// use shortnames::scan::{fix, NodeProfile};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: alpine:3.19\n";
/// let file = node.scan_bytes("pod.yaml", yaml);
/// let once = fix::apply(yaml, &file).fixed;
/// // Fixed files rescan clean: a second pass changes nothing.
/// let again = fix::apply(&once, &node.scan_bytes("pod.yaml", &once));
/// assert!(!again.changed());
/// ```
pub fn apply(bytes: &[u8], report: &FileReport) -> FixOutcome {
    let (edits, skipped) = edits(bytes, report);
    let mut fixed = Vec::with_capacity(bytes.len() + edits.len() * 16);
    let mut at = 0;
    for e in &edits {
        fixed.extend_from_slice(&bytes[at..e.start]);
        fixed.extend_from_slice(e.replacement.as_bytes());
        at = e.end;
    }
    fixed.extend_from_slice(&bytes[at..]);
    FixOutcome {
        fixed,
        edits: edits.len(),
        skipped,
    }
}

/// The bytes holding exactly the characters of `value` inside the node text `start..end`.
fn locate(
    bytes: &[u8],
    start: usize,
    end: usize,
    style: Option<ScalarStyle>,
    value: &str,
) -> Option<(usize, usize)> {
    let raw = bytes.get(start..end)?;
    let v = value.as_bytes();
    match style? {
        ScalarStyle::Plain => (raw == v).then_some((start, end)),
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let inner = raw.get(1..raw.len().checked_sub(1)?)?;
            (inner == v).then_some((start + 1, end - 1))
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            // The header line, then the content: the value must be the only text of one line.
            let nl = raw.iter().position(|&b| b == b'\n')?;
            let mut line_start = nl + 1;
            while line_start < raw.len() {
                let line_end = raw[line_start..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(raw.len(), |p| line_start + p);
                let line = &raw[line_start..line_end];
                let text_start = line.iter().position(|&b| b != b' ' && b != b'\t');
                if let Some(ts) = text_start {
                    let trimmed = line[ts..].trim_ascii_end();
                    if trimmed != v {
                        return None;
                    }
                    let s = start + line_start + ts;
                    return Some((s, s + v.len()));
                }
                line_start = line_end + 1;
            }
            None
        }
    }
}

/// A unified diff (`--- a/NAME`, `+++ b/NAME`, hunks with three lines of context) of `old`
/// and `new`, which differ only inside lines (the fixer never adds or removes a line break).
///
/// ```
/// let d = shortnames::scan::fix::unified_diff("f.yaml", b"a\nimage: x\nb\n", b"a\nimage: docker.io/library/x\nb\n");
/// assert_eq!(d, "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,3 +1,3 @@\n a\n-image: x\n+image: docker.io/library/x\n b\n");
/// ```
pub fn unified_diff(name: &str, old: &[u8], new: &[u8]) -> String {
    let a = split_lines(old);
    let b = split_lines(new);
    if a == b {
        return String::new();
    }
    let mut s = String::new();
    let _ = writeln!(s, "--- a/{name}\n+++ b/{name}");
    if a.len() != b.len() {
        // Not produced by the fixer; show the whole file.
        let _ = writeln!(s, "@@ -1,{} +1,{} @@", a.len(), b.len());
        for l in &a {
            push_line(&mut s, '-', l);
        }
        for l in &b {
            push_line(&mut s, '+', l);
        }
        return s;
    }
    const CONTEXT: usize = 3;
    let changed: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    let mut i = 0;
    while i < changed.len() {
        let first = changed[i].saturating_sub(CONTEXT);
        let mut j = i;
        while j + 1 < changed.len() && changed[j + 1] <= changed[j] + 2 * CONTEXT + 1 {
            j += 1;
        }
        let last = (changed[j] + CONTEXT).min(a.len() - 1);
        let n = last - first + 1;
        let _ = writeln!(s, "@@ -{},{n} +{},{n} @@", first + 1, first + 1);
        for k in first..=last {
            if a[k] == b[k] {
                push_line(&mut s, ' ', a[k]);
            } else {
                push_line(&mut s, '-', a[k]);
                push_line(&mut s, '+', b[k]);
            }
        }
        i = j + 1;
    }
    s
}

fn split_lines(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let end = b[at..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| at + p + 1);
        out.push(&b[at..end]);
        at = end;
    }
    out
}

fn push_line(s: &mut String, mark: char, line: &[u8]) {
    s.push(mark);
    s.push_str(&String::from_utf8_lossy(line));
    if !line.ends_with(b"\n") {
        s.push_str("\n\\ No newline at end of file\n");
    }
}
