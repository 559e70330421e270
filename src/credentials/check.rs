//! Validation of one credentials file (`shortnames auth check F`) and its rendering.

use std::path::Path;

use serde_json::{json, Value};

use super::error::{CredentialError, Diagnostic, Severity, SourceId};
use super::keyring::{
    load_bytes, load_file, Candidate, EntryStatus, EntrySummary, LoadedSource, PullCredentials,
};
use super::parse::Format;

/// The result of checking one credentials document: every entry with its status, and
/// every problem with its location (source, key; line and column for JSON errors).
/// Contains no secret values (user names at most).
///
/// ```
/// use shortnames::credentials::{check_document, Format, SourceId};
///
/// let doc = br#"{"auths": {"quay.io": {"auth": "not base64!"}, "x.io": {"auth": "dTpw"}}}"#;
/// let report = check_document(SourceId::label("auth.json"), doc, Format::DockerConfigJson);
/// assert!(!report.is_ok());
/// assert_eq!(report.problems().count(), 1);
/// assert!(report.render_text().contains(r#"auth.json: entry "quay.io": auth is not valid base64"#));
/// assert_eq!(report.to_json()["problems"][0]["code"], "EntryError");
/// ```
#[derive(Clone, Debug)]
pub struct CheckReport {
    source: SourceId,
    format: Format,
    entries: Vec<EntrySummary>,
    diagnostics: Vec<Diagnostic>,
}

/// Checks a credentials file. A missing file is reported as a problem.
pub fn check_file(path: impl AsRef<Path>, format: Format) -> CheckReport {
    report(load_file(path.as_ref(), format), format)
}

/// Checks a document held in memory.
pub fn check_document(id: SourceId, bytes: &[u8], format: Format) -> CheckReport {
    report(load_bytes(id, bytes, format), format)
}

fn report(loaded: LoadedSource, format: Format) -> CheckReport {
    CheckReport {
        source: loaded.id,
        format,
        entries: loaded.summary,
        diagnostics: loaded.diagnostics,
    }
}

fn is_problem(d: &Diagnostic) -> bool {
    d.severity() >= Severity::Warning || matches!(d, Diagnostic::SourceMissing { .. })
}

impl CheckReport {
    /// The checked source.
    pub fn source(&self) -> &SourceId {
        &self.source
    }

    /// Every entry of the document, in document order.
    pub fn entries(&self) -> &[EntrySummary] {
        &self.entries
    }

    /// All diagnostics, including informational ones.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Diagnostics that make the file not OK (warnings, errors, a missing file).
    pub fn problems(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| is_problem(d))
    }

    /// Whether the document has no problems.
    pub fn is_ok(&self) -> bool {
        self.problems().next().is_none()
    }

    /// Number of entries holding a usable credential.
    pub fn usable_entries(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.status, EntryStatus::Usable { .. }))
            .count()
    }

    /// Human-readable report: a summary line, then one line per diagnostic
    /// (`severity: message`).
    pub fn render_text(&self) -> String {
        let problems = self.problems().count();
        let mut out = format!(
            "{}: {} entries, {} usable, {} problem{}\n",
            self.source,
            self.entries.len(),
            self.usable_entries(),
            problems,
            if problems == 1 { "" } else { "s" }
        );
        for d in &self.diagnostics {
            out.push_str(&format!("  {}: {d}\n", d.severity()));
        }
        out
    }

    /// Machine-readable report.
    pub fn to_json(&self) -> Value {
        let entries: Vec<Value> = self.entries.iter().map(entry_json).collect();
        let problems: Vec<Value> = self.problems().map(diagnostic_json).collect();
        let notes: Vec<Value> = self
            .diagnostics
            .iter()
            .filter(|d| !is_problem(d))
            .map(diagnostic_json)
            .collect();
        json!({
            "source": self.source.as_str(),
            "format": match self.format {
                Format::DockerConfigJson => "dockerconfigjson",
                Format::Dockercfg => "dockercfg",
            },
            "ok": self.is_ok(),
            "entries": entries,
            "problems": problems,
            "notes": notes,
        })
    }
}

fn entry_json(e: &EntrySummary) -> Value {
    let mut v = json!({ "key": e.raw_key, "normalized": e.key });
    let (status, extra) = match &e.status {
        EntryStatus::Usable { kind, username } => {
            ("usable", json!({ "kind": kind, "username": username }))
        }
        EntryStatus::Invalid(r) => ("invalid", json!({ "reason": r.code() })),
        EntryStatus::Empty => ("empty", json!({})),
        EntryStatus::InvalidKey(r) => ("invalid-key", json!({ "reason": r.code() })),
        EntryStatus::Duplicate { kept } => ("duplicate", json!({ "kept": kept })),
    };
    v["status"] = json!(status);
    if let (Value::Object(dst), Value::Object(src)) = (&mut v, extra) {
        dst.extend(src);
    }
    v
}

