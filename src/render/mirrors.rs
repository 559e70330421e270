//! Mirror sets and the registries.conf edit of openshift/runtime-utils
//! (`EditRegistriesConfig`, `mergedMirrors`, `topo.go`; spec rules 11–18).

use std::collections::{BTreeMap, BTreeSet};

use super::regconf::{Endpoint, Entry, RegistriesConf};
use super::scope::is_nested;

/// `NeverContactSource`, the policy that blocks the source.
pub(crate) const NEVER_CONTACT_SOURCE: &str = "NeverContactSource";
/// `AllowContactingSource`, the default policy.
pub(crate) const ALLOW_CONTACTING_SOURCE: &str = "AllowContactingSource";

/// One entry of an IDMS/ITMS (or an ICSP entry, with an empty policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MirrorRule {
    pub source: String,
    pub mirrors: Vec<String>,
    /// The `mirrorSourcePolicy` as written (`""` when absent).
    pub policy: String,
    /// Where the entry's `source` is: the object's index and the field path, and once read
    /// from a manifest, its line and column there.
    pub at: RuleOrigin,
}

/// Where a mirror rule comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RuleOrigin {
    pub object: usize,
    pub field: String,
    pub file: Option<std::sync::Arc<str>>,
    pub location: Option<crate::Location>,
}

/// The merged mirrors of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MergedSet {
    pub source: String,
    pub mirrors: Vec<String>,
    pub never_contact: bool,
}

/// Groups `rules` by exact source, skips the ones without a real mirror, and merges each
/// group's lists (rule 11–12). The result is in byte order of source.
pub(crate) fn merged_sets<'a>(rules: impl IntoIterator<Item = &'a MirrorRule>) -> Vec<MergedSet> {
    let mut groups: BTreeMap<&str, (Vec<&[String]>, bool)> = BTreeMap::new();
    for r in rules {
        if !r.mirrors.iter().any(|m| *m != r.source) {
            continue;
        }
        let g = groups.entry(r.source.as_str()).or_default();
        g.0.push(&r.mirrors);
        g.1 |= r.policy == NEVER_CONTACT_SOURCE;
    }
    groups
        .into_iter()
        .map(|(source, (lists, never_contact))| MergedSet {
            source: source.to_owned(),
            mirrors: merge_lists(source, &lists),
            never_contact,
        })
        .collect()
}

/// `mergedMirrors`: a topological sort of the preference edges of every list, breaking
/// cycles with the first unused node in byte order; a source that comes out last is dropped.
fn merge_lists(source: &str, lists: &[&[String]]) -> Vec<String> {
    #[derive(Default)]
    struct Node {
        ins: BTreeSet<String>,
        outs: BTreeSet<String>,
        used: bool,
    }
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut edge = |from: &str, to: &str| {
        nodes
            .entry(from.to_owned())
            .or_default()
            .outs
            .insert(to.to_owned());
        nodes
            .entry(to.to_owned())
            .or_default()
            .ins
            .insert(from.to_owned());
    };
    for list in lists {
        for pair in list.windows(2) {
            edge(&pair[0], &pair[1]);
        }
        if !list.iter().any(|m| m == source) {
            if let Some(last) = list.last() {
                edge(last, source);
            }
        }
    }
    let all: Vec<String> = nodes.keys().cloned().collect();
    let mut queue: std::collections::VecDeque<String> = all
        .iter()
        .filter(|n| nodes[*n].ins.is_empty())
        .cloned()
        .collect();
    let mut res: Vec<String> = Vec::with_capacity(all.len());
    let mut next_index = 0;
    while !queue.is_empty() || next_index < all.len() {
        let node = match queue.pop_front() {
            Some(n) => n,
            None => {
                let n = all[next_index].clone();
                next_index += 1;
                if nodes[&n].used {
                    continue;
                }
                n
            }
        };
        nodes.get_mut(&node).expect("node exists").used = true;
        let outs: Vec<String> = nodes[&node].outs.iter().cloned().collect();
        let mut batch = Vec::new();
        for out in outs {
            let o = nodes.get_mut(&out).expect("node exists");
            o.ins.remove(&node);
            if o.ins.is_empty() && !o.used {
                batch.push(out);
            }
        }
        // `outs` is a sorted set, so `batch` already is in byte order.
        queue.extend(batch);
        res.push(node);
    }
    if res.last().map(String::as_str) == Some(source) {
        res.pop();
    }
    res
}

/// An `EditRegistriesConfig` failure (its exact text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EditError(pub String);

