//! The one machine vocabulary of the CLI's JSON documents (schemas in `schemas/`):
//!
//! * every document starts with `"schema": "shortnames-<cmd>/v1"` ([`document`]);
//! * every error is `{"kind", "message", "file", "line", "column", "key"}`
//!   ([`error_object`]), kinds in one kebab-case namespace (`invalid-config/toml`,
//!   `credentials/auth-not-base64`, `usage/...`);
//! * a finding (a problem that may be a warning) is an error object plus `severity`
//!   (`error|warning|note`), `help` and `notes`;
//! * absent values are `null`, never `""`.
//!
//! The corpus document of `resolve --format json` is the one exception: its shape is the
//! conformance contract (../shared/conformance/README.md) and it is emitted unchanged.

use serde_json::{json, Map, Value};
use shortnames::credentials::{
    AuthFileReport as AuthReport, CredentialCandidate, CredentialDiagnostic as AuthDiagnostic,
    CredentialError, CredentialSeverity as AuthSeverity, EntryStatus, PullCredentials,
};
use shortnames::diagnostics::Finding;
use shortnames::Error;

/// `body` (an object) with `"schema": "shortnames-<cmd>/v1"` as its first member.
pub fn document(cmd: &str, body: Value) -> Value {
    let mut m = Map::new();
    m.insert("schema".into(), json!(format!("shortnames-{cmd}/v1")));
    if let Value::Object(b) = body {
        m.extend(b);
    }
    Value::Object(m)
}

/// An error object.
pub fn error_object(
    kind: &str,
    message: &str,
    file: Option<&str>,
    location: Option<(usize, usize)>,
    key: Option<&str>,
) -> Value {
    json!({
        "kind": kind,
        "message": message,
        "file": file,
        "line": location.map(|l| l.0),
        "column": location.map(|l| l.1),
        "key": key,
    })
}

/// A library error as an error object.
pub fn error_json(e: &Error) -> Value {
    error_object(
        &e.kind().as_str(),
        e.message(),
        e.file(),
        e.location().map(|l| (l.line, l.column)),
        e.key(),
    )
}

/// A configuration finding (`check`): an error object plus `severity`, `help`, `notes`.
pub fn finding_json(d: &Finding) -> Value {
    let mut v = error_object(
        &d.kind,
        &d.message,
        d.file.as_deref(),
        d.location.map(|l| (l.line, l.column)),
        d.key.as_deref(),
    );
    v["severity"] = json!(d.level.as_str());
    v["help"] = json!(d.help);
    v["notes"] = d
        .notes
        .iter()
        .map(|n| {
            json!({
                "message": n.message,
                "file": n.file,
                "line": n.location.map(|l| l.line),
                "column": n.location.map(|l| l.column),
            })
        })
        .collect();
    v
}

/// `CamelCase` → `camel-case`.
pub fn kebab(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 4);
    for (i, c) in code.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `error`, `warning` or `note` for a credentials diagnostic.
pub fn auth_severity(d: &AuthDiagnostic) -> &'static str {
    match d.severity() {
        // A named file that does not exist is an error wherever it is named.
        _ if matches!(d, AuthDiagnostic::SourceMissing { .. }) => "error",
        AuthSeverity::Error => "error",
        AuthSeverity::Warning => "warning",
        AuthSeverity::Info | AuthSeverity::Debug => "note",
    }
}

/// The kind of a credentials diagnostic: `credentials/<reason>` for entry, key and document
/// errors (`credentials/auth-not-base64`, `credentials/invalid-host`, `credentials/syntax`),
/// else `credentials/<diagnostic>` (`credentials/source-missing`, `credentials/duplicate-key`).
pub fn auth_kind(d: &AuthDiagnostic) -> String {
    let what = match d {
        AuthDiagnostic::EntryError { reason, .. } => reason.code(),
        AuthDiagnostic::KeyError { reason, .. } => reason.code(),
        AuthDiagnostic::DocumentError { kind, .. } => kind.code(),
        other => other.code(),
    };
    format!("credentials/{}", kebab(what))
}

/// A credentials diagnostic as a finding (`file` is the source: a path or a label).
pub fn auth_diagnostic_json(d: &AuthDiagnostic) -> Value {
    let location = match d {
        AuthDiagnostic::DocumentError {
            line: Some(l),
            column: Some(c),
            ..
        } => Some((*l, *c)),
        _ => None,
    };
    let mut v = error_object(
        &auth_kind(d),
        &d.to_string(),
        d.source().map(|s| s.as_str()),
        location,
        d.key(),
    );
    v["severity"] = json!(auth_severity(d));
    v["help"] = Value::Null;
    v["notes"] = json!([]);
    v
}

