//! Fuzz harnesses: one function per fuzz target, taking arbitrary bytes.
//!
//! Not part of the library: included (`#[path]`) by each cargo-fuzz target in
//! `fuzz/fuzz_targets/` and by `tests/fuzz_corpus_replay.rs`, which replays the committed
//! corpora through it, so that CI (which has no nightly toolchain) runs exactly the
//! code the fuzzers run. Each function panics only when an invariant is broken (that is what a
//! fuzzer reports as a crash); every input, however hostile, must otherwise return normally.
//!
//! Input layouts (so that seeds can be written by hand):
//! * [`reference`]: the bytes are an image name (invalid UTF-8 is decoded lossily).
//! * [`config`]: `registries.conf` `\0` `drop-in` `\0` `user alias file` (missing parts are
//!   absent files); written to a per-thread scratch directory and loaded from there.
//! * [`credentials`]: first byte selects the format (even: `config.json`, odd: `.dockercfg`),
//!   the rest is the document.
//! * [`resolve`]: `drop-in` `\0` `names, one per line`; the drop-in is layered in memory.
//! * [`decoders`]: the bytes of one registries.conf (as read from a file).
//!
//! For example `reference(b"quay.io/a/b:1")` or
//! `resolve(b"unqualified-search-registries = [\"quay.io\"]\0app\nquay.io/x")`.
#![allow(dead_code)]

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use shortnames::config::Limits;
use shortnames::credentials::{AuthFileReport, Format, Keyring, SourceId};
use shortnames::reference::Reference;
use shortnames::report;
use shortnames::{ConfigSources, Resolver};

/// Names looked up against every fuzzed configuration, on top of the input's own.
const PROBE_NAMES: &[&str] = &[
    "busybox",
    "app:1",
    "library/nginx@sha256:0123456789012345678901234567890123456789012345678901234567890123",
    "quay.io/ns/app:1",
    "localhost/x",
    "docker.io/library/alpine",
];

/// Smaller limits than the defaults so the fuzzer also reaches the limit paths.
fn fuzz_limits() -> Limits {
    Limits::default()
        .with_max_file_size(64 << 10)
        .with_max_aliases_per_file(64)
        .with_max_name_len(256)
}

/// Reference parsing: never panics; a parsed reference re-parses from its display to itself,
/// and normalisation is idempotent.
pub fn reference(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let s = text.as_ref();
    if let Ok(r) = Reference::parse(s) {
        let again = Reference::parse(r.as_str())
            .unwrap_or_else(|e| panic!("{:?} displays as {:?}, which fails: {e}", s, r.as_str()));
        assert_eq!(again, r, "parse(display(r)) != r for {s:?}");
        assert_eq!(r.to_string(), r.as_str());
        let _ = (
            r.name(),
            r.domain(),
            r.path(),
            r.tag(),
            r.digest(),
            r.suffix(),
        );
        let _ = r.without_tag_if_digested();
        let _ = r.clone().with_default_tag();
        #[cfg(feature = "oci")]
        let _ = r.to_oci();
    }
    if let Ok(n) = Reference::parse_normalized(s) {
        let again = Reference::parse_normalized(n.as_str())
            .unwrap_or_else(|e| panic!("normalized {:?} is {:?}, which fails: {e}", s, n.as_str()));
        assert_eq!(again, n, "normalisation of {s:?} is not idempotent");
    }
    let _ = Reference::parse_canonical(s);
    let _ = shortnames::is_short_name(s);
}

/// A scratch directory per thread (so tests may replay in parallel), removed when the thread
/// ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

thread_local! {
    static SCRATCH: Scratch = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "shortnames-fuzz-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::create_dir_all(dir.join("registries.conf.d"));
        Scratch(dir)
    };
}

fn write_or_remove(path: &std::path::Path, part: Option<&[u8]>) {
    let result = match part {
        Some(bytes) => fs::write(path, bytes),
        None => match fs::remove_file(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        },
    };
    result.unwrap_or_else(|e| panic!("fuzz scratch file {}: {e}", path.display()));
}

