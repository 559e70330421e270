//! What the machine-config daemon does on a node when a MachineConfig changes files (spec
//! part H; MCO `pkg/daemon/update.go`, `drain.go`, `pkg/apihelpers`): the node-disruption
//! policy actions, whether the node is drained first, and the older first-boot table.
//!
//! ```
//! use std::collections::BTreeMap;
//! use shortnames::render::disruption::{decide, NodeImpact, UserPolicy};
//!
//! let old = BTreeMap::from([("/etc/containers/registries.conf".to_string(), b"".to_vec())]);
//! let mut new = old.clone();
//! new.insert("/etc/containers/registries.conf.d/005-openshift-shortnames.conf".into(), b"[aliases]\n".to_vec());
//! let d = decide(&old, &new, &UserPolicy::default()).unwrap();
//! assert_eq!(d.outcome(), NodeImpact::Reboot);
//! ```

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::regconf::{Endpoint, Entry, RegistriesConf};
use super::REGISTRIES_CONF_PATH;

/// One node-disruption action.
///
/// ```
/// use std::collections::BTreeMap;
/// use shortnames::render::disruption::{decide, NodeImpact, UserPolicy};
///
/// let conf = "/etc/containers/registries.conf".to_owned();
/// let old = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\"]\n".to_vec())]);
/// let new = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n".to_vec())]);
/// let d = decide(&old, &new, &UserPolicy::default()).unwrap();
/// // registries.conf has MCO's special action: reload CRI-O, without a drain when safe.
/// assert_eq!(d.per_file[0].actions[0].type_name(), "Special");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Reboot the node.
    Reboot,
    /// Do nothing.
    None,
    /// Drain the node.
    Drain,
    /// Reload a systemd service.
    Reload(String),
    /// Restart a systemd service.
    Restart(String),
    /// `systemctl daemon-reload`.
    DaemonReload,
    /// The registries.conf special action: reload CRI-O, draining first unless the change is
    /// safe.
    Special,
}

impl Action {
    /// The API type name (`Reboot`, `Reload`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Action::Reboot => "Reboot",
            Action::None => "None",
            Action::Drain => "Drain",
            Action::Reload(_) => "Reload",
            Action::Restart(_) => "Restart",
            Action::DaemonReload => "DaemonReload",
            Action::Special => "Special",
        }
    }

    /// The action as the API writes it (`{"type": "Reload", "reload": {"serviceName": ...}}`).
    pub fn to_json(&self) -> Value {
        match self {
            Action::Reload(s) => json!({"type": "Reload", "reload": {"serviceName": s}}),
            Action::Restart(s) => json!({"type": "Restart", "restart": {"serviceName": s}}),
            other => json!({"type": other.type_name()}),
        }
    }

    /// Reads a spec action as the API validates it: a known `type`, and `reload` /
    /// `restart` exactly when the type needs them.
    pub fn from_json(v: &Value) -> Result<Action, String> {
        let t = v
            .get("type")
            .and_then(Value::as_str)
            .ok_or("an action needs a string \"type\"")?;
        let service = |key: &str| -> Result<String, String> {
            v.get(key)
                .and_then(|r| r.get("serviceName"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(format!("a {t} action needs {key}.serviceName"))
        };
        for key in ["reload", "restart"] {
            let needed = t.eq_ignore_ascii_case(key);
            if !needed && v.get(key).is_some_and(|x| !x.is_null()) {
                return Err(format!(
                    "{key} is only allowed with type {}",
                    capitalised(key)
                ));
            }
        }
        Ok(match t {
            "Reboot" => Action::Reboot,
            "None" => Action::None,
            "Drain" => Action::Drain,
            "Reload" => Action::Reload(service("reload")?),
            "Restart" => Action::Restart(service("restart")?),
            "DaemonReload" => Action::DaemonReload,
            "Special" => Action::Special,
            other => {
                return Err(format!(
                    "unknown action type {other:?} (Reboot, None, Drain, Reload, Restart, DaemonReload, Special)"
                ))
            }
        })
    }
}

/// A file policy: the actions for a path (a file, or a directory covering what is below).
///
/// ```
/// use shortnames::render::disruption::{default_policies, Action};
///
/// let registries = default_policies().into_iter().find(|p| p.path == "/etc/containers/registries.conf").unwrap();
/// assert_eq!(registries.actions, [Action::Special]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePolicy {
    /// The path.
    pub path: String,
    /// Its actions.
    pub actions: Vec<Action>,
}

