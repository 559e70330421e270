//! The error type of every fallible operation: a machine-readable kind, the compatible message
//! text, and structured fields (file, key, line and column) for people and tools.

use std::fmt;
use std::sync::Arc;

use crate::reference::ReferenceError;

/// What went wrong, as a stable machine-readable kind.
///
/// [`ErrorKind::as_str`] gives the kind names of the conformance corpus
/// (`invalid-config/toml`, `invalid-reference/uppercase`, `blocked`, ...).
///
/// ```
/// use shortnames::{ConfigSources, ErrorKind, Resolver};
///
/// let resolver = Resolver::new(&ConfigSources::from_text("r.conf", "unqualified-search-registries = []\n"));
/// let e = resolver.resolve("app").unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::NoSearchRegistries);
/// assert_eq!(resolver.resolve("Bad Name").unwrap_err().kind().as_str(), "invalid-reference/format");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A registries.conf or drop-in problem; the payload is the sub-kind (`toml`, `io`,
    /// `bad-alias`, ...).
    InvalidConfig(&'static str),
    /// A problem with the user alias file (`toml`, `bad-alias`, `io`).
    InvalidUserAliases(&'static str),
    /// The name to resolve is not a valid reference; the payload is the reason.
    InvalidReference(&'static str),
    /// A short name missed every alias and no search registries are configured.
    NoSearchRegistries,
    /// Building a candidate from a search registry failed; the payload is the reason.
    InvalidSearchCandidate(&'static str),
    /// Enforcing mode found several candidates and cannot ask.
    ShortNameAmbiguousEnforcing,
    /// Rewriting a reference for an endpoint failed; the payload is the reason.
    InvalidRewrite(&'static str),
    /// The endpoint lies under a blocked registry.
    Blocked,
    /// An alias cache write or lookup problem (not found, lock, I/O).
    AliasCache(&'static str),
    /// A credentials problem.
    Credentials(&'static str),
    /// A size or count limit was exceeded.
    Limit(&'static str),
}

impl ErrorKind {
    /// The kind as written in the conformance corpus, e.g. `invalid-config/toml`.
    ///
    /// ```
    /// use shortnames::ErrorKind;
    /// assert_eq!(ErrorKind::InvalidConfig("toml").as_str(), "invalid-config/toml");
    /// assert_eq!(ErrorKind::Blocked.as_str(), "blocked");
    /// ```
    pub fn as_str(&self) -> String {
        match self {
            ErrorKind::InvalidConfig(s) => format!("invalid-config/{s}"),
            ErrorKind::InvalidUserAliases(s) => format!("invalid-user-aliases/{s}"),
            ErrorKind::InvalidReference(s) => format!("invalid-reference/{s}"),
            ErrorKind::NoSearchRegistries => "no-search-registries".to_owned(),
            ErrorKind::InvalidSearchCandidate(s) => format!("invalid-search-candidate/{s}"),
            ErrorKind::ShortNameAmbiguousEnforcing => "short-name-ambiguous-enforcing".to_owned(),
            ErrorKind::InvalidRewrite(s) => format!("invalid-rewrite/{s}"),
            ErrorKind::Blocked => "blocked".to_owned(),
            ErrorKind::AliasCache(s) => format!("alias-cache/{s}"),
            ErrorKind::Credentials(s) => format!("credentials/{s}"),
            ErrorKind::Limit(s) => format!("limit/{s}"),
        }
    }
}

/// A line and column (both 1-based) in a file.
///
/// ```
/// use shortnames::Location;
/// let text = "a = 1\nbé = 2\n";
/// assert_eq!(Location::from_offset(text, text.find('=').unwrap()), Location { line: 1, column: 3 });
/// assert_eq!(Location::from_offset(text, text.rfind('=').unwrap()).to_string(), "2:4"); // characters, not bytes
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Location {
    /// The location of byte offset `offset` in `text`.
    ///
    /// ```
    /// use shortnames::Location;
    /// let l = Location::from_offset("a = 1\nbb = 2\n", 8);
    /// assert_eq!((l.line, l.column), (2, 3));
    /// ```
    pub fn from_offset(text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let mut cut = offset;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let before = &text[..cut];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location { line, column }
    }
}

/// A text with its line starts indexed, to turn many byte offsets into [`Location`]s cheaply.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { text, starts }
    }

    /// The location of byte offset `offset`.
    pub(crate) fn at(&self, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        Location {
            line,
            column: self.text[start..offset].chars().count() + 1,
        }
    }

    pub(crate) fn span(&self, span: &Option<std::ops::Range<usize>>) -> Option<Location> {
        span.as_ref().map(|s| self.at(s.start))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// An error with a kind, the compatible message and where it came from.
///
/// Cheap to clone (shared). `Display` prints the exact message text of the reference
/// implementation; [`Error::file`], [`Error::key`] and [`Error::location`] give the
/// structured fields.
///
/// ```
/// use shortnames::{Resolver, ConfigSources};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("registries.conf"), "short-name-mode = \"bogus\"\n").unwrap();
/// let resolver = Resolver::new(&ConfigSources::new().registries_conf(dir.path().join("registries.conf")));
/// let err = resolver.config().unwrap_err();
/// assert_eq!(err.kind().as_str(), "invalid-config/bad-short-name-mode");
/// assert_eq!(err.key(), Some("short-name-mode"));
/// assert_eq!(err.location().map(|l| l.line), Some(1));
/// assert!(err.to_string().ends_with("invalid short-name mode: \"bogus\""));
/// ```
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    file: Option<String>,
    key: Option<String>,
    location: Option<Location>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Arc::new(Inner {
                kind,
                message: message.into(),
                file: None,
                key: None,
                location: None,
            }),
        }
    }

    pub(crate) fn with_details(
        kind: ErrorKind,
        message: impl Into<String>,
        file: Option<String>,
        key: Option<String>,
        location: Option<Location>,
    ) -> Error {
        Error {
            inner: Arc::new(Inner {
                kind,
                message: message.into(),
                file,
                key,
                location,
            }),
        }
    }

    /// An error about a reference, with `kind(reason)` and the message `prefix + reference error`.
    pub(crate) fn reference(
        kind: fn(&'static str) -> ErrorKind,
        prefix: impl fmt::Display,
        err: &ReferenceError,
    ) -> Error {
        Error::new(kind(err.reason()), format!("{prefix}{err}"))
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, exactly as the reference implementation words it.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The file the problem is in, when it is about a file.
    pub fn file(&self) -> Option<&str> {
        self.inner.file.as_deref()
    }

    /// The offending key (dotted path such as `registry[2].mirror[0].location`), when known.
    pub fn key(&self) -> Option<&str> {
        self.inner.key.as_deref()
    }

    /// Line and column in [`Error::file`], when known.
    pub fn location(&self) -> Option<Location> {
        self.inner.location
    }

    /// A rendering for people: `file:line:column: message` with the key, when those are known.
    ///
    /// ```
    /// use shortnames::{Resolver, ConfigSources};
    /// let dir = tempfile::tempdir().unwrap();
    /// let conf = dir.path().join("registries.conf");
    /// std::fs::write(&conf, "\nshort-name-mode = \"bogus\"\n").unwrap();
    /// let err = Resolver::new(&ConfigSources::new().registries_conf(&conf)).config().unwrap_err();
    /// assert!(err.located().to_string().contains("registries.conf:2:19"));
    /// ```
    pub fn located(&self) -> impl fmt::Display + '_ {
        Located(self)
    }
}

/// The rendering of [`Error::located`].
struct Located<'a>(&'a Error);

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0.inner;
        // Terminal-safe: file names, keys and messages can hold control characters.
        use crate::escape::{escape_controls, escape_controls_lines};
        if let Some(file) = &e.file {
            write!(f, "{}", escape_controls(file))?;
            if let Some(l) = e.location {
                write!(f, ":{l}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(key) = &e.key {
            write!(f, "key `{}`: ", escape_controls(key))?;
        }
        f.write_str(&escape_controls_lines(&e.message))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &e.kind).field("message", &e.message);
        if let Some(file) = &e.file {
            d.field("file", file);
        }
        if let Some(key) = &e.key {
            d.field("key", key);
        }
        if let Some(l) = &e.location {
            d.field("location", l);
        }
        d.finish()
    }
}

impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.kind() == other.kind() && self.message() == other.message()
    }
}

impl std::error::Error for Error {}

/// An I/O error as text, without Rust's ` (os error N)` suffix, lower-cased first letter
/// (`permission denied`), the way Go prints it.
pub(crate) fn os_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = s.split(" (os error").next().unwrap_or(&s);
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
