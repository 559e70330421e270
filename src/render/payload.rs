//! Payload protection (`getValidBlockedAndAllowedRegistries`, `payloadRepoHasUnblockedMirror`;
//! spec rules 21–25): blocking the registry the release payload comes from is refused unless
//! the payload can be pulled from a mirror that is not blocked.

use super::mirrors::{edit, merged_sets, MirrorRule};
use super::regconf::RegistriesConf;
use super::scope::is_nested;
use super::scratch::ScratchDir;
use crate::{ConfigSources, Reference, Resolver};

/// MCO's fatal error when the release image does not parse as a canonical reference.
pub(crate) const RELEASE_IMAGE_ERROR: &str = "error parsing reference of release image";

/// The three lists the payload check produces, and its non-fatal problem.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockLists {
    /// Scopes blocked in registries.conf.
    pub registries_blocked: Vec<String>,
    /// Scopes rejected by policy.json.
    pub policy_blocked: Vec<String>,
    /// Scopes accepted by policy.json (default reject when non-empty).
    pub allowed: Vec<String>,
    /// The warning MCO logs, if any.
    pub warning: Option<String>,
    /// The blocked scopes dropped because they would block the payload.
    pub dropped: Vec<String>,
}

/// Runs the payload check. `Err` is the fatal release-image error.
pub(crate) fn block_lists(
    release_image: &str,
    insecure: &[String],
    blocked: &[String],
    allowed: &[String],
    digest_rules: &[&MirrorRule],
) -> Result<BlockLists, String> {
    let payload =
        Reference::parse_canonical(release_image).map_err(|_| RELEASE_IMAGE_ERROR.to_owned())?;
    let payload_repo = payload.name().to_owned();
    let mut out = BlockLists::default();
    for reg in blocked {
        if !is_nested(&payload_repo, reg) {
            out.registries_blocked.push(reg.clone());
            out.policy_blocked.push(reg.clone());
            continue;
        }
        match has_unblocked_mirror(&payload, insecure, blocked, digest_rules) {
            Err(e) => {
                // MCO returns nil lists with the error: everything blocked or allowed is lost.
                return Ok(BlockLists {
                    warning: Some(e),
                    dropped: blocked.to_vec(),
                    ..BlockLists::default()
                });
            }
            Ok(false) => out.dropped.push(reg.clone()),
            Ok(true) => {
                out.registries_blocked.push(reg.clone());
                if *reg != payload_repo {
                    out.policy_blocked.push(reg.clone());
                }
                out.allowed.push(payload_repo.clone());
            }
        }
    }
    if !out.dropped.is_empty() {
        let quoted: Vec<String> = out
            .dropped
            .iter()
            .map(|s| crate::quote::Q(s).to_string())
            .collect();
        out.warning = Some(format!(
            "error adding [{}] to blocked registries, cannot block the repository being used by the payload",
            quoted.join(" ")
        ));
    }
    out.allowed.extend(allowed.iter().cloned());
    Ok(out)
}

/// Renders the scratch registries.conf MCO writes to a temporary file (empty base, the
/// insecure and blocked scopes, the digest mirror sets), loads it with this crate's loader and
/// asks for the pull sources of the release image itself: is one of them outside every
/// blocked scope?
fn has_unblocked_mirror(
    payload: &Reference,
    insecure: &[String],
    blocked: &[String],
    digest_rules: &[&MirrorRule],
) -> Result<bool, String> {
    let mut scratch = RegistriesConf::default();
    let sets = merged_sets(digest_rules.iter().copied());
    edit(&mut scratch, insecure, blocked, &sets, &[]).map_err(|e| e.0)?;
    let text = scratch.encode();
    let dir = ScratchDir::new().map_err(|e| format!("creating a scratch registries.conf: {e}"))?;
    let file = dir.path().join("registries.conf");
    std::fs::write(&file, text).map_err(|e| format!("writing {}: {e}", file.display()))?;
    let resolver = Resolver::new(
        &ConfigSources::new()
            .registries_conf(&file)
            .registries_conf_d(dir.path().join("registries.conf.d")),
    );
    if resolver
        .find_registry(payload.name())
        .map_err(|e| e.to_string())?
        .is_none()
    {
        return Ok(false);
    }
    let sources = resolver.pull_sources(payload).map_err(|e| e.to_string())?;
    Ok(sources.iter().any(|s| {
        let name = s.reference.name();
        !blocked.iter().any(|b| is_nested(name, b))
    }))
}
