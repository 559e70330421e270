//! Source identities, diagnostics and errors. Nothing here ever holds secret material:
//! only source ids, raw keys, field names, reason codes and line/column numbers.

use std::fmt;
use std::io;
use std::path::Path;

/// Identity of one credential document, as printed in diagnostics and errors.
///
/// * file: the path exactly as configured;
/// * Kubernetes secret: `secret:<namespace>/<name>#<data key>`;
/// * inline document: a caller-supplied label.
///
/// ```
/// use shortnames::credentials::SourceId;
///
/// assert_eq!(SourceId::secret("app", "pull", ".dockerconfigjson").to_string(),
///            "secret:app/pull#.dockerconfigjson");
/// assert_eq!(SourceId::file("/var/lib/kubelet/config.json").as_str(),
///            "/var/lib/kubelet/config.json");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(String);

impl SourceId {
    /// A file source, named by its path exactly as configured.
    pub fn file(path: impl AsRef<Path>) -> Self {
        SourceId(path.as_ref().display().to_string())
    }

    /// A Kubernetes secret source: `secret:<namespace>/<name>#<data key>`.
    pub fn secret(namespace: &str, name: &str, data_key: &str) -> Self {
        SourceId(format!("secret:{namespace}/{name}#{data_key}"))
    }

    /// An inline document named by a caller-supplied label.
    pub fn label(label: impl Into<String>) -> Self {
        SourceId(label.into())
    }

    /// The source of an explicit (per-request) credential.
    pub fn explicit() -> Self {
        SourceId("explicit".to_string())
    }

    /// The identity as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The tier a credential came from, in precedence order.
///
/// ```
/// use shortnames::credentials::Origin;
/// assert!(Origin::Explicit < Origin::Namespace && Origin::Namespace < Origin::Node);
/// assert_eq!(Origin::Node.to_string(), "node");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// A credential handed in with the request (e.g. CRI `PullImageRequest.auth`).
    Explicit,
    /// A source the caller attached to the request (pod / service-account pull secrets).
    Namespace,
    /// The node pull secret (normally `/var/lib/kubelet/config.json`).
    Node,
}

impl Origin {
    /// Lowercase name: `explicit`, `namespace` or `node`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Explicit => "explicit",
            Origin::Namespace => "namespace",
            Origin::Node => "node",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How important a diagnostic is.
///
/// ```
/// use shortnames::credentials::{AuthFileReport, CredentialDiagnostic, Format, SourceId};
/// use shortnames::credentials::CredentialSeverity;
///
/// let doc = br#"{"auths": {"quay.io": {"auth": "not base64!"}}}"#;
/// let report = AuthFileReport::check_document(SourceId::label("a.json"), doc, Format::DockerConfigJson);
/// assert_eq!(report.problems().next().unwrap().severity(), CredentialSeverity::Warning);
/// assert_eq!(CredentialSeverity::Error.as_str(), "error");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Only of interest when debugging (e.g. a missing file).
    Debug,
    /// Informational (duplicates, ignored helpers).
    Info,
    /// Something was skipped; pulls still work for other registries.
    Warning,
    /// A whole source is unusable.
    Error,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a whole document could not be used.
///
/// ```
/// use shortnames::credentials::{AuthFileReport, CredentialDiagnostic, Format, SourceId};
/// use shortnames::credentials::DocumentErrorKind;
///
/// let report = AuthFileReport::check_document(SourceId::label("a.json"), b"{\"auths\": ", Format::DockerConfigJson);
/// let Some(CredentialDiagnostic::DocumentError { kind, line, .. }) = report.problems().next() else { panic!() };
/// assert_eq!((*kind, kind.code(), *line), (DocumentErrorKind::Syntax, "Syntax", Some(1)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentErrorKind {
    /// The file exists but the process may not read it.
    PermissionDenied,
    /// Another I/O error while reading.
    Io(io::ErrorKind),
    /// The path is a directory, device, socket, …
    NotRegularFile,
    /// Larger than 4 MiB.
    TooLarge,
    /// Empty or whitespace only.
    Empty,
    /// Starts with a UTF-8 byte-order mark (not valid JSON).
    ByteOrderMark,
    /// Not valid JSON, including truncated documents (see line and column).
    Syntax,
    /// The top level is not a JSON object.
    NotAnObject,
    /// `auths` is neither an object nor `null`.
    InvalidStructure,
}

