//! A TOML reader that accepts and rejects exactly what the reference's decoder
//! (BurntSushi/toml 1.2.0, used by containers/image v5.23.1) does, and builds the same
//! key → value mapping, with the span of every key and value.
//!
//! Where that decoder differs from TOML 1.0 this one follows the decoder:
//! - a leading `FF FE` or `FE FF` (UTF-16 byte-order mark bytes) is skipped (see
//!   [`text_from_bytes`]), a UTF-8 byte-order mark is an unexpected character;
//! - a table defined implicitly (by a dotted key or a header `[a.b]`, or an inline table) may
//!   be defined once more explicitly (`a.b.c = 1` then `a.b = 2`, `[t]` `x.b = 1` then
//!   `[t.x]`, `a = {b = 1}` then `a.c = 2`); a redefinition of such a table by a value keeps
//!   the table; a key that holds an array may be defined again (the new value replaces it);
//! - inline tables inside arrays are flat: `[{a.b = 1}]` holds `{b = 1}`;
//! - date-times are parsed by Go's `time` layouts: one-digit hours, any `±hh:mm` offset;
//!   more than nine significant fractional-second digits, second 60, day 0 are errors;
//! - in multi-line basic strings a line-ending backslash trims the newline and the next
//!   line's indentation, but after a blank line the indentation is kept; CRLF inside
//!   multi-line literal strings is kept.
//!
//! The parse is interleaved with the lexing like the reference's (an error in a value is
//! reported before a syntax error further on), so the first error is the reference's.

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};

/// A byte range in the source text.
pub(crate) type Span = Option<Range<usize>>;

/// A TOML value of the mapping.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    String(String),
    Integer,
    Float,
    Bool(bool),
    Datetime,
    /// An array value (`[...]`), elements with their spans.
    Array(Vec<Node>),
    /// A table (header, dotted key, inline table).
    Table(Table),
    /// An array of tables (`[[...]]`).
    Tables(Vec<Table>),
}

impl Value {
    /// The Go type the reference's decoder holds such a value in (its messages show it).
    pub(crate) fn go_type(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer => "int64",
            Value::Float => "float64",
            Value::Bool(_) => "bool",
            Value::Datetime => "time.Time",
            Value::Array(_) => "[]interface {}",
            Value::Table(_) => "map[string]interface {}",
            Value::Tables(_) => "[]map[string]interface {}",
        }
    }

    /// The TOML name of the type, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer => "integer",
            Value::Float => "float",
            Value::Bool(_) => "bool",
            Value::Datetime => "datetime",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
            Value::Tables(_) => "array of tables",
        }
    }
}

/// A value with the span of its text (the header for tables).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: Value,
    pub span: Span,
}

/// A table: entries in document order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub entries: Vec<Entry>,
    index: FxHashMap<String, usize>,
    /// Where the table was (last) opened.
    pub span: Span,
    /// What created it (decides whether a later definition is legal TOML 1.0).
    origin: Def,
}

/// What defines a table or a key.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
enum Def {
    /// A `[header]` (or `[[header]]`).
    #[default]
    Header,
    /// A parent of a header, created implicitly.
    HeaderParent,
    /// A part of a dotted key.
    Dotted,
    /// An inline table.
    Inline,
    /// A value.
    Value,
}

/// A construct the reference's decoder reads differently from TOML 1.0 (other tools reject
/// it or read another value).
#[derive(Debug, Clone)]
pub(crate) struct Quirk {
    /// A short code, e.g. `toml-redefined-table`.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    /// The key path, when there is one.
    pub key: Option<String>,
}

/// One `key = value` of a table.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Span,
    pub node: Node,
}

impl Table {
    fn with_span(span: Span, origin: Def) -> Table {
        Table {
            span,
            origin,
            ..Table::default()
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        let i = *self.index.get(key)?;
        Some(&mut self.entries[i].node)
    }

    fn contains(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    fn insert(&mut self, key: String, key_span: Span, node: Node) {
        match self.index.get(&key) {
            Some(&i) => {
                self.entries[i].node = node;
                self.entries[i].key_span = key_span;
            }
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push(Entry {
                    key,
                    key_span,
                    node,
                });
            }
        }
    }
}

/// A syntax error or a definition the reference refuses.
#[derive(Debug, Clone)]
pub(crate) struct TomlError {
    /// The reference's wording, without the `toml: line N: ` lead.
    pub message: String,
    pub span: Span,
    /// The reference's "last key" (the key being defined), when there is one.
    pub last_key: Option<String>,
    /// The line the reference's message names, when it is not the line of `span`: its lexer
    /// has already counted the newline it fails on, and steps back one line at the end of
    /// the file.
    pub message_line: Option<usize>,
}

/// What a leading `FF FE` or `FE FF` becomes in the text: two bytes the parser skips at the
/// very start only (so that offsets stay those of the file, and the skip is reported).
const UTF16_BOM: &[u8] = b"\x01\x01";

/// Turns file bytes into the text the reference parses: a leading `FF FE` or `FE FF` is
/// dropped (see [`UTF16_BOM`]); the rest must be UTF-8.
pub(crate) fn text_from_bytes(mut bytes: Vec<u8>) -> Result<String, TomlError> {
    if bytes.starts_with(UTF16_BOM) {
        // A real control character: refused (and then the marker is unambiguous).
        return Err(TomlError {
            message: "control characters are not allowed in TOML: \"\\x01\"".into(),
            span: Some(0..1),
            last_key: None,
            message_line: None,
        });
    }
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        bytes[..2].copy_from_slice(UTF16_BOM);
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        TomlError {
            message: format!(
                "line {line}: invalid UTF-8 byte: 0x{:02x} (at byte {at})",
                bytes[at]
            ),
            span: Some(at..at + 1),
            last_key: None,
            message_line: None,
        }
    })
}

/// Parses `text` into its root table.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<Table, TomlError> {
    parse_with_quirks(text).map(|(t, _)| t)
}

/// Parses `text` into its root table, with the constructs read differently from TOML 1.0.
pub(crate) fn parse_with_quirks(text: &str) -> Result<(Table, Vec<Quirk>), TomlError> {
    let mut p = Parser {
        src: text,
        bytes: text.as_bytes(),
        pos: 0,
        root: Table::default(),
        context: Vec::new(),
        current_key: None,
        arrays: FxHashSet::default(),
        implicits: FxHashSet::default(),
        array_depth: 0,
        quirks: Vec::new(),
    };
    p.document()?;
    Ok((p.root, p.quirks))
}

type Key = Vec<String>;

