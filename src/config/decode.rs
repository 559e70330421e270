//! Decoding one TOML file into the union of the v2 and v1 schemas (resolution rules 6–9),
//! keeping the span of every key and value for located diagnostics.
//!
//! The decoder reproduces the reference's (BurntSushi/toml) matching: a TOML key matches a field
//! whose name is equal or, failing that, equal under Unicode simple case folding; unknown keys are
//! ignored (and recorded as warnings); a known key with the wrong type is an error.

use std::ops::Range;

use toml_edit::{ImDocument, InlineTable, Item, Table, Value};

/// A byte range in the source text.
pub(crate) type Span = Option<Range<usize>>;

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
}

// ---------------------------------------------------------------------------------------------

/// Go's `strings.EqualFold` restricted to what can equal an ASCII field name.
pub(crate) fn fold_eq(key: &str, field: &str) -> bool {
    let mut k = key.chars();
    for f in field.bytes() {
        let Some(c) = k.next() else { return false };
        let c = match c {
            '\u{17F}' => 's',  // LATIN SMALL LETTER LONG S
            '\u{212A}' => 'k', // KELVIN SIGN
            c if c.is_ascii() => c.to_ascii_lowercase(),
            _ => return false,
        };
        if c as u32 != f.to_ascii_lowercase() as u32 {
            return false;
        }
    }
    k.next().is_none()
}

/// Which of `fields` a TOML key decodes into: an exact match, else a case-folded one.
pub(crate) fn match_field(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| fold_eq(key, f)))
        .copied()
}

/// A view of a table-like TOML node.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn span(&self) -> Span {
        match self {
            Node::Item(i) => i.span(),
            Node::Value(v) => v.span(),
        }
    }

    fn type_name(&self) -> &'static str {
        match *self {
            Node::Item(Item::None) => "none",
            Node::Item(Item::Value(v)) | Node::Value(v) => match v {
                Value::String(_) => "string",
                Value::Integer(_) => "integer",
                Value::Float(_) => "float",
                Value::Boolean(_) => "bool",
                Value::Datetime(_) => "datetime",
                Value::Array(_) => "array",
                Value::InlineTable(_) => "table",
            },
            Node::Item(Item::Table(_)) => "table",
            Node::Item(Item::ArrayOfTables(_)) => "array of tables",
        }
    }

    fn as_value(&self) -> Option<&'a Value> {
        match *self {
            Node::Item(Item::Value(v)) | Node::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The entries of a table or inline table, in document order, with key spans.
    fn entries(&self) -> Option<Vec<(&'a str, Span, Node<'a>)>> {
        match self {
            Node::Item(Item::Table(t)) => Some(table_entries(t)),
            Node::Item(Item::Value(Value::InlineTable(t))) | Node::Value(Value::InlineTable(t)) => {
                Some(inline_entries(t))
            }
            _ => None,
        }
    }
}

fn table_entries(t: &Table) -> Vec<(&str, Span, Node<'_>)> {
    t.iter()
        .filter(|(_, item)| !item.is_none())
        .map(|(k, item)| (k, t.key(k).and_then(|k| k.span()), Node::Item(item)))
        .collect()
}

fn inline_entries(t: &InlineTable) -> Vec<(&str, Span, Node<'_>)> {
    t.iter()
        .map(|(k, v)| (k, t.key(k).and_then(|k| k.span()), Node::Value(v)))
        .collect()
}

fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

struct Decoder {
    unknown: Vec<UnknownKey>,
}

fn type_error(key: &str, node: &Node<'_>, want: &str) -> DecodeError {
    DecodeError {
        message: format!(
            "incompatible types: TOML value has type {}; destination has type {want} (key \"{key}\")",
            node.type_name()
        ),
        span: node.span(),
        key: Some(key.to_owned()),
    }
}

impl Decoder {
    fn string(&self, key: &str, node: Node<'_>) -> Result<SpStr, DecodeError> {
        match node.as_value() {
            Some(Value::String(s)) => Ok(SpStr {
                value: s.value().clone(),
                span: node.span(),
                key: key.to_owned(),
            }),
            _ => Err(type_error(key, &node, "string")),
        }
    }

    fn boolean(&self, key: &str, node: Node<'_>) -> Result<bool, DecodeError> {
        match node.as_value() {
            Some(Value::Boolean(b)) => Ok(*b.value()),
            _ => Err(type_error(key, &node, "boolean")),
        }
    }