/// Configuration loading from files: main file, one drop-in and the user alias file. Never
/// panics; loading is deterministic; lookups against the result never panic.
pub fn config(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0);
    let main = parts.next();
    let drop_in = parts.next();
    let user = parts.next();
    SCRATCH.with(|scratch| load_files(&scratch.0, main, drop_in, user));
}

fn load_files(
    dir: &std::path::Path,
    main: Option<&[u8]>,
    drop_in: Option<&[u8]>,
    user: Option<&[u8]>,
) {
    write_or_remove(&dir.join("registries.conf"), main);
    write_or_remove(&dir.join("registries.conf.d/50-fuzz.conf"), drop_in);
    write_or_remove(&dir.join("user-aliases.conf"), user);
    let sources = ConfigSources::new()
        .fs_root(dir)
        .registries_conf("registries.conf")
        .registries_conf_d("registries.conf.d")
        .user_aliases("user-aliases.conf")
        .limits(fuzz_limits());
    let resolver = Resolver::new(&sources);
    let first = report::document(&resolver, PROBE_NAMES);
    let second = report::document(&Resolver::new(&sources), PROBE_NAMES);
    assert_eq!(first, second, "loading the same files twice differs");
    if let Ok(c) = resolver.config() {
        for alias in c.aliases() {
            let _ = alias;
        }
        let _ = c.main_file();
    }
}

/// Credentials parsing: `check_document` and a keyring built from the document never panic,
/// and lookups for a few targets never panic.
pub fn credentials(data: &[u8]) {
    let Some((&selector, doc)) = data.split_first() else {
        return;
    };
    let format = if selector % 2 == 0 {
        Format::DockerConfigJson
    } else {
        Format::Dockercfg
    };
    let report = AuthFileReport::check_document(SourceId::label("fuzz"), doc, format);
    let _ = report.render_text();
    for d in report.diagnostics() {
        let _ = (d.to_string(), d.code(), d.source(), d.key());
    }
    let _ = report.usable_entries();
    let _ = report.is_ok();
    let (keyring, _diagnostics) = Keyring::builder()
        .namespace_document(SourceId::label("ns"), doc, format)
        .node_document(SourceId::label("node"), doc, format)
        .build();
    for (physical, logical) in [
        ("quay.io/team/app:1", "quay.io/team/app:1"),
        (
            "mirror.example.com:5000/team/app:1",
            "docker.io/library/app:1",
        ),
        ("localhost/x", "localhost/x"),
        ("not a reference", "quay.io/x"),
    ] {
        let result = keyring.lookup_pull_source(physical, logical, None);
        let _ = result
            .as_ref()
            .map(ToString::to_string)
            .map_err(ToString::to_string);
        let _ = keyring.lookup_push(physical, None);
    }
}

/// Resolution over an arbitrary (in-memory) configuration and arbitrary names: never panics,
/// deterministic, and every lookup gives one answer per name.
pub fn resolve(data: &[u8]) {
    let (conf, names) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let conf = String::from_utf8_lossy(conf).into_owned();
    let names_text = String::from_utf8_lossy(names);
    let mut names: Vec<&str> = names_text.split('\n').take(16).collect();
    names.extend_from_slice(PROBE_NAMES);
    let sources = ConfigSources::new()
        .registries_conf_d("/nonexistent/shortnames-fuzz")
        .prepend_drop_in("fuzz.conf", conf)
        .limits(fuzz_limits());
    let resolver = Resolver::new(&sources);
    let doc = report::document(&resolver, &names);
    let lookups = doc["lookups"].as_array().map_or(0, Vec::len);
    assert_eq!(lookups, names.len(), "one lookup per name");
    assert_eq!(
        doc,
        report::document(&resolver, &names),
        "resolution is not deterministic"
    );
    for name in &names {
        if let Ok(r) = resolver.resolve(name) {
            assert!(
                !r.candidates.is_empty(),
                "{name:?} resolved to no candidate"
            );
            let _ = r.description();
        }
        let _ = resolver.resolve_locally(name);
    }
}

/// The fast TOML scanner against the full decoder: never a panic; when the fast scanner
/// decodes the input, the full decoder reads the same values at the same spans (and the user
/// alias file decoders agree on the aliases).
pub fn decoders(data: &[u8]) {
    shortnames::config::fuzz_decoders(data);
}
