//! The registry index: which `[[registry]]` entry governs a repository name (resolution
//! rules 35–37), compiled once into hash maps so that a lookup costs a handful of probes
//! whatever the number of entries.
//!
//! * literal prefixes: a prefix `P` can only match name `R` when `R == P` or `P` is `R` cut right
//!   before a `/`, `:` or `@`; so the lookup probes `R` and each such cut, longest first;
//! * wildcard prefixes `*.S`: a match needs `.S` to end the host part at its first occurrence;
//!   the lookup probes each `.`-suffix of the host part and checks the first-occurrence rule.
//!
//! On equal length, the prefix first in byte order wins (the reference walks a sorted list and
//! keeps the first strictly longer match), which lets `*.example.com` beat `a.example.com`.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::config::{PullFromMirror, Registry};
use crate::profile::Profile;
use crate::reference::EndpointShape;

mod hardened;
mod matcher;

pub(crate) use matcher::{matching_prefix, PrefixMatch};

/// One endpoint of an entry, with what the rewrite needs precomputed.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub location: Arc<str>,
    pub shape: EndpointShape,
    pub insecure: bool,
    pub pull_from_mirror: PullFromMirror,
    pub mirror: bool,
}

/// An entry compiled for the pull path: its endpoints in order (mirrors, then the primary).
#[derive(Debug, Clone)]
pub(crate) struct CompiledRegistry {
    pub entry: Arc<Registry>,
    pub endpoints: Box<[Endpoint]>,
}

impl CompiledRegistry {
    fn new(entry: &Arc<Registry>) -> CompiledRegistry {
        let endpoint = |location: &Arc<str>, insecure, pull_from_mirror, mirror| Endpoint {
            location: location.clone(),
            shape: EndpointShape::of(location),
            insecure,
            pull_from_mirror,
            mirror,
        };
        let endpoints = entry
            .mirrors
            .iter()
            .map(|m| endpoint(&m.location, m.insecure, m.pull_from_mirror, true))
            .chain(std::iter::once(endpoint(
                &entry.location,
                entry.insecure,
                PullFromMirror::Unset,
                false,
            )))
            .collect();
        CompiledRegistry {
            entry: entry.clone(),
            endpoints,
        }
    }
}

/// An immutable index over the effective `[[registry]]` entries.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegistryIndex {
    literal: FxHashMap<Arc<str>, CompiledRegistry>,
    /// Keyed by the wildcard prefix without its `*` (so `.example.com`).
    wildcard: FxHashMap<Arc<str>, CompiledRegistry>,
    /// Whether any entry is blocked (when none is, sources need no blocked lookup).
    pub any_blocked: bool,
    /// The profile whose matching rules this index applies, chosen once when the snapshot is
    /// compiled.
    profile: Profile,
    /// The hardened profile's rules compiled (`None` under the compatible profile).
    hardened: Option<Box<hardened::HardenedIndex>>,
}

#[inline]
fn is_boundary(b: u8) -> bool {
    matches!(b, b':' | b'/' | b'@')
}

impl RegistryIndex {
    pub(crate) fn new(entries: &[Arc<Registry>]) -> RegistryIndex {
        let mut idx = RegistryIndex::default();
        for e in entries {
            if e.prefix.is_empty() {
                continue; // a zero-length prefix can never win
            }
            idx.any_blocked |= e.blocked;
            let compiled = CompiledRegistry::new(e);
            if let Some(dot_suffix) = e.prefix.strip_prefix('*') {
                if dot_suffix.starts_with('.') {
                    idx.wildcard.insert(Arc::from(dot_suffix), compiled);
                    continue;
                }
            }
            idx.literal.insert(e.prefix.clone(), compiled);
        }
        idx
    }

    /// The index for `profile`: the default one, or with the hardened matching rules.
    pub(crate) fn with_profile(entries: &[Arc<Registry>], profile: Profile) -> RegistryIndex {
        let mut idx = RegistryIndex::new(entries);
        idx.profile = profile;
        if profile.is_hardened() {
            idx.hardened = Some(Box::new(hardened::HardenedIndex::new(entries)));
        }
        idx
    }

    /// Whether the hardened profile's rules apply.
    pub(crate) fn is_hardened(&self) -> bool {
        self.hardened.is_some()
    }

    /// How `prefix` matches `r` under this index's rules.
    pub(crate) fn matches(&self, r: &str, prefix: &str) -> Option<PrefixMatch> {
        matching_prefix(r, prefix, self.profile)
    }