    fn strings(&self, key: &str, node: Node<'_>) -> Result<Vec<SpStr>, DecodeError> {
        let Some(Value::Array(a)) = node.as_value() else {
            return Err(type_error(key, &node, "[]string"));
        };
        a.iter()
            .enumerate()
            .map(|(i, v)| self.string(&format!("{key}[{i}]"), Node::Value(v)))
            .collect()
    }

    fn unknown(&mut self, key: String, span: Span) {
        self.unknown.push(UnknownKey { key, span });
    }

    /// The elements of an array of tables (or an array of inline tables).
    fn table_list<'a>(&self, key: &str, node: Node<'a>) -> Result<Vec<TableView<'a>>, DecodeError> {
        match node {
            Node::Item(Item::ArrayOfTables(a)) => Ok(a.iter().map(TableView::Table).collect()),
            _ => match node.as_value() {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| match v {
                        Value::InlineTable(t) => Ok(TableView::Inline(t)),
                        other => Err(type_error(key, &Node::Value(other), "struct")),
                    })
                    .collect(),
                _ => Err(type_error(key, &node, "[]struct")),
            },
        }
    }

    fn mirror(&mut self, key: &str, t: TableView<'_>) -> Result<RawMirror, DecodeError> {
        let mut m = RawMirror {
            key: key.to_owned(),
            span: t.span(),
            ..RawMirror::default()
        };
        for (k, kspan, node) in t.entries() {
            let path = join_key(key, k);
            match match_field(k, &["location", "insecure", "pull-from-mirror"]) {
                Some("location") => m.location = self.string(&path, node)?,
                Some("insecure") => m.insecure = self.boolean(&path, node)?,
                Some("pull-from-mirror") => m.pull_from_mirror = self.string(&path, node)?,
                _ => self.unknown(path, kspan),
            }
        }
        Ok(m)
    }

    fn registry(&mut self, key: &str, t: TableView<'_>) -> Result<RawRegistry, DecodeError> {
        let mut r = RawRegistry {
            key: key.to_owned(),
            span: t.span(),
            ..RawRegistry::default()
        };
        for (k, kspan, node) in t.entries() {
            let path = join_key(key, k);
            const FIELDS: &[&str] = &[
                "prefix",
                "location",
                "insecure",
                "pull-from-mirror",
                "blocked",
                "mirror",
                "mirror-by-digest-only",
            ];
            match match_field(k, FIELDS) {
                Some("prefix") => r.prefix = self.string(&path, node)?,
                Some("location") => r.location = self.string(&path, node)?,
                Some("insecure") => {
                    r.insecure = self.boolean(&path, node)?;
                    r.insecure_span = node.span().or(kspan);
                }
                Some("pull-from-mirror") => r.pull_from_mirror = self.string(&path, node)?,
                Some("blocked") => {
                    r.blocked = self.boolean(&path, node)?;
                    r.blocked_span = node.span().or(kspan);
                }
                Some("mirror-by-digest-only") => {
                    r.mirror_by_digest_only = self.boolean(&path, node)?
                }
                Some("mirror") => {
                    let list = self.table_list(&path, node)?;
                    r.mirrors = Vec::with_capacity(list.len());
                    for (i, t) in list.into_iter().enumerate() {
                        r.mirrors.push(self.mirror(&format!("{path}[{i}]"), t)?);
                    }
                }
                _ => self.unknown(path, kspan),
            }
        }
        Ok(r)
    }

    fn aliases(
        &mut self,
        key: &str,
        node: Node<'_>,
        out: &mut Vec<RawAlias>,
    ) -> Result<(), DecodeError> {
        let Some(entries) = node.entries() else {
            return Err(type_error(key, &node, "map[string]string"));
        };
        out.clear();
        out.reserve(entries.len());
        for (k, kspan, v) in entries {
            let Some(Value::String(value)) = v.as_value() else {
                let path = format!("{key}.{}", crate::quote::Q(k));
                return Err(type_error(&path, &v, "string"));
            };
            out.push(RawAlias {
                name: k.to_owned(),
                name_span: kspan,
                value: value.value().clone(),
                value_span: v.span(),
            });
        }
        Ok(())
    }

    fn v1(&mut self, key: &str, node: Node<'_>, file: &mut RawFile) -> Result<(), DecodeError> {
        let Some(entries) = node.entries() else {
            return Err(type_error(key, &node, "struct"));
        };
        file.v1_span = node.span();
        for (k, kspan, sub) in entries {
            let path = join_key(key, k);
            let which = match_field(k, &["search", "insecure", "block"]);
            let Some(which) = which else {
                self.unknown(path, kspan);
                continue;
            };
            let Some(inner) = sub.entries() else {
                return Err(type_error(&path, &sub, "struct"));
            };
            for (k2, kspan2, list) in inner {
                let path2 = join_key(&path, k2);
                if match_field(k2, &["registries"]).is_none() {
                    self.unknown(path2, kspan2);
                    continue;
                }
                file.v1_defined = true;
                let values = self.strings(&path2, list)?;
                match which {
                    "search" => file.v1_search = values,
                    "insecure" => file.v1_insecure = values,
                    _ => file.v1_block = values,
                }
            }
        }
        Ok(())
    }
}

