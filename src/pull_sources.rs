//! Pull sources (resolution rules 38–42): the endpoints a pull of one candidate tries, in
//! order — the applicable mirrors, then the primary location — each with the rewritten
//! reference, its own `insecure` flag and its own blocked check.

use crate::config::{PullFromMirror, Registry};
use crate::error::{Error, ErrorKind};
use crate::reference::Reference;
use crate::registry_index::{CompiledRegistry, RegistryIndex};

/// One endpoint to try for a candidate. Borrows the configuration it came from.
///
/// ```
/// use shortnames::{ConfigSources, Resolver};
///
/// let resolver = Resolver::new(&ConfigSources::from_text("r.conf", r#"
/// [[registry]]
/// location = "quay.io"
/// [[registry.mirror]]
/// location = "mirror.example.com/quay"
/// insecure = true
/// "#));
/// let r = resolver.resolve("quay.io/team/app:1").unwrap();
/// let sources = r.candidates[0].sources.as_ref().unwrap();
/// assert!(sources[0].mirror && sources[0].insecure && sources[0].error.is_none());
/// assert_eq!(sources[0].location, Some("mirror.example.com/quay"));
/// assert_eq!((sources[1].mirror, sources[1].location_str()), (false, "quay.io"));
/// ```
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

/// Why an endpoint was kept or skipped (the rule that decided it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// The entry's `mirror-by-digest-only`.
    MirrorByDigestOnly,
    /// The mirror's `pull-from-mirror` setting.
    PullFromMirror(PullFromMirror),
    /// The entry's primary location, always tried last.
    Primary,
    /// No entry governs the candidate: the reference itself.
    NoEntry,
}

/// One decision of [`pull_sources`], in the order it was taken (what `explain` prints).
#[derive(Debug, Clone)]
pub(crate) enum Decision<'a> {
    /// An endpoint of the entry was used: `source` indexes the result.
    Kept {
        source: usize,
        rule: Rule,
        digested: bool,
    },
    /// A mirror was not used for this reference.
    Skipped {
        location: &'a str,
        rule: Rule,
        digested: bool,
    },
    /// The source `source` is refused because `by` is blocked (under the hardened profile,
    /// `by` can be the entry whose own primary endpoint this is).
    Blocked { source: usize, by: &'a Registry },
    /// The entry is blocked but its primary endpoint is not under a blocked entry, so the
    /// compatible profile does not refuse it (KNOWN BUG of the reference).
    BlockedEntryPrimaryAllowed { entry: &'a Registry },
}

/// Receives the decisions of [`pull_sources`]; `()` ignores them (the pull path).
pub(crate) trait Trace<'a> {
    /// Records one decision.
    fn decided(&mut self, d: Decision<'a>);
}

impl<'a> Trace<'a> for () {
    #[inline(always)]
    fn decided(&mut self, _: Decision<'a>) {}
}

impl<'a> Trace<'a> for Vec<Decision<'a>> {
    fn decided(&mut self, d: Decision<'a>) {
        self.push(d);
    }
}

/// The blocked entry governing `name`, if any.
fn blocker<'a>(index: &'a RegistryIndex, name: &str) -> Option<&'a Registry> {
    if !index.any_blocked {
        return None;
    }
    let e = &index.find(name)?.entry;
    e.blocked.then_some(&**e)
}

fn blocked_error(prefix: &str, text: &BlockedText) -> Error {
    Error::new(
        ErrorKind::Blocked,
        format!("registry {prefix} is blocked {}", text.sources),
    )
}

/// Computes the pull sources of `candidate` governed by `entry` (rules 38–42), reporting
/// each decision to `trace`.
pub(crate) fn pull_sources<'a>(
    index: &'a RegistryIndex,
    entry: Option<&'a CompiledRegistry>,
    candidate: &Reference,
    text: &BlockedText,
    trace: &mut impl Trace<'a>,
) -> Result<Vec<PullSource<'a>>, Error> {
    let digested = candidate.digest().is_some();
    let Some(compiled) = entry else {
        trace.decided(Decision::Kept {
            source: 0,
            rule: Rule::NoEntry,
            digested,
        });
        let by = blocker(index, candidate.name());
        if let Some(by) = by {
            trace.decided(Decision::Blocked { source: 0, by });
        }
        return Ok(vec![PullSource {
            reference: candidate.clone(),
            location: None,
            insecure: false,
            mirror: false,
            error: by.map(|b| blocked_error(&b.prefix, text)),
        }]);
    };
    let entry = &compiled.entry;
    // Which rule decides whether an endpoint is used, and its answer.
    let use_endpoint = |p: PullFromMirror, mirror: bool| {
        if !mirror {
            return (Rule::Primary, true);
        }
        if entry.mirror_by_digest_only {
            return (Rule::MirrorByDigestOnly, digested);
        }
        let used = match p {
            PullFromMirror::DigestOnly => digested,
            PullFromMirror::TagOnly => !digested,
            PullFromMirror::Unset | PullFromMirror::All => true,
        };
        (Rule::PullFromMirror(p), used)
    };
    let s = candidate.as_str();
    let k = index
        .matches(s, &entry.prefix)
        .map(|m| m.len)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidRewrite("prefix"),
                format!("invalid prefix '{}' for reference '{s}'", entry.prefix),
            )
        })?;
    let mut out = Vec::with_capacity(compiled.endpoints.len());
    for ep in compiled.endpoints.iter() {
        let (rule, used) = use_endpoint(ep.pull_from_mirror, ep.mirror);
        if !used {
            trace.decided(Decision::Skipped {
                location: &ep.location,
                rule,
                digested,
            });
            continue;
        }
        let reference = if ep.location.is_empty() {
            candidate.clone()
        } else {
            candidate.rewrite(&ep.location, ep.shape, k).map_err(|e| {
                Error::reference(ErrorKind::InvalidRewrite, "rewriting reference: ", &e)
            })?
        };
        let source = out.len();
        trace.decided(Decision::Kept {
            source,
            rule,
            digested,
        });
        let mut by = blocker(index, reference.name());
        // Hardened profile: a blocked entry's own primary endpoint is refused too, wherever
        // its location points (its mirrors keep their own check).
        if by.is_none() && entry.blocked && !ep.mirror {
            if index.is_hardened() {
                by = Some(&**entry);
            } else {
                trace.decided(Decision::BlockedEntryPrimaryAllowed { entry });
            }
        }
        if let Some(by) = by {
            trace.decided(Decision::Blocked { source, by });
        }
        out.push(PullSource {
            reference,
            location: Some(&ep.location),
            insecure: ep.insecure,
            mirror: ep.mirror,
            error: by.map(|b| blocked_error(&b.prefix, text)),
        });
    }
    Ok(out)
}
