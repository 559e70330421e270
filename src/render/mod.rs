//! What the Machine Config Operator lays down on OpenShift nodes (feature `yaml`).
//!
//! On OpenShift, administrators do not edit registries.conf: they create
//! ImageDigestMirrorSet, ImageTagMirrorSet and ImageContentSourcePolicy objects and the
//! `cluster` Image config, and MCO renders them into `/etc/containers/registries.conf`,
//! `/etc/containers/policy.json` and `/etc/containers/registries.conf.d/01-image-searchRegistries.conf`.
//! This module reproduces that rendering byte for byte (the rules of
//! `../shared/spec/render.md`, MCO commit `7ff337a4`), wraps files into MachineConfigs as
//! MCO's helpers do, and tells what a change costs a node ([`disruption`]).
//!
//! The pipeline: [`ClusterObjects`] (objects read through [`crate::kube`]) → payload
//! protection → validation → mirror merging and the registries.conf edit → policy.json →
//! search drop-in → [`Rendered`] (files, warnings, or MCO's error).
//!
//! ```
//! use shortnames::render::{render_registries, ClusterObjects, REGISTRIES_CONF_PATH};
//!
//! let objects = ClusterObjects::read(br#"
//! apiVersion: config.openshift.io/v1
//! kind: ImageDigestMirrorSet
//! metadata: {name: a}
//! spec:
//!   imageDigestMirrors:
//!   - source: registry.redhat.io
//!     mirrors: [mirror.example.net/rh]
//! "#).unwrap();
//! let rendered = render_registries(&objects, None);
//! assert!(rendered.error().is_none());
//! let conf = rendered.file(REGISTRIES_CONF_PATH).unwrap();
//! assert!(conf.contains("location = \"mirror.example.net/rh\"\n    pull-from-mirror = \"digest-only\""));
//! ```

pub mod disruption;
mod findings;
mod gojson;
mod ignition;
mod mirrors;
mod node;
mod objects;
mod payload;
mod policy;
mod regconf;
mod scope;
mod scratch;
mod templates;
mod validate;

pub use findings::{findings, ObjectFinding};
pub use ignition::{
    data_url, decode_data_url, ignition_json, IgnitionFile, MachineConfig, IGNITION_VERSION,
    ROLE_LABEL,
};
pub use node::{
    builtin_node_profile, check_report, explain_on_node, node_files_over, REGISTRIES_CONF_D_PATH,
};
pub use objects::{ClusterObjects, ObjectError, ReadError, DEFAULT_RELEASE_IMAGE};
pub use templates::{
    POLICY_JSON as TEMPLATE_POLICY_JSON, REGISTRIES_CONF as TEMPLATE_REGISTRIES_CONF,
};

use mirrors::{edit, merged_sets, MirrorRule};
use regconf::RegistriesConf;

/// `/etc/containers/registries.conf`.
///
/// ```
/// assert_eq!(shortnames::render::REGISTRIES_CONF_PATH, "/etc/containers/registries.conf");
/// ```
pub const REGISTRIES_CONF_PATH: &str = "/etc/containers/registries.conf";
/// `/etc/containers/policy.json`.
///
/// ```
/// assert_eq!(shortnames::render::POLICY_JSON_PATH, "/etc/containers/policy.json");
/// ```
pub const POLICY_JSON_PATH: &str = "/etc/containers/policy.json";
/// MCO's search-registries drop-in.
///
/// ```
/// assert!(shortnames::render::SEARCH_DROPIN_PATH.starts_with("/etc/containers/registries.conf.d/"));
/// ```
pub const SEARCH_DROPIN_PATH: &str =
    "/etc/containers/registries.conf.d/01-image-searchRegistries.conf";

const UNMARSHAL_PREFIX: &str = "error unmarshalling registries config: ";

/// MCO refused the configuration: nothing changes on the node.
///
/// ```
/// use shortnames::render::{render_registries, ClusterObjects};
///
/// let objects = ClusterObjects::read(b"apiVersion: config.openshift.io/v1
/// kind: ImageDigestMirrorSet
/// metadata: {name: a}
/// spec:
///   imageDigestMirrors:
///   - source: quay.io/ns
///     mirrors: [\"m.example.net/ns@sha256:0\"]
/// ").unwrap();
/// let e = render_registries(&objects, None).error().cloned().unwrap();
/// assert!(e.message().starts_with("could not update registries config with new changes: "));
/// assert!(e.message().ends_with(e.cause()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    message: String,
    cause: String,
}