    /// `FindRegistry`: the entry with the longest matching prefix for repository name `name`.
    pub(crate) fn find(&self, name: &str) -> Option<&CompiledRegistry> {
        if let Some(h) = &self.hardened {
            let prefix = h.find(name)?;
            return match prefix.strip_prefix('*').filter(|s| s.starts_with('.')) {
                Some(suffix) => self.wildcard.get(suffix),
                None => self.literal.get(&**prefix),
            };
        }
        let literal = self.find_literal(name);
        let wildcard = self.find_wildcard(name);
        match (literal, wildcard) {
            (None, w) => w,
            (l, None) => l,
            (Some(l), Some(w)) => {
                let (lp, wp) = (&l.entry.prefix, &w.entry.prefix);
                if lp.len() > wp.len() || (lp.len() == wp.len() && lp.as_bytes() < wp.as_bytes()) {
                    Some(l)
                } else {
                    Some(w)
                }
            }
        }
    }

    fn find_literal(&self, name: &str) -> Option<&CompiledRegistry> {
        if self.literal.is_empty() {
            return None;
        }
        if let Some(e) = self.literal.get(name) {
            return Some(e);
        }
        let bytes = name.as_bytes();
        (1..bytes.len())
            .rev()
            .filter(|&i| is_boundary(bytes[i]))
            .find_map(|i| self.literal.get(&name[..i]))
    }

    fn find_wildcard(&self, name: &str) -> Option<&CompiledRegistry> {
        if self.wildcard.is_empty() {
            return None;
        }
        let bytes = name.as_bytes();
        let host_end = bytes.iter().position(|&b| b == b'/').unwrap_or(bytes.len());
        // Leftmost dot first: the longest suffix, hence the longest prefix.
        for d in (0..host_end).filter(|&d| bytes[d] == b'.') {
            let t = bytes[d + 1..]
                .iter()
                .position(|&b| is_boundary(b))
                .map_or(bytes.len(), |p| d + 1 + p);
            let key = &name[d..t];
            if let Some(e) = self.wildcard.get(key) {
                if name.find(key) == Some(d) {
                    return Some(e);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Mirror, Registry};

    /// A plain entry for `prefix` (also used by the hardened index's tests).
    pub(super) fn reg(prefix: &str) -> Arc<Registry> {
        Arc::new(Registry {
            prefix: Arc::from(prefix),
            location: Arc::from("x.io"),
            insecure: false,
            blocked: false,
            mirror_by_digest_only: false,
            mirrors: Vec::<Mirror>::new(),
            origin: Arc::from("t"),
            defined_at: None,
            key: String::new(),
        })
    }

    /// The reference algorithm, a linear walk over sorted entries, as the oracle.
    fn linear<'a>(entries: &'a [Arc<Registry>], name: &str) -> Option<&'a str> {
        let mut best: Option<&str> = None;
        let mut best_len = 0;
        for e in entries {
            if matching_prefix(name, &e.prefix, Profile::Compatible).is_some()
                && e.prefix.len() > best_len
            {
                best = Some(&e.prefix);
                best_len = e.prefix.len();
            }
        }
        best
    }

    #[test]
    fn index_agrees_with_linear_walk() {
        let mut prefixes = vec![
            "example.com",
            "example.com/ns",
            "example.com/ns/app",
            "*.example.com",
            "a.example.com",
            "*.b.example.com",
            "c.b.example.com",
            "quay.io/x",
            "docker.io/library/alpine",
            "localhost:5000",
            "*.com",
            "",
        ];
        prefixes.sort();
        let entries: Vec<_> = prefixes.iter().map(|p| reg(p)).collect();
        let idx = RegistryIndex::new(&entries);
        for name in [
            "example.com/app",
            "example.com:5000/app",
            "example.com/ns/app",
            "example.com/ns/apps",
            "a.example.com/x",
            "c.b.example.com/x",
            "z.b.example.com:80/x",
            "x.example.com.example.com/app",
            "quay.io/x/y",
            "quay.io/xy",
            "docker.io/library/alpine",
            "localhost:5000/a",
            "localhost/a",
            "evil.com/example.com/x",
        ] {
            assert_eq!(
                idx.find(name).map(|e| &*e.entry.prefix),
                linear(&entries, name),
                "{name}"
            );
        }
    }
}
