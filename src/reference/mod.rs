//! Image references: the `docker/reference` grammar, parsing and Docker Hub normalisation
//! (resolution rules 25–28).
//!
//! A [`Reference`] keeps exactly what was parsed (one allocation, accessors are slices) and
//! remembers where the domain, path, tag and digest are. Three parsers mirror the three entry
//! points of the reference implementation:
//!
//! * [`Reference::parse`] (`reference.Parse`): the string as typed, no normalisation;
//! * [`Reference::parse_normalized`] (`ParseNormalizedNamed`): Docker Hub defaults applied;
//! * [`Reference::parse_canonical`] (`ParseNamed`): normalised, and the input must already be
//!   in that form.
//!
//! ```
//! use shortnames::Reference;
//!
//! let typed = Reference::parse("busybox:1.36").unwrap();
//! assert_eq!(typed.domain(), None);
//! assert_eq!(typed.tag(), Some("1.36"));
//!
//! let full = Reference::parse_normalized("busybox:1.36").unwrap();
//! assert_eq!(full.as_str(), "docker.io/library/busybox:1.36");
//! assert_eq!(full.name(), "docker.io/library/busybox");
//! ```

use std::fmt;
use std::str::FromStr;

/// The maximum length of a repository name (domain and path), in bytes.
pub const NAME_TOTAL_LENGTH_MAX: usize = 255;

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";

/// Why a string is not a valid image reference.
///
/// `Display` gives the exact text of the reference implementation; [`ReferenceError::reason`]
/// gives the short machine-readable reason used in error kinds (`invalid-reference/<reason>`).
///
/// ```
/// use shortnames::Reference;
///
/// let err = Reference::parse("Busybox").unwrap_err();
/// assert_eq!(err.to_string(), "repository name must be lowercase");
/// assert_eq!(err.reason(), "uppercase");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    kind: RefErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum RefErrorKind {
    Format,
    Uppercase,
    UppercaseNormalized,
    Empty,
    TooLong,
    NotCanonical,
    DigestFormat,
    DigestLength,
    DigestAlgorithm,
    HexName(Box<str>),
}

impl ReferenceError {
    fn new(kind: RefErrorKind) -> Self {
        ReferenceError { kind }
    }

    /// The short reason: `format`, `uppercase`, `empty`, `too-long`, `not-canonical`,
    /// `digest-format`, `digest-length`, `digest-algorithm` or `hex-name`.
    pub fn reason(&self) -> &'static str {
        match self.kind {
            RefErrorKind::Format => "format",
            RefErrorKind::Uppercase | RefErrorKind::UppercaseNormalized => "uppercase",
            RefErrorKind::Empty => "empty",
            RefErrorKind::TooLong => "too-long",
            RefErrorKind::NotCanonical => "not-canonical",
            RefErrorKind::DigestFormat => "digest-format",
            RefErrorKind::DigestLength => "digest-length",
            RefErrorKind::DigestAlgorithm => "digest-algorithm",
            RefErrorKind::HexName(_) => "hex-name",
        }
    }
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RefErrorKind::Format => f.write_str("invalid reference format"),
            RefErrorKind::Uppercase => f.write_str("repository name must be lowercase"),
            RefErrorKind::UppercaseNormalized => {
                f.write_str("invalid reference format: repository name must be lowercase")
            }
            RefErrorKind::Empty => f.write_str("repository name must have at least one component"),
            RefErrorKind::TooLong => write!(
                f,
                "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
            ),
            RefErrorKind::NotCanonical => f.write_str("repository name must be canonical"),
            RefErrorKind::DigestFormat => f.write_str("invalid checksum digest format"),
            RefErrorKind::DigestLength => f.write_str("invalid checksum digest length"),
            RefErrorKind::DigestAlgorithm => f.write_str("unsupported digest algorithm"),
            RefErrorKind::HexName(s) => write!(
                f,
                "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
            ),
        }
    }
}

impl std::error::Error for ReferenceError {}

/// A parsed image reference: `[domain/]path[:tag][@digest]`.
///
/// The value owns one string; every accessor returns a slice of it.
///
/// ```
/// use shortnames::Reference;
///
/// let r = Reference::parse("quay.io:5000/ns/app:v1@sha256:d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a").unwrap();
/// assert_eq!(r.domain(), Some("quay.io:5000"));
/// assert_eq!(r.path(), "ns/app");
/// assert_eq!(r.name(), "quay.io:5000/ns/app");
/// assert_eq!(r.tag(), Some("v1"));
/// assert!(r.digest().unwrap().starts_with("sha256:"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    text: String,
    /// Length of the domain (0 when the name has no domain part).
    domain_len: u16,
    /// Length of the name (domain, `/`, path).
    name_len: u16,
    /// End of the tag (== name_len when there is no tag).
    tag_end: u32,
}

