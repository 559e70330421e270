//! Decoding one TOML file into the union of the v2 and v1 schemas (resolution rules 6–9),
//! keeping the span of every key and value for located diagnostics.
//!
//! The text is read by [`super::toml`] (which accepts and rejects what the reference's TOML
//! decoder, BurntSushi/toml 1.2.0, does); the values are then matched against the one schema
//! ([`super::schema`]) the way that decoder does it: a TOML key matches a field whose name is
//! equal or, failing that, equal under Unicode simple case folding; unknown keys are ignored
//! (and recorded as warnings); a known key with a value of the wrong type is an error — except
//! for `aliases`, a map, where a value that is not a table is silently ignored.

use super::schema::{self, Field, Id, Kind};
use super::toml::{self, Node, Table, Value};

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
    pub unknown: Vec<UnknownKey>,
    /// Constructs the reference's decoder reads differently from TOML 1.0.
    pub quirks: Vec<toml::Quirk>,
}

/// A decoding failure: TOML syntax or a value of the wrong type.
#[derive(Debug, Clone)]
pub(crate) struct DecodeError {
    /// Text after `toml: ` (not part of the compatibility contract).
    pub message: String,
    pub span: Span,
    pub key: Option<String>,
}

/// A decoded alias-only file (the user alias cache): only `[aliases]` is read.
#[derive(Debug, Default)]
pub(crate) struct RawAliasFile {
    pub aliases: Vec<RawAlias>,
    pub unknown: Vec<UnknownKey>,
    /// Constructs the reference's decoder reads differently from TOML 1.0.
    pub quirks: Vec<toml::Quirk>,
}

// ---------------------------------------------------------------------------------------------

fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        let mut s = String::with_capacity(parent.len() + 1 + key.len());
        s.push_str(parent);
        s.push('.');
        s.push_str(key);
        s
    }
}

fn type_error(key: &str, node: &Node, want: &str) -> DecodeError {
    let message = if want == "struct" {
        format!(
            "(last key {}): type mismatch for struct: expected table but found {}",
            crate::quote::Q(key),
            node.value.go_type()
        )
    } else {
        format!(
            "(last key {}): incompatible types: TOML value has type {}; destination has type {want}",
            crate::quote::Q(key),
            node.value.go_type()
        )
    };
    DecodeError {
        message,
        span: node.span.clone(),
        key: Some(key.to_owned()),
    }
}

impl From<toml::TomlError> for DecodeError {
    fn from(e: toml::TomlError) -> DecodeError {
        let mut message = match &e.last_key {
            Some(k) => format!("(last key {}): {}", crate::quote::Q(k), e.message),
            None => e.message,
        };
        if let Some(line) = e.message_line {
            message = line_prefixed(line, &message);
        }
        DecodeError {
            message,
            span: e.span,
            key: e.last_key,
        }
    }
}

/// The reference's wording: `line N (last key "k"): ...` or `line N: ...` (before it, the
/// caller writes `toml: `).
fn with_line(mut e: DecodeError, text: &str) -> DecodeError {
    if e.message.starts_with("line ") {
        return e;
    }
    let at = e.span.as_ref().map_or(0, |s| s.start.min(text.len()));
    let line = 1 + text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    e.message = line_prefixed(line, &e.message);
    e
}

fn line_prefixed(line: usize, message: &str) -> String {
    if message.starts_with('(') {
        format!("line {line} {message}")
    } else {
        format!("line {line}: {message}")
    }
}

/// Turns file bytes into text for the decoders (see [`toml::text_from_bytes`]).
pub(crate) fn text_from_bytes(bytes: Vec<u8>) -> Result<String, DecodeError> {
    toml::text_from_bytes(bytes).map_err(DecodeError::from)
}

fn string(key: &str, node: &Node) -> Result<SpStr, DecodeError> {
    match &node.value {
        Value::String(s) => Ok(SpStr {
            value: s.clone(),
            span: node.span.clone(),
            key: key.to_owned(),
        }),
        _ => Err(type_error(key, node, "string")),
    }
}

