//! Machine-readable reports: the JSON document of the conformance corpus (`expect.json`),
//! produced by `shortnames resolve --format json`.
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
pub fn error_json(e: &Error) -> Value {
    json!({"kind": e.kind().as_str(), "message": e.message()})
}

fn opt_error(e: Option<&Error>) -> Value {
    e.map_or(Value::Null, error_json)
}

/// The effective configuration as in `expect.json`'s `config`.
pub fn config_json(c: &Config) -> Value {
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
pub fn candidate_json(c: &Candidate) -> Value {
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
pub fn lookup_json(resolver: &Resolver, name: &str) -> Value {
    let local = match resolver.resolve_locally(name) {
        Ok(c) => {
            json!({"error": null, "candidates": c.iter().map(|r| r.as_str()).collect::<Vec<_>>()})
        }
        Err(e) => json!({"error": error_json(&e), "candidates": []}),
    };
    let mut v = match resolver.resolve(name) {
        Ok(r) => json!({
            "name": name,
            "is_short_name": is_short_name(name),
            "error": null,
            "resolution": r.kind.as_str(),
            "origin": r.origin,
            "description": r.description(),
            "candidates": r.candidates.iter().map(candidate_json).collect::<Vec<_>>(),
        }),
        Err(e) => json!({
            "name": name,
            "is_short_name": is_short_name(name),
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

/// The whole `expect.json` document for `names`.
pub fn document<S: AsRef<str>>(resolver: &Resolver, names: &[S]) -> Value {
    let (config_error, config) = match resolver.config() {
        Ok(c) => (Value::Null, config_json(c)),
        Err(e) => (error_json(&e), Value::Null),
    };
    json!({
        "config_error": config_error,
        "config": config,
        "lookups": names.iter().map(|n| lookup_json(resolver, n.as_ref())).collect::<Vec<_>>(),
    })
}
