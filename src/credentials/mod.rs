//! Pull credentials: parsing credential documents, a tiered keyring (namespace secrets over
//! the node pull secret), pull/push lookups per physical image location, and redaction.
//!
//! See `shared/spec/credentials.md`.

mod check;
mod error;
mod keyring;
mod parse;
mod secret;

pub use check::{check_document, check_file, diagnostic_json, CheckReport};
pub use error::{
    CredentialError, Diagnostic, DocumentErrorKind, EntryErrorReason, KeyErrorReason, Origin,
    Severity, SourceId,
};
pub use keyring::{
    Candidate, CriAuthConfig, EntryStatus, EntrySummary, Explicit, Key, Keyring, KeyringBuilder,
    NoNode, PullCredentials, PushCredentials, PushKeyring, Target, WithNode,
};
pub use parse::{Format, MAX_DOCUMENT_BYTES, MAX_FIELD_BYTES};
pub use secret::{Credential, Secret};
