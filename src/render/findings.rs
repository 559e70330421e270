//! The surprising cases of a render, for `check --cluster-objects`: rules that are correct per
//! MCO's code but rarely what the administrator meant (the `PITFALL:` and `KNOWN BUG:` markers
//! of the corpus).

use super::mirrors::merged_sets;
use super::scope::is_nested;
use super::{digest_rules, ClusterObjects, Rendered};

/// One surprising case.
///
/// ```
/// use shortnames::render::{findings, render_registries, ClusterObjects};
///
/// // An insecure scope without a port never covers a source with one.
/// let objects = ClusterObjects::read(b"apiVersion: config.openshift.io/v1
/// kind: ImageDigestMirrorSet
/// metadata: {name: a}
/// spec:
///   imageDigestMirrors:
///   - source: registry.example.com:5000/ns
///     mirrors: [m.example.net/ns]
/// ---
/// apiVersion: config.openshift.io/v1
/// kind: Image
/// metadata: {name: cluster}
/// spec:
///   registrySources:
///     insecureRegistries: [registry.example.com]
/// ").unwrap();
/// let rendered = render_registries(&objects, None);
/// let f = &findings(&objects, &rendered)[0];
/// assert_eq!(f.kind, "port-scope-mismatch");
/// assert!(f.message.contains("a scope without a port never matches a host with a port"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFinding {
    /// A stable kind: `shadowed-digest-mirrors`, `shadowed-tag-mirrors`,
    /// `payload-protection-drop`, `port-scope-mismatch`, `wildcard-source-nested`,
    /// `source-kept-as-mirror`, `policy-default-reject`.
    pub kind: &'static str,
    /// What happens, for people.
    pub message: String,
    /// The manifest the finding points at, when known.
    pub file: Option<String>,
    /// Where in it (the `source` of the mirror entry concerned).
    pub location: Option<crate::Location>,
}

impl ObjectFinding {
    fn new(kind: &'static str, message: String) -> ObjectFinding {
        ObjectFinding {
            kind,
            message,
            file: None,
            location: None,
        }
    }

    /// Points the finding at the first mirror entry of `source` (of the tag or digest kind).
    fn at(self, objects: &ClusterObjects, source: &str, tag: bool) -> ObjectFinding {
        let rule = if tag {
            objects.itms.iter().flatten().find(|r| r.source == source)
        } else {
            digest_rules(objects)
                .into_iter()
                .find(|r| r.source == source)
        };
        self.at_rule(rule)
    }

    /// Points the finding at the first mirror entry whose source, or one of whose mirrors, is
    /// `scope`.
    fn at_scope(self, objects: &ClusterObjects, scope: &str) -> ObjectFinding {
        let all: Vec<&super::mirrors::MirrorRule> = digest_rules(objects)
            .into_iter()
            .chain(objects.itms.iter().flatten())
            .collect();
        let rule = all
            .iter()
            .find(|r| r.source == scope)
            .or_else(|| all.iter().find(|r| r.mirrors.iter().any(|m| m == scope)))
            .copied();
        self.at_rule(rule)
    }

    fn at_rule(mut self, rule: Option<&super::mirrors::MirrorRule>) -> ObjectFinding {
        if let Some(r) = rule {
            self.file = r.at.file.as_deref().map(str::to_owned);
            self.location = r.at.location;
        }
        self
    }
}

