//! Behaviour of the alias cache in one process: file shape, validation and messages,
//! reading files written by Podman, errors naming the file, and read-only lookups that
//! never create anything.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use shortnames::alias_cache::AliasCache;
use shortnames::{Error, ErrorKind};

fn kind<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    r.unwrap_err().kind().as_str()
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/alias_cache")
        .join(name)
}

/// A cache at `<tmp>/containers/short-name-aliases.conf` (directory not created).
fn fresh() -> (tempfile::TempDir, AliasCache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = AliasCache::new(dir.path().join("containers/short-name-aliases.conf"));
    (dir, cache)
}

/// Copies a data file to a fresh cache path.
fn cache_from(name: &str) -> (tempfile::TempDir, AliasCache) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short-name-aliases.conf");
    fs::copy(data(name), &path).unwrap();
    (dir, AliasCache::new(path))
}

/// Every path under `root`, sorted (to prove nothing was created).
fn tree(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if let Ok(rd) = fs::read_dir(&p) {
            for e in rd {
                let e = e.unwrap().path();
                stack.push(e.clone());
                out.push(e);
            }
        }
    }
    out.sort();
    out
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[test]
fn add_creates_dir_lock_and_file_with_podman_shape_and_modes() {
    let (dir, cache) = fresh();
    cache
        .add("ubi9", "registry.access.redhat.com/ubi9")
        .unwrap();
    cache.add("alpine", "docker.io/alpine").unwrap();
    cache.add("ns/app", "quay.io/ns/app").unwrap();
    assert_eq!(
        fs::read_to_string(cache.path()).unwrap(),
        "[aliases]\n  \"alpine\" = \"docker.io/alpine\"\n  \"ns/app\" = \"quay.io/ns/app\"\n  \"ubi9\" = \"registry.access.redhat.com/ubi9\"\n"
    );
    assert_eq!(mode(cache.path()), 0o600);
    assert_eq!(mode(&dir.path().join("containers")), 0o700);
    assert!(cache.lock_path().is_file());
    // Only the cache and its lock: no temporary files left behind.
    let names: Vec<String> = fs::read_dir(dir.path().join("containers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(
        names,
        ["short-name-aliases.conf", "short-name-aliases.conf.lock"]
    );
}

#[test]
fn add_replaces_and_stores_the_value_as_given() {
    let (_dir, cache) = fresh();
    cache.add("a", "quay.io/old").unwrap();
    cache.add("a", "docker.io/alpine").unwrap();
    let hit = cache.lookup("a").unwrap().unwrap();
    assert_eq!(hit.value, "docker.io/alpine");
    assert_eq!(hit.target.as_deref(), Some("docker.io/library/alpine"));
    assert_eq!(cache.list().unwrap().len(), 1);
}

#[test]
fn list_is_sorted_and_lookup_is_exact() {
    let (_dir, cache) = fresh();
    for (k, v) in [
        ("b", "quay.io/b"),
        ("a", "quay.io/a"),
        ("library/busybox", "quay.io/bb"),
    ] {
        cache.add(k, v).unwrap();
    }
    let names: Vec<String> = cache.list().unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["a", "b", "library/busybox"]);
    // Lookup keys are not normalised: `busybox` does not hit `library/busybox`.
    assert!(cache.lookup("busybox").unwrap().is_none());
}

#[test]
fn record_strips_tag_and_digest_from_both_sides() {
    let (_dir, cache) = fresh();
    let digest = "sha256:d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a";
    cache
        .record(
            &format!("app:1.0@{digest}"),
            &format!("example.com:5000/team/app:1.0@{digest}"),
        )
        .unwrap();
    let all = cache.list().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "app");
    assert_eq!(all[0].value, "example.com:5000/team/app");
}

#[test]
fn remove_deletes_and_unknown_name_has_the_reference_message() {
    let (_dir, cache) = fresh();
    cache.add("a", "quay.io/a").unwrap();
    cache.add("b", "quay.io/b").unwrap();
    cache.remove("a").unwrap();
    assert!(cache.lookup("a").unwrap().is_none());
    assert!(cache.lookup("b").unwrap().is_some());

    let err = cache.remove("a").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AliasCache("not-found"));
    assert_eq!(
        err.to_string(),
        format!(
            "short-name alias \"a\" not found in \"{}\": please check registries.conf files",
            cache.path().display()
        )
    );
    // A failed remove leaves the file as it was.
    assert_eq!(
        fs::read_to_string(cache.path()).unwrap(),
        "[aliases]\n  \"b\" = \"quay.io/b\"\n"
    );
}