/// The user's `MachineConfiguration cluster` `spec.nodeDisruptionPolicy` (file policies).
///
/// ```
/// use shortnames::render::disruption::{merged_policies, Action, UserPolicy};
///
/// let user = UserPolicy::from_json(&serde_json::json!({"files": [
///     {"path": "/etc/containers/registries.conf", "actions": [{"type": "Reboot"}]}
/// ]})).unwrap();
/// let merged = merged_policies(&user);
/// let p = merged.iter().find(|p| p.path == "/etc/containers/registries.conf").unwrap();
/// assert_eq!(p.actions, [Action::Reboot]); // the user's policy wins
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPolicy {
    /// `files`.
    pub files: Vec<FilePolicy>,
}

impl UserPolicy {
    /// Reads `{"files": [{"path": ..., "actions": [...]}, ...]}` (a `nodeDisruptionPolicy`
    /// object; `units` and `sshkey` are accepted and play no role for file changes).
    pub fn from_json(v: &Value) -> Result<UserPolicy, String> {
        let mut out = UserPolicy::default();
        let files = match v.get("files") {
            None | Some(Value::Null) => return Ok(out),
            Some(Value::Array(a)) => a,
            Some(_) => return Err("nodeDisruptionPolicy.files must be a list".into()),
        };
        for (i, f) in files.iter().enumerate() {
            let path = f
                .get("path")
                .and_then(Value::as_str)
                .ok_or(format!("files[{i}].path must be a string"))?;
            let actions = f
                .get("actions")
                .and_then(Value::as_array)
                .ok_or(format!("files[{i}].actions must be a list"))?
                .iter()
                .map(Action::from_json)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("files[{i}]: {e}"))?;
            if actions.is_empty() || actions.len() > 10 {
                return Err(format!("files[{i}].actions: between 1 and 10 actions"));
            }
            if actions.len() > 1
                && actions
                    .iter()
                    .any(|a| matches!(a, Action::Reboot | Action::None))
            {
                return Err(format!(
                    "files[{i}].actions: Reboot and None must be the only action"
                ));
            }
            out.files.push(FilePolicy {
                path: path.to_owned(),
                actions,
            });
        }
        if out.files.len() > 50 {
            return Err("nodeDisruptionPolicy.files: at most 50 file policies".into());
        }
        Ok(out)
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

const CRIO: &str = "crio.service";

/// MCO's default file policies (`apihelpers.defaultClusterPolicies`).
///
/// ```
/// assert!(!shortnames::render::disruption::default_policies().is_empty());
/// ```
pub fn default_policies() -> Vec<FilePolicy> {
    let p = |path: &str, actions: Vec<Action>| FilePolicy {
        path: path.to_owned(),
        actions,
    };
    let reload = || vec![Action::Reload(CRIO.to_owned())];
    let iri = "iri-registry.service";
    let ca = "coreos-update-ca-trust.service";
    vec![
        p("/var/lib/kubelet/config.json", vec![Action::None]),
        p(
            "/etc/machine-config-daemon/no-reboot/containers-gpg.pub",
            reload(),
        ),
        p("/etc/containers/policy.json", reload()),
        p(REGISTRIES_CONF_PATH, vec![Action::Special]),
        p("/etc/containers/registries.d", reload()),
        p("/etc/crio/policies", reload()),
        p("/etc/nmstate/openshift", vec![Action::None]),
        p(
            "/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt",
            vec![Action::Restart(ca.into()), Action::Restart(CRIO.into())],
        ),
        p(
            "/etc/kubernetes/credential-providers",
            vec![Action::Restart("kubelet.service".into())],
        ),
        p(
            "/etc/systemd/system/kubelet.service.d/40-kubelet-crio-image-credential-provider.conf",
            vec![
                Action::DaemonReload,
                Action::Restart("kubelet.service".into()),
            ],
        ),
        p("/etc/iri-registry", vec![Action::Restart(iri.into())]),
        p(
            "/usr/local/bin/load-registry-image.sh",
            vec![Action::Restart(iri.into())],
        ),
        p(
            "/etc/pki/ca-trust/source/anchors/iri-root-ca.crt",
            vec![Action::Restart(ca.into())],
        ),
    ]
}

/// `MergeClusterPolicies`: the defaults, a user entry of the same path replacing it in place,
/// other user entries appended.
///
/// ```
/// use shortnames::render::disruption::{default_policies, merged_policies, UserPolicy};
/// assert_eq!(merged_policies(&UserPolicy::default()), default_policies());
/// ```
pub fn merged_policies(user: &UserPolicy) -> Vec<FilePolicy> {
    let mut merged = default_policies();
    let defaults = merged.len();
    for u in &user.files {
        match merged[..defaults].iter().position(|d| d.path == u.path) {
            Some(i) => merged[i] = u.clone(),
            None => merged.push(u.clone()),
        }
    }
    merged
}

/// What one changed file matched.
///
/// ```
/// use std::collections::BTreeMap;
/// use shortnames::render::disruption::{decide, NodeImpact, UserPolicy};
///
/// let conf = "/etc/containers/registries.conf".to_owned();
/// let old = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\"]\n".to_vec())]);
/// let new = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n".to_vec())]);
/// let d = decide(&old, &new, &UserPolicy::default()).unwrap();
/// assert_eq!(d.per_file[0].path, "/etc/containers/registries.conf");
/// assert!(d.per_file[0].policy_found);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerFile {
    /// The changed path.
    pub path: String,
    /// Whether a policy covers it.
    pub policy_found: bool,
    /// The actions of the closest policy (empty when none).
    pub actions: Vec<Action>,
}

