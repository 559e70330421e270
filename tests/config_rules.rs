//! Direct tests of the configuration rules (resolution rules 1–24) beyond the corpus.

use std::fs;
use std::path::Path;

use shortnames::{Config, ConfigSources, Resolver, ShortNameMode};

fn write(p: &Path, text: &str) {
    if let Some(d) = p.parent() {
        fs::create_dir_all(d).unwrap();
    }
    fs::write(p, text).unwrap();
}

#[test]
fn resolver_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Resolver>();
    check::<Config>();
    check::<shortnames::Error>();
}

#[test]
fn explicit_missing_main_file_is_an_error_implicit_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.conf");
    let err = Config::load(&ConfigSources::new().registries_conf(&missing)).unwrap_err();
    assert_eq!(err.kind().as_str(), "invalid-config/io");
    assert_eq!(
        err.to_string(),
        format!(
            "loading registries configuration \"{0}\": open {0}: no such file or directory",
            missing.display()
        )
    );
    // Implicit default path inside an empty root: empty configuration, no origin.
    let c = Config::load(&ConfigSources::new().fs_root(dir.path())).unwrap();
    assert!(c.unqualified_search_registries.is_empty());
    assert_eq!(&*c.search_registries_origin, "");
    assert_eq!(c.credential_helpers, ["containers-auth.json"]);
    assert_eq!(c.short_name_mode, ShortNameMode::Permissive);
}

#[test]
fn drop_in_discovery_order_suffix_and_subdirectories() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    for (name, usr) in [
        ("b.conf", "b.io"),
        ("10.conf", "ten.io"),
        ("9.conf", "nine.io"),
        (".hidden.conf", "hidden.io"),
        ("x.CONF", "upper.io"),
        ("x.conf~", "tilde.io"),
        ("x.conf.bak", "bak.io"),
    ] {
        write(
            &d.join(name),
            &format!("unqualified-search-registries = [\"{usr}\"]\n"),
        );
    }
    // A directory named like a drop-in is skipped, and so is what is inside it.
    write(
        &d.join("sub.conf/inner.conf"),
        "unqualified-search-registries = [\"inner.io\"]\n",
    );
    let c = Config::load(
        &ConfigSources::new()
            .fs_root(dir.path())
            .registries_conf_d("d"),
    )
    .unwrap();
    let files: Vec<&str> = c.files.iter().map(|f| &**f).collect();
    assert_eq!(
        files,
        ["d/.hidden.conf", "d/10.conf", "d/9.conf", "d/b.conf"]
    );
    // The last file in byte order sets the search list.
    assert_eq!(&*c.unqualified_search_registries[0], "b.io");
    assert_eq!(&*c.search_registries_origin, "d/b.conf");
}

#[cfg(unix)]
#[test]
fn a_symlinked_drop_in_directory_is_not_followed_like_walkdir() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("real/a.conf"),
        "unqualified-search-registries = [\"a.io\"]\n",
    );
    std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
    let c = Config::load(
        &ConfigSources::new()
            .fs_root(dir.path())
            .registries_conf_d("link"),
    )
    .unwrap();
    assert!(c.unqualified_search_registries.is_empty());
}

#[test]
fn merge_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("registries.conf"),
        r#"
unqualified-search-registries = ["base.io"]
credential-helpers = ["helper-a"]
short-name-mode = "enforcing"
[aliases]
keep = "quay.io/keep"
masked = "quay.io/masked"
[[registry]]
location = "quay.io"
insecure = true
[[registry.mirror]]
location = "m.example.net"
[[registry]]
location = "docker.io"
"#,
    );
    write(
        &dir.path().join("d/10.conf"),
        r#"
unqualified-search-registries = []
credential-helpers = []
short-name-mode = ""
[aliases]
masked = ""
[[registry]]
location = "quay.io"
"#,
    );
    let sources = ConfigSources::new()
        .fs_root(dir.path())
        .registries_conf("registries.conf")
        .registries_conf_d("d");
    let c = Config::load(&sources).unwrap();
    // `[]` clears the search list and moves its origin; an empty mode does not override.
    assert!(c.unqualified_search_registries.is_empty());
    assert_eq!(&*c.search_registries_origin, "d/10.conf");
    assert_eq!(c.short_name_mode, ShortNameMode::Enforcing);
    // An empty helper list means the default.
    assert_eq!(c.credential_helpers, ["containers-auth.json"]);
    // A drop-in entry with the same prefix replaces the whole entry (no mirrors, not insecure).
    let quay = c
        .registries
        .iter()
        .find(|r| &*r.prefix == "quay.io")
        .unwrap();
    assert!(!quay.insecure && quay.mirrors.is_empty());
    assert_eq!(&*quay.origin, "d/10.conf");
    assert_eq!(c.registries.len(), 2);
    // `""` masks an earlier alias.
    let aliases: Vec<_> = c
        .aliases()
        .map(|a| (a.name, a.value.is_some(), a.origin))
        .collect();
    assert_eq!(
        aliases,
        [
            ("keep", true, "registries.conf"),
            ("masked", false, "d/10.conf")
        ]
    );
    let r = Resolver::new(&sources);
    let err = r.resolve("masked").unwrap_err();
    assert_eq!(
        err.to_string(),
        "short-name \"masked\" did not resolve to an alias and no unqualified-search registries are defined in \"d/10.conf\""
    );
}

#[test]
fn errors_carry_file_key_and_location() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("d/50.conf"),
        "[[registry]]\nlocation = \"quay.io\"\n[[registry.mirror]]\nlocation = \"m.io\"\npull-from-mirror = \"sometimes\"\n",
    );
    let err = Config::load(
        &ConfigSources::new()
            .fs_root(dir.path())
            .registries_conf_d("d"),
    )
    .unwrap_err();
    assert_eq!(err.kind().as_str(), "invalid-config/bad-pull-from-mirror");
    assert_eq!(err.file(), Some("d/50.conf"));
    assert_eq!(err.key(), Some("registry[0].mirror[0].pull-from-mirror"));
    let loc = err.location().unwrap();
    assert_eq!((loc.line, loc.column), (5, 20));
    assert_eq!(
        err.to_string(),
        "loading drop-in registries configuration \"d/50.conf\": unsupported pull-from-mirror value \"sometimes\" for mirror \"m.io\""
    );
}

#[test]
fn v1_files_convert_and_drop_ins_must_be_v2() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("registries.conf"),
        "[registries.search]\nregistries = [\"a.io\"]\n[registries.block]\nregistries = [\"bad.io/\"]\n[registries.insecure]\nregistries = [\"bad.io\", \"http.io\"]\n",
    );
    let c = Config::load(
        &ConfigSources::new()
            .fs_root(dir.path())
            .registries_conf("registries.conf")
            .registries_conf_d("d"),
    )
    .unwrap();
    let regs: Vec<_> = c
        .registries
        .iter()
        .map(|r| (&*r.prefix, r.blocked, r.insecure))
        .collect();
    assert_eq!(regs, [("bad.io", true, true), ("http.io", false, true)]);
    write(
        &dir.path().join("d/1.conf"),
        "[registries.search]\nregistries = [\"a.io\"]\n",
    );
    let err = Config::load(
        &ConfigSources::new()
            .fs_root(dir.path())
            .registries_conf("registries.conf")
            .registries_conf_d("d"),
    )
    .unwrap_err();
    assert_eq!(err.kind().as_str(), "invalid-config/v1-in-drop-in");
}