impl RenderError {
    /// The error `registriesConfigIgnition` (or the sync) returns, MCO's exact text.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The innermost error text.
    pub fn cause(&self) -> &str {
        &self.cause
    }

    fn wrapped(prefix: &str, inner: String) -> RenderError {
        let cause = inner
            .strip_prefix(UNMARSHAL_PREFIX)
            .unwrap_or(&inner)
            .to_owned();
        RenderError {
            message: format!("{prefix}{inner}"),
            cause,
        }
    }
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {}

/// The result of [`render_registries`].
///
/// ```
/// use shortnames::render::{render_registries, ClusterObjects, REGISTRIES_CONF_PATH};
///
/// let objects = ClusterObjects::read(b"apiVersion: config.openshift.io/v1
/// kind: ImageTagMirrorSet
/// metadata: {name: a}
/// spec:
///   imageTagMirrors:
///   - source: quay.io/ns
///     mirrors: [m.example.net/ns]
/// ").unwrap();
/// let rendered = render_registries(&objects, None);
/// assert!(rendered.error().is_none());
/// let conf = rendered.file(REGISTRIES_CONF_PATH).unwrap();
/// assert!(conf.contains("pull-from-mirror = \"tag-only\""));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    error: Option<RenderError>,
    warnings: Vec<String>,
    files: Vec<IgnitionFile>,
    pub(crate) dropped_blocked: Vec<String>,
    pub(crate) policy_blocked: Vec<String>,
    pub(crate) allowed: Vec<String>,
}

impl Rendered {
    /// MCO's error, if it refuses the configuration (then there are no files).
    pub fn error(&self) -> Option<&RenderError> {
        self.error.as_ref()
    }

    /// What MCO only logs (blocked scopes dropped by payload protection).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The generated files, in MCO's order (registries.conf, policy.json, search drop-in).
    pub fn files(&self) -> &[IgnitionFile] {
        &self.files
    }

    /// The content of one generated file.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .and_then(|f| std::str::from_utf8(&f.contents).ok())
    }

    /// The generated MachineConfig `99-<pool>-generated-registries`.
    pub fn machine_config(&self, pool: &str) -> MachineConfig {
        MachineConfig {
            name: format!("99-{pool}-generated-registries"),
            role: pool.to_owned(),
            files: self.files.clone(),
        }
    }

    /// The node's effective files after the rollout: the generated ones, else the template's
    /// registries.conf (`base`, or MCO's) and policy.json. Empty on error.
    pub fn node_files(&self, base: Option<&[u8]>) -> Vec<IgnitionFile> {
        if self.error.is_some() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (path, template) in [
            (
                REGISTRIES_CONF_PATH,
                base.unwrap_or(TEMPLATE_REGISTRIES_CONF.as_bytes()),
            ),
            (POLICY_JSON_PATH, TEMPLATE_POLICY_JSON.as_bytes()),
        ] {
            let contents = match self.file(path) {
                Some(c) => c.as_bytes().to_vec(),
                None => template.to_vec(),
            };
            out.push(IgnitionFile {
                path: path.to_owned(),
                contents,
            });
        }
        out.extend(
            self.files
                .iter()
                .filter(|f| f.path == SEARCH_DROPIN_PATH)
                .cloned(),
        );
        out
    }
}

/// Go's `%q` of a string.
fn go_quote(s: &str) -> String {
    crate::quote::Q(s).to_string()
}

/// Renders the node files MCO generates for `objects`, starting from `base` (the bytes of the
/// registries.conf template; MCO's when `None`; spec parts A–F). The base is decoded only
/// when registries.conf is generated, as MCO does.
///
/// ```
/// use shortnames::render::{render_registries, ClusterObjects};
///
/// // An ICSP mirror with a digest is refused with MCO's exact message; nothing is generated.
/// let objects = ClusterObjects::read(b"apiVersion: operator.openshift.io/v1alpha1
/// kind: ImageContentSourcePolicy
/// metadata: {name: a}
/// spec:
///   repositoryDigestMirrors:
///   - source: quay.io/ns
///     mirrors: [\"m.example.net/ns@sha256:0\"]
/// ").unwrap();
/// let r = render_registries(&objects, None);
/// assert_eq!(
///     r.error().unwrap().message(),
///     "could not update registries config with new changes: invalid format for mirror \"m.example.net/ns@sha256:0\""
/// );
/// assert!(r.files().is_empty());
/// // The MachineConfig MCO would store.
/// assert_eq!(render_registries(&ClusterObjects::default(), None).machine_config("worker").name, "99-worker-generated-registries");
/// ```
pub fn render_registries(objects: &ClusterObjects, base: Option<&[u8]>) -> Rendered {
    let mut out = Rendered::default();
    if let Err(e) = render_into(objects, base, &mut out) {
        out.error = Some(e);
        out.files.clear();
    }
    out
}

