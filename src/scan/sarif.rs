//! The scan report as SARIF 2.1.0, so CI systems (GitHub code scanning) show findings inline.
//!
//! Errors (the node, the kubelet or the API server refuses the image; a document does not
//! parse) are `error` results; short names the node accepts are `warning` results, since what
//! they pull depends on the node's configuration. Each short name carries a `fix` replacing
//! exactly the name's characters with the suggested fully-qualified name.
//!
//! ```
//! use shortnames::scan::{sarif, NodeProfile, ScanReport};
//! let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
//! let f = node.scan_bytes("pod.yaml", b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nats:2.10\n");
//! let log = sarif::to_sarif(&ScanReport::new(&node, vec![f]));
//! assert_eq!(log["version"], "2.1.0");
//! let result = &log["runs"][0]["results"][0];
//! assert_eq!(result["ruleId"], "short-name-ambiguous");
//! assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 5);
//! ```

use serde_json::{json, Value};

use super::report::{FileReport, ScanReport};
use super::verdict::Outcome;

/// The SARIF schema URI written in `$schema`.
///
/// ```
/// assert!(shortnames::scan::sarif::SARIF_SCHEMA.ends_with("sarif-2.1.0.json"));
/// ```
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The rules: id and short description.
const RULES: &[(&str, &str)] = &[
    (
        "short-name-ambiguous",
        "CRI-O in enforcing mode refuses a short name that matches several search registries",
    ),
    (
        "no-search-registries",
        "A short name has no alias and the node defines no search registries",
    ),
    (
        "invalid-image-name",
        "The kubelet cannot parse the image name (InvalidImageName)",
    ),
    ("empty-image", "The API server refuses an empty image"),
    ("not-a-string", "The API server refuses an image that is not a string"),
    (
        "surrounding-whitespace",
        "The API server refuses an image with leading or trailing whitespace",
    ),
    ("resolution", "CRI-O cannot resolve the image name"),
    (
        "short-name",
        "A short name: what the node pulls depends on its configuration; write the fully-qualified name",
    ),
    ("yaml-syntax", "The document does not parse"),
    (
        "invalid-document-separator",
        "A line starts with --- followed by text: Kubernetes refuses the file",
    ),
];

/// The SARIF log of a report.
///
/// ```
/// use shortnames::scan::{sarif, NodeProfile, ScanReport};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let yaml = b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: alpine:3.19\n";
/// let file = node.scan_bytes("pod.yaml", yaml);
/// let log = sarif::to_sarif(&ScanReport::new(&node, vec![file]));
/// assert_eq!(log["version"], "2.1.0");
/// assert_eq!(log["$schema"], sarif::SARIF_SCHEMA);
/// ```
pub fn to_sarif(report: &ScanReport) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(id, text)| {
            json!({
                "id": id,
                "shortDescription": {"text": text},
                "helpUri": "https://github.com/containers/image/blob/main/docs/containers-registries.conf.5.md"
            })
        })
        .collect();
    let mut results = Vec::new();
    for f in &report.files {
        file_results(f, &mut results);
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "shortnames",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "properties": {
                "nodeProfile": report.profile.name,
                "shortNameMode": report.profile.short_name_mode,
                "searchRegistries": report.profile.search_registries,
            },
            "results": results,
        }]
    })
}

fn rule_index(id: &str) -> usize {
    RULES.iter().position(|(r, _)| *r == id).unwrap_or(0)
}

fn uri(file: &str) -> String {
    if file == "-" {
        return "stdin".into();
    }
    let mut s = String::new();
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn location(file: &str, line: usize, column: usize) -> Value {
    json!([{"physicalLocation": {
        "artifactLocation": {"uri": uri(file)},
        "region": {"startLine": line.max(1), "startColumn": column.max(1)}
    }}])
}

fn file_results(f: &FileReport, out: &mut Vec<Value>) {
    for d in &f.documents {
        if let Some(e) = &d.error {
            out.push(json!({
                "ruleId": e.kind,
                "ruleIndex": rule_index(e.kind),
                "level": "error",
                "message": {"text": format!("document {}: {}", d.index, e.message)},
                "locations": location(&f.file, e.line, e.column),
            }));
        }
    }
    for i in &f.images {
        let v = &i.verdict;
        let shown = match &i.image {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let (rule, level, text) = match (&v.error, v.outcome) {
            (Some(e), Outcome::Error) => (
                e.kind,
                "error",
                match &e.message {
                    Some(m) => m.clone(),
                    None => format!("{shown:?}: {}", RULES[rule_index(e.kind)].1.to_lowercase()),
                },
            ),
            _ if v.short_name == Some(true) => (
                "short-name",
                "warning",
                format!(
                    "short name {shown:?} resolves on this node to {}",
                    v.candidates.join(", ")
                ),
            ),
            _ => continue,
        };
        let mut text = text;
        if let Some(fix) = &v.fix {
            text.push_str(&format!("; write {fix}"));
        }
        let mut result = json!({
            "ruleId": rule,
            "ruleIndex": rule_index(rule),
            "level": level,
            "message": {"text": text},
            "locations": location(&f.file, i.line, i.column),
            "properties": {"path": i.path, "candidates": v.candidates},
        });
        if let (Some(fix), Value::String(old)) = (&v.fix, &i.image) {
            let start_col = i.column
                + usize::from(matches!(
                    i.style,
                    Some(
                        crate::kube::ScalarStyle::SingleQuoted
                            | crate::kube::ScalarStyle::DoubleQuoted
                    )
                ));
            if !matches!(
                i.style,
                Some(crate::kube::ScalarStyle::Literal | crate::kube::ScalarStyle::Folded)
            ) {
                result["fixes"] = json!([{
                    "description": {"text": format!("Write the fully-qualified name {fix}")},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": uri(&f.file)},
                        "replacements": [{
                            "deletedRegion": {
                                "startLine": i.line,
                                "startColumn": start_col,
                                "endColumn": start_col + old.chars().count(),
                            },
                            "insertedContent": {"text": fix},
                        }]
                    }]
                }]);
            }
        }
        out.push(result);
    }
}
