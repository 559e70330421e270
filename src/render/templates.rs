//! MCO's base templates for `/etc/containers/registries.conf` and `/etc/containers/policy.json`
//! (spec rule 2), embedded from `render/base/` (see its PROVENANCE.md).

/// The template registries.conf every pool starts from.
///
/// ```
/// assert!(shortnames::render::TEMPLATE_REGISTRIES_CONF.contains("unqualified-search-registries"));
/// ```
pub const REGISTRIES_CONF: &str = include_str!("../../render/base/registries.conf");

/// The template policy.json (no final newline), the base of every generated policy.json.
///
/// ```
/// let policy: serde_json::Value = serde_json::from_str(shortnames::render::TEMPLATE_POLICY_JSON).unwrap();
/// assert!(policy["default"].is_array());
/// ```
pub const POLICY_JSON: &str = include_str!("../../render/base/policy.json");