/// The daemon's decision for one update.
///
/// ```
/// use std::collections::BTreeMap;
/// use shortnames::render::disruption::{decide, NodeImpact, UserPolicy};
///
/// let conf = "/etc/containers/registries.conf".to_owned();
/// let old = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\"]\n".to_vec())]);
/// let new = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n".to_vec())]);
/// let d = decide(&old, &new, &UserPolicy::default()).unwrap();
/// assert_eq!(d.diff_files, ["/etc/containers/registries.conf"]);
/// assert!(!d.drain); // only a search registry was added: a safe change
/// assert_eq!(d.outcome(), NodeImpact::Reload);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The changed paths, sorted.
    pub diff_files: Vec<String>,
    /// The final actions (`calculatePostConfigChangeNodeDisruptionActionFromMCDiffs`).
    pub actions: Vec<Action>,
    /// Whether the node is drained first.
    pub drain: bool,
    /// Per changed path, the policy that applies.
    pub per_file: Vec<PerFile>,
    /// The first-boot table's answer (`none`, `reload crio`, `restart crio`, `reboot`).
    pub firstboot_actions: Vec<&'static str>,
}

/// The short answer: what happens to the node.
///
/// ```
/// use std::collections::BTreeMap;
/// use shortnames::render::disruption::{decide, NodeImpact, UserPolicy};
///
/// let conf = "/etc/containers/registries.conf".to_owned();
/// let old = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\"]\n".to_vec())]);
/// let new = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n".to_vec())]);
/// let d = decide(&old, &new, &UserPolicy::default()).unwrap();
/// assert_eq!(d.outcome().as_str(), "reload");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeImpact {
    /// Nothing changes, or only `None` actions.
    None,
    /// Services are reloaded or restarted (CRI-O for registries files) without a drain.
    Reload,
    /// The node is drained, then services are reloaded.
    DrainAndReload,
    /// The node is drained and rebooted.
    Reboot,
}

impl NodeImpact {
    /// `none`, `reload`, `drain`, `reboot`.
    pub fn as_str(&self) -> &'static str {
        match self {
            NodeImpact::None => "none",
            NodeImpact::Reload => "reload",
            NodeImpact::DrainAndReload => "drain",
            NodeImpact::Reboot => "reboot",
        }
    }
}

