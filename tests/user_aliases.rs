//! The user alias file: read once, re-read only when its identity (inode, size, mtime) changes,
//! checked at most once per second or on `refresh_user_aliases()`, never created by lookups.

use std::fs;
use std::time::Duration;

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

    // Without an explicit refresh the edit is noticed by the periodic check.
    fs::write(&file, "[aliases]\napp = \"registry.three.example/app\"\n").unwrap();
    std::thread::sleep(shortnames::resolve::USER_ALIASES_RECHECK + Duration::from_millis(200));
    assert_eq!(
        first_candidate(&r, "app"),
        "registry.three.example/app:latest"
    );

    // Removing the file removes the aliases.
    fs::remove_file(&file).unwrap();
    r.refresh_user_aliases();
    assert_eq!(
        r.resolve("app").unwrap().kind,
        ResolutionKind::SearchRegistries
    );
}

#[test]
fn an_unchanged_file_is_not_parsed_again() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("cache")).unwrap();
    let file = dir.path().join("cache/short-name-aliases.conf");
    fs::write(&file, "[aliases]\napp = \"registry.one.example/app\"\n").unwrap();
    let r = resolver(dir.path());
    assert_eq!(r.user_alias_parses(), 1);
    for _ in 0..3 {
        r.refresh_user_aliases();
        assert_eq!(
            first_candidate(&r, "app"),
            "registry.one.example/app:latest"
        );
    }
    assert_eq!(
        r.user_alias_parses(),
        1,
        "an unchanged file was parsed again"
    );

    // A change of identity is picked up (and here reported as an error for short names only).
    fs::write(&file, "[aliases]\napp = \"bad\"\n").unwrap();
    r.refresh_user_aliases();
    assert_eq!(r.user_alias_parses(), 2);
    let err = r.resolve("app").unwrap_err();
    assert_eq!(err.kind().as_str(), "invalid-user-aliases/bad-alias");
    assert!(r.resolve("quay.io/app").is_ok());
    r.refresh_user_aliases();
    assert_eq!(r.user_alias_parses(), 2);
}

#[test]
fn lookups_never_create_the_file_or_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let r = resolver(dir.path());
    assert_eq!(first_candidate(&r, "app"), "quay.io/app:latest");
    r.refresh_user_aliases();
    assert!(!dir.path().join("cache").exists());
}