impl DocumentErrorKind {
    /// Stable reason code.
    pub fn code(self) -> &'static str {
        match self {
            DocumentErrorKind::PermissionDenied => "PermissionDenied",
            DocumentErrorKind::Io(_) => "Io",
            DocumentErrorKind::NotRegularFile => "NotRegularFile",
            DocumentErrorKind::TooLarge => "TooLarge",
            DocumentErrorKind::Empty => "Empty",
            DocumentErrorKind::ByteOrderMark => "ByteOrderMark",
            DocumentErrorKind::Syntax => "Syntax",
            DocumentErrorKind::NotAnObject => "NotAnObject",
            DocumentErrorKind::InvalidStructure => "InvalidStructure",
        }
    }

    pub(crate) fn from_io(kind: io::ErrorKind) -> Self {
        match kind {
            io::ErrorKind::PermissionDenied => DocumentErrorKind::PermissionDenied,
            other => DocumentErrorKind::Io(other),
        }
    }
}

impl fmt::Display for DocumentErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentErrorKind::PermissionDenied => f.write_str("permission denied"),
            DocumentErrorKind::Io(kind) => write!(f, "I/O error ({kind})"),
            DocumentErrorKind::NotRegularFile => f.write_str("not a regular file"),
            DocumentErrorKind::TooLarge => f.write_str("larger than 4 MiB"),
            DocumentErrorKind::Empty => f.write_str("empty document"),
            DocumentErrorKind::ByteOrderMark => {
                f.write_str("invalid JSON: starts with a byte-order mark")
            }
            DocumentErrorKind::Syntax => f.write_str("invalid JSON"),
            DocumentErrorKind::NotAnObject => f.write_str("top level is not a JSON object"),
            DocumentErrorKind::InvalidStructure => f.write_str("\"auths\" is not an object"),
        }
    }
}

/// Why one entry (one member of `auths`) is invalid. An invalid entry still covers its key.
///
/// ```
/// use shortnames::credentials::{AuthFileReport, CredentialDiagnostic, Format, SourceId};
/// use shortnames::credentials::EntryErrorReason;
///
/// let doc = br#"{"auths": {"quay.io": {"auth": "bm9jb2xvbg=="}}}"#; // "nocolon"
/// let report = AuthFileReport::check_document(SourceId::label("a.json"), doc, Format::DockerConfigJson);
/// let Some(CredentialDiagnostic::EntryError { reason, .. }) = report.problems().next() else { panic!() };
/// assert_eq!(*reason, EntryErrorReason::AuthMissingColon);
/// assert_eq!(reason.code(), "AuthMissingColon");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryErrorReason {
    /// The entry value is not a JSON object.
    NotAnObject,
    /// A recognised field is neither a string nor `null`.
    FieldType {
        /// The field name (`auth`, `username`, …).
        field: &'static str,
    },
    /// `auth` is not valid standard base64.
    AuthNotBase64,
    /// `auth` decodes to bytes that are not UTF-8.
    AuthNotUtf8,
    /// `auth` decodes to text without a `:`.
    AuthMissingColon,
    /// A field is larger than 256 KiB after decoding.
    TooLarge {
        /// The field name.
        field: &'static str,
    },
}

impl EntryErrorReason {
    /// Stable reason code.
    pub fn code(self) -> &'static str {
        match self {
            EntryErrorReason::NotAnObject => "NotAnObject",
            EntryErrorReason::FieldType { .. } => "FieldType",
            EntryErrorReason::AuthNotBase64 => "AuthNotBase64",
            EntryErrorReason::AuthNotUtf8 => "AuthNotUtf8",
            EntryErrorReason::AuthMissingColon => "AuthMissingColon",
            EntryErrorReason::TooLarge { .. } => "TooLarge",
        }
    }
}

impl fmt::Display for EntryErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryErrorReason::NotAnObject => f.write_str("entry is not a JSON object"),
            EntryErrorReason::FieldType { field } => {
                write!(f, "field \"{field}\" is not a string")
            }
            EntryErrorReason::AuthNotBase64 => f.write_str("auth is not valid base64"),
            EntryErrorReason::AuthNotUtf8 => f.write_str("auth does not decode to UTF-8 text"),
            EntryErrorReason::AuthMissingColon => {
                f.write_str("auth has no ':' separator after decoding")
            }
            EntryErrorReason::TooLarge { field } => {
                write!(f, "field \"{field}\" is larger than 256 KiB")
            }
        }
    }
}