/// Offsets found by the grammar check, before any allocation.
#[derive(Clone, Copy)]
struct Spans {
    domain_len: usize,
    name_len: usize,
    tag_end: usize,
}

impl Reference {
    /// Parses `s` as typed (`reference.Parse`): no Docker Hub defaults, the domain is whatever
    /// syntactically precedes the first `/`.
    ///
    /// ```
    /// use shortnames::Reference;
    /// let r = Reference::parse("library/nginx").unwrap();
    /// assert_eq!(r.domain(), Some("library"));
    /// assert_eq!(r.as_str(), "library/nginx");
    /// assert!(Reference::parse("a//b").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        let spans = check(s)?;
        Ok(Reference::from_spans(s.to_owned(), spans))
    }

    /// Parses an owned string as [`parse`](Self::parse) does, keeping its buffer (given back
    /// with the error).
    pub(crate) fn parse_owned(s: String) -> Result<Reference, (ReferenceError, String)> {
        match check(&s) {
            Ok(spans) => Ok(Reference::from_spans(s, spans)),
            Err(e) => Err((e, s)),
        }
    }

    /// Validates `s` as [`parse`](Self::parse) does without allocating, and tells whether it
    /// has a tag, a digest and a registry-host domain.
    pub(crate) fn classify(s: &str) -> Result<Classified, ReferenceError> {
        let spans = check(s)?;
        Ok(Classified {
            has_tag: spans.tag_end > spans.name_len,
            has_digest: spans.tag_end < s.len(),
            has_registry: spans.domain_len > 0 && is_registry_host(&s[..spans.domain_len]),
        })
    }

    /// Whether Docker Hub normalisation would leave this reference's string unchanged.
    pub(crate) fn is_normalized_form(&self) -> bool {
        let (domain, remainder, needs_library) = split_docker_domain(&self.text);
        !needs_library && domain.len() + 1 + remainder.len() == self.text.len()
    }

    /// `parseUnnormalizedShortName`: `Ok(Ok(short))` for a short name (as typed), `Ok(Err(()))`
    /// when the input names a registry (the caller then normalises it); parsing only once.
    pub(crate) fn parse_short(s: &str) -> Result<Result<Reference, ()>, ReferenceError> {
        let spans = check(s)?;
        if spans.domain_len > 0 && is_registry_host(&s[..spans.domain_len]) {
            return Ok(Err(()));
        }
        Ok(Ok(Reference::from_spans(s.to_owned(), spans)))
    }

    /// Parses `s` and applies Docker Hub normalisation (`ParseNormalizedNamed`):
    /// `nginx` → `docker.io/library/nginx`, `index.docker.io/x/y` → `docker.io/x/y`.
    ///
    /// ```
    /// use shortnames::Reference;
    /// let r = Reference::parse_normalized("index.docker.io/alpine:3").unwrap();
    /// assert_eq!(r.as_str(), "docker.io/library/alpine:3");
    /// ```
    pub fn parse_normalized(s: &str) -> Result<Reference, ReferenceError> {
        Reference::normalize_parts(&[s], 0)
    }

    /// `ParseNormalizedNamed` of the concatenation of `parts`, building the normalised string
    /// directly (one allocation, with `reserve` spare bytes for a later `:latest`).
    pub(crate) fn normalize_parts(
        parts: &[&str],
        reserve: usize,
    ) -> Result<Reference, ReferenceError> {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        // Join on the stack when short (the usual case): the normalised string is then the only
        // allocation.
        let mut stack = [0u8; 512];
        let heap: String;
        let joined: &str = if parts.len() == 1 {
            parts[0]
        } else if total <= stack.len() {
            let mut at = 0;
            for p in parts {
                stack[at..at + p.len()].copy_from_slice(p.as_bytes());
                at += p.len();
            }
            // The parts are `str`s, so their concatenation is valid UTF-8.
            std::str::from_utf8(&stack[..total]).unwrap_or_default()
        } else {
            heap = parts.concat();
            &heap
        };
        let (domain, remainder, needs_library) = normalization_split(joined)?;
        let mut text = String::with_capacity(
            domain.len() + 1 + remainder.len() + if needs_library { 8 } else { 0 } + reserve,
        );
        text.push_str(domain);
        text.push('/');
        if needs_library {
            text.push_str(OFFICIAL_REPO_PREFIX);
        }
        text.push_str(remainder);
        let spans = check(&text)?;
        Ok(Reference::from_spans(text, spans))
    }

    /// Parses `s` as [`parse_normalized`](Self::parse_normalized) does and requires that it was
    /// already in normalised form (`ParseNamed`).
    ///
    /// ```
    /// use shortnames::Reference;
    /// assert!(Reference::parse_canonical("docker.io/library/foo:1").is_ok());
    /// let err = Reference::parse_canonical("docker.io/foo:1").unwrap_err();
    /// assert_eq!(err.to_string(), "repository name must be canonical");
    /// ```
    pub fn parse_canonical(s: &str) -> Result<Reference, ReferenceError> {
        let r = Reference::parse_normalized(s)?;
        if r.as_str() != s {
            return Err(ReferenceError::new(RefErrorKind::NotCanonical));
        }
        Ok(r)
    }

    /// Checks `s` with [`parse_canonical`](Self::parse_canonical) rules and, on success, takes
    /// ownership of it without copying.
    pub(crate) fn from_canonical_string(s: String) -> Result<Reference, ReferenceError> {
        let (domain, remainder, needs_library) = normalization_split(&s)?;
        let unchanged = !needs_library && domain.len() + 1 + remainder.len() == s.len();
        if unchanged {
            let spans = check(&s)?;
            return Ok(Reference::from_spans(s, spans));
        }
        // Normalisation changes the string: report its own errors first, then non-canonical.
        Reference::parse_normalized(&s)?;
        Err(ReferenceError::new(RefErrorKind::NotCanonical))
    }

    /// Rewrites `self` for an endpoint: `location + self[k..]`, checked as
    /// [`parse_canonical`](Self::parse_canonical) would. `fast` is the precomputed shape of the
    /// location (see [`EndpointShape`]); when it allows, the result is built without re-running
    /// the grammar, which cannot change the answer: the part taken from `self` is already valid.
    pub(crate) fn rewrite(
        &self,
        location: &str,
        shape: EndpointShape,
        k: usize,
    ) -> Result<Reference, ReferenceError> {
        let rest = &self.text[k..];
        let name_len = self.name_len as usize;
        let fast = match shape {
            EndpointShape::Checked {
                domain_len,
                has_path,
            } => {
                let rest_name = if k <= name_len {
                    &self.text[k..name_len]
                } else {
                    ""
                };
                let usable = k <= name_len
                    && (rest_name.starts_with('/') || (rest_name.is_empty() && has_path))
                    && location.len() + rest_name.len() <= NAME_TOTAL_LENGTH_MAX;
                usable.then_some((domain_len, location.len() + rest_name.len()))
            }
            EndpointShape::Other => None,
        };
        let mut text = String::with_capacity(location.len() + rest.len());
        text.push_str(location);
        text.push_str(rest);
        match fast {
            Some((domain_len, new_name_len)) => {
                let tag_end = new_name_len + (self.tag_end as usize - name_len);
                Ok(Reference {
                    domain_len: domain_len as u16,
                    name_len: new_name_len as u16,
                    tag_end: tag_end as u32,
                    text,
                })
            }
            None => Reference::from_canonical_string(text),
        }
    }

    fn from_spans(text: String, spans: Spans) -> Reference {
        Reference {
            domain_len: spans.domain_len as u16,
            name_len: spans.name_len as u16,
            tag_end: spans.tag_end as u32,
            text,
        }
    }

    /// The whole reference: `name[:tag][@digest]`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The repository name without tag or digest (`domain/path`, or just `path`).
    pub fn name(&self) -> &str {
        &self.text[..self.name_len as usize]
    }

    /// The domain part, if the name has one (syntactically: the first component when it matches
    /// the domain grammar and a `/` follows).
    pub fn domain(&self) -> Option<&str> {
        match self.domain_len {
            0 => None,
            n => Some(&self.text[..n as usize]),
        }
    }

    /// The path part of the name (everything after the domain and its `/`).
    pub fn path(&self) -> &str {
        let start = match self.domain_len {
            0 => 0,
            n => n as usize + 1,
        };
        &self.text[start..self.name_len as usize]
    }

    /// The tag, without the leading `:`.
    pub fn tag(&self) -> Option<&str> {
        let (start, end) = (self.name_len as usize, self.tag_end as usize);
        if end > start {
            Some(&self.text[start + 1..end])
        } else {
            None
        }
    }

    /// The digest (`algorithm:hex`), without the leading `@`.
    pub fn digest(&self) -> Option<&str> {
        let end = self.tag_end as usize;
        if end < self.text.len() {
            Some(&self.text[end + 1..])
        } else {
            None
        }
    }

    /// The tag and digest suffix as written (`:tag`, `@digest`, both, or empty).
    pub fn suffix(&self) -> &str {
        &self.text[self.name_len as usize..]
    }

    /// Whether the reference has neither a tag nor a digest.
    pub fn is_name_only(&self) -> bool {
        self.name_len as usize == self.text.len()
    }

    /// Whether the name's first component is a registry host: it contains `.` or `:` or is
    /// exactly `localhost`. Inputs without such a component are *short names*.
    ///
    /// ```
    /// use shortnames::Reference;
    /// assert!(Reference::parse("localhost/x").unwrap().has_registry());
    /// assert!(!Reference::parse("library/x").unwrap().has_registry());
    /// assert!(!Reference::parse("localhost").unwrap().has_registry());
    /// ```
    pub fn has_registry(&self) -> bool {
        self.domain().is_some_and(is_registry_host)
    }

    /// Adds `:latest` when the reference has neither a tag nor a digest (`TagNameOnly`).
    ///
    /// ```
    /// use shortnames::Reference;
    /// let r = Reference::parse_normalized("nginx").unwrap().with_default_tag();
    /// assert_eq!(r.as_str(), "docker.io/library/nginx:latest");
    /// ```
    pub fn with_default_tag(mut self) -> Reference {
        if self.is_name_only() {
            self.text.push_str(":latest");
            self.tag_end = self.text.len() as u32;
        }
        self
    }

    /// Builds `name[:tag][@digest]` from a validated name and a suffix taken from another parsed
    /// reference, adding `:latest` when the suffix is empty. One allocation.
    pub(crate) fn from_name_and_suffix(name: &Reference, source: &Reference) -> Reference {
        let suffix = source.suffix();
        let extra = if suffix.is_empty() { 7 } else { suffix.len() };
        let mut text = String::with_capacity(name.name().len() + extra);
        text.push_str(name.name());
        let name_len = text.len();
        let tag_end = if suffix.is_empty() {
            text.push_str(":latest");
            text.len()
        } else {
            text.push_str(suffix);
            name_len + (source.tag_end - source.name_len as u32) as usize
        };
        Reference {
            domain_len: name.domain_len,
            name_len: name_len as u16,
            tag_end: tag_end as u32,
            text,
        }
    }

    /// Returns this reference without its tag when it also has a digest (the docker transport
    /// refuses references with both; CRI-O drops the tag).
    ///
    /// ```
    /// use shortnames::Reference;
    /// let d = "sha256:d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a";
    /// let r = Reference::parse(&format!("quay.io/a:1@{d}")).unwrap();
    /// assert_eq!(r.without_tag_if_digested().as_str(), format!("quay.io/a@{d}"));
    /// ```
    pub fn without_tag_if_digested(&self) -> Reference {
        match (self.tag(), self.digest()) {
            (Some(_), Some(d)) => {
                let mut text = String::with_capacity(self.name_len as usize + 1 + d.len());
                text.push_str(self.name());
                text.push('@');
                text.push_str(d);
                Reference {
                    domain_len: self.domain_len,
                    name_len: self.name_len,
                    tag_end: self.name_len as u32,
                    text,
                }
            }
            _ => self.clone(),
        }
    }

    /// Converts to an [`oci_spec::distribution::Reference`] for callers that use `oci-spec`.
    ///
    /// The reference is normalised first (oci-spec always carries a registry).
    ///
    /// ```
    /// use shortnames::Reference;
    /// let r = Reference::parse("quay.io/ns/app:v1").unwrap();
    /// let oci = r.to_oci().unwrap();
    /// assert_eq!(oci.registry(), "quay.io");
    /// assert_eq!(oci.repository(), "ns/app");
    /// assert_eq!(oci.tag(), Some("v1"));
    /// ```
    pub fn to_oci(&self) -> Result<oci_spec::distribution::Reference, oci_spec::OciSpecError> {
        let normalized = Reference::parse_normalized(self.as_str())
            .map_err(|e| oci_spec::OciSpecError::Other(e.to_string()))?;
        let (domain, path) = (
            normalized.domain().unwrap_or(DEFAULT_DOMAIN),
            normalized.path(),
        );
        let registry = domain.to_owned();
        let repository = path.to_owned();
        Ok(match (normalized.tag(), normalized.digest()) {
            (tag, Some(d)) => oci_spec::distribution::Reference::with_tag_and_digest(
                registry,
                repository,
                tag.unwrap_or("latest").to_owned(),
                d.to_owned(),
            ),
            (Some(t), None) => {
                oci_spec::distribution::Reference::with_tag(registry, repository, t.to_owned())
            }
            (None, None) => oci_spec::distribution::Reference::with_tag(
                registry,
                repository,
                "latest".to_owned(),
            ),
        })
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Reference").field(&self.text).finish()
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    /// Same as [`Reference::parse`]: the reference as typed.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reference::parse(s)
    }
}

