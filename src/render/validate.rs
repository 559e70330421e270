//! Validation before the edit (`validateRegistriesConfScopes`, spec rules 7–9): scopes,
//! mirror-set sources and mirrors, and one mirror-source policy per exact source.

use std::collections::HashMap;

use super::mirrors::{ALLOW_CONTACTING_SOURCE, NEVER_CONTACT_SOURCE};
use super::scope::{is_valid_mirror, is_valid_scope, is_valid_source};
use super::{go_quote, ClusterObjects};

/// `validateRegistriesConfScopes` (spec rule 8): the first failure wins.
pub(crate) fn validate(
    objects: &ClusterObjects,
    insecure: &[String],
    blocked: &[String],
) -> Result<(), String> {
    if let Some(s) = insecure.iter().find(|s| !is_valid_scope(s)) {
        return Err(format!(
            "invalid entry for insecure registries {}",
            go_quote(s)
        ));
    }
    if let Some(s) = blocked.iter().find(|s| !is_valid_scope(s)) {
        return Err(format!(
            "invalid entry for blocked registries {}",
            go_quote(s)
        ));
    }
    let mut policies: HashMap<&str, &str> = HashMap::new();
    let rules = objects
        .idms
        .iter()
        .chain(&objects.icsp)
        .chain(&objects.itms)
        .flatten();
    for rule in rules {
        if !is_valid_source(&rule.source) {
            return Err(format!(
                "invalid format for source {}",
                go_quote(&rule.source)
            ));
        }
        let policy = if rule.policy.is_empty() {
            ALLOW_CONTACTING_SOURCE
        } else {
            rule.policy.as_str()
        };
        match policies.get(rule.source.as_str()) {
            Some(p) if *p != policy => {
                return Err(format!(
                    "conflicting mirrorSourcePolicy is set for the same source {} in imagedigestmirrorsets, imagetagmirrorsets, or imagecontentsourcepolicies",
                    go_quote(&rule.source)
                ));
            }
            Some(_) => {}
            None => {
                policies.insert(&rule.source, policy);
            }
        }
        for m in &rule.mirrors {
            if !is_valid_mirror(m) {
                return Err(format!("invalid format for mirror {}", go_quote(m)));
            }
            if policy == NEVER_CONTACT_SOURCE && *m == rule.source {
                return Err(format!(
                    "cannot set mirrorSourcePolicy: NeverContactSource if the source {} is one of the mirrors",
                    go_quote(&rule.source)
                ));
            }
        }
    }
    Ok(())
}
