//! Built-in defaults: with no configuration option and no /etc/containers configuration on the
//! host, `shortnames resolve` uses the embedded alias table and search list (and says so);
//! any configuration option turns that off. Also the library's explicit layering options.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use shortnames::config::{Host, BUILTIN_SEARCH_ORIGIN};
use shortnames::{ConfigSources, Resolver};

const TABLE_ORIGIN: &str = "<built-in>/005-openshift-shortnames.conf";

fn shortnames(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env_remove("XDG_CACHE_HOME")
        .env("_CONTAINERS_ROOTLESS_UID", "1000")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Whether this host has configuration the CLI's discovery (v5.23, HOME without any) finds:
/// /etc/containers/registries.conf, or a `.conf` drop-in in /etc/containers/registries.conf.d;
/// found here independently of the library function the CLI uses.
fn host_configured() -> bool {
    Path::new("/etc/containers/registries.conf").exists()
        || std::fs::read_dir("/etc/containers/registries.conf.d").is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".conf"))
        })
}

/// The fallback only applies on a host without /etc/containers configuration. On a host that
/// has one, the test instead checks that `args` does NOT fall back (so it never passes
/// without asserting anything), and returns `false`.
fn fresh_host(args: &[&str]) -> bool {
    if !host_configured() {
        return true;
    }
    let out = shortnames(args);
    assert!(
        !stderr(&out).contains("built-in") && !stdout(&out).contains("<built-in>"),
        "this host has /etc/containers configuration, yet {args:?} used the built-in defaults"
    );
    false
}

/// The library's rule walks the same files as the loader, below the host's root, for both
/// discovery versions, and agrees with this host's state.
#[test]
fn unconfigured_detection_honours_the_root() {
    for compat in [
        shortnames::config::Compat::V5_23,
        shortnames::config::Compat::V5_40,
    ] {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("home/user");
        let host = Host::new().sysroot(root.path()).home(&home).uid(1000);
        let unconfigured = || {
            ConfigSources::discover(&host)
                .compat(compat)
                .is_unconfigured()
        };
        assert!(unconfigured(), "{compat:?}: empty root");
        let etc = root.path().join("etc/containers");
        std::fs::create_dir_all(etc.join("registries.conf.d")).unwrap();
        assert!(
            unconfigured(),
            "{compat:?}: empty directories are no configuration"
        );
        std::fs::write(etc.join("registries.conf.d/10-a.conf"), "").unwrap();
        assert!(!unconfigured(), "{compat:?}: a drop-in");
        std::fs::remove_file(etc.join("registries.conf.d/10-a.conf")).unwrap();
        std::fs::write(etc.join("registries.conf"), "").unwrap();
        assert!(!unconfigured(), "{compat:?}: the system file");
        std::fs::remove_file(etc.join("registries.conf")).unwrap();
        std::fs::create_dir_all(home.join(".config/containers")).unwrap();
        std::fs::write(home.join(".config/containers/registries.conf"), "").unwrap();
        assert!(!unconfigured(), "{compat:?}: the per-user file");
    }
    let this_host = Host::new().home(tempfile::tempdir().unwrap().path());
    assert_eq!(
        ConfigSources::discover(&this_host).is_unconfigured(),
        !host_configured()
    );
}

