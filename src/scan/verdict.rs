//! One image string on one node: what the kubelet sends, how CRI-O resolves it, whether it
//! refuses it, and the fully-qualified name to write instead (scan.md A5–A8, S9–S12).

use serde::Serialize;

use crate::{ErrorKind, Reference, ResolutionKind, ShortNameMode};

use super::profile::NodeProfile;

/// Who refuses an image.
///
/// ```
/// use shortnames::scan::{ErrorSource, FixBasis, NodeProfile, Outcome};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// assert_eq!(node.check("Bad Name").error.unwrap().source, ErrorSource::Kubelet);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorSource {
    /// CRI-O (resolution).
    CriO,
    /// The kubelet (it cannot parse the name; CRI-O is never asked).
    Kubelet,
    /// The API server refuses the object.
    KubernetesApi,
}

/// Why an image is refused.
///
/// ```
/// use shortnames::scan::{ErrorSource, FixBasis, NodeProfile, Outcome};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let e = node.check("").error.unwrap();
/// assert_eq!(e.kind, "empty-image");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageError {
    /// Who refuses it.
    pub source: ErrorSource,
    /// `short-name-ambiguous`, `no-search-registries`, `invalid-image-name`, `empty-image`,
    /// `not-a-string`, `surrounding-whitespace` (or `resolution` for any other resolution
    /// error).
    pub kind: &'static str,
    /// CRI-O's exact message (`None` for the kubelet's and the API server's refusals).
    pub message: Option<String>,
}

/// Which rule chose the suggested fully-qualified name (scan.md S12).
///
/// ```
/// use shortnames::scan::{ErrorSource, FixBasis, NodeProfile, Outcome};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let v = node.check("quay.io/a/b");
/// assert_eq!((v.fix, v.fix_basis), (None, None)); // already fully qualified
/// let v = node.check("nginx");
/// assert!(v.fix_basis.is_some() && v.fix.is_some());
/// # let _ = FixBasis::Alias;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixBasis {
    /// The node's alias target.
    Alias,
    /// The only search registry.
    SingleSearchRegistry,
    /// Docker Hub's meaning of the name.
    DockerHub,
    /// The first candidate (no candidate is on Docker Hub).
    FirstSearchRegistry,
}

/// `ok` or `error`.
///
/// ```
/// use shortnames::scan::{ErrorSource, FixBasis, NodeProfile, Outcome};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// assert_eq!(node.check("quay.io/a/b:1").outcome, Outcome::Ok);
/// assert_eq!(node.check("").outcome, Outcome::Error);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The node pulls it (or tries to).
    Ok,
    /// The node, the kubelet or the API server refuses it.
    Error,
}

/// The answer for one image value on one node.
///
/// ```
/// use shortnames::scan::{ErrorSource, FixBasis, NodeProfile, Outcome};
///
/// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
/// let v = node.check("quay.io/a/b:1");
/// assert_eq!(v.requested.as_deref(), Some("quay.io/a/b:1"));
/// assert_eq!((v.short_name, v.outcome), (Some(false), Outcome::Ok));
/// assert_eq!(v.candidates, ["quay.io/a/b:1"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// What the kubelet sends CRI-O (`:latest` added when untagged); `None` when refused
    /// before.
    pub requested: Option<String>,
    /// Whether `requested` is a short name.
    pub short_name: Option<bool>,
    /// `alias`, `search-registries` or `fully-qualified`.
    #[serde(serialize_with = "kind_str")]
    pub resolution: Option<ResolutionKind>,
    /// The node path of the alias file or search-list file.
    pub origin: Option<String>,
    /// What CRI-O would try, in order, as if the mode allowed it (tag dropped when a digest is
    /// present).
    pub candidates: Vec<String>,
    /// `ok` or `error`.
    pub outcome: Outcome,
    /// Why it is refused.
    pub error: Option<ImageError>,
    /// The fully-qualified name to write instead (short names only), tag/digest as written.
    pub fix: Option<String>,
    /// Which rule chose `fix`.
    pub fix_basis: Option<FixBasis>,
    /// What the same string means on containerd/Docker nodes (short names only).
    pub docker_hub: Option<String>,
}

fn kind_str<S: serde::Serializer>(k: &Option<ResolutionKind>, s: S) -> Result<S::Ok, S::Error> {
    match k {
        Some(k) => s.serialize_str(k.as_str()),
        None => s.serialize_none(),
    }
}

impl Verdict {
    /// A value refused before any resolution.
    pub(crate) fn refused(source: ErrorSource, kind: &'static str) -> Verdict {
        Verdict {
            requested: None,
            short_name: None,
            resolution: None,
            origin: None,
            candidates: Vec::new(),
            outcome: Outcome::Error,
            error: Some(ImageError {
                source,
                kind,
                message: None,
            }),
            fix: None,
            fix_basis: None,
            docker_hub: None,
        }
    }
}