fn boolean(key: &str, node: &Node) -> Result<bool, DecodeError> {
    match node.value {
        Value::Bool(b) => Ok(b),
        _ => Err(type_error(key, node, "bool")),
    }
}

fn strings(key: &str, node: &Node) -> Result<Vec<SpStr>, DecodeError> {
    match &node.value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| string(&format!("{key}[{i}]"), v))
            .collect(),
        // An array of tables is a Go slice too: its elements fail as strings.
        Value::Tables(list) if !list.is_empty() => Err(DecodeError {
            message: format!(
                "(last key {}): incompatible types: TOML value has type map[string]interface {{}}; destination has type string",
                crate::quote::Q(key)
            ),
            span: list[0].span.clone(),
            key: Some(format!("{key}[0]")),
        }),
        _ => Err(type_error(key, node, "slice")),
    }
}

/// The tables of a `[]struct` field.
fn table_list<'a>(key: &str, node: &'a Node) -> Result<Vec<&'a Table>, DecodeError> {
    match &node.value {
        Value::Tables(list) => Ok(list.iter().collect()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match &v.value {
                Value::Table(t) => Ok(t),
                _ => Err(type_error(&format!("{key}[{i}]"), v, "struct")),
            })
            .collect(),
        _ => Err(type_error(key, node, "slice")),
    }
}

/// The fields of a table-valued field.
fn sub_fields(f: &Field) -> &'static [Field] {
    match f.kind {
        Kind::StructList(sub) | Kind::Struct(sub) => sub,
        _ => &[],
    }
}

struct Decoder {
    unknown: Vec<UnknownKey>,
    quirks: Vec<toml::Quirk>,
}

