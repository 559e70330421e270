//! # shortnames
//!
//! Short-name resolution, mirror rewriting and pull-credential selection for container
//! image pulls, answering exactly as containers/image v5.23.1 does on the same
//! `registries.conf` files.
//!
//! The pipeline (each step uses only the steps before it):
//!
//! 1. [`reference`](mod@reference) — image references: grammar, Docker Hub normalisation, rewriting;
//! 2. [`config`] — which files ([`ConfigSources`]), decoding, validation, the system alias table
//!    and the embedded defaults, merged into a [`Config`];
//! 3. the registry index — which `[[registry]]` entry governs a name, under the
//!    [`Profile`] chosen once per snapshot;
//! 4. the user alias file (one reader, shared by every command) and [`alias_cache`] (its
//!    Podman-compatible writer);
//! 5. [`resolve`] — short names to candidates ([`Resolver`]), each with its pull sources
//!    ([`PullSource`]: mirrors, rewrite, insecure, blocked);
//! 6. [`credentials`] — pull credentials for each pull source;
//! 7. [`engine`] — live reload for a long-running process;
//! 8. [`diagnostics`] — `check` and `explain`; [`report`] — the conformance corpus document
//!    (every other JSON document is the CLI's).
//!
//! # Resolving a name
//!
//! Build a [`Resolver`] once from [`ConfigSources`] (it loads and compiles the files), then
//! resolve from any number of threads; a resolution does no I/O and takes no lock.
//!
//! ```
//! use shortnames::{ConfigSources, ResolutionKind, Resolver};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, r#"
//! unqualified-search-registries = ["quay.io"]
//! [aliases]
//! "ubi9" = "registry.access.redhat.com/ubi9"
//! [[registry]]
//! location = "quay.io"
//! [[registry.mirror]]
//! location = "mirror.example.net/quay"
//! "#).unwrap();
//!
//! // Sources: the main file, the drop-in directory, optionally the user alias file.
//! let sources = ConfigSources::new()
//!     .registries_conf(&conf)
//!     .registries_conf_d(dir.path().join("registries.conf.d"))
//!     .user_aliases(dir.path().join("short-name-aliases.conf"));
//! let resolver = Resolver::new(&sources);
//!
//! let alias = resolver.resolve("ubi9:9.4").unwrap();
//! assert_eq!(alias.kind, ResolutionKind::Alias);
//! assert_eq!(alias.candidates[0].reference.as_str(), "registry.access.redhat.com/ubi9:9.4");
//!
//! let search = resolver.resolve("app:1").unwrap();
//! let sources = search.candidates[0].sources.as_ref().unwrap();
//! let refs: Vec<&str> = sources.iter().map(|s| s.reference.as_str()).collect();
//! assert_eq!(refs, ["mirror.example.net/quay/app:1", "quay.io/app:1"]);
//! ```
//!
//! A configuration error does not fail [`Resolver::new`]: every lookup that needs the
//! configuration reports it as an [`Error`] with the reference's text, a `kind()` and, where
//! known, file, key, line and column. [`ConfigSources::podman_compatible`] applies Podman's
//! per-user discovery; [`ConfigSources::new`] reads only what it is given (plus the system
//! defaults) and never the environment.
//!
//! # Credentials for each pull source
//!
//! ```
//! use shortnames::credentials::{Format, Keyring, SourceId};
//! use shortnames::{ConfigSources, Resolver};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, "[[registry]]\nlocation = \"quay.io\"\n[[registry.mirror]]\nlocation = \"mirror.example.net/quay\"\n").unwrap();
//! let resolver = Resolver::new(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path()));
//!
//! let node = br#"{"auths": {"mirror.example.net": {"auth": "dXNlcjpwdw=="}}}"#;
//! let (keyring, problems) = Keyring::builder()
//!     .node_document(SourceId::file("/var/lib/kubelet/config.json"), node, Format::DockerConfigJson)
//!     .build();
//! assert!(problems.is_empty());
//!
//! let resolution = resolver.resolve("quay.io/team/app:1").unwrap();
//! let per_source = keyring.pull_source_credentials(&resolution.candidates[0], None);
//! // The mirror has credentials, the primary location is pulled anonymously.
//! assert!(!per_source[0].credentials.as_ref().unwrap().is_anonymous());
//! assert!(per_source[1].credentials.as_ref().unwrap().is_anonymous());
//! ```
//!
//! # A long-running process: the engine
//!
//! An [`Engine`] holds the current resolver and swaps a new one in atomically when the files
//! change ([`Engine::reload`], [`Engine::reload_if_changed`], or a watcher thread), keeping the
//! last good configuration when a new one is broken.
//!
//! ```
//! use shortnames::{ConfigSources, Engine};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
//! let engine = Engine::new(ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")));
//! assert_eq!(engine.resolver().resolve("app").unwrap().candidates[0].reference.as_str(), "quay.io/app:latest");
//!
//! std::fs::write(&conf, "unqualified-search-registries = [\"docker.io\"]\n").unwrap();
//! engine.reload().unwrap();
//! assert_eq!(engine.resolver().resolve("app").unwrap().candidates[0].reference.as_str(), "docker.io/library/app:latest");
//! ```
//!
//! # Features
//!
//! * `cli` (default): the `shortnames` binary (clap). With `default-features = false` the
//!   crate is the library only.
//! * `oci`: [`Reference::to_oci`](crate::Reference) converts to `oci-spec`'s distribution
//!   reference.
//! * `yaml` (enabled by `cli`): Kubernetes manifests — the shared reader [`kube`], [`scan`]
//!   (what a CRI-O node does with the images of manifests), and `render` (what the Machine
//!   Config Operator lays down on OpenShift nodes).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alias_cache;
pub mod config;
pub mod credentials;
pub mod diagnostics;
pub mod engine;
mod error;
mod escape;
mod fs;
#[cfg(feature = "yaml")]
pub mod kube;
mod lock;
mod profile;
#[cfg(feature = "oci-client")]
pub mod pull;
mod pull_sources;
mod quote;
pub mod reference;
mod registry_index;
#[cfg(feature = "yaml")]
pub mod render;
#[cfg(feature = "json")]
pub mod report;
pub mod resolve;
#[cfg(feature = "yaml")]
pub mod scan;
mod user_aliases;

pub use config::{Config, ConfigSources, Mirror, PullFromMirror, Registry, ShortNameMode, Warning};
pub use engine::{Engine, ReloadOutcome};
pub use error::{Error, ErrorKind, Location};
pub use profile::Profile;
pub use pull_sources::PullSource;
pub use reference::{Reference, ReferenceError};
pub use resolve::{is_short_name, Candidate, Resolution, ResolutionKind, Resolver};
