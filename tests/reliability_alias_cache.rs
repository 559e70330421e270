//! Alias cache writes keep the file's owner, group and mode, and write through a symbolic
//! link (its target is replaced atomically; the link stays); the alias-count limit is
//! reachable: a Podman-style cache of 100,000 entries loads.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use shortnames::alias_cache::AliasCache;
use shortnames::config::Limits;
use shortnames::{ConfigSources, Resolver};

const NOBODY: u32 = 65534;

#[test]
fn write_keeps_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short-name-aliases.conf");
    let cache = AliasCache::new(&path);
    cache.add("a", "quay.io/a").unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().mode() & 0o7777,
        0o600,
        "new cache"
    );
    for mode in [0o644, 0o640, 0o664] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        cache.add("b", &format!("quay.io/b{mode}")).unwrap();
        let m = fs::metadata(&path).unwrap();
        assert_eq!(m.mode() & 0o7777, mode);
        assert!(cache.lookup("b").unwrap().is_some());
    }
}

#[test]
fn write_as_root_keeps_owner_and_group() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("not root: chown to another user is not permitted, skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short-name-aliases.conf");
    fs::write(&path, "[aliases]\n  \"a\" = \"quay.io/a\"\n").unwrap();
    std::os::unix::fs::chown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let before = fs::metadata(&path).unwrap();
    // A second link keeps the original inode allocated (so it cannot be reused).
    fs::hard_link(&path, dir.path().join("original")).unwrap();

    let cache = AliasCache::new(&path);
    cache.add("b", "quay.io/b").unwrap();
    cache.remove("a").unwrap();

    let after = fs::metadata(&path).unwrap();
    assert_ne!(after.ino(), before.ino(), "replaced atomically (new inode)");
    assert_eq!(
        (after.uid(), after.gid()),
        (NOBODY, NOBODY),
        "owner and group kept"
    );
    assert_eq!(after.mode() & 0o7777, 0o644, "mode kept");
    assert_eq!(cache.list().unwrap().len(), 1);
}

#[test]
fn write_goes_through_a_symlink_and_replaces_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("real");
    fs::create_dir(&real_dir).unwrap();
    let target = real_dir.join("aliases.conf");
    fs::write(&target, "[aliases]\n  \"a\" = \"quay.io/a\"\n").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
    let link_dir = dir.path().join("cache");
    fs::create_dir(&link_dir).unwrap();
    let link = link_dir.join("short-name-aliases.conf");
    // A relative link, two hops: link -> hop -> ../real/aliases.conf.
    let hop = link_dir.join("hop.conf");
    std::os::unix::fs::symlink("../real/aliases.conf", &hop).unwrap();
    std::os::unix::fs::symlink("hop.conf", &link).unwrap();

    let cache = AliasCache::new(&link);
    cache.add("b", "quay.io/b").unwrap();

    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::symlink_metadata(&hop).unwrap().file_type().is_symlink());
    let text = fs::read_to_string(&target).unwrap();
    assert!(text.contains("\"a\" = \"quay.io/a\"") && text.contains("\"b\" = \"quay.io/b\""));
    assert_eq!(fs::metadata(&target).unwrap().mode() & 0o7777, 0o644);
    // No temporary file left next to the link or the target.
    for d in [&link_dir, &real_dir] {
        let names: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
    }
    // Read through the link, as Podman would.
    assert_eq!(
        cache.lookup("b").unwrap().unwrap().target.as_deref(),
        Some("quay.io/b")
    );
}

#[test]
fn a_dangling_symlink_creates_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("short-name-aliases.conf");
    std::os::unix::fs::symlink("elsewhere.conf", &link).unwrap();
    AliasCache::new(&link).add("a", "quay.io/a").unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(dir.path().join("elsewhere.conf"))
        .unwrap()
        .contains("quay.io/a"));
}

/// A cache as Podman writes it (`[aliases]`, two-space indent, quoted keys).
fn podman_style_cache(n: usize) -> String {
    let mut s = String::from("[aliases]\n");
    for i in 0..n {
        s.push_str(&format!(
            "  \"team-{i:06}/app\" = \"registry.example.com/team-{i:06}/app\"\n"
        ));
    }
    s
}

#[test]
fn a_podman_style_cache_of_100000_entries_loads() {
    let limits = Limits::default();
    let text = podman_style_cache(limits.max_aliases_per_file);
    assert!(
        text.len() as u64 > limits.max_file_size,
        "the cache ({} bytes) is larger than the configuration-file limit ({}), as in the report",
        text.len(),
        limits.max_file_size
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short-name-aliases.conf");
    fs::write(&path, &text).unwrap();

    // The alias cache API and the resolver both read it.
    assert_eq!(AliasCache::new(&path).load().unwrap().len(), 100_000);
    let resolver = Resolver::new(
        &ConfigSources::new()
            .registries_conf_d(dir.path().join("d"))
            .fs_root(dir.path())
            .user_aliases("short-name-aliases.conf"),
    );
    let r = resolver.resolve("team-099999/app").unwrap();
    assert_eq!(
        r.candidates[0].reference.as_str(),
        "registry.example.com/team-099999/app:latest"
    );

    // One more entry than the count limit: refused by the count, not by the size.
    fs::write(&path, podman_style_cache(limits.max_aliases_per_file + 1)).unwrap();
    let resolver = Resolver::new(
        &ConfigSources::new()
            .registries_conf_d(dir.path().join("d"))
            .fs_root(dir.path())
            .user_aliases("short-name-aliases.conf"),
    );
    let err = resolver.resolve("team-000001/app").unwrap_err();
    assert_eq!(err.kind().as_str(), "limit/too-many-aliases", "{err}");
}

#[test]
fn the_alias_file_size_limit_follows_the_count_limit() {
    let l = Limits::default();
    assert!(l.max_alias_file_size() >= l.max_aliases_per_file as u64 * 100);
    let small = l.with_max_aliases_per_file(1_000);
    assert_eq!(small.max_alias_file_size(), small.max_file_size);
    let big = l.with_max_aliases_per_file(1_000_000);
    assert_eq!(
        big.max_alias_file_size(),
        // 128 bytes per alias, as `Limits::max_alias_file_size` documents.
        1_000_000 * 128
    );
}
