//! policy.json (`updatePolicyJSON`; spec rules 26–30), encoded as Go's
//! `json.MarshalIndent(policy, "", "  ")`.

use std::collections::BTreeMap;

use super::scope::is_valid_scope;
use super::templates::POLICY_JSON;

/// Builds policy.json from the template. `Err` is MCO's message (without its wrapper).
pub(crate) fn policy_json(
    policy_blocked: &[String],
    allowed: &[String],
    payload_repo: &str,
) -> Result<String, String> {
    let payload_only = allowed.len() == 1 && allowed[0] == payload_repo;
    if !allowed.is_empty() && !policy_blocked.is_empty() && !payload_only {
        return Err(
            "invalid images config: only one of AllowedRegistries or BlockedRegistries may be specified"
                .to_owned(),
        );
    }
    for s in policy_blocked {
        if !is_valid_scope(s) {
            return Err(format!(
                "invalid entry for blocked registries {}",
                crate::quote::Q(s)
            ));
        }
    }
    for s in allowed {
        if !is_valid_scope(s) {
            return Err(format!(
                "invalid entry for allowed registries {}",
                crate::quote::Q(s)
            ));
        }
    }
    let mut policy: serde_json::Value =
        serde_json::from_str(POLICY_JSON).expect("the embedded policy.json template is valid");
    let mut scopes: BTreeMap<&str, &str> = BTreeMap::new();
    if !allowed.is_empty() {
        policy["default"] = requirement("reject");
        for s in allowed {
            scopes.insert(s, "insecureAcceptAnything");
        }
    }
    if !policy_blocked.is_empty() {
        policy["default"] = requirement("insecureAcceptAnything");
        for s in policy_blocked {
            scopes.insert(s, "reject");
        }
    }
    if !scopes.is_empty() {
        let docker: serde_json::Map<String, serde_json::Value> = scopes
            .iter()
            .map(|(s, t)| (s.to_string(), requirement(t)))
            .collect();
        let atomic: serde_json::Map<String, serde_json::Value> = docker
            .iter()
            .filter(|(s, _)| s.matches('/').count() < 3)
            .map(|(s, v)| (s.clone(), v.clone()))
            .collect();
        policy["transports"]["docker"] = serde_json::Value::Object(docker);
        policy["transports"]["atomic"] = serde_json::Value::Object(atomic);
    }
    let mut out = String::new();
    super::gojson::write_indented(&mut out, &policy, 0);
    Ok(out)
}

fn requirement(t: &str) -> serde_json::Value {
    serde_json::json!([{ "type": t }])
}