#[test]
fn remove_on_a_missing_cache_is_not_found() {
    let (_dir, cache) = fresh();
    let err = cache.remove("x").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("short-name alias \"x\" not found in \""),
        "{err}"
    );
}

#[test]
fn writes_validate_name_and_value_with_the_reference_messages() {
    let (dir, cache) = fresh();
    let cases: &[(&str, &str, &str)] = &[
        (
            "quay.io/x",
            "quay.io/x",
            r#"invalid short name "quay.io/x": must not contain registry"#,
        ),
        (
            "localhost/x",
            "quay.io/x",
            r#"invalid short name "localhost/x": must not contain registry"#,
        ),
        (
            "x:1",
            "quay.io/x",
            r#"invalid short name "x:1": must not contain tag"#,
        ),
        (
            "x",
            "x",
            r#"invalid alias "x": must contain registry and repository"#,
        ),
        (
            "x",
            "quay.io/x:1",
            r#"invalid alias "quay.io/x:1": must not contain tag"#,
        ),
    ];
    for (k, v, msg) in cases {
        let err = cache.add(k, v).unwrap_err();
        assert_eq!(err.to_string(), *msg, "add({k:?}, {v:?})");
    }
    assert_eq!(
        kind(cache.add("quay.io/x", "quay.io/x")),
        "alias-cache/invalid-name"
    );
    assert_eq!(kind(cache.add("x", "x")), "alias-cache/invalid-value");
    assert_eq!(kind(cache.add("x", "")), "alias-cache/invalid-value");
    assert_eq!(
        cache.add("x", "").unwrap_err().to_string(),
        "parsing alias \"\": repository name must have at least one component"
    );
    assert_eq!(kind(cache.remove("quay.io/x")), "alias-cache/invalid-name");
    // Rejected before touching the disk.
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn reads_a_podman_written_file_with_bare_keys_and_tombstones() {
    let (_dir, cache) = cache_from("podman-written.conf");
    let c = cache.load().unwrap();
    assert_eq!(c.len(), 4);
    assert_eq!(c.get("added1").unwrap().value, "aliases.conf/added1");
    assert_eq!(
        c.get("ns/app").unwrap().target.as_deref(),
        Some("docker.io/library/app")
    );
    let gone = c.get("gone").unwrap();
    assert_eq!((gone.value.as_str(), gone.target.as_ref()), ("", None));
    // Writing keeps everything, tombstones included, in our shape.
    cache.add("new", "quay.io/new").unwrap();
    assert_eq!(
        fs::read_to_string(cache.path()).unwrap(),
        "[aliases]\n  \"added1\" = \"aliases.conf/added1\"\n  \"added2\" = \"aliases.conf/added2\"\n  \"gone\" = \"\"\n  \"new\" = \"quay.io/new\"\n  \"ns/app\" = \"docker.io/app\"\n"
    );
    // A tombstone can be removed like any entry.
    cache.remove("gone").unwrap();
    assert!(cache.lookup("gone").unwrap().is_none());
}

#[test]
fn only_the_aliases_table_counts_and_its_key_is_case_insensitive() {
    let (_dir, cache) = cache_from("extra-keys.conf");
    let all = cache.list().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].name.as_str(), all[0].value.as_str()),
        ("u", "docker.io/u")
    );
}

// Parse and validation errors are the resolver's (same decoder and messages): the message
// is the reference's wording, file, key, line and column are structured fields.

