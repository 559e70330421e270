//! Pull sources (resolution rules 38–42): the endpoints a pull of one candidate tries, in
//! order — the applicable mirrors, then the primary location — each with the rewritten
//! reference, its own `insecure` flag and its own blocked check.

use crate::config::PullFromMirror;
use crate::error::{Error, ErrorKind};
use crate::reference::Reference;
use crate::registry_index::{CompiledRegistry, RegistryIndex};

/// One endpoint to try for a candidate. Borrows the configuration it came from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PullSource<'a> {
    /// The reference to request from this endpoint.
    pub reference: Reference,
    /// The endpoint location as configured; `None` when no `[[registry]]` entry governs the
    /// candidate (the endpoint is then the candidate reference itself).
    pub location: Option<&'a str>,
    /// The endpoint's own `insecure` flag.
    pub insecure: bool,
    /// Whether this is a mirror (the primary is always last).
    pub mirror: bool,
    /// Why a pull from this source is refused (it lies under a blocked entry).
    pub error: Option<Error>,
}

impl PullSource<'_> {
    /// The endpoint location as the corpus shows it: the configured location, or the
    /// reference itself when no entry matched.
    pub fn location_str(&self) -> &str {
        self.location.unwrap_or(self.reference.as_str())
    }
}

/// What the blocked message names as the configuration files, after `is blocked `: v5.23
/// `in <main> or <dir>`, v5.40 `in one of ["<candidate>" ...]` (decided by discovery).
#[derive(Debug, Clone)]
pub(crate) struct BlockedText {
    pub sources: std::sync::Arc<str>,
}

fn blocked_check(index: &RegistryIndex, name: &str, text: &BlockedText) -> Option<Error> {
    if !index.any_blocked {
        return None;
    }
    let e = &index.find(name)?.entry;
    e.blocked.then(|| blocked_error(&e.prefix, text))
}

fn blocked_error(prefix: &str, text: &BlockedText) -> Error {
    Error::new(
        ErrorKind::Blocked,
        format!("registry {prefix} is blocked {}", text.sources),
    )
}

/// Computes the pull sources of `candidate` governed by `entry` (rules 38–42).
pub(crate) fn pull_sources<'a>(
    index: &'a RegistryIndex,
    entry: Option<&'a CompiledRegistry>,
    candidate: &Reference,
    text: &BlockedText,
) -> Result<Vec<PullSource<'a>>, Error> {
    let Some(compiled) = entry else {
        return Ok(vec![PullSource {
            reference: candidate.clone(),
            location: None,
            insecure: false,
            mirror: false,
            error: blocked_check(index, candidate.name(), text),
        }]);
    };
    let entry = &compiled.entry;
    let digested = candidate.digest().is_some();
    let use_endpoint = |p: PullFromMirror, mirror: bool| {
        if !mirror {
            return true;
        }
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
    let k = index.match_len(s, &entry.prefix).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidRewrite("prefix"),
            format!("invalid prefix '{}' for reference '{s}'", entry.prefix),
        )
    })?;
    let mut out = Vec::with_capacity(compiled.endpoints.len());
    for ep in compiled
        .endpoints
        .iter()
        .filter(|ep| use_endpoint(ep.pull_from_mirror, ep.mirror))
    {
        let reference = if ep.location.is_empty() {
            candidate.clone()
        } else {
            candidate.rewrite(&ep.location, ep.shape, k).map_err(|e| {
                Error::reference(ErrorKind::InvalidRewrite, "rewriting reference: ", &e)
            })?
        };
        let mut error = blocked_check(index, reference.name(), text);
        // Hardened profile: a blocked entry's own primary endpoint is refused too, wherever
        // its location points (its mirrors keep their own check).
        if error.is_none() && entry.blocked && !ep.mirror && index.is_hardened() {
            error = Some(blocked_error(&entry.prefix, text));
        }
        out.push(PullSource {
            reference,
            location: Some(&ep.location),
            insecure: ep.insecure,
            mirror: ep.mirror,
            error,
        });
    }
    Ok(out)
}
