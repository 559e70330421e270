//! One document's YAML events to a [`Node`] tree (saphyr-parser's event stream with spans).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle as Style, Tag};

use super::node::{Mapping, Node, Pos, ScalarStyle, Value};
use super::scalar::{self, Tagged};

/// Most nodes one document may expand to through aliases (a "billion laughs" document fails
/// instead of exhausting memory).
const MAX_NODES: usize = 1_000_000;

/// A decoding failure: message and 1-based line and column in the file.
pub(crate) struct Failure {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// Where a chunk sits in its file.
#[derive(Clone, Copy)]
pub(crate) struct Base {
    /// 1-based line of the chunk's first line.
    pub line: usize,
    /// Byte offset of the chunk's first byte.
    pub byte: usize,
}

/// Maps the parser's character positions to file bytes, lines and columns.
struct Locator<'a> {
    text: &'a str,
    base: Base,
    /// Byte offset of each character (only for non-ASCII text).
    char_bytes: Option<Vec<usize>>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str, base: Base) -> Locator<'a> {
        let char_bytes = (!text.is_ascii()).then(|| {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        });
        Locator {
            text,
            base,
            char_bytes,
        }
    }

    /// Byte offset (in the chunk) of a character index.
    fn byte(&self, char_index: usize) -> usize {
        match &self.char_bytes {
            None => char_index.min(self.text.len()),
            Some(v) => v.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    fn pos(&self, m: &saphyr_parser::Marker) -> Cursor {
        Cursor {
            byte: self.byte(m.index()),
            line: m.line(),
            col: m.col(),
        }
    }

    fn to_pos(&self, start: Cursor, end_byte: usize) -> Pos {
        Pos {
            line: start.line + self.base.line - 1,
            column: start.col + 1,
            start: start.byte + self.base.byte,
            end: end_byte.max(start.byte) + self.base.byte,
        }
    }

    /// Skips what may stand between a node's start and its own text: blanks, line breaks,
    /// comments, `&anchor`, `!tag`, and the indicators `:`, `-`, `?` (followed by a blank) and
    /// `,`.
    fn skip_props(&self, mut c: Cursor, limit: usize) -> Cursor {
        let b = self.text.as_bytes();
        let blank_after =
            |i: usize| i + 1 >= b.len() || matches!(b[i + 1], b' ' | b'\t' | b'\n' | b'\r');
        while c.byte < limit.min(b.len()) {
            match b[c.byte] {
                b' ' | b'\t' | b'\r' => c.advance(b, 1),
                b'\n' => {
                    c.byte += 1;
                    c.line += 1;
                    c.col = 0;
                }
                b'#' => {
                    let n = b[c.byte..]
                        .iter()
                        .position(|&x| x == b'\n')
                        .unwrap_or(b.len() - c.byte);
                    c.advance(b, n);
                }
                b'&' | b'!' => {
                    let n = b[c.byte..]
                        .iter()
                        .position(|&x| matches!(x, b' ' | b'\t' | b'\n' | b'\r'))
                        .unwrap_or(b.len() - c.byte);
                    c.advance(b, n);
                }
                b':' | b'-' | b'?' if blank_after(c.byte) => c.advance(b, 1),
                b',' => c.advance(b, 1),
                _ => break,
            }
        }
        c
    }
}

/// A position inside the chunk: byte offset, 1-based line, 0-based column in characters.
#[derive(Clone, Copy)]
struct Cursor {
    byte: usize,
    line: usize,
    col: usize,
}

impl Cursor {
    /// Moves `n` bytes forward on the same line.
    fn advance(&mut self, b: &[u8], n: usize) {
        let end = (self.byte + n).min(b.len());
        self.col += b[self.byte..end]
            .iter()
            .filter(|&&x| (x & 0xC0) != 0x80)
            .count();
        self.byte = end;
    }
}

enum Frame {
    Seq {
        anchor: usize,
        pos: Pos,
        items: Vec<Node>,
    },
    Map {
        anchor: usize,
        pos: Pos,
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    root: Option<Node>,
}

/// Decodes the first YAML document of `text` (a chunk of a file starting at `base`).
/// `Ok(None)` when the chunk holds no document or a null one.
pub(crate) fn decode_chunk(text: &str, base: Base) -> Result<Option<Node>, Failure> {
    let loc = Locator::new(text, base);
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
    };
    let mut prev_end = Cursor {
        byte: 0,
        line: 1,
        col: 0,
    };
    let fail_at = |message: String, c: Cursor| Failure {
        message,
        line: c.line + base.line - 1,
        column: c.col + 1,
    };
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(x) => x,
            Err(e) => {
                let m = loc.pos(e.marker());
                return Err(fail_at(e.info().to_owned(), m));
            }
        };
        let start = loc.pos(&span.start);
        let end = loc.pos(&span.end);
        match event {
            Event::DocumentEnd => break,
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            Event::Alias(id) => {
                let Some(node) = b.anchors.get(&id).cloned() else {
                    return Err(fail_at("unknown anchor".into(), start));
                };
                b.nodes += count(&node);
                if b.nodes > MAX_NODES {
                    return Err(fail_at(
                        format!("document expands to more than {MAX_NODES} nodes through aliases"),
                        start,
                    ));
                }
                b.complete(node, 0).map_err(|m| fail_at(m, start))?;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let block = matches!(style, Style::Literal | Style::Folded);
                let text_start = if block {
                    // The span starts at the content; the node's text starts at `|` or `>`.
                    let c = loc.skip_props(prev_end, start.byte);
                    if matches!(text.as_bytes().get(c.byte), Some(b'|' | b'>')) {
                        c
                    } else {
                        start
                    }
                } else if anchor != 0 || tag.is_some() {
                    loc.skip_props(start, end.byte)
                } else {
                    start
                };
                let empty = value.is_empty()
                    && style == Style::Plain
                    && span.start.index() == span.end.index();
                let tagged = match &tag {
                    None => Tagged::Implicit,
                    Some(t) => core_tag(t),
                };
                let quoted = style != Style::Plain;
                let v =
                    scalar::resolve(&value, quoted, tagged).map_err(|m| fail_at(m, text_start))?;
                // The parser's end of a quoted scalar may lie past a trailing comment: end at
                // the closing quote instead.
                let end_byte = match style {
                    Style::SingleQuoted | Style::DoubleQuoted => {
                        quoted_end(text.as_bytes(), text_start.byte).unwrap_or(end.byte)
                    }
                    _ => end.byte,
                };
                let mut pos = loc.to_pos(text_start, end_byte);
                if empty {
                    pos.end = pos.start;
                }
                let node = Node {
                    value: v,
                    pos,
                    style: Some(match style {
                        Style::Plain => ScalarStyle::Plain,
                        Style::SingleQuoted => ScalarStyle::SingleQuoted,
                        Style::DoubleQuoted => ScalarStyle::DoubleQuoted,
                        Style::Literal => ScalarStyle::Literal,
                        Style::Folded => ScalarStyle::Folded,
                    }),
                };
                b.nodes += 1;
                b.complete_scalar(node, anchor, empty)
                    .map_err(|m| fail_at(m, text_start))?;
            }
            Event::SequenceStart(anchor, _) => {
                let c = loc.skip_props(start, text.len());
                b.stack.push(Frame::Seq {
                    anchor,
                    pos: loc.to_pos(c, c.byte),
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                let c = loc.skip_props(start, text.len());
                b.stack.push(Frame::Map {
                    anchor,
                    pos: loc.to_pos(c, c.byte),
                    pairs: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match b.stack.pop() {
                    Some(Frame::Seq {
                        anchor,
                        mut pos,
                        items,
                    }) => {
                        pos.end = end.byte + base.byte;
                        (
                            Node {
                                value: Value::Sequence(items),
                                pos,
                                style: None,
                            },
                            anchor,
                        )
                    }
                    Some(Frame::Map {
                        anchor,
                        mut pos,
                        pairs,
                        ..
                    }) => {
                        pos.end = end.byte + base.byte;
                        let m = build_mapping(pairs).map_err(|m| fail_at(m, start))?;
                        (
                            Node {
                                value: Value::Mapping(m),
                                pos,
                                style: None,
                            },
                            anchor,
                        )
                    }
                    None => return Err(fail_at("unbalanced collection end".into(), start)),
                };
                b.nodes += 1;
                b.complete(node.0, node.1).map_err(|m| fail_at(m, start))?;
            }
        }
        prev_end = end;
        if b.nodes > MAX_NODES {
            return Err(fail_at(
                format!("document has more than {MAX_NODES} nodes"),
                start,
            ));
        }
    }
    Ok(b.root.filter(|n| !n.is_null()))
}

/// One past the closing quote of the quoted scalar starting at `start` (`''` escapes a single
/// quote, `\\` escapes in double quotes).
fn quoted_end(b: &[u8], start: usize) -> Option<usize> {
    let q = *b.get(start)?;
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if q == b'"' => i += 2,
            c if c == q => {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

fn core_tag(t: &Tag) -> Tagged<'_> {
    if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
        Tagged::Core(&t.suffix)
    } else {
        Tagged::Other
    }
}

fn count(n: &Node) -> usize {
    match &n.value {
        Value::Sequence(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Mapping(m) => {
            1 + m
                .entries
                .iter()
                .map(|(_, _, v)| 1 + count(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

impl Builder {
    fn complete_scalar(
        &mut self,
        mut node: Node,
        anchor: usize,
        empty: bool,
    ) -> Result<(), String> {
        // A value with nothing written after its key is located at the key.
        if empty {
            if let Some(Frame::Map { key: Some(k), .. }) = self.stack.last() {
                node.pos = Pos {
                    end: k.pos.start,
                    ..k.pos
                };
            }
        }
        self.complete(node, anchor)
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), String> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
        Ok(())
    }
}

/// A merge key: a plain `<<` (go-yaml: implicit, or tagged `!!merge`).
fn is_merge(k: &Node) -> bool {
    k.style == Some(ScalarStyle::Plain) && k.as_str() == Some("<<")
}

/// The key as the YAML-to-JSON conversion spells it.
fn key_string(k: &Node) -> Result<String, String> {
    Ok(match &k.value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => go_float(*f),
        Value::Sequence(_) | Value::Mapping(_) => {
            return Err("a mapping key must be a scalar to convert to JSON".into())
        }
    })
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` for the common cases.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if f == f.trunc() && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

/// Builds a mapping: explicit keys first (a repeated key keeps its last value), then the keys
/// of `<<` sources not already present, earlier sources first.
fn build_mapping(pairs: Vec<(Node, Node)>) -> Result<Mapping, String> {
    let mut m = Mapping::default();
    let mut merges: Vec<(usize, Node)> = Vec::new();
    for (k, v) in pairs {
        if is_merge(&k) {
            merges.push((m.entries.len(), v));
            continue;
        }
        let name = key_string(&k)?;
        match m.entries.iter_mut().find(|(n, _, _)| *n == name) {
            Some(e) => e.2 = v,
            None => m.entries.push((name, k.pos, v)),
        }
    }
    if merges.is_empty() {
        return Ok(m);
    }
    // Insert merged keys where their `<<` stood.
    let mut shift = 0;
    for (at, source) in merges {
        let sources: Vec<&Mapping> = match &source.value {
            Value::Mapping(sm) => vec![sm],
            Value::Sequence(items) => items
                .iter()
                .map(|i| {
                    i.as_mapping().ok_or_else(|| {
                        "map merge requires map or sequence of maps as the value".to_string()
                    })
                })
                .collect::<Result<_, _>>()?,
            _ => return Err("map merge requires map or sequence of maps as the value".into()),
        };
        let mut add: Vec<(String, Pos, Node)> = Vec::new();
        for sm in sources {
            for (k, p, v) in &sm.entries {
                if m.get(k).is_none() && !add.iter().any(|(n, _, _)| n == k) {
                    add.push((k.clone(), *p, v.clone()));
                }
            }
        }
        let n = add.len();
        m.entries.splice(at + shift..at + shift, add);
        shift += n;
    }
    Ok(m)
}
