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

pub(crate) use super::raw::{
    DecodeError, RawAlias, RawAliasFile, RawFile, RawMirror, RawRegistry, SpStr, Span, UnknownKey,
};

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
        type_mismatch: true,
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
            type_mismatch: false,
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
            type_mismatch: true,
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
    release: schema::Release,
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
            match schema::lookup_in(fields, &e.key, self.release) {
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
                file.v1_defined = true;
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

/// Decodes a registries.conf or drop-in file with the schema of containers/image `release`.
/// The fast scanner knows only the keys of every release ([`schema::TARGET`]): a file with a
/// later key goes to the full decoder.
pub(crate) fn decode_file(text: &str, release: schema::Release) -> Result<RawFile, DecodeError> {
    if let Some(file) = super::fastscan::scan_file(text) {
        return Ok(file);
    }
    decode_file_full(text, release)
}

/// Decodes with the full TOML reader (any input, the reference's decisions and errors).
pub(crate) fn decode_file_full(
    text: &str,
    release: schema::Release,
) -> Result<RawFile, DecodeError> {
    decode_root(text, release).map_err(|e| with_line(e, text))
}

fn decode_root(text: &str, release: schema::Release) -> Result<RawFile, DecodeError> {
    let (root, quirks) = toml::parse_with_quirks(text)?;
    let mut d = Decoder {
        unknown: Vec::new(),
        quirks,
        release,
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
        release: schema::TARGET,
    };
    let mut out = RawAliasFile::default();
    for (_, _, e) in d.fields(&root, schema::ALIAS_FILE, "") {
        d.aliases("aliases", &e.node, &mut out.aliases)?;
    }
    out.unknown = d.unknown;
    out.quirks = d.quirks;
    Ok(out)
}

/// A comparable rendering of everything a decoder produces: values, key paths and spans.
pub(crate) fn summary(f: &RawFile) -> String {
    use std::fmt::Write;
    fn sp(s: &SpStr) -> String {
        format!("{:?}@{:?}/{}", s.value, s.span, s.key)
    }
    fn list(l: &[SpStr]) -> String {
        l.iter().map(sp).collect::<Vec<_>>().join(", ")
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "usr={:?}@{:?} ch={:?} mode={} alsah={}",
        f.usr.as_deref().map(list),
        f.usr_span,
        f.credential_helpers.as_deref().map(list),
        sp(&f.short_name_mode),
        sp(&f.additional_layer_store_auth_helper),
    );
    let _ = writeln!(s, "registries@{:?}", f.registries_span);
    for r in &f.registries {
        let _ = writeln!(
            s,
            "reg {}@{:?} p={} l={} i={}@{:?} b={}@{:?} d={} pfm={}",
            r.key,
            r.span,
            sp(&r.prefix),
            sp(&r.location),
            r.insecure,
            r.insecure_span,
            r.blocked,
            r.blocked_span,
            r.mirror_by_digest_only,
            sp(&r.pull_from_mirror)
        );
        for m in &r.mirrors {
            let _ = writeln!(
                s,
                "  mirror {}@{:?} l={} i={} pfm={}",
                m.key,
                m.span,
                sp(&m.location),
                m.insecure,
                sp(&m.pull_from_mirror)
            );
        }
    }
    for a in &f.aliases {
        let _ = writeln!(
            s,
            "alias {:?}@{:?}={:?}@{:?}",
            a.name, a.name_span, a.value, a.value_span
        );
    }
    let _ = writeln!(
        s,
        "v1@{:?} search=[{}] insecure=[{}] block=[{}]",
        f.v1_span,
        list(&f.v1_search),
        list(&f.v1_insecure),
        list(&f.v1_block)
    );
    for u in &f.unknown {
        let _ = writeln!(s, "unknown {}@{:?}", u.key, u.span);
    }
    for q in &f.quirks {
        let _ = writeln!(s, "quirk {}@{:?} {:?}", q.code, q.span, q.key);
    }
    s
}

/// The fast scanner's contract, for tests and the fuzzer: when it decodes `text`, the full
/// decoder decodes it too, to the same values with the same spans. Returns whether the fast
/// scanner took the file; panics on a disagreement.
pub(crate) fn check_agreement(text: &str) -> bool {
    let Some(fast) = super::fastscan::scan_file(text) else {
        return false;
    };
    match decode_file_full(text, schema::TARGET) {
        Ok(full) => {
            let (a, b) = (summary(&fast), summary(&full));
            assert!(
                a == b,
                "fast scanner and full decoder disagree on {text:?}:\nfast:\n{a}\nfull:\n{b}"
            );
        }
        Err(e) => panic!("fast scanner accepted {text:?}, the full decoder refuses it: {e:?}"),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_v2_with_spans() {
        let text = "unqualified-search-registries = [\"a.io\"]\n[[Registry]]\nLOCATION = \"x.io\"\n[[Registry.mirror]]\nlocation = \"m.io\"\nbogus = 1\n";
        let f = decode_file(text, schema::TARGET).unwrap();
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
        let e = decode_file(
            "[[registry]]\nlocation = \"x\"\ninsecure = \"yes\"\n",
            schema::TARGET,
        )
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("registry[0].insecure"));
        assert!(decode_file("[registry]\nlocation = \"x\"\n", schema::TARGET).is_err());
        assert!(decode_file("[aliases]\na = 1\n", schema::TARGET).is_err());
        assert!(decode_file("a = 1\na = 2\n", schema::TARGET).is_err());
    }

    #[test]
    fn a_non_table_aliases_value_is_ignored() {
        for text in [
            "aliases = 3\n",
            "[[aliases]]\na = \"b\"\n",
            "aliases = [\"x\"]\n",
        ] {
            let f = decode_file(text, schema::TARGET).unwrap();
            assert!(f.aliases.is_empty(), "{text}");
            assert!(f.unknown.is_empty(), "{text}");
            assert!(decode_alias_file(text).unwrap().aliases.is_empty());
        }
    }

    #[test]
    fn later_keys_are_unknown_to_earlier_releases() {
        let text = "additional-layer-store-auth-helper = 1\n";
        let f = decode_file(text, (5, 23)).unwrap();
        assert_eq!(f.unknown[0].key, "additional-layer-store-auth-helper");
        // v5.40 has the field: a number is a type error there.
        let e = decode_file(text, (5, 40)).unwrap_err();
        assert!(e.message.contains("incompatible types"), "{}", e.message);
        let f = decode_file("additional-layer-store-auth-helper = \"h\"\n", (5, 40)).unwrap();
        assert!(f.unknown.is_empty());
        assert_eq!(f.additional_layer_store_auth_helper.value, "h");
    }
}

/// The fast scanner against the full decoder.
#[cfg(test)]
mod fast_scanner_tests {
    use super::*;
    use crate::config::fastscan::scan_file;

    #[test]
    fn agrees_with_the_full_decoder_on_the_subset() {
        let text = r#"# a comment
unqualified-search-registries = ["registry.access.redhat.com", "docker.io",]
Short-Name-Mode = "enforcing"   # trailing comment
credential-helpers = []

[aliases]
"ubi9" = "registry.access.redhat.com/ubi9"
bare-key = "quay.io/x"

[[registry]]
prefix = "quay.io"
location = "mirror.example.net/quay"
insecure = true
blocked = false
[[registry.mirror]]
location = "m1.example.net"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "m2.example.net"
insecure = true

[[Registry]]
location = "x.io"
"#;
        // `[[Registry]]` is not in the subset: the whole file goes to the full decoder.
        assert!(scan_file(text).is_none());
        let text = text.replace("[[Registry]]", "[[registry]]");
        let fast = scan_file(&text).expect("in the subset");
        let full = decode_file_full(&text, schema::TARGET).unwrap();
        assert_eq!(summary(&fast), summary(&full));
    }

    #[test]
    fn leaves_everything_else_to_the_full_decoder() {
        for text in [
            "a = 1\n",
            "[aliases]\nx = 'literal'\n",
            "[aliases]\nx = \"esc\\u0041\"\n",
            "[aliases]\nx = \"a\"\nx = \"b\"\n",
            "[aliases]\n[aliases]\n",
            "[registries.search]\nregistries = []\n",
            "[[registry.mirror]]\nlocation = \"m\"\n",
            "[[registry]]\nlocation = \"x\"\nmirror = []\n",
            "[[registry]]\ninsecure = \"yes\"\n",
            "[[registry]]\nbogus = true\n",
            "short-name-mode = \"\"\"x\"\"\"\n",
            "a.b = \"c\"\n",
            "x = \"a\"\rb = 1\n",
            "x = \"a\"\r",
            "registry = []\n[aliases]\n",
            "[aliases] x = \"y\"\n",
            "[aliases]\nk = { a = \"b\" }\n",
        ] {
            assert!(scan_file(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn agrees_with_the_full_decoder_on_every_corpus_file() {
        let cases =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cases");
        let Ok(dirs) = std::fs::read_dir(&cases) else {
            eprintln!("corpus not found at {}; skipped", cases.display());
            return;
        };
        let (mut fast_count, mut total) = (0, 0);
        for case in dirs.flatten() {
            let mut files = vec![
                case.path().join("registries.conf"),
                case.path().join("user-aliases.conf"),
            ];
            if let Ok(d) = std::fs::read_dir(case.path().join("registries.conf.d")) {
                files.extend(d.flatten().map(|e| e.path()));
            }
            for f in files {
                let Ok(text) = std::fs::read_to_string(&f) else {
                    continue;
                };
                total += 1;
                if let Some(fast) = scan_file(&text) {
                    fast_count += 1;
                    let full = decode_file_full(&text, schema::TARGET).unwrap_or_else(|e| {
                        panic!(
                            "{}: fast path accepted, full decoder failed: {e:?}",
                            f.display()
                        )
                    });
                    assert_eq!(summary(&fast), summary(&full), "{}", f.display());
                }
            }
        }
        eprintln!("fast path took {fast_count} of {total} corpus files");
        assert!(fast_count > 0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_path_never_disagrees(lines in proptest::collection::vec(proptest::prop_oneof![
            proptest::strategy::Just("[[registry]]".to_owned()),
            proptest::strategy::Just("[[registry.mirror]]".to_owned()),
            proptest::strategy::Just("[aliases]".to_owned()),
            proptest::strategy::Just("# c".to_owned()),
            r#"[ \t]{0,2}(prefix|location|Location|pull-from-mirror|short-name-mode|unqualified-search-registries|credential-helpers|insecure|blocked|bogus|"quoted") ?= ?("[a-z.:/# \\]{0,8}"|true|false|\[("[a-z.]{0,4}", ?){0,2}\]|1)[ \t]{0,2}(# x)?"#,
            r#""?[a-z0-9/._-]{0,8}"? = "[a-z0-9/._:-]{0,10}""#,
        ], 0..10)) {
            let text = lines.join("\n");
            if let Some(fast) = scan_file(&text) {
                let full = decode_file_full(&text, schema::TARGET);
                proptest::prop_assert!(full.is_ok(), "fast accepted, full rejected: {:?} {:?}", text, full.err());
                proptest::prop_assert_eq!(summary(&fast), summary(&full.unwrap()), "{}", text);
            }
        }
    }
}

/// The issue-12 property: files made of the subset's lines mixed with the constructs the
/// reference's decoder reads its own way (redefined and extended tables, inline tables, a
/// non-table `aliases`, keys of later releases, Go-only date-times, out-of-range floats,
/// line-ending backslashes before blank lines, literal and multi-line strings, CRLF line ends,
/// byte-order marks). Whenever the fast scanner takes such a file, the full decoder reads the
/// same values at the same spans; and the fast scanner does take a good share of them.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            // The subset.
            4 => prop_oneof![
                Just("[[registry]]".to_owned()),
                Just("[[registry.mirror]]".to_owned()),
                Just("[aliases]".to_owned()),
                Just("# comment".to_owned()),
                Just(String::new()),
            ],
            6 => r#"[ \t]{0,2}(prefix|location|Location|pull-from-mirror|short-name-mode|unqualified-search-registries|credential-helpers|insecure|blocked|mirror-by-digest-only|"quoted") ?= ?("[a-z.:/# ]{0,8}"|true|false|\[("[a-z.]{0,4}", ?){0,2}\])[ \t]{0,2}(# x)?"#,
            4 => r#""?[a-z0-9/._-]{1,8}"? = "[a-z0-9/._:-]{0,10}""#,
            // The constructs of issue 12.
            1 => Just("x = { a.b = 1, a = 2 }".to_owned()),
            1 => Just("a.b.c = 1".to_owned()),
            1 => Just("a.b = 2".to_owned()),
            1 => Just("a = {b = 1}".to_owned()),
            1 => Just("a.c = 2".to_owned()),
            1 => Just("[t]".to_owned()),
            1 => Just("x.b = 1".to_owned()),
            1 => Just("[t.x]".to_owned()),
            1 => Just("aliases = 3".to_owned()),
            1 => Just("[[aliases]]".to_owned()),
            1 => Just("additional-layer-store-auth-helper = 1".to_owned()),
            1 => Just("additional-layer-store-auth-helper = \"h\"".to_owned()),
            1 => r"d = (1979-05-27T[0-9]{1,2}:32:00(\.[0-9]{1,11})?(Z|[+-][0-9]{2}:[0-9]{2})?|[0-9]{2}:[0-9]{2}:[0-9]{2}|2000-02-(2[89]|30))",
            1 => Just("f = -1e400".to_owned()),
            1 => Just("location = \"\"\"quay.\\\n\n   io\"\"\"".to_owned()),
            1 => Just("app = \"\"\"example.com/\\\n  app\"\"\"".to_owned()),
            1 => Just("x = '''quay.io/a\nb'''".to_owned()),
            1 => Just("location = 'lit.example.com'".to_owned()),
            1 => Just("registry = [{location = \"r.example.com\", a.b = 1}]".to_owned()),
            1 => Just("mirror = [{location = \"m.example.com\"}]".to_owned()),
            1 => Just("unqualified-search-registries = [\"a.io\"]".to_owned()),
            1 => Just("unqualified-search-registries = [\"b.io\"]".to_owned()),
            1 => Just("[registries.search]".to_owned()),
            1 => Just("registries = [\"v1.example.com\"]".to_owned()),
        ]
    }

    fn file() -> impl Strategy<Value = (Vec<String>, u8)> {
        (proptest::collection::vec(line(), 0..12), 0u8..8)
    }

    fn text_of(lines: &[String], variant: u8) -> Option<String> {
        let nl = if variant == 1 { "\r\n" } else { "\n" };
        let mut bytes = lines.join(nl).into_bytes();
        match variant {
            2 => bytes.splice(0..0, [0xff, 0xfe]).for_each(drop),
            3 => bytes.splice(0..0, [0xef, 0xbb, 0xbf]).for_each(drop),
            _ => {}
        }
        super::text_from_bytes(bytes).ok()
    }

    #[test]
    fn fast_scanner_and_full_decoder_agree_on_exotic_files() {
        let mut runner = TestRunner::new(Config {
            cases: 2000,
            ..Config::default()
        });
        let strategy = file();
        let (mut taken, mut total) = (0, 0);
        for _ in 0..2000 {
            let (lines, variant) = strategy.new_tree(&mut runner).unwrap().current();
            let Some(text) = text_of(&lines, variant) else {
                continue;
            };
            total += 1;
            // The full decoder never panics; the fast scanner agrees with it when it answers.
            let _ = super::decode_file_full(&text, super::schema::TARGET);
            if super::check_agreement(&text) {
                taken += 1;
            }
        }
        assert!(total > 1500);
        assert!(
            taken * 20 > total,
            "the fast scanner took only {taken} of {total} files"
        );
    }
}
