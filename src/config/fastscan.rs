//! A fast path for decoding the simple TOML that node files almost always are: comment and
//! blank lines, the headers `[aliases]`, `[[registry]]` and `[[registry.mirror]]`, and one
//! `key = value` per line with basic strings (no escapes), booleans or one-line arrays of such
//! strings.
//!
//! It builds the same [`RawFile`] as the full decoder without materialising a TOML document
//! (large generated alias tables and mirror lists load several times faster and in a fraction of
//! the memory). Anything outside that subset — escapes, literal or multi-line strings, inline
//! tables, dotted keys, other headers, unknown or duplicate keys, values of an unexpected type,
//! CR characters other than in CRLF line ends — makes it give up (`None`), and the caller decodes the file with the full TOML
//! parser. So the fast path can only accept files the full decoder accepts with the same result,
//! and every error is still reported by the full decoder.

use rustc_hash::FxHashSet;

use super::decode::{RawAlias, RawFile, RawMirror, RawRegistry, SpStr, Span};
use super::schema::{self, Id};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Root,
    Aliases,
    Registry,
    Mirror,
}

enum Val<'a> {
    Str(&'a str, Span),
    Bool(bool, Span),
    Array(Vec<(&'a str, Span)>, Span),
}

struct Line<'a> {
    text: &'a str,
    base: usize,
    i: usize,
}

impl<'a> Line<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// The rest must be empty or a comment without forbidden control characters.
    fn end(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek() {
            None => Some(()),
            Some(b'#') => {
                let ok = self.text.as_bytes()[self.i..]
                    .iter()
                    .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f));
                ok.then_some(())
            }
            _ => None,
        }
    }

    fn span(&self, start: usize) -> Span {
        Some(self.base + start..self.base + self.i)
    }

    /// A basic string without escapes: returns its content and the span of the token.
    fn basic_string(&mut self) -> Option<(&'a str, Span)> {
        let start = self.i;
        if self.peek() != Some(b'"') {
            return None;
        }
        let bytes = self.text.as_bytes();
        let mut j = start + 1;
        while j < bytes.len() {
            match bytes[j] {
                b'"' => {
                    let content = &self.text[start + 1..j];
                    self.i = j + 1;
                    // `"""` starts a multi-line string: not in the subset.
                    if content.is_empty() && self.peek() == Some(b'"') {
                        return None;
                    }
                    return Some((content, self.span(start)));
                }
                b'\\' | 0x7f => return None,
                b if b < 0x20 && b != b'\t' => return None,
                _ => j += 1,
            }
        }
        None
    }

    fn key(&mut self) -> Option<(&'a str, Span)> {
        if self.peek() == Some(b'"') {
            return self.basic_string();
        }
        let start = self.i;
        while matches!(
            self.peek(),
            Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')
        ) {
            self.i += 1;
        }
        (self.i > start).then(|| (&self.text[start..self.i], self.span(start)))
    }

    fn value(&mut self) -> Option<Val<'a>> {
        let start = self.i;
        match self.peek()? {
            b'"' => self.basic_string().map(|(s, sp)| Val::Str(s, sp)),
            b't' if self.text[self.i..].starts_with("true") => {
                self.i += 4;
                Some(Val::Bool(true, self.span(start)))
            }
            b'f' if self.text[self.i..].starts_with("false") => {
                self.i += 5;
                Some(Val::Bool(false, self.span(start)))
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        break;
                    }
                    items.push(self.basic_string()?);
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                Some(Val::Array(items, self.span(start)))
            }
            _ => None,
        }
    }
}

/// Concatenates key-path pieces (cheaper than `format!` on the load path).
fn path(pieces: &[&str]) -> String {
    let mut s = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for p in pieces {
        s.push_str(p);
    }
    s
}

/// `base[i]`.
fn indexed(base: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut n = i;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = std::str::from_utf8(&digits[at..]).unwrap_or("0");
    path(&[base, "[", digits, "]"])
}

fn sp_str(value: &str, span: Span, key: String) -> SpStr {
    SpStr {
        value: value.to_owned(),
        span,
        key,
    }
}

fn strings(items: Vec<(&str, Span)>, key: &str) -> Vec<SpStr> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, (s, sp))| sp_str(s, sp, indexed(key, i)))
        .collect()
}

/// Whether a top-level key names a table of the schema (`registry`, `aliases`,
/// `registries`): then the file is not in the subset when it is written as `key = value`.
fn table_key(k: &str) -> bool {
    schema::lookup(schema::ROOT, k).is_some_and(|f| {
        matches!(
            f.kind,
            schema::Kind::StructList(_) | schema::Kind::Struct(_) | schema::Kind::StringMap
        )
    })
}

