//! Pull credentials: parsing credential documents, a tiered keyring (namespace secrets over
//! the node pull secret), pull/push lookups per physical image location, and redaction.
//!
//! See `shared/spec/credentials.md`.
//!
//! * [`Keyring::builder`] loads sources: namespace files / documents / Kubernetes secrets in
//!   caller order, and at most one node file. Loading never fails as a whole; problems are
//!   [`CredentialDiagnostic`]s naming source and key, never values.
//! * [`Keyring::lookup_pull_source`] answers for one pull source (the physical location after
//!   mirror rewriting): explicit credential, else namespace tier, else node tier (unless a
//!   namespace source failed to load), else anonymous. All matches of the winning tier are
//!   returned, most specific first, each with its origin, source and key.
//! * [`Keyring::pull_source_credentials`] / [`Keyring::resolution_credentials`] do that lookup
//!   for every pull source of a resolved candidate / of a whole [`Resolution`](crate::Resolution)
//!   (mirrors get their own lookup).
//! * [`Keyring::push`] gives a [`PushKeyring`], which has no access to the node tier.
//! * [`AuthFileReport::check_file`] validates one file for `shortnames auth check`.
//!
//! ```
//! use shortnames::credentials::{Format, Keyring, Origin, SourceId};
//!
//! let node = br#"{"auths": {"quay.io": {"auth": "bm9kZXVzZXI6bm9kZXBhc3M="},
//!                           "mirror.example.com:5000": {"auth": "bWlycm9ydXNlcjptaXJyb3Jwdw=="}}}"#;
//! let secret = br#"{"auths": {"quay.io/team": {"auth": "dGVhbTp0ZWFtcHc="}}}"#;
//! let (keyring, diagnostics) = Keyring::builder()
//!     .namespace_secret("app", "pull", "kubernetes.io/dockerconfigjson",
//!                       [(".dockerconfigjson", &secret[..])])
//!     .node_document(SourceId::file("/var/lib/kubelet/config.json"), node, Format::DockerConfigJson)
//!     .build();
//! assert!(diagnostics.is_empty());
//!
//! // Each pull source gets its own lookup: the mirror ...
//! let mirror = keyring
//!     .lookup_pull_source("mirror.example.com:5000/team/app:1", "quay.io/team/app:1", None)
//!     .unwrap();
//! assert_eq!(mirror.to_string(), r#"/var/lib/kubelet/config.json: mirror.example.com:5000 (user "mirroruser")"#);
//! // ... and the primary location, where the namespace secret wins.
//! let primary = keyring.lookup_pull_source("quay.io/team/app:1", "quay.io/team/app:1", None).unwrap();
//! assert_eq!(primary.first().unwrap().origin(), Origin::Namespace);
//! assert_eq!(primary.to_string(), r#"secret:app/pull#.dockerconfigjson: quay.io/team (user "team")"#);
//!
//! // Pushing never uses the node pull secret.
//! assert!(keyring.lookup_push("quay.io/other/app", None).unwrap().is_anonymous());
//! ```

mod check;
mod error;
mod json;
mod keyring;
mod parse;
mod resolution;
mod secret;

// Names that would collide with other modules' items (resolve::Candidate, diagnostics'
// Diagnostic, Severity and CheckReport) are exported prefixed. Rendering (text for people,
// JSON in the CLI's one vocabulary) is the CLI's (src/cli/vocab.rs).
pub use check::CheckReport as AuthFileReport;
pub use error::{
    CredentialError, Diagnostic as CredentialDiagnostic, DocumentErrorKind, EntryErrorReason,
    KeyErrorReason, Origin, Severity as CredentialSeverity, SourceId,
};
pub use keyring::{
    Candidate as CredentialCandidate, CredentialList, CriAuthConfig, EntryStatus, EntrySummary,
    Explicit, Key, Keyring, KeyringBuilder, NoNode, PullCredentials, PushCredentials, PushKeyring,
    Target, WithNode,
};
pub use parse::{Format, MAX_DOCUMENT_BYTES};
pub use resolution::SourceCredentials;
pub use secret::{Credential, Secret};