impl TryFrom<&str> for Reference {
    type Error = ReferenceError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Reference::parse(s)
    }
}

impl AsRef<str> for Reference {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// What [`Reference::classify`] found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Classified {
    pub has_tag: bool,
    pub has_digest: bool,
    pub has_registry: bool,
}

/// What is known about an endpoint location, computed once when the configuration is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndpointShape {
    /// `domain[/path-component...]` with a registry-host domain other than `docker.io` and
    /// `index.docker.io`: appending `/valid/path[:tag][@digest]` yields a canonical reference
    /// (given the length limit).
    Checked { domain_len: usize, has_path: bool },
    /// Anything else: rewritten references are checked in full.
    Other,
}

impl EndpointShape {
    pub(crate) fn of(location: &str) -> EndpointShape {
        let (domain, path) = match location.find('/') {
            Some(i) => (&location[..i], Some(&location[i + 1..])),
            None => (location, None),
        };
        let domain_ok = is_domain(domain.as_bytes())
            && is_registry_host(domain)
            && domain != DEFAULT_DOMAIN
            && domain != LEGACY_DEFAULT_DOMAIN;
        let path_ok = path.is_none_or(|p| p.split('/').all(|c| is_path_component(c.as_bytes())));
        if domain_ok && path_ok && location.len() <= NAME_TOTAL_LENGTH_MAX {
            EndpointShape::Checked {
                domain_len: domain.len(),
                has_path: path.is_some(),
            }
        } else {
            EndpointShape::Other
        }
    }
}