/// A key path as the reference writes it (parts quoted only when they are not bare).
pub(crate) fn key_string(k: &[String]) -> String {
    k.iter()
        .map(|p| {
            if !p.is_empty() && p.bytes().all(is_bare) {
                p.clone()
            } else {
                format!("{}", crate::quote::Q(p))
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_ws(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t'))
}

fn is_nl(c: Option<char>) -> bool {
    matches!(c, Some('\n' | '\r'))
}

fn is_letter(c: char) -> bool {
    // Go's unicode.IsLetter; close enough for deciding that a word is not a value.
    c.is_alphabetic()
}

fn quote_char(c: Option<char>) -> String {
    match c {
        None => "end of file".to_owned(),
        Some(c) => {
            let s = c.to_string();
            format!("'{}'", {
                let q = crate::quote::Q(&s).to_string();
                q[1..q.len() - 1].to_owned()
            })
        }
    }
}

/// The kind of a value, as the reference records it (only arrays matter for redefinition).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Array,
    Other,
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    root: Table,
    /// The table keys are defined in.
    context: Key,
    /// The key being defined (for messages).
    current_key: Option<String>,
    /// Keys whose recorded type is an array (`keyInfo` in the reference).
    arrays: FxHashSet<Key>,
    /// Tables created implicitly, which may be defined once more.
    implicits: FxHashSet<Key>,
    /// How many array values enclose the current value (inline tables there are flat).
    array_depth: usize,
    quirks: Vec<Quirk>,
}

impl<'a> Parser<'a> {
    // ----- character level -------------------------------------------------------------

    /// The next character without consuming it; control characters (other than tab, LF and
    /// CR before LF) are errors wherever they are.
    fn peek(&self) -> Result<Option<char>, TomlError> {
        let Some(c) = self.src[self.pos..].chars().next() else {
            return Ok(None);
        };
        let bad = match c {
            '\t' | '\n' => false,
            '\r' => self.bytes.get(self.pos + 1) != Some(&b'\n'),
            c => (c as u32) < 0x20 || c == '\u{7f}',
        };
        if bad {
            return Err(self.err_at(
                self.pos,
                format!(
                    "control characters are not allowed in TOML: {}",
                    crate::quote::Q(&c.to_string())
                ),
            ));
        }
        Ok(Some(c))
    }

    fn next(&mut self) -> Result<Option<char>, TomlError> {
        let c = self.peek()?;
        if let Some(c) = c {
            self.pos += c.len_utf8();
        }
        Ok(c)
    }

    fn accept(&mut self, want: char) -> Result<bool, TomlError> {
        if self.peek()? == Some(want) {
            self.pos += want.len_utf8();
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn skip_ws(&mut self) -> Result<(), TomlError> {
        while is_ws(self.peek()?) {
            self.pos += 1;
        }
        Ok(())
    }

    fn last_key(&self) -> Option<String> {
        let mut k = self.context.clone();
        if let Some(c) = &self.current_key {
            k.push(c.clone());
        }
        (!k.is_empty()).then(|| key_string(&k))
    }

    /// A lexer error at the character at `at` (the end of the text: end of file).
    fn err_at(&self, at: usize, message: String) -> TomlError {
        let end = (at + 1).min(self.src.len()).max(at);
        let newlines = |to: usize| self.bytes[..to].iter().filter(|&&b| b == b'\n').count();
        let message_line = if at >= self.src.len() {
            newlines(self.src.len())
        } else {
            1 + newlines(at + 1)
        };
        TomlError {
            message,
            span: Some(at..end),
            last_key: self.last_key(),
            message_line: Some(message_line),
        }
    }

    /// A lexer error reported on the line before the newline at `at` (a newline inside a
    /// string or an inline table).
    fn err_before_newline(&self, at: usize, message: String) -> TomlError {
        TomlError {
            message_line: None,
            ..self.err_at(at, message)
        }
    }

    fn err_span(&self, span: Span, message: String) -> TomlError {
        TomlError {
            message,
            span,
            last_key: self.last_key(),
            message_line: None,
        }
    }

    // ----- structure -------------------------------------------------------------------

    fn document(&mut self) -> Result<(), TomlError> {
        if self.bytes.starts_with(UTF16_BOM) {
            self.pos = UTF16_BOM.len();
            self.quirks.push(Quirk {
                code: "toml-utf16-bom",
                message: "the file starts with the bytes FF FE or FE FF (a UTF-16 byte-order mark): the reference's decoder skips them and reads the rest as UTF-8, TOML 1.0 tools refuse the file (it is not UTF-8)".into(),
                span: Some(0..2),
                key: None,
            });
        }
        loop {
            match self.peek()? {
                None => return Ok(()),
                Some(' ' | '\t' | '\n' | '\r') => self.pos += 1,
                Some('#') => self.comment()?,
                Some('[') => {
                    self.header()?;
                    self.line_end()?;
                }
                Some(_) => {
                    self.top_key_value()?;
                    self.line_end()?;
                }
            }
        }
    }

    /// After an item: whitespace, a comment, a newline or the end.
    fn line_end(&mut self) -> Result<(), TomlError> {
        loop {
            match self.peek()? {
                Some(' ' | '\t') => self.pos += 1,
                Some('#') => return self.comment(),
                Some('\n' | '\r') | None => return Ok(()),
                c => {
                    return Err(self.err_at(
                        self.pos,
                        format!("expected a top-level item to end with a newline, comment, or EOF, but got {} instead", quote_char(c)),
                    ))
                }
            }
        }
    }

    fn comment(&mut self) -> Result<(), TomlError> {
        // At '#': up to the newline (every character checked).
        self.pos += 1;
        loop {
            match self.peek()? {
                None | Some('\n' | '\r') => return Ok(()),
                Some(c) => self.pos += c.len_utf8(),
            }
        }
    }

    fn header(&mut self) -> Result<(), TomlError> {
        let start = self.pos;
        self.pos += 1;
        let array = self.accept('[')?;
        let mut key = Vec::new();
        loop {
            self.skip_ws()?;
            match self.peek()? {
                Some(']') | None => {
                    return Err(self.err_at(
                        self.pos,
                        "unexpected end of table name (table names cannot be empty)".into(),
                    ))
                }
                Some('.') => {
                    return Err(self.err_at(
                        self.pos,
                        "unexpected table separator (table names cannot be empty)".into(),
                    ))
                }
                _ => key.push(self.key_part()?.0),
            }
            self.skip_ws()?;
            match self.next()? {
                Some('.') => continue,
                Some(']') => break,
                c => {
                    return Err(self.err_at(
                        self.pos.saturating_sub(c.map_or(0, char::len_utf8)),
                        format!(
                            "expected '.' or ']' to end table name, but got {} instead",
                            quote_char(c)
                        ),
                    ))
                }
            }
        }
        if array {
            let c = self.next()?;
            if c != Some(']') {
                return Err(self.err_at(
                    self.pos.saturating_sub(c.map_or(0, char::len_utf8)),
                    format!(
                        "expected end of table array name delimiter ']', but got {} instead",
                        quote_char(c)
                    ),
                ));
            }
        }
        let span = Some(start..self.pos);
        self.current_key = None;
        self.add_context(&key, array, span, Def::Header)?;
        // setType("", hash/array of hashes): the table is no longer an array value.
        self.arrays.remove(&self.context);
        Ok(())
    }

    /// One part of a key: bare (possibly empty: the caller then meets the offending
    /// character) or a one-line basic or literal string.
    fn key_part(&mut self) -> Result<(String, Span), TomlError> {
        let start = self.pos;
        match self.peek()? {
            Some('"') => {
                self.pos += 1;
                let s = self.basic_string(start)?;
                Ok((s, Some(start..self.pos)))
            }
            Some('\'') => {
                self.pos += 1;
                let s = self.literal_string()?;
                Ok((s, Some(start..self.pos)))
            }
            _ => {
                while self.bytes.get(self.pos).copied().is_some_and(is_bare) {
                    self.pos += 1;
                }
                Ok((self.src[start..self.pos].to_owned(), Some(start..self.pos)))
            }
        }
    }

    /// `a.b.c =` (the `=` consumed): the parts with their spans.
    fn key(&mut self) -> Result<Vec<(String, Span)>, TomlError> {
        self.skip_ws()?;
        match self.peek()? {
            Some('=') | None => {
                return Err(self.err_at(self.pos, "unexpected '=': key name appears blank".into()))
            }
            Some('.') => {
                return Err(self.err_at(
                    self.pos,
                    "unexpected '.': keys cannot start with a '.'".into(),
                ))
            }
            _ => {}
        }
        let mut parts = Vec::new();
        loop {
            self.skip_ws()?;
            match self.peek()? {
                Some('=') | None => return Err(self.err_at(self.pos, "unexpected '='".into())),
                Some('.') => return Err(self.err_at(self.pos, "unexpected '.'".into())),
                _ => parts.push(self.key_part()?),
            }
            self.skip_ws()?;
            let at = self.pos;
            match self.next()? {
                Some('.') => continue,
                Some('=') => return Ok(parts),
                None => {
                    return Err(self.err_at(at, "unexpected EOF; expected key separator '='".into()))
                }
                c => {
                    return Err(self.err_at(
                        at,
                        format!("expected '.' or '=', but got {} instead", quote_char(c)),
                    ))
                }
            }
        }
    }

    fn top_key_value(&mut self) -> Result<(), TomlError> {
        let outer = self.context.clone();
        let mut parts = self.key()?;
        let (last, last_span) = parts.pop().expect("a key has a part");
        self.current_key = Some(last.clone());
        for (part, span) in parts {
            let mut k = self.context.clone();
            k.push(part);
            self.add_implicit_context(&k, span)?;
        }
        self.skip_ws()?;
        let (node, kind) = self.value(false)?;
        let def = inline_def(&node);
        self.set(last, last_span, node, kind, def)?;
        self.context = outer;
        self.current_key = None;
        Ok(())
    }

    fn add_implicit_context(&mut self, key: &[String], span: Span) -> Result<(), TomlError> {
        self.implicits.insert(key.to_vec());
        self.add_context(key, false, span, Def::Dotted)
    }

    /// Makes `key` the current table (creating implicit parents); `array` appends a new
    /// table to an array of tables.
    fn add_context(
        &mut self,
        key: &[String],
        array: bool,
        span: Span,
        how: Def,
    ) -> Result<(), TomlError> {
        let parent_origin = if how == Def::Header {
            Def::HeaderParent
        } else {
            how
        };
        let (last, parents) = key.split_last().expect("non-empty key");
        let mut walked: Key = Vec::with_capacity(key.len());
        let mut created: Vec<Key> = Vec::new();
        {
            let mut table = &mut self.root;
            for k in parents {
                walked.push(k.clone());
                if !table.contains(k) {
                    // A parent that only exists because of this key has no text of its own.
                    created.push(walked.clone());
                    table.insert(
                        k.clone(),
                        None,
                        Node {
                            value: Value::Table(Table::with_span(None, parent_origin)),
                            span: None,
                        },
                    );
                }
                table = match table.get_mut(k).map(|n| &mut n.value) {
                    Some(Value::Tables(list)) => list.last_mut().expect("never empty"),
                    Some(Value::Table(t)) => t,
                    _ => {
                        let msg =
                            format!("Key '{}' was already created as a hash.", walked.join("."));
                        return Err(self.err_span(span, msg));
                    }
                };
            }
            if array {
                if !table.contains(last) {
                    table.insert(
                        last.clone(),
                        span.clone(),
                        Node {
                            value: Value::Tables(Vec::new()),
                            span: span.clone(),
                        },
                    );
                }
                match table.get_mut(last) {
                    Some(Node {
                        value: Value::Tables(list),
                        ..
                    }) => list.push(Table::with_span(span.clone(), how)),
                    _ => {
                        let msg = format!(
                            "Key '{}' was already created and cannot be used as an array.",
                            key.join(".")
                        );
                        return Err(self.err_span(span, msg));
                    }
                }
            }
        }
        self.implicits.extend(created);
        self.context = parents.to_vec();
        if !array {
            let node = Node {
                value: Value::Table(Table::with_span(span.clone(), how)),
                span: span.clone(),
            };
            self.set_value(last.clone(), span, node, how)?;
        }
        self.context.push(last.clone());
        Ok(())
    }

    /// `set`: the value, then its recorded type.
    fn set(
        &mut self,
        key: String,
        key_span: Span,
        node: Node,
        kind: Kind,
        how: Def,
    ) -> Result<(), TomlError> {
        let mut full = self.context.clone();
        full.push(key.clone());
        self.set_value(key, key_span, node, how)?;
        if kind == Kind::Array {
            self.arrays.insert(full);
        } else {
            self.arrays.remove(&full);
        }
        Ok(())
    }

    /// Defines `key` in the current table: new keys are inserted; a key holding an array is
    /// replaced; an implicit table is kept (and becomes explicit); anything else is an error.
    ///
    /// `how` says what defines it; [`Def::Inline`] as a value is an inline table's own table,
    /// which its parse has just created.
    fn set_value(
        &mut self,
        key: String,
        key_span: Span,
        node: Node,
        how: Def,
    ) -> Result<(), TomlError> {
        let mut full = self.context.clone();
        full.push(key.clone());
        let is_array = self.arrays.contains(&full);
        let is_implicit = self.implicits.contains(&full);
        let mut table = &mut self.root;
        for (i, k) in self.context.iter().enumerate() {
            table = match table.get_mut(k).map(|n| &mut n.value) {
                Some(Value::Tables(list)) => list.last_mut().expect("never empty"),
                Some(Value::Table(t)) => t,
                _ => {
                    let msg = format!(
                        "Key '{}' has already been defined.",
                        self.context[..=i].join(".")
                    );
                    let span = node.span.clone();
                    return Err(self.err_span(span, msg));
                }
            };
        }
        if table.contains(&key) {
            let (existing, own_elements) = match table.get_mut(&key).map(|n| &n.value) {
                Some(Value::Table(t)) => (Some(t.origin), false),
                // The tables this array's inline-table elements created.
                Some(Value::Tables(l)) => {
                    (None, l.first().is_some_and(|t| t.origin == Def::Inline))
                }
                _ => (None, false),
            };
            let shown = key_string(&full);
            if is_array {
                self.implicits.remove(&full);
                table.insert(key, key_span.clone(), node);
                if own_elements {
                    return Ok(());
                }
                self.quirk(
                    "toml-redefined-array",
                    format!("{shown} is defined again (it held an array); TOML 1.0 forbids defining a key twice, the reference's decoder replaces the value"),
                    key_span,
                    shown,
                );
                return Ok(());
            }
            if is_implicit {
                self.implicits.remove(&full);
                let legal = matches!(
                    (how, existing),
                    (Def::Inline, _)
                        | (Def::Header, Some(Def::HeaderParent))
                        | (Def::Dotted, Some(Def::Dotted))
                );
                if !legal {
                    let what = if how == Def::Value {
                        "the table is kept and this value is ignored"
                    } else {
                        "the definitions are merged"
                    };
                    self.quirk(
                        "toml-redefined-table",
                        format!("the table {shown} is defined again; TOML 1.0 forbids this (other tools reject the file), the reference's decoder accepts it: {what}"),
                        key_span,
                        shown,
                    );
                }
                return Ok(());
            }
            let msg = format!("Key '{}' has already been defined.", full.join("."));
            return Err(self.err_span(key_span, msg));
        }
        table.insert(key, key_span, node);
        Ok(())
    }

    fn quirk(&mut self, code: &'static str, message: String, span: Span, key: String) {
        self.quirks.push(Quirk {
            code,
            message,
            span,
            key: Some(key),
        });
    }

    // ----- values ----------------------------------------------------------------------

    /// A value; `in_array` for elements of an array (inline tables there are flat).
    fn value(&mut self, in_array: bool) -> Result<(Node, Kind), TomlError> {
        self.skip_ws()?;
        let start = self.pos;
        let c = self.peek()?;
        let prim = |v: Value, p: &Self| {
            Ok((
                Node {
                    value: v,
                    span: Some(start..p.pos),
                },
                Kind::Other,
            ))
        };
        match c {
            Some('0'..='9') => {
                let v = self.number_or_date(start)?;
                prim(v, self)
            }
            Some('[') => {
                self.pos += 1;
                self.array(start)
            }
            Some('{') => {
                self.pos += 1;
                self.inline_table(start, in_array)
            }
            Some('"') => {
                self.pos += 1;
                let s = if self.bytes[self.pos..].starts_with(b"\"\"") {
                    self.pos += 2;
                    self.multiline_basic(start)?
                } else {
                    self.basic_string(start)?
                };
                prim(Value::String(s), self)
            }
            Some('\'') => {
                self.pos += 1;
                let s = if self.bytes[self.pos..].starts_with(b"''") {
                    self.pos += 2;
                    self.multiline_literal()?
                } else {
                    self.literal_string()?
                };
                prim(Value::String(s), self)
            }
            Some('.') => Err(self.err_at(start, "floats must start with a digit, not '.'".into())),
            Some('+' | '-') => {
                self.pos += 1;
                let v = self.signed_number(start)?;
                prim(v, self)
            }
            Some('i' | 'n') if self.src[start..].starts_with("inf") => {
                self.pos += 3;
                prim(Value::Float, self)
            }
            Some('i' | 'n') if self.src[start..].starts_with("nan") => {
                self.pos += 3;
                prim(Value::Float, self)
            }
            Some(c) if is_letter(c) => {
                let mut end = start;
                for ch in self.src[start..].chars() {
                    if !is_letter(ch) {
                        break;
                    }
                    end += ch.len_utf8();
                }
                // Every character of the word is checked like the reference's lexer does.
                while self.pos < end {
                    self.next()?;
                }
                match &self.src[start..end] {
                    "true" => prim(Value::Bool(true), self),
                    "false" => prim(Value::Bool(false), self),
                    w => Err(self.err_at(
                        start,
                        format!("expected value but found {} instead", crate::quote::Q(w)),
                    )),
                }
            }
            None => Err(self.err_at(start, "unexpected EOF; expected value".into())),
            Some(c) => Err(self.err_at(
                start,
                format!("expected value but found {} instead", quote_char(Some(c))),
            )),
        }
    }

    fn array(&mut self, start: usize) -> Result<(Node, Kind), TomlError> {
        // setType(currentKey, array) comes before the elements.
        if let Some(k) = &self.current_key {
            let mut full = self.context.clone();
            full.push(k.clone());
            self.arrays.insert(full);
        }
        let mut items = Vec::new();
        loop {
            // Before a value: whitespace, newlines, comments, `]`.
            match self.peek()? {
                Some(' ' | '\t' | '\n' | '\r') => {
                    self.pos += 1;
                    continue;
                }
                Some('#') => {
                    self.comment()?;
                    continue;
                }
                Some(',') => return Err(self.err_at(self.pos, "unexpected comma".into())),
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                _ => {}
            }
            self.array_depth += 1;
            let value = self.value(true);
            self.array_depth -= 1;
            items.push(value?.0);
            // After a value: `,` or `]`.
            loop {
                match self.peek()? {
                    Some(' ' | '\t' | '\n' | '\r') => self.pos += 1,
                    Some('#') => self.comment()?,
                    Some(',') => {
                        self.pos += 1;
                        break;
                    }
                    Some(']') => {
                        self.pos += 1;
                        return Ok((
                            Node {
                                value: Value::Array(items),
                                span: Some(start..self.pos),
                            },
                            Kind::Array,
                        ));
                    }
                    c => {
                        return Err(self.err_at(
                            self.pos,
                            format!(
                                "expected a comma (',') or array terminator (']'), but got {}",
                                quote_char(c)
                            ),
                        ))
                    }
                }
            }
        }
        Ok((
            Node {
                value: Value::Array(items),
                span: Some(start..self.pos),
            },
            Kind::Array,
        ))
    }

    fn inline_table(&mut self, start: usize, in_array: bool) -> Result<(Node, Kind), TomlError> {
        let outer_context = self.context.clone();
        let outer_key = self.current_key.take();
        let mut ctx = self.context.clone();
        ctx.push(outer_key.clone().unwrap_or_default());
        self.implicits.insert(ctx.clone());
        let span = Some(start..start + 1);
        self.add_context(&ctx, in_array, span.clone(), Def::Inline)?;
        let prev_context = self.context.clone();
        let mut flat = Table::with_span(span, Def::Inline);
        let mut first = true;
        loop {
            // Before a pair (or `}`).
            self.skip_ws()?;
            match self.peek()? {
                Some('\n' | '\r') => {
                    return Err(self.err_before_newline(
                        self.pos,
                        "newlines not allowed within inline tables".into(),
                    ))
                }
                Some('#') => {
                    self.comment()?;
                    continue;
                }
                Some(',') => return Err(self.err_at(self.pos, "unexpected comma".into())),
                Some('}') if first => {
                    self.pos += 1;
                    break;
                }
                _ => {}
            }
            first = false;
            let mut parts = self.key()?;
            let (last, last_span) = parts.pop().expect("a key has a part");
            self.current_key = Some(last.clone());
            if self.array_depth > 0 && !parts.is_empty() {
                let mut k = self.context.clone();
                k.extend(parts.iter().map(|(p, _)| p.clone()));
                k.push(last.clone());
                let shown = key_string(&k);
                self.quirk(
                    "toml-flat-inline-table",
                    format!("the dotted key {shown} in an inline table inside an array is read by the reference's decoder as its last part alone ({}), by TOML 1.0 as nested tables", crate::quote::Q(&last)),
                    last_span.clone(),
                    shown,
                );
            }
            for (part, pspan) in parts {
                let mut k = self.context.clone();
                k.push(part);
                self.add_implicit_context(&k, pspan)?;
            }
            self.skip_ws()?;
            let (node, kind) = self.value(false)?;
            let def = inline_def(&node);
            self.set(last.clone(), last_span.clone(), node.clone(), kind, def)?;
            flat.insert(last, last_span, node);
            self.context = prev_context.clone();
            // After a pair: `,` or `}`.
            loop {
                match self.peek()? {
                    Some(' ' | '\t') => self.pos += 1,
                    Some('\n' | '\r') => {
                        return Err(self.err_before_newline(
                            self.pos,
                            "newlines not allowed within inline tables".into(),
                        ))
                    }
                    Some('#') => self.comment()?,
                    Some(',') => {
                        self.pos += 1;
                        self.skip_ws()?;
                        if self.peek()? == Some('}') {
                            return Err(self.err_at(
                                self.pos,
                                "trailing comma not allowed in inline tables".into(),
                            ));
                        }
                        break;
                    }
                    Some('}') => {
                        self.pos += 1;
                        self.context = outer_context;
                        self.current_key = outer_key;
                        flat.span = Some(start..self.pos);
                        return Ok((
                            Node {
                                value: Value::Table(flat),
                                span: Some(start..self.pos),
                            },
                            Kind::Other,
                        ));
                    }
                    c => {
                        return Err(self.err_at(
                            self.pos,
                            format!(
                                "expected a comma or an inline table terminator '}}', but got {} instead",
                                quote_char(c)
                            ),
                        ))
                    }
                }
            }
        }
        self.context = outer_context;
        self.current_key = outer_key;
        flat.span = Some(start..self.pos);
        Ok((
            Node {
                value: Value::Table(flat),
                span: Some(start..self.pos),
            },
            Kind::Other,
        ))
    }

    // ----- strings ---------------------------------------------------------------------

    /// Validates one escape after a backslash (lexer rules); returns nothing.
    fn lex_escape(&mut self) -> Result<(), TomlError> {
        let at = self.pos;
        match self.next()? {
            Some('b' | 't' | 'n' | 'f' | 'r' | '"' | '\\' | ' ' | '\t') => Ok(()),
            Some(u @ ('u' | 'U')) => {
                let n = if u == 'u' { 4 } else { 8 };
                let from = self.pos;
                for _ in 0..n {
                    match self.next()? {
                        Some(c) if c.is_ascii_hexdigit() => {}
                        _ => {
                            return Err(self.err_at(
                                at,
                                format!(
                                    "expected {} hexadecimal digits after '\\{u}', but got {} instead",
                                    if n == 4 { "four" } else { "eight" },
                                    crate::quote::Q(&self.src[from.min(self.pos)..self.pos])
                                ),
                            ))
                        }
                    }
                }
                Ok(())
            }
            c => Err(self.err_at(
                at,
                format!(
                    "invalid escape character {}; only the following escape characters are allowed: \\b, \\t, \\n, \\f, \\r, \\\", \\\\, \\uXXXX, and \\UXXXXXXXX",
                    quote_char(c)
                ),
            )),
        }
    }

    /// After the opening `"`: the raw content up to the closing `"`, escapes replaced.
    fn basic_string(&mut self, start: usize) -> Result<String, TomlError> {
        let from = self.pos;
        loop {
            let at = self.pos;
            match self.next()? {
                None => return Err(self.err_at(at, "unexpected EOF; expected '\"'".into())),
                Some('\n' | '\r') => {
                    return Err(
                        self.err_before_newline(at, "strings cannot contain newlines".into())
                    )
                }
                Some('\\') => self.lex_escape()?,
                Some('"') => {
                    let raw = &self.src[from..at];
                    return self.replace_escapes(raw, start);
                }
                Some(_) => {}
            }
        }
    }

    fn literal_string(&mut self) -> Result<String, TomlError> {
        let from = self.pos;
        loop {
            let at = self.pos;
            match self.next()? {
                None => return Err(self.err_at(at, "unexpected EOF; expected \"'\"".into())),
                Some('\n' | '\r') => {
                    return Err(
                        self.err_before_newline(at, "strings cannot contain newlines".into())
                    )
                }
                Some('\'') => return Ok(self.src[from..at].to_owned()),
                Some(_) => {}
            }
        }
    }

    /// Reads up to a closing run of `q` (3 to 5 quotes; the first ones of a longer run are
    /// content, 6 or more are an error). Returns the raw content.
    fn multiline_raw(&mut self, q: char, escapes: bool) -> Result<&'a str, TomlError> {
        let from = self.pos;
        loop {
            let at = self.pos;
            match self.next()? {
                None => {
                    let want = if q == '"' { "'\"\"\"'" } else { "\"'''\"" };
                    return Err(self.err_at(at, format!("unexpected EOF; expected {want}")));
                }
                Some('\\') if escapes => {
                    if is_nl(self.peek()?) {
                        continue;
                    }
                    self.lex_escape()?;
                }
                Some(c) if c == q => {
                    let run = self.bytes[at..]
                        .iter()
                        .take_while(|&&b| b == q as u8)
                        .count();
                    if run < 3 {
                        continue;
                    }
                    if run >= 6 {
                        return Err(self.err_at(
                            at,
                            format!(
                                "unexpected {}",
                                std::iter::repeat_n(q, 6).collect::<String>()
                            ),
                        ));
                    }
                    let end = at + run - 3;
                    self.pos = at + run;
                    return Ok(&self.src[from..end]);
                }
                Some(_) => {}
            }
        }
    }

    fn multiline_basic(&mut self, start: usize) -> Result<String, TomlError> {
        let raw = self.multiline_raw('"', true)?;
        let joined = self.strip_escaped_newlines(raw, start)?;
        let s = strip_first_newline(&joined);
        if raw.contains('\\') && s != toml10_continuations(strip_first_newline(raw)) {
            let key = self.last_key().unwrap_or_default();
            self.quirk(
                "toml-string-continuation",
                "a line-ending backslash in this multi-line string is read differently by the reference's decoder (it keeps the indentation after a blank line and drops the newline after a continued line) than by TOML 1.0".into(),
                Some(start..self.pos),
                key,
            );
        }
        self.replace_escapes(s, start)
    }

    fn multiline_literal(&mut self) -> Result<String, TomlError> {
        let start = self.pos - 3;
        let raw = self.multiline_raw('\'', false)?;
        let value = strip_first_newline(raw);
        if value.contains("\r\n") {
            let key = self.last_key().unwrap_or_default();
            self.quirk(
                "toml-crlf-in-literal",
                "this multi-line literal string holds CRLF line ends: the reference's decoder keeps them (\\r\\n), TOML 1.0 lets tools normalise them".into(),
                Some(start..self.pos),
                key,
            );
        }
        Ok(value.to_owned())
    }

    /// The reference's handling of line-ending backslashes in multi-line basic strings:
    /// line by line, a line ending in an odd number of backslashes (trailing blanks ignored)
    /// is joined with the next one, whose leading blanks are trimmed. The "previous line was
    /// continued" state is not reset by a blank line, so after `\`, a blank line and an
    /// indented line, the indentation is kept and no newline is added.
    fn strip_escaped_newlines(&self, s: &str, start: usize) -> Result<String, TomlError> {
        let mut split: Vec<String> = s.split('\n').map(str::to_owned).collect();
        let n = split.len();
        let mut esc_nl = false;
        for i in 0..n {
            let mut line = split[i].trim_end_matches([' ', '\t', '\r']).to_owned();
            if line.is_empty() || !line.ends_with('\\') {
                let t = split[i].trim_end_matches('\r').len();
                split[i].truncate(t);
                if !esc_nl && i != n - 1 {
                    split[i].push('\n');
                }
                continue;
            }
            let backslashes = line.bytes().rev().take_while(|&b| b == b'\\').count();
            let escaped_backslash = backslashes % 2 == 0;
            if esc_nl {
                line = line.trim_start_matches([' ', '\t', '\r']).to_owned();
            }
            esc_nl = !escaped_backslash;
            if escaped_backslash {
                split[i].push('\n');
                continue;
            }
            if i == n - 1 {
                return Err(self.err_span(Some(start..self.pos), "invalid escape: '\\ '".into()));
            }
            line.pop();
            split[i] = line;
            let next = split[i + 1]
                .trim_start_matches([' ', '\t', '\r'])
                .to_owned();
            split[i + 1] = next;
        }
        Ok(split.concat())
    }

    fn replace_escapes(&self, s: &str, start: usize) -> Result<String, TomlError> {
        if !s.contains('\\') {
            return Ok(s.to_owned());
        }
        let span = Some(start..self.pos);
        let mut out = String::with_capacity(s.len());
        let mut chars = s.char_indices();
        while let Some((_, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((i, e)) = chars.next() else {
                return Err(self.err_span(span, "escape sequence at end of string".into()));
            };
            match e {
                'b' => out.push('\u{8}'),
                't' => out.push('\t'),
                'n' => out.push('\n'),
                'f' => out.push('\u{c}'),
                'r' => out.push('\r'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'u' | 'U' => {
                    let n = if e == 'u' { 4 } else { 8 };
                    let hex = s.get(i + 1..i + 1 + n).unwrap_or("");
                    let cp = u32::from_str_radix(hex, 16).ok();
                    match cp.and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => {
                            return Err(self.err_span(
                                span,
                                format!("Escaped character '\\u{hex}' is not valid UTF-8."),
                            ))
                        }
                    }
                    for _ in 0..n {
                        chars.next();
                    }
                }
                ' ' | '\t' => {
                    return Err(self.err_span(span, format!("invalid escape: '\\{e}'")));
                }
                other => {
                    return Err(self.err_span(span, format!("invalid escape: '\\{other}'")));
                }
            }
        }
        Ok(out)
    }

    // ----- numbers and date-times ------------------------------------------------------

    /// Consumes characters while `ok` holds (each checked).
    fn take_while(&mut self, ok: impl Fn(char) -> bool) -> Result<(), TomlError> {
        while let Some(c) = self.peek()? {
            if !ok(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        Ok(())
    }

    /// A value starting with a digit: integer (any base), float or date-time, classified
    /// the way the reference's lexer does, then validated like its parser.
    fn number_or_date(&mut self, start: usize) -> Result<Value, TomlError> {
        let first = self.next()?;
        if first == Some('0') {
            match self.peek()? {
                Some(b @ ('b' | 'o' | 'x')) => {
                    self.pos += 1;
                    let digit = move |c: char| match b {
                        'b' => matches!(c, '0' | '1'),
                        'o' => matches!(c, '0'..='7'),
                        _ => c.is_ascii_hexdigit(),
                    };
                    if !self.peek()?.is_some_and(digit) {
                        let what = match b {
                            'b' => "binary",
                            'o' => "octal",
                            _ => "hexidecimal",
                        };
                        return Err(self.err_at(
                            start,
                            format!("not a {what} number: '{}'", &self.src[start..self.pos]),
                        ));
                    }
                    self.take_while(|c| digit(c) || c == '_')?;
                    return self.integer(start);
                }
                Some('0'..='9') => {}
                Some('_') => return self.decimal(start),
                Some('.' | 'e' | 'E') => return self.float(start),
                _ => return self.integer(start),
            }
        }
        loop {
            match self.peek()? {
                Some('0'..='9') => self.pos += 1,
                Some('-' | ':') => {
                    self.take_while(|c| {
                        c.is_ascii_digit()
                            || matches!(c, '-' | ':' | 'T' | 't' | ' ' | '.' | 'Z' | 'z' | '+')
                    })?;
                    return self.datetime(start);
                }
                Some('_') => return self.decimal(start),
                Some('.' | 'e' | 'E') => return self.float(start),
                _ => return self.integer(start),
            }
        }
    }

    /// After a sign.
    fn signed_number(&mut self, start: usize) -> Result<Value, TomlError> {
        match self.peek()? {
            Some('i') => {
                if self.src[self.pos..].starts_with("inf") {
                    self.pos += 3;
                    return Ok(Value::Float);
                }
                Err(self.err_at(
                    start,
                    format!("invalid float: '{}'", &self.src[start..self.pos + 1]),
                ))
            }
            Some('n') => {
                if self.src[self.pos..].starts_with("nan") {
                    self.pos += 3;
                    return Ok(Value::Float);
                }
                Err(self.err_at(
                    start,
                    format!("invalid float: '{}'", &self.src[start..self.pos + 1]),
                ))
            }
            Some('0') if matches!(self.bytes.get(self.pos + 1), Some(b'b' | b'o' | b'x')) => {
                Err(self.err_at(
                    start,
                    format!(
                        "cannot use sign with non-decimal numbers: '{}'",
                        &self.src[start..self.pos + 2]
                    ),
                ))
            }
            Some('.') => Err(self.err_at(start, "floats must start with a digit, not '.'".into())),
            Some('0'..='9') => {
                self.pos += 1;
                self.decimal(start)
            }
            c => Err(self.err_at(
                self.pos,
                format!("expected a digit but got {}", quote_char(c)),
            )),
        }
    }

    /// Digits and underscores; then a float or an integer.
    fn decimal(&mut self, start: usize) -> Result<Value, TomlError> {
        loop {
            match self.peek()? {
                Some('0'..='9' | '_') => self.pos += 1,
                Some('.' | 'e' | 'E') => return self.float(start),
                _ => return self.integer(start),
            }
        }
    }

    fn float(&mut self, start: usize) -> Result<Value, TomlError> {
        self.take_while(|c| c.is_ascii_digit() || matches!(c, '_' | '.' | '-' | '+' | 'e' | 'E'))?;
        let text = &self.src[start..self.pos];
        let span = Some(start..self.pos);
        let parts: Vec<&str> = text
            .split(['.', 'e', 'E'])
            .filter(|p| !p.is_empty())
            .collect();
        if parts.iter().any(|p| !underscores_ok(p)) {
            return Err(self.err_span(
                span,
                format!(
                    "Invalid float {}: underscores must be surrounded by digits",
                    crate::quote::Q(text)
                ),
            ));
        }
        if parts.first().is_some_and(|p| leading_zero(p)) {
            return Err(self.err_span(
                span,
                format!(
                    "Invalid float {}: cannot have leading zeroes",
                    crate::quote::Q(text)
                ),
            ));
        }
        if !periods_ok(text) {
            return Err(self.err_span(
                span,
                format!(
                    "Invalid float {}: '.' must be followed by one or more digits",
                    crate::quote::Q(text)
                ),
            ));
        }
        let clean = text.replace('_', "");
        if !go_float_syntax(&clean) {
            return Err(self.err_span(
                span,
                format!("Invalid float value: {}", crate::quote::Q(text)),
            ));
        }
        match clean.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float),
            Ok(_) => Err(self.err_span(span, format!("{text} is out of range for float64"))),
            Err(_) => Err(self.err_span(
                span,
                format!("Invalid float value: {}", crate::quote::Q(text)),
            )),
        }
    }

    fn integer(&mut self, start: usize) -> Result<Value, TomlError> {
        let text = &self.src[start..self.pos];
        let span = Some(start..self.pos);
        if !underscores_ok(text) {
            return Err(self.err_span(
                span,
                format!(
                    "Invalid integer {}: underscores must be surrounded by digits",
                    crate::quote::Q(text)
                ),
            ));
        }
        if leading_zero(text) {
            return Err(self.err_span(
                span,
                format!(
                    "Invalid integer {}: cannot have leading zeroes",
                    crate::quote::Q(text)
                ),
            ));
        }
        let clean = text.replace('_', "");
        let (neg, digits) = match clean.as_bytes().first() {
            Some(b'-') => (true, &clean[1..]),
            Some(b'+') => (false, &clean[1..]),
            _ => (false, &clean[..]),
        };
        let (radix, digits) = match digits.get(..2) {
            Some("0x") => (16, &digits[2..]),
            Some("0o") => (8, &digits[2..]),
            Some("0b") => (2, &digits[2..]),
            _ => (10, digits),
        };
        let parsed = i128::from_str_radix(digits, radix)
            .ok()
            .map(|v| if neg { -v } else { v })
            .and_then(|v| i64::try_from(v).ok());
        match parsed {
            Some(_) => Ok(Value::Integer),
            None => Err(self.err_span(span, format!("{text} is out of range for int64"))),
        }
    }

    fn datetime(&mut self, start: usize) -> Result<Value, TomlError> {
        let raw = self.src[start..self.pos].trim_matches([' ', '\t', '\n', '\r']);
        // Trailing blanks are not part of the value.
        let end = start
            + self.src[start..self.pos]
                .trim_end_matches([' ', '\t', '\n', '\r'])
                .len();
        let value: String = raw
            .chars()
            .map(|c| match c {
                'z' => 'Z',
                't' | ' ' => 'T',
                c => c,
            })
            .collect();
        if let Some(lenient) = go_datetime(value.as_bytes()) {
            // Leave the trailing blanks to the line end.
            self.pos = end;
            if lenient {
                let key = self.last_key().unwrap_or_default();
                self.quirk(
                    "toml-lenient-datetime",
                    format!("the date-time {} is not valid TOML 1.0 (one-digit hour, or an offset hour above 23 or minute above 59); the reference's decoder accepts it", crate::quote::Q(raw)),
                    Some(start..end),
                    key,
                );
            }
            Ok(Value::Datetime)
        } else {
            Err(self.err_span(
                Some(start..end),
                format!("Invalid TOML Datetime: {}.", crate::quote::Q(&value)),
            ))
        }
    }
}

/// How a parsed value defines its key: an inline table's own table, or a value.
fn inline_def(node: &Node) -> Def {
    match node.value {
        Value::Table(_) => Def::Inline,
        _ => Def::Value,
    }
}

fn strip_first_newline(s: &str) -> &str {
    s.strip_prefix('\n')
        .or_else(|| s.strip_prefix("\r\n"))
        .unwrap_or(s)
}

/// Every underscore between two characters that are not underscores (hex digits, really).
fn underscores_ok(s: &str) -> bool {
    if matches!(s, "nan" | "+nan" | "-nan" | "inf" | "-inf" | "+inf") {
        return true;
    }
    let mut accept = false;
    for c in s.chars() {
        if c == '_' && !accept {
            return false;
        }
        accept = c.is_ascii_hexdigit();
    }
    accept
}

fn leading_zero(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() > 1 && b[0] == b'0' && !matches!(b[1], b'b' | b'o' | b'x'))
        || (b.len() > 2 && matches!(b[0], b'-' | b'+') && b[1] == b'0')
}

fn periods_ok(s: &str) -> bool {
    let mut period = false;
    for c in s.chars() {
        if period && !c.is_ascii_digit() {
            return false;
        }
        period = c == '.';
    }
    !period
}

/// What Go's `strconv.ParseFloat` accepts among the texts the lexer lets through: an
/// optional sign, digits with an optional fraction, an optional exponent with optional sign.
fn go_float_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > from
    };
    let int = digits(&mut i);
    let mut frac = false;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac = digits(&mut i);
    }
    if !int && !frac {
        return false;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Whether one of the reference's layouts parses `v` (after `z`→`Z`, `t`/space→`T`):
/// RFC 3339 with optional fraction and `Z`/`±hh:mm` offset, local date-time, local date,
/// local time — with Go's `time.Parse` rules (hour of one or two digits, other fields of
/// two, year of four; ranges checked except for the offset; fraction below 10⁹).
///
/// `Some(lenient)` when accepted, `lenient` when TOML 1.0 would refuse it.
fn go_datetime(v: &[u8]) -> Option<bool> {
    let lenient = std::cell::Cell::new(false);
    let date = |v: &[u8]| -> Option<usize> {
        // 2006-01-02
        if v.len() < 10 || !v[..4].iter().all(u8::is_ascii_digit) || v[4] != b'-' || v[7] != b'-' {
            return None;
        }
        let year: u32 = std::str::from_utf8(&v[..4]).ok()?.parse().ok()?;
        let month = two(&v[5..7])?;
        let day = two(&v[8..10])?;
        if !(1..=12).contains(&month) {
            return None;
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (1..=days).contains(&day).then_some(10)
    };
    let time = |v: &[u8]| -> Option<usize> {
        // 15:04:05 with an optional .999999999
        let mut i = 0;
        let hour_digits = v.iter().take(2).take_while(|b| b.is_ascii_digit()).count();
        if hour_digits == 0 {
            return None;
        }
        let hour: u32 = std::str::from_utf8(&v[..hour_digits]).ok()?.parse().ok()?;
        if hour >= 24 {
            return None;
        }
        if hour_digits == 1 {
            lenient.set(true);
        }
        i += hour_digits;
        if v.get(i) != Some(&b':') {
            return None;
        }
        let minute = two(v.get(i + 1..i + 3)?)?;
        if v.get(i + 3) != Some(&b':') || minute > 59 {
            return None;
        }
        let second = two(v.get(i + 4..i + 6)?)?;
        if second > 59 {
            return None;
        }
        i += 6;
        if v.get(i) == Some(&b'.') && v.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let n = v[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            let digits = &v[i + 1..i + 1 + n];
            let significant = digits.iter().skip_while(|&&b| b == b'0').count();
            if significant > 9 {
                return None;
            }
            let ns: u64 = std::str::from_utf8(digits).ok()?.parse().unwrap_or(0);
            if ns >= 1_000_000_000 {
                return None;
            }
            i += 1 + n;
        }
        Some(i)
    };
    let offset = |v: &[u8]| -> bool {
        match v {
            [b'Z'] => true,
            // Go 1.19 checks no range here (its check came with Go 1.23, golang/go#67470):
            // any two digits each are accepted.
            [s, h1, h2, b':', m1, m2] => {
                let (h, m) = (two(&[*h1, *h2]), two(&[*m1, *m2]));
                if h.is_some_and(|h| h > 23) || m.is_some_and(|m| m > 59) {
                    lenient.set(true);
                }
                matches!(s, b'+' | b'-') && h.is_some() && m.is_some()
            }
            _ => false,
        }
    };
    // RFC 3339 and local date-time.
    let ok = if let Some(d) = date(v) {
        d == v.len() // local date
            || (v[d] == b'T'
                && time(&v[d + 1..]).is_some_and(|t| {
                    let rest = &v[d + 1 + t..];
                    rest.is_empty() || offset(rest)
                }))
    } else {
        time(v) == Some(v.len())
    };
    ok.then(|| lenient.get())
}

/// TOML 1.0's reading of line-ending backslashes: an unescaped `\` followed by blanks and a
/// newline is removed together with all whitespace and newlines up to the next other
/// character (CRLF read as LF, as the reference does in basic strings).
fn toml10_continuations(raw: &str) -> String {
    let s = raw.replace("\r\n", "\n");
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&b'\\') {
            i += 2;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && matches!(b[j], b' ' | b'\t') {
            j += 1;
        }
        if j < b.len() && b[j] == b'\n' {
            while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\n') {
                j += 1;
            }
            out.push_str(&s[copied..i]);
            copied = j;
            i = j;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[copied..]);
    out
}

/// Two ASCII digits.
fn two(v: &[u8]) -> Option<u32> {
    match v {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Table {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    fn bad(text: &str) {
        assert!(parse(text).is_err(), "accepted: {text:?}");
    }

    fn string_at(t: &Table, key: &str) -> String {
        let e = t.entries.iter().find(|e| e.key == key).unwrap();
        match &e.node.value {
            Value::String(s) => s.clone(),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn accepts_what_the_reference_accepts() {
        for text in [
            "x = { a.b = 1, a = 2 }\n",
            "a.b.c = 1\na.b = 2\n",
            "a = {b = 1}\na.c = 2\n",
            "[t]\nx.b = 1\n[t.x]\n",
            "a = [1]\na = [2]\n",
            "a = [1]\na = 2\n",
            "x = 1979-05-27T7:32:00Z\n",
            "x = 1979-05-27T07:32:00+24:00\n",
            "x = 1979-05-27T07:32:00-99:99\n",
            "x = 1979-05-27 07:32:00.123456789z\n",
            "x = 07:32:00\n",
            "x = 1979-05-27\n",
            "x = 2000-02-29\n",
            "x = 00:00:00.0123456789\n",
            "x = 1_000\ny = 0x_ff_ff\n"
                .replace("0x_ff_ff", "0xff_ff")
                .as_str(),
            "x = +inf\ny = nan\nz = -0.5e-3\n",
            "x = [1, 'a', {b = 2},]\n",
            "[[a]]\n[[a]]\n[a.b]\n",
            "\"\" = 1\n",
        ] {
            ok(text);
        }
    }

    #[test]
    fn rejects_what_the_reference_rejects() {
        for text in [
            "\u{feff}a = 1\n",
            "x = 1979-05-27T07:32:00.1234567891Z\n",
            "x = 23:59:60\n",
            "x = 1979-02-30\n",
            "x = -1e400\n",
            "x = 1e400\n",
            "x = 9223372036854775808\n",
            "a = 1\na = 2\n",
            "[a]\n[a]\n",
            "x = { a = 1, }\n",
            "x = {\n}\n",
            "x = \"a\\qb\"\n",
            "x = \"\"\"abc\"\"\"\"\"\"\n",
            "x = 01\n",
            "x = 1__0\n",
            "x = 1.\n",
            "x = .5\n",
            "x = tru\n",
            "x = 1\u{1}\n",
            "x = \"a\rb\"\n",
            "a = 1 b = 2\n",
            "[[a] ]\n",
            "x = \"\\ud800\"\n",
        ] {
            bad(text);
        }
    }

    #[test]
    fn continuation_keeps_indentation_after_a_blank_line() {
        let text = "a = \"\"\"quay.\\\n\n   io\"\"\"\nb = \"\"\"quay.\\\n   io\"\"\"\n";
        let (t, quirks) = parse_with_quirks(text).unwrap();
        assert_eq!(string_at(&t, "a"), "quay.   io");
        assert_eq!(string_at(&t, "b"), "quay.io");
        // Only the first reads differently from TOML 1.0.
        assert_eq!(quirks.len(), 1);
        assert_eq!(quirks[0].code, "toml-string-continuation");
        assert_eq!(quirks[0].key.as_deref(), Some("a"));
        // The newline after a continued line is lost too (fixed in BurntSushi/toml 1.3).
        let t = ok("a = \"\"\"x \\\n  y\nz\"\"\"\n");
        assert_eq!(string_at(&t, "a"), "x yz");
    }

    #[test]
    fn constructs_read_differently_from_toml_1_0_are_reported() {
        for (text, code) in [
            ("x = { a.b = 1, a = 2 }\n", "toml-redefined-table"),
            ("a.b.c = 1\na.b = 2\n", "toml-redefined-table"),
            ("a = {b = 1}\na.c = 2\n", "toml-redefined-table"),
            ("[t]\nx.b = 1\n[t.x]\n", "toml-redefined-table"),
            ("a = [1]\na = [2]\n", "toml-redefined-array"),
            ("x = [{a.b = 1}]\n", "toml-flat-inline-table"),
            ("x = 1979-05-27T7:32:00Z\n", "toml-lenient-datetime"),
            ("x = 1979-05-27T07:32:00+24:00\n", "toml-lenient-datetime"),
            ("x = \'\'\'a\r\nb\'\'\'\n", "toml-crlf-in-literal"),
        ] {
            let (_, quirks) = parse_with_quirks(text).unwrap();
            let codes: Vec<_> = quirks.iter().map(|q| q.code).collect();
            assert_eq!(codes, [code], "{text:?}");
        }
        // Legal TOML 1.0: nothing to report.
        for text in [
            "[a.b]\n[a]\n",
            "a.b = 1\na.c = 2\n",
            "x = {a.b = 1, a.c = 2}\n",
            "[fruit]\napple.color = 1\n[fruit.apple.texture]\n",
            "x = [{a = 1}]\ny = {z = {w = 1}}\n",
            "s = \"\"\"a \\\n  b \\\n  c\"\"\"\n",
            "x = 1979-05-27T07:32:00Z\n",
        ] {
            let (_, quirks) = parse_with_quirks(text).unwrap();
            assert!(quirks.is_empty(), "{text:?}: {quirks:?}");
        }
    }

    #[test]
    fn crlf_is_kept_in_multiline_literals_only() {
        let t = ok("a = '''x\r\ny'''\r\nb = \"\"\"x\r\ny\"\"\"\r\n");
        assert_eq!(string_at(&t, "a"), "x\r\ny");
        assert_eq!(string_at(&t, "b"), "x\ny");
    }

    #[test]
    fn utf16_bom_bytes_are_skipped_with_offsets_kept() {
        let text = text_from_bytes(b"\xff\xfea = \"b\"\n".to_vec()).unwrap();
        let (t, quirks) = parse_with_quirks(&text).unwrap();
        assert_eq!(t.entries[0].key_span, Some(2..3));
        assert_eq!(quirks[0].code, "toml-utf16-bom");
        assert!(text_from_bytes(b"\x01\x01a = 1\n".to_vec()).is_err());
        bad("a = 1\n\x01\x01");
        assert!(text_from_bytes(b"a = \"\xff\"".to_vec()).is_err());
    }

    #[test]
    fn inline_tables_in_arrays_are_flat() {
        let t = ok("x = [{a.b = 1}]\n");
        let Value::Array(items) = &t.entries[0].node.value else {
            panic!()
        };
        let Value::Table(el) = &items[0].value else {
            panic!()
        };
        assert_eq!(el.entries[0].key, "b");
    }
}

/// `check`'s promise: a file the reference's decoder reads without any [`Quirk`] is read the
/// same by an independent reader (the `toml` crate, TOML 1.1, a superset of 1.0): it accepts
/// the file and finds the same tables, keys and strings.
#[cfg(test)]
mod toml_1_0_differential {
    use super::*;
    use proptest::prelude::*;

    fn same(mine: &Value, other: &::toml::Value, path: &str) -> Result<(), String> {
        match (mine, other) {
            (Value::Table(t), ::toml::Value::Table(o)) => {
                if t.entries.len() != o.len() {
                    return Err(format!("{path}: {} keys vs {}", t.entries.len(), o.len()));
                }
                for e in &t.entries {
                    let v = o.get(&e.key).ok_or(format!("{path}.{}: missing", e.key))?;
                    same(&e.node.value, v, &format!("{path}.{}", e.key))?;
                }
                Ok(())
            }
            (Value::Tables(l), ::toml::Value::Array(a)) => {
                if l.len() != a.len() {
                    return Err(format!("{path}: length"));
                }
                for (i, (t, v)) in l.iter().zip(a).enumerate() {
                    same(&Value::Table(t.clone()), v, &format!("{path}[{i}]"))?;
                }
                Ok(())
            }
            (Value::Array(l), ::toml::Value::Array(a)) => {
                if l.len() != a.len() {
                    return Err(format!("{path}: length"));
                }
                for (i, (n, v)) in l.iter().zip(a).enumerate() {
                    same(&n.value, v, &format!("{path}[{i}]"))?;
                }
                Ok(())
            }
            (Value::String(s), ::toml::Value::String(o)) if s == o => Ok(()),
            (Value::Integer, ::toml::Value::Integer(_))
            | (Value::Float, ::toml::Value::Float(_))
            | (Value::Datetime, ::toml::Value::Datetime(_)) => Ok(()),
            (Value::Bool(a), ::toml::Value::Boolean(b)) if a == b => Ok(()),
            (m, o) => Err(format!("{path}: {m:?} vs {o:?}")),
        }
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("[t]".to_owned()),
            Just("[t.x]".to_owned()),
            Just("[[a]]".to_owned()),
            Just("[a.b]".to_owned()),
            Just("[x]".to_owned()),
            Just("x.b = 1".to_owned()),
            Just("a.b.c = 1".to_owned()),
            Just("a.b = 2".to_owned()),
            Just("a.d = 'q'".to_owned()),
            Just("a = {b = 1}".to_owned()),
            Just("a = [1]".to_owned()),
            Just("a = [{c = 1}]".to_owned()),
            Just("y = { a.b = 1, a = 2 }".to_owned()),
            Just("y = { a.b = 1, a.c = 2 }".to_owned()),
            Just("z = [{ a.b = 1 }]".to_owned()),
            Just("z = [[1, 2], ['a']]".to_owned()),
            r"d = (1979-05-27T[0-9]{1,2}:32:00(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?|0[0-9]:[0-9]{2}:[0-5][0-9]|2000-02-2[89])",
            r#"s = "[a-z \\]{0,4}""#,
            Just("m = \"\"\"\nquay.\\\n\n   io\"\"\"".to_owned()),
            Just("m = \"\"\"a \\\n  b\nc\"\"\"".to_owned()),
            Just("m = \"\"\"a \\\n  b \\\n  c\"\"\"".to_owned()),
            Just("l = '''a\r\nb'''".to_owned()),
            Just("n = 1_000".to_owned()),
            Just("f = -1.5e3".to_owned()),
            Just(String::new()),
        ]
    }

    #[test]
    fn quirk_free_files_read_the_same_as_toml_1_0() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = proptest::collection::vec(line(), 0..8);
        let (mut compared, mut quirky) = (0, 0);
        for _ in 0..3000 {
            let text = strategy.new_tree(&mut runner).unwrap().current().join("\n");
            let Ok((root, quirks)) = parse_with_quirks(&text) else {
                continue;
            };
            if !quirks.is_empty() {
                quirky += 1;
                continue;
            }
            compared += 1;
            let other: ::toml::Table = text
                .parse()
                .unwrap_or_else(|e| panic!("TOML 1.0 refuses {text:?}: {e}"));
            if let Err(e) = same(&Value::Table(root), &::toml::Value::Table(other), "") {
                panic!("{text:?}: {e}");
            }
        }
        eprintln!("{compared} compared, {quirky} with quirks");
        assert!(
            compared > 300 && quirky > 300,
            "{compared} compared, {quirky} with quirks"
        );
    }
}
