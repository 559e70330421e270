//! Located findings: a problem (error, warning or note) with its file, line, column and key, and a
//! rendering for people in the style of rustc and the `toml` crate — the location, the source
//! line and a caret under the offending token.
//!
//! The compatible one-line texts stay in [`Error`]'s `Display`; this module is the separate,
//! richer rendering.
//!
//! ```
//! use shortnames::diagnostics::{Finding, Level};
//! use shortnames::Location;
//!
//! let text = "[[registry]]\nlocation = \"quay.io\"\nmirror-by-digest-onyl = true\n";
//! let d = Finding::new(Level::Warning, "unknown-key", "unknown key `mirror-by-digest-onyl` is ignored")
//!     .at("registries.conf", Some(Location { line: 3, column: 1 }))
//!     .with_key("registry[0].mirror-by-digest-onyl")
//!     .with_help("did you mean `mirror-by-digest-only`?");
//! let shown = d.render(Some(text));
//! assert_eq!(shown, "\
//! warning[unknown-key]: unknown key `mirror-by-digest-onyl` is ignored
//!  --> registries.conf:3:1
//!   |
//! 3 | mirror-by-digest-onyl = true
//!   | ^^^^^^^^^^^^^^^^^^^^^
//!   = key: registry[0].mirror-by-digest-onyl
//!   = help: did you mean `mirror-by-digest-only`?
//! ");
//! ```

mod check;
mod explain;

pub use check::{check, CheckOptions, ConfigReport};
pub use explain::{explain, ExplainOptions, Explanation, Step};

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::Path;

use crate::config::{ConfigSources, Warning};
use crate::error::{Error, Location};

/// How bad a problem is.
///
/// ```
/// use shortnames::diagnostics::Level;
/// assert!(Level::Error > Level::Warning && Level::Warning > Level::Note);
/// assert_eq!(Level::Note.as_str(), "note");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Worth knowing, works as designed (an alias deliberately overridden by a later drop-in,
    /// a compatibility note); never changes the exit status.
    Note,
    /// Suspicious: the configuration loads but probably does not do what was meant.
    Warning,
    /// The configuration fails to load, or something will certainly fail.
    Error,
}

impl Level {
    /// `error`, `warning` or `note`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with where it is.
///
/// ```
/// use shortnames::diagnostics::{Finding, Level};
/// use shortnames::Location;
///
/// let f = Finding::new(Level::Warning, "unknown-key", "unknown key `insecur` is ignored")
///     .at("r.conf", Some(Location { line: 3, column: 1 }));
/// assert_eq!(f.to_string(), "r.conf:3:1: warning[unknown-key]: unknown key `insecur` is ignored");
/// assert!(f.render(Some("a = 1\nb = 2\ninsecur = true\n")).contains("3 | insecur = true"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Error, warning or note.
    pub level: Level,
    /// A stable machine-readable kind: the error kind for load errors
    /// (`invalid-config/uri-scheme`), a check name for the others (`unknown-key`,
    /// `duplicate-prefix`, `alias-masked`, ...).
    pub kind: String,
    /// What is wrong.
    pub message: String,
    /// The file, as shown in messages.
    pub file: Option<String>,
    /// The offending key, as a dotted path (`registry[1].mirror[0].location`).
    pub key: Option<String>,
    /// Line and column (1-based) in [`Finding::file`].
    pub location: Option<Location>,
    /// A suggestion (`did you mean ...`).
    pub help: Option<String>,
    /// Further context, each with an optional place (the winning entry, the other file...).
    pub notes: Vec<Note>,
}

/// Context attached to a [`Finding`].
///
/// ```
/// use shortnames::diagnostics::{Finding, Level};
/// use shortnames::Location;
///
/// let f = Finding::new(Level::Warning, "duplicate-prefix", "two entries for quay.io")
///     .with_note("the winning entry", Some("b.conf"), Some(Location { line: 1, column: 1 }));
/// assert_eq!(f.notes[0].message, "the winning entry");
/// assert_eq!(f.notes[0].file.as_deref(), Some("b.conf"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text.
    pub message: String,
    /// The file it refers to.
    pub file: Option<String>,
    /// Where in that file.
    pub location: Option<Location>,
}