impl Decision {
    /// The short answer.
    pub fn outcome(&self) -> NodeImpact {
        if self.actions.contains(&Action::Reboot) {
            NodeImpact::Reboot
        } else if self.drain {
            NodeImpact::DrainAndReload
        } else if self.actions.iter().all(|a| *a == Action::None) {
            NodeImpact::None
        } else {
            NodeImpact::Reload
        }
    }

    /// A sentence for people.
    pub fn describe(&self) -> String {
        let mut services: Vec<String> = Vec::new();
        for s in self.actions.iter().filter_map(|a| match a {
            Action::Reload(s) => Some(format!("reload {s}")),
            Action::Restart(s) => Some(format!("restart {s}")),
            Action::Special => Some("reload crio.service".to_owned()),
            Action::DaemonReload => Some("systemd daemon-reload".to_owned()),
            _ => None,
        }) {
            if !services.contains(&s) {
                services.push(s);
            }
        }
        match self.outcome() {
            NodeImpact::None if self.diff_files.is_empty() => {
                "no file changes: nothing happens".into()
            }
            NodeImpact::None => "nothing happens (the files change, no service is told)".into(),
            NodeImpact::Reload => format!("{} without a drain", services.join(", ")),
            NodeImpact::DrainAndReload => format!("drain the node, then {}", services.join(", ")),
            NodeImpact::Reboot => "drain and reboot the node".into(),
        }
    }