/// A table or an inline table.
#[derive(Clone, Copy)]
enum TableView<'a> {
    Table(&'a Table),
    Inline(&'a InlineTable),
}

impl<'a> TableView<'a> {
    fn entries(&self) -> Vec<(&'a str, Span, Node<'a>)> {
        match self {
            TableView::Table(t) => table_entries(t),
            TableView::Inline(t) => inline_entries(t),
        }
    }

    fn span(&self) -> Span {
        match self {
            TableView::Table(t) => t.span(),
            TableView::Inline(t) => t.span(),
        }
    }
}

fn parse_document(text: &str) -> Result<ImDocument<&str>, DecodeError> {
    ImDocument::parse(text).map_err(|e| DecodeError {
        message: e.message().trim_end().replace('\n', "; "),
        span: e.span(),
        key: None,
    })
}

/// Decodes a registries.conf or drop-in file.
pub(crate) fn decode_file(text: &str) -> Result<RawFile, DecodeError> {
    if let Some(file) = super::fastscan::scan_file(text) {
        return Ok(file);
    }
    decode_file_full(text)
}

/// Decodes with the full TOML parser (any valid TOML, exact errors).
pub(crate) fn decode_file_full(text: &str) -> Result<RawFile, DecodeError> {
    let doc = parse_document(text)?;
    let mut d = Decoder {
        unknown: Vec::new(),
    };
    let mut file = RawFile::default();
    for (k, kspan, node) in table_entries(doc.as_table()) {
        const FIELDS: &[&str] = &[
            "registry",
            "unqualified-search-registries",
            "credential-helpers",
            "short-name-mode",
            "aliases",
            "additional-layer-store-auth-helper",
            "registries",
        ];
        match match_field(k, FIELDS) {
            Some("registry") => {
                let list = d.table_list(k, node)?;
                file.registries_span = node.span().or(kspan);
                file.registries = Vec::with_capacity(list.len());
                for (i, t) in list.into_iter().enumerate() {
                    let r = d.registry(&format!("registry[{i}]"), t)?;
                    file.registries.push(r);
                }
            }
            Some("unqualified-search-registries") => {
                file.usr = Some(d.strings(k, node)?);
                file.usr_span = node.span().or(kspan);
            }
            Some("credential-helpers") => file.credential_helpers = Some(d.strings(k, node)?),
            Some("short-name-mode") => file.short_name_mode = d.string(k, node)?,
            Some("aliases") => d.aliases("aliases", node, &mut file.aliases)?,
            Some("additional-layer-store-auth-helper") => {
                file.additional_layer_store_auth_helper = d.string(k, node)?
            }
            Some("registries") => d.v1("registries", node, &mut file)?,
            _ => d.unknown(k.to_owned(), kspan),
        }
    }
    file.unknown = d.unknown;
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
                unknown: Vec::new(),
            });
        }
    }
    decode_alias_file_full(text)
}

/// [`decode_alias_file`] with the full TOML parser.
pub(crate) fn decode_alias_file_full(text: &str) -> Result<RawAliasFile, DecodeError> {
    let doc = parse_document(text)?;
    let mut d = Decoder {
        unknown: Vec::new(),
    };
    let mut out = RawAliasFile::default();
    for (k, kspan, node) in table_entries(doc.as_table()) {
        match match_field(k, &["aliases"]) {
            Some(_) => d.aliases("aliases", node, &mut out.aliases)?,
            None => d.unknown(k.to_owned(), kspan),
        }
    }
    out.unknown = d.unknown;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_like_go() {
        assert!(fold_eq(
            "Unqualified-Search-Registries",
            "unqualified-search-registries"
        ));
        assert!(fold_eq("\u{17F}hort-name-mode", "short-name-mode"));
        assert!(fold_eq("bloc\u{212A}ed", "blocked"));
        assert!(!fold_eq("registries", "registry"));
        assert!(!fold_eq("locatio", "location"));
    }

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
}
