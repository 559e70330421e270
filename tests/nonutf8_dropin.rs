//! A drop-in whose file name is not UTF-8 (e.g. a Latin-1 `étude.conf`) is applied like any
//! other — its `blocked = true` entries and its aliases — and messages quote its name byte by
//! byte as the reference does (`"d/\xff.conf"`). The file is created at run time (git cannot
//! hold such a name portably); every command sees it.
#![cfg(unix)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use shortnames::{ConfigSources, Resolver};

const DROP_IN: &str = "[[registry]]\nlocation = \"blocked.example.com\"\nblocked = true\n[aliases]\napp = \"quay.io/team/app\"\n";

/// A tree: registries.conf, d/ with a drop-in named `name` (bytes) holding `contents`.
fn tree(name: &[u8], contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("registries.conf"),
        "unqualified-search-registries = [\"quay.io\"]\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    let file = dir.path().join("d").join(OsStr::from_bytes(name));
    std::fs::write(&file, contents).unwrap();
    (dir, file)
}

fn cli(dir: &Path, args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(dir)
        .args(args)
        .args([
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "d",
            "--user-aliases",
            "user-aliases.conf",
        ])
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn sources(dir: &Path) -> ConfigSources {
    ConfigSources::new()
        .fs_root(dir)
        .registries_conf("registries.conf")
        .registries_conf_d("d")
        .user_aliases("user-aliases.conf")
}

#[test]
fn library_applies_the_blocked_entry_and_the_alias() {
    let (dir, _) = tree(b"\xff.conf", DROP_IN);
    let resolver = Resolver::new(&sources(dir.path()));
    let config = resolver.config().unwrap();
    assert_eq!(config.files.len(), 2, "{:?}", config.files);
    assert_eq!(&*config.files[1], "d/\u{fffd}.conf");
    let r = resolver.resolve("app").unwrap();
    assert_eq!(
        r.candidates[0].reference.as_str(),
        "quay.io/team/app:latest"
    );
    assert_eq!(r.origin, Some("d/\u{fffd}.conf"));
    let r = resolver.resolve("blocked.example.com/x").unwrap();
    let sources = r.candidates[0].sources.as_ref().unwrap();
    assert!(sources[0].error.is_some(), "the pull is refused");
}

#[test]
fn resolve_check_explain_and_alias_list_see_it() {
    let (dir, _) = tree(b"\xe9tude.conf", DROP_IN);
    let (out, code) = cli(
        dir.path(),
        &[
            "resolve",
            "--format",
            "json",
            "app",
            "blocked.example.com/x",
        ],
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    // Exit scheme of #17: the blocked-only lookup has no usable endpoint, so resolve fails.
    assert_eq!(code, 1, "{out}");
    assert_eq!(doc["lookups"][0]["resolution"], "alias");
    assert_eq!(doc["lookups"][0]["origin"], "d/\u{fffd}tude.conf");
    assert_eq!(
        doc["lookups"][1]["candidates"][0]["sources"][0]["error"]["kind"],
        "blocked"
    );

    let (out, code) = cli(dir.path(), &["check", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        report["files"],
        serde_json::json!(["registries.conf", "d/\u{fffd}tude.conf"])
    );

    let (out, code) = cli(dir.path(), &["explain", "app"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("alias \"app\" = \"quay.io/team/app\"  [d/\u{fffd}tude.conf:5:1]"),
        "{out}"
    );

    let (out, code) = cli(dir.path(), &["alias", "list"]);
    assert_eq!(code, 0, "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("app "))
        .unwrap_or_default();
    assert!(
        line.contains("quay.io/team/app") && line.contains("d/\u{fffd}tude.conf"),
        "{out}"
    );
}

#[test]
fn messages_quote_the_name_byte_by_byte() {
    let (dir, _) = tree(b"b\xffd.conf", "[aliases]\nx = \"x\"\n");
    let e = Resolver::new(&sources(dir.path()))
        .config()
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "loading drop-in registries configuration \"d/b\\xffd.conf\": validating short-name aliases: invalid alias \"x\": must contain registry and repository"
    );
    // check reports the same error, at the file.
    let (out, code) = cli(dir.path(), &["check", "--format", "json"]);
    // Exit scheme of #17: a check with errors exits 1.
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    // The vocabulary of #17: `findings`, each with its `kind`.
    let d = &report["findings"][0];
    assert_eq!(d["kind"], "invalid-config/bad-alias");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("\"d/b\\xffd.conf\""),
        "{d}"
    );
}
