//! Machine-readable reports: the JSON document of the conformance corpus (`expect.json`),
//! produced by `shortnames resolve --format json`, and the same document with the pull
//! credentials of every endpoint (`--auth-file` / `--node-auth-file`).
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

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::config::Config;
use crate::credentials::{self, Keyring};
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
    lookup(resolver, name, None)
}

fn lookup(resolver: &Resolver, name: &str, keyring: Option<&Keyring>) -> Value {
    lookup_bytes(resolver, name.as_bytes(), keyring)
}

/// A lookup of a name that may not be UTF-8 (shown with U+FFFD, like Go's JSON encoder).
fn lookup_bytes(resolver: &Resolver, raw: &[u8], keyring: Option<&Keyring>) -> Value {
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
            "candidates": r.candidates.iter().map(|c| match keyring {
                None => candidate_json(c),
                Some(k) => candidate_json_with_credentials(c, k),
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
pub fn document<S: AsRef<[u8]>>(resolver: &Resolver, names: &[S]) -> Value {
    build_document(resolver, names, None)
}

fn build_document<S: AsRef<[u8]>>(
    resolver: &Resolver,
    names: &[S],
    keyring: Option<&Keyring>,
) -> Value {
    let (config_error, config) = match resolver.config() {
        Ok(c) => (Value::Null, config_json(c)),
        Err(e) => (error_json(&e), Value::Null),
    };
    json!({
        "config_error": config_error,
        "config": config,
        "lookups": names.iter().map(|n| lookup_bytes(resolver, n.as_ref(), keyring)).collect::<Vec<_>>(),
    })
}

// ---------------------------------------------------------------------------------------
// With pull credentials (only when the caller supplies credential sources)

/// [`candidate_json`] plus, in every element of `sources`, a `"credentials"` member: the
/// pull lookup for that endpoint as [`credentials::pull_result_json`] renders it
/// (`credential`, `candidates`, `warnings`, `error`; user names at most, never secrets).
/// Every other member is exactly as in [`candidate_json`].
///
/// ```
/// use shortnames::credentials::{Format, Keyring, SourceId};
/// use shortnames::{report, ConfigSources, Resolver};
///
/// let dir = tempfile::tempdir().unwrap();
/// let resolver = Resolver::new(&ConfigSources::new().registries_conf_d(dir.path().join("d")));
/// let (keyring, _) = Keyring::builder()
///     .namespace_document(SourceId::label("ns"), br#"{"auths":{"quay.io":{"auth":"dTpw"}}}"#, Format::DockerConfigJson)
///     .build();
/// let r = resolver.resolve("quay.io/team/app:1").unwrap();
/// let v = report::candidate_json_with_credentials(&r.candidates[0], &keyring);
/// assert_eq!(v["sources"][0]["reference"], "quay.io/team/app:1");
/// assert_eq!(v["sources"][0]["credentials"]["credential"]["source"], "ns");
/// assert_eq!(v["sources"][0]["credentials"]["credential"]["username"], "u");
/// ```
pub fn candidate_json_with_credentials(c: &Candidate, keyring: &Keyring) -> Value {
    let mut v = candidate_json(c);
    let per_source = keyring.pull_source_credentials(c, None);
    if let Some(sources) = v["sources"].as_array_mut() {
        for (s, sc) in sources.iter_mut().zip(&per_source) {
            s["credentials"] = credentials::pull_result_json(&sc.credentials);
        }
    }
    v
}

/// [`lookup_json`] with a `"credentials"` member in every source (see
/// [`candidate_json_with_credentials`]).
///
/// ```
/// use shortnames::credentials::{Format, Keyring, SourceId};
/// use shortnames::{report, ConfigSources, Resolver};
///
/// let dir = tempfile::tempdir().unwrap();
/// let resolver = Resolver::new(&ConfigSources::new().registries_conf_d(dir.path().join("d")));
/// let (keyring, _) = Keyring::builder()
///     .node_document(SourceId::label("node"), br#"{"auths":{"quay.io":{"auth":"dTpw"}}}"#, Format::DockerConfigJson)
///     .build();
/// let v = report::lookup_json_with_credentials(&resolver, "quay.io/a/b", &keyring);
/// let cred = &v["candidates"][0]["sources"][0]["credentials"]["credential"];
/// assert_eq!((cred["origin"].as_str(), cred["key"].as_str()), (Some("node"), Some("quay.io")));
/// ```
pub fn lookup_json_with_credentials(resolver: &Resolver, name: &str, keyring: &Keyring) -> Value {
    lookup(resolver, name, Some(keyring))
}

/// [`document`] with credentials: every source has a `"credentials"` member (see
/// [`candidate_json_with_credentials`]), and the top level has
/// `"credential_diagnostics"`, the keyring's load-time diagnostics as
/// [`credentials::diagnostic_json`] renders them. Without credential sources, use
/// [`document`], whose output is exactly the corpus format.
///
/// ```
/// use shortnames::credentials::Keyring;
/// use shortnames::{report, ConfigSources, Resolver};
///
/// let dir = tempfile::tempdir().unwrap();
/// let resolver = Resolver::new(&ConfigSources::new().registries_conf_d(dir.path().join("d")));
/// let (keyring, _) = Keyring::builder().node_file(dir.path().join("missing.json")).build();
/// let doc = report::document_with_credentials(&resolver, &["quay.io/a/b"], &keyring);
/// let source = &doc["lookups"][0]["candidates"][0]["sources"][0];
/// assert!(source["credentials"]["credential"].is_null()); // anonymous
/// assert_eq!(doc["credential_diagnostics"][0]["code"], "SourceMissing");
/// ```
pub fn document_with_credentials<S: AsRef<[u8]>>(
    resolver: &Resolver,
    names: &[S],
    keyring: &Keyring,
) -> Value {
    let mut doc = build_document(resolver, names, Some(keyring));
    doc["credential_diagnostics"] = keyring
        .diagnostics()
        .iter()
        .map(credentials::diagnostic_json)
        .collect();
    doc
}

// ---------------------------------------------------------------------------------------
// Streaming

/// Writes the document of `names` to `out` one lookup at a time: exactly the bytes of
/// `serde_json::to_writer_pretty` applied to [`document`] (or, with a keyring, to
/// [`document_with_credentials`]), but holding only one lookup in memory at a time, so that
/// memory stays constant however many names are resolved. `each` sees every lookup (as
/// [`lookup_json`] builds it) before it is written, e.g. to compute an exit status. No
/// trailing newline is written.
///
/// ```
/// use shortnames::{report, ConfigSources, Resolver};
/// let dir = tempfile::tempdir().unwrap();
/// let resolver = Resolver::new(&ConfigSources::new().registries_conf_d(dir.path().join("d")));
/// let names = ["quay.io/a/b", "bad name"];
/// let mut streamed = Vec::new();
/// let mut errors = 0;
/// report::write_document(&mut streamed, &resolver, names, None, |l| errors += usize::from(!l["error"].is_null())).unwrap();
/// let whole = serde_json::to_vec_pretty(&report::document(&resolver, &names)).unwrap();
/// assert_eq!(streamed, whole);
/// assert_eq!(errors, 1);
/// ```
pub fn write_document<W: Write, S: AsRef<[u8]>>(
    out: &mut W,
    resolver: &Resolver,
    names: impl IntoIterator<Item = S>,
    keyring: Option<&Keyring>,
    mut each: impl FnMut(&Value),
) -> io::Result<()> {
    let diagnostics = keyring.map(|k| {
        k.diagnostics()
            .iter()
            .map(credentials::diagnostic_json)
            .collect()
    });
    write_streamed(out, resolver, names, keyring, |_, v| each(v), diagnostics)
}

/// [`write_document`] for a caller with its own vocabulary: `each` receives every lookup
/// (without credentials) with the name's bytes and may change it before it is written;
/// `credential_diagnostics`, when given, is written as that last member.
///
/// ```
/// use shortnames::{report, ConfigSources, Resolver};
/// let dir = tempfile::tempdir().unwrap();
/// let resolver = Resolver::new(&ConfigSources::new().registries_conf_d(dir.path().join("d")));
/// let mut out = Vec::new();
/// report::write_document_with(&mut out, &resolver, ["quay.io/a/b"], |name, l| {
///     l["given"] = serde_json::json!(String::from_utf8_lossy(name));
/// }, Some(serde_json::json!([]))).unwrap();
/// let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
/// assert_eq!(doc["lookups"][0]["given"], "quay.io/a/b");
/// assert_eq!(doc["credential_diagnostics"], serde_json::json!([]));
/// ```
pub fn write_document_with<W: Write, S: AsRef<[u8]>>(
    out: &mut W,
    resolver: &Resolver,
    names: impl IntoIterator<Item = S>,
    each: impl FnMut(&[u8], &mut Value),
    credential_diagnostics: Option<Value>,
) -> io::Result<()> {
    write_streamed(out, resolver, names, None, each, credential_diagnostics)
}

fn write_streamed<W: Write, S: AsRef<[u8]>>(
    out: &mut W,
    resolver: &Resolver,
    names: impl IntoIterator<Item = S>,
    keyring: Option<&Keyring>,
    mut each: impl FnMut(&[u8], &mut Value),
    credential_diagnostics: Option<Value>,
) -> io::Result<()> {
    let (config_error, config) = match resolver.config() {
        Ok(c) => (Value::Null, config_json(c)),
        Err(e) => (error_json(&e), Value::Null),
    };
    out.write_all(b"{\n  \"config_error\": ")?;
    write_nested(out, &config_error, 1)?;
    out.write_all(b",\n  \"config\": ")?;
    write_nested(out, &config, 1)?;
    drop((config_error, config));
    out.write_all(b",\n  \"lookups\": [")?;
    let mut any = false;
    for name in names {
        let mut v = lookup_bytes(resolver, name.as_ref(), keyring);
        each(name.as_ref(), &mut v);
        out.write_all(if any { b",\n    " } else { b"\n    " })?;
        write_nested(out, &v, 2)?;
        any = true;
    }
    out.write_all(if any { b"\n  ]" } else { b"]" })?;
    if let Some(diags) = credential_diagnostics {
        out.write_all(b",\n  \"credential_diagnostics\": ")?;
        write_nested(out, &diags, 1)?;
    }
    out.write_all(b"\n}")
}

/// `v` pretty-printed as serde_json does, its lines indented by `level` steps of two spaces
/// (the first line is not indented: it follows a key or a separator). JSON strings never
/// hold a raw newline, so every newline of the output is a line break of the layout.
fn write_nested<W: Write>(out: &mut W, v: &Value, level: usize) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(v).map_err(io::Error::other)?;
    let indent = "  ".repeat(level);
    let mut lines = text.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.write_all(first)?;
    }
    for line in lines {
        out.write_all(b"\n")?;
        out.write_all(indent.as_bytes())?;
        out.write_all(line)?;
    }
    Ok(())
}