/// A credential lookup error as an error object.
pub fn credential_error_json(e: &CredentialError) -> Value {
    match e {
        CredentialError::InvalidCredentialEntry {
            source,
            key,
            reason,
        } => error_object(
            &format!("credentials/{}", kebab(reason.code())),
            &e.to_string(),
            Some(source.as_str()),
            None,
            Some(key),
        ),
        CredentialError::NodeCredentialForPush { source } => error_object(
            "credentials/node-credential-for-push",
            &e.to_string(),
            Some(source.as_str()),
            None,
            None,
        ),
        CredentialError::ExplicitCredentialInvalid { .. } => error_object(
            "credentials/explicit-credential-invalid",
            &e.to_string(),
            None,
            None,
            None,
        ),
        CredentialError::InvalidBoundHost { .. } => error_object(
            "credentials/invalid-bound-host",
            &e.to_string(),
            None,
            None,
            None,
        ),
        CredentialError::InvalidReference { .. } => error_object(
            "credentials/invalid-reference",
            &e.to_string(),
            None,
            None,
            None,
        ),
    }
}

/// One credential that applies to an endpoint: where it comes from (`origin` `namespace` |
/// `node` | `explicit`, `source`, the normalized `key` and the `raw_key` as written) and what
/// it is (`kind`, `username`); never a secret.
pub fn credential_candidate_json(c: &CredentialCandidate) -> Value {
    json!({
        "origin": c.origin().as_str(),
        "source": c.source().as_str(),
        "key": c.key(),
        "raw_key": c.raw_key(),
        "kind": c.credential().kind(),
        "username": c.credential().username(),
    })
}

/// The pull credentials of one endpoint: `credential` (the first to present, `null` =
/// anonymous), `candidates` (rotation order after a 401/403), `warnings` as findings, `error`
/// as an error object or `null`.
pub fn pull_credentials_json(r: &Result<PullCredentials, CredentialError>) -> Value {
    match r {
        Ok(c) => json!({
            "credential": c.first().map(credential_candidate_json),
            "candidates": c.candidates().iter().map(credential_candidate_json).collect::<Vec<_>>(),
            "warnings": c.warnings().iter().map(auth_diagnostic_json).collect::<Vec<_>>(),
            "error": null,
        }),
        Err(e) => json!({
            "credential": null,
            "candidates": [],
            "warnings": [],
            "error": credential_error_json(e),
        }),
    }
}

/// The `auth check` document body.
pub fn auth_report_json(r: &AuthReport, format: &str) -> Value {
    let entries: Vec<Value> = r
        .entries()
        .iter()
        .map(|e| {
            let (status, kind, username, reason, kept) = match &e.status {
                EntryStatus::Usable { kind, username } => {
                    ("usable", Some(*kind), username.clone(), None, None)
                }
                EntryStatus::Invalid(x) => ("invalid", None, None, Some(kebab(x.code())), None),
                EntryStatus::Empty => ("empty", None, None, None, None),
                EntryStatus::InvalidKey(x) => {
                    ("invalid-key", None, None, Some(kebab(x.code())), None)
                }
                EntryStatus::Duplicate { kept } => {
                    ("duplicate", None, None, None, Some(kept.clone()))
                }
            };
            json!({
                "key": e.raw_key,
                "normalized": e.key,
                "status": status,
                "kind": kind,
                "username": username,
                "reason": reason.map(|r| format!("credentials/{r}")),
                "kept": kept,
            })
        })
        .collect();
    let findings: Vec<Value> = r.diagnostics().iter().map(auth_diagnostic_json).collect();
    let count = |s: &str| findings.iter().filter(|f| f["severity"] == s).count();
    json!({
        "file": r.source().as_str(),
        "format": format,
        "ok": r.is_ok(),
        "entries": entries,
        "usable": r.usable_entries(),
        "errors": count("error"),
        "warnings": count("warning"),
        "notes": count("note"),
        "findings": findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_case() {
        assert_eq!(kebab("AuthNotBase64"), "auth-not-base64");
        assert_eq!(kebab("Syntax"), "syntax");
        assert_eq!(kebab("SourceMissing"), "source-missing");
    }

    #[test]
    fn schema_first() {
        let d = document("check", json!({"a": 1}));
        assert_eq!(d.as_object().unwrap().keys().next().unwrap(), "schema");
        assert_eq!(d["schema"], "shortnames-check/v1");
    }
}