fn digest_rules(objects: &ClusterObjects) -> Vec<&MirrorRule> {
    objects.idms.iter().chain(&objects.icsp).flatten().collect()
}

fn render_into(
    objects: &ClusterObjects,
    base: Option<&[u8]>,
    out: &mut Rendered,
) -> Result<(), RenderError> {
    let none: Vec<String> = Vec::new();
    let insecure = objects.insecure.as_ref().unwrap_or(&none);
    let digest = digest_rules(objects);
    let lists = payload::block_lists(
        objects.release_image(),
        insecure,
        objects.blocked.as_ref().unwrap_or(&none),
        objects.allowed.as_ref().unwrap_or(&none),
        &digest,
    )
    .map_err(|e| RenderError {
        message: e.clone(),
        cause: e,
    })?;
    out.warnings.extend(lists.warning.clone());
    out.dropped_blocked = lists.dropped.clone();
    out.policy_blocked = lists.policy_blocked.clone();
    out.allowed = lists.allowed.clone();

    if objects.insecure.is_some()
        || !lists.registries_blocked.is_empty()
        || objects.mirror_object_count() > 0
    {
        const PREFIX: &str = "could not update registries config with new changes: ";
        let conf = registries_conf(objects, base, insecure, &lists.registries_blocked)
            .map_err(|e| RenderError::wrapped(PREFIX, e))?;
        out.files.push(IgnitionFile {
            path: REGISTRIES_CONF_PATH.to_owned(),
            contents: conf.encode().into_bytes(),
        });
    }
    if !lists.policy_blocked.is_empty() || !lists.allowed.is_empty() {
        let payload_repo = crate::Reference::parse_canonical(objects.release_image())
            .map(|r| r.name().to_owned())
            .unwrap_or_default();
        let json = policy::policy_json(&lists.policy_blocked, &lists.allowed, &payload_repo)
            .map_err(|e| {
                RenderError::wrapped("could not update policy json with new changes: ", e)
            })?;
        out.files.push(IgnitionFile {
            path: POLICY_JSON_PATH.to_owned(),
            contents: json.into_bytes(),
        });
    }
    if let Some(search) = &objects.search {
        let dropin = RegistriesConf {
            search: Some(search.clone()),
            ..RegistriesConf::default()
        };
        out.files.push(IgnitionFile {
            path: SEARCH_DROPIN_PATH.to_owned(),
            contents: dropin.encode().into_bytes(),
        });
    }
    Ok(())
}