impl NodeProfile {
    /// What this node does with an image string taken from a pod spec (`""` included).
    ///
    /// ```
    /// use shortnames::scan::{NodeProfile, Outcome};
    /// let node = NodeProfile::builtin("crio-default").unwrap().unwrap();
    /// let v = node.check("busybox:1.36.1");
    /// assert_eq!(v.outcome, Outcome::Ok); // aliased by containers/shortnames
    /// let v = node.check("fusionauth/fusionauth-app:1.60.2");
    /// assert_eq!(v.outcome, Outcome::Error);
    /// assert_eq!(v.error.unwrap().message.unwrap(),
    ///     "short name mode is enforcing, but image name fusionauth/fusionauth-app:1.60.2 returns ambiguous list");
    /// assert_eq!(v.fix.as_deref(), Some("docker.io/fusionauth/fusionauth-app:1.60.2"));
    /// let v = node.check("nginx");
    /// assert_eq!(v.requested.as_deref(), Some("nginx:latest"));
    /// assert_eq!(v.fix.as_deref(), Some("docker.io/library/nginx"));
    /// ```
    pub fn check(&self, image: &str) -> Verdict {
        if image.is_empty() {
            return Verdict::refused(ErrorSource::KubernetesApi, "empty-image");
        }
        if image.trim() != image {
            return Verdict::refused(ErrorSource::KubernetesApi, "surrounding-whitespace");
        }
        // The kubelet: distribution/reference ParseNormalizedNamed, then `:latest` appended
        // to the string as written.
        let Ok(docker_hub) = Reference::parse_normalized(image) else {
            return Verdict::refused(ErrorSource::Kubelet, "invalid-image-name");
        };
        let Ok(written) = Reference::parse(image) else {
            return Verdict::refused(ErrorSource::Kubelet, "invalid-image-name");
        };
        let requested = if written.is_name_only() {
            format!("{image}:latest")
        } else {
            image.to_owned()
        };
        let short = !written.has_registry();
        let suffix = written.suffix();
        let mut v = Verdict {
            requested: Some(requested.clone()),
            short_name: Some(short),
            resolution: None,
            origin: None,
            candidates: Vec::new(),
            outcome: Outcome::Ok,
            error: None,
            fix: None,
            fix_basis: None,
            docker_hub: short.then(|| docker_hub.as_str().to_owned()),
        };
        match self.resolver().resolve(&requested) {
            Ok(r) => {
                v.resolution = Some(r.kind);
                v.origin = r.origin.map(str::to_owned);
                v.candidates = r
                    .candidates
                    .iter()
                    .map(|c| c.reference.without_tag_if_digested().as_str().to_owned())
                    .collect();
                if r.kind == ResolutionKind::SearchRegistries
                    && r.candidates.len() > 1
                    && self.short_name_mode() == ShortNameMode::Enforcing
                {
                    v.outcome = Outcome::Error;
                    v.error = Some(ImageError {
                        source: ErrorSource::CriO,
                        kind: "short-name-ambiguous",
                        message: Some(format!(
                            "short name mode is enforcing, but image name {requested} returns ambiguous list"
                        )),
                    });
                }
                if short {
                    let names: Vec<&str> =
                        r.candidates.iter().map(|c| c.reference.name()).collect();
                    let (basis, repo) = match r.kind {
                        ResolutionKind::Alias => (FixBasis::Alias, names[0].to_owned()),
                        _ if names.len() == 1 => {
                            (FixBasis::SingleSearchRegistry, names[0].to_owned())
                        }
                        _ if names.is_empty()
                            || r.candidates
                                .iter()
                                .any(|c| c.reference.domain() == Some("docker.io")) =>
                        {
                            (FixBasis::DockerHub, docker_hub.name().to_owned())
                        }
                        _ => (FixBasis::FirstSearchRegistry, names[0].to_owned()),
                    };
                    v.fix = Some(format!("{repo}{suffix}"));
                    v.fix_basis = Some(basis);
                }
            }
            Err(e) => {
                v.outcome = Outcome::Error;
                let kind = match e.kind() {
                    ErrorKind::NoSearchRegistries => "no-search-registries",
                    _ => "resolution",
                };
                v.error = Some(ImageError {
                    source: ErrorSource::CriO,
                    kind,
                    message: Some(e.message().to_owned()),
                });
                if short {
                    v.fix = Some(format!("{}{suffix}", docker_hub.name()));
                    v.fix_basis = Some(FixBasis::DockerHub);
                }
            }
        }
        v
    }
}
