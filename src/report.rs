//! The JSON document of the conformance corpus (`expect.json`): the library's answer for a
//! list of names, in the shape ../shared/conformance/README.md defines. `shortnames resolve
//! --format json` prints it (streamed, and with the credentials of every endpoint when asked:
//! that rendering is the CLI's, see src/cli/); the corpus tests compare it in-process.
//!
//! ```
//! use shortnames::{report, ConfigSources, Resolver};
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
//! let resolver = Resolver::new(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")));
//! let doc = report::document(&resolver, &["app"]);
//! assert_eq!(doc["lookups"][0]["candidates"][0]["reference"], "quay.io/app:latest");
//! assert_eq!(doc["config"]["short_name_mode"], "permissive");
//! ```

use serde_json::{json, Value};

use crate::config::Config;
use crate::error::Error;
use crate::pull_sources::PullSource;
use crate::resolve::{is_short_name, Candidate, Resolver};

/// `{"kind": ..., "message": ...}`.
fn error_json(e: &Error) -> Value {
    json!({"kind": e.kind().as_str(), "message": e.message()})
}

fn opt_error(e: Option<&Error>) -> Value {
    e.map_or(Value::Null, error_json)
}

/// The effective configuration as in `expect.json`'s `config`.
fn config_json(c: &Config) -> Value {
    json!({
        "short_name_mode": c.short_name_mode.as_str(),
        "unqualified_search_registries": c.unqualified_search_registries.iter().map(|s| &**s).collect::<Vec<_>>(),
        "search_registries_origin": &*c.search_registries_origin,
        "credential_helpers": c.credential_helpers,
        "registries": c.registries.iter().map(|r| json!({
            "prefix": &*r.prefix,
            "location": &*r.location,
            "insecure": r.insecure,
            "blocked": r.blocked,
            "mirror_by_digest_only": r.mirror_by_digest_only,
            "mirrors": r.mirrors.iter().map(|m| json!({
                "location": &*m.location,
                "insecure": m.insecure,
                "pull_from_mirror": m.pull_from_mirror.as_str(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn source_json(s: &PullSource) -> Value {
    json!({
        "reference": s.reference.as_str(),
        "location": s.location_str(),
        "insecure": s.insecure,
        "mirror": s.mirror,
        "error": opt_error(s.error.as_ref()),
    })
}

/// One candidate as in `expect.json`.
fn candidate_json(c: &Candidate) -> Value {
    let (sources_error, sources) = match &c.sources {
        Ok(s) => (Value::Null, s.iter().map(source_json).collect::<Vec<_>>()),
        Err(e) => (error_json(e), Vec::new()),
    };
    json!({
        "reference": c.reference.as_str(),
        "record": c.record,
        "registry": c.registry.map(|r| &*r.prefix),
        "blocked": c.registry.as_ref().is_some_and(|r| r.blocked),
        "sources_error": sources_error,
        "sources": sources,
    })
}

/// One lookup (resolution and local resolution of `name`) as in `expect.json`.
///
/// ```
/// use shortnames::{report, ConfigSources, Resolver};
///
/// let resolver = Resolver::new(&ConfigSources::from_text("r.conf", "unqualified-search-registries = [\"quay.io\"]\n"));
/// let lookup = report::lookup_json(&resolver, "app");
/// assert_eq!(lookup["candidates"][0]["reference"], "quay.io/app:latest");
/// ```
pub fn lookup_json(resolver: &Resolver, name: &str) -> Value {
    lookup_json_with(resolver, name.as_bytes(), |_, _| {})
}

/// One lookup of a name that may not be UTF-8 (shown with U+FFFD, like Go's JSON encoder).
/// The name is resolved once; `each` sees every candidate with its JSON object before it is
/// placed in `candidates`, e.g. to add members (the CLI adds each endpoint's credentials).
///
/// ```
/// use shortnames::{report, ConfigSources, Resolver};
/// let dir = tempfile::tempdir().unwrap();
/// let resolver = Resolver::new(&ConfigSources::new().registries_conf_d(dir.path().join("d")));
/// let v = report::lookup_json_with(&resolver, b"quay.io/a/b", |c, j| {
///     j["seen"] = c.reference.as_str().into();
/// });
/// assert_eq!(v["candidates"][0]["seen"], "quay.io/a/b:latest");
/// assert_eq!(v, {
///     let mut plain = report::lookup_json(&resolver, "quay.io/a/b");
///     plain["candidates"][0]["seen"] = "quay.io/a/b:latest".into();
///     plain
/// });
/// ```
pub fn lookup_json_with(
    resolver: &Resolver,
    raw: &[u8],
    mut each: impl FnMut(&Candidate, &mut Value),
) -> Value {
    let lossy = String::from_utf8_lossy(raw);
    let name = &*lossy;
    let local = match resolver.resolve_locally_bytes(raw) {
        Ok(c) => {
            json!({"error": null, "candidates": c.iter().map(|r| r.as_str()).collect::<Vec<_>>()})
        }
        Err(e) => json!({"error": error_json(&e), "candidates": []}),
    };
    let mut v = match resolver.resolve_bytes(raw) {
        Ok(r) => json!({
            "name": name,
            "is_short_name": is_short_name(name),
            "error": null,
            "resolution": r.kind.as_str(),
            "origin": r.origin,
            "description": r.description(),
            "candidates": r.candidates.iter().map(|c| {
                let mut j = candidate_json(c);
                each(c, &mut j);
                j
            }).collect::<Vec<_>>(),
        }),
        Err(e) => json!({
            "name": name,
            "is_short_name": std::str::from_utf8(raw).is_ok() && is_short_name(name),
            "error": error_json(&e),
            "resolution": null,
            "origin": null,
            "description": "",
            "candidates": [],
        }),
    };
    v["local"] = local;
    v
}

/// The whole `expect.json` document for `names` (strings, or byte strings such as the lines
/// of a names file, which may not be UTF-8).
///
/// ```
/// use shortnames::{report, ConfigSources, Resolver};
///
/// let resolver = Resolver::new(&ConfigSources::from_text("r.conf", "unqualified-search-registries = [\"quay.io\"]\n"));
/// let doc = report::document(&resolver, &["app"]);
/// assert!(doc["config_error"].is_null());
/// assert_eq!(doc["lookups"][0]["candidates"][0]["reference"], "quay.io/app:latest");
/// ```
pub fn document<S: AsRef<[u8]>>(resolver: &Resolver, names: &[S]) -> Value {
    let (config_error, config) = match resolver.config() {
        Ok(c) => (Value::Null, config_json(c)),
        Err(e) => (error_json(&e), Value::Null),
    };
    json!({
        "config_error": config_error,
        "config": config,
        "lookups": names.iter().map(|n| lookup_json_with(resolver, n.as_ref(), |_, _| {})).collect::<Vec<_>>(),
    })
}
