//! Pull sources (resolution rules 38–42): the endpoints a pull of one candidate tries, in
//! order — the applicable mirrors, then the primary location — each with the rewritten
//! reference, its own `insecure` flag and its own blocked check.

use std::sync::Arc;

use crate::config::{PullFromMirror, Registry};
use crate::error::{Error, ErrorKind};
use crate::reference::Reference;
use crate::registry_index::{ref_matching_prefix, RegistryIndex};

/// One endpoint to try for a candidate.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PullSource {
    /// The reference to request from this endpoint.
    pub reference: Reference,
    /// The endpoint location as configured (the candidate itself when no entry matched).
    pub location: Arc<str>,
    /// The endpoint's own `insecure` flag.
    pub insecure: bool,
    /// Whether this is a mirror (the primary is always last).
    pub mirror: bool,
    /// Why a pull from this source is refused (it lies under a blocked entry).
    pub error: Option<Error>,
}

/// What the blocked message names as the configuration files.
#[derive(Debug, Clone)]
pub(crate) struct BlockedText {
    pub main: Arc<str>,
    pub dir: Arc<str>,
}

fn blocked_check(index: &RegistryIndex, name: &str, text: &BlockedText) -> Option<Error> {
    let e = index.find(name)?;
    e.blocked.then(|| {
        Error::new(
            ErrorKind::Blocked,
            format!(
                "registry {} is blocked in {} or {}",
                e.prefix, text.main, text.dir
            ),
        )
    })
}

/// Computes the pull sources of `candidate` governed by `entry` (rules 38–42).
pub(crate) fn pull_sources(
    index: &RegistryIndex,
    entry: Option<&Arc<Registry>>,
    candidate: &Reference,
    text: &BlockedText,
) -> Result<Vec<PullSource>, Error> {
    let Some(entry) = entry else {
        return Ok(vec![PullSource {
            reference: candidate.clone(),
            location: Arc::from(candidate.as_str()),
            insecure: false,
            mirror: false,
            error: blocked_check(index, candidate.name(), text),
        }]);
    };
    let digested = candidate.digest().is_some();
    let use_mirror = |p: PullFromMirror| {
        if entry.mirror_by_digest_only {
            return digested;
        }
        match p {
            PullFromMirror::DigestOnly => digested,
            PullFromMirror::TagOnly => !digested,
            PullFromMirror::Unset | PullFromMirror::All => true,
        }
    };
    let s = candidate.as_str();
    let k = ref_matching_prefix(s, &entry.prefix).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidRewrite("prefix"),
            format!("invalid prefix '{}' for reference '{s}'", entry.prefix),
        )
    })?;
    let rest = &s[k..];
    let mut out = Vec::with_capacity(entry.mirrors.len() + 1);
    let endpoints = entry
        .mirrors
        .iter()
        .filter(|m| use_mirror(m.pull_from_mirror))
        .map(|m| (&m.location, m.insecure, true))
        .chain(std::iter::once((&entry.location, entry.insecure, false)));
    for (location, insecure, mirror) in endpoints {
        let reference = if location.is_empty() {
            candidate.clone()
        } else {
            let mut new = String::with_capacity(location.len() + rest.len());
            new.push_str(location);
            new.push_str(rest);
            Reference::from_canonical_string(new).map_err(|e| {
                Error::reference(ErrorKind::InvalidRewrite, "rewriting reference: ", &e)
            })?
        };
        let error = blocked_check(index, reference.name(), text);
        out.push(PullSource {
            reference,
            location: location.clone(),
            insecure,
            mirror,
            error,
        });
    }
    Ok(out)
}
