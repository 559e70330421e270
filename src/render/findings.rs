//! The surprising cases of a render, for `check --cluster-objects`: rules that are correct per
//! MCO's code but rarely what the administrator meant (the `PITFALL:` and `KNOWN BUG:` markers
//! of the corpus).

use super::mirrors::merged_sets;
use super::scope::is_nested;
use super::{digest_rules, ClusterObjects, Rendered};

/// One surprising case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable kind: `shadowed-digest-mirrors`, `shadowed-tag-mirrors`,
    /// `payload-protection-drop`, `port-scope-mismatch`, `wildcard-source-nested`,
    /// `source-kept-as-mirror`, `policy-default-reject`.
    pub kind: &'static str,
    /// What happens, for people.
    pub message: String,
}

/// The surprising cases of rendering `objects` (with `rendered` its result).
pub fn findings(objects: &ClusterObjects, rendered: &Rendered) -> Vec<Finding> {
    let mut out = Vec::new();
    if !rendered.dropped_blocked.is_empty() {
        for s in &rendered.dropped_blocked {
            out.push(Finding {
                kind: "payload-protection-drop",
                message: format!(
                    "blocked registry {s:?} is not blocked: it contains the release payload repository and no unblocked digest mirror serves it"
                ),
            });
        }
    }
    let digest = merged_sets(digest_rules(objects));
    let tags = merged_sets(objects.itms.iter().flatten());
    // An entry with mirrors of its own gets nothing from a parent set of the other kind
    // (spec rule 18, PITFALL): only the first parent in byte order would have been copied.
    for (own, own_kind, parents, parent_kind, kind) in [
        (
            &tags,
            "ImageTagMirrorSet",
            &digest,
            "digest",
            "shadowed-digest-mirrors",
        ),
        (
            &digest,
            "digest mirror set",
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
                out.push(Finding {
                    kind,
                    message: format!(
                        "{own_kind} for {:?} hides the {parent_kind} mirrors of {:?}: {parent_kind} pulls of {:?} do not use {}",
                        set.source,
                        parent.source,
                        set.source,
                        parent.mirrors.join(", ")
                    ),
                });
            }
        }
    }
    // A source that ends up among its own mirrors (written inside a list, or the cycle-breaking
    // bug of the merge): pulls try the source as a mirror too.
    for (sets, what) in [(&digest, "digest"), (&tags, "tag")] {
        for set in sets.iter() {
            if set.mirrors.contains(&set.source) {
                out.push(Finding {
                    kind: "source-kept-as-mirror",
                    message: format!(
                        "{what} mirrors of {:?} are merged as [{}]: the source itself is kept as a mirror (a list names it, or contradictory orders formed a cycle)",
                        set.source,
                        set.mirrors.join(", ")
                    ),
                });
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
        out.push(Finding {
            kind: "policy-default-reject",
            message: format!(
                "policy.json rejects every image except {}: blocking exactly the payload repository turns it into the only allowed one",
                rendered.allowed.join(", ")
            ),
        });
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
            out.push(Finding {
                kind: "port-scope-mismatch",
                message: format!(
                    "{what} {scope:?} does not cover {other:?}: a scope without a port never matches a host with a port"
                ),
            });
        }
    }
    // Wildcard sources with nested entries that have no mirrors make MCO fail (known bug).
    if let Some(e) = rendered.error() {
        if e.message()
            .contains("mirrorsAdjustedForNestedScope for a wildcard scope")
        {
            out.push(Finding {
                kind: "wildcard-source-nested",
                message: format!(
                    "a wildcard mirror source has nested registries.conf entries without mirrors; MCO fails: {}",
                    e.message()
                ),
            });
        }
    }
    out.dedup();
    out
}