/// A diagnostic as a JSON object: `severity`, `code`, `message`, and where applicable
/// `source`, `key`, `reason`, `line`, `column`, `fields`, `hosts`, `kept`, `dropped`.
///
/// ```
/// use shortnames::credentials::{diagnostic_json, CredentialDiagnostic, SourceId};
///
/// let d = CredentialDiagnostic::SourceMissing { source: SourceId::file("/x.json") };
/// assert_eq!(diagnostic_json(&d)["code"], "SourceMissing");
/// ```
pub fn diagnostic_json(d: &Diagnostic) -> Value {
    let mut v = json!({
        "severity": d.severity().as_str(),
        "code": d.code(),
        "message": d.to_string(),
    });
    if let Some(s) = d.source() {
        v["source"] = json!(s.as_str());
    }
    match d {
        Diagnostic::DocumentError {
            kind, line, column, ..
        } => {
            v["reason"] = json!(kind.code());
            v["line"] = json!(line);
            v["column"] = json!(column);
        }
        Diagnostic::EntryError { key, reason, .. } => {
            v["key"] = json!(key);
            v["reason"] = json!(reason.code());
            if let super::EntryErrorReason::FieldType { field }
            | super::EntryErrorReason::TooLarge { field } = reason
            {
                v["field"] = json!(field);
            }
        }
        Diagnostic::KeyError { key, reason, .. } => {
            v["key"] = json!(key);
            v["reason"] = json!(reason.code());
        }
        Diagnostic::DuplicateKey { kept, dropped, .. } => {
            v["kept"] = json!(kept);
            v["dropped"] = json!(dropped);
        }
        Diagnostic::HelpersIgnored {
            hosts, creds_store, ..
        } => {
            v["hosts"] = json!(hosts);
            v["creds_store"] = json!(creds_store);
        }
        Diagnostic::IgnoredFields { key, fields, .. } => {
            v["key"] = json!(key);
            v["fields"] = json!(fields);
        }
        Diagnostic::AmbiguousField { key, field, .. } => {
            v["key"] = json!(key);
            v["field"] = json!(field);
        }
        Diagnostic::NodeSuppressed { failed_sources } => {
            let s: Vec<&str> = failed_sources.iter().map(SourceId::as_str).collect();
            v["failed_sources"] = json!(s);
        }
        Diagnostic::SourceMissing { .. } | Diagnostic::SecretDataMissing { .. } => {}
    }
    v
}

/// JSON form of one candidate: `origin`, `source`, `key` (normalized), `raw_key`, `kind`
/// and `username` (never secrets).
///
/// ```
/// use shortnames::credentials::{credential_candidate_json as candidate_json, Format, Keyring, SourceId};
///
/// let (k, _) = Keyring::builder()
///     .node_document(SourceId::label("node"), br#"{"auths":{"quay.io":{"auth":"dTpw"}}}"#, Format::DockerConfigJson)
///     .build();
/// let r = k.lookup_pull("quay.io/a/b:1", None).unwrap();
/// let v = candidate_json(r.first().unwrap());
/// assert_eq!(v["origin"], "node");
/// assert_eq!(v["username"], "u");
/// ```
pub fn candidate_json(c: &Candidate) -> Value {
    json!({
        "origin": c.origin().as_str(),
        "source": c.source().as_str(),
        "key": c.key(),
        "raw_key": c.raw_key(),
        "kind": c.credential().kind(),
        "username": c.credential().username(),
    })
}

/// JSON form of a pull lookup for one endpoint: `credential` (the first candidate or
/// `null` for anonymous), `candidates`, `warnings`, and `error` (`null`, or an object with
/// `message`, `source`, `key`, `reason`).
///
/// ```
/// use shortnames::credentials::{pull_result_json, Keyring};
///
/// let (k, _) = Keyring::builder().build();
/// let v = pull_result_json(&k.lookup_pull("quay.io/a/b", None));
/// assert!(v["credential"].is_null() && v["error"].is_null());
/// ```
pub fn pull_result_json(result: &Result<PullCredentials, CredentialError>) -> Value {
    match result {
        Ok(r) => json!({
            "credential": r.first().map(candidate_json),
            "candidates": r.candidates().iter().map(candidate_json).collect::<Vec<_>>(),
            "warnings": r.warnings().iter().map(diagnostic_json).collect::<Vec<_>>(),
            "error": Value::Null,
        }),
        Err(e) => {
            let mut err = json!({ "message": e.to_string() });
            if let CredentialError::InvalidCredentialEntry {
                source,
                key,
                reason,
            } = e
            {
                err["source"] = json!(source.as_str());
                err["key"] = json!(key);
                err["reason"] = json!(reason.code());
            }
            json!({
                "credential": Value::Null,
                "candidates": [],
                "warnings": [],
                "error": err,
            })
        }
    }
}