/// The surprising cases of rendering `objects` (with `rendered` its result).
///
/// ```
/// use shortnames::render::{findings, render_registries, ClusterObjects};
///
/// // An insecure scope without a port never covers a source with one.
/// let objects = ClusterObjects::read(b"apiVersion: config.openshift.io/v1
/// kind: ImageDigestMirrorSet
/// metadata: {name: a}
/// spec:
///   imageDigestMirrors:
///   - source: registry.example.com:5000/ns
///     mirrors: [m.example.net/ns]
/// ---
/// apiVersion: config.openshift.io/v1
/// kind: Image
/// metadata: {name: cluster}
/// spec:
///   registrySources:
///     insecureRegistries: [registry.example.com]
/// ").unwrap();
/// let rendered = render_registries(&objects, None);
/// assert_eq!(findings(&objects, &rendered).len(), 1);
/// ```
pub fn findings(objects: &ClusterObjects, rendered: &Rendered) -> Vec<ObjectFinding> {
    let mut out = Vec::new();
    if !rendered.dropped_blocked.is_empty() {
        for s in &rendered.dropped_blocked {
            out.push(ObjectFinding::new(
                "payload-protection-drop",
                format!(
                    "blocked registry {s:?} is not blocked: it contains the release payload repository and no unblocked digest mirror serves it"
                ),
            ));
        }
    }
    let digest = merged_sets(digest_rules(objects));
    let tags = merged_sets(objects.itms.iter().flatten());
    // An entry with mirrors of its own gets nothing from a parent set of the other kind
    // (spec rule 18, PITFALL): only the first parent in byte order would have been copied.
    for (own, own_kind, own_tag, parents, parent_kind, kind) in [
        (
            &tags,
            "ImageTagMirrorSet",
            true,
            &digest,
            "digest",
            "shadowed-digest-mirrors",
        ),
        (
            &digest,
            "digest mirror set",
            false,
            &tags,
            "tag",
            "shadowed-tag-mirrors",
        ),
    ] {
        for set in own.iter() {
            if parents.iter().any(|p| p.source == set.source) {
                continue;
            }
            let parent = parents
                .iter()
                .find(|p| p.source != set.source && is_nested(&set.source, &p.source));
            if let Some(parent) = parent {
                let message = format!(
                    "{own_kind} for {:?} hides the {parent_kind} mirrors of {:?}: {parent_kind} pulls of {:?} do not use {}",
                    set.source,
                    parent.source,
                    set.source,
                    parent.mirrors.join(", ")
                );
                out.push(ObjectFinding::new(kind, message).at(objects, &set.source, own_tag));
            }
        }
    }
    // A source that ends up among its own mirrors (written inside a list, or the cycle-breaking
    // bug of the merge): pulls try the source as a mirror too.
    for (sets, what, tag) in [(&digest, "digest", false), (&tags, "tag", true)] {
        for set in sets.iter() {
            if set.mirrors.contains(&set.source) {
                out.push(
                    ObjectFinding::new(
                        "source-kept-as-mirror",
                        format!(
                            "{what} mirrors of {:?} are merged as [{}]: the source itself is kept as a mirror (a list names it, or contradictory orders formed a cycle)",
                            set.source,
                            set.mirrors.join(", ")
                        ),
                    )
                    .at(objects, &set.source, tag),
                );
            }
        }
    }
    // Blocking exactly the payload repository (with a mirror) makes policy.json reject
    // everything else (KNOWN BUG).
    if rendered.error().is_none()
        && rendered.policy_blocked.is_empty()
        && !rendered.allowed.is_empty()
        && objects.allowed.as_ref().is_none_or(Vec::is_empty)
    {
        out.push(ObjectFinding::new(
            "policy-default-reject",
            format!(
                "policy.json rejects every image except {}: blocking exactly the payload repository turns it into the only allowed one",
                rendered.allowed.join(", ")
            ),
        ));
    }
    // Port scopes: `host` does not cover `host:port`.
    let mut scopes: Vec<(&str, &str)> = Vec::new();
    for s in objects.insecure.iter().flatten() {
        scopes.push((s, "insecure registry"));
    }
    for s in objects.blocked.iter().flatten() {
        scopes.push((s, "blocked registry"));
    }
    for r in digest_rules(objects)
        .into_iter()
        .chain(objects.itms.iter().flatten())
    {
        scopes.push((&r.source, "mirror source"));
    }
    let mut refs: Vec<&str> = Vec::new();
    for r in digest_rules(objects)
        .into_iter()
        .chain(objects.itms.iter().flatten())
    {
        refs.push(&r.source);
        refs.extend(r.mirrors.iter().map(String::as_str));
    }
    for (scope, what) in &scopes {
        if scope.contains(['/', ':']) || scope.starts_with("*.") {
            continue;
        }
        let with_port = format!("{scope}:");
        if let Some(other) = refs
            .iter()
            .chain(scopes.iter().map(|(s, _)| s))
            .find(|o| o.starts_with(&with_port))
        {
            let message = format!(
                "{what} {scope:?} does not cover {other:?}: a scope without a port never matches a host with a port"
            );
            out.push(ObjectFinding::new("port-scope-mismatch", message).at_scope(objects, other));
        }
    }
    // Wildcard sources with nested entries that have no mirrors make MCO fail (known bug).
    if let Some(e) = rendered.error() {
        if e.message()
            .contains("mirrorsAdjustedForNestedScope for a wildcard scope")
        {
            let message = format!(
                "a wildcard mirror source has nested registries.conf entries without mirrors; MCO fails: {}",
                e.message()
            );
            let wildcard = digest_rules(objects)
                .into_iter()
                .chain(objects.itms.iter().flatten())
                .find(|r| {
                    r.source.starts_with("*.")
                        && e.message()
                            .contains(&*crate::quote::Q(&r.source).to_string())
                })
                .map(|r| r.source.clone())
                .unwrap_or_default();
            out.push(
                ObjectFinding::new("wildcard-source-nested", message).at_scope(objects, &wildcard),
            );
        }
    }
    out.dedup();
    out
}