impl Finding {
    /// A diagnostic without location.
    pub fn new(level: Level, kind: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            level,
            kind: kind.into(),
            message: message.into(),
            file: None,
            key: None,
            location: None,
            help: None,
            notes: Vec::new(),
        }
    }

    /// Sets the file and location.
    pub fn at(mut self, file: impl Into<String>, location: Option<Location>) -> Self {
        self.file = Some(file.into());
        self.location = location;
        self
    }

    /// Sets the key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note, optionally pointing somewhere.
    pub fn with_note(
        mut self,
        message: impl Into<String>,
        file: Option<&str>,
        location: Option<Location>,
    ) -> Self {
        self.notes.push(Note {
            message: message.into(),
            file: file.map(str::to_owned),
            location,
        });
        self
    }

    /// The diagnostic of a load error (its `Display` text, kind, file, key and location).
    ///
    /// ```
    /// use shortnames::{Config, ConfigSources};
    /// use shortnames::diagnostics::{Finding, Level};
    /// let dir = tempfile::tempdir().unwrap();
    /// let conf = dir.path().join("registries.conf");
    /// std::fs::write(&conf, "[[registry]]\nlocation = \"https://quay.io\"\n").unwrap();
    /// let err = Config::load(&ConfigSources::new().registries_conf(&conf)).unwrap_err();
    /// let d = Finding::from_error(&err);
    /// assert_eq!(d.level, Level::Error);
    /// assert_eq!(d.kind, "invalid-config/uri-scheme");
    /// assert_eq!(d.key.as_deref(), Some("registry[0].location"));
    /// assert_eq!(d.location.map(|l| (l.line, l.column)), Some((2, 12)));
    /// ```
    pub fn from_error(err: &Error) -> Finding {
        Finding {
            level: Level::Error,
            kind: err.kind().as_str(),
            message: err.message().to_owned(),
            file: err.file().map(str::to_owned),
            key: err.key().map(str::to_owned),
            location: err.location(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// The diagnostic of a configuration [`Warning`].
    pub fn from_warning(w: &Warning) -> Finding {
        Finding {
            level: Level::Warning,
            kind: w.kind.to_owned(),
            message: w.message.clone(),
            file: Some(w.file.to_string()),
            key: w.key.clone(),
            location: w.location,
            help: None,
            notes: Vec::new(),
        }
    }

    /// `file:line:column`, as far as known.
    pub fn place(&self) -> Option<String> {
        place(self.file.as_deref(), self.location)
    }

    /// Renders the diagnostic; with `source` (the text of [`Finding::file`]) the offending
    /// line is shown with a caret under the token at the location.
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = String::new();
        let message = crate::escape::escape_controls_lines(&self.message);
        let _ = writeln!(out, "{}[{}]: {message}", self.level, self.kind);
        let snippet = match (source, self.location) {
            (Some(text), Some(loc)) => snippet(text, loc),
            _ => None,
        };
        let gutter = snippet.as_ref().map_or(1, |(n, _, _)| n.to_string().len());
        let pad = " ".repeat(gutter);
        if let Some(p) = self.place() {
            let _ = writeln!(out, "{pad}--> {p}");
        }
        if let Some((n, line, marker)) = &snippet {
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{n} | {line}");
            let _ = writeln!(out, "{pad} | {marker}");
        }
        if let Some(k) = &self.key {
            let _ = writeln!(out, "{pad} = key: {k}");
        }
        for n in &self.notes {
            match place(n.file.as_deref(), n.location) {
                Some(p) => {
                    let _ = writeln!(out, "{pad} = note: {} ({p})", n.message);
                }
                None => {
                    let _ = writeln!(out, "{pad} = note: {}", n.message);
                }
            }
        }
        if let Some(h) = &self.help {
            let _ = writeln!(out, "{pad} = help: {h}");
        }
        out
    }
}

impl fmt::Display for Finding {
    /// One line: `file:line:col: level[kind]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.place() {
            write!(f, "{p}: ")?;
        }
        let message = crate::escape::escape_controls_lines(&self.message);
        write!(f, "{}[{}]: {message}", self.level, self.kind)
    }
}

fn place(file: Option<&str>, location: Option<Location>) -> Option<String> {
    let file = crate::escape::escape_controls(file?);
    Some(match location {
        Some(l) => format!("{file}:{l}"),
        None => file.into_owned(),
    })
}