/// Decodes `text` if it is in the simple subset; `None` otherwise.
pub(crate) fn scan_file(text: &str) -> Option<RawFile> {
    if text.starts_with('\u{feff}') {
        return None;
    }
    let mut file = RawFile::default();
    let mut section = Section::Root;
    let mut seen_aliases = false;
    // TOML keys already used in the current table (duplicates are TOML errors).
    let mut keys: FxHashSet<&str> = FxHashSet::default();
    let mut root_keys: FxHashSet<&str> = FxHashSet::default();
    let mut base = 0;
    for raw_line in text.split('\n') {
        let line_len = raw_line.len();
        // CRLF line ends; any other CR stays in the line and makes it fall outside the subset.
        let crlf = base + line_len < text.len();
        let raw_line = match raw_line.strip_suffix('\r') {
            Some(l) if crlf => l,
            _ => raw_line,
        };
        let mut line = Line {
            text: raw_line,
            base,
            i: 0,
        };
        base += line_len + 1;
        line.skip_ws();
        match line.peek() {
            None => continue,
            Some(b'#') => {
                line.end()?;
                continue;
            }
            Some(b'[') => {
                let start = line.i;
                let rest = &raw_line[line.i..];
                let header = ["[[registry.mirror]]", "[[registry]]", "[aliases]"]
                    .into_iter()
                    .find(|h| rest.starts_with(h))?;
                line.i += header.len();
                let span = line.span(start);
                line.end()?;
                if section == Section::Root {
                    root_keys = std::mem::take(&mut keys);
                } else {
                    keys.clear();
                }
                if root_keys.iter().any(|k| table_key(k)) {
                    return None;
                }
                match header {
                    "[aliases]" => {
                        if seen_aliases {
                            return None;
                        }
                        seen_aliases = true;
                        section = Section::Aliases;
                    }
                    "[[registry]]" => {
                        let i = file.registries.len();
                        if i == 0 {
                            file.registries_span = span.clone();
                        }
                        file.registries.push(RawRegistry {
                            key: indexed("registry", i),
                            span,
                            ..RawRegistry::default()
                        });
                        section = Section::Registry;
                    }
                    _ => {
                        let reg = file.registries.last_mut()?;
                        let j = reg.mirrors.len();
                        reg.mirrors.push(RawMirror {
                            key: indexed(&path(&[&reg.key, ".mirror"]), j),
                            span,
                            ..RawMirror::default()
                        });
                        section = Section::Mirror;
                    }
                }
                continue;
            }
            Some(_) => {}
        }
        let (key, key_span) = line.key()?;
        line.skip_ws();
        if line.peek() != Some(b'=') {
            return None;
        }
        line.i += 1;
        line.skip_ws();
        let value = line.value()?;
        line.end()?;
        if !keys.insert(key) {
            return None;
        }
        match section {
            Section::Aliases => {
                let Val::Str(v, value_span) = value else {
                    return None;
                };
                file.aliases.push(RawAlias {
                    name: key.to_owned(),
                    name_span: key_span,
                    value: v.to_owned(),
                    value_span,
                });
            }
            Section::Root => match (schema::lookup(schema::ROOT, key)?.id, value) {
                (Id::UnqualifiedSearchRegistries, Val::Array(items, span)) => {
                    file.usr = Some(strings(items, key));
                    file.usr_span = span;
                }
                (Id::CredentialHelpers, Val::Array(items, _)) => {
                    file.credential_helpers = Some(strings(items, key));
                }
                (Id::ShortNameMode, Val::Str(v, span)) => {
                    file.short_name_mode = sp_str(v, span, key.to_owned());
                }
                (Id::AdditionalLayerStoreAuthHelper, Val::Str(v, span)) => {
                    file.additional_layer_store_auth_helper = sp_str(v, span, key.to_owned());
                }
                _ => return None,
            },
            Section::Registry => {
                let reg = file.registries.last_mut()?;
                let path = path(&[&reg.key, ".", key]);
                match (schema::lookup(schema::REGISTRY, key)?.id, value) {
                    (Id::Prefix, Val::Str(v, span)) => reg.prefix = sp_str(v, span, path),
                    (Id::Location, Val::Str(v, span)) => reg.location = sp_str(v, span, path),
                    (Id::PullFromMirror, Val::Str(v, span)) => {
                        reg.pull_from_mirror = sp_str(v, span, path)
                    }
                    (Id::Insecure, Val::Bool(b, span)) => {
                        reg.insecure = b;
                        reg.insecure_span = span;
                    }
                    (Id::Blocked, Val::Bool(b, span)) => {
                        reg.blocked = b;
                        reg.blocked_span = span;
                    }
                    (Id::MirrorByDigestOnly, Val::Bool(b, _)) => reg.mirror_by_digest_only = b,
                    // `mirror = [...]` and values of other types: the full decoder.
                    _ => return None,
                }
            }
            Section::Mirror => {
                let m = file.registries.last_mut()?.mirrors.last_mut()?;
                let path = path(&[&m.key, ".", key]);
                match (schema::lookup(schema::MIRROR, key)?.id, value) {
                    (Id::Location, Val::Str(v, span)) => m.location = sp_str(v, span, path),
                    (Id::PullFromMirror, Val::Str(v, span)) => {
                        m.pull_from_mirror = sp_str(v, span, path)
                    }
                    (Id::Insecure, Val::Bool(b, _)) => m.insecure = b,
                    _ => return None,
                }
            }
        }
    }
    if section == Section::Root && keys.iter().any(|k| table_key(k)) {
        return None;
    }
    Some(file)
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
    let Some(fast) = scan_file(text) else {
        return false;
    };
    match super::decode::decode_file_full(text) {
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
    use crate::config::decode::decode_file_full;

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
        let full = decode_file_full(&text).unwrap();
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
                    let full = decode_file_full(&text).unwrap_or_else(|e| {
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
                let full = decode_file_full(&text);
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
        super::super::decode::text_from_bytes(bytes).ok()
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
            let _ = super::super::decode::decode_file_full(&text);
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