/// Whether a domain string marks a registry host (`.` or `:` in it, or exactly `localhost`).
pub(crate) fn is_registry_host(domain: &str) -> bool {
    domain == "localhost" || domain.bytes().any(|b| b == b'.' || b == b':')
}

/// `splitDockerDomain`: returns (domain, remainder, whether `library/` must be inserted).
fn split_docker_domain(s: &str) -> (&str, &str, bool) {
    let (mut domain, remainder) = match s.find('/') {
        Some(i) if is_registry_host(&s[..i]) => (&s[..i], &s[i + 1..]),
        _ => (DEFAULT_DOMAIN, s),
    };
    if domain == LEGACY_DEFAULT_DOMAIN {
        domain = DEFAULT_DOMAIN;
    }
    let needs_library = domain == DEFAULT_DOMAIN && !remainder.contains('/');
    (domain, remainder, needs_library)
}

/// The checks `ParseNormalizedNamed` makes before re-parsing, in its order (64-hex name,
/// lower-case remote name), and the Docker Hub split (domain, remainder, `library/` needed).
fn normalization_split(s: &str) -> Result<(&str, &str, bool), ReferenceError> {
    check_hex_identifier(s)?;
    let (domain, remainder, needs_library) = split_docker_domain(s);
    let remote_name = match remainder.find(':') {
        Some(i) => &remainder[..i],
        None => remainder,
    };
    if has_unicode_uppercase(remote_name) {
        return Err(ReferenceError::new(RefErrorKind::UppercaseNormalized));
    }
    Ok((domain, remainder, needs_library))
}