/// Why a raw key was rejected. Invalid keys never match anything.
///
/// ```
/// use shortnames::credentials::{Key, KeyErrorReason};
/// assert_eq!(Key::parse("quay.io:99999").unwrap_err(), KeyErrorReason::InvalidPort);
/// assert_eq!(KeyErrorReason::InvalidPort.code(), "InvalidPort");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyErrorReason {
    /// The key contains ASCII whitespace or a control character.
    WhitespaceOrControl,
    /// A scheme other than `http://` / `https://`.
    UnsupportedScheme,
    /// `?`, `#` or `@` in the key.
    ForbiddenCharacter,
    /// The host part is empty.
    EmptyHost,
    /// A bracketed IPv6 literal (not supported).
    Ipv6Unsupported,
    /// A host label does not match `[a-z0-9*]([a-z0-9*-]*[a-z0-9*])?`.
    InvalidHost,
    /// Every host label is only `*` (would match arbitrary hosts).
    WildcardOnlyHost,
    /// The port is not a number in 1–65535.
    InvalidPort,
    /// A path segment is empty or not a lowercase repository path component
    /// (e.g. `repo:tag`, `//`, uppercase).
    InvalidPath,
}

impl KeyErrorReason {
    /// Stable reason code.
    pub fn code(self) -> &'static str {
        match self {
            KeyErrorReason::WhitespaceOrControl => "WhitespaceOrControl",
            KeyErrorReason::UnsupportedScheme => "UnsupportedScheme",
            KeyErrorReason::ForbiddenCharacter => "ForbiddenCharacter",
            KeyErrorReason::EmptyHost => "EmptyHost",
            KeyErrorReason::Ipv6Unsupported => "Ipv6Unsupported",
            KeyErrorReason::InvalidHost => "InvalidHost",
            KeyErrorReason::WildcardOnlyHost => "WildcardOnlyHost",
            KeyErrorReason::InvalidPort => "InvalidPort",
            KeyErrorReason::InvalidPath => "InvalidPath",
        }
    }
}

impl fmt::Display for KeyErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyErrorReason::WhitespaceOrControl => "contains whitespace or control characters",
            KeyErrorReason::UnsupportedScheme => "only http:// and https:// schemes are allowed",
            KeyErrorReason::ForbiddenCharacter => "contains '?', '#' or '@'",
            KeyErrorReason::EmptyHost => "empty host",
            KeyErrorReason::Ipv6Unsupported => "IPv6 literals are not supported",
            KeyErrorReason::InvalidHost => "invalid host name",
            KeyErrorReason::WildcardOnlyHost => "host consists of wildcards only",
            KeyErrorReason::InvalidPort => "invalid port",
            KeyErrorReason::InvalidPath => {
                "invalid repository path (tags, empty or uppercase segments are not allowed)"
            }
        })
    }
}

