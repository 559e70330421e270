//! The user alias file: read once, re-read only when its identity (inode, size, mtime) changes,
//! by the background refresher or on `refresh_user_aliases()`, never created by lookups.

use std::fs;
use std::time::{Duration, Instant};

use shortnames::{ConfigSources, ResolutionKind, Resolver};

fn resolver(dir: &std::path::Path) -> Resolver {
    fs::write(
        dir.join("registries.conf"),
        "unqualified-search-registries = [\"quay.io\"]\n",
    )
    .unwrap();
    Resolver::new(
        &ConfigSources::new()
            .registries_conf(dir.join("registries.conf"))
            .registries_conf_d(dir.join("registries.conf.d"))
            .user_aliases(dir.join("cache/short-name-aliases.conf")),
    )
}

fn first_candidate(r: &Resolver, name: &str) -> String {
    r.resolve(name).unwrap().candidates[0].reference.to_string()
}

#[test]
fn edits_are_seen_after_refresh_and_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("cache")).unwrap();
    let file = dir.path().join("cache/short-name-aliases.conf");
    fs::write(&file, "[aliases]\napp = \"registry.one.example/app\"\n").unwrap();
    let r = resolver(dir.path());
    assert_eq!(
        first_candidate(&r, "app"),
        "registry.one.example/app:latest"
    );

    fs::write(&file, "[aliases]\napp = \"registry.two.example/app\"\n").unwrap();
    r.refresh_user_aliases();
    assert_eq!(
        first_candidate(&r, "app"),
        "registry.two.example/app:latest"
    );

    // Without an explicit refresh the edit is picked up by the background refresher: the
    // resolver keeps answering with the previous table, then with the new one (the outcome is
    // asserted, not the delay; the deadline only stops a broken refresher from hanging).
    fs::write(&file, "[aliases]\napp = \"registry.three.example/app\"\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = first_candidate(&r, "app");
        if got == "registry.three.example/app:latest" {
            break;
        }
        assert_eq!(got, "registry.two.example/app:latest", "neither table");
        assert!(
            Instant::now() < deadline,
            "the refresher never picked up the edit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // Removing the file removes the aliases.
    fs::remove_file(&file).unwrap();
    r.refresh_user_aliases();
    assert_eq!(
        r.resolve("app").unwrap().kind,
        ResolutionKind::SearchRegistries
    );
}

/// A broken edit replaces the table with its error for short names only; the previous
/// table is not kept (the reference reports a broken file on every short-name lookup).
#[test]
fn a_broken_edit_is_reported_by_short_names_only() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("cache")).unwrap();
    let file = dir.path().join("cache/short-name-aliases.conf");
    fs::write(&file, "[aliases]\napp = \"registry.one.example/app\"\n").unwrap();
    let r = resolver(dir.path());
    assert_eq!(
        first_candidate(&r, "app"),
        "registry.one.example/app:latest"
    );
    fs::write(&file, "[aliases]\napp = \"bad\"\n").unwrap();
    r.refresh_user_aliases();
    let err = r.resolve("app").unwrap_err();
    assert_eq!(err.kind().as_str(), "invalid-user-aliases/bad-alias");
    assert!(r.resolve("quay.io/app").is_ok());
}

#[test]
fn lookups_never_create_the_file_or_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let r = resolver(dir.path());
    assert_eq!(first_candidate(&r, "app"), "quay.io/app:latest");
    r.refresh_user_aliases();
    assert!(!dir.path().join("cache").exists());
}

/// Resolutions keep answering while the user alias file is rewritten (by the cache writer)
/// and refreshed in the background: every answer comes from one complete table (some version
/// written so far), never an error or a partial table, and the last version is seen in the
/// end.
#[test]
fn resolutions_during_rewrites_see_whole_tables() {
    let dir = tempfile::tempdir().unwrap();
    let r = std::sync::Arc::new(resolver(dir.path()));
    let cache =
        shortnames::alias_cache::AliasCache::new(dir.path().join("cache/short-name-aliases.conf"));
    cache.add("app", "registry.v0.example/app").unwrap();
    r.refresh_user_aliases();
    const VERSIONS: usize = 30;
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (r, done) = (&r, &done);
                s.spawn(move || {
                    let mut seen = std::collections::BTreeSet::new();
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        let got = first_candidate(r, "app");
                        let v: usize = got
                            .strip_prefix("registry.v")
                            .and_then(|t| t.split('.').next())
                            .and_then(|n| n.parse().ok())
                            .unwrap_or_else(|| panic!("not a written version: {got}"));
                        assert!(v < VERSIONS, "{got}");
                        seen.insert(v);
                    }
                    seen
                })
            })
            .collect();
        for v in 1..VERSIONS {
            cache
                .add("app", &format!("registry.v{v}.example/app"))
                .unwrap();
            std::thread::sleep(Duration::from_millis(5));
        }
        r.refresh_user_aliases();
        assert_eq!(
            first_candidate(&r, "app"),
            format!("registry.v{}.example/app:latest", VERSIONS - 1)
        );
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        for h in readers {
            assert!(!h.join().unwrap().is_empty());
        }
    });
}
