//! `shortnames alias add|remove|list`: the user alias cache through the CLI, the default
//! cache path (Podman's), and the listing of every definition with what masks it.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(dir)
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

/// A configuration where `myimage` is defined by registries.conf and masked by a drop-in,
/// `foo` by a drop-in, `gone` by a drop-in that a later drop-in tombstones.
fn config_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("registries.conf"),
        "[aliases]\nmyimage = \"myreg.io/repo/myimage\"\n",
    )
    .unwrap();
    std::fs::create_dir(p.join("d")).unwrap();
    std::fs::write(
        p.join("d/10-a.conf"),
        "[aliases]\nmyimage = \"quay.io/other/myimage\"\nfoo = \"quay.io/foo\"\ngone = \"quay.io/gone\"\n",
    )
    .unwrap();
    std::fs::write(p.join("d/20-b.conf"), "[aliases]\ngone = \"\"\n").unwrap();
    dir
}

fn list_json(dir: &Path, extra: &[&str]) -> (Value, Output) {
    let mut args = vec![
        "alias",
        "list",
        "--format",
        "json",
        "--registries-conf",
        "registries.conf",
        "--registries-conf-d",
        "d",
        "--user-aliases",
        "ua.conf",
    ];
    args.extend_from_slice(extra);
    let out = run_in(dir, &args);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
    (v, out)
}

/// `(name, target, file, effective, masked_by)` rows of a JSON listing.
fn rows(doc: &Value) -> Vec<(String, Value, String, bool, Value)> {
    doc["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["target"].clone(),
                r["file"].as_str().unwrap().to_owned(),
                r["effective"].as_bool().unwrap(),
                r["masked_by"].clone(),
            )
        })
        .collect()
}