fn check_hex_identifier(s: &str) -> Result<(), ReferenceError> {
    if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ReferenceError::new(RefErrorKind::HexName(s.into())));
    }
    Ok(())
}

/// Whether Go's `strings.ToLower(s) != s`.
fn has_unicode_uppercase(s: &str) -> bool {
    if s.is_ascii() {
        return s.bytes().any(|b| b.is_ascii_uppercase());
    }
    s.chars().any(|c| {
        let mut lower = c.to_lowercase();
        !(lower.next() == Some(c) && lower.next().is_none())
    })
}

// ---------------------------------------------------------------------------------------------
// The grammar (rule 25), checked byte by byte.

const ALNUM_LOWER: u8 = 1; // [a-z0-9]
const DOMAIN_CHAR: u8 = 2; // [A-Za-z0-9]
const TAG_CHAR: u8 = 4; // [A-Za-z0-9_.-]
const HEX: u8 = 8; // [0-9A-Fa-f]
const ALPHA: u8 = 16; // [A-Za-z]

static CLASS: [u8; 256] = build_class_table();

const fn build_class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut v = 0;
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            v |= ALNUM_LOWER;
        }
        if c.is_ascii_alphanumeric() {
            v |= DOMAIN_CHAR | TAG_CHAR;
        }
        if c == b'_' || c == b'.' || c == b'-' {
            v |= TAG_CHAR;
        }
        if c.is_ascii_hexdigit() {
            v |= HEX;
        }
        if c.is_ascii_alphabetic() {
            v |= ALPHA;
        }
        t[i] = v;
        i += 1;
    }
    t
}

#[inline]
fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// `path-comp = [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*`
fn is_path_component(c: &[u8]) -> bool {
    !c.is_empty() && !c.contains(&b'/') && is_path(c)
}

// Path automaton: states and byte classes (one table lookup per byte).
const P_START: u8 = 0; // expecting the first alnum of a component
const P_ALNUM: u8 = 1; // inside an alnum run (accepting)
const P_DOT: u8 = 2; // after `.`
const P_U1: u8 = 3; // after `_`
const P_U2: u8 = 4; // after `__`
const P_DASH: u8 = 5; // after one or more `-`
const P_FAIL: u8 = 6;

