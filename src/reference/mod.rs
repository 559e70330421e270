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

mod error;
mod grammar;
mod normalise;
mod rewrite;

use error::RefErrorKind;
pub use error::ReferenceError;
use grammar::{check, Spans};
pub(crate) use grammar::{is_domain, is_path_component};
pub(crate) use normalise::is_registry_host;
pub(crate) use rewrite::EndpointShape;

/// The maximum length of a repository name (domain and path), in bytes.
pub(crate) const NAME_TOTAL_LENGTH_MAX: usize = 255;

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";

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

    /// Converts to an [`oci_spec::distribution::Reference`] for callers that use `oci-spec`
    /// (feature `oci`).
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
    #[cfg(feature = "oci")]
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
