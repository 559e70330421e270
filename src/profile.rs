//! Behaviour profiles: the default one answers exactly like containers/image v5.23.1; the
//! hardened one closes the reference's spoofing holes (config-formats.md \[HARDEN\] items).
//!
//! | | default | hardened |
//! | --- | --- | --- |
//! | host part of a prefix | byte-exact (`EVIL.io/x` escapes `evil.io`) | ASCII case-insensitive |
//! | port-less prefix `example.com` vs `example.com:5000/x` | matches | does not match |
//! | wildcard `*.example.com` | first occurrence only (`x.example.com.example.com` missed) | any occurrence in the host |
//! | `blocked = true` | checked on each rewritten source only | also refuses the entry's own primary endpoint |
//! | user alias cache vs system aliases | cache wins | system tables win for names they define |
//! | unknown keys | ignored | errors |
//!
//! The matching functions here are the plain-text definitions of both profiles (a linear
//! walk); the engine uses an index with the same answers.
//!
//! ```
//! use shortnames::Profile;
//! assert_eq!(Profile::default(), Profile::Compatible);
//! assert_eq!(Profile::parse("hardened"), Some(Profile::Hardened));
//! assert_eq!(Profile::Hardened.as_str(), "hardened");
//! ```

use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::config::Registry;

/// Which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Exactly the reference behaviour, known bugs included (the default).
    #[default]
    Compatible,
    /// Stricter matching and blocking; see the module documentation.
    Hardened,
}

impl Profile {
    /// Parses `compatible` (or `default`) and `hardened`.
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "compatible" | "default" => Some(Profile::Compatible),
            "hardened" => Some(Profile::Hardened),
            _ => None,
        }
    }

    /// `compatible` or `hardened`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Profile::Compatible => "compatible",
            Profile::Hardened => "hardened",
        }
    }

    /// Whether this is the hardened profile.
    pub fn is_hardened(&self) -> bool {
        *self == Profile::Hardened
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[inline]
fn is_boundary(b: u8) -> bool {
    matches!(b, b':' | b'/' | b'@')
}

/// How a prefix matched a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PrefixMatch {
    /// Bytes of the reference covered by the match (rewrite keeps the rest).
    pub len: usize,
    /// A literal host-only prefix matched a host with a port (default-profile KNOWN BUG).
    pub via_port: bool,
}

/// `refMatchingPrefix` under `profile`: how `prefix` matches `r` (a repository name or a whole
/// reference), `None` when it does not.
pub(crate) fn matching_prefix(r: &str, prefix: &str, profile: Profile) -> Option<PrefixMatch> {
    let rb = r.as_bytes();
    let host_end = rb.iter().position(|&b| b == b'/').unwrap_or(rb.len());
    if let Some(dot_suffix) = prefix.strip_prefix('*').filter(|s| s.starts_with('.')) {
        let end = match profile {
            Profile::Compatible => {
                let n = r.find(dot_suffix)?;
                if r[..n].contains('/') {
                    return None;
                }
                n + dot_suffix.len()
            }
            Profile::Hardened => {
                // Any occurrence that ends the host name (a port is not allowed).
                let host = &r[..host_end];
                if host.contains(':') || host.len() <= dot_suffix.len() {
                    return None;
                }
                let cut = host.len() - dot_suffix.len();
                if !host.is_char_boundary(cut) || !host[cut..].eq_ignore_ascii_case(dot_suffix) {
                    return None;
                }
                host.len()
            }
        };
        return (end == r.len() || is_boundary(rb[end])).then_some(PrefixMatch {
            len: end,
            via_port: false,
        });
    }
    let pb = prefix.as_bytes();
    if rb.len() < pb.len() || prefix.is_empty() {
        return None;
    }
    let equal = match profile {
        Profile::Compatible => rb.starts_with(pb),
        Profile::Hardened => {
            let p_host_end = pb.iter().position(|&b| b == b'/').unwrap_or(pb.len());
            rb[..p_host_end].eq_ignore_ascii_case(&pb[..p_host_end])
                && rb[p_host_end..pb.len()] == pb[p_host_end..]
        }
    };
    if !equal {
        return None;
    }
    let at_end = rb.len() == pb.len();
    if !at_end && !is_boundary(rb[pb.len()]) {
        return None;
    }
    // A `:` right after a prefix that ends inside the host starts a port.
    let via_port = !at_end && rb[pb.len()] == b':' && pb.len() < host_end;
    if via_port && profile.is_hardened() {
        return None;
    }
    Some(PrefixMatch {
        len: pb.len(),
        via_port,
    })
}