/// The line at `loc` and a marker line: spaces up to the column, then carets under the token
/// that starts there (a quoted string, a `[table]` header, or a bare word).
fn snippet(text: &str, loc: Location) -> Option<(usize, String, String)> {
    let line = text.split('\n').nth(loc.line.checked_sub(1)?)?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    let chars: Vec<char> = line.chars().collect();
    let start = loc.column.checked_sub(1)?.min(chars.len());
    let len = token_len(&chars[start..]).max(1);
    // Tabs keep their width in the marker line.
    let lead: String = chars[..start]
        .iter()
        .map(|&c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let shown: String = chars.iter().collect();
    Some((loc.line, shown, format!("{lead}{}", "^".repeat(len))))
}

fn token_len(rest: &[char]) -> usize {
    match rest.first() {
        None => 0,
        Some(&q @ ('"' | '\'')) => {
            let mut i = 1;
            while i < rest.len() {
                if rest[i] == '\\' && q == '"' {
                    i += 2;
                    continue;
                }
                if rest[i] == q {
                    return i + 1;
                }
                i += 1;
            }
            rest.len()
        }
        Some('[') => rest.iter().position(|&c| c == ']').map_or(rest.len(), |p| {
            if rest.get(p + 1) == Some(&']') {
                p + 2
            } else {
                p + 1
            }
        }),
        Some(_) => rest
            .iter()
            .position(|&c| c.is_whitespace() || matches!(c, '=' | ',' | ']' | '}'))
            .unwrap_or(rest.len()),
    }
}

/// The texts of the files diagnostics refer to, keyed by their display path, to render
/// snippets.
///
/// ```
/// use shortnames::diagnostics::{Finding, Level, SourceTexts};
/// use shortnames::Location;
/// let mut texts = SourceTexts::new();
/// texts.insert("a.conf", "x = 1\nshort-name-mode = \"bogus\"\n");
/// let d = Finding::new(Level::Error, "invalid-config/bad-short-name-mode", "invalid short-name mode: \"bogus\"")
///     .at("a.conf", Some(Location { line: 2, column: 19 }));
/// assert!(texts.render(&d).contains("2 | short-name-mode = \"bogus\"\n  |                   ^^^^^^^\n"));
/// assert_eq!(d.to_string(), "a.conf:2:19: error[invalid-config/bad-short-name-mode]: invalid short-name mode: \"bogus\"");
/// ```
#[derive(Debug, Clone, Default)]
pub struct SourceTexts {
    texts: BTreeMap<String, String>,
}

impl SourceTexts {
    /// An empty set.
    pub fn new() -> SourceTexts {
        SourceTexts::default()
    }

    /// Records the text of `file`.
    pub fn insert(&mut self, file: impl Into<String>, text: impl Into<String>) {
        self.texts.insert(file.into(), text.into());
    }

    /// The text of `file`, if recorded.
    pub fn get(&self, file: &str) -> Option<&str> {
        self.texts.get(file).map(String::as_str)
    }

    /// Renders `d` with its snippet when the file's text is known.
    pub fn render(&self, d: &Finding) -> String {
        d.render(d.file.as_deref().and_then(|f| self.get(f)))
    }
}

/// Renders a load error with a source snippet, reading the file it names through `sources`
/// (so a [`ConfigSources::fs_root`] is honoured). Without a readable file or a location this
/// is the plain [`Finding::render`].
///
/// ```
/// use shortnames::{Config, ConfigSources};
/// let dir = tempfile::tempdir().unwrap();
/// let conf = dir.path().join("registries.conf");
/// std::fs::write(&conf, "\nshort-name-mode = \"bogus\"\n").unwrap();
/// let sources = ConfigSources::new().registries_conf(&conf);
/// let err = Config::load(&sources).unwrap_err();
/// let shown = shortnames::diagnostics::render_error(&err, &sources);
/// assert!(shown.contains("2 | short-name-mode = \"bogus\""));
/// assert!(shown.contains("  |                   ^^^^^^^"));
/// ```
pub fn render_error(err: &Error, sources: &ConfigSources) -> String {
    let d = Finding::from_error(err);
    let text = err.file().and_then(|f| {
        let limit = sources.input_limits().max_file_size;
        crate::fs::read_text_lossless(&sources.io_path(Path::new(f)), limit)
    });
    d.render(text.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t = |s: &str| token_len(&s.chars().collect::<Vec<_>>());
        assert_eq!(t("\"a\\\"b\" # x"), 6);
        assert_eq!(t("[[registry.mirror]]\n"), 19);
        assert_eq!(t("[aliases]"), 9);
        assert_eq!(t("true\n"), 4);
        assert_eq!(t("key= 1"), 3);
        assert_eq!(t(""), 0);
    }

    #[test]
    fn snippet_out_of_range_is_none() {
        assert!(snippet("a\n", Location { line: 5, column: 1 }).is_none());
        let (_, _, m) = snippet("ab", Location { line: 1, column: 9 }).unwrap();
        assert_eq!(m, "  ^");
    }
}