#[test]
fn syntax_error_names_the_file_line_and_column_and_blocks_writes() {
    let (_dir, cache) = cache_from("syntax-error.conf");
    let before = fs::read(cache.path()).unwrap();
    let err = cache.load().unwrap_err();
    let prefix = format!(
        "loading short-name aliases config file \"{}\": toml: ",
        cache.path().display()
    );
    assert!(err.to_string().starts_with(&prefix), "{err}");
    assert_eq!(err.kind(), ErrorKind::InvalidUserAliases("toml"));
    assert_eq!(err.file(), Some(cache.path().to_str().unwrap()));
    assert_eq!(err.location().map(|l| l.line), Some(3));
    let located = err.located().to_string();
    assert!(
        located.starts_with(&format!("{}:3:", cache.path().display())),
        "{located}"
    );
    // A write does not replace a file it cannot read.
    let err = cache.add("x", "quay.io/x").unwrap_err();
    assert!(err.to_string().starts_with(&prefix), "{err}");
    assert_eq!(fs::read(cache.path()).unwrap(), before);
}

#[test]
fn wrong_value_type_names_line_and_key() {
    let (_dir, cache) = cache_from("wrong-type.conf");
    let err = cache.lookup("ok").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUserAliases("toml"));
    assert!(
        err.to_string().contains(": toml: incompatible types"),
        "{err}"
    );
    assert_eq!(err.location().map(|l| l.line), Some(3));
    assert!(err.key().is_some_and(|k| k.contains("num")), "{err:?}");
}

#[test]
fn invalid_entries_are_all_reported_joined_like_the_reference() {
    let (_dir, cache) = cache_from("bad-aliases.conf");
    let err = cache.load().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUserAliases("bad-alias"));
    assert!(err.location().is_some());
    // Sorted by text (the reference's order is random).
    assert_eq!(
        err.to_string(),
        format!(
            "loading short-name aliases config file \"{}\": invalid alias \"quay.io/bad:tag\": must not contain tag\n: invalid alias \"short\": must contain registry and repository\n: invalid short name \"quay.io/x\": must not contain registry",
            cache.path().display()
        )
    );
}

#[test]
fn non_utf8_cache_is_a_toml_error_with_position() {
    let (_dir, cache) = fresh();
    fs::create_dir_all(cache.path().parent().unwrap()).unwrap();
    fs::write(cache.path(), b"[aliases]\n\"a\" = \"\xff\"\n").unwrap();
    let err = cache.load().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUserAliases("toml"));
    assert!(
        err.to_string().ends_with("toml: invalid UTF-8 at byte 17"),
        "{err}"
    );
}

#[test]
fn read_only_lookup_of_a_missing_cache_creates_nothing() {
    let (dir, cache) = fresh();
    assert!(cache.load().unwrap().is_empty());
    assert!(cache.lookup("x").unwrap().is_none());
    assert!(cache.list().unwrap().is_empty());
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[test]
fn read_only_lookup_without_lock_file_reads_and_creates_no_lock() {
    let (dir, cache) = cache_from("podman-written.conf");
    let before = tree(dir.path());
    assert_eq!(
        cache.lookup("added2").unwrap().unwrap().value,
        "aliases.conf/added2"
    );
    assert_eq!(tree(dir.path()), before);
    assert!(!cache.lock_path().exists());
}

#[test]
fn lookup_with_existing_lock_file_takes_it_and_leaves_it() {
    let (dir, cache) = cache_from("podman-written.conf");
    fs::write(cache.lock_path(), "").unwrap();
    let before = tree(dir.path());
    assert!(cache.lookup("added1").unwrap().is_some());
    assert_eq!(tree(dir.path()), before);
}

/// A cache whose directory can never be created, whoever runs the test (root included): a
/// path component is a regular file. Lookups fail as the resolver's lookups do (one reader of
/// the user alias file: `not a directory` is not "missing", as in the reference) and create
/// nothing; writes fail with an error naming the directory.
#[test]
fn uncreatable_cache_directory_fails_lookups_like_the_resolver() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("not-a-dir"), "x").unwrap();
    let cache = AliasCache::new(
        dir.path()
            .join("not-a-dir/containers/short-name-aliases.conf"),
    );
    let lookup = cache.lookup("ubi9").unwrap_err();
    assert_eq!(
        lookup.kind(),
        ErrorKind::InvalidUserAliases("io"),
        "{lookup}"
    );
    assert!(
        lookup.to_string().ends_with(": not a directory"),
        "{lookup}"
    );
    fs::write(dir.path().join("empty.conf"), "").unwrap();
    let resolver = shortnames::Resolver::new(
        &shortnames::ConfigSources::new()
            .registries_conf(dir.path().join("empty.conf"))
            .registries_conf_d(dir.path().join("none.d"))
            .user_aliases(cache.path()),
    );
    let resolved = resolver.resolve("ubi9").unwrap_err();
    assert_eq!(resolved.to_string(), lookup.to_string());
    assert_eq!(cache.list().unwrap_err().to_string(), lookup.to_string());
    let before = tree(dir.path());

    let err = cache
        .add("ubi9", "registry.access.redhat.com/ubi9")
        .unwrap_err();
    assert!(err.kind() == ErrorKind::AliasCache("io"), "{err}");
    assert!(err.to_string().starts_with(&format!(
        "creating directory \"{}\": ",
        dir.path().join("not-a-dir/containers").display()
    )));
    assert_eq!(tree(dir.path()), before);
}