/// Byte classes for the path automaton: 0 alnum, 1 `.`, 2 `_`, 3 `-`, 4 `/`, 5 other.
static PATH_CLASS: [u8; 256] = {
    let mut t = [5u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            t[i] = 0;
        }
        i += 1;
    }
    t[b'.' as usize] = 1;
    t[b'_' as usize] = 2;
    t[b'-' as usize] = 3;
    t[b'/' as usize] = 4;
    t
};

/// `PATH_NEXT[state][class]`.
static PATH_NEXT: [[u8; 6]; 7] = [
    //  alnum    .       _      -       /        other
    [P_ALNUM, P_FAIL, P_FAIL, P_FAIL, P_FAIL, P_FAIL], // START
    [P_ALNUM, P_DOT, P_U1, P_DASH, P_START, P_FAIL],   // ALNUM
    [P_ALNUM, P_FAIL, P_FAIL, P_FAIL, P_FAIL, P_FAIL], // DOT
    [P_ALNUM, P_FAIL, P_U2, P_FAIL, P_FAIL, P_FAIL],   // U1
    [P_ALNUM, P_FAIL, P_FAIL, P_FAIL, P_FAIL, P_FAIL], // U2
    [P_ALNUM, P_FAIL, P_FAIL, P_DASH, P_FAIL, P_FAIL], // DASH
    [P_FAIL; 6],                                       // FAIL
];

/// `path-comp ('/' path-comp)*`
fn is_path(p: &[u8]) -> bool {
    let mut state = P_START;
    for &b in p {
        state = PATH_NEXT[state as usize][PATH_CLASS[b as usize] as usize];
    }
    state == P_ALNUM
}

/// `domain = dom-comp ('.' dom-comp)* (':' [0-9]+)?`,
/// `dom-comp = [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]`
pub(crate) fn is_domain(d: &[u8]) -> bool {
    // States: 0 = expecting a component's first char, 1 = after an alnum (accepting),
    // 2 = after `-`, 3 = after `:`, 4 = in port digits (accepting).
    let mut state = 0u8;
    for &b in d {
        state = match (state, b) {
            (0..=2, b) if is(b, DOMAIN_CHAR) => 1,
            (1 | 2, b'-') => 2,
            (1, b'.') => 0,
            (1, b':') => 3,
            (3 | 4, b'0'..=b'9') => 4,
            _ => return false,
        };
    }
    state == 1 || state == 4
}

/// `tag = [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
fn is_tag(t: &[u8]) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && (is(t[0], DOMAIN_CHAR) || t[0] == b'_')
        && t.iter().all(|&b| is(b, TAG_CHAR))
}

/// `digest = [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ':' [0-9A-Fa-f]{32,}`
fn is_digest_syntax(d: &[u8]) -> bool {
    let Some(colon) = d.iter().position(|&b| b == b':') else {
        return false;
    };
    let (alg, hex) = (&d[..colon], &d[colon + 1..]);
    if hex.len() < 32 || !hex.iter().all(|&b| is(b, HEX)) {
        return false;
    }
    let mut i = 0;
    let n = alg.len();
    loop {
        if i >= n || !is(alg[i], ALPHA) {
            return false;
        }
        i += 1;
        while i < n && is(alg[i], DOMAIN_CHAR) {
            i += 1;
        }
        if i == n {
            return true;
        }
        if !matches!(alg[i], b'-' | b'_' | b'+' | b'.') {
            return false;
        }
        i += 1;
    }
}

/// Whether the whole input matches `reference`; returns the spans when it does.
fn match_grammar(s: &[u8]) -> Option<Spans> {
    // One scan for the structure: the first `@`, and before it the first and last `/` and the
    // last `:`.
    let mut at = s.len();
    let (mut first_slash, mut last_slash, mut last_colon) = (usize::MAX, usize::MAX, usize::MAX);
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'/' => {
                if first_slash == usize::MAX {
                    first_slash = i;
                }
                last_slash = i;
            }
            b':' => last_colon = i,
            b'@' => {
                at = i;
                break;
            }
            _ => {}
        }
    }
    if at < s.len() && !is_digest_syntax(&s[at + 1..]) {
        return None;
    }
    let before_digest = &s[..at];
    // A `:` after the last `/` starts the tag (before the first `/` it may be a port).
    let name_len =
        if last_colon != usize::MAX && (last_slash == usize::MAX || last_colon > last_slash) {
            if !is_tag(&before_digest[last_colon + 1..]) {
                return None;
            }
            last_colon
        } else {
            at
        };
    let name = &s[..name_len];
    let mut domain_len = 0;
    let mut path = name;
    if first_slash < name_len && is_domain(&name[..first_slash]) {
        domain_len = first_slash;
        path = &name[first_slash + 1..];
    }
    if !is_path(path) {
        return None;
    }
    Some(Spans {
        domain_len,
        name_len,
        tag_end: at,
    })
}