impl Decoder {
    /// The entries of `t` with the field each decodes into (unknown keys recorded).
    fn fields<'t>(
        &mut self,
        t: &'t Table,
        fields: &'static [Field],
        parent: &str,
    ) -> Vec<(&'static Field, String, &'t toml::Entry)> {
        let mut out = Vec::with_capacity(t.entries.len());
        for e in &t.entries {
            let path = join_key(parent, &e.key);
            match schema::lookup(fields, &e.key) {
                Some(f) => out.push((f, path, e)),
                None => self.unknown.push(UnknownKey {
                    key: path,
                    span: e.key_span.clone(),
                }),
            }
        }
        out
    }

    fn mirror(
        &mut self,
        key: &str,
        t: &Table,
        fields: &'static [Field],
    ) -> Result<RawMirror, DecodeError> {
        let mut m = RawMirror {
            key: key.to_owned(),
            span: t.span.clone(),
            ..RawMirror::default()
        };
        for (f, path, e) in self.fields(t, fields, key) {
            match f.id {
                Id::Location => m.location = string(&path, &e.node)?,
                Id::Insecure => m.insecure = boolean(&path, &e.node)?,
                Id::PullFromMirror => m.pull_from_mirror = string(&path, &e.node)?,
                _ => unreachable!("not a mirror field"),
            }
        }
        Ok(m)
    }

    fn registry(
        &mut self,
        key: &str,
        t: &Table,
        fields: &'static [Field],
    ) -> Result<RawRegistry, DecodeError> {
        let mut r = RawRegistry {
            key: key.to_owned(),
            span: t.span.clone(),
            ..RawRegistry::default()
        };
        for (f, path, e) in self.fields(t, fields, key) {
            let node = &e.node;
            match f.id {
                Id::Prefix => r.prefix = string(&path, node)?,
                Id::Location => r.location = string(&path, node)?,
                Id::Insecure => {
                    r.insecure = boolean(&path, node)?;
                    r.insecure_span = node.span.clone().or(e.key_span.clone());
                }
                Id::PullFromMirror => r.pull_from_mirror = string(&path, node)?,
                Id::Blocked => {
                    r.blocked = boolean(&path, node)?;
                    r.blocked_span = node.span.clone().or(e.key_span.clone());
                }
                Id::MirrorByDigestOnly => r.mirror_by_digest_only = boolean(&path, node)?,
                Id::Mirror => {
                    let list = table_list(&path, node)?;
                    r.mirrors = Vec::with_capacity(list.len());
                    for (i, t) in list.into_iter().enumerate() {
                        let m = self.mirror(&format!("{path}[{i}]"), t, sub_fields(f))?;
                        r.mirrors.push(m);
                    }
                }
                _ => unreachable!("not a registry field"),
            }
        }
        Ok(r)
    }

    /// A `map[string]string`: a table's string values; anything but a table is ignored.
    fn aliases(
        &mut self,
        key: &str,
        node: &Node,
        out: &mut Vec<RawAlias>,
    ) -> Result<(), DecodeError> {
        let Value::Table(t) = &node.value else {
            self.quirks.push(toml::Quirk {
                code: "aliases-not-a-table",
                message: format!(
                    "`{key}` is a {}, not a table: the reference ignores it (no alias is defined, no error)",
                    node.value.type_name()
                ),
                span: node.span.clone(),
                key: Some(key.to_owned()),
            });
            return Ok(());
        };
        out.clear();
        out.reserve(t.entries.len());
        for e in &t.entries {
            let Value::String(value) = &e.node.value else {
                let path = format!("{key}.{}", crate::quote::Q(&e.key));
                let mut err = type_error(&path, &e.node, "string");
                // The message names the key the reference's way (`aliases.foo`).
                let shown = toml::key_string(&[key.to_owned(), e.key.clone()]);
                err.message = err.message.replacen(
                    &crate::quote::Q(&path).to_string(),
                    &crate::quote::Q(&shown).to_string(),
                    1,
                );
                return Err(err);
            };
            out.push(RawAlias {
                name: e.key.clone(),
                name_span: e.key_span.clone(),
                value: value.clone(),
                value_span: e.node.span.clone(),
            });
        }
        Ok(())
    }

    fn v1(
        &mut self,
        key: &str,
        node: &Node,
        fields: &'static [Field],
        file: &mut RawFile,
    ) -> Result<(), DecodeError> {
        let Value::Table(t) = &node.value else {
            return Err(type_error(key, node, "struct"));
        };
        file.v1_span = node.span.clone();
        for (f, path, e) in self.fields(t, fields, key) {
            let Value::Table(inner) = &e.node.value else {
                return Err(type_error(&path, &e.node, "struct"));
            };
            for (_, path2, e2) in self.fields(inner, sub_fields(f), &path) {
                let values = strings(&path2, &e2.node)?;
                match f.id {
                    Id::V1Search => file.v1_search = values,
                    Id::V1Insecure => file.v1_insecure = values,
                    _ => file.v1_block = values,
                }
            }
        }
        Ok(())
    }
}

/// Decodes a registries.conf or drop-in file.
pub(crate) fn decode_file(text: &str) -> Result<RawFile, DecodeError> {
    if let Some(file) = super::fastscan::scan_file(text) {
        return Ok(file);
    }
    decode_file_full(text)
}

/// Decodes with the full TOML reader (any input, the reference's decisions and errors).
pub(crate) fn decode_file_full(text: &str) -> Result<RawFile, DecodeError> {
    decode_root(text).map_err(|e| with_line(e, text))
}

fn decode_root(text: &str) -> Result<RawFile, DecodeError> {
    let (root, quirks) = toml::parse_with_quirks(text)?;
    let mut d = Decoder {
        unknown: Vec::new(),
        quirks,
    };
    let mut file = RawFile::default();
    for (f, path, e) in d.fields(&root, schema::ROOT, "") {
        let node = &e.node;
        let k = path.as_str();
        match f.id {
            Id::Registry => {
                let list = table_list(k, node)?;
                file.registries_span = node.span.clone().or(e.key_span.clone());
                file.registries = Vec::with_capacity(list.len());
                for (i, t) in list.into_iter().enumerate() {
                    let r = d.registry(&format!("registry[{i}]"), t, sub_fields(f))?;
                    file.registries.push(r);
                }
            }
            Id::UnqualifiedSearchRegistries => {
                file.usr = Some(strings(k, node)?);
                file.usr_span = node.span.clone().or(e.key_span.clone());
            }
            Id::CredentialHelpers => file.credential_helpers = Some(strings(k, node)?),
            Id::ShortNameMode => file.short_name_mode = string(k, node)?,
            Id::Aliases => d.aliases("aliases", node, &mut file.aliases)?,
            Id::AdditionalLayerStoreAuthHelper => {
                file.additional_layer_store_auth_helper = string(k, node)?
            }
            Id::V1Registries => d.v1("registries", node, sub_fields(f), &mut file)?,
            _ => unreachable!("not a top-level field"),
        }
    }
    file.unknown = d.unknown;
    file.quirks = d.quirks;
    Ok(file)
}

