//! `scan`: what a CRI-O node does with the image strings of Kubernetes manifests (feature
//! `yaml`).
//!
//! A [`NodeProfile`] is a node's configuration: its registries.conf, drop-ins and root alias
//! cache (read by the same [`Resolver`](crate::Resolver) as every other command) and CRI-O's
//! `short_name_mode` (CRI-O ≥ 1.34 defaults to enforcing and ignores registries.conf's
//! `short-name-mode`). [`NodeProfile::check`] answers for one image string what the kubelet
//! sends, what CRI-O tries, whether it refuses it with which message, and which
//! fully-qualified name to write instead; [`NodeProfile::scan_bytes`] does it for every image
//! field of every workload in a manifest file (read with [`crate::kube`]).
//!
//! An admission controller can ask the same question for a pod's images:
//!
//! ```
//! use shortnames::scan::{NodeProfile, Outcome};
//! let node = NodeProfile::builtin("openshift").unwrap().unwrap();
//! let v = node.check("couchbase/operator:2.8.1");
//! assert_eq!(v.outcome, Outcome::Ok);
//! // The RHEL alias tables send it to Red Hat's registry, not to Docker Hub.
//! assert_eq!(v.candidates, ["registry.connect.redhat.com/couchbase/operator:2.8.1"]);
//! assert_ne!(v.fix, v.docker_hub);
//! ```

pub(crate) mod builtin;
mod extract;
pub mod fix;
mod profile;
mod report;
pub mod sarif;
mod verdict;

pub use extract::{pod_spec_path, ObjectRef};
pub use profile::{NodeProfile, ProfileError, CRIO_CONF, CRIO_CONF_D, ROOT_ALIAS_CACHE};
pub use report::{
    DocumentError, DocumentReport, FileReport, ImageReport, ProfileSummary, ScanReport, Summary,
    SCHEMA,
};
pub use verdict::{ErrorSource, FixBasis, ImageError, Outcome, Verdict};