/// `reference.Parse` minus the allocation: grammar, length, digest validation.
fn check(s: &str) -> Result<Spans, ReferenceError> {
    let Some(spans) = match_grammar(s.as_bytes()) else {
        if s.is_empty() {
            return Err(ReferenceError::new(RefErrorKind::Empty));
        }
        if let Some(lower) = go_to_lower_ascii(s) {
            if match_grammar(&lower).is_some() {
                return Err(ReferenceError::new(RefErrorKind::Uppercase));
            }
        }
        return Err(ReferenceError::new(RefErrorKind::Format));
    };
    if spans.name_len > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::new(RefErrorKind::TooLong));
    }
    if spans.tag_end < s.len() {
        validate_digest(&s[spans.tag_end + 1..])?;
    }
    Ok(spans)
}

/// Go's `strings.ToLower(s)`, returned only when the result is all ASCII (otherwise it cannot
/// match the grammar, whose alphabet is ASCII).
fn go_to_lower_ascii(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let l = match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            '\u{212A}' => 'k', // KELVIN SIGN
            '\u{0130}' => 'i', // LATIN CAPITAL LETTER I WITH DOT ABOVE (simple mapping)
            c if c.is_ascii() => c,
            _ => return None,
        };
        out.push(l as u8);
    }
    Some(out)
}

/// go-digest `Validate` (rule 27).
fn validate_digest(d: &str) -> Result<(), ReferenceError> {
    let colon = match d.find(':') {
        Some(i) if i > 0 && i + 1 < d.len() => i,
        _ => return Err(ReferenceError::new(RefErrorKind::DigestFormat)),
    };
    let (alg, hex) = (&d[..colon], &d[colon + 1..]);
    let size = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(ReferenceError::new(
                if is_known_digest_shape(d.as_bytes()) {
                    RefErrorKind::DigestAlgorithm
                } else {
                    RefErrorKind::DigestFormat
                },
            ))
        }
    };
    if hex.len() != size {
        return Err(ReferenceError::new(RefErrorKind::DigestLength));
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ReferenceError::new(RefErrorKind::DigestFormat));
    }
    Ok(())
}