/// Decodes a user alias file: only its `[aliases]` table is read (rule 31).
pub(crate) fn decode_alias_file(text: &str) -> Result<RawAliasFile, DecodeError> {
    if let Some(file) = super::fastscan::scan_file(text) {
        if file.registries.is_empty()
            && file.usr.is_none()
            && file.credential_helpers.is_none()
            && file.short_name_mode.value.is_empty()
            && file.short_name_mode.span.is_none()
            && file.additional_layer_store_auth_helper.span.is_none()
            && file.unknown.is_empty()
        {
            return Ok(RawAliasFile {
                aliases: file.aliases,
                ..RawAliasFile::default()
            });
        }
    }
    decode_alias_file_full(text)
}

/// [`decode_alias_file`] with the full TOML reader.
pub(crate) fn decode_alias_file_full(text: &str) -> Result<RawAliasFile, DecodeError> {
    decode_alias_root(text).map_err(|e| with_line(e, text))
}

fn decode_alias_root(text: &str) -> Result<RawAliasFile, DecodeError> {
    let (root, quirks) = toml::parse_with_quirks(text)?;
    let mut d = Decoder {
        unknown: Vec::new(),
        quirks,
    };
    let mut out = RawAliasFile::default();
    for (_, _, e) in d.fields(&root, schema::ALIAS_FILE, "") {
        d.aliases("aliases", &e.node, &mut out.aliases)?;
    }
    out.unknown = d.unknown;
    out.quirks = d.quirks;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_v2_with_spans() {
        let text = "unqualified-search-registries = [\"a.io\"]\n[[Registry]]\nLOCATION = \"x.io\"\n[[Registry.mirror]]\nlocation = \"m.io\"\nbogus = 1\n";
        let f = decode_file(text).unwrap();
        assert_eq!(f.usr.as_ref().unwrap()[0].value, "a.io");
        assert_eq!(f.registries.len(), 1);
        assert_eq!(f.registries[0].location.value, "x.io");
        assert_eq!(f.registries[0].mirrors[0].location.value, "m.io");
        assert_eq!(f.unknown.len(), 1);
        assert_eq!(f.unknown[0].key, "registry[0].mirror[0].bogus");
        let span = f.registries[0].location.span.clone().unwrap();
        assert_eq!(&text[span], "\"x.io\"");
    }

    #[test]
    fn type_errors_name_the_key() {
        let e = decode_file("[[registry]]\nlocation = \"x\"\ninsecure = \"yes\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("registry[0].insecure"));
        assert!(decode_file("[registry]\nlocation = \"x\"\n").is_err());
        assert!(decode_file("[aliases]\na = 1\n").is_err());
        assert!(decode_file("a = 1\na = 2\n").is_err());
    }

    #[test]
    fn a_non_table_aliases_value_is_ignored() {
        for text in [
            "aliases = 3\n",
            "[[aliases]]\na = \"b\"\n",
            "aliases = [\"x\"]\n",
        ] {
            let f = decode_file(text).unwrap();
            assert!(f.aliases.is_empty(), "{text}");
            assert!(f.unknown.is_empty(), "{text}");
            assert!(decode_alias_file(text).unwrap().aliases.is_empty());
        }
    }

    #[test]
    fn later_keys_are_unknown() {
        let f = decode_file("additional-layer-store-auth-helper = 1\n").unwrap();
        assert_eq!(f.unknown[0].key, "additional-layer-store-auth-helper");
    }
}