/// `updateRegistriesConfig`: decode the base, validate, edit.
fn registries_conf(
    objects: &ClusterObjects,
    base: Option<&[u8]>,
    insecure: &[String],
    blocked: &[String],
) -> Result<RegistriesConf, String> {
    let base = base.unwrap_or(TEMPLATE_REGISTRIES_CONF.as_bytes());
    let mut conf = std::str::from_utf8(base)
        .map_err(|e| {
            regconf::DecodeError(format!("toml: invalid UTF-8 at byte {}", e.valid_up_to()))
        })
        .and_then(RegistriesConf::decode)
        .map_err(|e| format!("{UNMARSHAL_PREFIX}{}", e.0))?;
    validate::validate(objects, insecure, blocked)?;
    let digest_sets = merged_sets(digest_rules(objects));
    let tag_sets = merged_sets(objects.itms.iter().flatten());
    edit(&mut conf, insecure, blocked, &digest_sets, &tag_sets).map_err(|e| e.0)?;
    Ok(conf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const SOURCES: &[&str] = &[
        "registry.redhat.io",
        "registry.redhat.io/ubi9",
        "quay.io",
        "quay.io/openshift-release-dev",
        "*.example.com",
        "a.example.com/ns",
    ];
    const MIRRORS: &[&str] = &[
        "m1.example.net/a",
        "m2.example.net/b",
        "m3.example.net:5000/c",
        "registry.redhat.io",
        "quay.io",
    ];
    const POLICIES: &[&str] = &["", "AllowContactingSource", "NeverContactSource"];
    const KINDS: &[(&str, &str, &str)] = &[
        (
            "config.openshift.io/v1",
            "ImageDigestMirrorSet",
            "imageDigestMirrors",
        ),
        (
            "config.openshift.io/v1",
            "ImageTagMirrorSet",
            "imageTagMirrors",
        ),
        (
            "operator.openshift.io/v1alpha1",
            "ImageContentSourcePolicy",
            "repositoryDigestMirrors",
        ),
    ];

    fn object() -> impl Strategy<Value = serde_json::Value> {
        let entry = (
            0..SOURCES.len(),
            proptest::collection::vec(0..MIRRORS.len(), 0..4),
            0..POLICIES.len(),
        );
        (0..KINDS.len(), proptest::collection::vec(entry, 1..3)).prop_map(|(k, entries)| {
            let (api, kind, key) = KINDS[k];
            let list: Vec<serde_json::Value> = entries
                .into_iter()
                .map(|(s, ms, p)| {
                    let mut e = json!({
                        "source": SOURCES[s],
                        "mirrors": ms.iter().map(|m| MIRRORS[*m]).collect::<Vec<_>>(),
                    });
                    if !POLICIES[p].is_empty() && k != 2 {
                        e["mirrorSourcePolicy"] = json!(POLICIES[p]);
                    }
                    e
                })
                .collect();
            json!({"apiVersion": api, "kind": kind, "metadata": {"name": "x"}, "spec": {key: list}})
        })
    }

    fn image() -> impl Strategy<Value = serde_json::Value> {
        let scopes = || proptest::collection::vec(0..SOURCES.len(), 0..3);
        (scopes(), scopes()).prop_map(|(i, b)| {
            let pick = |v: Vec<usize>| v.into_iter().map(|x| SOURCES[x]).collect::<Vec<_>>();
            json!({"apiVersion": "config.openshift.io/v1", "kind": "Image",
                   "metadata": {"name": "cluster"},
                   "spec": {"registrySources": {"insecureRegistries": pick(i), "blockedRegistries": pick(b)}}})
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// MCO gets the objects in no defined order: everything rendered is independent of it,
        /// except which validation error is reported.
        #[test]
        fn rendering_does_not_depend_on_object_order(
            objects in proptest::collection::vec(object(), 1..5),
            img in image(),
        ) {
            let mut docs = objects.clone();
            docs.push(img.clone());
            let forward = render_registries(&ClusterObjects::from_documents(&docs).unwrap(), None);
            let mut rev = objects;
            rev.reverse();
            rev.insert(0, img);
            let backward = render_registries(&ClusterObjects::from_documents(&rev).unwrap(), None);
            prop_assert_eq!(forward.error().is_some(), backward.error().is_some());
            if forward.error().is_none() {
                prop_assert_eq!(forward.files(), backward.files());
                prop_assert_eq!(forward.warnings(), backward.warnings());
                // What MCO writes decodes again (containers/image reads it back).
                if let Some(conf) = forward.file(REGISTRIES_CONF_PATH) {
                    prop_assert!(RegistriesConf::decode(conf).is_ok());
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Arbitrary strings anywhere (scopes, mirrors, policies, the release image) never
        /// make rendering panic; an error is MCO's, or the files decode again.
        #[test]
        fn arbitrary_strings_never_panic(
            strings in proptest::collection::vec(proptest::string::string_regex("(?s).{0,20}").unwrap(), 6),
        ) {
            let docs = vec![
                json!({"apiVersion": "config.openshift.io/v1", "kind": "ImageDigestMirrorSet", "metadata": {"name": "a"},
                       "spec": {"imageDigestMirrors": [{"source": strings[0], "mirrors": [strings[1], strings[2]], "mirrorSourcePolicy": strings[3]}]}}),
                json!({"apiVersion": "config.openshift.io/v1", "kind": "ImageTagMirrorSet", "metadata": {"name": "b"},
                       "spec": {"imageTagMirrors": [{"source": strings[1], "mirrors": [strings[0]]}]}}),
                json!({"apiVersion": "config.openshift.io/v1", "kind": "Image", "metadata": {"name": "cluster"},
                       "spec": {"registrySources": {"insecureRegistries": [strings[4]], "blockedRegistries": [strings[5], "quay.io"],
                                                    "containerRuntimeSearchRegistries": [strings[2]]}}}),
            ];
            let r = render_registries(&ClusterObjects::from_documents(&docs).unwrap(), Some(strings[3].as_bytes()));
            if r.error().is_none() {
                for f in r.files() {
                    if f.path != POLICY_JSON_PATH {
                        prop_assert!(RegistriesConf::decode(std::str::from_utf8(&f.contents).unwrap()).is_ok());
                    }
                }
            }
        }
    }
}
