//! Scopes as MCO and openshift/runtime-utils see them: validity (spec rule 7), nesting
//! (rule 19) and the CRD patterns MCO re-checks for mirror sources and mirrors (rule 9).

/// `IsValidRegistriesConfScope`: `""` is invalid; without `*` anything goes; with `*` only
/// `*.` followed by text free of `/ @ : *`.
pub(crate) fn is_valid_scope(scope: &str) -> bool {
    if scope.is_empty() {
        return false;
    }
    if !scope.contains('*') {
        return true;
    }
    match scope.strip_prefix("*.") {
        Some(rest) => !rest.contains(['/', '@', ':', '*']),
        None => false,
    }
}

/// `ScopeIsNestedInsideScope(sub, sup)`: equal, or `sub` continues `sup` at a `/`, or `sup`
/// is `*.D` and the host part of `sub` ends with `.D` (a `:` ends the host part, and then the
/// part before it must not contain `/`).
pub(crate) fn is_nested(sub: &str, sup: &str) -> bool {
    if sub == sup {
        return true;
    }
    if sub.len() > sup.len() && sub.starts_with(sup) && sub.as_bytes()[sup.len()] == b'/' {
        return true;
    }
    let Some(domain) = sup.strip_prefix('*') else {
        return false;
    };
    if !domain.starts_with('.') {
        return false;
    }
    match sub.split_once(':') {
        Some((host, _)) => host.ends_with(domain) && !host.contains('/'),
        None => sub.split('/').next().unwrap_or("").ends_with(domain),
    }
}

/// The mirror pattern of the openshift/api CRDs: `host[:port]` followed by lower-case path
/// components (rule 9).
pub(crate) fn is_valid_mirror(s: &str) -> bool {
    let (host, path) = match s.find('/') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let (name, port) = match host.split_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    if !name.split('.').all(is_label) {
        return false;
    }
    if let Some(p) = port {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    if path.is_empty() {
        return true;
    }
    // Every component after a `/` must be a valid path component.
    path[1..].split('/').all(is_path_component)
}

/// The source pattern: a mirror, or `*` followed by one or more `.label`.
pub(crate) fn is_valid_source(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("*.") {
        return rest.split('.').all(is_label);
    }
    is_valid_mirror(s)
}

/// `[a-zA-Z0-9]` or `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
fn is_label(l: &str) -> bool {
    let b = l.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_follows_runtime_utils() {
        assert!(is_nested("registry.example.com/ns", "registry.example.com"));
        assert!(!is_nested(
            "registry.example.com:5000/ns",
            "registry.example.com"
        ));
        assert!(is_nested("x.example.com", "*.example.com"));
        assert!(is_nested("x.y.example.com:5000/p", "*.example.com"));
        assert!(is_nested("*.x.example.com", "*.example.com"));
        assert!(!is_nested("example.com", "*.example.com"));
        assert!(!is_nested("q.io/x.example.com", "*.example.com"));
        assert!(!is_nested("q.io/x.example.com:5000", "*.example.com"));
    }

    #[test]
    fn patterns() {
        assert!(is_valid_mirror("mirror.corp.example.net:5000/a/b-c__d.e"));
        assert!(is_valid_mirror("10.0.0.1:5000/x"));
        assert!(is_valid_mirror("localhost"));
        assert!(is_valid_mirror("a/b---c"));
        assert!(!is_valid_mirror("registry.redhat.io/UBI9"));
        assert!(!is_valid_mirror("registry.redhat.io/"));
        assert!(!is_valid_mirror("registry.redhat.io//x"));
        assert!(!is_valid_mirror("registry.redhat.io/ubi9:latest"));
        assert!(!is_valid_mirror("a/b___c"));
        assert!(!is_valid_mirror("a/b.-c"));
        assert!(!is_valid_mirror(""));
        assert!(!is_valid_mirror("-a.io"));
        assert!(!is_valid_mirror("a.io:"));
        assert!(is_valid_source("*.example.com"));
        assert!(!is_valid_source("*.example.com/ns"));
        assert!(!is_valid_source("*"));
        assert!(!is_valid_mirror("*.example.com"));
    }

    #[test]
    fn scope_validity() {
        assert!(!is_valid_scope(""));
        assert!(is_valid_scope("http://anything goes"));
        assert!(is_valid_scope("*.example.com"));
        assert!(!is_valid_scope("*.example.com:5000"));
        assert!(!is_valid_scope("a.*.example.com"));
        assert!(!is_valid_scope("*.a.*.com"));
    }
}