#[test]
fn add_list_remove_round_trip() {
    let dir = config_dir();
    let p = dir.path();
    let cache = ["--user-aliases", "ua.conf"];

    let out = run_in(
        p,
        &[&["alias", "add"][..], &cache, &["foo", "docker.io/foo"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "added \"foo\" = \"docker.io/foo\" to ua.conf\n"
    );
    // The file has the shape Podman writes.
    assert_eq!(
        std::fs::read_to_string(p.join("ua.conf")).unwrap(),
        "[aliases]\n  \"foo\" = \"docker.io/foo\"\n"
    );
    let out = run_in(
        p,
        &[
            &["alias", "add"][..],
            &cache,
            &["newone", "quay.io/x/newone"],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0));

    let (doc, out) = list_json(p, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(doc["config_error"], Value::Null);
    assert_eq!(doc["user_aliases"], "ua.conf");
    assert_eq!(
        rows(&doc),
        [
            (
                "foo".into(),
                json!("quay.io/foo"),
                "d/10-a.conf".into(),
                false,
                json!("ua.conf")
            ),
            (
                "foo".into(),
                json!("docker.io/library/foo"),
                "ua.conf".into(),
                true,
                Value::Null
            ),
            (
                "gone".into(),
                json!("quay.io/gone"),
                "d/10-a.conf".into(),
                false,
                json!("d/20-b.conf")
            ),
            (
                "gone".into(),
                Value::Null,
                "d/20-b.conf".into(),
                true,
                Value::Null
            ),
            (
                "myimage".into(),
                json!("myreg.io/repo/myimage"),
                "registries.conf".into(),
                false,
                json!("d/10-a.conf")
            ),
            (
                "myimage".into(),
                json!("quay.io/other/myimage"),
                "d/10-a.conf".into(),
                true,
                Value::Null
            ),
            (
                "newone".into(),
                json!("quay.io/x/newone"),
                "ua.conf".into(),
                true,
                Value::Null
            ),
        ]
    );
    // System rows know their line; scope says where the definition lives.
    let first = &doc["aliases"][0];
    assert_eq!(
        (first["line"].clone(), first["scope"].clone()),
        (json!(3), json!("system"))
    );
    assert_eq!(doc["aliases"][1]["scope"], "user");
    assert_eq!(doc["aliases"][1]["line"], Value::Null);

    let out = run_in(p, &[&["alias", "remove"][..], &cache, &["foo"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "removed \"foo\" from ua.conf\n");
    let (doc, _) = list_json(p, &[]);
    let foo: Vec<_> = rows(&doc).into_iter().filter(|r| r.0 == "foo").collect();
    assert_eq!(
        foo,
        [(
            "foo".into(),
            json!("quay.io/foo"),
            "d/10-a.conf".into(),
            true,
            Value::Null
        )]
    );
}

#[test]
fn list_text_shows_file_line_and_masking() {
    let dir = config_dir();
    let p = dir.path();
    std::fs::write(p.join("ua.conf"), "[aliases]\n\"myimage\" = \"\"\n").unwrap();
    let out = run_in(
        p,
        &[
            "alias",
            "list",
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "d",
            "--user-aliases",
            "ua.conf",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(lines[0], ["NAME", "TARGET", "FILE", "STATUS"]);
    let expect: Vec<Vec<&str>> = vec![
        vec!["foo", "quay.io/foo", "d/10-a.conf:3", "effective"],
        vec![
            "gone",
            "quay.io/gone",
            "d/10-a.conf:4",
            "masked by d/20-b.conf",
        ],
        vec![
            "gone",
            "\"\"",
            "d/20-b.conf:2",
            "effective (tombstone: no alias for this name)",
        ],
        vec![
            "myimage",
            "myreg.io/repo/myimage",
            "registries.conf:2",
            "masked by ua.conf",
        ],
        vec![
            "myimage",
            "quay.io/other/myimage",
            "d/10-a.conf:2",
            "masked by ua.conf",
        ],
        vec![
            "myimage",
            "\"\"",
            "ua.conf",
            "effective (tombstone: no alias for this name)",
        ],
    ];
    assert_eq!(lines[1..], expect[..], "{text}");
}

#[test]
fn list_agrees_with_resolve_on_the_effective_alias() {
    let dir = config_dir();
    let p = dir.path();
    let out = run_in(
        p,
        &[
            "alias",
            "add",
            "--user-aliases",
            "ua.conf",
            "foo",
            "docker.io/bar/foo",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let (doc, _) = list_json(p, &[]);
    let resolve = run_in(
        p,
        &[
            "resolve",
            "--format",
            "json",
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "d",
            "--user-aliases",
            "ua.conf",
            "foo",
            "myimage",
        ],
    );
    let resolved: Value = serde_json::from_slice(&resolve.stdout).unwrap();
    for lookup in resolved["lookups"].as_array().unwrap() {
        let name = lookup["name"].as_str().unwrap();
        let effective: Vec<&Value> = doc["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["name"] == name && r["effective"] == true)
            .collect();
        assert_eq!(effective.len(), 1, "{name}");
        assert_eq!(lookup["origin"], effective[0]["file"], "{name}");
        let want = format!("{}:latest", effective[0]["target"].as_str().unwrap());
        assert_eq!(lookup["candidates"][0]["reference"], json!(want), "{name}");
    }
}

#[test]
fn errors_name_the_file_and_exit_1() {
    let dir = config_dir();
    let p = dir.path();
    // Unknown name: the reference's message.
    let out = run_in(p, &["alias", "remove", "--user-aliases", "ua.conf", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            r#"short-name alias "nope" not found in "ua.conf": please check registries.conf files"#
        ),
        "{}",
        stderr(&out)
    );
    // Invalid name / value: validated before anything is written.
    let out = run_in(
        p,
        &[
            "alias",
            "add",
            "--user-aliases",
            "ua.conf",
            "quay.io/x",
            "quay.io/x",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(r#"invalid short name "quay.io/x": must not contain registry"#));
    let out = run_in(
        p,
        &["alias", "add", "--user-aliases", "ua.conf", "x", "x:1"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("x:1"), "{}", stderr(&out));
    assert!(!p.join("ua.conf").exists());

    // A broken cache: list still shows the system aliases, reports the file, exits 1.
    std::fs::write(p.join("ua.conf"), "[aliases]\n\"a\" = \"a\"\n").unwrap();
    let (doc, out) = list_json(p, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        doc["user_aliases_error"]["kind"],
        "invalid-user-aliases/bad-alias"
    );
    assert!(stderr(&out).contains("ua.conf"), "{}", stderr(&out));
    assert!(rows(&doc).iter().any(|r| r.0 == "myimage"));
    // Editing a broken cache fails and leaves it as it was.
    let out = run_in(
        p,
        &[
            "alias",
            "add",
            "--user-aliases",
            "ua.conf",
            "b",
            "quay.io/b",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(p.join("ua.conf")).unwrap(),
        "[aliases]\n\"a\" = \"a\"\n"
    );

    // A broken configuration: reported with its file, user aliases still listed.
    std::fs::write(p.join("ua.conf"), "[aliases]\n\"a\" = \"quay.io/a\"\n").unwrap();
    std::fs::write(
        p.join("d/30-bad.conf"),
        "[aliases]\n\"quay.io/x\" = \"quay.io/x\"\n",
    )
    .unwrap();
    let (doc, out) = list_json(p, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(doc["config_error"]["kind"], "invalid-config/bad-alias");
    assert!(stderr(&out).contains("d/30-bad.conf"), "{}", stderr(&out));
    assert_eq!(rows(&doc).len(), 1);
}

#[test]
fn default_cache_path_is_podmans() {
    let dir = config_dir();
    let p = dir.path();
    let home = p.join("home");
    std::fs::create_dir(&home).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .current_dir(p)
            .env("HOME", &home)
            .env_remove("XDG_CACHE_HOME")
            .env("_CONTAINERS_ROOTLESS_UID", "1000")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["alias", "add", "podmanalias", "quay.io/p/podmanalias"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = home.join(".cache/containers/short-name-aliases.conf");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("podmanalias"));
    let out = run(&[
        "alias",
        "list",
        "--format",
        "json",
        "--registries-conf-d",
        "d",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["user_aliases"], json!(file.to_str().unwrap()));
    assert!(rows(&doc).iter().any(|r| r.0 == "podmanalias" && r.3));
    let out = run(&["alias", "remove", "podmanalias"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!std::fs::read_to_string(&file)
        .unwrap()
        .contains("podmanalias"));

    // No HOME, no XDG_CACHE_HOME and a uid without a password-database entry (otherwise its
    // home from /etc/passwd is used, as containers/image does): no default; a usage error
    // says what to pass.
    const NO_SUCH_UID: &str = "3999999999";
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    assert!(
        !passwd
            .lines()
            .any(|l| l.split(':').nth(2) == Some(NO_SUCH_UID)),
        "this host's /etc/passwd has uid {NO_SUCH_UID}: pick another for this test"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(p)
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME")
        .env("_CONTAINERS_ROOTLESS_UID", NO_SUCH_UID)
        .args(["alias", "add", "x", "quay.io/x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--user-aliases"));
}

#[test]
fn list_does_not_create_the_cache() {
    let dir = config_dir();
    let p = dir.path();
    let out = run_in(
        p,
        &[
            "alias",
            "list",
            "--format",
            "json",
            "--registries-conf-d",
            "d",
            "--user-aliases",
            "sub/dir/ua.conf",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["user_aliases"], "sub/dir/ua.conf");
    assert!(!rows(&doc).is_empty());
    assert!(!p.join("sub").exists());
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["alias"][..],
        &["alias", "add", "onlyname"],
        &["alias", "remove"],
        &["alias", "list", "--format", "yaml"],
        &["alias", "frobnicate"],
    ] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}