/// A read-only cache directory holding a cache but no lock file: lookups read it and create
/// nothing. As a non-root user writes are refused and leave nothing behind; root is not
/// stopped by permission bits, so that half only runs unprivileged.
#[test]
fn read_only_cache_directory_does_not_fail_lookups() {
    let dir = tempfile::tempdir().unwrap();
    let cdir = dir.path().join("containers");
    fs::create_dir(&cdir).unwrap();
    let path = cdir.join("short-name-aliases.conf");
    fs::copy(data("podman-written.conf"), &path).unwrap();
    fs::set_permissions(&cdir, fs::Permissions::from_mode(0o555)).unwrap();
    let cache = AliasCache::new(&path);
    let before = tree(dir.path());

    let result = std::panic::catch_unwind(|| {
        assert_eq!(
            cache.lookup("added1").unwrap().unwrap().value,
            "aliases.conf/added1"
        );
        assert_eq!(cache.list().unwrap().len(), 4);
        assert_eq!(tree(dir.path()), before);
        if !is_root() {
            let err = cache.add("x", "quay.io/x").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AliasCache("io"), "{err}");
            assert_eq!(tree(dir.path()), before);
            assert_eq!(cache.list().unwrap().len(), 4);
        }
    });
    fs::set_permissions(&cdir, fs::Permissions::from_mode(0o700)).unwrap();
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

#[test]
fn unreadable_cache_fails_lookups_with_the_file_named() {
    // A directory where the cache file should be cannot be read by anyone, root included.
    let (_dir, cache) = fresh();
    fs::create_dir_all(cache.path()).unwrap();
    let err = cache.lookup("x").unwrap_err();
    assert!(err.kind() == ErrorKind::InvalidUserAliases("io"), "{err}");
    assert!(err.to_string().starts_with(&format!(
        "loading short-name aliases config file \"{}\": ",
        cache.path().display()
    )));
}

#[test]
fn stale_temporary_files_are_removed_by_the_next_writer() {
    let (dir, cache) = fresh();
    cache.add("a", "quay.io/a").unwrap();
    let cdir = dir.path().join("containers");
    let stale = cdir.join(".short-name-aliases.conf.tmp-999999-0");
    fs::write(&stale, "[aliases]\n  \"half").unwrap();
    let unrelated = cdir.join("other-file");
    fs::write(&unrelated, "keep").unwrap();
    assert_eq!(
        cache.list().unwrap().len(),
        1,
        "readers ignore temporary files"
    );
    cache.add("b", "quay.io/b").unwrap();
    assert!(!stale.exists());
    assert!(unrelated.exists());
}

#[test]
fn threads_of_one_process_do_not_lose_updates() {
    let (_dir, cache) = fresh();
    std::thread::scope(|s| {
        for t in 0..4 {
            let cache = cache.clone();
            s.spawn(move || {
                for i in 0..25 {
                    cache
                        .add(&format!("t{t}-{i}"), &format!("quay.io/t{t}/i{i}"))
                        .unwrap();
                    cache.lookup("t0-0").unwrap();
                }
            });
        }
    });
    assert_eq!(cache.list().unwrap().len(), 100);
}
