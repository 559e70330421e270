//! Validation of one credentials file (`shortnames auth check F`); the CLI renders it.

use std::path::Path;

use super::error::{Diagnostic, Severity, SourceId};
use super::keyring::{load_bytes, load_file, EntryStatus, EntrySummary, LoadedSource};
use super::parse::Format;

/// The result of checking one credentials document: every entry with its status, and
/// every problem with its location (source, key; line and column for JSON errors).
/// Contains no secret values (user names at most).
///
/// ```
/// use shortnames::credentials::{AuthFileReport, Format, SourceId};
///
/// let doc = br#"{"auths": {"quay.io": {"auth": "not base64!"}, "x.io": {"auth": "dTpw"}}}"#;
/// let report = AuthFileReport::check_document(SourceId::label("auth.json"), doc, Format::DockerConfigJson);
/// assert!(!report.is_ok());
/// assert_eq!(report.problems().count(), 1);
/// assert!(report.render_text().contains(r#"auth.json: entry "quay.io": auth is not valid base64"#));
/// assert_eq!(report.problems().next().unwrap().code(), "EntryError");
/// ```
#[derive(Clone, Debug)]
pub struct CheckReport {
    source: SourceId,
    entries: Vec<EntrySummary>,
    diagnostics: Vec<Diagnostic>,
}

impl CheckReport {
    /// Checks a credentials file. A missing file is reported as a problem.
    pub fn check_file(path: impl AsRef<Path>, format: Format) -> CheckReport {
        report(load_file(path.as_ref(), format))
    }

    /// Checks a document held in memory.
    pub fn check_document(id: SourceId, bytes: &[u8], format: Format) -> CheckReport {
        report(load_bytes(id, bytes, format))
    }
}

fn report(loaded: LoadedSource) -> CheckReport {
    CheckReport {
        source: loaded.id,
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
}
