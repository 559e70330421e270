//! The decoded form of one file: the union of the v2 and v1 schemas with the key path and
//! span of every value (what the full decoder and the fast scanner both produce).

use super::toml::Quirk;
pub(crate) use super::toml::Span;

/// A decoded string with its key path and spans.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpStr {
    pub value: String,
    /// Span of the value.
    pub span: Span,
    /// Dotted key path, e.g. `registry[1].location`.
    pub key: String,
}

/// A `[[registry.mirror]]` table.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawMirror {
    pub location: SpStr,
    pub insecure: bool,
    pub pull_from_mirror: SpStr,
    pub key: String,
    pub span: Span,
}

/// A `[[registry]]` table.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawRegistry {
    pub prefix: SpStr,
    pub location: SpStr,
    pub insecure: bool,
    pub blocked: bool,
    pub mirror_by_digest_only: bool,
    pub pull_from_mirror: SpStr,
    pub mirrors: Vec<RawMirror>,
    pub key: String,
    pub span: Span,
    pub insecure_span: Span,
    pub blocked_span: Span,
}

/// An `[aliases]` entry.
#[derive(Debug, Clone)]
pub(crate) struct RawAlias {
    pub name: String,
    pub name_span: Span,
    pub value: String,
    pub value_span: Span,
}

impl RawAlias {
    /// The key path of the entry's value, e.g. `aliases."ubi9"`.
    pub(crate) fn key(&self) -> String {
        RawAlias::key_of(&self.name)
    }

    /// The key path of the value of alias `name`.
    pub(crate) fn key_of(name: &str) -> String {
        format!("aliases.{}", crate::quote::Q(name))
    }
}

/// A key the schema does not know (ignored, like the reference does).
#[derive(Debug, Clone)]
pub(crate) struct UnknownKey {
    pub key: String,
    pub span: Span,
}

/// One file, decoded. `None` = key absent (drives merging, rule 9).
#[derive(Debug, Default)]
pub(crate) struct RawFile {
    pub registries: Vec<RawRegistry>,
    pub registries_span: Span,
    pub usr: Option<Vec<SpStr>>,
    pub usr_span: Span,
    pub credential_helpers: Option<Vec<SpStr>>,
    pub short_name_mode: SpStr,
    pub aliases: Vec<RawAlias>,
    pub additional_layer_store_auth_helper: SpStr,
    pub v1_search: Vec<SpStr>,
    pub v1_insecure: Vec<SpStr>,
    pub v1_block: Vec<SpStr>,
    pub v1_span: Span,
    /// A version-1 table has a `registries` key (even an empty list): v5.40 refuses the file.
    pub v1_defined: bool,
    pub unknown: Vec<UnknownKey>,
    /// Constructs the reference's decoder reads differently from TOML 1.0.
    pub quirks: Vec<Quirk>,
}

/// A decoding failure: TOML syntax or a value of the wrong type.
#[derive(Debug, Clone)]
pub(crate) struct DecodeError {
    /// Text after `toml: ` (not part of the compatibility contract).
    pub message: String,
    pub span: Span,
    pub key: Option<String>,
    /// A value of the wrong type (decoding could go on without it), not a syntax error.
    pub type_mismatch: bool,
}

/// A decoded alias-only file (the user alias cache): only `[aliases]` is read.
#[derive(Debug, Default)]
pub(crate) struct RawAliasFile {
    pub aliases: Vec<RawAlias>,
    pub unknown: Vec<UnknownKey>,
    /// Constructs the reference's decoder reads differently from TOML 1.0.
    pub quirks: Vec<Quirk>,
}