/// `FindRegistry` under `profile`, as a linear walk over entries sorted by prefix: the entry
/// with the longest matching prefix, the first in byte order on equal length.
pub(crate) fn find_entry<'a, R: AsRef<Registry>>(
    entries: &'a [R],
    name: &str,
    profile: Profile,
) -> Option<&'a R> {
    let mut best: Option<&R> = None;
    let mut best_len = 0;
    for e in entries {
        let p = &e.as_ref().prefix;
        if p.len() > best_len && matching_prefix(name, p, profile).is_some() {
            best = Some(e);
            best_len = p.len();
        }
    }
    best
}

/// The hardened rules compiled into hash maps (the same probing idea as the default index):
/// literal prefixes keyed with their host part in lower case, wildcards keyed by their
/// lower-case `.suffix`. A lookup lower-cases the name's host once and probes the name and each
/// cut before a `/` or `@` (or a `:` after the host), longest first, then each `.`-suffix of a
/// port-less host. Answers the entry's prefix; equal to [`find_entry`] under
/// [`Profile::Hardened`].
#[derive(Debug, Clone, Default)]
pub(crate) struct HardenedIndex {
    literal: FxHashMap<Box<str>, Arc<str>>,
    wildcard: FxHashMap<Box<str>, Arc<str>>,
}

fn lower_host(s: &str) -> String {
    let host_end = s.find('/').unwrap_or(s.len());
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..host_end].to_ascii_lowercase());
    out.push_str(&s[host_end..]);
    out
}

impl HardenedIndex {
    pub(crate) fn new<R: AsRef<Registry>>(entries: &[R]) -> HardenedIndex {
        let mut idx = HardenedIndex::default();
        for e in entries {
            let prefix = &e.as_ref().prefix;
            if prefix.is_empty() {
                continue;
            }
            let (map, key) = match prefix.strip_prefix('*').filter(|s| s.starts_with('.')) {
                Some(suffix) => (&mut idx.wildcard, suffix.to_ascii_lowercase()),
                None => (&mut idx.literal, lower_host(prefix)),
            };
            // Prefixes equal but for the host's case: the first in byte order wins, as in the
            // linear walk over sorted entries.
            let slot = map
                .entry(key.into_boxed_str())
                .or_insert_with(|| prefix.clone());
            if prefix.as_bytes() < slot.as_bytes() {
                *slot = prefix.clone();
            }
        }
        idx
    }