#[test]
fn resolve_ubi9_on_a_fresh_host_uses_the_builtin_table() {
    if !fresh_host(&["resolve", "ubi9"]) {
        return;
    }
    let out = shortnames(&["resolve", "ubi9"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text,
        format!(
            "ubi9\n  Resolved \"ubi9\" as an alias ({TABLE_ORIGIN})\n  candidate 1: registry.access.redhat.com/ubi9:latest\n    1. primary registry.access.redhat.com/ubi9:latest\n"
        )
    );
    let err = stderr(&out);
    assert!(err.contains("built-in alias table"), "{err}");
    assert!(
        err.contains("registry.access.redhat.com, docker.io"),
        "{err}"
    );

    let out = shortnames(&["resolve", "ubi9", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lookup = &doc["lookups"][0];
    assert_eq!(lookup["resolution"], "alias");
    assert_eq!(lookup["origin"], TABLE_ORIGIN);
    let candidates = lookup["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1);
    assert_eq!(
        candidates[0]["reference"],
        "registry.access.redhat.com/ubi9:latest"
    );
    assert_eq!(
        doc["config"]["unqualified_search_registries"],
        serde_json::json!(["registry.access.redhat.com", "docker.io"])
    );
    assert!(stderr(&out).contains("built-in"));
}

#[test]
fn unaliased_short_names_use_the_builtin_search_list() {
    if !fresh_host(&["resolve", "nginx:1.25"]) {
        return;
    }
    let out = shortnames(&["resolve", "nginx:1.25"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "Resolving \"nginx\" using unqualified-search registries ({BUILTIN_SEARCH_ORIGIN})"
        )),
        "{text}"
    );
    assert!(text.contains("candidate 1: registry.access.redhat.com/nginx:1.25\n"));
    assert!(text.contains("candidate 2: docker.io/library/nginx:1.25\n"));
}

#[test]
fn alias_list_on_a_fresh_host_shows_the_builtin_table() {
    if !fresh_host(&["alias", "list", "--format", "json"]) {
        return;
    }
    let out = shortnames(&["alias", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ubi9 = doc["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "ubi9")
        .unwrap();
    assert_eq!(ubi9["target"], "registry.access.redhat.com/ubi9");
    assert_eq!(ubi9["file"], TABLE_ORIGIN);
    assert_eq!(ubi9["effective"], true);
}

#[test]
fn any_config_option_turns_the_fallback_off() {
    let dir = tempfile::tempdir().unwrap();
    let empty_d = dir.path().join("d");
    let empty_d = empty_d.to_str().unwrap();
    let conf = dir.path().join("registries.conf");
    std::fs::write(&conf, "").unwrap();
    let conf = conf.to_str().unwrap();
    let ua = dir.path().join("ua.conf");
    let ua = ua.to_str().unwrap();
    for opts in [
        vec!["--registries-conf-d", empty_d],
        vec!["--registries-conf", conf, "--registries-conf-d", empty_d],
        vec!["--user-aliases", ua, "--registries-conf-d", empty_d],
    ] {
        let mut args = vec!["resolve", "--format", "json"];
        args.extend(&opts);
        args.push("ubi9");
        let out = shortnames(&args);
        // No alias, no search list: the reference's error, exit 1.
        assert_eq!(out.status.code(), Some(1), "{opts:?}");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            doc["lookups"][0]["error"]["kind"], "no-search-registries",
            "{opts:?}"
        );
        assert!(!stderr(&out).contains("built-in"), "{opts:?}");
        assert!(!stdout(&out).contains("<built-in>"), "{opts:?}");
    }
    // --user-aliases alone is a config option too: no built-in table (on any host).
    let out = shortnames(&["resolve", "--user-aliases", ua, "ubi9"]);
    assert!(!stderr(&out).contains("built-in"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("<built-in>"));
}

#[test]
fn library_builtin_aliases_lie_under_every_drop_in_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("registries.conf.d");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(
        d.join("50-site.conf"),
        "[aliases]\nubi9 = \"mirror.example.com/ubi9\"\n\"ubi8\" = \"\"\n",
    )
    .unwrap();
    let main = dir.path().join("registries.conf");
    std::fs::write(
        &main,
        "unqualified-search-registries = [\"quay.io\"]\n[aliases]\nubi7 = \"quay.io/old/ubi7\"\n",
    )
    .unwrap();
    let resolver = Resolver::new(
        &ConfigSources::new()
            .registries_conf(&main)
            .registries_conf_d(&d)
            .with_builtin_aliases(),
    );
    // A site drop-in overrides the built-in value ...
    let r = resolver.resolve("ubi9").unwrap();
    assert_eq!(
        r.candidates[0].reference.as_str(),
        "mirror.example.com/ubi9:latest"
    );
    // ... or tombstones it: the search list applies.
    let r = resolver.resolve("ubi8").unwrap();
    assert_eq!(r.candidates[0].reference.as_str(), "quay.io/ubi8:latest");
    // The built-in table is the first drop-in, so it overrides the main file's alias.
    let r = resolver.resolve("ubi7").unwrap();
    assert_eq!(r.origin, Some(TABLE_ORIGIN));
    // The main file's search list is kept (only the table is layered).
    let config = resolver.config().unwrap();
    assert_eq!(config.unqualified_search_registries.len(), 1);
    assert_eq!(&*config.unqualified_search_registries[0], "quay.io");
    // Without the option, nothing built-in.
    let plain = Resolver::new(
        &ConfigSources::new()
            .registries_conf(&main)
            .registries_conf_d(&d),
    );
    assert_eq!(
        plain.resolve("ubi7").unwrap().candidates[0]
            .reference
            .as_str(),
        "quay.io/old/ubi7:latest"
    );
}

#[test]
fn readme_starts_with_the_fresh_host_command() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block = readme.split("```sh\n").nth(1).unwrap();
    let mut lines = block.lines();
    assert_eq!(lines.next(), Some("cargo run --release -- resolve ubi9"));
    assert_eq!(lines.next(), Some("cargo test --all-features"));
}