/// go-digest `DigestRegexp`: `[a-z0-9]+([.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`.
fn is_known_digest_shape(d: &[u8]) -> bool {
    let Some(colon) = d.iter().position(|&b| b == b':') else {
        return false;
    };
    let (alg, enc) = (&d[..colon], &d[colon + 1..]);
    let alg_ok = alg
        .split(|&b| matches!(b, b'.' | b'+' | b'_' | b'-'))
        .all(|p| !p.is_empty() && p.iter().all(|&b| is(b, ALNUM_LOWER)));
    alg_ok
        && !enc.is_empty()
        && enc
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a";

    fn err(s: &str) -> String {
        Reference::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn splits_domain_path_tag_digest() {
        let r = Reference::parse(&format!("localhost:5000/a/b:t@{D}")).unwrap();
        assert_eq!(r.domain(), Some("localhost:5000"));
        assert_eq!(r.path(), "a/b");
        assert_eq!(r.tag(), Some("t"));
        assert_eq!(r.digest(), Some(D));
        assert_eq!(r.suffix(), format!(":t@{D}"));
        let r = Reference::parse("example.com:5000").unwrap();
        assert_eq!(r.name(), "example.com");
        assert_eq!(r.tag(), Some("5000"));
        assert!(!r.has_registry());
    }

    #[test]
    fn grammar_errors() {
        assert_eq!(err(""), "repository name must have at least one component");
        assert_eq!(err("Busybox"), "repository name must be lowercase");
        assert_eq!(err("\u{212A}ube"), "repository name must be lowercase");
        assert_eq!(err("ÄÖ"), "invalid reference format");
        assert_eq!(err("bu___sy"), "invalid reference format");
        assert_eq!(err("a//b"), "invalid reference format");
        assert_eq!(err("[::1]:5000/x"), "invalid reference format");
        assert_eq!(
            err("a/b@sha256:abcdef0123456789"),
            "invalid reference format"
        );
        let long = format!("a/{}", "b".repeat(254));
        assert_eq!(
            err(&long),
            "repository name must not be more than 255 characters"
        );
    }

    #[test]
    fn digest_errors() {
        let hex32 = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            err(&format!("a/b@md5:{hex32}")),
            "unsupported digest algorithm"
        );
        assert_eq!(
            err(&format!("a/b@SHA256:{}", "a".repeat(64))),
            "invalid checksum digest format"
        );
        assert_eq!(
            err(&format!("a/b@sha256:{}", "A".repeat(64))),
            "invalid checksum digest format"
        );
        assert_eq!(
            err(&format!("a/b@sha256:{hex32}")),
            "invalid checksum digest length"
        );
        assert!(Reference::parse(&format!("a/b@sha512:{}", "f".repeat(128))).is_ok());
    }

    #[test]
    fn normalisation() {
        let n = |s: &str| Reference::parse_normalized(s).map(|r| r.as_str().to_owned());
        assert_eq!(n("nginx").unwrap(), "docker.io/library/nginx");
        assert_eq!(n("index.docker.io/x/y").unwrap(), "docker.io/x/y");
        assert_eq!(n("docker.io/alpine").unwrap(), "docker.io/library/alpine");
        assert_eq!(n("Docker.io/x").unwrap(), "Docker.io/x");
        assert_eq!(n("localhost:5000/x").unwrap(), "localhost:5000/x");
        assert_eq!(
            n("LOCALHOST/foo").unwrap_err().to_string(),
            "invalid reference format: repository name must be lowercase"
        );
        assert_eq!(
            n(&"a".repeat(64)).unwrap_err().reason(),
            "hex-name",
            "64 hex characters are refused"
        );
        let long = format!("docker.io/{}", "a".repeat(238));
        assert!(Reference::parse(&long).is_ok());
        assert_eq!(n(&long).unwrap_err().reason(), "too-long");
    }

    #[test]
    fn canonical() {
        assert!(Reference::parse_canonical("docker.io/library/foo:1").is_ok());
        assert_eq!(
            Reference::parse_canonical("docker.io/foo:1")
                .unwrap_err()
                .reason(),
            "not-canonical"
        );
        assert_eq!(
            Reference::from_canonical_string("index.docker.io/library/foo".into())
                .unwrap_err()
                .reason(),
            "not-canonical"
        );
        assert_eq!(
            Reference::from_canonical_string("m.example.net/ns//app".into())
                .unwrap_err()
                .reason(),
            "format"
        );
        let r = Reference::from_canonical_string("m.example.net/ns/app:1".into()).unwrap();
        assert_eq!(r.tag(), Some("1"));
    }

    #[test]
    fn default_tag_and_suffix_copy() {
        let r = Reference::parse_normalized("nginx")
            .unwrap()
            .with_default_tag();
        assert_eq!(r.tag(), Some("latest"));
        let value = Reference::parse_normalized("quay.io/x/y").unwrap();
        let input = Reference::parse(&format!("y:1@{D}")).unwrap();
        let c = Reference::from_name_and_suffix(&value, &input);
        assert_eq!(c.as_str(), format!("quay.io/x/y:1@{D}"));
        assert_eq!(c.tag(), Some("1"));
        assert_eq!(c.digest(), Some(D));
        assert_eq!(c.domain(), Some("quay.io"));
        let plain = Reference::parse("y").unwrap();
        let c = Reference::from_name_and_suffix(&value, &plain);
        assert_eq!(c.as_str(), "quay.io/x/y:latest");
        assert_eq!(c.tag(), Some("latest"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]

        /// The rewrite fast path gives exactly what the full `ParseNamed` check gives.
        #[test]
        fn rewrite_fast_path_agrees_with_full_check(
            location in "([a-zA-Z0-9-]{1,6}(\\.[a-z0-9-]{1,4}){0,2}(:[0-9]{1,4})?)?(/[a-zA-Z0-9._-]{0,5}){0,2}/?|docker\\.io(/[a-z]{1,3})?|index\\.docker\\.io|localhost(:5000)?(/ns)?|[a-z]{1,4}",
            candidate in "[a-z0-9-]{1,5}\\.(io|com)(:[0-9]{2})?(/[a-z0-9]{1,4}([._-][a-z0-9]{1,3})?){1,3}(:[A-Za-z0-9_.-]{1,6})?(@sha256:d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a)?",
            long in proptest::bool::ANY,
        ) {
            let Ok(c) = Reference::parse_normalized(&candidate) else {
                return Ok(()); // the generator also makes invalid candidates
            };
            let c = c.with_default_tag();
            let text = c.as_str();
            let mut cuts: Vec<usize> = text.char_indices()
                .filter(|(_, ch)| matches!(ch, '/' | ':' | '@'))
                .map(|(i, _)| i)
                .collect();
            cuts.push(c.name().len());
            cuts.push(text.len());
            let location = if long { format!("{location}{}", "/x".repeat(120)) } else { location };
            let shape = EndpointShape::of(&location);
            for k in cuts {
                let fast = c.rewrite(&location, shape, k);
                let full = Reference::from_canonical_string(format!("{location}{}", &text[k..]));
                proptest::prop_assert_eq!(&fast, &full, "location {:?} candidate {:?} k {}", location, text, k);
                if let Ok(r) = fast {
                    let again = Reference::parse(r.as_str()).unwrap();
                    proptest::prop_assert_eq!(r.domain(), again.domain());
                    proptest::prop_assert_eq!(r.name(), again.name());
                    proptest::prop_assert_eq!(r.tag(), again.tag());
                    proptest::prop_assert_eq!(r.digest(), again.digest());
                }
            }
        }
    }
}
