//! The hardened profile's matching rules compiled into hash maps.

use std::sync::Arc;

use rustc_hash::FxHashMap;

/// The hardened rules compiled into hash maps (the same probing idea as the default index):
/// literal prefixes keyed with their host part in lower case, wildcards keyed by their
/// lower-case `.suffix`. A lookup lower-cases the name's host once and probes the name and each
/// cut before a `/` or `@` (or a `:` after the host), longest first, then each `.`-suffix of a
/// port-less host. Answers the entry's prefix; equal to the linear walk
/// `find_entry` under the hardened profile.
#[derive(Debug, Clone, Default)]
pub(super) struct HardenedIndex {
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
    pub(super) fn new<R: AsRef<crate::config::Registry>>(entries: &[R]) -> HardenedIndex {
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
    pub(super) fn find(&self, name: &str) -> Option<&Arc<str>> {
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
    use crate::registry_index::matcher::find_entry;
    use crate::registry_index::tests::reg;
    use crate::Profile;

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
}
