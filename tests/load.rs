//! Load test (issue 7): 2 resolver threads and 1 reloader that alternates two valid
//! configurations and a broken one at least 10,000 times. Every resolution must equal the
//! expected answer of one of the two valid configurations (never a mix, never an error), and
//! the broken configuration must never become active. Prints resolutions/s and the reload
//! count (`cargo test --test load -- --nocapture`).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::Instant;

use serde_json::Value;
use shortnames::{report, ConfigSources, Engine, Resolver};

const CONFIG_A: &str = r#"
unqualified-search-registries = ["quay.io"]
[aliases]
"app" = "quay.io/team/app"
[[registry]]
location = "quay.io"
[[registry.mirror]]
location = "mirror-a.example.com/quay"
"#;

const CONFIG_B: &str = r#"
unqualified-search-registries = ["registry.example.com", "docker.io"]
[aliases]
"app" = "registry.example.com/other/app"
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "mirror-b.example.com/hub"
pull-from-mirror = "tag-only"
[[registry]]
prefix = "quay.io"
location = "quay-b.example.com"
"#;

/// Valid TOML, invalid configuration (the search list must be an array).
const CONFIG_BROKEN: &str = r#"
unqualified-search-registries = "quay.io"
[aliases]
"app" = "broken.example.com/app"
"#;

const NAMES: &[&str] = &[
    "app:1",
    "busybox",
    "quay.io/team/x:1",
    "docker.io/library/alpine",
    "tool@sha256:0123456789012345678901234567890123456789012345678901234567890123",
];

struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

const MIN_RELOADS: u64 = 10_000;

/// Points `registries.conf` at `target` atomically (rename of a fresh symlink).
fn point_at(dir: &Path, target: &str) {
    let tmp = dir.join("registries.conf.tmp");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, dir.join("registries.conf")).unwrap();
}

#[test]
fn concurrent_resolution_during_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.conf"), CONFIG_A).unwrap();
    std::fs::write(d.join("b.conf"), CONFIG_B).unwrap();
    std::fs::write(d.join("broken.conf"), CONFIG_BROKEN).unwrap();
    let sources = ConfigSources::new()
        .fs_root(d)
        .registries_conf("registries.conf")
        .registries_conf_d("registries.conf.d");

    // The expected answers, from fresh resolvers over the same paths.
    point_at(d, "a.conf");
    let doc_a = report::document(&Resolver::new(&sources), NAMES);
    point_at(d, "b.conf");
    let doc_b = report::document(&Resolver::new(&sources), NAMES);
    point_at(d, "broken.conf");
    assert!(Resolver::new(&sources).config().is_err());
    assert!(doc_a["config_error"].is_null() && doc_b["config_error"].is_null());
    let lookups = |doc: &Value| doc["lookups"].as_array().unwrap().clone();
    let (lookups_a, lookups_b) = (lookups(&doc_a), lookups(&doc_b));
    for (i, name) in NAMES.iter().enumerate() {
        assert_ne!(lookups_a[i], lookups_b[i], "{name}: A and B must differ");
        assert!(lookups_a[i]["error"].is_null() && lookups_b[i]["error"].is_null());
    }

    point_at(d, "a.conf");
    let engine = Engine::try_new(sources).unwrap();
    let done = AtomicBool::new(false);
    let resolutions = AtomicU64::new(0);
    let barrier = Barrier::new(3);
    let start = Instant::now();

    std::thread::scope(|s| {
        for t in 0..2 {
            let (engine, done, resolutions, barrier) = (&engine, &done, &resolutions, &barrier);
            let (lookups_a, lookups_b, doc_a, doc_b) = (&lookups_a, &lookups_b, &doc_a, &doc_b);
            s.spawn(move || {
                barrier.wait();
                let (mut n, mut seen_a, mut seen_b) = (0u64, 0u64, 0u64);
                while !done.load(Ordering::Relaxed) {
                    let i = (n as usize + t) % NAMES.len();
                    let resolver = engine.resolver();
                    // One lookup: resolve and resolve_locally from the same snapshot.
                    let got = report::lookup_json(&resolver, NAMES[i]);
                    if got == lookups_a[i] {
                        seen_a += 1;
                    } else if got == lookups_b[i] {
                        seen_b += 1;
                    } else {
                        panic!("thread {t}: {} answered neither A nor B: {got:#}", NAMES[i]);
                    }
                    // Now and then a whole document (configuration + every name).
                    if n % 64 == 0 {
                        let doc = report::document(&resolver, NAMES);
                        assert!(
                            doc == *doc_a || doc == *doc_b,
                            "thread {t}: a document that is neither A nor B: {doc:#}"
                        );
                    }
                    n += 1;
                }
                resolutions.fetch_add(n, Ordering::Relaxed);
                eprintln!("resolver thread {t}: {n} lookups, {seen_a} from A, {seen_b} from B");
                assert!(
                    seen_a > 0 && seen_b > 0,
                    "the readers saw both configurations"
                );
            });
        }
        s.spawn(|| {
            // Stops the readers however this thread ends (a failed assertion included).
            let _stop = SetOnDrop(&done);
            barrier.wait();
            let cycle = ["b.conf", "broken.conf", "a.conf", "broken.conf"];
            let mut i = 0usize;
            while engine.reload_count() < MIN_RELOADS {
                let target = cycle[i % cycle.len()];
                point_at(d, target);
                let result = engine.reload();
                if target == "broken.conf" {
                    let err = result.expect_err("the broken configuration must fail to load");
                    assert_eq!(err.kind().as_str(), "invalid-config/toml");
                    assert!(engine.resolver().config().is_ok(), "broken became active");
                } else if let Err(e) = result {
                    panic!("valid configuration {target} failed to load: {e}");
                }
                i += 1;
            }
        });
    });

    let elapsed = start.elapsed();
    let stats = engine.stats();
    let n = resolutions.load(Ordering::Relaxed);
    eprintln!(
        "load: {} reloads ({} failed as intended, generation {}), {n} lookups in {:.2?}: {:.0} lookups/s (each lookup = resolve + resolve_locally)",
        stats.reloads,
        stats.failed_reloads,
        stats.generation,
        elapsed,
        n as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    assert!(stats.reloads >= MIN_RELOADS);
    assert_eq!(stats.failed_reloads, stats.reloads / 2);
    assert_eq!(stats.generation, stats.reloads - stats.failed_reloads);
    // The last reload in the cycle was the broken one: the last good one is still active.
    assert!(engine.resolver().config().is_ok());
}