/// Something noteworthy found while loading sources or during a lookup.
/// Names sources, raw keys and field names, never values.
///
/// ```
/// use shortnames::credentials::{AuthFileReport, CredentialDiagnostic, Format, SourceId};
///
/// let doc = br#"{"auths": {"quay.io": {"auth": "not base64!"}}}"#;
/// let report = AuthFileReport::check_document(SourceId::label("a.json"), doc, Format::DockerConfigJson);
/// let d: &CredentialDiagnostic = report.problems().next().unwrap();
/// assert_eq!((d.code(), d.key()), ("EntryError", Some("quay.io")));
/// assert_eq!(d.to_string(), r#"a.json: entry "quay.io": auth is not valid base64"#); // never a value
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Diagnostic {
    /// A configured file does not exist; the source is empty.
    SourceMissing {
        /// The file.
        source: SourceId,
    },
    /// A whole document is unusable.
    DocumentError {
        /// The document.
        source: SourceId,
        /// Why.
        kind: DocumentErrorKind,
        /// 1-based line of a JSON error, if known.
        line: Option<usize>,
        /// 1-based column of a JSON error, if known.
        column: Option<usize>,
    },
    /// One entry is invalid; it still covers its key.
    EntryError {
        /// The document.
        source: SourceId,
        /// The raw key of the entry.
        key: String,
        /// Why.
        reason: EntryErrorReason,
    },
    /// A key is invalid; its entry never matches.
    KeyError {
        /// The document.
        source: SourceId,
        /// The raw key.
        key: String,
        /// Why.
        reason: KeyErrorReason,
    },
    /// Two raw keys of one document normalize to the same key; one was dropped.
    DuplicateKey {
        /// The document.
        source: SourceId,
        /// The raw key that is used.
        kept: String,
        /// The raw key that is ignored.
        dropped: String,
    },
    /// `credHelpers` / `credsStore` are present; they are never executed.
    HelpersIgnored {
        /// The document.
        source: SourceId,
        /// Hosts named in `credHelpers`.
        hosts: Vec<String>,
        /// Whether `credsStore` is set.
        creds_store: bool,
    },
    /// Non-empty fields of an entry that the chosen credential rule does not use.
    IgnoredFields {
        /// The document.
        source: SourceId,
        /// The raw key of the entry.
        key: String,
        /// The names of the ignored fields.
        fields: Vec<&'static str>,
    },
    /// Several members match one field name case-insensitively and none matches exactly;
    /// the first in document order was used.
    AmbiguousField {
        /// The document.
        source: SourceId,
        /// The raw key of the entry, or `None` for a top-level member.
        key: Option<String>,
        /// The field name.
        field: &'static str,
    },
    /// A Kubernetes secret of a pull-secret type lacks its data key (or it is empty).
    SecretDataMissing {
        /// The secret (with the expected data key).
        source: SourceId,
    },
    /// The node tier was not consulted because namespace sources failed to load.
    NodeSuppressed {
        /// The namespace sources that failed.
        failed_sources: Vec<SourceId>,
    },
}

impl Diagnostic {
    /// Stable code, e.g. `EntryError`.
    pub fn code(&self) -> &'static str {
        match self {
            Diagnostic::SourceMissing { .. } => "SourceMissing",
            Diagnostic::DocumentError { .. } => "DocumentError",
            Diagnostic::EntryError { .. } => "EntryError",
            Diagnostic::KeyError { .. } => "KeyError",
            Diagnostic::DuplicateKey { .. } => "DuplicateKey",
            Diagnostic::HelpersIgnored { .. } => "HelpersIgnored",
            Diagnostic::IgnoredFields { .. } => "IgnoredFields",
            Diagnostic::AmbiguousField { .. } => "AmbiguousField",
            Diagnostic::SecretDataMissing { .. } => "SecretDataMissing",
            Diagnostic::NodeSuppressed { .. } => "NodeSuppressed",
        }
    }

    /// Severity of this diagnostic.
    pub fn severity(&self) -> Severity {
        match self {
            Diagnostic::SourceMissing { .. } => Severity::Debug,
            Diagnostic::DocumentError { .. } => Severity::Error,
            Diagnostic::EntryError { .. }
            | Diagnostic::KeyError { .. }
            | Diagnostic::AmbiguousField { .. }
            | Diagnostic::SecretDataMissing { .. }
            | Diagnostic::NodeSuppressed { .. } => Severity::Warning,
            Diagnostic::DuplicateKey { .. }
            | Diagnostic::HelpersIgnored { .. }
            | Diagnostic::IgnoredFields { .. } => Severity::Info,
        }
    }

    /// The source this diagnostic is about (`None` for [`Diagnostic::NodeSuppressed`]).
    pub fn source(&self) -> Option<&SourceId> {
        match self {
            Diagnostic::SourceMissing { source }
            | Diagnostic::DocumentError { source, .. }
            | Diagnostic::EntryError { source, .. }
            | Diagnostic::KeyError { source, .. }
            | Diagnostic::DuplicateKey { source, .. }
            | Diagnostic::HelpersIgnored { source, .. }
            | Diagnostic::IgnoredFields { source, .. }
            | Diagnostic::AmbiguousField { source, .. }
            | Diagnostic::SecretDataMissing { source } => Some(source),
            Diagnostic::NodeSuppressed { .. } => None,
        }
    }

    /// The raw key this diagnostic is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Diagnostic::EntryError { key, .. }
            | Diagnostic::KeyError { key, .. }
            | Diagnostic::IgnoredFields { key, .. } => Some(key),
            Diagnostic::DuplicateKey { dropped, .. } => Some(dropped),
            Diagnostic::AmbiguousField { key, .. } => key.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::SourceMissing { source } => {
                write!(f, "{source}: file does not exist (no credentials)")
            }
            Diagnostic::DocumentError {
                source,
                kind,
                line,
                column,
            } => {
                write!(f, "{source}")?;
                if let (Some(l), Some(c)) = (line, column) {
                    write!(f, ":{l}:{c}")?;
                }
                write!(f, ": {kind}")
            }
            Diagnostic::EntryError {
                source,
                key,
                reason,
            } => write!(f, "{source}: entry {key:?}: {reason}"),
            Diagnostic::KeyError {
                source,
                key,
                reason,
            } => write!(f, "{source}: key {key:?} is invalid and never matches: {reason}"),
            Diagnostic::DuplicateKey {
                source,
                kept,
                dropped,
            } => write!(
                f,
                "{source}: key {dropped:?} duplicates {kept:?} after normalization; using {kept:?}"
            ),
            Diagnostic::HelpersIgnored {
                source,
                hosts,
                creds_store,
            } => {
                write!(f, "{source}: credential helpers are never executed")?;
                if *creds_store {
                    write!(f, "; credsStore ignored")?;
                }
                if !hosts.is_empty() {
                    write!(f, "; credHelpers ignored for {hosts:?}")?;
                }
                Ok(())
            }
            Diagnostic::IgnoredFields {
                source,
                key,
                fields,
            } => write!(f, "{source}: entry {key:?}: ignored fields {fields:?}"),
            Diagnostic::AmbiguousField { source, key, field } => match key {
                Some(key) => write!(
                    f,
                    "{source}: entry {key:?}: several members match field {field:?}; using the first"
                ),
                None => write!(
                    f,
                    "{source}: several members match {field:?}; using the first"
                ),
            },
            Diagnostic::SecretDataMissing { source } => {
                write!(f, "{source}: secret data key missing or empty")
            }
            Diagnostic::NodeSuppressed { failed_sources } => {
                write!(f, "node credentials not used because namespace sources failed to load: ")?;
                for (i, s) in failed_sources.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{s}")?;
                }
                Ok(())
            }
        }
    }
}

