//! # shortnames
//!
//! Short-name resolution, mirror rewriting and pull-credential selection for container
//! image pulls, answering exactly as containers/image v5.23.1 does on the same
//! `registries.conf` files.
//!
//! The pipeline, one module per step:
//!
//! 1. [`reference`](mod@reference) — image references: grammar, parsing, Docker Hub normalisation;
//! 2. [`config`] — registries.conf, drop-ins, validation and merging into a [`Config`];
//! 3. [`aliases`] — alias validation, system alias table, the user alias file;
//! 4. `registry_index` — which `[[registry]]` entry governs a name (longest prefix, wildcards);
//! 5. [`resolve`] — short names to candidates ([`Resolver`]);
//! 6. [`pull_sources`] — candidates to endpoints (mirrors, rewrite, insecure, blocked).
//!
//! [`engine`] holds a [`Resolver`] snapshot for a long-running process and swaps it atomically
//! on reload (keeping the last good one when a new configuration is broken), optionally
//! watching the files.
//!
//! ```
//! use shortnames::{ConfigSources, Resolver};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, r#"
//! unqualified-search-registries = ["quay.io"]
//! [[registry]]
//! location = "quay.io"
//! [[registry.mirror]]
//! location = "mirror.example.net/quay"
//! "#).unwrap();
//!
//! let resolver = Resolver::new(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")));
//! let resolution = resolver.resolve("app:1").unwrap();
//! let sources = resolution.candidates[0].sources.as_ref().unwrap();
//! let refs: Vec<&str> = sources.iter().map(|s| s.reference.as_str()).collect();
//! assert_eq!(refs, ["mirror.example.net/quay/app:1", "quay.io/app:1"]);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alias_cache;
pub mod aliases;
pub mod builtin;
pub mod check;
pub mod config;
pub mod credentials;
pub mod diagnostics;
pub mod engine;
pub mod error;
pub mod escape;
pub mod explain;
pub mod fs;
#[doc(hidden)]
pub mod fuzzing;
mod lock;
pub mod profile;
pub mod pull_sources;
mod quote;
pub mod reference;
mod registry_index;
pub mod report;
pub mod resolve;

pub use config::{Config, ConfigSources, Mirror, PullFromMirror, Registry, ShortNameMode, Warning};
pub use engine::{Engine, ReloadOutcome};
pub use error::{Error, ErrorKind, Location};
pub use profile::Profile;
pub use pull_sources::PullSource;
pub use reference::{Reference, ReferenceError};
pub use resolve::{is_short_name, Candidate, Resolution, ResolutionKind, Resolver};