    /// The prefix of the entry governing repository name `name`.
    pub(crate) fn find(&self, name: &str) -> Option<&Arc<str>> {
        let key = lower_host(name);
        let bytes = key.as_bytes();
        let host_end = bytes.iter().position(|&b| b == b'/').unwrap_or(bytes.len());
        let literal = if self.literal.is_empty() {
            None
        } else {
            self.literal.get(key.as_str()).or_else(|| {
                (1..bytes.len())
                    .rev()
                    .filter(|&i| match bytes[i] {
                        b'/' | b'@' => true,
                        b':' => i >= host_end,
                        _ => false,
                    })
                    .find_map(|i| self.literal.get(&key[..i]))
            })
        };
        let host = &key[..host_end];
        let wildcard = if self.wildcard.is_empty() || host.contains(':') {
            None
        } else {
            // Leftmost dot first: the longest suffix, hence the longest prefix.
            (1..host.len())
                .filter(|&d| bytes[d] == b'.')
                .find_map(|d| self.wildcard.get(&host[d..]))
        };
        match (literal, wildcard) {
            (None, w) => w,
            (l, None) => l,
            (Some(l), Some(w)) => {
                if l.len() > w.len() || (l.len() == w.len() && l.as_bytes() < w.as_bytes()) {
                    Some(l)
                } else {
                    Some(w)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(r: &str, p: &str, profile: Profile) -> Option<usize> {
        matching_prefix(r, p, profile).map(|m| m.len)
    }

    #[test]
    fn compatible_quirks() {
        let c = Profile::Compatible;
        assert_eq!(m("example.com:5000/a", "example.com", c), Some(11));
        assert!(
            matching_prefix("example.com:5000/a", "example.com", c)
                .unwrap()
                .via_port
        );
        assert_eq!(m("example.comx/a", "example.com", c), None);
        assert_eq!(m("a.example.com:5000/x:1", "*.example.com", c), Some(13));
        assert_eq!(m("x.example.com.example.com/app", "*.example.com", c), None);
        assert_eq!(m("EVIL.io/x", "evil.io", c), None);
        assert_eq!(m("example.com/a", "*.example.com", c), None);
        assert_eq!(m("example.com/ns:1", "example.com/ns", c), Some(14));
    }

    fn reg(prefix: &str) -> Arc<Registry> {
        Arc::new(Registry {
            prefix: Arc::from(prefix),
            location: Arc::from("x.io"),
            insecure: false,
            blocked: false,
            mirror_by_digest_only: false,
            mirrors: Vec::new(),
            origin: Arc::from("t"),
            defined_at: None,
            key: String::new(),
        })
    }

    /// The hardened index answers like the linear walk it compiles.
    #[test]
    fn hardened_index_agrees_with_linear_walk() {
        let mut prefixes = vec![
            "example.com",
            "Example.com",
            "example.com/ns",
            "example.com:5000",
            "example.com:5000/ns/app",
            "*.example.com",
            "*.EXAMPLE.com",
            "a.example.com",
            "*.b.example.com",
            "c.b.example.com",
            "EVIL.io",
            "evil.io/X",
            "docker.io/library/alpine",
            "localhost:5000",
            "*.com",
            "*",
            "",
        ];
        prefixes.sort();
        let entries: Vec<_> = prefixes.iter().map(|p| reg(p)).collect();
        let idx = HardenedIndex::new(&entries);
        let hosts = [
            "example.com",
            "EXAMPLE.COM",
            "example.com:5000",
            "example.com:50001",
            "a.example.com",
            "A.Example.Com",
            "c.b.example.com",
            "z.b.example.com:80",
            "x.example.com.example.com",
            "evil.io",
            "Evil.IO",
            "docker.io",
            "localhost:5000",
            "localhost",
            "evil.com",
            "com",
        ];
        let paths = [
            "/app",
            "/ns/app",
            "/ns",
            "/X",
            "/x",
            "/library/alpine",
            "/example.com/x",
        ];
        for h in hosts {
            for p in paths {
                let name = format!("{h}{p}");
                assert_eq!(
                    idx.find(&name).map(|p| &**p),
                    find_entry(&entries, &name, Profile::Hardened).map(|e| &*e.prefix),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn hardened_rules() {
        let h = Profile::Hardened;
        assert_eq!(m("example.com:5000/a", "example.com", h), None);
        assert_eq!(m("example.com:5000/a", "example.com:5000", h), Some(16));
        assert_eq!(m("EVIL.io/x", "evil.io", h), Some(7));
        assert_eq!(m("EVIL.io/X", "evil.io/X", h), Some(9));
        assert_eq!(m("evil.io/x", "evil.io/X", h), None);
        assert_eq!(
            m("x.example.com.example.com/app", "*.example.com", h),
            Some(25)
        );
        assert_eq!(m("A.Example.COM/app", "*.example.com", h), Some(13));
        assert_eq!(m("a.example.com:5000/x", "*.example.com", h), None);
        assert_eq!(m("example.com/a", "*.example.com", h), None);
        assert_eq!(m("evil.com/a.example.com/x", "*.example.com", h), None);
        assert_eq!(m("example.com/ns:1", "example.com/ns", h), Some(14));
    }
}