/// Errors of lookups and explicit-credential construction. Never contains secret values.
///
/// ```
/// use shortnames::credentials::{CredentialError, Keyring};
///
/// let (keyring, _) = Keyring::builder().build();
/// let e = keyring.lookup_pull("busybox", None).unwrap_err(); // not fully qualified
/// assert!(matches!(e, CredentialError::InvalidReference { .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialError {
    /// The winning tier has only invalid entries for the target.
    InvalidCredentialEntry {
        /// The document.
        source: SourceId,
        /// The raw key.
        key: String,
        /// Why the entry is invalid.
        reason: EntryErrorReason,
    },
    /// The explicit (per-request) credential is malformed.
    ExplicitCredentialInvalid {
        /// Why.
        reason: EntryErrorReason,
    },
    /// The host an explicit credential is bound to is not a valid `host[:port]`.
    InvalidBoundHost {
        /// The host as given.
        host: String,
        /// Why.
        reason: KeyErrorReason,
    },
    /// The lookup input is not a fully-qualified image reference.
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// Why.
        reason: &'static str,
    },
    /// A node-tier credential was offered for a push (rejected by construction).
    NodeCredentialForPush {
        /// The node source.
        source: SourceId,
    },
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialError::InvalidCredentialEntry {
                source,
                key,
                reason,
            } => write!(
                f,
                "credential entry {key:?} in {source} is invalid: {reason}"
            ),
            CredentialError::ExplicitCredentialInvalid { reason } => {
                write!(f, "explicit credential is invalid: {reason}")
            }
            CredentialError::InvalidBoundHost { host, reason } => {
                write!(
                    f,
                    "explicit credential bound to invalid host {host:?}: {reason}"
                )
            }
            CredentialError::InvalidReference { reference, reason } => {
                write!(f, "invalid image reference {reference:?}: {reason}")
            }
            CredentialError::NodeCredentialForPush { source } => write!(
                f,
                "credential from {source} (node tier) can never be used for push"
            ),
        }
    }
}

impl std::error::Error for CredentialError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_document_error_kinds() {
        assert_eq!(
            DocumentErrorKind::from_io(io::ErrorKind::PermissionDenied),
            DocumentErrorKind::PermissionDenied
        );
        let other = DocumentErrorKind::from_io(io::ErrorKind::InvalidData);
        assert_eq!(other, DocumentErrorKind::Io(io::ErrorKind::InvalidData));
        assert_eq!(other.code(), "Io");
    }
}
