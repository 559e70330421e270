//! `refMatchingPrefix` under both profiles: the one definition of how a `[[registry]]`
//! prefix matches a name (config-formats.md \[HARDEN\] items for the hardened rules).

use crate::profile::Profile;

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
    let host_end = || rb.iter().position(|&b| b == b'/').unwrap_or(rb.len());
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
                let host = &r[..host_end()];
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
    let via_port = !at_end && rb[pb.len()] == b':' && pb.len() < host_end();
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
#[cfg(test)]
pub(crate) fn find_entry<'a, R: AsRef<crate::config::Registry>>(
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