/// `getRegistryEntry`: the index of the entry of `scope`, appended when missing.
fn entry_for(conf: &mut RegistriesConf, scope: &str) -> usize {
    if let Some(i) = conf.entry_index(scope) {
        return i;
    }
    let mut e = Entry::default();
    if scope.starts_with("*.") {
        e.prefix = scope.to_owned();
    } else {
        e.location = scope.to_owned();
    }
    let list = conf.registries.get_or_insert_with(Vec::new);
    list.push(e);
    list.len() - 1
}

/// Edits `conf` in place (rules 13–18).
pub(crate) fn edit(
    conf: &mut RegistriesConf,
    insecure: &[String],
    blocked: &[String],
    digest_sets: &[MergedSet],
    tag_sets: &[MergedSet],
) -> Result<(), EditError> {
    for (sets, pull) in [(digest_sets, "digest-only"), (tag_sets, "tag-only")] {
        for set in sets {
            let i = entry_for(conf, &set.source);
            let e = &mut conf.registries.as_mut().expect("entry exists")[i];
            if set.never_contact {
                e.blocked = true;
            }
            e.mirrors.extend(set.mirrors.iter().map(|m| Endpoint {
                location: m.clone(),
                insecure: false,
                pull_from_mirror: pull.to_owned(),
            }));
        }
    }
    for scope in blocked {
        entry_for(conf, scope);
    }
    for scope in insecure {
        let i = entry_for(conf, scope);
        let list = conf.registries.as_mut().expect("entry exists");
        list[i].insecure = true;
        for e in list.iter_mut() {
            if is_nested(e.scope(), scope) {
                e.insecure = true;
            }
            for m in e.mirrors.iter_mut() {
                if is_nested(&m.location, scope) {
                    m.insecure = true;
                }
            }
        }
    }
    for scope in blocked {
        let i = entry_for(conf, scope);
        let list = conf.registries.as_mut().expect("entry exists");
        list[i].blocked = true;
        for e in list.iter_mut() {
            if is_nested(e.scope(), scope) {
                e.blocked = true;
            }
        }
    }
    for set in digest_sets.iter().chain(tag_sets) {
        let i = entry_for(conf, &set.source);
        let list = conf.registries.as_mut().expect("entry exists");
        let parent_scope = list[i].scope().to_owned();
        for j in 0..list.len() {
            let scope = list[j].scope();
            if scope != parent_scope
                && is_nested(scope, &parent_scope)
                && list[j].mirrors.is_empty()
            {
                let adjusted = adjust_for_nested(&parent_scope, scope, &list[i].mirrors)?;
                list[j].mirrors = adjusted;
            }
        }
    }
    Ok(())
}

/// `mirrorsAdjustedForNestedScope`.
fn adjust_for_nested(
    parent: &str,
    sub: &str,
    mirrors: &[Endpoint],
) -> Result<Vec<Endpoint>, EditError> {
    if parent.starts_with("*.") {
        return Err(EditError(format!(
            "internal error: mirrorsAdjustedForNestedScope for a wildcard scope {}",
            super::go_quote(parent)
        )));
    }
    let Some(rest) = sub.strip_prefix(parent) else {
        return Err(EditError(format!(
            "internal error: mirrorsAdjustedForNestedScope with unexpected scopes {} and {}",
            super::go_quote(parent),
            super::go_quote(sub)
        )));
    };
    Ok(mirrors
        .iter()
        .map(|m| Endpoint {
            location: format!("{}{rest}", m.location),
            ..m.clone()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(source: &str, lists: &[&[&str]]) -> Vec<String> {
        let owned: Vec<Vec<String>> = lists
            .iter()
            .map(|l| l.iter().map(|s| s.to_string()).collect())
            .collect();
        let refs: Vec<&[String]> = owned.iter().map(|l| l.as_slice()).collect();
        merge_lists(source, &refs)
    }

    #[test]
    fn merge_orders() {
        assert_eq!(merge("s", &[&["b", "c"], &["a", "b"]]), ["a", "b", "c"]);
        assert_eq!(merge("s", &[&["y", "x"], &["b"]]), ["b", "y", "x"]);
        // A cycle broken at the source, which sorts first: it stays as the first mirror.
        assert_eq!(
            merge("r.io", &[&["x.net", "y.net"], &["y.net", "x.net"]]),
            ["r.io", "x.net", "y.net"]
        );
        assert_eq!(merge("s", &[&["a", "s", "b"]]), ["a", "s", "b"]);
    }
}