    /// The decision as JSON (the fields of `disruption.json` results).
    pub fn to_json(&self) -> Value {
        json!({
            "outcome": self.outcome().as_str(),
            "actions": self.actions.iter().map(Action::to_json).collect::<Vec<_>>(),
            "drain": self.drain,
            "diff_files": self.diff_files,
            "per_file": self.per_file.iter().map(|p| json!({
                "path": p.path,
                "policy_found": p.policy_found,
                "actions": p.actions.iter().map(Action::to_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "firstboot_actions": self.firstboot_actions,
        })
    }
}

/// The changed paths between two file sets (added, removed or different), sorted.
///
/// ```
/// use std::collections::BTreeMap;
/// use shortnames::render::disruption::changed_files;
///
/// let old = BTreeMap::from([("/a".to_owned(), b"1".to_vec()), ("/b".to_owned(), b"2".to_vec())]);
/// let new = BTreeMap::from([("/b".to_owned(), b"3".to_vec()), ("/c".to_owned(), b"4".to_vec())]);
/// assert_eq!(changed_files(&old, &new), ["/a", "/b", "/c"]);
/// ```
pub fn changed_files(
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let mut out: Vec<String> = old
        .keys()
        .filter(|p| !new.contains_key(*p))
        .chain(
            new.iter()
                .filter(|(p, c)| old.get(*p) != Some(c))
                .map(|(p, _)| p),
        )
        .cloned()
        .collect();
    out.sort();
    out
}

/// `filepath.Clean`, the crate's one implementation.
fn clean(p: &str) -> String {
    crate::config::discovery::clean(std::path::Path::new(p))
        .to_string_lossy()
        .into_owned()
}

/// `IsSubdirectory(dir, target)` on cleaned paths, or equality.
fn covers(policy: &str, path: &str) -> bool {
    if policy == path {
        return true;
    }
    let dir = clean(policy);
    let dir = if dir.ends_with('/') {
        dir
    } else {
        format!("{dir}/")
    };
    clean(path).starts_with(&dir)
}

/// `FindClosestFilePolicyPathMatch`: the longest covering policy path.
fn closest<'a>(path: &str, policies: &'a [FilePolicy]) -> Option<&'a FilePolicy> {
    let mut best: Option<&FilePolicy> = None;
    for p in policies {
        if covers(&p.path, path) && p.path.len() > best.map_or(0, |b| b.path.len()) {
            best = Some(p);
        }
    }
    best
}

/// Decides what the daemon does for the change from `old` to `new` (node path → content),
/// under the user's policy merged with MCO's defaults. `Err` when a registries.conf involved
/// in the safe-change check does not decode (the daemon fails the update).
///
/// ```
/// use std::collections::BTreeMap;
/// use shortnames::render::disruption::{decide, NodeImpact, UserPolicy};
///
/// let conf = "/etc/containers/registries.conf".to_owned();
/// let old = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\"]\n".to_vec())]);
/// let new = BTreeMap::from([(conf.clone(), b"unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n".to_vec())]);
/// let d = decide(&old, &new, &UserPolicy::default()).unwrap();
/// assert_eq!(d.outcome(), NodeImpact::Reload);
/// ```
pub fn decide(
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
    user: &UserPolicy,
) -> Result<Decision, String> {
    let diff_files = changed_files(old, new);
    let policies = merged_policies(user);
    let mut per_file = Vec::new();
    let mut actions = Vec::new();
    let mut unmatched = false;
    for path in &diff_files {
        match closest(path, &policies) {
            Some(p) => {
                per_file.push(PerFile {
                    path: path.clone(),
                    policy_found: true,
                    actions: p.actions.clone(),
                });
                actions.extend(p.actions.iter().cloned());
            }
            None => {
                per_file.push(PerFile {
                    path: path.clone(),
                    policy_found: false,
                    actions: Vec::new(),
                });
                unmatched = true;
            }
        }
    }
    let actions = if unmatched || actions.contains(&Action::Reboot) {
        vec![Action::Reboot]
    } else if actions.contains(&Action::None) {
        let rest: Vec<Action> = actions.into_iter().filter(|a| *a != Action::None).collect();
        if rest.is_empty() {
            vec![Action::None]
        } else {
            rest
        }
    } else {
        actions
    };
    let drain = if actions
        .iter()
        .any(|a| matches!(a, Action::Reboot | Action::Drain))
    {
        true
    } else if actions.contains(&Action::Special) {
        let text = |m: &BTreeMap<String, Vec<u8>>| {
            String::from_utf8_lossy(m.get(REGISTRIES_CONF_PATH).map_or(&[][..], |v| v)).into_owned()
        };
        !safe_registries_change(&text(old), &text(new))?
    } else {
        false
    };
    Ok(Decision {
        firstboot_actions: firstboot(&diff_files),
        diff_files,
        actions,
        drain,
        per_file,
    })
}

/// `calculatePostConfigChangeActionFromMCDiffs`: the first-boot table.
fn firstboot(diff: &[String]) -> Vec<&'static str> {
    const NONE_FILES: &[&str] = &[
        "/etc/kubernetes/kubelet-ca.crt",
        "/var/lib/kubelet/config.json",
    ];
    const NONE_DIRS: &[&str] = &["/etc/nmstate/openshift"];
    const RELOAD_FILES: &[&str] = &[
        REGISTRIES_CONF_PATH,
        "/etc/machine-config-daemon/no-reboot/containers-gpg.pub",
        "/etc/containers/policy.json",
    ];
    const RESTART_FILES: &[&str] =
        &["/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt"];
    const RELOAD_DIRS: &[&str] = &["/etc/containers/registries.d"];
    let dir = |p: &str| -> String {
        match p.rfind('/') {
            Some(0) => "/".into(),
            Some(i) => clean(&p[..i]),
            None => ".".into(),
        }
    };
    let mut actions = vec!["none"];
    for path in diff {
        let d = dir(path);
        if NONE_FILES.contains(&path.as_str()) {
            continue;
        } else if RELOAD_FILES.contains(&path.as_str()) || RELOAD_DIRS.contains(&d.as_str()) {
            if !actions.contains(&"restart crio") {
                actions = vec!["reload crio"];
            }
        } else if RESTART_FILES.contains(&path.as_str()) {
            actions = vec!["restart crio"];
        } else if NONE_DIRS.contains(&d.as_str()) {
            continue;
        } else {
            return vec!["reboot"];
        }
    }
    actions
}

/// `isSafeContainerRegistryConfChanges` (spec rule 42).
///
/// ```
/// use shortnames::render::disruption::safe_registries_change;
///
/// let old = "unqualified-search-registries = [\"quay.io\"]\n";
/// assert!(safe_registries_change(old, "unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n").unwrap());
/// assert!(!safe_registries_change(old, "unqualified-search-registries = []\n").unwrap());
/// ```
pub fn safe_registries_change(old: &str, new: &str) -> Result<bool, String> {
    let decode = |t: &str| {
        RegistriesConf::decode(t).map_err(|e| {
            format!(
                "failed decoding TOML content from file {REGISTRIES_CONF_PATH}: {}",
                e.0
            )
        })
    };
    let (old, new) = (decode(old)?, decode(new)?);
    let (os, ns) = (
        old.search.clone().unwrap_or_default(),
        new.search.clone().unwrap_or_default(),
    );
    if os.len() > ns.len() || os.iter().zip(&ns).any(|(a, b)| a != b) {
        return Ok(false);
    }
    let by_scope = |c: &RegistriesConf| -> BTreeMap<String, Entry> {
        c.registries
            .iter()
            .flatten()
            .map(|r| (r.scope().to_owned(), r.clone()))
            .collect()
    };
    let (old_map, new_map) = (by_scope(&old), by_scope(&new));
    if old_map.keys().any(|k| !new_map.contains_key(k)) {
        return Ok(false);
    }
    let find = |loc: &str, list: &[Endpoint]| list.iter().find(|m| m.location == loc).cloned();
    for (scope, n) in &new_map {
        match old_map.get(scope) {
            Some(o) if o != n => {
                if o.prefix != n.prefix
                    || o.location != n.location
                    || o.blocked != n.blocked
                    || o.insecure != n.insecure
                {
                    return Ok(false);
                }
                if o.mirrors
                    .iter()
                    .any(|m| find(&m.location, &n.mirrors).is_none())
                {
                    return Ok(false);
                }
                for m in &n.mirrors {
                    match find(&m.location, &o.mirrors) {
                        Some(om) => {
                            if m.pull_from_mirror != om.pull_from_mirror
                                && m.pull_from_mirror != "digest-only"
                            {
                                return Ok(false);
                            }
                        }
                        None => {
                            if m.pull_from_mirror != "digest-only" && !n.mirror_by_digest_only {
                                return Ok(false);
                            }
                        }
                    }
                }
            }
            Some(_) => {}
            None => {
                let all_digest = if n.mirrors.is_empty() {
                    n.mirror_by_digest_only
                } else {
                    n.mirrors
                        .iter()
                        .all(|m| m.pull_from_mirror == "digest-only")
                };
                if !all_digest {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_paths() {
        assert!(covers(
            "/etc/containers",
            "/etc/containers/registries.conf.d/x.conf"
        ));
        assert!(covers(
            "/etc/containers/registries.d",
            "/etc/containers/registries.d/a.yaml"
        ));
        assert!(!covers(
            "/etc/containers/registries.d",
            "/etc/containers/registries.d.x"
        ));
        assert_eq!(clean("/a//b/./c/../d/"), "/a/b/d");
    }

    #[test]
    fn user_policies_are_validated_like_the_api() {
        let parse = |v: Value| UserPolicy::from_json(&v);
        assert!(
            parse(json!({"files": [{"path": "/x", "actions": [{"type": "Reload"}]}]})).is_err()
        );
        assert!(
            parse(json!({"files": [{"path": "/x", "actions": [{"type": "Bounce"}]}]})).is_err()
        );
        assert!(parse(
            json!({"files": [{"path": "/x", "actions": [{"type": "None"}, {"type": "Drain"}]}]})
        )
        .is_err());
        assert!(parse(json!({"files": [{"path": "/x", "actions": [{"type": "Drain", "reload": {"serviceName": "a"}}]}]})).is_err());
        let ok = parse(json!({"files": [{"path": "/x", "actions": [{"type": "Drain"}, {"type": "Restart", "restart": {"serviceName": "crio.service"}}]}]})).unwrap();
        assert_eq!(
            ok.files[0].actions,
            [Action::Drain, Action::Restart("crio.service".into())]
        );
    }
}
