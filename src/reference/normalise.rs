//! Docker Hub normalisation (`ParseNormalizedNamed`, rule 26): the default domain, the
//! `library/` prefix, the checks made before re-parsing.

use super::error::{RefErrorKind, ReferenceError};
use super::grammar::check;
use super::{Reference, DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX};

impl Reference {
    /// Whether Docker Hub normalisation would leave this reference's string unchanged.
    pub(crate) fn is_normalized_form(&self) -> bool {
        let (domain, remainder, needs_library) = split_docker_domain(&self.text);
        !needs_library && domain.len() + 1 + remainder.len() == self.text.len()
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
}

/// Whether a domain string marks a registry host (`.` or `:` in it, or exactly `localhost`).
pub(crate) fn is_registry_host(domain: &str) -> bool {
    domain == "localhost" || domain.bytes().any(|b| b == b'.' || b == b':')
}

/// `splitDockerDomain`: returns (domain, remainder, whether `library/` must be inserted).
pub(super) fn split_docker_domain(s: &str) -> (&str, &str, bool) {
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
pub(super) fn normalization_split(s: &str) -> Result<(&str, &str, bool), ReferenceError> {
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
