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

use super::raw::{RawAlias, RawFile, RawMirror, RawRegistry, SpStr, Span};
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
